//! Notifications on macOS through notify-rust's macOS backend. It has no
//! action buttons, so approvals are answered from the widget, the menu bar
//! or the command line there; the notice still says what waits. (Compiled
//! on macOS only; this machine cannot run it.)

use tokio::sync::mpsc;

use super::{NoticeSink, UserAction};
use crate::tracker::{Notice, NoticeKey};

/// Shows notices through the macOS notification center.
#[derive(Debug)]
pub struct DesktopNotifier {
    _actions: mpsc::UnboundedSender<UserAction>,
}

impl DesktopNotifier {
    /// A notifier; macOS notices carry no actions.
    #[must_use]
    pub fn start(actions: mpsc::UnboundedSender<UserAction>) -> Self {
        Self { _actions: actions }
    }
}

impl NoticeSink for DesktopNotifier {
    fn show(&mut self, notice: &Notice) {
        let (title, body) = (
            crate::display::safe(&notice.title),
            notice
                .body
                .split('\n')
                .map(crate::display::safe)
                .collect::<Vec<_>>()
                .join("\n"),
        );
        // notify-rust's macOS call blocks; keep it off the runtime.
        tokio::task::spawn_blocking(move || {
            if let Err(e) = notify_rust::Notification::new()
                .summary(&title)
                .body(&body)
                .show()
            {
                tracing::warn!("cannot show a notification: {e}");
            }
        });
    }
    fn close(&mut self, _key: &NoticeKey) {
        // The macOS backend cannot withdraw a delivered notification.
    }
}
