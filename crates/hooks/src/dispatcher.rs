//! The agent's one entry point: [`HookDispatcher`] fans each event out to
//! every sink, and keeps the approval registry so that an approval answered
//! anywhere closes everywhere.

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::Duration;

use island_protocol::{
    ApprovalPhase, Decision, DecisionSource, EventEnvelope, EventFrame, ExecApprovalRequestEvent,
    HookEvent, ReviewDecision,
};

use crate::approvals::{ApprovalRegistry, Resolution, WaitError};
use crate::sink::{HookSink, SinkCounters};

/// Fans events out to sinks. Cheap to clone; all clones share the sinks.
#[derive(Clone)]
pub struct HookDispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    sinks: Vec<Box<dyn HookSink>>,
    approvals: ApprovalRegistry,
}

impl fmt::Debug for HookDispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookDispatcher")
            .field("sinks", &self.sink_names())
            .finish_non_exhaustive()
    }
}

/// Where a sink delivers the decisions it receives. Holds the dispatcher
/// weakly, so a sink never keeps its dispatcher alive.
#[derive(Clone)]
pub struct DecisionInbox {
    inner: Weak<Inner>,
}

impl fmt::Debug for DecisionInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DecisionInbox")
    }
}

impl DecisionInbox {
    /// Delivers a decision from Island. Returns true when it was the first
    /// answer to an open approval; the closing phase has then been emitted.
    pub fn deliver(&self, decision: Decision) -> bool {
        match self.inner.upgrade() {
            Some(inner) => inner.resolve(&decision.approval_id, decision.decision, decision.source),
            None => false,
        }
    }
}

impl HookDispatcher {
    /// A dispatcher over these sinks.
    #[must_use]
    pub fn new(sinks: Vec<Box<dyn HookSink>>) -> Self {
        let inner = Arc::new(Inner {
            sinks,
            approvals: ApprovalRegistry::default(),
        });
        let inbox = DecisionInbox {
            inner: Arc::downgrade(&inner),
        };
        for sink in &inner.sinks {
            sink.attach_decisions(inbox.clone());
        }
        Self { inner }
    }

    /// Emits an event stamped with the current time. Never blocks.
    pub fn emit(&self, event: HookEvent) {
        self.emit_envelope(EventEnvelope::now(event));
    }

    /// Emits an event with its own time. Never blocks.
    pub fn emit_envelope(&self, envelope: EventEnvelope) {
        self.inner.emit(Arc::new(envelope));
    }

    /// Opens an approval: emits `approval_lifecycle` `requested` and the
    /// `exec_approval_request` frame. Answer it with
    /// [`await_decision`](Self::await_decision) and, for an answer given in
    /// the agent's terminal, [`resolve_approval`](Self::resolve_approval).
    pub fn request_approval(&self, request: ExecApprovalRequestEvent) {
        self.emit(HookEvent::ApprovalLifecycle {
            approval_id: request.approval_id.clone(),
            phase: ApprovalPhase::Requested,
            reason: request.reason.clone(),
        });
        self.emit(HookEvent::frame(EventFrame::ExecApprovalRequest {
            request: Box::new(request),
        }));
    }

    /// Waits for the first answer to an open approval, from any source.
    ///
    /// # Errors
    /// [`WaitError::TimedOut`] when nobody answered in time (the approval
    /// stays open), [`WaitError::Unknown`] for an approval never requested.
    pub async fn await_decision(
        &self,
        approval_id: &str,
        timeout: Duration,
    ) -> Result<Resolution, WaitError> {
        self.inner.approvals.wait(approval_id, timeout).await
    }

    /// Reports an answer given outside Island (the agent's terminal prompt,
    /// a policy, a cancel). The first answer wins: returns true when this
    /// one did, and then emits the closing `approval_lifecycle` phase so
    /// that Island closes its cards.
    pub fn resolve_approval(
        &self,
        approval_id: &str,
        decision: ReviewDecision,
        source: DecisionSource,
    ) -> bool {
        self.inner.resolve(approval_id, decision, source)
    }

