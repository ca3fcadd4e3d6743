//! The upstream CodeWhale `UnixSocketHookSink`, reproduced for `--upstream`:
//! for every event, connect, write one JSON line, close. No hello, no
//! decisions, errors ignored. It is here to show that Island accepts what
//! agents send today; the crate's own sink is what agents should use.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use codewhale_hooks::{HookSink, SinkCounters};
use island_protocol::EventEnvelope;

/// Connect-per-event sink, as upstream does it.
#[derive(Debug)]
pub struct UpstreamSocketSink {
    path: PathBuf,
    sent: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
}

impl UpstreamSocketSink {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            sent: Arc::default(),
            failed: Arc::default(),
        }
    }
}

impl HookSink for UpstreamSocketSink {
    fn name(&self) -> &'static str {
        "upstream-unix-socket"
    }

    fn emit(&self, event: &Arc<EventEnvelope>) {
        // Upstream serialises the envelope with serde_json and appends "\n".
        let Ok(mut line) = serde_json::to_string(&**event) else {
            return;
        };
        line.push('\n');
        let path = self.path.clone();
        let (sent, failed) = (Arc::clone(&self.sent), Arc::clone(&self.failed));
        let write = move || {
            let ok = UnixStream::connect(&path).and_then(|mut s| s.write_all(line.as_bytes()));
            let counter = if ok.is_ok() { &sent } else { &failed };
            counter.fetch_add(1, Ordering::Relaxed);
        };
        // Like upstream, the write happens beside the agent, one per event;
        // in this demo it runs inline so that events keep their order.
        write();
    }

    fn counters(&self) -> SinkCounters {
        let sent = self.sent.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        SinkCounters {
            emitted: sent + failed,
            sent,
            discarded: failed,
            errors: failed,
            ..SinkCounters::default()
        }
    }
}
