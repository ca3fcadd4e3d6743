//! The reducer's vocabulary: what goes in ([`Input`]), what comes out
//! ([`Effect`]), and the session data it keeps. All of it is plain data
//! (serde), so that the reducer's tests are data files.
//!
//! Over 400 lines: the reducer's whole vocabulary is plain data in one
//! place, so that its data-file tests and readers find every type here.

use island_protocol::{
    DecisionSource, IslandMessage, ReviewDecision, SessionState, TerminalInfo, Timestamp,
};
use serde::{Deserialize, Serialize};

/// One accepted connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnId(pub u64);

/// Who is on the other end of a connection (from the socket credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Peer {
    /// Process id, where the platform tells it.
    #[serde(default)]
    pub pid: Option<u32>,
    /// Process start time (clock ticks since boot on Linux), against pid
    /// reuse.
    #[serde(default)]
    pub start_time: Option<u64>,
}

/// Something that happened, for the reducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A same-user connection was accepted.
    Opened {
        /// The connection.
        conn: ConnId,
        /// Its peer.
        peer: Peer,
    },
    /// A decoded line from an agent (event or hello).
    Message {
        /// The connection.
        conn: ConnId,
        /// The message.
        message: island_protocol::AgentMessage,
    },
    /// A connection closed.
    Closed {
        /// The connection.
        conn: ConnId,
    },
    /// Time passed (the host ticks when the reducer asked it to).
    Tick,
    /// A process that owned one-line sessions is gone.
    ProcessGone {
        /// Its pid.
        pid: u32,
    },
    /// The user answered an approval.
    Decide {
        /// The session whose approval it is. `None` (a bare id from the
        /// command line): the one session with an open approval of that id,
        /// or `SESSION/ID` written as one string.
        session_id: Option<String>,
        /// The approval.
        approval_id: String,
        /// The answer.
        decision: ReviewDecision,
        /// Where.
        source: DecisionSource,
        /// The terminal answer token, as the command line gave it.
        token: Option<String>,
        /// A control connection waiting for the reply, if any.
        reply_to: Option<ConnId>,
    },
    /// The user asked for a session's terminal.
    Focus {
        /// The session, or `None` for the one whose approval waited longest.
        session_id: Option<String>,
        /// A control connection waiting for the reply, if any.
        reply_to: Option<ConnId>,
    },
    /// `island remote` on connection `conn` says that connections from
    /// the `ssh` process `pid` (started at `start_time`) come from `host`,
    /// for as long as `conn` stays open.
    Forward {
        /// The control connection that registered it.
        conn: ConnId,
        /// The remote machine.
        host: String,
        /// The local `ssh` process carrying the forward.
        pid: u32,
        /// Its start time, read by the host.
        start_time: Option<u64>,
        /// Its control socket.
        control_path: Option<String>,
    },
    /// The host found that connection `conn`'s peer is an `ssh` process
    /// no `island remote` registered: what it says comes from another
    /// machine.
    ViaForward {
        /// The connection.
        conn: ConnId,
    },
    /// Do not disturb on or off.
    SetDoNotDisturb(bool),
    /// The desktop's own do not disturb (the notification server's
    /// `Inhibited`, GNOME's banners off) on or off.
    SetDesktopDoNotDisturb(bool),
    /// New settings; do not disturb turned off releases held notices.
    SetPolicy(super::Policy),
}

/// What the outer layer must do. The reducer does no I/O itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Write a line to a connection.
    Send {
        /// The connection.
        conn: ConnId,
        /// The line.
        #[serde(with = "island_line")]
        message: IslandMessage,
    },
    /// Show a notification, or replace the one with the same key.
    Notify(Notice),
    /// Close the notification with this key, if shown.
    CloseNotice {
        /// The key.
        key: NoticeKey,
    },
    /// The tray's summary changed.
    Tray(TraySummary),
    /// An approval closed: append it to the history.
    Record(Box<crate::history::Entry>),
    /// The snapshot changed (watchers and the widget want a new one).
    SnapshotChanged,
    /// Bring a session's terminal to the front.
    Focus {
        /// The session.
        session_id: String,
        /// What is known of its terminal.
        terminal: Option<TerminalInfo>,
        /// The agent's pid.
        pid: Option<u32>,
        /// Its working directory.
        cwd: Option<String>,
        /// The machine it runs on, when it is another.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remote: Option<Box<Remote>>,
        /// A control connection waiting for the reply.
        reply_to: Option<ConnId>,
    },
    /// Tick again at this time (milliseconds since the epoch).
    WakeAt(i64),
}

