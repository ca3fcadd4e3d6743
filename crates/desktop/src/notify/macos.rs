//! Notifications on macOS through notify-rust's macOS backend. It has no
//! action buttons, so approvals are answered from the widget, the menu bar
//! or the command line there; the notice still says what waits. (Compiled
//! on macOS only; this machine cannot run it.)

use tokio::sync::mpsc;

use super::{NoticeSink, Sounds, UserAction};
use island_core::tracker::{Notice, NoticeKey};

/// Shows notices through the macOS notification center.
#[derive(Debug)]
pub struct DesktopNotifier {
    _actions: mpsc::UnboundedSender<UserAction>,
    sounds: Sounds,
}

impl DesktopNotifier {
    /// A notifier; macOS notices carry no actions.
    #[must_use]
    pub fn start(actions: mpsc::UnboundedSender<UserAction>, sounds: Sounds) -> Self {
        Self {
            _actions: actions,
            sounds,
        }
    }
}

impl NoticeSink for DesktopNotifier {
    fn show(&mut self, notice: &Notice) {
        let (title, body) = (
            island_core::display::safe(&notice.title),
            notice
                .body
                .split('\n')
                .map(island_core::display::safe)
                .collect::<Vec<_>>()
                .join("\n"),
        );
        // A sound by its macOS name ("Glass", "Ping"); the default names
        // of the freedesktop theme fall back to the system's own sound.
        let sound = self.sounds.of(notice.sound).map(str::to_owned);
        // notify-rust's macOS call blocks; keep it off the runtime.
        tokio::task::spawn_blocking(move || {
            let mut n = notify_rust::Notification::new();
            n.summary(&title).body(&body);
            if let Some(sound) = &sound {
                n.sound_name(sound);
            }
            if let Err(e) = n.show() {
                tracing::warn!("cannot show a notification: {e}");
            }
        });
    }
    fn set_sounds(&mut self, sounds: Sounds) {
        self.sounds = sounds;
    }
    fn close(&mut self, _key: &NoticeKey) {
        // The macOS backend cannot withdraw a delivered notification.
    }
}
