//! Showing notices: a small seam ([`NoticeSink`]) so that tests record
//! what is shown and the desktop adapter (`island-desktop`) shows it for
//! real. Actions a user
//! takes on a notification come back as [`UserAction`]s.

use island_protocol::{DecisionSource, ReviewDecision};
use tokio::sync::mpsc;

use crate::tracker::{Notice, NoticeKey};

/// The user's sound for each kind of notice (`[notifications] sound_*`):
/// a name from the freedesktop sound theme, or a file's full path; `None`
/// plays none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sounds {
    /// Approvals.
    pub approval: Option<String>,
    /// Finished turns, agents waiting for input.
    pub finished: Option<String>,
    /// Aborted turns, errors.
    pub aborted: Option<String>,
}

impl Sounds {
    /// The sound of this kind of notice.
    #[must_use]
    pub fn of(&self, sound: crate::tracker::Sound) -> Option<&str> {
        use crate::tracker::Sound;
        match sound {
            Sound::None => None,
            Sound::Approval => self.approval.as_deref(),
            Sound::Finished => self.finished.as_deref(),
            Sound::Aborted => self.aborted.as_deref(),
        }
    }
}

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
    /// The desktop's own do not disturb, as its notification server says.
    DesktopDoNotDisturb(bool),
    /// The tray app's widget is on screen (it shows every approval's card)
    /// or not.
    WidgetShown(bool),
    /// New settings for notices (the settings view saved them): sounds,
    /// approvals while their terminal is in front, approvals while the
    /// widget shows them.
    NoticeSettings {
        /// The sounds.
        sounds: Sounds,
        /// `when_focused = "hold"`.
        hold_focused_approvals: bool,
        /// `approvals_with_widget`.
        approvals_with_widget: crate::config::ApprovalsWithWidget,
    },
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
    /// New sounds for the notices shown from now on.
    fn set_sounds(&mut self, _sounds: Sounds) {}
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
    if let Some(answer) = crate::actions::Answer::parse(action) {
        return decide(answer.decision());
    }
    match action {
        "default" => notice
            .session_id
            .clone()
            .map(|session_id| UserAction::Focus { session_id }),
        _ => None,
    }
}

/// Sends actions to the host; dropped silently when the host is gone.
pub fn forward(actions: &mpsc::UnboundedSender<UserAction>, action: Option<UserAction>) {
    if let Some(action) = action {
        // The host only stops at exit, when actions no longer matter.
        let _ = actions.send(action);
    }
}