/// Serializes an `IslandMessage` as its JSON value, for data-file tests.
mod island_line {
    use island_protocol::IslandMessage;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(m: &IslandMessage, s: S) -> Result<S::Ok, S::Error> {
        m.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<IslandMessage, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let text = value.to_string();
        island_protocol::decode_island_line(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

/// Which notification: one per approval, one turn notice per session, one
/// burst summary.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKey {
    /// An approval.
    Approval(ApprovalRef),
    /// A session's latest turn notice (complete, aborted or error).
    Turn(String),
    /// Several sessions finished at once.
    Summary,
    /// Why a session's terminal could not be brought up.
    Focus(String),
}

/// One approval: ids are unique only within their session (two agents may
/// both open `approval-1`), so every answer names both.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ApprovalRef {
    /// The session.
    pub session: String,
    /// The approval, as its agent named it.
    pub id: String,
}

impl ApprovalRef {
    /// The reference to `id` in `session`.
    #[must_use]
    pub fn new(session: &str, id: &str) -> Self {
        Self {
            session: session.to_owned(),
            id: id.to_owned(),
        }
    }
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Which one; showing a key again replaces it.
    pub key: NoticeKey,
    /// Title.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Critical notices stay until answered.
    pub critical: bool,
    /// Buttons: (action id, label). Action ids are `approve`,
    /// `approve_for_session`, `deny`.
    #[serde(default)]
    pub actions: Vec<(String, String)>,
    /// The session a click on the notice focuses.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Which of the user's sounds it plays (chosen by the notification
    /// adapter from `[notifications] sound_*`); not part of what the
    /// reducer's tests compare.
    #[serde(skip)]
    pub sound: Sound,
}

/// The kind of sound a notice plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sound {
    /// None (a notice about Island itself).
    #[default]
    None,
    /// An approval (on by default).
    Approval,
    /// A finished turn, or an agent waiting for input (off by default).
    Finished,
    /// An aborted turn or an error (off by default).
    Aborted,
}

/// The aggregate the tray shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TraySummary {
    /// The state to show.
    pub state: TrayState,
    /// Sessions known.
    pub sessions: usize,
    /// Sessions running a turn.
    pub working: usize,
    /// Sessions with an open approval.
    pub needs_you: usize,
    /// Sessions whose last turn was aborted.
    pub aborted: usize,
}

/// The tray icon's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrayState {
    /// Nothing running.
    #[default]
    Idle,
    /// At least one turn running.
    Working,
    /// At least one approval open.
    NeedsYou,
    /// A turn was aborted or failed, and nothing else needs attention.
    Error,
}

impl TraySummary {
    /// "2 working, 1 needs you", for tooltips.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.needs_you > 0 {
            parts.push(format!("{} needs you", self.needs_you));
        }
        if self.working > 0 {
            parts.push(format!("{} working", self.working));
        }
        if self.aborted > 0 {
            parts.push(format!("{} aborted", self.aborted));
        }
        if parts.is_empty() {
            return match self.sessions {
                0 => "No agent sessions".into(),
                1 => "1 session, idle".into(),
                n => format!("{n} sessions, idle"),
            };
        }
        parts.join(", ")
    }
}

/// An open approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The approval.
    pub id: String,
    /// The command, once the frame arrived.
    pub command: Option<String>,
    /// Where it would run.
    pub cwd: Option<String>,
    /// Why approval is needed.
    pub reason: Option<String>,
    /// The answers offered (empty until the frame arrives).
    pub decisions: Vec<ReviewDecision>,
    /// When Island first heard of it.
    pub requested_at: Timestamp,
    /// Whether the reminder was shown.
    pub realerted: bool,
    /// For a hook-bridge session: the connection waiting for the answer,
    /// while it is open. `None`: answered in the agent's terminal.
    #[serde(default)]
    pub answer_to: Option<ConnId>,
    /// The tool call it is for, from its frame: that call's result closes
    /// it (it was answered in the agent's terminal).
    #[serde(default)]
    pub call_id: Option<String>,
}

/// How a session talks to Island.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// A long-lived connection with a hello.
    Connected {
        /// The connection.
        conn: ConnId,
        /// Whether decisions may be sent on it.
        accepts_decisions: bool,
    },
    /// The long-lived connection closed; the session waits for a reconnect.
    Disconnected {
        /// Since when (ms since the epoch).
        since_ms: i64,
    },
    /// Upstream style: one connection per line, keyed by the peer process.
    OneLine {
        /// The process.
        pid: Option<u32>,
    },
}

/// Where a session from another machine comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remote {
    /// The machine.
    pub host: String,
    /// The local `ssh` process of `island remote` that carries it; `None`
    /// when the host is only the agent's claim, or the forward is gone.
    #[serde(default)]
    pub ssh_pid: Option<u32>,
    /// That process's control socket, to reach the machine again.
    #[serde(default)]
    pub control_path: Option<String>,
}

