//! The session state as a pure reducer: [`SessionTracker::apply`] takes an
//! [`Input`] and the current time and returns [`Effect`]s. No clock, no I/O:
//! the host passes time in and carries the effects out, and the tests drive
//! it from data files.
//!
//! It joins `approval_lifecycle` events and approval frames (in either
//! order) into open approvals, tracks turns and liveness, and decides which
//! notifications a user wants: approvals at once (critical, with actions when
//! the session accepts decisions), finished turns only past a threshold and
//! collapsed into one summary when several land together, aborted turns and
//! errors with their reason, do not disturb, and one reminder for an
//! approval left waiting.

mod history;
mod index;
mod model;
pub(crate) mod notices;
mod quiet;
mod remote;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use island_protocol::{
    AgentMessage, ApprovalPhase, ApprovalSnapshot, Counters, Decided, Decision, DecisionSource,
    EventEnvelope, EventFrame, ExecApprovalRequestEvent, Hello, HookEvent, IslandMessage,
    PROTOCOL_VERSION, ReviewDecision, SessionSnapshot, SessionState, Snapshot, Timestamp, Welcome,
};
use serde::{Deserialize, Serialize};

use crate::answer_token::AnswerToken;
use crate::history::AnsweredBy;

pub use quiet::{Quiet, QuietHours};

pub use model::{
    Approval, ApprovalRef, ConnId, Effect, Input, Link, Notice, NoticeKey, Peer, Remote, Session,
    Sound, TrayState, TraySummary,
};

/// The notification and liveness settings the reducer applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// A finished turn is announced only if it lasted at least this long.
    pub turn_notice_min_secs: u64,
    /// Finished turns landing within this window are announced together.
    pub burst_window_ms: u64,
    /// An approval still open after this long alerts once more (0: never).
    pub realert_after_secs: u64,
    /// Hold turn notices (approvals still show).
    pub do_not_disturb: bool,
    /// Show nothing at all.
    pub mute_all: bool,
    /// Announce aborted turns and errors.
    pub notify_errors: bool,
    /// A disconnected session is forgotten after this long.
    pub disconnected_grace_secs: u64,
    /// A one-line (upstream) session is forgotten after this long idle.
    pub one_line_idle_secs: u64,
    /// A session that sends no turn frames finishes its turn once quiet
    /// this long after a response or a tool ended.
    pub quiet_after_secs: u64,
    /// Answers only from the tray, the widget and notifications
    /// (`[security] answers_from = "ui"`): the command line's are refused.
    pub ui_answers_only: bool,
    /// Quiet hours on the local clock: notices wait as under do not
    /// disturb.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// Approval notices wait too while it is quiet
    /// (`approvals_in_dnd = "hold"`).
    #[serde(default)]
    pub hold_approvals_when_quiet: bool,
    /// The local clock's offset from UTC, in minutes (for quiet hours).
    #[serde(default)]
    pub utc_offset_min: i32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            turn_notice_min_secs: 10,
            burst_window_ms: 1500,
            realert_after_secs: 300,
            do_not_disturb: false,
            mute_all: false,
            notify_errors: true,
            disconnected_grace_secs: 60,
            one_line_idle_secs: 600,
            quiet_after_secs: 8,
            ui_answers_only: false,
            quiet_hours: None,
            hold_approvals_when_quiet: false,
            utc_offset_min: 0,
        }
    }
}

/// A finished turn waiting for the burst window to close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct TurnNotice {
    session_id: String,
    title: String,
    /// `None` when Island did not see the turn start (a hook bridge that
    /// reports only the end).
    duration_ms: Option<i64>,
    at_ms: i64,
}

#[derive(Debug, Clone, Default)]
struct ConnState {
    peer: Peer,
    /// Shared, so that finding a line's session costs no allocation.
    session: Option<Arc<str>>,
    /// A newer connection took over this one's session: its remaining
    /// lines are stale and dropped.
    superseded: bool,
    /// Its hello set `accepts_decisions`.
    accepts_decisions: bool,
    /// It came through `island remote`'s forward from this machine.
    remote: Option<Remote>,
}

