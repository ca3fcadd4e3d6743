//! Events and frames: turns (framed or inferred), tools, errors and the
//! approvals they open.

use super::approvals::Asked;
use super::*;

impl SessionTracker {
    pub(super) fn on_event(
        &mut self,
        conn: ConnId,
        id: &str,
        envelope: EventEnvelope,
        now: Timestamp,
        out: &mut Out,
    ) {
        self.index.touch(id);
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        session.events += 1;
        session.last_activity = now;
        let mut busy = None;
        match envelope.event {
            HookEvent::ToolLifecycle {
                tool_name,
                phase,
                payload,
                ..
            } => {
                let finished = finished_phase(&phase);
                session.current_tool = (!finished).then_some(tool_name);
                out.changed = true;
                if let Some(cwd) = payload.get("cwd").and_then(|v| v.as_str()) {
                    learn_cwd(session, cwd);
                }
                busy = Some(!finished);
            }
            HookEvent::ApprovalLifecycle {
                approval_id,
                phase,
                reason,
            } => {
                if phase.is_closing() {
                    if matches!(phase, ApprovalPhase::Denied | ApprovalPhase::Aborted) {
                        // A denied call never runs, and no result of it
                        // will come.
                        session.current_tool = None;
                        out.changed = true;
                    }
                    let by = match phase {
                        ApprovalPhase::Cancelled | ApprovalPhase::TimedOut => AnsweredBy::Agent,
                        _ => AnsweredBy::Terminal,
                    };
                    self.close_approval(id, &approval_id, (by, phase.as_str()), out);
                } else if !self.asked_already(id, &approval_id) {
                    self.open_approval(
                        Asked {
                            conn,
                            session: id,
                            approval_id: &approval_id,
                            reason,
                            request: None,
                        },
                        now,
                        out,
                    );
                }
            }
            HookEvent::GenericEventFrame { frame } => self.on_frame(conn, id, frame, now, out),
            HookEvent::ResponseStart { .. } | HookEvent::ResponseDelta { .. } => busy = Some(true),
            HookEvent::ResponseEnd { .. } => busy = Some(false),
            HookEvent::JobLifecycle {
                job_id,
                phase,
                detail,
                ..
            } => {
                session.jobs.retain(|j| j.job_id != job_id);
                if !finished_phase(&phase) {
                    // Bounded, as everything an agent can make grow: the
                    // oldest goes.
                    if session.jobs.len() >= MAX_JOBS {
                        session.jobs.remove(0);
                    }
                    session.jobs.push(JobSnapshot {
                        job_id,
                        phase,
                        detail,
                    });
                }
                out.changed = true;
            }
            HookEvent::Unknown => {}
        }
        if let Some(busy) = busy {
            self.infer_turn(id, busy, now, out);
        }
    }

    /// A session that sends no turn frames (upstream CodeWhale today) is
    /// working from its first response or tool event; a response or a tool
    /// that ends starts the quiet period after which the turn is over
    /// (`finish_quiet_turns`), and more activity ends that period.
    pub(super) fn infer_turn(&mut self, id: &str, busy: bool, now: Timestamp, out: &mut Out) {
        self.index.touch(id);
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        if session.turn_frames {
            return;
        }
        if !busy {
            if session.turn.is_some() {
                session.quiet_since_ms = Some(now.unix_millis());
            }
            return;
        }
        session.quiet_since_ms = None;
        if session.turn.is_none() {
            session.turn = Some((INFERRED_TURN.to_owned(), now));
            session.turn_announced = false;
            session.activity = SessionState::Working;
            out.changed = true;
            self.close_notice(NoticeKey::Turn(id.to_owned()), out);
        }
    }

