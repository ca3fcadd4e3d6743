//! Quiet when the user is already there: before a session's turn notice
//! (finished, aborted, waiting for input) is shown, Island asks whether
//! that session's own terminal is in front (`Focuser::in_front`: the X11
//! active window, and the tmux pane its client shows). If it is, the
//! notice is not shown; the widget still shows everything. Approval
//! notices are checked the same way with `[notifications] when_focused =
//! "hold"`. Where Island cannot tell, the notice shows as before.
//!
//! The check runs off the host's thread; a notice closed or replaced while
//! its check runs is not shown late.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::focus::{FocusTarget, Focuser};
use crate::tracker::{Notice, NoticeKey};

/// A check that came back.
#[derive(Debug)]
pub struct Checked {
    notice: Notice,
    generation: u64,
    in_front: Option<bool>,
}

/// The notices waiting for their check.
#[derive(Debug)]
pub struct Gate {
    hold_focused_approvals: bool,
    generation: u64,
    pending: HashMap<NoticeKey, u64>,
    results: mpsc::UnboundedSender<Checked>,
}

impl Gate {
    /// A gate whose results come back on the returned receiver.
    #[must_use]
    pub fn new(hold_focused_approvals: bool) -> (Self, mpsc::UnboundedReceiver<Checked>) {
        let (results, rx) = mpsc::unbounded_channel();
        (
            Self {
                hold_focused_approvals,
                generation: 0,
                pending: HashMap::new(),
                results,
            },
            rx,
        )
    }

    /// `when_focused` changed.
    pub fn hold_focused_approvals(&mut self, hold: bool) {
        self.hold_focused_approvals = hold;
    }

    /// Whether this notice waits for a check before it is shown.
    #[must_use]
    pub fn checks(&self, notice: &Notice) -> bool {
        notice.session_id.is_some()
            && match notice.key {
                NoticeKey::Turn(_) => true,
                NoticeKey::Approval(_) => self.hold_focused_approvals,
                NoticeKey::Summary | NoticeKey::Focus(_) => false,
            }
    }

    /// Asks, off the runtime, whether `target`'s terminal is in front.
    pub fn check(&mut self, notice: Notice, target: FocusTarget, focus: &Arc<dyn Focuser>) {
        self.generation += 1;
        let generation = self.generation;
        self.pending.insert(notice.key.clone(), generation);
        let results = self.results.clone();
        let focus = Arc::clone(focus);
        tokio::spawn(async move {
            let in_front = tokio::task::spawn_blocking(move || focus.in_front(&target))
                .await
                .ok()
                .flatten();
            // The host ends only at exit.
            let _ = results.send(Checked {
                notice,
                generation,
                in_front,
            });
        });
    }

    /// The notice was closed (answered, replaced): a check still running
    /// for it shows nothing.
    pub fn cancel(&mut self, key: &NoticeKey) {
        self.pending.remove(key);
    }

    /// What to show now that a check came back, if anything.
    pub fn result(&mut self, checked: Checked) -> Option<Notice> {
        if self.pending.get(&checked.notice.key) != Some(&checked.generation) {
            return None;
        }
        self.pending.remove(&checked.notice.key);
        if checked.in_front == Some(true) {
            tracing::info!(
                key = ?checked.notice.key,
                "not shown: the session's terminal is in front"
            );
            return None;
        }
        Some(checked.notice)
    }
}
