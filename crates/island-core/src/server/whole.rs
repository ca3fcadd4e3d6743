//! The one-line fast path. Upstream's sink connects, writes one line and
//! closes, for every event: by the time Island accepts such a connection,
//! its whole life (the line and the end of the stream) is already in the
//! socket. Reading it at once, in the accept loop, hands it to the host as
//! one message, with no task, no poller registration, no output queue and
//! no separate open and close: what makes Island accept connections as fast
//! as upstream makes them, and keeps a storm's memory small.

use bytes::{Bytes, BytesMut};
use island_protocol::{AgentMessage, DecodeError, decode_agent_line};
use std::io::Read;
use std::os::unix::net::UnixStream;
use tokio_util::codec::Decoder;

use super::{ServerCounters, ServerLimits};
use crate::framing::{Frame, LineFramer};
use crate::peer_order::is_control;
use crate::tracker::ConnId;

/// Bytes read at once from a new connection; a connection that sends more
/// before it closes goes the ordinary way.
const AT_ONCE: usize = 16 * 1024;

/// What reading a just-accepted connection at once found.
pub(super) enum Early {
    /// Its whole life: these lines, then the end of the stream, and none of
    /// them a control request (which needs an answer).
    Whole(Vec<AgentMessage>),
    /// Anything else. These bytes were read already; the connection's task
    /// reads them first.
    Begun(Bytes),
}

/// Reads what `stream` (non-blocking) has sent so far without waiting. `scratch` is the
/// accept loop's buffer, reused across connections.
pub(super) fn read_at_once(
    stream: &UnixStream,
    scratch: &mut Vec<u8>,
    limits: &ServerLimits,
    counters: &ServerCounters,
    conn: ConnId,
) -> Early {
    scratch.resize(AT_ONCE, 0);
    let mut len = 0;
    let mut ended = false;
    while len < scratch.len() {
        match (&mut &*stream).read(&mut scratch[len..]) {
            Ok(0) => {
                ended = true;
                break;
            }
            Ok(n) => len += n,
            // Nothing more yet (or an error the task meets again).
            Err(_) => break,
        }
    }
    let read = &scratch[..len];
    if !ended {
        return Early::Begun(Bytes::copy_from_slice(read));
    }
    let mut framer = LineFramer::new(limits.max_line_bytes);
    let mut buf = BytesMut::from(read);
    let mut frames = Vec::new();
    // A framer without a shared budget cannot fail.
    while let Ok(Some(frame)) = framer.decode_eof(&mut buf) {
        frames.push(frame);
    }
    let decoded: Vec<_> = frames
        .into_iter()
        .map(|frame| match frame {
            Frame::Line(line) => Ok(decode_agent_line(&line)),
            Frame::Oversized { len } => Err(len),
        })
        .collect();
    if decoded
        .iter()
        .any(|d| matches!(d, Ok(Ok(message)) if is_control(message)))
    {
        return Early::Begun(Bytes::copy_from_slice(read));
    }
    let mut messages = Vec::with_capacity(decoded.len());
    for d in decoded {
        match d {
            Ok(line) => {
                ServerCounters::bump(&counters.lines);
                match line {
                    Ok(message) => messages.push(message),
                    Err(e) => bad_line(&e, counters, conn),
                }
            }
            Err(len) => oversized_line(len, limits, counters, conn),
        }
    }
    Early::Whole(messages)
}

/// Counts and logs a line that decodes to no message (only the error,
/// never the line: it may hold a prompt).
pub(super) fn bad_line(e: &DecodeError, counters: &ServerCounters, conn: ConnId) {
    ServerCounters::bump(&counters.malformed);
    let kind = match e {
        DecodeError::Unknown => "unknown message",
        DecodeError::Malformed(_) => "malformed line",
    };
    tracing::debug!(conn = conn.0, "skipped a {kind}: {e}");
}

/// Counts and logs a line over the cap.
pub(super) fn oversized_line(
    len: usize,
    limits: &ServerLimits,
    counters: &ServerCounters,
    conn: ConnId,
) {
    ServerCounters::bump(&counters.oversized);
    tracing::warn!(
        conn = conn.0,
        len,
        max = limits.max_line_bytes,
        "skipped an oversized line"
    );
}
