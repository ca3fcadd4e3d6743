//! Notifications on Linux and BSD desktops: the freedesktop Notifications
//! service on the session bus, through notify-rust. One task owns every
//! shown notification and turns the daemon's `ActionInvoked` signals into
//! [`UserAction`]s. It subscribes to those signals once, before it shows
//! anything: a subscription made after `Notify` returned (notify-rust's
//! per-notification wait) misses a click that comes first.

use std::collections::HashMap;

use futures_util::StreamExt;
use notify_rust::{Notification, NotificationHandle, Timeout, Urgency};
use tokio::sync::mpsc;

use super::{NoticeSink, Sounds, UserAction, action_for, forward};
use island_core::tracker::{Notice, NoticeKey};

enum Command {
    Show(Notice),
    Close(NoticeKey),
    Sounds(Sounds),
}

/// Shows notices through the desktop's notification daemon.
#[derive(Debug)]
pub struct DesktopNotifier {
    commands: mpsc::UnboundedSender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Show(n) => write!(f, "Show({:?})", n.key),
            Self::Close(k) => write!(f, "Close({k:?})"),
            Self::Sounds(s) => write!(f, "Sounds({s:?})"),
        }
    }
}

impl DesktopNotifier {
    /// Starts the notifier task; actions come back on `actions`, and so
    /// does the desktop's own do not disturb (`dnd_watch`).
    #[must_use]
    pub fn start(actions: mpsc::UnboundedSender<UserAction>, sounds: Sounds) -> Self {
        let (commands, queue) = mpsc::unbounded_channel();
        tokio::spawn(super::dnd_watch::run(actions.clone()));
        tokio::spawn(run(queue, actions, sounds));
        Self { commands }
    }
}

impl NoticeSink for DesktopNotifier {
    fn show(&mut self, notice: &Notice) {
        // The task ends only at exit.
        let _ = self.commands.send(Command::Show(notice.clone()));
    }
    fn close(&mut self, key: &NoticeKey) {
        let _ = self.commands.send(Command::Close(key.clone()));
    }
    fn set_sounds(&mut self, sounds: Sounds) {
        let _ = self.commands.send(Command::Sounds(sounds));
    }
}

struct Shown {
    handle: NotificationHandle,
    notice: Notice,
}

/// The daemon's `ActionInvoked(id, action)` signals, from any daemon that
/// owns the name now or later (a restarted one included).
async fn action_signals() -> zbus::Result<zbus::MessageStream> {
    let conn = zbus::Connection::session().await?;
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.freedesktop.Notifications")
        .member("ActionInvoked")
        .build()?;
    zbus::MessageStream::for_match_rule(rule, &conn, None).await
}

async fn run(
    mut queue: mpsc::UnboundedReceiver<Command>,
    actions: mpsc::UnboundedSender<UserAction>,
    mut sounds: Sounds,
) {
    let mut shown: HashMap<NoticeKey, Shown> = HashMap::new();
    let mut signals = match action_signals().await {
        Ok(stream) => Some(stream),
        Err(e) => {
            tracing::warn!("no session bus ({e}): notifications cannot be shown or answered");
            None
        }
    };
    // Log a missing daemon once, not per notice; say when it is back.
    let mut failing = false;
    loop {
        let command = tokio::select! {
            command = queue.recv() => match command {
                Some(command) => command,
                None => return,
            },
            Some(signal) = next_signal(&mut signals) => {
                on_action(&shown, signal, &actions);
                continue;
            }
        };
        match command {
            Command::Show(notice) => {
                let previous = shown.remove(&notice.key);
                let mut n = build(&notice, &sounds);
                if let Some(previous) = &previous {
                    n.id(previous.handle.id());
                }
                match n.show_async().await {
                    Ok(handle) => {
                        if failing {
                            tracing::info!("the notification service is back");
                            failing = false;
                        }
                        shown.insert(notice.key.clone(), Shown { handle, notice });
                    }
                    Err(e) => {
                        if !failing {
                            tracing::warn!(
                                "cannot show notifications ({e}); Island keeps running and retries with the next notice"
                            );
                            failing = true;
                        }
                    }
                }
            }
            Command::Close(key) => {
                if let Some(entry) = shown.remove(&key) {
                    entry.handle.close_async().await;
                }
            }
            Command::Sounds(new) => sounds = new,
        }
    }
}

fn build(notice: &Notice, sounds: &Sounds) -> Notification {
    let mut n = Notification::new();
    // Agent text was made visible where the notice was built; once more
    // here, line by line, for anything that reached a title, and the body
    // markup escaped (the summary is plain text by the specification).
    let body: Vec<String> = notice
        .body
        .split('\n')
        .map(|line| island_core::display::markup(&island_core::display::safe(line)))
        .collect();
    n.appname("Island")
        .summary(&island_core::display::safe(&notice.title))
        .body(&body.join("\n"));
    if notice.critical {
        n.urgency(Urgency::Critical).timeout(Timeout::Never);
    } else {
        n.urgency(Urgency::Normal);
    }
    if notice.session_id.is_some() {
        // The default action (a click on the notice) brings the terminal up.
        n.action("default", "Show terminal");
    }
    for (id, label) in &notice.actions {
        n.action(id, label);
    }
    match sounds.of(notice.sound) {
        Some(file) if file.starts_with('/') => {
            n.hint(notify_rust::Hint::SoundFile(file.to_owned()));
        }
        Some(name) => {
            n.sound_name(name);
        }
        // The server's own default sound is not played either.
        None => {
            n.hint(notify_rust::Hint::SuppressSound(true));
        }
    }
    n
}

/// The next signal, or never when there is no bus.
async fn next_signal(
    signals: &mut Option<zbus::MessageStream>,
) -> Option<zbus::Result<zbus::Message>> {
    match signals {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// An action on one of Island's notifications; others' are not ours.
fn on_action(
    shown: &HashMap<NoticeKey, Shown>,
    signal: zbus::Result<zbus::Message>,
    actions: &mpsc::UnboundedSender<UserAction>,
) {
    let Ok(message) = signal else { return };
    let Ok((id, action)) = message.body().deserialize::<(u32, String)>() else {
        return;
    };
    if let Some(entry) = shown.values().find(|s| s.handle.id() == id) {
        forward(actions, action_for(&action, &entry.notice));
    }
}
