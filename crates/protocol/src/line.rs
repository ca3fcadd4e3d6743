//! Framing: one JSON object per line. Decodes what each side receives and
//! encodes what it sends. The top-level key says what a line is; an event
//! line is the envelope itself (`at` and `event`).

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::event::{EventEnvelope, EventFrame, HookEvent};
use crate::message::{
    DecideRequest, Decided, Decision, FocusRequest, Focused, Hello, RemoteRequest, Snapshot,
    StatusRequest, WatchRequest, Welcome,
};

/// A line that an agent or a local client sends to Island.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentMessage {
    /// A hook event.
    Event(EventEnvelope),
    /// The first line of a long-lived agent connection (boxed: rare and
    /// much larger than an event).
    Hello(Box<Hello>),
    /// One snapshot, then close.
    Status(StatusRequest),
    /// Snapshots until the client closes.
    Watch(WatchRequest),
    /// Answer an approval (command line).
    Decide(DecideRequest),
    /// Bring a session's terminal to the front.
    Focus(FocusRequest),
    /// An SSH forward from a remote machine (`island remote`).
    Remote(RemoteRequest),
    /// A `decision` line sent the wrong way. Island ignores it; it is decoded
    /// so that it can be counted rather than called malformed.
    Decision(Decision),
}

/// A line that Island sends to an agent or a local client.
#[derive(Debug, Clone, PartialEq)]
pub enum IslandMessage {
    /// Reply to a hello.
    Welcome(Welcome),
    /// An answer to an approval.
    Decision(Decision),
    /// Reply to status, and each update of a watch.
    Snapshot(Snapshot),
    /// Reply to decide.
    Decided(Decided),
    /// Reply to focus.
    Focused(Focused),
}

/// Why a line was not decoded. Either way the line is skipped and counted;
/// it never ends the connection.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, not UTF-8, or a known message with the wrong shape.
    #[error("malformed line: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A JSON object with no key this version knows.
    #[error("unknown message (no known top-level key)")]
    Unknown,
}

// One pass over the line: every known top-level key is optional and unknown
// keys are skipped, so a newer peer's additions never fail a line.
#[derive(Deserialize)]
struct RawAgentLine {
    at: Option<crate::time::Timestamp>,
    event: Option<HookEvent>,
    hello: Option<Hello>,
    status: Option<StatusRequest>,
    watch: Option<WatchRequest>,
    decide: Option<DecideRequest>,
    focus: Option<FocusRequest>,
    remote: Option<RemoteRequest>,
    decision: Option<Decision>,
}

#[derive(Deserialize)]
struct RawIslandLine {
    welcome: Option<Welcome>,
    decision: Option<Decision>,
    snapshot: Option<Snapshot>,
    decided: Option<Decided>,
    focused: Option<Focused>,
}

/// Decodes one line received by Island (without its newline; a trailing `\r`
/// is tolerated).
///
/// # Errors
/// [`DecodeError::Malformed`] for bad JSON or a bad shape,
/// [`DecodeError::Unknown`] for an object with no known key.
pub fn decode_agent_line(line: &[u8]) -> Result<AgentMessage, DecodeError> {
    let raw: RawAgentLine = from_line(line)?;
    if let Some(event) = raw.event {
        let at = raw
            .at
            .ok_or_else(|| serde::de::Error::missing_field("at"))
            .map_err(DecodeError::Malformed)?;
        check_event_bounds(&event)?;
        return Ok(AgentMessage::Event(EventEnvelope { at, event }));
    }
    let message = if let Some(m) = raw.hello {
        AgentMessage::Hello(Box::new(m))
    } else if let Some(m) = raw.status {
        AgentMessage::Status(m)
    } else if let Some(m) = raw.watch {
        AgentMessage::Watch(m)
    } else if let Some(m) = raw.decide {
        AgentMessage::Decide(m)
    } else if let Some(m) = raw.focus {
        AgentMessage::Focus(m)
    } else if let Some(m) = raw.remote {
        AgentMessage::Remote(m)
    } else if let Some(m) = raw.decision {
        AgentMessage::Decision(m)
    } else {
        return Err(DecodeError::Unknown);
    };
    check_message_bounds(&message)?;
    Ok(message)
}

/// Longest id (session, approval) a line may carry, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// Longest session title.
pub const MAX_TITLE_BYTES: usize = 1024;
/// Longest host name (DNS allows 253; a `user@` or an ssh alias adds some).
pub const MAX_HOST_BYTES: usize = 255;
/// Longest directory (Linux's `PATH_MAX`).
pub const MAX_CWD_BYTES: usize = 4096;

fn too_long(what: &str, value: &str, max: usize) -> Result<(), DecodeError> {
    if value.len() > max {
        return Err(DecodeError::Malformed(serde::de::Error::custom(format!(
            "{what} is {} bytes, more than the {max} allowed",
            value.len()
        ))));
    }
    Ok(())
}

