//! Sinks that write one JSON line per event: [`StdoutHookSink`] and
//! [`JsonlHookSink`]. A single background task owns the output and writes
//! each batch with one call, so lines stay whole under concurrent emits.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use island_protocol::EventEnvelope;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::queue::QueueLimits;
use crate::runtime::spawn_background;
use crate::sink::{CounterCells, HookSink, QueueCore, SinkCounters};

/// Writes each event as a JSON line on standard output.
#[derive(Debug)]
pub struct StdoutHookSink {
    core: Arc<QueueCore>,
}

impl StdoutHookSink {
    /// Starts the sink's background task.
    #[must_use]
    pub fn new() -> Self {
        let core = QueueCore::new("stdout", QueueLimits::default());
        let worker = Arc::clone(&core);
        spawn_background("stdout", async move {
            run_writer(&worker, || async { Ok(tokio::io::stdout()) }).await;
        });
        Self { core }
    }
}

impl Default for StdoutHookSink {
    fn default() -> Self {
        Self::new()
    }
}

/// Appends each event as a JSON line to a file. The file is opened once (and
/// again only after an error), with its parent directories created.
#[derive(Debug)]
pub struct JsonlHookSink {
    core: Arc<QueueCore>,
    path: PathBuf,
}

impl JsonlHookSink {
    /// Starts the sink's background task; the file is opened on the first
    /// event, so a missing directory or a full disk never fails the agent.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let core = QueueCore::new("jsonl", QueueLimits::default());
        let worker = Arc::clone(&core);
        let file_path = path.clone();
        spawn_background("jsonl", async move {
            run_writer(&worker, || open_append(&file_path)).await;
        });
        Self { core, path }
    }

    /// The file written to.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

async fn open_append(path: &Path) -> std::io::Result<tokio::fs::File> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await?;
    }
    tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
}

/// Drains the queue into a writer opened on demand: one write and one flush
/// per batch. On an error the batch is counted as discarded and the writer
/// is opened again for the next batch.
async fn run_writer<W, F, Fut>(core: &QueueCore, mut open: F)
where
    W: AsyncWrite + Unpin,
    F: FnMut() -> Fut,
    Fut: Future<Output = std::io::Result<W>>,
{
    let mut writer: Option<W> = None;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut batch = VecDeque::new();
    while core.next_batch(&mut batch).await {
        buf.clear();
        let lines = core.encode_batch(&mut batch, &mut buf);
        if writer.is_none() {
            match open().await {
                Ok(w) => writer = Some(w),
                Err(e) => {
                    core.error(&format_args!("cannot open the {} output: {e}", core.name));
                    CounterCells::add(&core.counters.discarded, lines);
                    continue;
                }
            }
        }
        let Some(w) = writer.as_mut() else { continue };
        let written = async {
            w.write_all(&buf).await?;
            w.flush().await
        }
        .await;
        match written {
            Ok(()) => CounterCells::add(&core.counters.sent, lines),
            Err(e) => {
                core.error(&format_args!(
                    "cannot write to the {} output: {e}",
                    core.name
                ));
                CounterCells::add(&core.counters.discarded, lines);
                writer = None;
            }
        }
    }
}

macro_rules! queue_sink_impl {
    ($ty:ty) => {
        impl HookSink for $ty {
            fn name(&self) -> &'static str {
                self.core.name
            }
            fn emit(&self, event: &Arc<EventEnvelope>) {
                self.core.push(event);
            }
            fn counters(&self) -> SinkCounters {
                self.core.snapshot()
            }
        }
        impl Drop for $ty {
            fn drop(&mut self) {
                self.core.close();
            }
        }
    };
}
pub(crate) use queue_sink_impl;

queue_sink_impl!(StdoutHookSink);
queue_sink_impl!(JsonlHookSink);
