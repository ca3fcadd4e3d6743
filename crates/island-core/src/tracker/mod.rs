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
//!
//! Here: the policy, the tracker's state and `apply`. Each job has its
//! file: `attach` (which session a line belongs to), `events` (turns,
//! tools, frames), `approvals`, `lifecycle` (closing, ticks, forgetting),
//! `announce` (notices and what follows every input), `quiet` (do not
//! disturb, the desktop's, quiet hours), `remote` (sessions of other
//! machines), `history` (closed approvals), `snapshot`, and `index` (the
//! sums kept per session).
//!
//! Over 400 lines: `apply`'s dispatch, the policy and the reducer's own
//! checks; the work itself is in the files beside it, one per concern.

mod announce;
mod approvals;
mod attach;
mod events;
mod history;
mod index;
mod lifecycle;
mod model;
pub mod notices;
mod quiet;
mod remote;
mod snapshot;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use island_protocol::{
    AgentMessage, ApprovalPhase, ApprovalSnapshot, Counters, Decided, Decision, DecisionSource,
    EventEnvelope, EventFrame, ExecApprovalRequestEvent, Hello, HookEvent, IslandMessage,
    JobSnapshot, PROTOCOL_VERSION, ReviewDecision, SessionSnapshot, SessionState, Snapshot,
    Timestamp, Welcome,
};
use serde::{Deserialize, Serialize};

use crate::answer_token::AnswerToken;
use crate::history::AnsweredBy;
use lifecycle::{expires_when_idle, quiet_turn_since};

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
    /// Its peer is an `ssh` that no `island remote` registered: a forward
    /// written in `~/.ssh/config`; the machine is what its hello says.
    via_forward: bool,
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
            Input::SetDesktopDoNotDisturb(on) => {
                self.desktop_dnd = on;
                self.force_finish = true;
            }
            Input::ViaForward { conn } => self.conns.entry(conn).or_default().via_forward = true,
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
}

/// Moves a session's open approvals aside when its connection goes
/// (`Session::detached`), at most the per-session bound of them.
fn detach_approvals(session: &mut Session) {
    for approval in session.approvals.drain(..) {
        if session.detached.len() < MAX_APPROVALS_PER_SESSION {
            session.detached.insert(approval.id.clone(), approval);
        }
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
