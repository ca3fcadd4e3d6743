//! Island's own settings: a TOML file in the user's config directory,
//! written with comments on first run, and the source of truth (the
//! settings view edits it; people may edit it by hand).
//!
//! Over 400 lines because the commented default file, whose every line a
//! person reads, lives here beside the types it must parse into.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::server::ServerLimits;
use crate::tracker::Policy;

/// The environment variable that points Island at another config file.
pub const CONFIG_ENV: &str = "ISLAND_CONFIG";

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IslandConfig {
    /// Where to listen; empty for the protocol's default.
    pub socket_path: String,
    /// Notification settings.
    pub notifications: NotificationSettings,
    /// Session liveness.
    pub sessions: SessionSettings,
    /// Server limits.
    pub limits: LimitSettings,
    /// Click-through.
    pub focus: FocusConfig,
    /// The floating widget.
    pub widget: WidgetSettings,
    /// The app itself.
    pub app: AppSettings,
    /// Who may answer approvals.
    pub security: SecuritySettings,
    /// The approval history.
    pub history: crate::history::Settings,
}

/// `[security]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Where answers to approvals may come from.
    pub answers_from: AnswersFrom,
}

/// Where answers to approvals may come from (SECURITY.md, "Who may
/// answer").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnswersFrom {
    /// Only Island's tray, widget and notification buttons; `island
    /// approve` and the socket's `decide` are refused.
    Ui,
    /// Those, and any process of the user through the socket.
    #[default]
    Any,
}

/// `[widget]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetSettings {
    /// Hide the widget while no agent session exists.
    pub auto_hide: bool,
    /// Where it starts before it is dragged.
    pub corner: Corner,
    /// The output (monitor connector name, such as `DP-1`) the widget
    /// shows on as a layer-shell surface; empty: the one the compositor
    /// picks, the focused one.
    pub output: String,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            auto_hide: true,
            corner: Corner::Auto,
            output: String::new(),
        }
    }
}

/// `[app]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSettings {
    /// Start Island when the user logs in.
    pub start_at_login: bool,
}

/// `[focus]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FocusConfig {
    /// A custom command that brings a session's terminal up; empty for
    /// Island's own strategies.
    pub command: String,
}

/// `[notifications]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationSettings {
    /// Show notifications at all.
    pub enabled: bool,
    /// Announce a finished turn only if it took at least this long.
    pub turn_complete_min_secs: u64,
    /// Finished turns within this window are announced together.
    pub burst_window_ms: u64,
    /// Remind once of an approval open this long (0: never).
    pub approval_realert_secs: u64,
    /// Hold turn notices; approvals still show.
    pub do_not_disturb: bool,
    /// Show nothing, approvals included.
    pub mute_all: bool,
    /// Announce aborted turns and errors.
    pub errors: bool,
    /// Local times when notices wait as under do not disturb
    /// (`"22:00-08:00"`); empty for none.
    pub quiet_hours: String,
    /// While it is quiet (do not disturb, the desktop's, quiet hours),
    /// approval notices show anyway or wait too.
    pub approvals_in_dnd: ApprovalsInDnd,
    /// Approval notices while the session's own terminal is in front:
    /// shown, or not (turn notices are never shown then).
    pub when_focused: WhenFocused,
    /// Approval notices while the widget is on screen, where its card
    /// shows the approval already: as usual, silent (no sound, not kept on
    /// screen), or none.
    pub approvals_with_widget: ApprovalsWithWidget,
    /// The sound of an approval: a name from the freedesktop sound theme,
    /// or a file's full path; empty for none.
    pub sound_approval: String,
    /// The sound of a finished turn (or an agent waiting for input).
    pub sound_finished: String,
    /// The sound of an aborted turn or an error.
    pub sound_aborted: String,
}

/// `when_focused`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenFocused {
    /// Approval notices show even when the terminal is in front.
    #[default]
    Show,
    /// They do not then.
    Hold,
}

/// `approvals_with_widget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalsWithWidget {
    /// Approval notices as usual.
    #[default]
    Notify,
    /// Without sound, and not kept on screen.
    Silent,
    /// None: the widget's card is the notice.
    None,
}

