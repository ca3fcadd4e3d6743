//! The command line's side of PROTOCOL 5b and 5c: `status`, `watch`,
//! `decide`, `focus` and `send`, plus the text people read.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use island_protocol::{
    AgentMessage, DecideRequest, Decided, FocusRequest, Focused, IslandMessage, ReviewDecision,
    Snapshot, StatusRequest, Timestamp, WatchRequest, decode_agent_line, decode_island_line,
    encode_line,
};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio_util::codec::{FramedRead, LinesCodec};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens at the socket.
    #[error("Island is not running (nothing listens at {0}); start it with `island --headless`")]
    NotRunning(PathBuf),
    /// I/O failed.
    #[error("talking to Island at {path}: {source}")]
    Io {
        /// The socket.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Island answered something unexpected, or nothing.
    #[error("unexpected answer from Island: {0}")]
    Protocol(String),
    /// The line given to `send` is not a protocol line.
    #[error("not a protocol line: {0}")]
    BadLine(String),
    /// The socket's path or its listener is not this user's.
    #[error("refusing to talk to {0}")]
    Untrusted(#[from] island_protocol::trust::TrustError),
}

async fn connect(socket: &Path) -> Result<UnixStream, ClientError> {
    connect_trusted(socket).await.map_err(|e| match e {
        ConnectError::Io(source) => match source.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
                ClientError::NotRunning(socket.to_path_buf())
            }
            _ => ClientError::Io {
                path: socket.to_path_buf(),
                source,
            },
        },
        ConnectError::Untrusted(e) => ClientError::Untrusted(e),
    })
}

/// Why [`connect_trusted`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Connecting failed.
    #[error(transparent)]
    Io(std::io::Error),
    /// The path or the listener is not this user's.
    #[error(transparent)]
    Untrusted(#[from] island_protocol::trust::TrustError),
}

/// Connects to Island's socket, the way every client of Island must
/// (PROTOCOL 5d): the directories on the way are this user's (or root's)
/// and closed to others, and the listener runs as this user. Nothing is
/// written before both hold.
///
/// # Errors
/// See [`ConnectError`].
pub async fn connect_trusted(socket: &Path) -> Result<UnixStream, ConnectError> {
    use island_protocol::trust;
    let me = trust::my_uid();
    trust::check_ancestors(socket, me).map_err(|e| match e {
        // A missing directory means nothing listens: say that.
        trust::TrustError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            ConnectError::Io(source)
        }
        e => ConnectError::Untrusted(e),
    })?;
    // Island's control socket first: a storm of agents' connections on the
    // main socket does not keep it waiting. Then the main socket (an older
    // Island, or one that could not bind the control socket).
    let control = crate::server::control_path(socket);
    if let Ok(stream) = connect_patiently(&control).await {
        trust::check_listener(&stream, &control, me)?;
        return Ok(stream);
    }
    let stream = connect_patiently(socket).await.map_err(ConnectError::Io)?;
    trust::check_listener(&stream, socket, me)?;
    Ok(stream)
}

