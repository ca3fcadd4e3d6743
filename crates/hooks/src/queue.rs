//! The bounded queue between an agent's `emit` and a sink's background task.
//!
//! Below the soft cap every event is queued as is. At the soft cap the queue
//! is "under pressure": a `response_delta` is merged into the previous one
//! when both belong to the same response (coalesced), and dropped otherwise.
//! Other events are still queued up to the hard cap; past it only critical
//! events (approvals, turn frames, errors, input requests) are queued, so
//! they are never lost, and the rest are counted as discarded. This is pure
//! data: the sink wraps it in a mutex.

use std::collections::VecDeque;
use std::sync::Arc;

use island_protocol::{EventEnvelope, EventFrame, HookEvent, Timestamp};

/// One queued item.
#[derive(Debug, Clone, PartialEq)]
pub enum Queued {
    /// An event as emitted.
    Event(Arc<EventEnvelope>),
    /// Consecutive deltas of one response merged under pressure.
    Delta {
        /// When the first merged delta was emitted.
        at: Timestamp,
        /// The response.
        response_id: String,
        /// The merged text.
        delta: String,
    },
}

impl Queued {
    /// The event this item stands for.
    #[must_use]
    pub fn into_envelope(self) -> Arc<EventEnvelope> {
        match self {
            Self::Event(event) => event,
            Self::Delta {
                at,
                response_id,
                delta,
            } => Arc::new(EventEnvelope {
                at,
                event: HookEvent::ResponseDelta { response_id, delta },
            }),
        }
    }
}

/// What happened to a pushed event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Queued as its own item.
    Queued,
    /// Merged into the previous delta of the same response.
    Coalesced,
    /// A streaming delta dropped under pressure.
    DroppedDelta,
    /// A non-critical event discarded past the hard cap.
    Discarded,
}

/// Sizes of a [`EventQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// From this length on, deltas are coalesced or dropped.
    pub soft_cap: usize,
    /// From this length on, only critical events are queued.
    pub hard_cap: usize,
    /// A coalesced delta grows at most to this many bytes.
    pub max_delta_bytes: usize,
}

impl Default for QueueLimits {
    fn default() -> Self {
        Self {
            soft_cap: 4096,
            hard_cap: 65_536,
            max_delta_bytes: 64 * 1024,
        }
    }
}

/// What the queue did with pushed events, counted under its own lock so
/// that the agent's path touches no shared counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PushStats {
    /// Events pushed.
    pub pushed: u64,
    /// Deltas merged into the previous one.
    pub coalesced: u64,
    /// Deltas dropped.
    pub dropped: u64,
    /// Events discarded past the hard cap.
    pub discarded: u64,
}

/// The queue itself.
#[derive(Debug)]
pub struct EventQueue {
    items: VecDeque<Queued>,
    limits: QueueLimits,
    stats: PushStats,
}

impl EventQueue {
    /// An empty queue.
    #[must_use]
    pub fn new(limits: QueueLimits) -> Self {
        Self {
            items: VecDeque::new(),
            limits,
            stats: PushStats::default(),
        }
    }

    /// Number of queued items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// What happened to pushed events so far.
    #[must_use]
    pub fn stats(&self) -> PushStats {
        self.stats
    }

    /// Queues an event, applying the pressure rules of the module docs.
    pub fn push(&mut self, event: &Arc<EventEnvelope>) -> PushOutcome {
        let outcome = self.place(event);
        let stats = &mut self.stats;
        stats.pushed += 1;
        match outcome {
            PushOutcome::Queued => {}
            PushOutcome::Coalesced => stats.coalesced += 1,
            PushOutcome::DroppedDelta => stats.dropped += 1,
            PushOutcome::Discarded => stats.discarded += 1,
        }
        outcome
    }

    fn place(&mut self, event: &Arc<EventEnvelope>) -> PushOutcome {
        let len = self.items.len();
        if let HookEvent::ResponseDelta { response_id, delta } = &event.event {
            if len < self.limits.soft_cap {
                self.items.push_back(Queued::Event(Arc::clone(event)));
                return PushOutcome::Queued;
            }
            return self.coalesce(response_id, delta);
        }
        if len >= self.limits.hard_cap && !is_critical(&event.event) {
            return PushOutcome::Discarded;
        }
        self.items.push_back(Queued::Event(Arc::clone(event)));
        PushOutcome::Queued
    }