/// `approvals_in_dnd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalsInDnd {
    /// Approval notices show while it is quiet.
    #[default]
    Show,
    /// They wait until it is not.
    Hold,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        let p = Policy::default();
        Self {
            enabled: true,
            turn_complete_min_secs: p.turn_notice_min_secs,
            burst_window_ms: p.burst_window_ms,
            approval_realert_secs: p.realert_after_secs,
            do_not_disturb: p.do_not_disturb,
            mute_all: p.mute_all,
            errors: p.notify_errors,
            quiet_hours: String::new(),
            approvals_in_dnd: ApprovalsInDnd::Show,
            when_focused: WhenFocused::Show,
            approvals_with_widget: ApprovalsWithWidget::Notify,
            sound_approval: "message-new-instant".into(),
            sound_finished: String::new(),
            sound_aborted: String::new(),
        }
    }
}

/// `[sessions]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Forget a disconnected session after this long.
    pub disconnected_grace_secs: u64,
    /// Forget an idle upstream (one-line) session after this long.
    pub one_line_idle_secs: u64,
    /// A session that sends no turn frames has finished its turn once it
    /// has been quiet this long after a response or a tool ended.
    pub quiet_after_secs: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        let p = Policy::default();
        Self {
            disconnected_grace_secs: p.disconnected_grace_secs,
            one_line_idle_secs: p.one_line_idle_secs,
            quiet_after_secs: p.quiet_after_secs,
        }
    }
}

/// `[limits]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Longest line accepted, in bytes.
    pub max_line_bytes: usize,
    /// Agent connections open at once; more wait until one closes.
    pub max_connections: usize,
    /// Seconds a new connection has to send its first line.
    pub first_line_timeout_secs: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        let l = ServerLimits::default();
        Self {
            max_line_bytes: l.max_line_bytes,
            max_connections: l.max_connections,
            first_line_timeout_secs: l.first_line_timeout.as_secs(),
        }
    }
}

/// The file written on first run.
pub const DEFAULT_FILE: &str = r#"# Island's settings. Island reads this file at start; edit it by hand or
# from the settings view. Delete it to get these defaults back.

# Where Island listens. Empty: $CODEWHALE_ISLAND_SOCKET, else
# $XDG_RUNTIME_DIR/codewhale/island.sock, else ~/.codewhale/run/island.sock.
socket_path = ""

[notifications]
# Show desktop notifications at all.
enabled = true
# Announce a finished turn only when it took at least this many seconds.
turn_complete_min_secs = 10
# Turns finishing within this many milliseconds of each other are announced
# in one summary instead of one notification each.
burst_window_ms = 1500
# Remind once of an approval still waiting after this many seconds (0: never).
approval_realert_secs = 300
# Do not disturb: hold finished-turn notices; approvals are still shown.
# Island also holds them while the desktop's own do not disturb is on (the
# notification server's Inhibited property, GNOME's banners off).
do_not_disturb = false
# Hold them every day between these local times too, e.g. "22:00-08:00"
# (empty: never).
quiet_hours = ""
# While notices are held: "show" approval notices anyway, or "hold" them
# until it ends (the widget and the tray show approvals either way).
approvals_in_dnd = "show"
# A session's finished or aborted turn is not announced while its own
# terminal (its window, its tmux pane) is in front. Approvals: "show" them
# even then, or "hold" them too.
when_focused = "show"
# Approval notices while the widget is on screen (its card shows the
# approval already): "notify" as usual, "silent" (no sound, not kept on
# screen) or "none".
approvals_with_widget = "notify"
# Sounds: a name from the freedesktop sound theme ("message-new-instant",
# "complete", "bell", "dialog-warning") or a file's full path; empty for
# none. Approvals sound by default; finished and aborted turns do not.
sound_approval = "message-new-instant"
sound_finished = ""
sound_aborted = ""
# Show nothing at all, approvals included.
mute_all = false
# Announce aborted turns and errors.
errors = true

[sessions]
# Forget a session whose agent disconnected after this many seconds.
disconnected_grace_secs = 60
# Forget an idle session of an upstream agent (one connection per event)
# after this many seconds.
one_line_idle_secs = 600
# An agent that sends no turn frames (upstream CodeWhale today) is working
# from its first response or tool event; its turn is over once it has been
# quiet this many seconds after a response or a tool ended.
quiet_after_secs = 8

[limits]
# Longest line accepted from an agent, in bytes; longer lines are skipped.
max_line_bytes = 1048576
# Agent connections open at once; more wait (unread, not lost) until one closes.
max_connections = 4096
# Seconds a new connection has to send its first line.
first_line_timeout_secs = 10

