//! Hook events (PROTOCOL section 4.1): the envelope, `HookEvent`, `EventFrame`,
//! approval requests and review decisions.
//!
//! Every enum here tolerates what a newer agent may send: an unknown `type`
//! or `event` decodes to an `Unknown` variant and unknown fields are ignored.
//!
//! Over 400 lines: the wire types of one section of the contract (4.1),
//! each with its tolerant decoding; split, the section would be read in
//! pieces.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use serde_json::Value;

use crate::tagged::tagged_enum;
use crate::time::Timestamp;

/// One event line: `{"at": ..., "event": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// When the agent emitted the event.
    pub at: Timestamp,
    /// What happened.
    pub event: HookEvent,
}

impl EventEnvelope {
    /// Wraps an event with the current time.
    #[must_use]
    pub fn now(event: HookEvent) -> Self {
        Self {
            at: Timestamp::now(),
            event,
        }
    }
}

tagged_enum! {
/// A hook event, internally tagged by `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum HookEvent (tag = "type", expecting = "a hook event object with a `type`") {
    /// A model response began streaming.
    ResponseStart = "response_start" {
        /// The response.
        response_id: String,
    },
    /// A chunk of streamed response text.
    ResponseDelta = "response_delta" {
        /// The response the chunk belongs to.
        response_id: String,
        /// The text.
        delta: String,
    },
    /// A model response finished streaming.
    ResponseEnd = "response_end" {
        /// The response.
        response_id: String,
    },
    /// A tool moved through a phase (precheck, dispatching, failed, ...).
    ToolLifecycle = "tool_lifecycle" {
        /// The tool call's id (upstream names it `response_id`).
        response_id: String,
        /// The tool.
        tool_name: String,
        /// The phase, free text.
        phase: String,
        /// Anything the agent attached.
        #[serde(default)]
        payload: Value,
    },
    /// A background job moved through a phase.
    JobLifecycle = "job_lifecycle" {
        /// The job.
        job_id: String,
        /// The phase, free text.
        phase: String,
        /// Percent done, when known.
        #[serde(default)]
        progress: Option<u8>,
        /// A human-readable detail.
        #[serde(default)]
        detail: Option<String>,
    },
    /// An approval opened (`requested`) or closed (any other phase).
    ApprovalLifecycle = "approval_lifecycle" {
        /// The approval.
        approval_id: String,
        /// What happened to it.
        phase: ApprovalPhase,
        /// Why it was asked or how it ended.
        #[serde(default)]
        reason: Option<String>,
    },
    /// A protocol frame of the agent's own event stream.
    GenericEventFrame = "generic_event_frame" {
        /// The frame.
        frame: EventFrame,
    },
}
}

impl HookEvent {
    /// True for streaming output that may be coalesced or dropped under
    /// pressure (PROTOCOL section 6). Nothing else may be dropped.
    #[must_use]
    pub fn is_streaming_delta(&self) -> bool {
        matches!(self, Self::ResponseDelta { .. })
    }

    /// Shorthand for a `generic_event_frame`.
    #[must_use]
    pub fn frame(frame: EventFrame) -> Self {
        Self::GenericEventFrame { frame }
    }
}

/// What happened to an approval. `requested` opens it; every other phase,
/// including ones this version does not know, closes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApprovalPhase {
    /// The agent asks the user.
    Requested,
    /// The user approved once.
    Approved,
    /// The user approved for the rest of the session.
    ApprovedForSession,
    /// The user or a rule denied it.
    Denied,
    /// The user aborted the turn.
    Aborted,
    /// The agent withdrew the request.
    Cancelled,
    /// Nobody answered in time.
    TimedOut,
    /// A phase this version does not know; it closes the approval.
    Other(String),
}