/// Connects, trying again for a while when the listen backlog is full
/// (`EAGAIN`: Island is busy accepting a storm) and briefly when nothing
/// accepts (`ECONNREFUSED`: Island may be binding again after a restart).
async fn connect_patiently(path: &Path) -> std::io::Result<UnixStream> {
    let mut wait = std::time::Duration::from_millis(1);
    let (mut busy_left, mut refused_left) = (std::time::Duration::from_secs(2), 3);
    loop {
        match UnixStream::connect(path).await {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && busy_left > wait => {
                busy_left -= wait;
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused && refused_left > 0 => {
                refused_left -= 1;
            }
            Err(e) => return Err(e),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(std::time::Duration::from_millis(100));
    }
}

/// Island's reply lines, and the write half kept open while they are read
/// (closing it could end a watch early).
type Replies = (
    FramedRead<tokio::net::unix::OwnedReadHalf, LinesCodec>,
    tokio::net::unix::OwnedWriteHalf,
);

/// Sends one request and yields Island's reply lines.
async fn open(socket: &Path, request: &AgentMessage) -> Result<Replies, ClientError> {
    let stream = connect(socket).await?;
    let (read, mut write) = stream.into_split();
    let line = encode_line(request).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let io = |source| ClientError::Io {
        path: socket.to_path_buf(),
        source,
    };
    write.write_all(&line).await.map_err(io)?;
    Ok((
        FramedRead::new(read, LinesCodec::new_with_max_length(64 * 1024 * 1024)),
        write,
    ))
}

async fn one_reply(socket: &Path, request: &AgentMessage) -> Result<IslandMessage, ClientError> {
    let (mut lines, _write) = open(socket, request).await?;
    match lines.next().await {
        Some(Ok(line)) => {
            decode_island_line(line.as_bytes()).map_err(|e| ClientError::Protocol(e.to_string()))
        }
        Some(Err(e)) => Err(ClientError::Protocol(e.to_string())),
        None => Err(ClientError::Protocol(
            "Island closed the connection without answering".into(),
        )),
    }
}

/// One snapshot.
///
/// # Errors
/// See [`ClientError`].
pub async fn status(socket: &Path) -> Result<Snapshot, ClientError> {
    match one_reply(socket, &AgentMessage::Status(StatusRequest {})).await? {
        IslandMessage::Snapshot(s) => Ok(s),
        other => Err(ClientError::Protocol(format!("{other:?}"))),
    }
}

/// Calls `on_line` with every snapshot line (as sent) until Island closes
/// or `on_line` returns false.
///
/// # Errors
/// See [`ClientError`].
pub async fn watch(
    socket: &Path,
    mut on_line: impl FnMut(&str, Snapshot) -> bool,
) -> Result<(), ClientError> {
    let (mut lines, _write) = open(socket, &AgentMessage::Watch(WatchRequest {})).await?;
    while let Some(line) = lines.next().await {
        let line = line.map_err(|e| ClientError::Protocol(e.to_string()))?;
        match decode_island_line(line.as_bytes()) {
            Ok(IslandMessage::Snapshot(s)) => {
                if !on_line(&line, s) {
                    return Ok(());
                }
            }
            Ok(other) => return Err(ClientError::Protocol(format!("{other:?}"))),
            Err(e) => return Err(ClientError::Protocol(e.to_string())),
        }
    }
    Ok(())
}

/// Answers an approval: `approval_id` is a bare id (unique among the open
/// approvals) or `SESSION/ID`.
///
/// # Errors
/// See [`ClientError`].
pub async fn decide(
    socket: &Path,
    approval_id: &str,
    decision: ReviewDecision,
) -> Result<Decided, ClientError> {
    decide_with_token(socket, approval_id, decision, None).await
}

/// [`decide`] with Island's terminal answer token, which it needs when it
/// takes answers from its own windows alone (`answers_from = "ui"`).
///
/// # Errors
/// See [`ClientError`].
pub async fn decide_with_token(
    socket: &Path,
    approval_id: &str,
    decision: ReviewDecision,
    token: Option<&str>,
) -> Result<Decided, ClientError> {
    let request = AgentMessage::Decide(DecideRequest {
        session_id: None,
        approval_id: approval_id.to_owned(),
        decision,
        token: token.map(str::to_owned),
    });
    match one_reply(socket, &request).await? {
        IslandMessage::Decided(d) => Ok(d),
        other => Err(ClientError::Protocol(format!("{other:?}"))),
    }
}

/// Asks Island to bring a session's terminal to the front.
///
/// # Errors
/// See [`ClientError`].
pub async fn focus(socket: &Path, request: FocusRequest) -> Result<Focused, ClientError> {
    match one_reply(socket, &AgentMessage::Focus(request)).await? {
        IslandMessage::Focused(f) => Ok(f),
        other => Err(ClientError::Protocol(format!("{other:?}"))),
    }
}

/// A forward registered with Island: it lasts while this lives.
pub struct ForwardLease {
    replies: Replies,
}

impl std::fmt::Debug for ForwardLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardLease").finish_non_exhaustive()
    }
}

impl ForwardLease {
    /// Resolves when Island closes the registration (it stopped, or it
    /// refused it).
    pub async fn closed(&mut self) {
        while let Some(Ok(_)) = self.replies.0.next().await {}
    }
}

