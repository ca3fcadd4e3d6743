//! The messages around events: hello and welcome (4.2, 5), decisions (5),
//! status and watch snapshots (5b) and control requests (5c).

use serde::{Deserialize, Serialize};

use crate::event::ReviewDecision;
use crate::time::Timestamp;

/// First line of a long-lived agent connection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Hello {
    /// Protocol version the agent speaks.
    pub protocol: u32,
    /// The agent's name (`codewhale`).
    #[serde(default)]
    pub agent: Option<String>,
    /// The agent's version.
    #[serde(default)]
    pub agent_version: Option<String>,
    /// Stable for the life of the agent session; a reconnect with the same
    /// id re-attaches.
    pub session_id: String,
    /// The agent's process id.
    #[serde(default)]
    pub pid: Option<u32>,
    /// The agent's working directory.
    #[serde(default)]
    pub cwd: Option<String>,
    /// A short name for people (the project).
    #[serde(default)]
    pub title: Option<String>,
    /// Whether Island may send `decision` lines on this connection.
    #[serde(default)]
    pub accepts_decisions: bool,
    /// Where the agent runs, to bring its terminal to the front.
    #[serde(default)]
    pub terminal: Option<TerminalInfo>,
    /// A hook bridge: each connection carries one hook's lines and closes,
    /// and several may be open at once. The session outlives them and
    /// lives as long as `pid`. (This project's extension of PROTOCOL 4.2;
    /// an Island that does not know it ignores it.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transient: bool,
    /// The machine the agent runs on, when it is not Island's (the agent's
    /// claim; a connection through `island remote`'s forward carries the
    /// host Island knows instead). This project's extension of PROTOCOL
    /// 4.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The model the session runs on, as the agent names it (this
    /// project's extension of PROTOCOL 4.2; a hook bridge says it with
    /// every hook that carries it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The agent's permission mode (`default`, `auto`, `plan`, ...): which
    /// of its tool calls it asks about (this project's extension of
    /// PROTOCOL 4.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<String>,
}

/// What the agent's environment says about its terminal. Every field is
/// optional; `null` when unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TerminalInfo {
    /// The controlling tty (`/dev/pts/3`).
    #[serde(default)]
    pub tty: Option<String>,
    /// `TERM_PROGRAM`.
    #[serde(default)]
    pub term_program: Option<String>,
    /// `TMUX` (socket path, server pid, session index).
    #[serde(default)]
    pub tmux: Option<String>,
    /// `TMUX_PANE` (`%3`).
    #[serde(default)]
    pub tmux_pane: Option<String>,
    /// `KITTY_WINDOW_ID`.
    #[serde(default)]
    pub kitty_window_id: Option<String>,
    /// `KITTY_LISTEN_ON`.
    #[serde(default)]
    pub kitty_listen_on: Option<String>,
    /// `WEZTERM_PANE`.
    #[serde(default)]
    pub wezterm_pane: Option<String>,
    /// `WEZTERM_UNIX_SOCKET`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wezterm_unix_socket: Option<String>,
    /// `WINDOWID` (X11).
    #[serde(default)]
    pub windowid: Option<String>,
    /// `ITERM_SESSION_ID`.
    #[serde(default)]
    pub iterm_session_id: Option<String>,
    /// `TERM_SESSION_ID` (Terminal.app).
    #[serde(default)]
    pub term_session_id: Option<String>,
}

impl TerminalInfo {
    /// Reads the terminal variables of PROTOCOL 4.2 (`TMUX`, `TMUX_PANE`,
    /// `KITTY_WINDOW_ID`, ...) through `lookup`; empty values count as
    /// unset. Agents call it on their own environment; Island on the
    /// environment of an agent process it can read.
    #[must_use]
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>, tty: Option<String>) -> Self {
        let var = |key: &str| lookup(key).filter(|v| !v.is_empty());
        Self {
            tty,
            term_program: var("TERM_PROGRAM"),
            tmux: var("TMUX"),
            tmux_pane: var("TMUX_PANE"),
            kitty_window_id: var("KITTY_WINDOW_ID"),
            kitty_listen_on: var("KITTY_LISTEN_ON"),
            wezterm_pane: var("WEZTERM_PANE"),
            wezterm_unix_socket: var("WEZTERM_UNIX_SOCKET"),
            windowid: var("WINDOWID"),
            iterm_session_id: var("ITERM_SESSION_ID"),
            term_session_id: var("TERM_SESSION_ID"),
        }
    }
}

/// Island's answer to a hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// Protocol version Island speaks.
    pub protocol: u32,
    /// Island's version.
    pub island_version: String,
}

/// Island's answer to an approval, sent to the owning connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The approval answered.
    pub approval_id: String,
    /// The answer.
    pub decision: ReviewDecision,
    /// Where the user answered.
    pub source: DecisionSource,
}

/// Where a decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionSource {
    /// A desktop notification's action button.
    Notification,
    /// The floating widget.
    Widget,
    /// The tray menu.
    Tray,
    /// `island approve` / `island deny`.
    Cli,
    /// The agent's own terminal prompt (agent side only; Island never sends it).
    Terminal,
    /// A source this version does not know.
    #[serde(other)]
    Unknown,
}

/// `{"status":{}}`: one snapshot, then close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusRequest {}

/// `{"watch":{}}`: a snapshot now and on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WatchRequest {}