/// How many closed approval ids a session remembers, so that a replayed
/// `requested` for a closed approval does not reopen it, and for how long
/// (an agent replays only what it still holds open, within its backlog).
const CLOSED_KEPT: usize = 4096;
const CLOSED_KEPT_MS: i64 = 3_600_000;
/// Answers a session keeps waiting for their closing phase.
const DECIDED_KEPT: usize = 4096;
/// Sessions Island keeps at once; a new one past that is refused and
/// counted (`refused_sessions`).
pub const MAX_SESSIONS: usize = 2048;
/// Approvals open at once in one session, and in all: past them a new one
/// is left to the agent's terminal and counted (`refused_approvals`).
pub const MAX_APPROVALS_PER_SESSION: usize = 32;
/// See [`MAX_APPROVALS_PER_SESSION`].
pub const MAX_APPROVALS: usize = 256;
/// A command longer than this (in characters) is cut in snapshots, with a
/// marker that says so: with the bounds above, a snapshot stays far below
/// what the command line reads in one line (64 MiB).
pub const SNAPSHOT_COMMAND_CHARS: usize = 16 * 1024;
/// Sessions one process may start while its connections are open (an
/// agent's app server may hold many; no one process may take them all).
pub const MAX_SESSIONS_PER_PEER: usize = 1024;
/// Agents whose process runs one session at a time (see
/// `forget_replaced`), as their hook bridges name them.
const ONE_SESSION_AGENTS: [&str; 2] = ["claude-code", "codewhale"];
/// The turn id of a turn inferred from responses and tools.
const INFERRED_TURN: &str = "(inferred)";
/// How long a late hook of a replaced session is ignored.
const REPLACED_FOR_MS: i64 = 10_000;

/// Every session Island knows, and what it has shown.
#[derive(Debug, Clone, Default)]
pub struct SessionTracker {
    /// The settings in force.
    pub policy: Policy,
    sessions: BTreeMap<String, Session>,
    conns: HashMap<ConnId, ConnState>,
    pending_turns: Vec<TurnNotice>,
    held_turns: Vec<TurnNotice>,
    shown: BTreeSet<NoticeKey>,
    /// Sessions replaced by a new one from the same process, and when.
    replaced: VecDeque<(String, i64)>,
    /// The time of the input being applied (ms).
    now_ms: i64,
    /// Sessions started per peer process (pid, start time), while its
    /// connections are open.
    started_by: HashMap<(u32, Option<u64>), usize>,
    /// New sessions refused over a bound.
    refused_sessions: u64,
    /// New approvals refused over a bound.
    refused_approvals: u64,
    /// Open connections per peer process.
    peer_conns: HashMap<(u32, Option<u64>), usize>,
    tray: TraySummary,
    wake: Option<i64>,
    /// Set by inputs that change deadlines without changing the snapshot.
    force_finish: bool,
    /// With `answers_from = "ui"`, what the command line must give.
    answer_token: Option<AnswerToken>,
    /// Command-line answers refused for a missing or wrong token.
    refused_answers: u64,
    /// The tray summary's and the deadlines' sums, kept per session.
    index: index::Index,
    /// SSH forwards from other machines, by the connection of the
    /// `island remote` that registered each.
    forwards: HashMap<ConnId, remote::Forward>,
    /// The last approvals that closed, newest last (the widget's "recent").
    recent: VecDeque<crate::history::Entry>,
    /// The desktop's own do not disturb is on.
    desktop_dnd: bool,
    /// It was quiet after the last input (`quiet`).
    was_quiet: bool,
}

/// Collects effects while one input is applied.
struct Out {
    effects: Vec<Effect>,
    changed: bool,
}

impl Out {
    fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }
}

