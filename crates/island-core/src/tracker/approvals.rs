//! Approvals: opened from either half (lifecycle or frame, in any order),
//! closed by whoever answers, and answered from Island only with what the
//! approval offers, to the session it belongs to.

use super::*;

/// An approval asked for, from either half: the connection it came on,
/// its session and id, and what the half carried.
pub(super) struct Asked<'a> {
    /// The connection it came on.
    pub conn: ConnId,
    /// Its session.
    pub session: &'a str,
    /// Its id.
    pub approval_id: &'a str,
    /// The lifecycle's reason.
    pub reason: Option<String>,
    /// The frame's request.
    pub request: Option<ExecApprovalRequestEvent>,
}

impl SessionTracker {
    pub(super) fn open_approval(&mut self, asked: Asked<'_>, now: Timestamp, out: &mut Out) {
        let Asked {
            conn,
            session: id,
            approval_id,
            reason,
            request,
        } = asked;
        let Some(known) = self.sessions.get(id) else {
            return;
        };
        let now_ms = self.now_ms;
        if known
            .closed_approvals
            .get(approval_id)
            .is_some_and(|at| now_ms - *at < CLOSED_KEPT_MS)
        {
            // A replay of an approval that was already closed: never offer
            // it again.
            return;
        }
        // Where an answer to this approval can go: for a hook bridge, the
        // connection that asked, if it takes answers.
        let answer_to = self
            .conns
            .get(&conn)
            .filter(|c| c.accepts_decisions)
            .map(|_| conn);
        if let Some((decision, source)) = known.decided.get(approval_id).cloned() {
            let target = if known.transient {
                answer_to
            } else {
                known.decision_conn()
            };
            if let Some(conn) = target {
                out.push(Effect::Send {
                    conn,
                    message: IslandMessage::Decision(Decision {
                        approval_id: approval_id.to_owned(),
                        decision,
                        source,
                    }),
                });
            }
            return;
        }
        // Counting every open approval is only needed for a new one.
        let is_new = !known.approvals.iter().any(|a| a.id == approval_id);
        let open_now: usize = if is_new {
            self.index.refresh(&self.sessions, &self.policy);
            self.index.approvals()
        } else {
            0
        };
        self.index.touch(id);
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        if matches!(session.link, Link::Disconnected { .. }) {
            return;
        }
        let index = match session.approvals.iter().position(|a| a.id == approval_id) {
            Some(i) => i,
            None if session.approvals.len() >= MAX_APPROVALS_PER_SESSION
                || open_now >= MAX_APPROVALS =>
            {
                // Past a bound the agent asks in its terminal, as it does
                // when Island is away; the refusal is counted.
                self.refused_approvals += 1;
                return;
            }
            None => {
                // Sent again after a reconnect: it was asked when it was
                // first asked.
                let requested_at = session
                    .detached
                    .remove(approval_id)
                    .map_or(now, |a| a.requested_at);
                session.approvals.push(Approval {
                    id: approval_id.to_owned(),
                    command: None,
                    cwd: None,
                    reason: None,
                    decisions: Vec::new(),
                    requested_at,
                    realerted: false,
                    answer_to,
                    call_id: None,
                });
                session.approvals.len() - 1
            }
        };
        let approval = &mut session.approvals[index];
        if reason.is_some() {
            approval.reason = reason;
        }
        if let Some(request) = request {
            approval.call_id = Some(request.call_id).filter(|c| !c.is_empty());
            approval.command = Some(request.command.0).filter(|c| !c.is_empty());
            approval.cwd = Some(request.cwd).filter(|c| !c.is_empty());
            approval.decisions = request.available_decisions;
        }
        out.changed = true;
        let notice = notices::approval(session, &session.approvals[index], false);
        self.notify(notice, out);
    }

    /// A hook bridge's agent asks one thing at a time: a request without
    /// a frame, while another approval of the session is open, is that
    /// prompt announced again (Claude Code's `permission_prompt`
    /// notification, seconds after its `PermissionRequest`), not a second
    /// one.
    pub(super) fn asked_already(&self, id: &str, approval_id: &str) -> bool {
        self.sessions
            .get(id)
            .is_some_and(|s| s.transient && s.approvals.iter().any(|a| a.id != approval_id))
    }