    fn coalesce(&mut self, response_id: &str, delta: &str) -> PushOutcome {
        let max = self.limits.max_delta_bytes;
        let Some(last) = self.items.back_mut() else {
            return PushOutcome::DroppedDelta;
        };
        let merged = match last {
            Queued::Delta {
                response_id: id,
                delta: text,
                ..
            } if id == response_id && text.len() + delta.len() <= max => {
                text.push_str(delta);
                true
            }
            Queued::Event(previous) => match &previous.event {
                HookEvent::ResponseDelta {
                    response_id: id,
                    delta: text,
                } if id == response_id && text.len() + delta.len() <= max => {
                    // The merged item keeps the first delta's time.
                    *last = Queued::Delta {
                        at: previous.at,
                        response_id: id.clone(),
                        delta: format!("{text}{delta}"),
                    };
                    true
                }
                _ => false,
            },
            Queued::Delta { .. } => false,
        };
        if merged {
            PushOutcome::Coalesced
        } else {
            PushOutcome::DroppedDelta
        }
    }

    /// Moves every queued item into `out`, which must be empty, by swapping
    /// buffers: the queue keeps `out`'s capacity, so a steady stream
    /// allocates nothing.
    pub fn take_into(&mut self, out: &mut VecDeque<Queued>) {
        debug_assert!(out.is_empty());
        std::mem::swap(&mut self.items, out);
    }
}

/// Events that are never dropped nor discarded: approvals, turn frames,
/// errors and input requests.
#[must_use]
pub fn is_critical(event: &HookEvent) -> bool {
    match event {
        HookEvent::ApprovalLifecycle { .. } => true,
        HookEvent::GenericEventFrame { frame } => matches!(
            frame,
            EventFrame::TurnStarted { .. }
                | EventFrame::TurnComplete { .. }
                | EventFrame::TurnAborted { .. }
                | EventFrame::ExecApprovalRequest { .. }
                | EventFrame::ApplyPatchApprovalRequest { .. }
                | EventFrame::UserInputRequest { .. }
                | EventFrame::Error { .. }
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use island_protocol::ApprovalPhase;

    fn ev(event: HookEvent) -> Arc<EventEnvelope> {
        Arc::new(EventEnvelope::now(event))
    }
    fn delta(id: &str, text: &str) -> Arc<EventEnvelope> {
        ev(HookEvent::ResponseDelta {
            response_id: id.into(),
            delta: text.into(),
        })
    }
    fn small() -> EventQueue {
        EventQueue::new(QueueLimits {
            soft_cap: 2,
            hard_cap: 4,
            max_delta_bytes: 8,
        })
    }

    #[test]
    fn below_the_soft_cap_everything_is_queued_as_is() {
        let mut q = small();
        assert_eq!(q.push(&delta("r", "a")), PushOutcome::Queued);
        assert_eq!(q.push(&delta("r", "b")), PushOutcome::Queued);
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn under_pressure_deltas_of_one_response_coalesce() {
        let mut q = small();
        q.push(&delta("r", "a"));
        q.push(&delta("r", "b"));
        assert_eq!(q.push(&delta("r", "c")), PushOutcome::Coalesced);
        assert_eq!(q.push(&delta("r", "d")), PushOutcome::Coalesced);
        let mut taken = VecDeque::new();
        q.take_into(&mut taken);
        let items: Vec<_> = taken.into_iter().map(Queued::into_envelope).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[1].event,
            HookEvent::ResponseDelta {
                response_id: "r".into(),
                delta: "bcd".into()
            }
        );
    }

    #[test]
    fn under_pressure_other_deltas_are_dropped_and_merges_are_capped() {
        let mut q = small();
        q.push(&delta("r", "a"));
        q.push(&delta("r", "b"));
        assert_eq!(q.push(&delta("other", "x")), PushOutcome::DroppedDelta);
        assert_eq!(q.push(&delta("r", "123456789")), PushOutcome::DroppedDelta);
        q.push(&ev(HookEvent::ResponseEnd {
            response_id: "r".into(),
        }));
        assert_eq!(
            q.push(&delta("r", "z")),
            PushOutcome::DroppedDelta,
            "not consecutive"
        );
    }

    #[test]
    fn critical_events_pass_the_hard_cap_and_others_are_discarded() {
        let mut q = small();
        for i in 0..4 {
            assert_eq!(
                q.push(&ev(HookEvent::ResponseStart {
                    response_id: i.to_string()
                })),
                PushOutcome::Queued
            );
        }
        assert_eq!(
            q.push(&ev(HookEvent::ResponseStart {
                response_id: "x".into()
            })),
            PushOutcome::Discarded
        );
        let approval = ev(HookEvent::ApprovalLifecycle {
            approval_id: "a".into(),
            phase: ApprovalPhase::Requested,
            reason: None,
        });
        assert_eq!(q.push(&approval), PushOutcome::Queued);
        let turn = ev(HookEvent::frame(EventFrame::TurnComplete {
            turn_id: "t".into(),
        }));
        assert_eq!(q.push(&turn), PushOutcome::Queued);
        assert_eq!(q.len(), 6);
    }
}
