//! Open approvals and their answers: the first answer wins, from whichever
//! source it comes (Island's notification, widget, tray or command line, or
//! the agent's own terminal prompt). Later answers are ignored.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use island_protocol::{DecisionSource, ReviewDecision};
use tokio::sync::watch;

/// How an approval was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The answer.
    pub decision: ReviewDecision,
    /// Where it came from.
    pub source: DecisionSource,
}

/// Why [`crate::HookDispatcher::await_decision`] returned without a decision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    /// Nobody answered in time; the approval stays open, so the agent can
    /// ask in its terminal and report that answer with `resolve_approval`.
    #[error("no decision for approval {0} in time")]
    TimedOut(String),
    /// The approval was never opened (or was forgotten long ago).
    #[error("no approval {0} is known")]
    Unknown(String),
}

/// How many answered approvals are remembered, so that a late answer is
/// recognised as late rather than unknown.
const REMEMBERED: usize = 1024;

#[derive(Debug, Default)]
pub(crate) struct ApprovalRegistry {
    inner: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    entries: HashMap<String, watch::Sender<Option<Resolution>>>,
    answered: VecDeque<String>,
}

impl ApprovalRegistry {
    /// Opens an approval. Opening one that is open does nothing; opening
    /// one that was answered starts it afresh, so that a reused id never
    /// returns the old answer for a new request.
    pub(crate) fn open(&self, approval_id: &str) {
        let Ok(mut reg) = self.inner.lock() else {
            return;
        };
        let answered = reg
            .entries
            .get(approval_id)
            .is_some_and(|s| s.borrow().is_some());
        if answered {
            reg.entries.remove(approval_id);
            reg.answered.retain(|id| id != approval_id);
        }
        reg.entries
            .entry(approval_id.to_owned())
            .or_insert_with(|| watch::channel(None).0);
    }

    /// Records an answer. Returns true when this answer is the first one
    /// for an open approval, which is then closed.
    pub(crate) fn resolve(&self, approval_id: &str, resolution: Resolution) -> bool {
        let Ok(mut reg) = self.inner.lock() else {
            return false;
        };
        let Some(sender) = reg.entries.get(approval_id) else {
            return false;
        };
        let won = sender.send_if_modified(|slot| {
            if slot.is_some() {
                return false;
            }
            *slot = Some(resolution);
            true
        });
        if won {
            reg.answered.push_back(approval_id.to_owned());
            if reg.answered.len() > REMEMBERED {
                if let Some(old) = reg.answered.pop_front() {
                    reg.entries.remove(&old);
                }
            }
        }
        won
    }

    /// True while an approval is open (known and not answered).
    pub(crate) fn is_open(&self, approval_id: &str) -> bool {
        self.inner.lock().is_ok_and(|reg| {
            reg.entries
                .get(approval_id)
                .is_some_and(|s| s.borrow().is_none())
        })
    }

    /// Waits for the answer to an approval.
    pub(crate) async fn wait(
        &self,
        approval_id: &str,
        timeout: Duration,
    ) -> Result<Resolution, WaitError> {
        let mut receiver = {
            let reg = self
                .inner
                .lock()
                .map_err(|_| WaitError::Unknown(approval_id.to_owned()))?;
            reg.entries
                .get(approval_id)
                .ok_or_else(|| WaitError::Unknown(approval_id.to_owned()))?
                .subscribe()
        };
        let answered = tokio::time::timeout(timeout, receiver.wait_for(Option::is_some)).await;
        match answered {
            Ok(Ok(slot)) => (*slot)
                .clone()
                .ok_or_else(|| WaitError::Unknown(approval_id.to_owned())),
            // The sender lives in the registry until long after an answer;
            // it is gone only if the approval was forgotten.
            Ok(Err(_)) => Err(WaitError::Unknown(approval_id.to_owned())),
            Err(_) => Err(WaitError::TimedOut(approval_id.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(decision: ReviewDecision, source: DecisionSource) -> Resolution {
        Resolution { decision, source }
    }

    #[tokio::test]
    async fn the_first_answer_wins_and_waiters_see_it() {
        let reg = ApprovalRegistry::default();
        reg.open("a");
        assert!(reg.is_open("a"));
        assert!(reg.resolve("a", answer(ReviewDecision::Denied, DecisionSource::Widget)));
        assert!(!reg.resolve("a", answer(ReviewDecision::Approved, DecisionSource::Cli)));
        assert!(!reg.is_open("a"));
        let got = reg.wait("a", Duration::from_millis(10)).await;
        assert_eq!(
            got,
            Ok(answer(ReviewDecision::Denied, DecisionSource::Widget))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_times_out_and_unknown_ids_are_refused() {
        let reg = ApprovalRegistry::default();
        reg.open("a");
        let got = reg.wait("a", Duration::from_secs(5)).await;
        assert_eq!(got, Err(WaitError::TimedOut("a".into())));
        assert!(reg.is_open("a"), "a timeout leaves the approval open");
        assert_eq!(
            reg.wait("zz", Duration::from_secs(1)).await,
            Err(WaitError::Unknown("zz".into()))
        );
        assert!(!reg.resolve("zz", answer(ReviewDecision::Approved, DecisionSource::Cli)));
    }

    #[tokio::test]
    async fn a_reused_id_starts_afresh() {
        let reg = ApprovalRegistry::default();
        reg.open("a");
        reg.resolve(
            "a",
            answer(ReviewDecision::Approved, DecisionSource::Widget),
        );
        reg.open("a");
        assert!(reg.is_open("a"), "a new request with the same id is open");
        let got = reg.wait("a", Duration::from_millis(10)).await;
        assert_eq!(
            got,
            Err(WaitError::TimedOut("a".into())),
            "the old answer is not returned"
        );
    }

    #[test]
    fn answered_approvals_are_forgotten_past_the_bound() {
        let reg = ApprovalRegistry::default();
        for i in 0..(REMEMBERED + 10) {
            let id = i.to_string();
            reg.open(&id);
            reg.resolve(&id, answer(ReviewDecision::Approved, DecisionSource::Cli));
        }
        let reg = reg.inner.lock().expect("not poisoned");
        assert_eq!(reg.entries.len(), REMEMBERED);
    }
}
