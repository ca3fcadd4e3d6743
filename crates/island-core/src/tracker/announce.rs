//! What is shown: turn and approval notices, focus requests, and after
//! every input the tray, the snapshot flag and the next wake-up.

use super::*;

impl SessionTracker {
    pub(super) fn on_focus(
        &mut self,
        session_id: Option<&str>,
        reply_to: Option<ConnId>,
        out: &mut Out,
    ) {
        let target = match session_id {
            Some(id) => self.sessions.get(id),
            None => self
                .sessions
                .values()
                .filter_map(|s| {
                    s.approvals
                        .iter()
                        .map(|a| a.requested_at)
                        .min()
                        .map(|t| (t, s))
                })
                .min_by_key(|(t, _)| *t)
                .map(|(_, s)| s),
        };
        match target {
            Some(s) => out.push(Effect::Focus {
                session_id: s.id.clone(),
                terminal: s.terminal.clone(),
                pid: s.pid,
                cwd: s.cwd.clone(),
                remote: s.remote.clone().map(Box::new),
                reply_to,
            }),
            None => {
                if let Some(conn) = reply_to {
                    let reason = match session_id {
                        Some(id) => format!("no session {id}"),
                        None => "no session is waiting for you".into(),
                    };
                    out.push(Effect::Send {
                        conn,
                        message: IslandMessage::Focused(island_protocol::Focused {
                            ok: false,
                            how: None,
                            reason: Some(reason),
                        }),
                    });
                }
            }
        }
    }

    pub(super) fn announce_turns(&mut self, turns: Vec<TurnNotice>, out: &mut Out) {
        for turn in &turns {
            self.index.touch(&turn.session_id);
            if let Some(session) = self.sessions.get_mut(&turn.session_id) {
                session.turn_announced = true;
            }
        }
        match turns.len() {
            0 => {}
            1 => {
                let t = &turns[0];
                let notice = notices::finished(&t.session_id, &t.title, t.duration_ms);
                self.notify(notice, out);
            }
            _ => {
                let notice =
                    notices::summary(turns.iter().map(|t| (t.title.as_str(), t.duration_ms)));
                self.notify(notice, out);
            }
        }
    }

    /// A turn notice (aborted, error): not shown while it is quiet (the
    /// widget shows the state).
    pub(super) fn notify_turn(&mut self, notice: Notice, out: &mut Out) {
        if !self.policy.notify_errors || self.quiet().is_some() {
            return;
        }
        self.notify(notice, out);
    }

    pub(super) fn notify(&mut self, notice: Notice, out: &mut Out) {
        if self.policy.mute_all {
            return;
        }
        if matches!(notice.key, NoticeKey::Approval(_)) && self.holds(&notice.key) {
            // Shown when the quiet ends, if still open.
            return;
        }
        self.shown.insert(notice.key.clone());
        out.push(Effect::Notify(notice));
    }

    pub(super) fn close_notice(&mut self, key: NoticeKey, out: &mut Out) {
        if self.shown.remove(&key) {
            out.push(Effect::CloseNotice { key });
        }
    }

    /// Tray, snapshot and wake-up effects after every input.
    ///
    /// An input that changed nothing (a streamed delta, most often) skips
    /// the work: the tray cannot have changed, and deadlines only move
    /// later with activity, so the wake-up already asked for is at worst
    /// early, and that tick asks for the next one.
    pub(super) fn finish(&mut self, now: Timestamp, out: &mut Out) {
        // What makes it quiet or loud (a switch, a setting, the desktop, the
        // clock's tick) forces this past the fast return.
        if !out.changed && out.effects.is_empty() && !self.force_finish && !self.index.is_dirty() {
            return;
        }
        self.release_when_loud(out);
        self.force_finish = false;
        self.index.refresh(&self.sessions, &self.policy);
        let tray = self.summarize();
        if tray != self.tray {
            self.tray = tray;
            out.push(Effect::Tray(tray));
        }
        if out.changed {
            out.push(Effect::SnapshotChanged);
        }
        let wake = self.next_deadline();
        if wake != self.wake {
            self.wake = wake;
            if let Some(at) = wake {
                out.push(Effect::WakeAt(at.max(now.unix_millis())));
            }
        }
    }

    pub(super) fn summarize(&self) -> TraySummary {
        self.index.summary(self.sessions.len())
    }

    /// The earliest time the reducer needs a tick, if any: nothing pending
    /// means no wake-ups at all.
    pub(super) fn next_deadline(&self) -> Option<i64> {
        let burst = self.pending_turns.first().map(|first| {
            first
                .at_ms
                .saturating_add(i64::try_from(self.policy.burst_window_ms).unwrap_or(i64::MAX))
        });
        [burst, self.index.first_deadline(), self.next_quiet_change()]
            .into_iter()
            .flatten()
            .min()
    }
}
