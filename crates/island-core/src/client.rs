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
}

async fn connect(socket: &Path) -> Result<UnixStream, ClientError> {
    UnixStream::connect(socket)
        .await
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
                ClientError::NotRunning(socket.to_path_buf())
            }
            _ => ClientError::Io {
                path: socket.to_path_buf(),
                source,
            },
        })
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

/// Answers an approval.
///
/// # Errors
/// See [`ClientError`].
pub async fn decide(
    socket: &Path,
    approval_id: &str,
    decision: ReviewDecision,
) -> Result<Decided, ClientError> {
    let request = AgentMessage::Decide(DecideRequest {
        approval_id: approval_id.to_owned(),
        decision,
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

/// A snapshot as people read it.
#[must_use]
pub fn describe(snapshot: &Snapshot, now: Timestamp) -> String {
    if snapshot.sessions.is_empty() {
        return "No agent sessions.\n".into();
    }
    let mut out = String::new();
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
        out.push_str(&format!("{:<24} {state}{elapsed}  [{}]\n", s.title, s.id));
        for a in &s.approvals {
            out.push_str(&format!(
                "    approval {}: {}  (waiting {})\n",
                a.approval_id,
                a.command.as_deref().unwrap_or("(command not known yet)"),
                short_duration(now.unix_millis() - a.requested_at.unix_millis())
            ));
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
