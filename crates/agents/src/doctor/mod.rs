//! `island doctor`: checks what Island needs on this desktop and says, for
//! each, what it found and what to do. Read-only: it changes nothing.

#[cfg(target_os = "linux")]
#[path = "bus_linux.rs"]
mod bus;
#[cfg(not(target_os = "linux"))]
#[path = "bus_other.rs"]
mod bus;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use island_desktop::focus::Desktop;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fine.
    Ok,
    /// Works, with a limit worth knowing.
    Warn,
    /// Does not work.
    Fail,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// How it came out.
    pub level: Level,
    /// What was checked.
    pub name: &'static str,
    /// What was found, and what to do.
    pub detail: String,
}

impl Check {
    fn new(level: Level, name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            level,
            name,
            detail: detail.into(),
        }
    }
}

/// Runs every check for the socket `socket`; `home` is where the agents'
/// config files are looked for.
pub async fn run(socket: &Path, home: Option<&Path>) -> Vec<Check> {
    let mut checks = vec![socket_dir(socket)];
    checks.push(match island_core::client::status(socket).await {
        Ok(s) => Check::new(
            Level::Ok,
            "Island",
            format!(
                "running on {}, {} session(s)",
                socket.display(),
                s.sessions.len()
            ),
        ),
        Err(e) => Check::new(Level::Fail, "Island", e.to_string()),
    });
    checks.extend(bus::checks().await);
    checks.push(display());
    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        let choice = tokio::task::spawn_blocking(island_desktop::widget_backend::detect).await;
        if let Ok(choice) = choice {
            checks.push(widget(&choice));
        }
    }
    checks.extend(agents(home));
    checks
}

fn socket_dir(socket: &Path) -> Check {
    let Some(dir) = socket.parent() else {
        return Check::new(Level::Fail, "socket", "the socket path has no directory");
    };
    match std::fs::metadata(dir) {
        Err(_) => Check::new(
            Level::Warn,
            "socket",
            format!(
                "{} does not exist yet; Island creates it (0700) when it starts",
                dir.display()
            ),
        ),
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            let me = nix::unistd::geteuid().as_raw();
            if meta.uid() != me {
                Check::new(
                    Level::Fail,
                    "socket",
                    format!(
                        "{} belongs to uid {}, not to you ({me}); Island refuses it",
                        dir.display(),
                        meta.uid()
                    ),
                )
            } else if mode & 0o022 != 0 {
                Check::new(
                    Level::Fail,
                    "socket",
                    format!(
                        "{} is writable by others (mode {mode:o}); run `chmod 700 {}`",
                        dir.display(),
                        dir.display()
                    ),
                )
            } else {
                Check::new(
                    Level::Ok,
                    "socket",
                    format!("{} (directory mode {mode:o}, yours)", socket.display()),
                )
            }
        }
    }
}

fn display() -> Check {
    let desktop = Desktop::from_env();
    let how = if desktop.macos {
        "macOS: the menu bar and the widget; click-through through AppleScript"
    } else if desktop.swaysock.is_some() {
        "Sway: click-through focuses the agent's window through swaymsg"
    } else if desktop.hyprland.is_some() {
        "Hyprland: click-through focuses the agent's window through hyprctl"
    } else if desktop.kde_wayland() {
        "KDE Plasma on Wayland: click-through activates the agent's window through KWin's scripting D-Bus API"
    } else if desktop.display.is_some() && !desktop.gnome_wayland() {
        "X11: click-through raises the agent's terminal window (and selects its tmux pane, kitty or WezTerm tab)"
    } else if desktop.gnome_wayland() {
        return Check::new(
            Level::Warn,
            "desktop",
            "GNOME on Wayland: no program may raise another's window, so click-through can select a tmux pane or kitty tab but you switch to the terminal yourself",
        );
    } else if desktop.wayland.is_some() {
        return Check::new(
            Level::Warn,
            "desktop",
            "a Wayland session whose compositor Island cannot ask (it knows Sway, Hyprland and KWin): click-through selects a tmux pane or kitty/WezTerm tab, but you switch to the window yourself",
        );
    } else {
        return Check::new(
            Level::Warn,
            "desktop",
            "no display here: the tray app cannot run; `island --headless` and notifications over D-Bus still work",
        );
    };
    Check::new(Level::Ok, "desktop", how)
}

