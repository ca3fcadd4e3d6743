//! Click-through as the engine sees it: whom to bring to the front
//! ([`FocusTarget`]), how it went ([`FocusOutcome`]), and the seam
//! ([`Focuser`]) that `island-desktop` fills with the real strategies and
//! tests fill with recorders.

use island_protocol::TerminalInfo;

/// What to focus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FocusTarget {
    /// The session, for messages.
    pub session_id: String,
    /// The agent's process.
    pub pid: Option<u32>,
    /// Its working directory, offered when focusing fails.
    pub cwd: Option<String>,
    /// What the hello said about its terminal.
    pub terminal: Option<TerminalInfo>,
    /// The agent runs on another machine, reached through `island remote`.
    pub remote: Option<RemoteTarget>,
}

/// A session on another machine: its terminal there (a tmux pane) is
/// selected through the SSH connection of `island remote`, and the local
/// terminal that runs that `ssh` is raised here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteTarget {
    /// The machine.
    pub host: String,
    /// The local `ssh` of `island remote`; `None` when it is gone.
    pub ssh_pid: Option<u32>,
    /// Its control socket.
    pub control_path: Option<String>,
}

/// How it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FocusOutcome {
    /// Brought to the front; `how` names the strategies (`tmux+x11`).
    Focused {
        /// Strategies used.
        how: String,
    },
    /// Not done, and why.
    NotFocused {
        /// Why, for people.
        reason: String,
    },
}

/// Brings an agent's terminal to the front, and says whether it is there.
/// Both calls block (they run programs and talk to the display): the host
/// calls them off its runtime.
pub trait Focuser: Send + Sync + 'static {
    /// Brings the target's terminal to the front, or says why not.
    fn focus(&self, target: &FocusTarget) -> FocusOutcome;

    /// Whether the target's terminal is what the user looks at now;
    /// `None` when that cannot be told.
    fn in_front(&self, target: &FocusTarget) -> Option<bool>;
}

/// No desktop to focus on (a host nobody gave one, and its tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDesktop;

impl Focuser for NoDesktop {
    fn focus(&self, _: &FocusTarget) -> FocusOutcome {
        FocusOutcome::NotFocused {
            reason: "no desktop to bring a terminal to the front on".into(),
        }
    }

    fn in_front(&self, _: &FocusTarget) -> Option<bool> {
        None
    }
}
