//! Click-through: bring the agent's own terminal (window, tab, pane) to the
//! front. It **fails closed**: when the target cannot be confirmed, nothing
//! is raised and the outcome says why, with the session's directory so the
//! user can get there by hand.
//!
//! A target comes from the hello's terminal fields or, for upstream
//! one-line sessions, from the agent process itself: its environment (same
//! user only) and its ancestry. The strategies, one file each, are chosen
//! at run time by what the target and the desktop have: a custom command,
//! then tmux, kitty or WezTerm inside the terminal, then the window itself
//! through X11 (EWMH), Sway, Hyprland, KWin (KDE Plasma on Wayland, through
//! its scripting D-Bus API) or macOS. GNOME on Wayland has no API
//! for this, and the outcome says so.

mod custom;
mod hyprland;
mod kitty;
#[cfg(target_os = "linux")]
mod kwin;
mod macos;
mod remote;
mod run;
mod sway;
mod tmux;
mod wezterm;
#[cfg(target_os = "linux")]
mod x11;

use std::ffi::OsString;

use island_protocol::TerminalInfo;

pub use run::Program;

pub use island_core::focus::{FocusOutcome, FocusTarget, Focuser, RemoteTarget};

/// What the desktop is, read once from Island's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desktop {
    /// `DISPLAY` (X11, or XWayland).
    pub display: Option<String>,
    /// `WAYLAND_DISPLAY`.
    pub wayland: Option<String>,
    /// `XDG_CURRENT_DESKTOP`.
    pub current_desktop: Option<String>,
    /// `SWAYSOCK`.
    pub swaysock: Option<String>,
    /// `HYPRLAND_INSTANCE_SIGNATURE`.
    pub hyprland: Option<String>,
    /// `PATH` for the programs run (tests point it at fakes).
    pub path: Option<OsString>,
    /// `DBUS_SESSION_BUS_ADDRESS`, where KWin is asked.
    pub bus: Option<String>,
    /// Running on macOS.
    pub macos: bool,
}

impl Desktop {
    /// Reads Island's own environment.
    #[must_use]
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self {
            display: var("DISPLAY"),
            wayland: var("WAYLAND_DISPLAY"),
            current_desktop: var("XDG_CURRENT_DESKTOP"),
            swaysock: var("SWAYSOCK"),
            hyprland: var("HYPRLAND_INSTANCE_SIGNATURE"),
            path: std::env::var_os("PATH"),
            bus: var("DBUS_SESSION_BUS_ADDRESS"),
            macos: cfg!(target_os = "macos"),
        }
    }

    /// KDE Plasma on Wayland: KWin, whose scripting API activates windows.
    pub fn kde_wayland(&self) -> bool {
        self.wayland_desktop("kde")
    }

    /// GNOME on Wayland, which lets no program raise another's window.
    pub fn gnome_wayland(&self) -> bool {
        self.wayland_desktop("gnome")
    }

    /// A Wayland session whose `XDG_CURRENT_DESKTOP` lists `name`.
    fn wayland_desktop(&self, name: &str) -> bool {
        self.wayland.is_some()
            && self
                .current_desktop
                .as_deref()
                .is_some_and(|d| d.split(':').any(|p| p.eq_ignore_ascii_case(name)))
    }
}

/// Click-through on this desktop for the engine (its `Focuser`): the
/// session's desktop, read once, and the user's settings.
#[derive(Debug, Clone, Default)]
pub struct DesktopFocuser {
    /// The desktop.
    pub desktop: Desktop,
    /// The user's settings.
    pub settings: FocusSettings,
}

impl Focuser for DesktopFocuser {
    fn focus(&self, target: &FocusTarget) -> FocusOutcome {
        focus(target, &self.desktop, &self.settings)
    }

    fn in_front(&self, target: &FocusTarget) -> Option<bool> {
        in_front(target, &self.desktop)
    }
}

impl FocusSettings {
    /// `[focus]` of Island's config.
    #[must_use]
    pub fn from_config(config: &island_core::config::IslandConfig) -> Self {
        Self {
            command: Some(config.focus.command.clone()).filter(|c| !c.trim().is_empty()),
        }
    }
}

/// Settings of click-through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FocusSettings {
    /// A custom command line, run without a shell after substituting
    /// `{pid}`, `{tty}`, `{cwd}`, `{session_id}`, `{tmux}`, `{tmux_pane}`,
    /// `{windowid}`, `{kitty_window_id}`, `{kitty_listen_on}`,
    /// `{wezterm_pane}`, `{term_program}`.
    pub command: Option<String>,
}