/// What Island knows, for status bars, scripts and tests.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// Every tracked session.
    pub sessions: Vec<SessionSnapshot>,
    /// Server counters.
    pub counters: Counters,
    /// Why notices are held now (do not disturb, the desktop's, quiet
    /// hours), if they are (this project's extension of 5b).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holding: Option<String>,
}

/// One session in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSnapshot {
    /// Session id (from the hello, or derived from the peer pid).
    pub id: String,
    /// The agent's name.
    #[serde(default)]
    pub agent: Option<String>,
    /// The project name for people.
    pub title: String,
    /// The machine it runs on, when it is not Island's (this project's
    /// extension: sessions brought by `island remote`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Working directory.
    #[serde(default)]
    pub cwd: Option<String>,
    /// What it is doing.
    pub state: SessionState,
    /// When the running turn began.
    #[serde(default)]
    pub turn_started_at: Option<Timestamp>,
    /// The last event seen.
    pub last_activity_at: Timestamp,
    /// Open approvals, oldest first.
    #[serde(default)]
    pub approvals: Vec<ApprovalSnapshot>,
    /// The tool running now (this project's extension of PROTOCOL 5b, as
    /// are the fields below it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_tool: Option<String>,
    /// Work running beside the turn: subagents, a compaction, background
    /// jobs (from `job_lifecycle`), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<JobSnapshot>,
    /// The model, as the agent names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The agent's permission mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<String>,
}

/// A job running in a session (PROTOCOL 4.1's `job_lifecycle`, while its
/// phase is not a finishing one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSnapshot {
    /// The job.
    pub job_id: String,
    /// Its last phase.
    pub phase: String,
    /// What it is, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What a session is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Connected, no turn running.
    Idle,
    /// A turn is running.
    Working,
    /// At least one approval is open.
    NeedsApproval,
    /// The last turn finished.
    Done,
    /// The last turn was aborted.
    Aborted,
    /// The connection closed; kept for a grace period.
    Disconnected,
}

/// An open approval in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalSnapshot {
    /// The approval.
    pub approval_id: String,
    /// The command, once the approval frame arrived.
    #[serde(default)]
    pub command: Option<String>,
    /// Where it would run.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Why approval is needed.
    #[serde(default)]
    pub reason: Option<String>,
    /// The answers offered.
    #[serde(default)]
    pub decisions: Vec<ReviewDecision>,
    /// When it was requested.
    pub requested_at: Timestamp,
}

/// Server counters in a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counters {
    /// Connections accepted so far.
    pub connections: u64,
    /// Lines read so far.
    pub lines: u64,
    /// Lines that were not JSON or fit no message.
    pub malformed: u64,
    /// Lines over the cap.
    pub oversized: u64,
    /// Connections refused for another uid.
    pub refused_peers: u64,
    /// Control connections refused because the control socket's limit was
    /// reached (agents' connections wait instead; absent from older
    /// Islands: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_full: u64,
    /// Connections closed for sending no complete line in time (absent
    /// from older Islands: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timed_out: u64,
    /// New sessions refused because Island holds as many as it keeps, or
    /// one process started too many (absent from older Islands: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_sessions: u64,
    /// New approvals left to the agent's terminal because as many were
    /// open as Island keeps (absent from older Islands: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_approvals: u64,
    /// Answers from the command line refused for a missing or wrong
    /// terminal answer token (`answers_from = "ui"`; absent: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_answers: u64,
}

/// Counters added after version 1's first snapshot are written only when
/// not zero, so that a quiet Island's snapshot reads as before.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if takes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `{"decide":{...}}`: answer an approval from the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecideRequest {
    /// The session whose approval it is (approval ids are unique only per
    /// session). Absent: Island takes the one open approval of that id, or
    /// reads `SESSION/ID` in `approval_id`, and refuses when that is
    /// ambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The approval.
    pub approval_id: String,
    /// The answer.
    pub decision: ReviewDecision,
    /// The terminal answer token Island shows on the desktop (its tray
    /// menu, or the standard error of `island --headless`). Needed only
    /// when Island takes answers from its own windows alone
    /// (`[security] answers_from = "ui"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Reply to `decide`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    /// Whether the decision was delivered.
    pub ok: bool,
    /// Why not, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Refused because Island takes command-line answers only with its
    /// terminal answer token, and none or a wrong one was given: the
    /// command line may ask its user for it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub needs_token: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if takes a reference
fn is_false(b: &bool) -> bool {
    !*b
}

/// `{"focus":{...}}`: bring a session's terminal to the front.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FocusRequest {
    /// The session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Pick the session whose approval has waited longest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waiting: bool,
}

/// `{"remote":{...}}`: `island remote` tells Island about the SSH
/// connection that forwards a remote machine's socket to Island's, and
/// keeps this connection open for as long as the forward lasts. Every
/// connection whose peer is that `ssh` process comes from `host`. Island
/// answers with a `welcome`. (This project's extension of PROTOCOL 5c.)
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RemoteRequest {
    /// The remote machine, as the user named it to `ssh`.
    pub host: String,
    /// The local `ssh` process that carries the forward.
    pub ssh_pid: u32,
    /// Its control socket (`ssh -S`), through which Island selects a tmux
    /// pane on the remote machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_path: Option<String>,
}

/// Reply to `focus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Focused {
    /// Whether the terminal was brought to the front.
    pub ok: bool,
    /// How (`tmux`, `x11`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
    /// Why not, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
