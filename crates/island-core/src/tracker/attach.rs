//! Which session a line belongs to: a hello attaches its connection to a
//! session (new, re-attached, or a hook bridge's), a line without one to
//! its peer process's session; within the bounds.

use super::*;

impl SessionTracker {
    pub(super) fn on_message(
        &mut self,
        conn: ConnId,
        message: AgentMessage,
        now: Timestamp,
        out: &mut Out,
    ) {
        match message {
            AgentMessage::Hello(hello) => self.on_hello(conn, *hello, now, out),
            AgentMessage::Event(envelope) => {
                if let Some(id) = self.session_for_event(conn, now) {
                    self.on_event(conn, &id, envelope, now, out);
                }
            }
            // Decisions go from Island to agents; one sent the other way is
            // ignored. Control requests are the host's.
            AgentMessage::Decision(_)
            | AgentMessage::Status(_)
            | AgentMessage::Watch(_)
            | AgentMessage::Decide(_)
            | AgentMessage::Focus(_)
            | AgentMessage::Remote(_) => {}
        }
    }

    pub(super) fn on_hello(&mut self, conn: ConnId, hello: Hello, now: Timestamp, out: &mut Out) {
        let id = hello.session_id.clone();
        // One that waits for an answer is heard (a `/resume` right after
        // a `/clear`): ignoring it would leave its hook waiting.
        if hello.transient
            && !hello.accepts_decisions
            && self.recently_replaced(&id, now.unix_millis())
        {
            self.conns.entry(conn).or_default().superseded = true;
            return;
        }
        if !self.sessions.contains_key(&id) && !self.room_for_a_session(conn) {
            // Over a bound: the connection's lines are dropped (and
            // counted), the sessions Island has stay as they are.
            self.conns.entry(conn).or_default().superseded = true;
            return;
        }
        let state = self.conns.entry(conn).or_default();
        let remote = remote::of_hello(
            state.remote.clone(),
            state.via_forward,
            hello.host.as_deref(),
        );
        if let Some(existing) = self.sessions.get(&id) {
            if !remote::may_attach(remote.as_ref(), existing.remote.as_ref()) {
                self.refused_sessions += 1;
                self.conns.entry(conn).or_default().superseded = true;
                return;
            }
        }
        let state = self.conns.entry(conn).or_default();
        state.session = Some(Arc::from(id.as_str()));
        state.accepts_decisions = hello.accepts_decisions;
        let peer_pid = state.peer.pid;
        self.index.touch(&id);
        let session = self.sessions.entry(id.clone()).or_insert_with(|| {
            Session::new(
                id.clone(),
                id.clone(),
                Link::Disconnected {
                    since_ms: now.unix_millis(),
                },
                now,
            )
        });
        let mut stale_approvals = Vec::new();
        let mut abandoned = Vec::new();
        if hello.transient {
            // A hook bridge: hooks come and go, several at once. None
            // supersedes another; what no hook waits for any more was
            // answered in the terminal, and the next hook says the agent
            // moved on.
            session.transient = true;
            abandoned = session
                .approvals
                .iter()
                .filter(|a| a.answer_to.is_none())
                .map(|a| a.id.clone())
                .collect();
        } else if let Link::Connected { conn: old, .. } = session.link {
            if old != conn {
                if let Some(previous) = self.conns.get_mut(&old) {
                    previous.session = None;
                    previous.superseded = true;
                }
                // The agent re-sends the approvals still open right after
                // its hello; the old connection's may have closed unseen.
                stale_approvals = session.approvals.iter().map(|a| a.id.clone()).collect();
                detach_approvals(session);
            }
        }
        session.agent = hello.agent.or(session.agent.take());
        session.model = hello.model.or(session.model.take());
        session.permission_mode = hello.permission_mode.or(session.permission_mode.take());
        session.cwd = hello.cwd.or(session.cwd.take());
        // A hello without a title (a hook's) keeps the one already known.
        let known = Some(session.title.clone()).filter(|t| *t != id);
        session.title = hello
            .title
            .filter(|t| !t.trim().is_empty())
            .or_else(|| session.cwd.as_deref().and_then(notices::project_name))
            .or(known)
            .unwrap_or_else(|| id.clone());
        // Another machine's pid: nothing here can check it.
        session.pid = if remote.is_some() {
            None
        } else {
            hello.pid.or(peer_pid)
        };
        session.remote = remote;
        session.terminal = hello.terminal.or(session.terminal.take());
        session.link = Link::Connected {
            conn,
            accepts_decisions: hello.accepts_decisions,
        };
        session.last_activity = now;
        for approval_id in stale_approvals {
            self.close_notice(
                NoticeKey::Approval(ApprovalRef::new(&id, &approval_id)),
                out,
            );
        }
        for approval_id in abandoned {
            // Its hook is gone: it was answered in the terminal, in a way
            // the agent did not say.
            self.close_approval(&id, &approval_id, (AnsweredBy::Terminal, "unknown"), out);
        }
        if hello.transient {
            self.forget_replaced(&id, now.unix_millis(), out);
        }
        let Some(session) = self.sessions.get(&id) else {
            return;
        };
        if matches!(
            session.link,
            Link::Connected {
                accepts_decisions: true,
                ..
            }
        ) {
            out.push(Effect::Send {
                conn,
                message: IslandMessage::Welcome(Welcome {
                    protocol: PROTOCOL_VERSION,
                    island_version: env!("CARGO_PKG_VERSION").into(),
                }),
            });
        }
        out.changed = true;
    }