/// Brings the target's terminal to the front, or says why not. Blocking:
/// it runs programs and talks to the display; call it off the runtime.
#[must_use]
pub fn focus(target: &FocusTarget, desktop: &Desktop, settings: &FocusSettings) -> FocusOutcome {
    let terminal = resolve_terminal(target);
    let fail = |reason: String| FocusOutcome::NotFocused {
        reason: match &target.cwd {
            Some(cwd) => format!("{reason}; the session's directory is {cwd}"),
            None => reason,
        },
    };
    if let Some(remote) = &target.remote {
        return focus_remote(target, remote, desktop, settings);
    }
    if let Some(template) = settings.command.as_deref().filter(|c| !c.trim().is_empty()) {
        return match custom::focus(template, target, &terminal, desktop) {
            Ok(()) => FocusOutcome::Focused {
                how: "command".into(),
            },
            Err(reason) => fail(reason),
        };
    }
    let mut how: Vec<&str> = Vec::new();
    // Where the terminal window is: the agent's own ancestry and window,
    // unless a tmux client elsewhere shows the pane.
    let mut window = Window::of_agent(target, &terminal);
    if terminal.tmux.is_some() && terminal.tmux_pane.is_some() {
        match tmux::select(&terminal, desktop) {
            Ok(client) => {
                how.push("tmux");
                window = Window::of_process(client.pid);
            }
            Err(reason) => return fail(reason),
        }
    } else if let (Some(id), Some(listen)) = (&terminal.kitty_window_id, &terminal.kitty_listen_on)
    {
        // kitty raises its own OS window with the tab and window.
        return match kitty::focus(id, listen, desktop) {
            Ok(()) => FocusOutcome::Focused {
                how: "kitty".into(),
            },
            Err(reason) => fail(reason),
        };
    } else if let Some(pane) = &terminal.wezterm_pane {
        match wezterm::activate(pane, terminal.wezterm_unix_socket.as_deref(), desktop) {
            Ok(()) => how.push("wezterm"),
            Err(reason) => return fail(reason),
        }
    }
    match raise(&window, &terminal, desktop) {
        Ok(strategy) => {
            how.push(strategy);
            FocusOutcome::Focused { how: how.join("+") }
        }
        Err(reason) if how.is_empty() => fail(reason),
        Err(reason) => fail(format!("{} selected it, but {reason}", how.join("+"))),
    }
}

/// Whether the agent's own terminal (its window, and its tmux pane, kitty
/// tab or WezTerm pane) is what the user looks at now: `Some(true)` or
/// `Some(false)` when Island can tell, `None` when it cannot (GNOME on
/// Wayland and macOS are not asked; another machine's terminal; no
/// display; KWin did not answer). Blocking, like [`focus`].
#[must_use]
pub fn in_front(target: &FocusTarget, desktop: &Desktop) -> Option<bool> {
    if target.remote.is_some() || desktop.macos {
        return None;
    }
    let terminal = resolve_terminal(target);
    let mut window = Window::of_agent(target, &terminal);
    if terminal.tmux.is_some() && terminal.tmux_pane.is_some() {
        let client = tmux::shown(&terminal, desktop).ok()?;
        let Some(client) = client else {
            return Some(false);
        };
        window = Window::of_process(client.pid);
    } else if let (Some(id), Some(listen)) = (&terminal.kitty_window_id, &terminal.kitty_listen_on)
    {
        // kitty knows whether its OS window has the focus too.
        return kitty::window_focused(id, listen, desktop).ok();
    } else if let Some(pane) = &terminal.wezterm_pane {
        let focused =
            wezterm::pane_focused(pane, terminal.wezterm_unix_socket.as_deref(), desktop).ok()?;
        if !focused {
            return Some(false);
        }
    }
    window_in_front(&window, desktop)
}

/// Whether the terminal's window is the focused one of the desktop.
fn window_in_front(window: &Window, desktop: &Desktop) -> Option<bool> {
    if desktop.swaysock.is_some() {
        return sway::focused(&window.pids, desktop).ok();
    }
    if desktop.hyprland.is_some() {
        return hyprland::focused(&window.pids, desktop).ok();
    }
    #[cfg(target_os = "linux")]
    if desktop.kde_wayland() {
        return kwin::focused(&window.pids, desktop).ok();
    }
    #[cfg(target_os = "linux")]
    if let Some(display) = &desktop.display {
        // Without the terminal's own WINDOWID, a window found by process
        // may be one of several (GNOME Terminal runs every window in one
        // process, with tabs): Island cannot tell which one shows the agent.
        if desktop.gnome_wayland() || window.windowid.is_none() {
            return None;
        }
        return x11::is_active(display, window.windowid.as_deref(), &window.pids).ok();
    }
    None
}