[focus]
# A command that brings a session's terminal to the front, instead of
# Island's own ways (tmux, kitty, WezTerm, X11, Sway, Hyprland, macOS). It
# runs without a shell; these are replaced inside their own argument:
# {pid} {tty} {cwd} {session_id} {tmux} {tmux_pane} {windowid}
# {kitty_window_id} {kitty_listen_on} {wezterm_pane} {term_program}
# Example: command = "wmctrl -i -a {windowid}"
command = ""

[widget]
# Hide the floating widget while no agent session exists.
auto_hide = true
# Where the widget starts before you drag it: "auto" (away from where the
# desktop's notifications appear: bottom-right under dunst, mako and other
# top-right servers, else top-right), top-right, top-left, bottom-right or
# bottom-left. Dragged positions are remembered per display.
corner = "auto"
# On Wayland compositors with the layer shell (Sway, Hyprland, KDE
# Plasma...): the output the widget shows on, by connector name ("DP-1");
# empty: the focused one.
output = ""

[app]
# Start Island when you log in.
start_at_login = false

[security]
# Who may answer approvals: "any" (the tray, the widget, notifications and
# any program of yours through the socket, such as `island approve`) or
# "ui" (only the tray, the widget and notifications, and `island approve`
# with the terminal answer token the tray menu shows: an agent's own tool
# call cannot approve its next request through Island).
answers_from = "any"

[history]
# Keep a record of every approval (when it was asked, the agent, session,
# project and host, the command and its directory, who answered, how, and
# how long it waited) in ~/.local/state/island/history.jsonl (0600);
# `island history` prints it. Prompts and outputs are never recorded.
# Read when Island starts.
enabled = true
# Keep the commands too (they are what was approved).
record_commands = true
# The file rotates past this size; twice this is kept at most.
max_bytes = 1048576
"#;

/// Why the config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Reading or writing failed.
    #[error("cannot {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path} is not a valid Island config: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// No config directory is known.
    #[error("cannot find a config directory; set {CONFIG_ENV} to a file path")]
    NoConfigDir,
}

impl IslandConfig {
    /// The config file: `$ISLAND_CONFIG`, else `island/config.toml` in the
    /// platform's config directory.
    ///
    /// # Errors
    /// [`ConfigError::NoConfigDir`] when neither is known.
    pub fn default_path() -> Result<PathBuf, ConfigError> {
        if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        directories::ProjectDirs::from("", "", "island")
            .map(|d| d.config_dir().join("config.toml"))
            .ok_or(ConfigError::NoConfigDir)
    }

    /// Reads the file, writing the commented defaults first if it is
    /// missing.
    ///
    /// # Errors
    /// See [`ConfigError`]; a bad file names its line.
    pub fn load_or_create(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|source| ConfigError::Io {
                        what: "create",
                        path: dir.to_path_buf(),
                        source,
                    })?;
                }
                std::fs::write(path, DEFAULT_FILE).map_err(|source| ConfigError::Io {
                    what: "write",
                    path: path.to_path_buf(),
                    source,
                })?;
                DEFAULT_FILE.to_owned()
            }
            Err(source) => {
                return Err(ConfigError::Io {
                    what: "read",
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::parse(&text, path)
    }

    /// Parses config text.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] with the line and the problem.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let config: Self = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        crate::tracker::QuietHours::parse(&config.notifications.quiet_hours).map_err(invalid)?;
        Ok(config)
    }

    /// The sounds of `[notifications]`.
    #[must_use]
    pub fn sounds(&self) -> crate::notify::Sounds {
        let n = &self.notifications;
        let one = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        crate::notify::Sounds {
            approval: one(&n.sound_approval),
            finished: one(&n.sound_finished),
            aborted: one(&n.sound_aborted),
        }
    }

    /// The reducer's policy.
    #[must_use]
    pub fn policy(&self) -> Policy {
        let n = &self.notifications;
        Policy {
            turn_notice_min_secs: n.turn_complete_min_secs,
            burst_window_ms: n.burst_window_ms,
            realert_after_secs: n.approval_realert_secs,
            do_not_disturb: n.do_not_disturb,
            mute_all: n.mute_all || !n.enabled,
            notify_errors: n.errors,
            disconnected_grace_secs: self.sessions.disconnected_grace_secs,
            one_line_idle_secs: self.sessions.one_line_idle_secs,
            quiet_after_secs: self.sessions.quiet_after_secs,
            ui_answers_only: self.security.answers_from == AnswersFrom::Ui,
            // Checked when the file was read.
            quiet_hours: crate::tracker::QuietHours::parse(&n.quiet_hours)
                .ok()
                .flatten(),
            hold_approvals_when_quiet: n.approvals_in_dnd == ApprovalsInDnd::Hold,
            utc_offset_min: chrono::Local::now().offset().local_minus_utc() / 60,
        }
    }

    /// The server's limits.
    #[must_use]
    pub fn limits(&self) -> ServerLimits {
        ServerLimits {
            max_line_bytes: self.limits.max_line_bytes.max(1024),
            max_connections: self.limits.max_connections.max(1),
            first_line_timeout: Duration::from_secs(self.limits.first_line_timeout_secs.max(1)),
            ..ServerLimits::default()
        }
    }

    /// The socket path setting, `None` for the default.
    #[must_use]
    pub fn socket_path(&self) -> Option<&Path> {
        let p = self.socket_path.trim();
        (!p.is_empty()).then(|| Path::new(p))
    }
}