    pub(super) fn on_frame(
        &mut self,
        conn: ConnId,
        id: &str,
        frame: EventFrame,
        now: Timestamp,
        out: &mut Out,
    ) {
        self.index.touch(id);
        let quiet = self.quiet().is_some();
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        if matches!(
            frame,
            EventFrame::TurnStarted { .. }
                | EventFrame::TurnComplete { .. }
                | EventFrame::TurnAborted { .. }
        ) {
            // Its own turns from now on: none is inferred.
            session.turn_frames = true;
            session.quiet_since_ms = None;
        }
        let busy = match &frame {
            EventFrame::ToolCallStart { .. } | EventFrame::ExecCommandBegin { .. } => Some(true),
            EventFrame::ToolCallResult { .. } | EventFrame::ExecCommandEnd { .. } => Some(false),
            _ => None,
        };
        match frame {
            EventFrame::TurnStarted { turn_id } => {
                // A held notice of its last turn is stale once it works
                // again.
                self.held_turns.retain(|h| h.session_id != id);
                session.turn = Some((turn_id, now));
                session.turn_announced = false;
                session.activity = SessionState::Working;
                out.changed = true;
                let key = NoticeKey::Turn(id.to_owned());
                self.close_notice(key, out);
            }
            EventFrame::TurnComplete { .. } => {
                forget_bridge_jobs(session);
                self.close_approvals_of_a_bridge_turn(id, out);
                self.complete_turn(id, now.unix_millis(), now.unix_millis(), out);
            }
            EventFrame::TurnAborted { reason, .. } => {
                forget_bridge_jobs(session);
                self.close_approvals_of_a_bridge_turn(id, out);
                let Some(session) = self.sessions.get_mut(id) else {
                    return;
                };
                session.turn = None;
                session.activity = SessionState::Aborted;
                session.current_tool = None;
                out.changed = true;
                let notice = notices::aborted(id, &session.label(), reason.as_deref());
                self.notify_turn(notice, out);
            }
            EventFrame::Error { message, .. } => {
                let notice = notices::error(id, &session.label(), &message);
                self.notify_turn(notice, out);
            }
            EventFrame::ExecApprovalRequest { request }
            | EventFrame::ApplyPatchApprovalRequest { request } => {
                if !request.cwd.is_empty() {
                    learn_cwd(session, &request.cwd);
                }
                let approval_id = request.approval_id.clone();
                let reason = request.reason.clone();
                self.open_approval(
                    Asked {
                        conn,
                        session: id,
                        approval_id: &approval_id,
                        reason,
                        request: Some(*request),
                    },
                    now,
                    out,
                );
            }
            EventFrame::UserInputRequest { request } => {
                // Not under do not disturb (like a finished turn), and not
                // right after a finished turn whose notice is still up:
                // Claude Code's idle reminder comes a minute after every
                // turn, and would say it twice.
                let said = session.activity == SessionState::Done && session.turn_announced;
                if !said && !quiet {
                    let idle = request.is_null();
                    let notice = notices::input_wanted(id, &session.label(), idle);
                    self.notify(notice, out);
                }
            }
            EventFrame::ToolCallStart { tool_name, .. } => {
                session.current_tool = tool_name.or(session.current_tool.take());
                out.changed = true;
            }
            EventFrame::ToolCallResult { call_id, .. } => {
                session.current_tool = None;
                out.changed = true;
                // The call ran: its approval was answered in the terminal.
                let answered: Vec<String> = session
                    .approvals
                    .iter()
                    .filter(|a| call_id.is_some() && a.call_id == call_id)
                    .map(|a| a.id.clone())
                    .collect();
                for approval_id in answered {
                    self.close_approval(id, &approval_id, (AnsweredBy::Terminal, "approved"), out);
                }
            }
            EventFrame::ExecCommandEnd { .. } => {
                session.current_tool = None;
                out.changed = true;
            }
            EventFrame::ExecCommandBegin { command, cwd } => {
                session.current_tool = Some(notices::shorten(command.as_str(), 60));
                if let Some(cwd) = cwd {
                    learn_cwd(session, &cwd);
                }
                out.changed = true;
            }
            EventFrame::SessionEnd { .. } => {
                // Said by a hook bridge (a hook cannot be replaced by a
                // reconnecting agent), it is over, and a late hook of it
                // does not bring it back; a session on its own connection
                // ends when that closes.
                if session.transient {
                    self.forget(id, out);
                    let now_ms = now.unix_millis();
                    self.replaced
                        .retain(|(_, at)| now_ms - *at < REPLACED_FOR_MS);
                    self.replaced.push_back((id.to_owned(), now_ms));
                }
                return;
            }
            EventFrame::Unknown => {}
        }
        if let Some(busy) = busy {
            self.infer_turn(id, busy, now, out);
        }
    }

    /// A turn is over at `ended_ms` (its frame came, or an inferred turn
    /// went quiet then); announced at `now_ms` if it lasted long enough.
    pub(super) fn complete_turn(&mut self, id: &str, ended_ms: i64, now_ms: i64, out: &mut Out) {
        self.index.touch(id);
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        let started = session.turn.take().map(|(_, at)| at);
        session.activity = SessionState::Done;
        session.current_tool = None;
        session.quiet_since_ms = None;
        session.turns += 1;
        out.changed = true;
        let duration_ms = started.map_or(0, |at| ended_ms - at.unix_millis());
        let threshold = ms(self.policy.turn_notice_min_secs);
        // A bridge that reports only a turn's end (Codex's notify) is
        // announced: its agent said the turn mattered.
        let announce = match started {
            Some(_) => duration_ms >= threshold,
            None => session.transient,
        };
        if announce {
            let notice = TurnNotice {
                session_id: id.to_owned(),
                title: session.label().into_owned(),
                duration_ms: started.map(|_| duration_ms),
                at_ms: now_ms,
            };
            self.pending_turns.push(notice);
        }
    }
}

/// The most jobs a session keeps.
const MAX_JOBS: usize = 16;

/// A hook bridge's turn is over: a subagent or a compaction whose end
/// no hook said (the agent was interrupted) is over with it. Sessions on a
/// connection keep theirs: their jobs may outlive a turn, and they say
/// when one ends.
fn forget_bridge_jobs(session: &mut Session) {
    if session.transient {
        session.jobs.clear();
    }
}

/// A tool's or a job's phase that says it is over.
fn finished_phase(phase: &str) -> bool {
    matches!(
        phase,
        "completed" | "failed" | "done" | "succeeded" | "cancelled" | "stopped"
    )
}

pub(super) fn learn_cwd(session: &mut Session, cwd: &str) {
    if session.cwd.is_some() || cwd.is_empty() {
        return;
    }
    session.cwd = Some(cwd.to_owned());
    if matches!(session.link, Link::OneLine { .. }) {
        if let Some(name) = notices::project_name(cwd) {
            session.title = name;
        }
    }
}