/// A session on another machine: its tmux pane there, through the master
/// connection of `island remote`; then, here, the terminal that runs that
/// `ssh` (its own tmux pane or window, found as for a local agent).
fn focus_remote(
    target: &FocusTarget,
    remote: &RemoteTarget,
    desktop: &Desktop,
    settings: &FocusSettings,
) -> FocusOutcome {
    let Some(ssh_pid) = remote.ssh_pid else {
        return FocusOutcome::NotFocused {
            reason: format!(
                "the SSH connection to {} is gone; run island remote {} again",
                remote.host, remote.host
            ),
        };
    };
    let mut how = Vec::new();
    let claimed = target.terminal.clone().unwrap_or_default();
    if claimed.tmux_pane.is_some() {
        match remote::select_tmux_pane(remote, &claimed, desktop) {
            Ok(()) => how.push("ssh-tmux".to_owned()),
            Err(reason) => {
                return FocusOutcome::NotFocused {
                    reason: format!("on {}: {reason}", remote.host),
                };
            }
        }
    }
    // The local end: `ssh`'s own process and environment are the evidence.
    let local = FocusTarget {
        session_id: target.session_id.clone(),
        pid: Some(ssh_pid),
        cwd: None,
        terminal: None,
        remote: None,
    };
    match focus(&local, desktop, settings) {
        FocusOutcome::Focused { how: local } => {
            how.push(local);
            FocusOutcome::Focused { how: how.join("+") }
        }
        FocusOutcome::NotFocused { reason } if how.is_empty() => FocusOutcome::NotFocused {
            reason: format!("the terminal running ssh to {}: {reason}", remote.host),
        },
        FocusOutcome::NotFocused { reason } => FocusOutcome::NotFocused {
            reason: format!(
                "selected the tmux pane on {}, but not the terminal running ssh here: {reason}",
                remote.host
            ),
        },
    }
}

/// The terminal window to raise: candidate processes, nearest first, and
/// the X11 window id when the terminal exported one.
#[derive(Debug, Clone, Default)]
struct Window {
    pids: Vec<u32>,
    windowid: Option<String>,
}

impl Window {
    /// The agent's own ancestry, and the window its terminal exported.
    fn of_agent(target: &FocusTarget, terminal: &TerminalInfo) -> Self {
        Self {
            pids: target
                .pid
                .map(island_core::platform::ancestry)
                .unwrap_or_default(),
            windowid: terminal.windowid.clone(),
        }
    }

    /// The terminal hosting a process of this user (a tmux client): its
    /// ancestry and `WINDOWID` from its own environment.
    fn of_process(pid: u32) -> Self {
        let env = island_core::platform::process_environ(pid);
        Self {
            pids: island_core::platform::ancestry(pid),
            windowid: env.and_then(|e| e.get("WINDOWID").cloned()),
        }
    }
}

fn raise(
    window: &Window,
    terminal: &TerminalInfo,
    desktop: &Desktop,
) -> Result<&'static str, String> {
    if desktop.macos {
        return macos::focus(terminal, desktop).map(|()| "macos");
    }
    if desktop.swaysock.is_some() {
        return sway::focus(&window.pids, desktop).map(|()| "sway");
    }
    if desktop.hyprland.is_some() {
        return hyprland::focus(&window.pids, desktop).map(|()| "hyprland");
    }
    #[cfg(target_os = "linux")]
    if desktop.kde_wayland() {
        return kwin::focus(&window.pids, desktop).map(|()| "kwin");
    }
    #[cfg(target_os = "linux")]
    if let Some(display) = &desktop.display {
        let x = x11::activate(display, window.windowid.as_deref(), &window.pids);
        return match x {
            Ok(()) => Ok("x11"),
            Err(reason) if desktop.gnome_wayland() => Err(format!(
                "GNOME on Wayland lets no program raise another's window ({reason}); switch to the terminal yourself"
            )),
            Err(reason) => Err(reason),
        };
    }
    if desktop.gnome_wayland() {
        return Err("GNOME on Wayland lets no program raise another's window; switch to the terminal yourself".into());
    }
    Err(
        "no way to reach the desktop here (no X11 display and no supported Wayland compositor)"
            .into(),
    )
}

/// What the agent process's own environment says (Linux, same user only),
/// field by field over the hello's claims: the process is evidence, the
/// hello only a claim. Every socket either names is checked again right
/// before use by the strategy that uses it.
fn resolve_terminal(target: &FocusTarget) -> TerminalInfo {
    let claimed = target.terminal.clone().unwrap_or_default();
    let Some(pid) = target.pid else {
        return claimed;
    };
    let Some(env) = island_core::platform::process_environ(pid) else {
        return claimed;
    };
    let seen = TerminalInfo::from_env(
        |k| env.get(k).cloned(),
        island_core::platform::process_tty(pid),
    );
    let pick = |seen: Option<String>, claimed: Option<String>| seen.or(claimed);
    TerminalInfo {
        tty: pick(seen.tty, claimed.tty),
        term_program: pick(seen.term_program, claimed.term_program),
        tmux: pick(seen.tmux, claimed.tmux),
        tmux_pane: pick(seen.tmux_pane, claimed.tmux_pane),
        kitty_window_id: pick(seen.kitty_window_id, claimed.kitty_window_id),
        kitty_listen_on: pick(seen.kitty_listen_on, claimed.kitty_listen_on),
        wezterm_pane: pick(seen.wezterm_pane, claimed.wezterm_pane),
        wezterm_unix_socket: pick(seen.wezterm_unix_socket, claimed.wezterm_unix_socket),
        windowid: pick(seen.windowid, claimed.windowid),
        iterm_session_id: pick(seen.iterm_session_id, claimed.iterm_session_id),
        term_session_id: pick(seen.term_session_id, claimed.term_session_id),
    }
}
