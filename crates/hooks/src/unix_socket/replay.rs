//! What the Island sink keeps across connections, as pure data.
//!
//! - Open approvals: their `requested` event and approval frame, re-sent
//!   after every reconnect so that an Island that restarted shows them again
//!   (PROTOCOL 4.2). A closing phase forgets them.
//! - The offline backlog: non-streaming events emitted while Island was
//!   unreachable, bounded in count and age, sent after the next hello so
//!   that a quick Island restart loses nothing. Streaming deltas are not kept
//!   offline.
//!
//! Nothing else is ever sent twice.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use island_protocol::{EventEnvelope, EventFrame, HookEvent};

/// The approval an event belongs to, if it opens, describes or closes one.
fn approval_of(event: &HookEvent) -> Option<(&str, bool)> {
    match event {
        HookEvent::ApprovalLifecycle {
            approval_id, phase, ..
        } => Some((approval_id, phase.is_closing())),
        HookEvent::GenericEventFrame {
            frame:
                EventFrame::ExecApprovalRequest { request }
                | EventFrame::ApplyPatchApprovalRequest { request },
        } => Some((&request.approval_id, false)),
        _ => None,
    }
}

/// True for events that open, describe or close an approval.
pub(crate) fn is_approval_event(event: &HookEvent) -> bool {
    approval_of(event).is_some()
}

#[derive(Debug)]
struct OpenApproval {
    id: String,
    events: Vec<(u64, Arc<EventEnvelope>)>,
    /// Whether an Island has seen it, so a reconnect must replay it.
    delivered: bool,
}

#[derive(Debug)]
struct Pending {
    seq: u64,
    queued_at: Instant,
    event: Arc<EventEnvelope>,
}

/// What an offline event became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offline {
    /// Kept for the next connection.
    Kept,
    /// A streaming delta: not kept.
    DroppedDelta,
    /// Kept, but the oldest backlog entry was pushed out (count discarded).
    KeptEvictingOldest,
    /// An approval opened and closed while offline: no Island ever saw it,
    /// so neither is sent.
    Absorbed(u64),
}

/// What a new connection must be sent after its hello.
#[derive(Debug, Default)]
pub(crate) struct Resend {
    /// Open approvals an earlier connection already carried.
    pub(crate) replayed: Vec<Arc<EventEnvelope>>,
    /// Events never sent before, in the order they were emitted.
    pub(crate) first_time: Vec<Arc<EventEnvelope>>,
    /// Backlog entries that had waited too long.
    pub(crate) expired: u64,
}

#[derive(Debug)]
pub(crate) struct Replay {
    seq: u64,
    approvals: Vec<OpenApproval>,
    backlog: VecDeque<Pending>,
    backlog_cap: usize,
    max_age: Duration,
}

