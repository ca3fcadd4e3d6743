//! Who the agent session is, for the hello line: a stable session id, the
//! process, the project, and the terminal environment captured at start so
//! that Island can bring that terminal to the front.

use std::ffi::OsString;
use std::path::Path;

use island_protocol::{Hello, PROTOCOL_VERSION, TerminalInfo};

#[cfg(unix)]
#[path = "tty_unix.rs"]
mod tty;
#[cfg(not(unix))]
#[path = "tty_other.rs"]
mod tty;

/// Identity of one agent session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Stable for the life of the session; Island re-attaches by it.
    pub session_id: String,
    /// The agent's name.
    pub agent: String,
    /// The agent's version.
    pub agent_version: String,
    /// The agent's process id.
    pub pid: u32,
    /// Working directory.
    pub cwd: Option<String>,
    /// A short name for people; defaults to the last part of `cwd`.
    pub title: Option<String>,
    /// The terminal the agent runs in.
    pub terminal: TerminalInfo,
}

impl SessionInfo {
    /// Reads the current process: a new random session id, the pid, the
    /// working directory (its last part as the title) and the terminal.
    #[must_use]
    pub fn from_environment(agent: &str, agent_version: &str) -> Self {
        let cwd = std::env::current_dir()
            .ok()
            .map(|p| p.to_string_lossy().into_owned());
        let title = cwd.as_deref().and_then(title_from_cwd);
        Self {
            session_id: new_session_id(),
            agent: agent.to_owned(),
            agent_version: agent_version.to_owned(),
            pid: std::process::id(),
            cwd,
            title,
            terminal: capture_terminal(|k| std::env::var_os(k), tty::controlling_tty()),
        }
    }

    /// The hello line for this session.
    #[must_use]
    pub fn hello(&self, accepts_decisions: bool) -> Hello {
        Hello {
            protocol: PROTOCOL_VERSION,
            agent: Some(self.agent.clone()),
            agent_version: Some(self.agent_version.clone()),
            session_id: self.session_id.clone(),
            pid: Some(self.pid),
            cwd: self.cwd.clone(),
            title: self.title.clone(),
            accepts_decisions,
            terminal: Some(self.terminal.clone()),
            transient: false,
            host: None,
            model: None,
            permission_mode: None,
        }
    }
}

/// A new random session id, `sess_` and 16 hex digits.
#[must_use]
pub fn new_session_id() -> String {
    format!("sess_{:016x}", fastrand::u64(..))
}

/// The project name for a working directory: its last component.
#[must_use]
pub fn title_from_cwd(cwd: &str) -> Option<String> {
    Path::new(cwd)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

/// Reads the terminal variables of PROTOCOL 4.2 from `lookup`.
#[must_use]
pub fn capture_terminal(
    lookup: impl Fn(&str) -> Option<OsString>,
    tty: Option<String>,
) -> TerminalInfo {
    TerminalInfo::from_env(
        |key| lookup(key).map(|v| v.to_string_lossy().into_owned()),
        tty,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_every_terminal_variable_and_skips_empty_ones() {
        let env = |k: &str| {
            let v = match k {
                "TMUX" => "/tmp/tmux-1000/default,1234,0",
                "TMUX_PANE" => "%3",
                "KITTY_WINDOW_ID" => "7",
                "KITTY_LISTEN_ON" => "unix:/tmp/kitty-1000",
                "WEZTERM_PANE" => "12",
                "WEZTERM_UNIX_SOCKET" => "/run/user/1000/wezterm/sock",
                "WINDOWID" => "41943047",
                "TERM_PROGRAM" => "kitty",
                "ITERM_SESSION_ID" => "w0t0p0:ABC",
                "TERM_SESSION_ID" => "",
                _ => return None,
            };
            Some(OsString::from(v))
        };
        let t = capture_terminal(env, Some("/dev/pts/3".into()));
        assert_eq!(t.tty.as_deref(), Some("/dev/pts/3"));
        assert_eq!(t.tmux.as_deref(), Some("/tmp/tmux-1000/default,1234,0"));
        assert_eq!(t.tmux_pane.as_deref(), Some("%3"));
        assert_eq!(t.kitty_window_id.as_deref(), Some("7"));
        assert_eq!(t.kitty_listen_on.as_deref(), Some("unix:/tmp/kitty-1000"));
        assert_eq!(t.wezterm_pane.as_deref(), Some("12"));
        assert_eq!(
            t.wezterm_unix_socket.as_deref(),
            Some("/run/user/1000/wezterm/sock")
        );
        assert_eq!(t.windowid.as_deref(), Some("41943047"));
        assert_eq!(t.term_program.as_deref(), Some("kitty"));
        assert_eq!(t.iterm_session_id.as_deref(), Some("w0t0p0:ABC"));
        assert_eq!(t.term_session_id, None, "empty values are unset");
    }

    #[test]
    fn ids_are_distinct_and_titles_come_from_the_cwd() {
        assert_ne!(new_session_id(), new_session_id());
        assert!(new_session_id().starts_with("sess_"));
        assert_eq!(title_from_cwd("/home/me/proj").as_deref(), Some("proj"));
        assert_eq!(title_from_cwd("/"), None);
    }
}
