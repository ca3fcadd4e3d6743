//! How sessions end: a connection that closes, the timer (reminders,
//! quiet turns, idle and disconnected sessions), a session replaced by a
//! new one of the same process.

use super::*;

impl SessionTracker {
    pub(super) fn on_closed(&mut self, conn: ConnId, now: Timestamp, out: &mut Out) {
        let removed = self.conns.remove(&conn);
        shrink_after_a_storm(&mut self.conns);
        if let Some(forward) = self.forwards.remove(&conn) {
            self.forward_gone(&forward, now, out);
        }
        let Some(state) = removed else {
            return;
        };
        if let Some(pid) = state.peer.pid {
            let key = (pid, state.peer.start_time);
            if let Some(n) = self.peer_conns.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.peer_conns.remove(&key);
                    self.started_by.remove(&key);
                }
            }
        }
        let Some(id) = state.session else { return };
        self.index.touch(&id);
        let Some(session) = self.sessions.get_mut(&*id) else {
            return;
        };
        if session.transient {
            // A hook ended. Its approvals, if it still waited, are now
            // answered in the terminal; the session lives on with its
            // process.
            for approval in &mut session.approvals {
                if approval.answer_to == Some(conn) {
                    approval.answer_to = None;
                    out.changed = true;
                }
            }
            if matches!(session.link, Link::Connected { conn: c, .. } if c == conn) {
                session.link = Link::OneLine { pid: session.pid };
                out.changed = true;
            }
            return;
        }
        if !matches!(session.link, Link::Connected { conn: c, .. } if c == conn) {
            return; // a one-line connection, or one already replaced
        }
        session.link = Link::Disconnected {
            since_ms: now.unix_millis(),
        };
        // Nobody can answer these any more; a reconnecting agent re-sends
        // the ones still open.
        let approvals: Vec<String> = session.approvals.iter().map(|a| a.id.clone()).collect();
        detach_approvals(session);
        out.changed = true;
        for approval_id in approvals {
            self.close_notice(
                NoticeKey::Approval(ApprovalRef::new(&id, &approval_id)),
                out,
            );
        }
    }

    pub(super) fn on_tick(&mut self, now: Timestamp, out: &mut Out) {
        let now_ms = now.unix_millis();
        // Finished turns whose burst window closed.
        let window = i64::try_from(self.policy.burst_window_ms).unwrap_or(i64::MAX);
        if self
            .pending_turns
            .first()
            .is_some_and(|t| now_ms >= t.at_ms + window)
        {
            let ready = std::mem::take(&mut self.pending_turns);
            if self.quiet().is_some() {
                // One held notice per session: its latest turn.
                for turn in ready {
                    self.held_turns.retain(|h| h.session_id != turn.session_id);
                    self.held_turns.push(turn);
                }
            } else {
                self.announce_turns(ready, out);
            }
        }
        // The sessions whose deadline came: what this tick may change. The
        // changes below only move deadlines later, so one list serves all.
        let due_now = self.index.due(now_ms);
        // One reminder for approvals left waiting.
        if self.policy.realert_after_secs > 0 {
            let after = ms(self.policy.realert_after_secs);
            let mut due = Vec::new();
            for sid in &due_now {
                let Some(session) = self.sessions.get_mut(sid) else {
                    continue;
                };
                self.index.touch(sid);
                for approval in &mut session.approvals {
                    if !approval.realerted && now_ms - approval.requested_at.unix_millis() >= after
                    {
                        approval.realerted = true;
                        due.push((session.id.clone(), approval.id.clone()));
                    }
                }
            }
            for (sid, aid) in due {
                if let Some(session) = self.sessions.get(&sid) {
                    if let Some(approval) = session.approvals.iter().find(|a| a.id == aid) {
                        let notice = notices::approval(session, approval, true);
                        self.notify(notice, out);
                    }
                }
            }
        }
        self.finish_quiet_turns(&due_now, now_ms, out);
        // Forget sessions whose agent is gone.
        let grace = ms(self.policy.disconnected_grace_secs);
        let idle = ms(self.policy.one_line_idle_secs);
        let expired: Vec<String> = due_now
            .iter()
            .filter_map(|id| self.sessions.get(id))
            .filter(|s| match s.link {
                Link::Disconnected { since_ms } => now_ms - since_ms >= grace,
                Link::OneLine { .. } if !expires_when_idle(s) => false,
                Link::OneLine { .. } => now_ms - s.last_activity.unix_millis() >= idle,
                Link::Connected { .. } => false,
            })
            .map(|s| s.id.clone())
            .collect();
        for id in expired {
            self.forget(&id, out);
        }
    }

    /// Inferred turns (no turn frames) among the `due` sessions, quiet for
    /// `quiet_after_secs` with no approval open, are over: at the moment
    /// they went quiet.
    pub(super) fn finish_quiet_turns(&mut self, due: &[String], now_ms: i64, out: &mut Out) {
        let quiet = ms(self.policy.quiet_after_secs);
        let over: Vec<(String, i64)> = due
            .iter()
            .filter_map(|id| {
                let since = quiet_turn_since(self.sessions.get(id)?)?;
                (now_ms - since >= quiet).then_some((id.clone(), since))
            })
            .collect();
        for (id, since) in over {
            self.complete_turn(&id, since, now_ms, out);
        }
    }

    /// Claude Code and the CodeWhale TUI run one session at a time per
    /// process: a new session id from the same process (`/clear`, a new
    /// chat) means the one before it ended, though no hook said so. Its
    /// hooks still connected are not heard any more, and a late hook of
    /// it is ignored for [`REPLACED_FOR_MS`] (a later one is a `/resume`).
    /// Codex is not among them: its app server runs several threads in one
    /// process.
    pub(super) fn forget_replaced(&mut self, id: &str, now_ms: i64, out: &mut Out) {
        let Some(session) = self.sessions.get(id) else {
            return;
        };
        let (Some(pid), Some(agent)) = (session.pid, session.agent.clone()) else {
            return;
        };
        if !ONE_SESSION_AGENTS.contains(&agent.as_str()) {
            return;
        }
        self.index.refresh(&self.sessions, &self.policy);
        let replaced: Vec<String> = self
            .index
            .sessions_of(pid)
            .into_iter()
            .filter_map(|other| self.sessions.get(&other))
            .filter(|s| {
                s.transient
                    && s.pid == Some(pid)
                    && s.id != id
                    && s.agent.as_deref() == Some(&agent)
            })
            .map(|s| s.id.clone())
            .collect();
        for old in replaced {
            for state in self.conns.values_mut() {
                if state.session.as_deref() == Some(old.as_str()) {
                    state.superseded = true;
                }
            }
            self.forget(&old, out);
            self.replaced
                .retain(|(_, at)| now_ms - *at < REPLACED_FOR_MS);
            self.replaced.push_back((old, now_ms));
        }
    }

    /// Whether `id` was replaced moments ago (its hooks may still come).
    pub(super) fn recently_replaced(&self, id: &str, now_ms: i64) -> bool {
        self.replaced
            .iter()
            .any(|(old, at)| old == id && (0..REPLACED_FOR_MS).contains(&(now_ms - *at)))
    }

    pub(super) fn forget(&mut self, id: &str, out: &mut Out) {
        self.index.touch(id);
        // What was still asked when the session went is recorded as left
        // unanswered.
        let asked: Vec<String> = self.sessions.get(id).map_or_else(Vec::new, |s| {
            s.approvals
                .iter()
                .map(|a| a.id.clone())
                .chain(s.detached.keys().cloned())
                .collect()
        });
        for approval_id in asked {
            self.record(id, &approval_id, AnsweredBy::Agent, "abandoned", out);
        }
        let Some(session) = self.sessions.remove(id) else {
            return;
        };
        out.changed = true;
        for approval in session.approvals {
            self.close_notice(NoticeKey::Approval(ApprovalRef::new(id, &approval.id)), out);
        }
        self.close_notice(NoticeKey::Turn(id.to_owned()), out);
        self.pending_turns.retain(|t| t.session_id != id);
        self.held_turns.retain(|t| t.session_id != id);
        for state in self.conns.values_mut() {
            if state.session.as_deref() == Some(id) {
                state.session = None;
            }
        }
    }
}

/// When an inferred turn went quiet, if it is one that the quiet period
/// can end (no approval is open: the agent waits for its user then).
pub(super) fn quiet_turn_since(session: &Session) -> Option<i64> {
    if session.turn_frames || session.turn.is_none() || !session.approvals.is_empty() {
        return None;
    }
    session.quiet_since_ms
}

/// Whether a session without a connection is forgotten after
/// `one_line_idle_secs` of silence. Not a hook bridge's, which lives as
/// long as its process; not one with an open approval while its process is
/// known (the host forgets it when the process ends): a user may think an
/// approval over for longer than the agent stays silent.
pub(super) fn expires_when_idle(session: &Session) -> bool {
    let known_process = matches!(session.link, Link::OneLine { pid: Some(_) });
    !(known_process && (session.transient || !session.approvals.is_empty()))
}