/// Which kind of window the widget will be, and why.
fn widget(choice: &island_desktop::widget_backend::Choice) -> Check {
    use island_desktop::widget_backend::Backend;
    let mut what = format!("{}: {}", choice.backend.as_str(), choice.why);
    if let Some(limit) = choice.backend.limits() {
        what = format!("{what}; {limit}");
    }
    let level = match choice.backend {
        Backend::Wayland => Level::Warn,
        Backend::X11 | Backend::LayerShell | Backend::XWayland => Level::Ok,
    };
    Check::new(level, "widget", what)
}

/// Which agents send to Island: each one's config file, where the agent
/// itself looks for it.
fn agents(home: Option<&Path>) -> Vec<Check> {
    use crate::setup::Agent;
    let Some(home) = home else {
        return vec![Check::new(Level::Warn, "agents", "no home directory known")];
    };
    let env = |k: &str| std::env::var(k).ok();
    Agent::ALL
        .into_iter()
        .filter_map(|agent| {
            let name = agent.title().trim_start_matches("the ");
            let path = agent.config_path(home, env);
            let how = format!("`island setup {}` adds it", agent.name());
            let text = std::fs::read_to_string(&path);
            // Codex's notify is for versions before its hooks: said only
            // where it is set up.
            if agent == Agent::CodexNotify && !text.as_deref().is_ok_and(|t| agent.is_configured(t))
            {
                return None;
            }
            let words = agent.hook_words().join(" ");
            Some(match text {
                Ok(text) if agent.is_configured(&text) && agent == Agent::Codex => {
                    codex_trust(&path, &words)
                }
                Ok(text) if agent.is_configured(&text) && agent == Agent::Gemini => Check::new(
                    Level::Ok,
                    name,
                    format!(
                        "{} runs `island {words}` (Gemini runs hooks only in folders you \
                         trusted)",
                        path.display()
                    ),
                ),
                Ok(text) if agent.is_configured(&text) && agent == Agent::Droid => Check::new(
                    Level::Ok,
                    name,
                    format!(
                        "{} runs `island {words}` (Island shows Droid's permission prompts; \
                         Droid has no hook that answers one, so they are answered in \
                         its terminal)",
                        path.display()
                    ),
                ),
                Ok(text) if agent.is_configured(&text) && agent == Agent::Claude => {
                    match crate::setup::claude::unanswerable_mode(&text) {
                        Some(why) => Check::new(
                            Level::Warn,
                            name,
                            format!("{} runs `island hook claude`, but {why}", path.display()),
                        ),
                        None => Check::new(
                            Level::Ok,
                            name,
                            format!("{} runs `island hook claude`", path.display()),
                        ),
                    }
                }
                Ok(text) if agent.is_configured(&text) => Check::new(
                    Level::Ok,
                    name,
                    format!("{} runs `island {words}`", path.display()),
                ),
                Ok(_) => Check::new(
                    Level::Warn,
                    name,
                    format!("{} has no Island hook; {how}", path.display()),
                ),
                Err(_) => Check::new(
                    Level::Warn,
                    name,
                    format!("{} not found; {how}", path.display()),
                ),
            })
        })
        .collect()
}

/// Codex runs a hook only once its user trusted it (see
/// [`crate::setup::codex_trust`]). Island does not trust its own hooks for
/// the user; this says whether they did.
fn codex_trust(hooks_json: &Path, words: &str) -> Check {
    let trust = crate::setup::codex_trust(hooks_json);
    let config = hooks_json.with_file_name("config.toml");
    if trust.complete() {
        return Check::new(
            Level::Ok,
            "Codex CLI",
            format!(
                "{} runs `island {words}` (all {} of its hooks trusted in {})",
                hooks_json.display(),
                trust.hooks,
                config.display()
            ),
        );
    }
    Check::new(
        Level::Warn,
        "Codex CLI",
        format!(
            "{} runs `island {words}`, but Codex runs no hook you have not trusted \
             ({} of {} trusted): start codex and choose \"Trust all and continue\" when it \
             says hooks need review (or /hooks, then t on each)",
            hooks_json.display(),
            trust.trusted,
            trust.hooks
        ),
    )
}
