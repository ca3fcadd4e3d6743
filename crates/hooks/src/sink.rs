//! The [`HookSink`] trait, sink counters, and the queue core that every
//! built-in sink shares: `emit` pushes onto a bounded [`EventQueue`] under a
//! short lock and wakes the sink's background task; nothing else happens on
//! the agent's path.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use island_protocol::EventEnvelope;
use tokio::sync::Notify;

use crate::dispatcher::DecisionInbox;
use crate::queue::{EventQueue, PushOutcome, QueueLimits, Queued};
use crate::ratelimit::RateLimitedLog;

/// Something that carries hook events somewhere.
///
/// `emit` is called on the agent's own path: it must return at once, without
/// I/O and without waiting on a lock that I/O holds.
pub trait HookSink: Send + Sync + fmt::Debug {
    /// A short name for logs and counters (`unix-socket`, `jsonl`, ...).
    fn name(&self) -> &'static str;

    /// Hands one event to the sink.
    fn emit(&self, event: &Arc<EventEnvelope>);

    /// What the sink did so far.
    fn counters(&self) -> SinkCounters;

    /// Gives the sink a way to deliver decisions it receives (only the
    /// Unix-socket sink receives any). Called once by the dispatcher.
    fn attach_decisions(&self, _inbox: DecisionInbox) {}
}

/// What a sink did so far. Every count is of events, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SinkCounters {
    /// Events handed to the sink.
    pub emitted: u64,
    /// Lines written out (a group of coalesced deltas counts once).
    pub sent: u64,
    /// Streaming deltas merged into the previous one under pressure.
    pub coalesced: u64,
    /// Streaming deltas dropped under pressure.
    pub dropped: u64,
    /// Non-streaming events that could not be delivered: Island was absent
    /// longer than the offline backlog keeps them, a connection broke in the
    /// middle of a write, or the queue was past its hard cap.
    pub discarded: u64,
    /// Events held right now for an Island that is not connected: the
    /// offline backlog and open approvals waiting to be delivered.
    pub held: u64,
    /// Connections made after the first one.
    pub reconnects: u64,
    /// Failed writes, connects or requests.
    pub errors: u64,
}

impl SinkCounters {
    /// Events the sink has finished with, one way or another.
    #[must_use]
    pub fn settled(&self) -> u64 {
        self.sent + self.coalesced + self.dropped + self.discarded
    }
}

/// Counters written by a sink's background task. (What `emit` itself
/// decides is counted inside the queue, under the lock it takes anyway.)
#[derive(Debug, Default)]
pub(crate) struct CounterCells {
    pub(crate) emitted: AtomicU64,
    pub(crate) sent: AtomicU64,
    pub(crate) coalesced: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) discarded: AtomicU64,
    pub(crate) held: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) errors: AtomicU64,
}

impl CounterCells {
    pub(crate) fn add(cell: &AtomicU64, n: u64) {
        cell.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> SinkCounters {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SinkCounters {
            emitted: get(&self.emitted),
            sent: get(&self.sent),
            coalesced: get(&self.coalesced),
            dropped: get(&self.dropped),
            discarded: get(&self.discarded),
            held: get(&self.held),
            reconnects: get(&self.reconnects),
            errors: get(&self.errors),
        }
    }
}

/// The part of a sink that the agent's path touches.
#[derive(Debug)]
pub(crate) struct QueueCore {
    pub(crate) name: &'static str,
    queue: Mutex<EventQueue>,
    wake: Notify,
    closed: AtomicBool,
    pub(crate) counters: CounterCells,
    pub(crate) errors: RateLimitedLog,
}

impl QueueCore {
    pub(crate) fn new(name: &'static str, limits: QueueLimits) -> Arc<Self> {
        Arc::new(Self {
            name,
            queue: Mutex::new(EventQueue::new(limits)),
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            counters: CounterCells::default(),
            errors: RateLimitedLog::new(Duration::from_secs(30)),
        })
    }

    /// The agent's path: one short lock, and a wake-up only when the queue
    /// was empty (otherwise the task is already due to take it).
    pub(crate) fn push(&self, event: &Arc<EventEnvelope>) {
        let (outcome, was_empty) = match self.queue.lock() {
            Ok(mut queue) => {
                let was_empty = queue.is_empty();
                (queue.push(event), was_empty)
            }
            // A poisoned lock means a sink task panicked while holding it;
            // the event cannot be queued, so count it rather than panic here.
            Err(_) => {
                CounterCells::add(&self.counters.emitted, 1);
                CounterCells::add(&self.counters.discarded, 1);
                return;
            }
        };
        if outcome == PushOutcome::Queued && was_empty {
            self.wake.notify_one();
        }
    }

    /// The background task's side: moves everything queued into `out`.
    pub(crate) fn take_into(&self, out: &mut VecDeque<Queued>) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.take_into(out);
        }
    }

    /// Every counter: the queue's and the background task's.
    pub(crate) fn snapshot(&self) -> SinkCounters {
        let mut c = self.counters.snapshot();
        if let Ok(queue) = self.queue.lock() {
            let s = queue.stats();
            c.emitted += s.pushed;
            c.coalesced += s.coalesced;
            c.dropped += s.dropped;
            c.discarded += s.discarded;
        }
        c
    }

    /// Waits for the next batch and moves it into `batch`; false once the
    /// sink was dropped and everything queued was taken.
    pub(crate) async fn next_batch(&self, batch: &mut VecDeque<Queued>) -> bool {
        loop {
            self.take_into(batch);
            if !batch.is_empty() {
                return true;
            }
            if self.is_closed() {
                return false;
            }
            self.woken().await;
        }
    }

    /// True when nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.lock().map_or(true, |q| q.is_empty())
    }

    /// Resolves when something may have been queued since the last
    /// `take_into` (a wake-up stored while nobody waited is kept).
    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Tells the background task to finish what is queued and stop.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// True once the sink was dropped.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Serializes queued items as lines into `buf`; returns how many.
    pub(crate) fn encode_batch(&self, batch: &mut VecDeque<Queued>, buf: &mut Vec<u8>) -> u64 {
        let mut n = 0;
        for item in batch.drain(..) {
            let envelope = item.into_envelope();
            if let Err(e) = serde_json::to_writer(&mut *buf, &*envelope) {
                self.error(&format_args!("cannot encode an event: {e}"));
                CounterCells::add(&self.counters.discarded, 1);
                continue;
            }
            buf.push(b'\n');
            n += 1;
        }
        n
    }

    /// Counts a failure and logs it, rate-limited.
    pub(crate) fn error(&self, what: &dyn fmt::Display) {
        CounterCells::add(&self.counters.errors, 1);
        self.errors.warn(self.name, what);
    }
}