/// The corner the widget starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Corner {
    /// Away from where the desktop's notifications appear (the default;
    /// see [`Corner::resolve`]).
    #[default]
    Auto,
    /// Top right (away from menus and docks on most desktops).
    TopRight,
    /// Top left.
    TopLeft,
    /// Bottom right.
    BottomRight,
    /// Bottom left.
    BottomLeft,
}

impl Corner {
    /// The corner to use, `Auto` decided by the notification server that
    /// runs (`GetServerInformation`'s name), so that its notices and the
    /// widget's approval card do not cover each other: dunst, mako,
    /// xfce4-notifyd, SwayNC, notify-osd and macOS draw at the top right,
    /// so the widget goes to the bottom right; GNOME Shell (top centre),
    /// KDE Plasma (bottom right) and anything unknown leave it at the top
    /// right.
    #[must_use]
    pub fn resolve(self, server: Option<&str>) -> Self {
        if self != Self::Auto {
            return self;
        }
        let server = server.unwrap_or_default().to_ascii_lowercase();
        let top_right = [
            "dunst",
            "mako",
            "xfce4-notifyd",
            "swaync",
            "swaynotificationcenter",
            "notify-osd",
            "notification-daemon",
        ];
        if top_right.iter().any(|s| server.contains(s))
            || (server.is_empty() && cfg!(target_os = "macos"))
        {
            Self::BottomRight
        } else {
            Self::TopRight
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_defaults_are_the_defaults() -> Result<(), ConfigError> {
        let parsed = IslandConfig::parse(DEFAULT_FILE, Path::new("config.toml"))?;
        assert_eq!(parsed, IslandConfig::default());
        assert_eq!(parsed.policy(), Policy::default());
        Ok(())
    }

    #[test]
    fn first_run_writes_a_commented_file_and_later_runs_read_it()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("deep/island/config.toml");
        IslandConfig::load_or_create(&path)?;
        let text = std::fs::read_to_string(&path)?;
        assert!(text.contains("# Announce a finished turn only when"));
        std::fs::write(
            &path,
            text.replace("turn_complete_min_secs = 10", "turn_complete_min_secs = 30"),
        )?;
        assert_eq!(
            IslandConfig::load_or_create(&path)?
                .policy()
                .turn_notice_min_secs,
            30
        );
        Ok(())
    }

    #[test]
    fn mistakes_name_the_file_and_the_line() {
        let err = IslandConfig::parse(
            "[notifications]\nturn_complete_min_secs = \"ten\"\n",
            Path::new("/c.toml"),
        );
        let text = err
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            text.contains("/c.toml is not a valid Island config"),
            "{text}"
        );
        assert!(text.contains("line 2"), "{text}");
        let err = IslandConfig::parse("[notifications]\nturn_minimum = 3\n", Path::new("/c.toml"));
        let text = err
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(text.contains("unknown field `turn_minimum`"), "{text}");
    }

    #[test]
    fn answers_from_ui_is_read_into_the_policy_and_a_wrong_word_is_refused() {
        let path = Path::new("/c.toml");
        let ui = IslandConfig::parse("[security]\nanswers_from = \"ui\"\n", path).expect("ui");
        assert!(ui.policy().ui_answers_only);
        let default = IslandConfig::parse(DEFAULT_FILE, path).expect("the default file");
        assert!(!default.policy().ui_answers_only);
        assert!(IslandConfig::parse("[security]\nanswers_from = \"nobody\"\n", path).is_err());
    }
}