/// One agent session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Its id.
    pub id: String,
    /// The agent's name.
    pub agent: Option<String>,
    /// The project name.
    pub title: String,
    /// Working directory.
    pub cwd: Option<String>,
    /// Agent process id.
    pub pid: Option<u32>,
    /// Its terminal.
    pub terminal: Option<TerminalInfo>,
    /// The machine it runs on, when it is not Island's. Its `pid` is then
    /// that machine's and means nothing here: Island never checks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<Remote>,
    /// How it is connected.
    pub link: Link,
    /// What it does, before approvals and the link are taken into account.
    pub activity: SessionState,
    /// The open turn and when it started.
    pub turn: Option<(String, Timestamp)>,
    /// The tool running now, for the widget.
    pub current_tool: Option<String>,
    /// Jobs running beside the turn (subagents, a compaction), oldest
    /// first, from `job_lifecycle`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<island_protocol::JobSnapshot>,
    /// The model, as the agent last named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The agent's permission mode, as it last said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<String>,
    /// The last event seen.
    pub last_activity: Timestamp,
    /// Open approvals, oldest first.
    pub approvals: Vec<Approval>,
    /// Events received.
    pub events: u64,
    /// Turns finished.
    pub turns: u64,
    /// Fed by a hook bridge (hello `transient`): one connection per hook.
    #[serde(default)]
    pub transient: bool,
    /// It has sent a turn frame: its turns are what its frames say, and
    /// none is inferred from its responses and tools.
    #[serde(default)]
    pub turn_frames: bool,
    /// An inferred turn (no turn frames) went quiet at this time (ms): a
    /// response or a tool ended and nothing followed yet.
    #[serde(default)]
    pub quiet_since_ms: Option<i64>,
    /// Its last finished turn was announced (alone or in a summary).
    #[serde(default)]
    pub turn_announced: bool,
    /// Approvals of this session that closed, and when (ms): a replayed
    /// `requested` for one of them never reopens it. Kept for
    /// `CLOSED_KEPT_MS` and at most `CLOSED_KEPT` of them.
    #[serde(default)]
    pub closed_approvals: std::collections::BTreeMap<String, i64>,
    /// Approvals that were open when the session's connection went: the
    /// agent re-sends those still open when it is back (they keep their
    /// first request time), and one it answered meanwhile is recorded in
    /// the history when its closing phase comes.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub detached: std::collections::BTreeMap<String, Approval>,
    /// Answers sent but not yet confirmed by the agent's closing phase. A
    /// replay of such an approval (the agent reconnected, and may never
    /// have received the answer) gets the answer again instead of a card.
    #[serde(default)]
    pub decided: std::collections::BTreeMap<String, (ReviewDecision, DecisionSource)>,
}

impl Session {
    /// A new idle session.
    #[must_use]
    pub fn new(id: String, title: String, link: Link, now: Timestamp) -> Self {
        Self {
            id,
            agent: None,
            title,
            cwd: None,
            pid: None,
            terminal: None,
            remote: None,
            link,
            activity: SessionState::Idle,
            turn: None,
            current_tool: None,
            jobs: Vec::new(),
            model: None,
            permission_mode: None,
            last_activity: now,
            approvals: Vec::new(),
            events: 0,
            turns: 0,
            transient: false,
            turn_frames: false,
            quiet_since_ms: None,
            turn_announced: false,
            closed_approvals: std::collections::BTreeMap::new(),
            detached: std::collections::BTreeMap::new(),
            decided: std::collections::BTreeMap::new(),
        }
    }

    /// The name people see: the title, and the machine when it is another
    /// (two remotes' projects of the same name stay apart).
    #[must_use]
    pub fn label(&self) -> std::borrow::Cow<'_, str> {
        match &self.remote {
            Some(r) => std::borrow::Cow::Owned(format!("{} on {}", self.title, r.host)),
            None => std::borrow::Cow::Borrowed(&self.title),
        }
    }

    /// The state people see: approvals and the link come first.
    #[must_use]
    pub fn state(&self) -> SessionState {
        if matches!(self.link, Link::Disconnected { .. }) {
            SessionState::Disconnected
        } else if !self.approvals.is_empty() {
            SessionState::NeedsApproval
        } else if !self.jobs.is_empty() && self.activity != SessionState::Working {
            // A compaction or a subagent outside a turn is work all the same.
            SessionState::Working
        } else {
            self.activity
        }
    }

    /// Where an answer to `approval` goes, if Island can deliver one: the
    /// hook waiting for it (bridges), or the session's connection.
    #[must_use]
    pub fn answer_conn(&self, approval: &Approval) -> Option<ConnId> {
        if self.transient {
            approval.answer_to
        } else {
            self.decision_conn()
        }
    }

    /// Whether Island may send decisions to this session now.
    #[must_use]
    pub fn decision_conn(&self) -> Option<ConnId> {
        match self.link {
            Link::Connected {
                conn,
                accepts_decisions: true,
            } => Some(conn),
            _ => None,
        }
    }
}