    /// A hook bridge's turn is over: what it asked is moot (answered in
    /// the terminal, or dropped with the turn), and its cards go.
    pub(super) fn close_approvals_of_a_bridge_turn(&mut self, id: &str, out: &mut Out) {
        let open: Vec<String> = match self.sessions.get(id) {
            Some(s) if s.transient => s.approvals.iter().map(|a| a.id.clone()).collect(),
            _ => return,
        };
        for approval_id in open {
            self.close_approval(id, &approval_id, (AnsweredBy::Terminal, "unknown"), out);
        }
    }

    /// Closes an approval; one still open is recorded as closed by `by`
    /// with `decision`.
    pub(super) fn close_approval(
        &mut self,
        id: &str,
        approval_id: &str,
        (by, decision): (AnsweredBy, &str),
        out: &mut Out,
    ) {
        let now_ms = self.now_ms;
        self.index.touch(id);
        self.record(id, approval_id, by, decision, out);
        if let Some(session) = self.sessions.get_mut(id) {
            session.decided.remove(approval_id);
            remember_closed(session, approval_id, now_ms);
            let before = session.approvals.len();
            session.approvals.retain(|a| a.id != approval_id);
            out.changed |= session.approvals.len() != before;
            // The time the user took to answer was no quiet of the agent.
            if session.quiet_since_ms.is_some() {
                session.quiet_since_ms = Some(now_ms);
            }
        }
        self.close_notice(NoticeKey::Approval(ApprovalRef::new(id, approval_id)), out);
    }

    /// Removes an approval's card and notice without marking it closed.
    pub(super) fn withdraw_approval(&mut self, id: &str, approval_id: &str, out: &mut Out) {
        self.index.touch(id);
        if let Some(session) = self.sessions.get_mut(id) {
            let before = session.approvals.len();
            session.approvals.retain(|a| a.id != approval_id);
            out.changed |= session.approvals.len() != before;
        }
        self.close_notice(NoticeKey::Approval(ApprovalRef::new(id, approval_id)), out);
    }