    /// The session an event belongs to: the connection's hello, or for
    /// upstream one-line connections the peer process.
    pub(super) fn session_for_event(&mut self, conn: ConnId, now: Timestamp) -> Option<Arc<str>> {
        let state = self.conns.entry(conn).or_default();
        if state.superseded {
            return None;
        }
        if let Some(id) = &state.session {
            return Some(Arc::clone(id));
        }
        let peer = state.peer;
        let id = match (peer.pid, peer.start_time) {
            (Some(pid), Some(start)) => format!("pid-{pid}-{start}"),
            (Some(pid), None) => format!("pid-{pid}"),
            (None, _) => format!("conn-{}", conn.0),
        };
        if !self.sessions.contains_key(&id) && !self.room_for_a_session(conn) {
            self.conns.entry(conn).or_default().superseded = true;
            return None;
        }
        let state = self.conns.entry(conn).or_default();
        let shared: Arc<str> = Arc::from(id.as_str());
        state.session = Some(Arc::clone(&shared));
        let remote = remote::of_hello(state.remote.clone(), state.via_forward, None);
        let title = match (&remote, peer.pid) {
            // One-line agents on another machine all come from its `ssh`.
            (Some(r), _) => format!("agents on {}", r.host),
            (None, Some(pid)) => format!("agent {pid}"),
            (None, None) => id.clone(),
        };
        self.index.touch(&id);
        self.sessions.entry(id.clone()).or_insert_with(|| {
            let mut session = Session::new(id.clone(), title, Link::OneLine { pid: peer.pid }, now);
            session.pid = peer.pid;
            session.remote = remote;
            session
        });
        Some(shared)
    }

    /// Whether a new session may start on `conn`: at most `MAX_SESSIONS`
    /// in all, and `MAX_SESSIONS_PER_PEER` started by one process. A
    /// refusal is counted.
    pub(super) fn room_for_a_session(&mut self, conn: ConnId) -> bool {
        let peer = self.conns.get(&conn).map(|c| c.peer).unwrap_or_default();
        let from_peer = peer.pid.map_or(0, |pid| {
            self.started_by
                .get(&(pid, peer.start_time))
                .copied()
                .unwrap_or(0)
        });
        if self.sessions.len() >= MAX_SESSIONS || from_peer >= MAX_SESSIONS_PER_PEER {
            self.refused_sessions += 1;
            return false;
        }
        if let Some(pid) = peer.pid {
            *self.started_by.entry((pid, peer.start_time)).or_default() += 1;
        }
        true
    }
}