impl SessionTracker {
    /// A tracker with these settings.
    #[must_use]
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }

    /// The token that lets the command line answer when Island takes
    /// answers from its own windows alone (`answers_from = "ui"`). Without
    /// one, the command line cannot answer at all in that mode.
    #[must_use]
    pub fn with_answer_token(mut self, token: AnswerToken) -> Self {
        self.answer_token = Some(token);
        self
    }

    /// The sessions, by id.
    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }

    /// One session.
    #[must_use]
    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.get(id)
    }

    /// The upstream sessions (one connection per line, known process) with
    /// an open approval or a running turn: what their agents will not send
    /// again if Island restarts (`state_file`).
    #[must_use]
    pub fn kept_across_restart(&self) -> Vec<Session> {
        self.sessions
            .values()
            .filter(|s| matches!(s.link, Link::OneLine { pid: Some(_) }))
            .filter(|s| !s.approvals.is_empty() || s.turn.is_some())
            .map(|s| {
                let mut s = s.clone();
                // Connections do not outlive Island.
                for a in &mut s.approvals {
                    a.answer_to = None;
                }
                s
            })
            .collect()
    }

    /// Takes back sessions kept across a restart (already checked to be
    /// alive), within the bounds; those Island knows already are skipped.
    /// Their approvals are not announced again (the cards come back; the
    /// reminder, if due, still comes).
    pub fn restore(&mut self, sessions: Vec<Session>, now: Timestamp) -> Vec<Effect> {
        let mut out = Out {
            effects: Vec::new(),
            changed: false,
        };
        self.now_ms = now.unix_millis();
        for mut session in sessions {
            let open = self.index.approvals();
            if self.sessions.contains_key(&session.id)
                || self.sessions.len() >= MAX_SESSIONS
                || !matches!(session.link, Link::OneLine { pid: Some(_) })
            {
                continue;
            }
            session
                .approvals
                .truncate(MAX_APPROVALS_PER_SESSION.min(MAX_APPROVALS.saturating_sub(open)));
            self.index.touch(&session.id);
            self.sessions.insert(session.id.clone(), session);
            out.changed = true;
            self.index.refresh(&self.sessions, &self.policy);
        }
        self.finish(now, &mut out);
        out.effects
    }

    /// The tray summary as last computed.
    #[must_use]
    pub fn tray(&self) -> TraySummary {
        self.tray
    }

    /// Applies one input at time `now`.
    pub fn apply(&mut self, input: Input, now: Timestamp) -> Vec<Effect> {
        let mut out = Out {
            effects: Vec::new(),
            changed: false,
        };
        self.now_ms = now.unix_millis();
        match input {
            Input::Opened { conn, peer } => {
                if let Some(pid) = peer.pid {
                    *self.peer_conns.entry((pid, peer.start_time)).or_default() += 1;
                }
                let remote = self.forward_of(peer);
                self.conns.insert(
                    conn,
                    ConnState {
                        peer,
                        remote,
                        ..ConnState::default()
                    },
                );
            }
            Input::Message { conn, message } => self.on_message(conn, message, now, &mut out),
            Input::Closed { conn } => self.on_closed(conn, now, &mut out),
            Input::Tick => {
                // The host's timer fired and is spent: always say when the
                // next tick is due.
                self.wake = None;
                self.force_finish = true;
                self.on_tick(now, &mut out);
            }
            Input::ProcessGone { pid } => {
                let gone: Vec<String> = self
                    .index
                    .sessions_of(pid)
                    .into_iter()
                    .filter(|id| {
                        self.sessions.get(id).is_some_and(
                            |s| matches!(s.link, Link::OneLine { pid: Some(p) } if p == pid),
                        )
                    })
                    .collect();
                for id in gone {
                    self.forget(&id, &mut out);
                }
            }
            Input::Decide {
                session_id,
                approval_id,
                decision,
                source,
                token,
                reply_to,
            } => self.on_decide(
                session_id.as_deref(),
                &approval_id,
                decision,
                (source, token.as_deref()),
                reply_to,
                &mut out,
            ),
            Input::Focus {
                session_id,
                reply_to,
            } => self.on_focus(session_id.as_deref(), reply_to, &mut out),
            Input::Forward {
                conn,
                host,
                pid,
                start_time,
                control_path,
            } => self.on_forward(
                conn,
                remote::Forward {
                    host,
                    pid,
                    start_time,
                    control_path,
                },
                &mut out,
            ),
            Input::SetDoNotDisturb(on) => self.set_do_not_disturb(on, &mut out),
            Input::SetDesktopDoNotDisturb(on) => self.desktop_dnd = on,
            Input::SetPolicy(policy) => {
                let on = policy.do_not_disturb;
                self.policy = Policy {
                    do_not_disturb: self.policy.do_not_disturb,
                    ..policy
                };
                self.set_do_not_disturb(on, &mut out);
                // New delays: every session's deadline is computed again.
                for id in self.sessions.keys() {
                    self.index.touch(id);
                }
                self.force_finish = true;
            }
        }
        self.finish(now, &mut out);
        out.effects
    }

    /// Turned off, what waited goes out (`quiet::release_when_loud`)
    /// unless something else still keeps it quiet.
    fn set_do_not_disturb(&mut self, on: bool, out: &mut Out) {
        if self.policy.do_not_disturb != on {
            // The board shows the switch.
            out.changed = true;
        }
        self.policy.do_not_disturb = on;
    }

    fn on_message(&mut self, conn: ConnId, message: AgentMessage, now: Timestamp, out: &mut Out) {
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

    fn on_hello(&mut self, conn: ConnId, hello: Hello, now: Timestamp, out: &mut Out) {
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
        state.session = Some(Arc::from(id.as_str()));
        state.accepts_decisions = hello.accepts_decisions;
        let peer_pid = state.peer.pid;
        let remote = remote::of_hello(state.remote.clone(), hello.host.as_deref());
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
                stale_approvals = session.approvals.drain(..).map(|a| a.id).collect();
            }
        }
        session.agent = hello.agent.or(session.agent.take());
        session.cwd = hello.cwd.or(session.cwd.take());
        // A hello without a title (a hook's) keeps the one already known.
        let known = Some(session.title.clone()).filter(|t| *t != id);
        session.title = hello
            .title
            .filter(|t| !t.trim().is_empty())
            .or_else(|| session.cwd.as_deref().and_then(notices::project_name))
            .or(known)
            .unwrap_or_else(|| id.clone());
        if remote.is_some() {
            // Another machine's pid: nothing here can check it.
            session.pid = None;
            session.remote = remote;
        } else {
            session.pid = hello.pid.or(peer_pid);
        }
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
    fn session_for_event(&mut self, conn: ConnId, now: Timestamp) -> Option<Arc<str>> {
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
        let remote = state.remote.clone();
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

    /// The server's counters with the reducer's own.
    fn with_own_counters(&self, counters: Counters) -> Counters {
        Counters {
            refused_sessions: self.refused_sessions,
            refused_approvals: self.refused_approvals,
            refused_answers: self.refused_answers,
            ..counters
        }
    }

    /// Whether a new session may start on `conn`: at most `MAX_SESSIONS`
    /// in all, and `MAX_SESSIONS_PER_PEER` started by one process. A
    /// refusal is counted.
    fn room_for_a_session(&mut self, conn: ConnId) -> bool {
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

    fn on_event(
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
                let finished = matches!(
                    phase.as_str(),
                    "completed" | "failed" | "done" | "succeeded" | "cancelled"
                );
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
                    let by = match phase {
                        ApprovalPhase::Cancelled | ApprovalPhase::TimedOut => AnsweredBy::Agent,
                        _ => AnsweredBy::Terminal,
                    };
                    self.close_approval(id, &approval_id, (by, phase.as_str()), out);
                } else if !self.asked_already(id, &approval_id) {
                    self.open_approval(conn, id, &approval_id, reason, None, now, out);
                }
            }
            HookEvent::GenericEventFrame { frame } => self.on_frame(conn, id, frame, now, out),
            HookEvent::ResponseStart { .. } | HookEvent::ResponseDelta { .. } => busy = Some(true),
            HookEvent::ResponseEnd { .. } => busy = Some(false),
            HookEvent::JobLifecycle { .. } | HookEvent::Unknown => {}
        }
        if let Some(busy) = busy {
            self.infer_turn(id, busy, now, out);
        }
    }

    /// A session that sends no turn frames (upstream CodeWhale today) is
    /// working from its first response or tool event; a response or a tool
    /// that ends starts the quiet period after which the turn is over
    /// (`finish_quiet_turns`), and more activity ends that period.
    fn infer_turn(&mut self, id: &str, busy: bool, now: Timestamp, out: &mut Out) {
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

    fn on_frame(
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
                session.turn = Some((turn_id, now));
                session.turn_announced = false;
                session.activity = SessionState::Working;
                out.changed = true;
                let key = NoticeKey::Turn(id.to_owned());
                self.close_notice(key, out);
            }
            EventFrame::TurnComplete { .. } => {
                self.close_approvals_of_a_bridge_turn(id, out);
                self.complete_turn(id, now.unix_millis(), now.unix_millis(), out);
            }
            EventFrame::TurnAborted { reason, .. } => {
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
                self.open_approval(conn, id, &approval_id, reason, Some(*request), now, out);
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
            EventFrame::Unknown => {}
        }
        if let Some(busy) = busy {
            self.infer_turn(id, busy, now, out);
        }
    }

    /// A turn is over at `ended_ms` (its frame came, or an inferred turn
    /// went quiet then); announced at `now_ms` if it lasted long enough.
    fn complete_turn(&mut self, id: &str, ended_ms: i64, now_ms: i64, out: &mut Out) {
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

    #[allow(clippy::too_many_arguments)] // the reducer's own plumbing
    fn open_approval(
        &mut self,
        conn: ConnId,
        id: &str,
        approval_id: &str,
        reason: Option<String>,
        request: Option<ExecApprovalRequestEvent>,
        now: Timestamp,
        out: &mut Out,
    ) {
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
                session.approvals.push(Approval {
                    id: approval_id.to_owned(),
                    command: None,
                    cwd: None,
                    reason: None,
                    decisions: Vec::new(),
                    requested_at: now,
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
    fn asked_already(&self, id: &str, approval_id: &str) -> bool {
        self.sessions
            .get(id)
            .is_some_and(|s| s.transient && s.approvals.iter().any(|a| a.id != approval_id))
    }

    /// A hook bridge's turn is over: what it asked is moot (answered in
    /// the terminal, or dropped with the turn), and its cards go.
    fn close_approvals_of_a_bridge_turn(&mut self, id: &str, out: &mut Out) {
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
    fn close_approval(
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
    fn withdraw_approval(&mut self, id: &str, approval_id: &str, out: &mut Out) {
        self.index.touch(id);
        if let Some(session) = self.sessions.get_mut(id) {
            let before = session.approvals.len();
            session.approvals.retain(|a| a.id != approval_id);
            out.changed |= session.approvals.len() != before;
        }
        self.close_notice(NoticeKey::Approval(ApprovalRef::new(id, approval_id)), out);
    }

    fn on_closed(&mut self, conn: ConnId, now: Timestamp, out: &mut Out) {
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
        let approvals: Vec<String> = session.approvals.drain(..).map(|a| a.id).collect();
        out.changed = true;
        for approval_id in approvals {
            self.close_notice(
                NoticeKey::Approval(ApprovalRef::new(&id, &approval_id)),
                out,
            );
        }
    }

    fn on_tick(&mut self, now: Timestamp, out: &mut Out) {
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
                self.held_turns.extend(ready);
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
    fn finish_quiet_turns(&mut self, due: &[String], now_ms: i64, out: &mut Out) {
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
    fn forget_replaced(&mut self, id: &str, now_ms: i64, out: &mut Out) {
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
    fn recently_replaced(&self, id: &str, now_ms: i64) -> bool {
        self.replaced
            .iter()
            .any(|(old, at)| old == id && (0..REPLACED_FOR_MS).contains(&(now_ms - *at)))
    }

    fn forget(&mut self, id: &str, out: &mut Out) {
        self.index.touch(id);
        let Some(session) = self.sessions.remove(id) else {
            return;
        };
        out.changed = true;
        for approval in session.approvals {
            self.close_notice(NoticeKey::Approval(ApprovalRef::new(id, &approval.id)), out);
        }
        self.close_notice(NoticeKey::Turn(id.to_owned()), out);
        self.pending_turns.retain(|t| t.session_id != id);
        for state in self.conns.values_mut() {
            if state.session.as_deref() == Some(id) {
                state.session = None;
            }
        }
    }

    /// Which open approval an answer means: the one of that id in the
    /// named session; with no session named, the one session with an open
    /// approval of that id, or `SESSION/ID` given as one string.
    fn resolve_approval(
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

    fn on_decide(
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
    fn refuse_answer_from(
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
    fn deliver_decision(
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
        // lists none (no frame yet) takes any.
        if !approval.decisions.is_empty() && !approval.decisions.contains(&decision) {
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

    fn on_focus(&mut self, session_id: Option<&str>, reply_to: Option<ConnId>, out: &mut Out) {
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

    fn announce_turns(&mut self, turns: Vec<TurnNotice>, out: &mut Out) {
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

    /// A turn notice (aborted, error): held under do not disturb.
    fn notify_turn(&mut self, notice: Notice, out: &mut Out) {
        if !self.policy.notify_errors || self.quiet().is_some() {
            return;
        }
        self.notify(notice, out);
    }

    fn notify(&mut self, notice: Notice, out: &mut Out) {
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

    fn close_notice(&mut self, key: NoticeKey, out: &mut Out) {
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
    fn finish(&mut self, now: Timestamp, out: &mut Out) {
        self.release_when_loud(out);
        if !out.changed && out.effects.is_empty() && !self.force_finish && !self.index.is_dirty() {
            return;
        }
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

    fn summarize(&self) -> TraySummary {
        self.index.summary(self.sessions.len())
    }

    /// The earliest time the reducer needs a tick, if any: nothing pending
    /// means no wake-ups at all.
    fn next_deadline(&self) -> Option<i64> {
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

    /// Whether any session is an upstream one-line session (whose process
    /// the host watches).
    #[must_use]
    pub fn has_one_line_sessions(&self) -> bool {
        self.index.has_one_line()
    }

    /// Checks the kept tray summary and deadline against a count over every
    /// session (for tests: it costs what the index saves).
    ///
    /// # Errors
    /// What differs.
    #[doc(hidden)]
    pub fn check_index(&self) -> Result<(), String> {
        let (tray, first, one_line) = index::Index::recount(&self.sessions, &self.policy);
        let kept = (
            self.index.summary(self.sessions.len()),
            self.index.first_deadline(),
            self.index.has_one_line(),
        );
        if kept == (tray, first, one_line) {
            Ok(())
        } else {
            Err(format!(
                "kept {kept:?}, counted {:?}",
                (tray, first, one_line)
            ))
        }
    }

    /// What Island knows, in the shape of PROTOCOL 5b.
    #[must_use]
    pub fn snapshot(&self, counters: Counters) -> Snapshot {
        let counters = self.with_own_counters(counters);
        let sessions = self
            .sessions
            .values()
            .map(|s| SessionSnapshot {
                id: s.id.clone(),
                agent: s.agent.clone(),
                title: s.title.clone(),
                host: s.remote.as_ref().map(|r| r.host.clone()),
                cwd: s.cwd.clone(),
                state: s.state(),
                turn_started_at: s.turn.as_ref().map(|(_, at)| *at),
                last_activity_at: s.last_activity,
                approvals: s
                    .approvals
                    .iter()
                    .map(|a| ApprovalSnapshot {
                        approval_id: a.id.clone(),
                        command: a
                            .command
                            .as_deref()
                            .map(|c| snapshot_command(c).into_owned()),
                        cwd: a.cwd.clone(),
                        reason: a.reason.clone(),
                        decisions: a.decisions.clone(),
                        requested_at: a.requested_at,
                    })
                    .collect(),
            })
            .collect();
        Snapshot {
            sessions,
            counters,
            holding: self.holding(),
        }
    }
}

/// The snapshot line, serialized from the tracker's own data without
/// copying it first: with a thousand sessions the copy was most of the
/// cost of a `status`. It must write exactly what `Snapshot` writes; a
/// test compares the two.
mod snapshot_view {
    use island_protocol::{Counters, ReviewDecision, SessionState, Timestamp};
    use serde::Serialize;

    #[derive(Serialize)]
    pub(super) struct Line<'a> {
        pub(super) snapshot: View<'a>,
    }

    #[derive(Serialize)]
    pub(super) struct View<'a> {
        pub(super) sessions: Vec<SessionView<'a>>,
        pub(super) counters: Counters,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) holding: Option<String>,
    }

    #[derive(Serialize)]
    pub(super) struct SessionView<'a> {
        pub(super) id: &'a str,
        pub(super) agent: Option<&'a str>,
        pub(super) title: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) host: Option<&'a str>,
        pub(super) cwd: Option<&'a str>,
        pub(super) state: SessionState,
        pub(super) turn_started_at: Option<Timestamp>,
        pub(super) last_activity_at: Timestamp,
        pub(super) approvals: Vec<ApprovalView<'a>>,
    }

    #[derive(Serialize)]
    pub(super) struct ApprovalView<'a> {
        pub(super) approval_id: &'a str,
        pub(super) command: Option<std::borrow::Cow<'a, str>>,
        pub(super) cwd: Option<&'a str>,
        pub(super) reason: Option<&'a str>,
        pub(super) decisions: &'a [ReviewDecision],
        pub(super) requested_at: Timestamp,
    }
}

impl SessionTracker {
    /// The `{"snapshot":...}` line (with its newline), as
    /// `encode_line(&IslandMessage::Snapshot(self.snapshot(counters)))`
    /// would write it, without building the `Snapshot` first.
    ///
    /// # Errors
    /// Only if serialization fails, which these types never do.
    pub fn snapshot_line(&self, counters: Counters) -> Result<Vec<u8>, serde_json::Error> {
        let counters = self.with_own_counters(counters);
        use snapshot_view::{ApprovalView, Line, SessionView, View};
        let sessions = self
            .sessions
            .values()
            .map(|s| SessionView {
                id: &s.id,
                agent: s.agent.as_deref(),
                title: &s.title,
                host: s.remote.as_ref().map(|r| r.host.as_str()),
                cwd: s.cwd.as_deref(),
                state: s.state(),
                turn_started_at: s.turn.as_ref().map(|(_, at)| *at),
                last_activity_at: s.last_activity,
                approvals: s
                    .approvals
                    .iter()
                    .map(|a| ApprovalView {
                        approval_id: &a.id,
                        command: a.command.as_deref().map(snapshot_command),
                        cwd: a.cwd.as_deref(),
                        reason: a.reason.as_deref(),
                        decisions: &a.decisions,
                        requested_at: a.requested_at,
                    })
                    .collect(),
            })
            .collect();
        island_protocol::encode_line(&Line {
            snapshot: View {
                sessions,
                counters,
                holding: self.holding(),
            },
        })
    }
}

/// Seconds of a setting as milliseconds (saturating: a huge setting means
/// never).
fn ms(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Gives back the room a storm of connections left in a map, once few of
/// them are left (amortised: a quarter full at most before it shrinks).
pub(crate) fn shrink_after_a_storm<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > 1024 && map.len() < map.capacity() / 4 {
        map.shrink_to(map.len() * 2);
    }
}

/// When an inferred turn went quiet, if it is one that the quiet period
/// can end (no approval is open: the agent waits for its user then).
fn quiet_turn_since(session: &Session) -> Option<i64> {
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
fn expires_when_idle(session: &Session) -> bool {
    let known_process = matches!(session.link, Link::OneLine { pid: Some(_) });
    !(known_process && (session.transient || !session.approvals.is_empty()))
}

/// A command as snapshots carry it: whole up to `SNAPSHOT_COMMAND_CHARS`,
/// else cut with a marker that says how much is missing.
fn snapshot_command(command: &str) -> std::borrow::Cow<'_, str> {
    match command.char_indices().nth(SNAPSHOT_COMMAND_CHARS) {
        None => std::borrow::Cow::Borrowed(command),
        Some((at, _)) => {
            let missing = command[at..].chars().count();
            std::borrow::Cow::Owned(format!(
                "{}{}",
                &command[..at],
                crate::display::cut_marker(missing)
            ))
        }
    }
}

/// Remembers that `approval_id` closed at `now_ms`; forgets what closed
/// more than `CLOSED_KEPT_MS` ago, and the oldest past `CLOSED_KEPT`.
fn remember_closed(session: &mut Session, approval_id: &str, now_ms: i64) {
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
fn decision_name(decision: &ReviewDecision) -> String {
    serde_json::to_value(decision)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_else(|| format!("{decision:?}"))
}

fn learn_cwd(session: &mut Session, cwd: &str) {
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