impl ApprovalPhase {
    /// The wire name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::ApprovedForSession => "approved_for_session",
            Self::Denied => "denied",
            Self::Aborted => "aborted",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed_out",
            Self::Other(other) => other,
        }
    }

    /// Parses a wire name; unknown names become [`ApprovalPhase::Other`].
    #[must_use]
    pub fn from_wire(text: &str) -> Self {
        match text {
            "requested" => Self::Requested,
            "approved" => Self::Approved,
            "approved_for_session" => Self::ApprovedForSession,
            "denied" => Self::Denied,
            "aborted" => Self::Aborted,
            "cancelled" => Self::Cancelled,
            "timed_out" => Self::TimedOut,
            other => Self::Other(other.to_owned()),
        }
    }

    /// True for every phase but `requested`.
    #[must_use]
    pub fn is_closing(&self) -> bool {
        !matches!(self, Self::Requested)
    }

    /// The closing phase that reports a decision.
    #[must_use]
    pub fn closing_for(decision: &ReviewDecision) -> Self {
        match decision {
            ReviewDecision::Approved
            | ReviewDecision::ApprovedExecpolicyAmendment
            | ReviewDecision::NetworkPolicyAmendment { .. }
            | ReviewDecision::Chosen { .. } => Self::Approved,
            ReviewDecision::ApprovedForSession => Self::ApprovedForSession,
            ReviewDecision::Denied | ReviewDecision::Unknown => Self::Denied,
            ReviewDecision::Abort => Self::Aborted,
        }
    }
}

impl fmt::Display for ApprovalPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ApprovalPhase {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApprovalPhase {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = ApprovalPhase;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an approval phase name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ApprovalPhase, E> {
                Ok(ApprovalPhase::from_wire(v))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

tagged_enum! {
/// A frame of the agent's event stream, internally tagged by `event`.
#[derive(Debug, Clone, PartialEq)]
pub enum EventFrame (tag = "event", expecting = "an event frame object with an `event`") {
    /// A turn began.
    TurnStarted = "turn_started" {
        /// The turn.
        turn_id: String,
    },
    /// A turn finished normally.
    TurnComplete = "turn_complete" {
        /// The turn.
        turn_id: String,
    },
    /// A turn ended early.
    TurnAborted = "turn_aborted" {
        /// The turn.
        turn_id: String,
        /// Why, when said.
        #[serde(default)]
        reason: Option<String>,
    },
    /// The agent asks to run a command.
    ExecApprovalRequest = "exec_approval_request" {
        /// What it asks (boxed: it is much larger than other frames).
        request: Box<ExecApprovalRequestEvent>,
    },
    /// The agent asks to apply a patch.
    ApplyPatchApprovalRequest = "apply_patch_approval_request" {
        /// What it asks (boxed: it is much larger than other frames).
        request: Box<ExecApprovalRequestEvent>,
    },
    /// The agent waits for typed input.
    UserInputRequest = "user_input_request" {
        /// The request as the agent sent it.
        #[serde(default)]
        request: Value,
    },
    /// Something went wrong.
    Error = "error" {
        /// The response or tool call it concerns, when known.
        #[serde(default)]
        response_id: Option<String>,
        /// What went wrong.
        message: String,
    },
    /// A tool call began.
    ToolCallStart = "tool_call_start" {
        /// The call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
        /// The tool.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool_name: Option<String>,
    },
    /// A tool call returned.
    ToolCallResult = "tool_call_result" {
        /// The call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
        /// The tool.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool_name: Option<String>,
    },
    /// A shell command began.
    ExecCommandBegin = "exec_command_begin" {
        /// The command line.
        command: CommandLine,
        /// Where it runs.
        #[serde(default)]
        cwd: Option<String>,
    },
    /// A shell command ended.
    ExecCommandEnd = "exec_command_end" {
        /// The command line.
        command: CommandLine,
        /// Its exit code, when it exited.
        #[serde(default)]
        exit_code: Option<i32>,
    },
    /// The session is over, though its process may live on (an agent
    /// whose one process serves several sessions says so from its hooks).
    /// This project's extension of PROTOCOL 4.1; an Island that does not
    /// know it ignores it.
    SessionEnd = "session_end" {
        /// Why, when said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}
}

/// The body of an `exec_approval_request` or `apply_patch_approval_request`
/// frame. Arrays missing on input are empty.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExecApprovalRequestEvent {
    /// The tool call that needs approval.
    #[serde(default)]
    pub call_id: String,
    /// The approval, shared with `approval_lifecycle`.
    pub approval_id: String,
    /// The turn it belongs to.
    #[serde(default)]
    pub turn_id: String,
    /// The command to run.
    #[serde(default)]
    pub command: CommandLine,
    /// Where it would run.
    #[serde(default)]
    pub cwd: String,
    /// Why approval is needed.
    #[serde(default)]
    pub reason: Option<String>,
    /// The policy rule that matched, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_rule: Option<String>,
    /// The network access involved, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_approval_context: Option<NetworkApprovalContext>,
    /// Command prefixes the user may allow from now on.
    #[serde(default)]
    pub proposed_execpolicy_amendment: Vec<String>,
    /// Hosts the user may allow or deny from now on.
    #[serde(default)]
    pub proposed_network_policy_amendments: Vec<NetworkPolicyAmendment>,
    /// Extra permissions the command needs.
    #[serde(default)]
    pub additional_permissions: Vec<String>,
    /// The answers the agent accepts.
    #[serde(default)]
    pub available_decisions: Vec<ReviewDecision>,
}

/// Network access an approval concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkApprovalContext {
    /// The host.
    pub host: String,
    /// The protocol (`https`, `ssh`, ...).
    pub protocol: String,
}

/// A proposed network policy change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkPolicyAmendment {
    /// The host.
    pub host: String,
    /// `allow` or `deny`.
    pub action: String,
}

/// An answer to an approval, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Run it once.
    Approved,
    /// Run it and similar ones for the rest of the session.
    ApprovedForSession,
    /// Run it and add the proposed prefix rule.
    ApprovedExecpolicyAmendment,
    /// Do not run it.
    Denied,
    /// Do not run it and stop the turn.
    Abort,
    /// Apply a network policy change.
    NetworkPolicyAmendment {
        /// The host.
        host: String,
        /// `allow` or `deny`.
        action: String,
    },
    /// One of the options a question offers, by its label (this project's
    /// extension: an agent that asks the user to choose, such as Claude
    /// Code's AskUserQuestion, lists one per option in
    /// `available_decisions`).
    Chosen {
        /// The option's label, as the agent gave it.
        label: String,
    },
    /// A decision this version does not know.
    #[serde(other)]
    Unknown,
}

impl ReviewDecision {
    /// The option's label, for a question's option (`chosen`).
    #[must_use]
    pub fn option(&self) -> Option<&str> {
        match self {
            Self::Chosen { label } => Some(label),
            _ => None,
        }
    }