impl Replay {
    pub(crate) fn new(backlog_cap: usize, max_age: Duration) -> Self {
        Self {
            seq: 0,
            approvals: Vec::new(),
            backlog: VecDeque::new(),
            backlog_cap,
            max_age,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Tracks approval events; returns how many earlier events an offline
    /// close made moot (they were never delivered and now never will be).
    fn track(&mut self, event: &Arc<EventEnvelope>, seq: u64, delivered: bool) -> Option<u64> {
        let (id, closing) = approval_of(&event.event)?;
        let index = self.approvals.iter().position(|a| a.id == id);
        if closing {
            let open = index.map(|i| self.approvals.remove(i));
            return Some(match open {
                Some(a) if !a.delivered && !delivered => a.events.len() as u64 + 1,
                _ => 0,
            });
        }
        match index {
            Some(i) => self.approvals[i].events.push((seq, Arc::clone(event))),
            None => self.approvals.push(OpenApproval {
                id: id.to_owned(),
                events: vec![(seq, Arc::clone(event))],
                delivered,
            }),
        }
        Some(0)
    }

    /// An event written to a live connection.
    pub(crate) fn sent(&mut self, event: &Arc<EventEnvelope>) {
        let seq = self.next_seq();
        self.track(event, seq, true);
    }

    /// An event emitted while no Island is connected.
    pub(crate) fn offline(&mut self, event: Arc<EventEnvelope>, now: Instant) -> Offline {
        if event.event.is_streaming_delta() {
            return Offline::DroppedDelta;
        }
        let seq = self.next_seq();
        match self.track(&event, seq, false) {
            // An open or describing approval event: held by the tracker.
            Some(0) if !is_close(&event) => return Offline::Kept,
            Some(moot) if moot > 0 => return Offline::Absorbed(moot),
            _ => {}
        }
        self.backlog.push_back(Pending {
            seq,
            queued_at: now,
            event,
        });
        if self.backlog.len() > self.backlog_cap {
            self.backlog.pop_front();
            return Offline::KeptEvictingOldest;
        }
        Offline::Kept
    }

    /// Events held for a connection that has not carried them yet.
    pub(crate) fn held(&self) -> u64 {
        let approvals: usize = self
            .approvals
            .iter()
            .filter(|a| !a.delivered)
            .map(|a| a.events.len())
            .sum();
        (self.backlog.len() + approvals) as u64
    }

    /// True when a connection would have something to carry.
    pub(crate) fn has_pending(&self) -> bool {
        !self.backlog.is_empty() || !self.approvals.is_empty()
    }

    /// Everything a new connection must be sent after its hello; from then
    /// on every open approval counts as delivered.
    pub(crate) fn on_connect(&mut self, now: Instant) -> Resend {
        let mut resend = Resend::default();
        let mut first: Vec<(u64, Arc<EventEnvelope>)> = Vec::new();
        for approval in &mut self.approvals {
            if approval.delivered {
                resend
                    .replayed
                    .extend(approval.events.iter().map(|(_, e)| Arc::clone(e)));
            } else {
                first.extend(approval.events.iter().cloned());
                approval.delivered = true;
            }
        }
        for pending in self.backlog.drain(..) {
            if now.duration_since(pending.queued_at) > self.max_age {
                resend.expired += 1;
            } else {
                first.push((pending.seq, pending.event));
            }
        }
        first.sort_by_key(|(seq, _)| *seq);
        resend.first_time = first.into_iter().map(|(_, e)| e).collect();
        resend
    }
}

fn is_close(event: &EventEnvelope) -> bool {
    matches!(approval_of(&event.event), Some((_, true)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use island_protocol::{ApprovalPhase, ExecApprovalRequestEvent};

    fn ev(event: HookEvent) -> Arc<EventEnvelope> {
        Arc::new(EventEnvelope::now(event))
    }
    fn approval(id: &str, phase: ApprovalPhase) -> Arc<EventEnvelope> {
        ev(HookEvent::ApprovalLifecycle {
            approval_id: id.into(),
            phase,
            reason: None,
        })
    }
    fn frame(id: &str) -> Arc<EventEnvelope> {
        ev(HookEvent::frame(EventFrame::ExecApprovalRequest {
            request: Box::new(ExecApprovalRequestEvent {
                approval_id: id.into(),
                ..ExecApprovalRequestEvent::default()
            }),
        }))
    }
    fn start(id: &str) -> Arc<EventEnvelope> {
        ev(HookEvent::ResponseStart {
            response_id: id.into(),
        })
    }

    #[test]
    fn a_reconnect_replays_open_approvals_and_nothing_else() {
        let mut r = Replay::new(10, Duration::from_secs(60));
        let now = Instant::now();
        for e in [
            start("r1"),
            approval("a", ApprovalPhase::Requested),
            frame("a"),
            approval("b", ApprovalPhase::Requested),
        ] {
            r.sent(&e);
        }
        r.sent(&approval("b", ApprovalPhase::Denied));
        let resend = r.on_connect(now);
        assert_eq!(
            resend.replayed.len(),
            2,
            "a's request and frame; b is closed"
        );
        assert_eq!(
            resend.replayed[0].event,
            approval("a", ApprovalPhase::Requested).event
        );
        assert_eq!(resend.replayed[1].event, frame("a").event);
        assert!(resend.first_time.is_empty());
        // A second reconnect replays the same again.
        assert_eq!(r.on_connect(now).replayed.len(), 2);
    }

    #[test]
    fn offline_events_are_sent_once_in_order_and_deltas_are_not_kept() {
        let mut r = Replay::new(10, Duration::from_secs(60));
        let now = Instant::now();
        assert_eq!(r.offline(start("r1"), now), Offline::Kept);
        let delta = ev(HookEvent::ResponseDelta {
            response_id: "r1".into(),
            delta: "x".into(),
        });
        assert_eq!(r.offline(delta, now), Offline::DroppedDelta);
        assert_eq!(
            r.offline(approval("a", ApprovalPhase::Requested), now),
            Offline::Kept
        );
        assert_eq!(
            r.offline(
                ev(HookEvent::ResponseEnd {
                    response_id: "r1".into()
                }),
                now
            ),
            Offline::Kept
        );
        assert_eq!(r.offline(frame("a"), now), Offline::Kept);
        let resend = r.on_connect(now);
        let kinds: Vec<_> = resend
            .first_time
            .iter()
            .map(|e| serde_json::to_value(&e.event).map(|v| v["type"].clone()))
            .collect::<Result<_, _>>()
            .expect("encodable");
        assert_eq!(
            kinds,
            [
                "response_start",
                "approval_lifecycle",
                "response_end",
                "generic_event_frame"
            ]
        );
        assert!(resend.replayed.is_empty());
        // Now delivered: the next reconnect replays the approval only.
        let again = r.on_connect(now);
        assert!(again.first_time.is_empty());
        assert_eq!(again.replayed.len(), 2);
    }

    #[test]
    fn an_approval_opened_and_closed_offline_is_never_sent() {
        let mut r = Replay::new(10, Duration::from_secs(60));
        let now = Instant::now();
        r.offline(approval("a", ApprovalPhase::Requested), now);
        r.offline(frame("a"), now);
        assert_eq!(
            r.offline(approval("a", ApprovalPhase::Approved), now),
            Offline::Absorbed(3)
        );
        assert!(!r.has_pending());
    }

    #[test]
    fn a_close_of_a_delivered_approval_made_offline_is_sent() {
        let mut r = Replay::new(10, Duration::from_secs(60));
        let now = Instant::now();
        r.sent(&approval("a", ApprovalPhase::Requested));
        assert_eq!(
            r.offline(approval("a", ApprovalPhase::Denied), now),
            Offline::Kept
        );
        let resend = r.on_connect(now);
        assert!(resend.replayed.is_empty());
        assert_eq!(resend.first_time.len(), 1);
    }

    #[test]
    fn the_backlog_is_bounded_in_count_and_age() {
        let mut r = Replay::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(r.offline(start("1"), t0), Offline::Kept);
        assert_eq!(r.offline(start("2"), t0), Offline::Kept);
        assert_eq!(r.offline(start("3"), t0), Offline::KeptEvictingOldest);
        let late = t0 + Duration::from_secs(61);
        let resend = r.on_connect(late);
        assert_eq!(resend.expired, 2);
        assert!(resend.first_time.is_empty());
    }
}