    /// Withdraws an open approval (the turn ended, the agent gave up):
    /// emits the closing phase given, `cancelled` or `timed_out` for example.
    /// Returns false when the approval was not open.
    pub fn close_approval(
        &self,
        approval_id: &str,
        phase: ApprovalPhase,
        reason: Option<String>,
    ) -> bool {
        // Close it in the registry first: if Island's answer arrives at the
        // same moment, exactly one of the two wins and emits.
        let won = self.inner.approvals.resolve(
            approval_id,
            Resolution {
                decision: ReviewDecision::Abort,
                source: DecisionSource::Terminal,
            },
        );
        if !won {
            return false;
        }
        self.emit(HookEvent::ApprovalLifecycle {
            approval_id: approval_id.to_owned(),
            phase: if phase.is_closing() {
                phase
            } else {
                ApprovalPhase::Cancelled
            },
            reason,
        });
        true
    }

    /// True while an approval is open.
    #[must_use]
    pub fn is_approval_open(&self, approval_id: &str) -> bool {
        self.inner.approvals.is_open(approval_id)
    }

    /// The sinks' names, in order.
    #[must_use]
    pub fn sink_names(&self) -> Vec<&'static str> {
        self.inner.sinks.iter().map(|s| s.name()).collect()
    }

    /// Each sink's counters.
    #[must_use]
    pub fn counters(&self) -> Vec<(&'static str, SinkCounters)> {
        self.inner
            .sinks
            .iter()
            .map(|s| (s.name(), s.counters()))
            .collect()
    }

    /// The counters of the first sink with this name.
    #[must_use]
    pub fn counters_of(&self, name: &str) -> Option<SinkCounters> {
        self.inner
            .sinks
            .iter()
            .find(|s| s.name() == name)
            .map(|s| s.counters())
    }

    /// Waits until every sink has finished with every event emitted so far
    /// (written, or counted as dropped), or until `timeout`. For an orderly
    /// exit; returns false on timeout.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let settled = self.inner.sinks.iter().all(|s| {
                let c = s.counters();
                c.settled() >= c.emitted
            });
            if settled {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            // Shutdown only: a short poll keeps the sinks free of any
            // completion signalling on their hot path.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Inner {
    fn emit(&self, event: Arc<EventEnvelope>) {
        if let HookEvent::ApprovalLifecycle {
            approval_id, phase, ..
        } = &event.event
        {
            self.observe_approval(approval_id, phase);
        }
        for sink in &self.sinks {
            // A panicking sink must not take the agent or the other sinks
            // down; sinks do no I/O here, so a panic is a bug, logged once.
            let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.emit(&event)));
            if sent.is_err() {
                tracing::error!(sink = sink.name(), "hook sink panicked in emit");
            }
        }
    }

    /// Keeps the registry in step with approval events that the agent emits
    /// itself, so that a later answer from Island is recognised as late.
    fn observe_approval(&self, approval_id: &str, phase: &ApprovalPhase) {
        if *phase == ApprovalPhase::Requested {
            self.approvals.open(approval_id);
            return;
        }
        let decision = match phase {
            ApprovalPhase::Approved => ReviewDecision::Approved,
            ApprovalPhase::ApprovedForSession => ReviewDecision::ApprovedForSession,
            ApprovalPhase::Aborted => ReviewDecision::Abort,
            _ => ReviewDecision::Denied,
        };
        self.approvals.resolve(
            approval_id,
            Resolution {
                decision,
                source: DecisionSource::Terminal,
            },
        );
    }

    fn resolve(&self, approval_id: &str, decision: ReviewDecision, source: DecisionSource) -> bool {
        let phase = ApprovalPhase::closing_for(&decision);
        let won = self
            .approvals
            .resolve(approval_id, Resolution { decision, source });
        if won {
            let source_name = match source {
                DecisionSource::Notification => "a notification",
                DecisionSource::Widget => "the Island widget",
                DecisionSource::Tray => "the tray menu",
                DecisionSource::Cli => "the island command",
                DecisionSource::Terminal => "the terminal",
                DecisionSource::Unknown => "Island",
            };
            // Emitting the closing phase goes through observe_approval too,
            // which finds the approval already resolved and does nothing.
            self.emit(Arc::new(EventEnvelope::now(HookEvent::ApprovalLifecycle {
                approval_id: approval_id.to_owned(),
                phase,
                reason: Some(format!("answered in {source_name}")),
            })));
        }
        won
    }
}