/// Tells Island that connections from `request.ssh_pid` come from
/// `request.host` (`island remote`), and waits for its welcome.
///
/// # Errors
/// See [`ClientError`]; Island closes the connection without a welcome
/// when the process is not an `ssh` of this user.
pub async fn register_forward(
    socket: &Path,
    request: island_protocol::RemoteRequest,
) -> Result<ForwardLease, ClientError> {
    let mut replies = open(socket, &AgentMessage::Remote(request)).await?;
    match replies.0.next().await {
        Some(Ok(line)) => match decode_island_line(line.as_bytes()) {
            Ok(IslandMessage::Welcome(_)) => Ok(ForwardLease { replies }),
            Ok(other) => Err(ClientError::Protocol(format!("{other:?}"))),
            Err(e) => Err(ClientError::Protocol(e.to_string())),
        },
        Some(Err(e)) => Err(ClientError::Protocol(e.to_string())),
        None => Err(ClientError::Protocol(
            "Island refused the forward (see its log): the ssh process must be yours".into(),
        )),
    }
}

/// Sends one protocol line as it is (after checking that it decodes), on a
/// connection of its own, the way the upstream sink does.
///
/// # Errors
/// [`ClientError::BadLine`] when the line would be skipped by Island.
pub async fn send(socket: &Path, line: &str) -> Result<(), ClientError> {
    let line = line.trim_end_matches(['\n', '\r']);
    decode_agent_line(line.as_bytes()).map_err(|e| ClientError::BadLine(e.to_string()))?;
    let mut stream = connect(socket).await?;
    let io = |source| ClientError::Io {
        path: socket.to_path_buf(),
        source,
    };
    stream
        .write_all(format!("{line}\n").as_bytes())
        .await
        .map_err(io)?;
    stream.shutdown().await.map_err(io)
}

use crate::display::safe;

/// A snapshot as people read it.
#[must_use]
pub fn describe(snapshot: &Snapshot, now: Timestamp) -> String {
    let held = snapshot
        .holding
        .as_deref()
        .map(|why| format!("Notices are held: {}.\n", safe(why)))
        .unwrap_or_default();
    if snapshot.sessions.is_empty() {
        return format!("{held}No agent sessions.\n");
    }
    let mut out = held;
    for s in &snapshot.sessions {
        let state = crate::view::state_label(s.state);
        let elapsed = s
            .turn_started_at
            .map(|t| {
                format!(
                    " for {}",
                    short_duration(now.unix_millis() - t.unix_millis())
                )
            })
            .unwrap_or_default();
        // Agent text is made visible: a `\r` or an escape sequence in a
        // command must not redraw the terminal over what is shown.
        let title = match &s.host {
            Some(host) => format!("{} on {}", safe(&s.title), safe(host)),
            None => safe(&s.title),
        };
        out.push_str(&format!(
            "{title:<24} {state}{elapsed}  [{}]\n",
            safe(&s.id)
        ));
        let mut doing: Vec<String> = Vec::new();
        if let Some(tool) = &s.current_tool {
            doing.push(format!("running {}", safe(tool)));
        }
        doing.extend(
            s.jobs
                .iter()
                .map(|j| safe(j.detail.as_deref().unwrap_or(&j.job_id))),
        );
        if let Some(model) = &s.model {
            let mode = s
                .permission_mode
                .as_deref()
                .map(|m| format!(", {} mode", safe(m)))
                .unwrap_or_default();
            doing.push(format!("{}{mode}", safe(model)));
        }
        if !doing.is_empty() {
            out.push_str(&format!("    {}\n", doing.join("; ")));
        }
        for a in &s.approvals {
            out.push_str(&format!(
                "    approval {}: {}  (waiting {})\n",
                safe(&a.approval_id),
                a.command
                    .as_deref()
                    .map_or_else(|| "(command not known yet)".to_owned(), safe),
                short_duration(now.unix_millis() - a.requested_at.unix_millis())
            ));
            let choices: Vec<String> = a
                .decisions
                .iter()
                .filter_map(ReviewDecision::option)
                .map(|label| format!("{:?}", safe(label)))
                .collect();
            if !choices.is_empty() {
                out.push_str(&format!(
                    "      choose with `island answer {} CHOICE`: {}\n",
                    safe(&a.approval_id),
                    choices.join(", ")
                ));
            }
        }
    }
    out
}

fn short_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}
