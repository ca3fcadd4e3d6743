//! Notifications on Linux and BSD desktops: the freedesktop Notifications
//! service on the session bus, through notify-rust. One task owns every
//! shown notification; a waiter task per notification turns its actions
//! into [`UserAction`]s.

use std::collections::HashMap;
use std::sync::Arc;

use notify_rust::{Notification, NotificationHandle, NotificationResponse, Timeout, Urgency};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{NoticeSink, UserAction, action_for, forward};
use crate::tracker::{Notice, NoticeKey};

enum Command {
    Show(Notice),
    Close(NoticeKey),
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
        }
    }
}

impl DesktopNotifier {
    /// Starts the notifier task; actions come back on `actions`.
    #[must_use]
    pub fn start(actions: mpsc::UnboundedSender<UserAction>) -> Self {
        let (commands, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(queue, actions));
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
}

struct Shown {
    handle: Arc<NotificationHandle>,
    waiter: JoinHandle<()>,
}

async fn run(
    mut queue: mpsc::UnboundedReceiver<Command>,
    actions: mpsc::UnboundedSender<UserAction>,
) {
    let mut shown: HashMap<NoticeKey, Shown> = HashMap::new();
    // Log a missing daemon once, not per notice; say when it is back.
    let mut failing = false;
    while let Some(command) = queue.recv().await {
        match command {
            Command::Show(notice) => {
                let previous = shown.remove(&notice.key);
                let mut n = build(&notice);
                if let Some(previous) = &previous {
                    n.id(previous.handle.id());
                    previous.waiter.abort();
                }
                match n.show_async().await {
                    Ok(handle) => {
                        if failing {
                            tracing::info!("the notification service is back");
                            failing = false;
                        }
                        let handle = Arc::new(handle);
                        let waiter = tokio::spawn(wait_for_action(
                            Arc::clone(&handle),
                            notice.clone(),
                            actions.clone(),
                        ));
                        shown.insert(notice.key.clone(), Shown { handle, waiter });
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
                    entry.waiter.abort();
                    entry.handle.close_async().await;
                }
            }
        }
    }
}

fn build(notice: &Notice) -> Notification {
    let mut n = Notification::new();
    n.appname("Island")
        .summary(&notice.title)
        .body(&notice.body);
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
    n
}

async fn wait_for_action(
    handle: Arc<NotificationHandle>,
    notice: Notice,
    actions: mpsc::UnboundedSender<UserAction>,
) {
    let mut chosen: Option<String> = None;
    handle
        .wait_for_action_async(|response| {
            if let NotificationResponse::Action(action) = response {
                chosen = Some(action.clone());
            } else if let NotificationResponse::Default = response {
                chosen = Some("default".into());
            }
        })
        .await;
    if let Some(action) = chosen {
        forward(&actions, action_for(&action, &notice));
    }
}
