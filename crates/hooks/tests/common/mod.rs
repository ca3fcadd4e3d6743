//! A listener standing in for Island in the agent crate's tests: a real Unix
//! socket in a temp dir that records every line of every connection and can
//! answer on any of them. (Island itself lives in its own crate; these tests
//! must not depend on it.)

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codewhale_hooks::SessionInfo;
use island_protocol::{AgentMessage, TerminalInfo, decode_agent_line};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

#[derive(Default)]
pub struct Recorded {
    /// Lines of each connection, in order of acceptance.
    pub connections: Vec<Vec<String>>,
    writers: Vec<Arc<tokio::sync::Mutex<OwnedWriteHalf>>>,
}

pub struct ListenerStandIn {
    pub path: PathBuf,
    pub recorded: Arc<Mutex<Recorded>>,
    changed: Arc<Notify>,
    task: JoinHandle<()>,
}

impl ListenerStandIn {
    /// Binds `path` and starts recording. With `read == false` connections
    /// are accepted but never read (a stuck Island).
    pub fn bind(path: &Path) -> Self {
        Self::bind_with(path, true)
    }

    pub fn bind_with(path: &Path, read: bool) -> Self {
        let listener = UnixListener::bind(path).unwrap();
        let recorded = Arc::new(Mutex::new(Recorded::default()));
        let changed = Arc::new(Notify::new());
        let (rec, ch) = (Arc::clone(&recorded), Arc::clone(&changed));
        let task = tokio::spawn(async move {
            let mut readers = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                let (r, w) = stream.into_split();
                let index = {
                    let mut g = rec.lock().unwrap();
                    g.connections.push(Vec::new());
                    g.writers.push(Arc::new(tokio::sync::Mutex::new(w)));
                    g.connections.len() - 1
                };
                ch.notify_waiters();
                if !read {
                    readers.push(tokio::spawn(async move {
                        let _keep = r;
                        std::future::pending::<()>().await;
                    }));
                    continue;
                }
                let (rec, ch) = (Arc::clone(&rec), Arc::clone(&ch));
                readers.push(tokio::spawn(async move {
                    let mut lines = BufReader::new(r).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        rec.lock().unwrap().connections[index].push(line);
                        ch.notify_waiters();
                    }
                }));
            }
            drop(readers);
        });
        Self {
            path: path.to_path_buf(),
            recorded,
            changed,
            task,
        }
    }

    /// Stops listening, closes every connection and removes the socket, as
    /// a dying Island would.
    pub fn kill(self) {
        self.task.abort();
        let writers = std::mem::take(&mut self.recorded.lock().unwrap().writers);
        drop(writers);
        let _ = std::fs::remove_file(&self.path);
    }

    pub fn lines(&self, connection: usize) -> Vec<String> {
        self.recorded
            .lock()
            .unwrap()
            .connections
            .get(connection)
            .cloned()
            .unwrap_or_default()
    }

    pub fn connection_count(&self) -> usize {
        self.recorded.lock().unwrap().connections.len()
    }

    /// Waits until `check` holds for the recording, or panics after `secs`.
    pub async fn wait_until(&self, secs: u64, what: &str, check: impl Fn(&Recorded) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let notified = self.changed.notified();
            if check(&self.recorded.lock().unwrap()) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let rec = self.recorded.lock().unwrap();
                panic!(
                    "timed out waiting for {what}; connections: {:#?}",
                    rec.connections
                        .iter()
                        .map(|c| c.iter().take(20).collect::<Vec<_>>())
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    /// Writes a raw line to a connection.
    pub async fn send(&self, connection: usize, line: &str) {
        let writer = Arc::clone(&self.recorded.lock().unwrap().writers[connection]);
        let mut w = writer.lock().await;
        w.write_all(format!("{line}\n").as_bytes()).await.unwrap();
    }
}

impl Drop for ListenerStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The `type` (or frame `event`, or top-level key) of a recorded line.
pub fn kind(line: &str) -> String {
    match decode_agent_line(line.as_bytes()) {
        Ok(AgentMessage::Event(e)) => {
            let v = serde_json::to_value(&e.event).unwrap();
            if v["type"] == "generic_event_frame" {
                v["frame"]["event"].as_str().unwrap().to_owned()
            } else if v["type"] == "approval_lifecycle" {
                format!("approval:{}", v["phase"].as_str().unwrap())
            } else {
                v["type"].as_str().unwrap().to_owned()
            }
        }
        Ok(AgentMessage::Hello(_)) => "hello".into(),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("undecodable: {e}"),
    }
}

pub fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap()
}

pub fn session(id: &str) -> SessionInfo {
    SessionInfo {
        session_id: id.into(),
        agent: "test-agent".into(),
        agent_version: "0.0.1".into(),
        pid: std::process::id(),
        cwd: Some("/home/dev/proj".into()),
        title: Some("proj".into()),
        terminal: TerminalInfo {
            tmux_pane: Some("%1".into()),
            ..TerminalInfo::default()
        },
    }
}
