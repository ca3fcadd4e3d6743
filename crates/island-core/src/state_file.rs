//! What Island keeps across its own restart: the upstream sessions (one
//! connection per line, no hello) that have an open approval or a running
//! turn. Their agents never send those lines again, so an Island that
//! restarted (an update, a crash, a log-out of the desktop only) would
//! otherwise lose the card the user still has to answer. Agents with a
//! hello re-attach by themselves and replay their open approvals; they are
//! not kept here.
//!
//! The file sits beside the socket (in the user's 0700 runtime directory),
//! is written 0600 and atomically, at most once a second and only when it
//! changed. At start, a saved session comes back only if its process still
//! runs with the start time in the session's id: nothing is restored for a
//! process that is gone, or for a pid that now names another process.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::tracker::{Link, Session};

/// The version of the file's shape.
const VERSION: u32 = 1;
/// A larger file is not read (it cannot be Island's: 256 approvals and
/// 2,048 sessions fit well under it).
const MAX_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Saved {
    version: u32,
    sessions: Vec<Session>,
}

/// Where the state of the Island on `socket` is kept.
#[must_use]
pub fn path_for(socket: &Path) -> PathBuf {
    socket.with_file_name("island-state.json")
}

/// The file's text for these sessions.
///
/// # Errors
/// If a session does not encode (it always does).
pub fn encode(sessions: Vec<Session>) -> serde_json::Result<String> {
    serde_json::to_string(&Saved {
        version: VERSION,
        sessions,
    })
}

/// The saved sessions whose process still runs as the same process. A
/// missing file is no session; a file that cannot be read is said in the
/// log and ignored.
#[must_use]
pub fn load(path: &Path) -> Vec<Session> {
    load_with(path, crate::platform::process_start_time)
}

/// [`load`], with the start time of a process (`None`: not running).
pub(crate) fn load_with(path: &Path, start_of: impl Fn(u32) -> Option<u64>) -> Vec<Session> {
    let text = match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_BYTES => {
            tracing::warn!(
                "ignored {}: {} bytes is not Island's",
                path.display(),
                meta.len()
            );
            return Vec::new();
        }
        Ok(_) => match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                tracing::warn!("cannot read {}: {e}", path.display());
                return Vec::new();
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            tracing::warn!("cannot read {}: {e}", path.display());
            return Vec::new();
        }
    };
    let saved: Saved = match serde_json::from_str(&text) {
        Ok(saved) => saved,
        Err(e) => {
            tracing::warn!("ignored {}: {e}", path.display());
            return Vec::new();
        }
    };
    if saved.version != VERSION {
        tracing::warn!(
            "ignored {}: version {} (this Island writes {VERSION})",
            path.display(),
            saved.version
        );
        return Vec::new();
    }
    let total = saved.sessions.len();
    let alive: Vec<Session> = saved
        .sessions
        .into_iter()
        .filter(|s| {
            let Link::OneLine { pid: Some(pid) } = s.link else {
                return false;
            };
            let Some(start) = crate::liveness::start_in_id(&s.id, pid) else {
                return false;
            };
            start_of(pid) == Some(start)
        })
        .collect();
    tracing::info!(
        "restored {} of {total} saved upstream sessions (the others' processes are gone)",
        alive.len()
    );
    alive
}

#[cfg(test)]
mod tests {
    use super::*;
    use island_protocol::Timestamp;

    fn upstream(pid: u32, start: u64) -> Session {
        Session::new(
            format!("pid-{pid}-{start}"),
            "proj".into(),
            Link::OneLine { pid: Some(pid) },
            Timestamp::from_unix_millis(1_795_428_000_000).expect("time"),
        )
    }

    #[test]
    fn only_sessions_whose_process_runs_as_the_same_process_come_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = path_for(&dir.path().join("island.sock"));
        assert!(load_with(&path, |_| Some(1)).is_empty(), "no file");
        let text = encode(vec![
            upstream(10, 100), // runs, same start: back
            upstream(11, 100), // gone
            upstream(12, 100), // pid reused by a later process
            Session::new(
                "hello-session".into(),
                "x".into(),
                Link::OneLine { pid: None },
                Timestamp::from_unix_millis(0).expect("time"),
            ),
        ])
        .expect("encodes");
        std::fs::write(&path, text).expect("write");
        let back = load_with(&path, |pid| match pid {
            10 => Some(100),
            12 => Some(555),
            _ => None,
        });
        let ids: Vec<&str> = back.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["pid-10-100"]);
        // A file that is not Island's is ignored, not fatal.
        std::fs::write(&path, "{not json").expect("write");
        assert!(load_with(&path, |_| Some(100)).is_empty());
        std::fs::write(&path, r#"{"version":99,"sessions":[]}"#).expect("write");
        assert!(load_with(&path, |_| Some(100)).is_empty());
    }
}

/// Writes the file when what it would hold changed: at most once a second,
/// off the host's thread.
#[derive(Debug)]
pub struct Saver {
    path: PathBuf,
    due: bool,
    next_at: tokio::time::Instant,
    last: Option<String>,
    writing: Option<tokio::task::JoinHandle<()>>,
}

/// The shortest time between two writes.
const EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Saver {
    /// A saver for the file at `path`.
    #[must_use]
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            due: false,
            next_at: tokio::time::Instant::now(),
            last: None,
            writing: None,
        }
    }

    /// Something Island shows changed: the file may have to follow.
    pub fn mark(&mut self) {
        self.due = true;
    }

    /// When to call [`save`](Self::save), if anything is due.
    #[must_use]
    pub fn due_at(&self) -> Option<tokio::time::Instant> {
        self.due.then_some(self.next_at)
    }

    /// Writes `sessions` if they differ from what was written last.
    pub fn save(&mut self, sessions: Vec<Session>) {
        if self.writing.as_ref().is_some_and(|w| !w.is_finished()) {
            self.next_at = tokio::time::Instant::now() + EVERY / 10;
            return; // the last write is still going: try again shortly
        }
        self.due = false;
        self.next_at = tokio::time::Instant::now() + EVERY;
        let text = match encode(sessions) {
            Ok(text) => text,
            Err(e) => {
                tracing::error!("cannot encode the state file: {e}");
                return;
            }
        };
        if self.last.as_deref() == Some(text.as_str()) {
            return;
        }
        self.last = Some(text.clone());
        let path = self.path.clone();
        self.writing = Some(tokio::task::spawn_blocking(move || {
            if let Err(e) = crate::atomic::write_private(&path, &text) {
                tracing::warn!("cannot write {}: {e}", path.display());
            }
        }));
    }
}
