//! Showing notices: a small seam ([`NoticeSink`]) so that tests record
//! what is shown and the desktop adapter shows it for real. Actions a user
//! takes on a notification come back as [`UserAction`]s.

use island_protocol::{DecisionSource, ReviewDecision};
use tokio::sync::mpsc;

use crate::tracker::{Notice, NoticeKey};

#[cfg(target_os = "linux")]
#[path = "xdg.rs"]
mod desktop;
#[cfg(target_os = "macos")]
#[path = "macos.rs"]
mod desktop;

#[cfg(any(target_os = "linux", target_os = "macos"))]
pub use desktop::DesktopNotifier;

/// Something the user did outside the socket: a notification's button, a
/// tray entry, the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAction {
    /// Answer an approval.
    Decide {
        /// The approval, in its session.
        approval: crate::tracker::ApprovalRef,
        /// The answer.
        decision: ReviewDecision,
        /// Where.
        source: DecisionSource,
    },
    /// Bring a session's terminal to the front.
    Focus {
        /// The session.
        session_id: String,
    },
    /// Do not disturb on or off.
    SetDoNotDisturb(bool),
    /// New settings (the settings view saved the config file).
    SetPolicy(crate::tracker::Policy),
}

/// Where notices go. Calls must return at once: adapters do their I/O on
/// their own task.
pub trait NoticeSink: Send {
    /// Shows a notice, replacing the one with the same key.
    fn show(&mut self, notice: &Notice);
    /// Closes the notice with this key, if it is shown.
    fn close(&mut self, key: &NoticeKey);
}

/// A sink that shows nothing (`--no-notifications`, or no desktop).
#[derive(Debug, Default)]
pub struct NoNotices;

impl NoticeSink for NoNotices {
    fn show(&mut self, _notice: &Notice) {}
    fn close(&mut self, _key: &NoticeKey) {}
}

/// What a notification action means, from its id and the notice it was on.
#[must_use]
pub fn action_for(action: &str, notice: &Notice) -> Option<UserAction> {
    let approval = match &notice.key {
        NoticeKey::Approval(approval) => Some(approval.clone()),
        _ => None,
    };
    let decide = |decision| {
        approval.clone().map(|approval| UserAction::Decide {
            approval,
            decision,
            source: DecisionSource::Notification,
        })
    };
    match action {
        "approve" => decide(ReviewDecision::Approved),
        "approve_for_session" => decide(ReviewDecision::ApprovedForSession),
        "deny" => decide(ReviewDecision::Denied),
        "default" => notice
            .session_id
            .clone()
            .map(|session_id| UserAction::Focus { session_id }),
        _ => None,
    }
}

/// Sends actions to the host; dropped silently when the host is gone.
pub(crate) fn forward(actions: &mpsc::UnboundedSender<UserAction>, action: Option<UserAction>) {
    if let Some(action) = action {
        // The host only stops at exit, when actions no longer matter.
        let _ = actions.send(action);
    }
}
