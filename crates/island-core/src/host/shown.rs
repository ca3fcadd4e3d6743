//! What goes out to the desktop: notices (after the attention gate asks
//! whether their terminal is in front, and quieter while the widget shows
//! the approval) and click-through, whose outcome is told to whoever asked.

use super::*;

impl Host {
    /// Shows a notice, unless its session's terminal turns out to be in
    /// front (`attention`).
    pub(super) fn show(&mut self, mut notice: Notice) {
        if self.widget_shown && matches!(notice.key, NoticeKey::Approval(_)) {
            use crate::config::ApprovalsWithWidget;
            match self.approvals_with_widget {
                ApprovalsWithWidget::Notify => {}
                ApprovalsWithWidget::Silent => {
                    notice.critical = false;
                    notice.sound = crate::tracker::Sound::None;
                }
                ApprovalsWithWidget::None => {
                    self.gate.cancel(&notice.key);
                    return;
                }
            }
        }
        // A check still running for an older notice of this key is moot.
        self.gate.cancel(&notice.key);
        // Another machine's terminal cannot be asked.
        let target = notice
            .session_id
            .as_deref()
            .and_then(|id| self.tracker.session(id))
            .filter(|s| s.remote.is_none() && self.gate.checks(&notice))
            .map(|s| FocusTarget {
                session_id: s.id.clone(),
                pid: s.pid,
                cwd: s.cwd.clone(),
                terminal: s.terminal.clone(),
                remote: None,
            });
        match target {
            Some(target) => self.gate.check(notice, target, &self.focus),
            None => self.notices.show(&notice),
        }
    }

    /// Focusing runs programs and talks to the display: on a blocking
    /// thread. The outcome goes back to the asking connection, or, for a
    /// click on a notice, to a notice when it failed, so that every path
    /// tells the user what happened.
    pub(super) fn start_focus(&mut self, target: FocusTarget, reply_to: Option<ConnId>) {
        let reply = reply_to.and_then(|conn| self.outbound.get(&conn).cloned());
        let focuser = Arc::clone(&self.focus);
        let results = self.focus_results.clone();
        tokio::spawn(async move {
            let session = target.session_id.clone();
            let outcome = tokio::task::spawn_blocking(move || focuser.focus(&target))
                .await
                .unwrap_or_else(|e| FocusOutcome::NotFocused {
                    reason: format!("the focus task failed: {e}"),
                });
            match &outcome {
                // Debug formatting escapes what an agent wrote (a newline
                // in a session id or a directory would forge a log line).
                FocusOutcome::Focused { how } => tracing::info!(?session, how, "focused"),
                FocusOutcome::NotFocused { reason } => {
                    tracing::info!(?session, ?reason, "not focused")
                }
            }
            match reply {
                Some(queue) => {
                    let message = IslandMessage::Focused(match outcome {
                        FocusOutcome::Focused { how } => Focused {
                            ok: true,
                            how: Some(how),
                            reason: None,
                        },
                        FocusOutcome::NotFocused { reason } => Focused {
                            ok: false,
                            how: None,
                            reason: Some(reason),
                        },
                    });
                    if let Ok(line) = encode_line(&message) {
                        // The client may have gone; nothing else to tell.
                        let _ = queue.line(line.into());
                    }
                }
                None => {
                    // The host stops only at exit.
                    let _ = results.send((session, outcome));
                }
            }
        });
    }

    /// A focus asked from a notice or the tray came back: a failure is
    /// shown, since nobody is waiting on a connection for it.
    pub(super) fn on_focus_result(&mut self, session_id: String, outcome: FocusOutcome) {
        if let FocusOutcome::NotFocused { reason } = outcome {
            let title = self
                .tracker
                .session(&session_id)
                .map_or_else(|| session_id.clone(), |s| s.label().into_owned());
            self.notices.show(&Notice {
                key: NoticeKey::Focus(session_id.clone()),
                title: format!("Cannot bring up {title}'s terminal"),
                body: reason,
                critical: false,
                actions: Vec::new(),
                session_id: None,
                sound: crate::tracker::Sound::None,
            });
        }
    }
}