    /// Which open approval an answer means: the one of that id in the
    /// named session; with no session named, the one session with an open
    /// approval of that id, or `SESSION/ID` given as one string.
    pub(super) fn resolve_approval(
        &self,
        session_id: Option<&str>,
        approval_id: &str,
    ) -> Result<ApprovalRef, String> {
        let open_in = |sid: &str, aid: &str| {
            self.sessions
                .get(sid)
                .is_some_and(|s| s.approvals.iter().any(|a| a.id == aid))
        };
        if let Some(sid) = session_id {
            return if open_in(sid, approval_id) {
                Ok(ApprovalRef::new(sid, approval_id))
            } else {
                Err(format!("no open approval {approval_id} in session {sid}"))
            };
        }
        let mut found: Vec<ApprovalRef> = self
            .sessions
            .values()
            .filter(|s| s.approvals.iter().any(|a| a.id == approval_id))
            .map(|s| ApprovalRef::new(&s.id, approval_id))
            .collect();
        if found.is_empty() {
            // `SESSION/ID`, split at each `/` (either part may hold one).
            found = approval_id
                .match_indices('/')
                .map(|(at, _)| (&approval_id[..at], &approval_id[at + 1..]))
                .filter(|(sid, aid)| open_in(sid, aid))
                .map(|(sid, aid)| ApprovalRef::new(sid, aid))
                .collect();
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(format!("no open approval {approval_id}")),
            _ => Err(format!(
                "approval {approval_id} is open in {} sessions ({}); name one as SESSION/{approval_id}",
                found.len(),
                found
                    .iter()
                    .map(|r| r.session.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    pub(super) fn on_decide(
        &mut self,
        session_id: Option<&str>,
        approval_id: &str,
        decision: ReviewDecision,
        (source, token): (DecisionSource, Option<&str>),
        reply_to: Option<ConnId>,
        out: &mut Out,
    ) {
        let reply = match self.refuse_answer_from(source, token) {
            Some(reason) => {
                // Counted in the snapshot's counters (read when the next
                // snapshot goes out, as the server's own are).
                self.refused_answers += 1;
                Decided {
                    ok: false,
                    reason: Some(reason.into()),
                    needs_token: true,
                }
            }
            None => match self.resolve_approval(session_id, approval_id) {
                Err(reason) => Decided {
                    ok: false,
                    reason: Some(reason),
                    needs_token: false,
                },
                Ok(target) => self.deliver_decision(&target, decision, source, out),
            },
        };
        if let Some(conn) = reply_to {
            out.push(Effect::Send {
                conn,
                message: IslandMessage::Decided(reply),
            });
        }
    }

    /// Why an answer from `source` is not taken, if it is not: with
    /// `answers_from = "ui"`, the command line's needs the terminal answer
    /// token.
    pub(super) fn refuse_answer_from(
        &self,
        source: DecisionSource,
        token: Option<&str>,
    ) -> Option<&'static str> {
        if !self.policy.ui_answers_only || source != DecisionSource::Cli {
            return None;
        }
        match (token, &self.answer_token) {
            (Some(given), Some(mine)) if mine.matches(given) => None,
            (Some(_), Some(_)) => Some(
                "that is not Island's terminal answer token (it changes every time Island starts; the tray menu shows it); nothing was sent",
            ),
            _ => Some(
                "Island takes answers only from its tray, widget and notifications ([security] answers_from = \"ui\"), or from the command line with the terminal answer token its tray menu shows; nothing was sent",
            ),
        }
    }

    /// Sends an answer to an open approval, if its agent takes it.
    pub(super) fn deliver_decision(
        &mut self,
        target: &ApprovalRef,
        decision: ReviewDecision,
        source: DecisionSource,
        out: &mut Out,
    ) -> Decided {
        let refuse = |reason: String| Decided {
            ok: false,
            reason: Some(reason),
            needs_token: false,
        };
        let Some(session) = self.sessions.get(&target.session) else {
            return refuse(format!("no open approval {}", target.id));
        };
        let Some(approval) = session.approvals.iter().find(|a| a.id == target.id) else {
            return refuse(format!("no open approval {}", target.id));
        };
        // An approval that lists its answers takes only those; one that
        // lists none (no frame yet) takes any but an option, which only an
        // agent that lists it knows.
        let listed = approval.decisions.contains(&decision);
        let chosen = decision.option().is_some();
        if !listed && (chosen || !approval.decisions.is_empty()) {
            return refuse(format!(
                "approval {} does not offer {}; nothing was sent",
                target.id,
                decision_name(&decision)
            ));
        }
        let Some(conn) = session.answer_conn(approval) else {
            return refuse(format!(
                "the {} session does not take decisions from Island; answer in its terminal",
                session.title
            ));
        };
        // Recorded before it is sent: once the agent has it, so does the
        // history.
        self.record(
            &target.session,
            &target.id,
            AnsweredBy::from_source(source),
            &crate::history::decision_name(&decision),
            out,
        );
        out.push(Effect::Send {
            conn,
            message: IslandMessage::Decision(Decision {
                approval_id: target.id.clone(),
                decision: decision.clone(),
                source,
            }),
        });
        // The first answer wins: stop offering it now. It counts as closed
        // when the agent's closing phase arrives; until then a replay (the
        // agent reconnected, and may never have received it) gets this
        // answer again.
        self.withdraw_approval(&target.session, &target.id, out);
        self.index.touch(&target.session);
        if let Some(session) = self.sessions.get_mut(&target.session)
            && session.decided.len() < DECIDED_KEPT
        {
            session
                .decided
                .insert(target.id.clone(), (decision, source));
        }
        Decided {
            ok: true,
            reason: None,
            needs_token: false,
        }
    }
}

/// Remembers that `approval_id` closed at `now_ms`; forgets what closed
/// more than `CLOSED_KEPT_MS` ago, and the oldest past `CLOSED_KEPT`.
pub(super) fn remember_closed(session: &mut Session, approval_id: &str, now_ms: i64) {
    session
        .closed_approvals
        .retain(|_, at| now_ms - *at < CLOSED_KEPT_MS);
    session
        .closed_approvals
        .insert(approval_id.to_owned(), now_ms);
    while session.closed_approvals.len() > CLOSED_KEPT {
        let oldest = session
            .closed_approvals
            .iter()
            .min_by_key(|(_, at)| **at)
            .map(|(id, _)| id.clone());
        match oldest {
            Some(id) => session.closed_approvals.remove(&id),
            None => break,
        };
    }
}

/// A decision's wire name, for messages.
pub(super) fn decision_name(decision: &ReviewDecision) -> String {
    if let Some(label) = decision.option() {
        return format!("the option {:?}", crate::display::safe(label));
    }
    serde_json::to_value(decision)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_else(|| format!("{decision:?}"))
}
