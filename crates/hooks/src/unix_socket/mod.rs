//! [`UnixSocketHookSink`]: streams events to Island over one persistent
//! Unix-socket connection and brings Island's decisions back.
//!
//! - `emit` only pushes onto a bounded queue; a background task owns the
//!   connection. No connect per event and no I/O on the agent's task.
//! - The connection is made lazily, on the first event, and made again with
//!   capped exponential backoff (with jitter) when Island starts later or
//!   restarts. Island being absent is never an error for the agent.
//! - Every connection starts with a hello line (PROTOCOL 4.2), then the
//!   offline backlog and the open approvals (see [`replay`]).
//! - Under pressure, consecutive deltas of one response are coalesced and
//!   other deltas dropped, counted; approvals and turn events never are.
//! - `decision` lines from Island go to the dispatcher, where the first
//!   answer wins.
//!
//! Off Unix the sink compiles and does nothing: every event is counted as
//! discarded, and no decision ever arrives.

use std::path::PathBuf;
use std::time::Duration;

use crate::queue::QueueLimits;
use crate::session::SessionInfo;

mod replay;

#[cfg(unix)]
#[path = "unix.rs"]
mod imp;
#[cfg(not(unix))]
#[path = "other.rs"]
mod imp;

pub use imp::UnixSocketHookSink;

/// How the Island sink behaves. [`UnixSocketOptions::new`] has the defaults.
#[derive(Debug, Clone)]
pub struct UnixSocketOptions {
    /// The socket (see `island_protocol::resolve_socket_path`).
    pub path: PathBuf,
    /// Who this session is, for the hello line.
    pub session: SessionInfo,
    /// Queue sizes between `emit` and the background task.
    pub limits: QueueLimits,
    /// First wait after a failed connect.
    pub initial_backoff: Duration,
    /// Longest wait between connects.
    pub max_backoff: Duration,
    /// A write that takes longer means Island is stuck: the connection is
    /// dropped and made again.
    pub write_timeout: Duration,
    /// Events kept while Island is unreachable.
    pub offline_backlog: usize,
    /// How long an offline event stays worth sending.
    pub offline_max_age: Duration,
    /// Longest line accepted from Island.
    pub max_line_bytes: usize,
}

impl UnixSocketOptions {
    /// Defaults: 100 ms to 5 s backoff, 5 s write timeout, 1024 offline
    /// events for up to 60 s, 1 MiB lines.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>, session: SessionInfo) -> Self {
        Self {
            path: path.into(),
            session,
            limits: QueueLimits::default(),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            write_timeout: Duration::from_secs(5),
            offline_backlog: 1024,
            offline_max_age: Duration::from_secs(60),
            max_line_bytes: island_protocol::DEFAULT_MAX_LINE_BYTES,
        }
    }
}