/// Ids, titles and directories have bounds (a session keyed by a 1 MiB id
/// would cost that much in every snapshot): a line past them is malformed.
fn check_message_bounds(message: &AgentMessage) -> Result<(), DecodeError> {
    match message {
        AgentMessage::Hello(hello) => {
            too_long("session_id", &hello.session_id, MAX_ID_BYTES)?;
            too_long(
                "agent",
                hello.agent.as_deref().unwrap_or_default(),
                MAX_ID_BYTES,
            )?;
            too_long(
                "title",
                hello.title.as_deref().unwrap_or_default(),
                MAX_TITLE_BYTES,
            )?;
            too_long(
                "host",
                hello.host.as_deref().unwrap_or_default(),
                MAX_HOST_BYTES,
            )?;
            too_long(
                "cwd",
                hello.cwd.as_deref().unwrap_or_default(),
                MAX_CWD_BYTES,
            )
        }
        AgentMessage::Remote(r) => {
            too_long("host", &r.host, MAX_HOST_BYTES)?;
            too_long(
                "control_path",
                r.control_path.as_deref().unwrap_or_default(),
                MAX_CWD_BYTES,
            )
        }
        AgentMessage::Decide(d) => {
            too_long(
                "session_id",
                d.session_id.as_deref().unwrap_or_default(),
                MAX_ID_BYTES,
            )?;
            too_long("approval_id", &d.approval_id, 2 * MAX_ID_BYTES + 1)
        }
        AgentMessage::Focus(f) => too_long(
            "session_id",
            f.session_id.as_deref().unwrap_or_default(),
            MAX_ID_BYTES,
        ),
        _ => Ok(()),
    }
}

fn check_event_bounds(event: &HookEvent) -> Result<(), DecodeError> {
    match event {
        HookEvent::ApprovalLifecycle { approval_id, .. } => {
            too_long("approval_id", approval_id, MAX_ID_BYTES)
        }
        HookEvent::GenericEventFrame {
            frame:
                EventFrame::ExecApprovalRequest { request }
                | EventFrame::ApplyPatchApprovalRequest { request },
        } => {
            too_long("approval_id", &request.approval_id, MAX_ID_BYTES)?;
            too_long("cwd", &request.cwd, MAX_CWD_BYTES)
        }
        _ => Ok(()),
    }
}

/// Decodes one line received from Island.
///
/// # Errors
/// As [`decode_agent_line`].
pub fn decode_island_line(line: &[u8]) -> Result<IslandMessage, DecodeError> {
    let raw: RawIslandLine = from_line(line)?;
    let message = if let Some(m) = raw.decision {
        IslandMessage::Decision(m)
    } else if let Some(m) = raw.welcome {
        IslandMessage::Welcome(m)
    } else if let Some(m) = raw.snapshot {
        IslandMessage::Snapshot(m)
    } else if let Some(m) = raw.decided {
        IslandMessage::Decided(m)
    } else if let Some(m) = raw.focused {
        IslandMessage::Focused(m)
    } else {
        return Err(DecodeError::Unknown);
    };
    Ok(message)
}

/// Checks UTF-8 once for the whole line, then parses from `&str`: faster
/// than letting the parser check every string on its own.
fn from_line<'a, T: Deserialize<'a>>(line: &'a [u8]) -> Result<T, DecodeError> {
    let text = std::str::from_utf8(trim_cr(line)).map_err(|e| {
        DecodeError::Malformed(serde::de::Error::custom(format_args!(
            "the line is not UTF-8: {e}"
        )))
    })?;
    Ok(serde_json::from_str(text)?)
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Serializes a message and appends the newline.
///
/// # Errors
/// Only if a value cannot be represented as JSON (never for this crate's
/// types).
pub fn encode_line<T: Serialize + ?Sized>(message: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = serde_json::to_vec(message)?;
    out.push(b'\n');
    Ok(out)
}

fn single_key<S: Serializer, T: Serialize>(
    serializer: S,
    key: &str,
    value: &T,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(key, value)?;
    map.end()
}

impl Serialize for AgentMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Event(m) => m.serialize(serializer),
            Self::Hello(m) => single_key(serializer, "hello", m),
            Self::Status(m) => single_key(serializer, "status", m),
            Self::Watch(m) => single_key(serializer, "watch", m),
            Self::Decide(m) => single_key(serializer, "decide", m),
            Self::Focus(m) => single_key(serializer, "focus", m),
            Self::Remote(m) => single_key(serializer, "remote", m),
            Self::Decision(m) => single_key(serializer, "decision", m),
        }
    }
}

impl Serialize for IslandMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Welcome(m) => single_key(serializer, "welcome", m),
            Self::Decision(m) => single_key(serializer, "decision", m),
            Self::Snapshot(m) => single_key(serializer, "snapshot", m),
            Self::Decided(m) => single_key(serializer, "decided", m),
            Self::Focused(m) => single_key(serializer, "focused", m),
        }
    }
}
