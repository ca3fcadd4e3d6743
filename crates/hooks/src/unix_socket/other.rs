//! The Island sink off Unix: a documented no-op. Events are counted as
//! discarded so that the counters stay truthful.

use std::sync::Arc;

use island_protocol::EventEnvelope;

use super::UnixSocketOptions;
use crate::sink::{CounterCells, HookSink, SinkCounters};

/// Does nothing on this platform; see the module docs.
#[derive(Debug)]
pub struct UnixSocketHookSink {
    counters: CounterCells,
}

impl UnixSocketHookSink {
    /// A sink that discards every event.
    #[must_use]
    pub fn new(_options: UnixSocketOptions) -> Self {
        Self {
            counters: CounterCells::default(),
        }
    }
}

impl HookSink for UnixSocketHookSink {
    fn name(&self) -> &'static str {
        "unix-socket"
    }
    fn emit(&self, _event: &Arc<EventEnvelope>) {
        CounterCells::add(&self.counters.emitted, 1);
        CounterCells::add(&self.counters.discarded, 1);
    }
    fn counters(&self) -> SinkCounters {
        self.counters.snapshot()
    }
}