    /// A short label for people ("Approve", "Deny", ...).
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Approved => "Approve".into(),
            Self::ApprovedForSession => "Approve for session".into(),
            Self::ApprovedExecpolicyAmendment => "Always allow".into(),
            Self::Denied => "Deny".into(),
            Self::Abort => "Abort turn".into(),
            Self::NetworkPolicyAmendment { host, action } => format!("{action} {host}"),
            Self::Chosen { label } => label.clone(),
            Self::Unknown => "Unknown".into(),
        }
    }
}

/// A command line. Upstream sends a string; some agents send an argv array,
/// which is joined with shell quoting so that it reads as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct CommandLine(pub String);

impl CommandLine {
    /// The command as one string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for CommandLine {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl Serialize for CommandLine {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = CommandLine;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command string or an array of arguments")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CommandLine, E> {
                Ok(CommandLine(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<CommandLine, E> {
                Ok(CommandLine(v))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<CommandLine, A::Error> {
                let mut args: Vec<String> = Vec::new();
                while let Some(arg) = seq.next_element::<String>()? {
                    args.push(arg);
                }
                let joined = shlex::try_join(args.iter().map(String::as_str))
                    .map_err(|e| de::Error::custom(format_args!("bad argument: {e}")))?;
                Ok(CommandLine(joined))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
