//! Which kind of window the widget is, chosen once at run time from what
//! the session has, in one place: the tray app passes the choice to its
//! window process (and `GDK_BACKEND=x11` to that child alone when the
//! widget goes through XWayland), and `island doctor` prints it with the
//! reason.
//!
//! - X11 (and macOS): an ordinary borderless window that stays above,
//!   placed at its corner and dragged freely.
//! - Layer shell (wlroots compositors such as Sway, Hyprland, river, niri
//!   and labwc; KDE Plasma's KWin; COSMIC): a `zwlr_layer_shell_v1` overlay
//!   surface anchored to its corner. It reserves no space, has no taskbar
//!   entry and takes the keyboard only when clicked; dragging snaps it to
//!   the nearest corner or edge.
//! - XWayland (GNOME on Wayland, which has no layer shell): the window
//!   process alone runs on X11 through XWayland, where keeping above and
//!   placement work.
//! - Plain Wayland (no layer shell, no XWayland): a normal window the
//!   compositor places; it may be covered and shows in the taskbar.

#[cfg(target_os = "linux")]
#[path = "wayland_linux.rs"]
mod probe;
#[cfg(not(target_os = "linux"))]
#[path = "wayland_other.rs"]
mod probe;

pub use probe::wayland_globals;

/// The environment variable the tray app sets for its window process.
pub const ENV: &str = "ISLAND_WIDGET_BACKEND";

/// The Wayland global of the layer shell.
pub const LAYER_SHELL: &str = "zwlr_layer_shell_v1";

/// The kind of window the widget is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An X11 window (also the macOS window: both place themselves).
    X11,
    /// A layer-shell overlay surface on a Wayland compositor.
    LayerShell,
    /// An X11 window through XWayland, in a Wayland session.
    XWayland,
    /// An ordinary Wayland toplevel: the compositor decides.
    Wayland,
}

impl Backend {
    /// Its name in [`ENV`] and in `island doctor`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::X11 => "x11",
            Self::LayerShell => "layer-shell",
            Self::XWayland => "xwayland",
            Self::Wayland => "wayland",
        }
    }

    /// The name back; `None` for anything else.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [Self::X11, Self::LayerShell, Self::XWayland, Self::Wayland]
            .into_iter()
            .find(|b| b.as_str() == name)
    }

    /// What does not work with this backend, for `island doctor`; `None`
    /// when everything does.
    #[must_use]
    pub const fn limits(self) -> Option<&'static str> {
        match self {
            Self::X11 | Self::XWayland => None,
            Self::LayerShell => Some(
                "the widget cannot be moved freely: dragging it snaps it to the nearest corner or edge",
            ),
            Self::Wayland => Some(
                "the compositor places the widget like any window: it may be tiled or covered, it shows in the taskbar, and its corner and dragged place are not kept",
            ),
        }
    }
}

/// What the session has, as far as the choice goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// `WAYLAND_DISPLAY`.
    pub wayland: Option<String>,
    /// `DISPLAY` (X11, or XWayland in a Wayland session).
    pub x11: Option<String>,
    /// `XDG_CURRENT_DESKTOP`.
    pub desktop: Option<String>,
    /// `GDK_BACKEND`, when the user set one.
    pub gdk_backend: Option<String>,
    /// Running on macOS.
    pub macos: bool,
}

impl Session {
    /// Reads this process's environment: the desktop as click-through
    /// reads it, and `GDK_BACKEND`.
    #[must_use]
    pub fn from_env() -> Self {
        let desktop = crate::focus::Desktop::from_env();
        Self {
            wayland: desktop.wayland,
            x11: desktop.display,
            desktop: desktop.current_desktop,
            gdk_backend: std::env::var("GDK_BACKEND").ok().filter(|v| !v.is_empty()),
            macos: desktop.macos,
        }
    }
}

/// The choice and why, in words for `island doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The backend.
    pub backend: Backend,
    /// Why, for people.
    pub why: String,
}

/// Chooses from the session and, in a Wayland session, the compositor's
/// globals (`Err` when the compositor could not be asked).
#[must_use]
pub fn choose(session: &Session, globals: Option<Result<Vec<String>, String>>) -> Choice {
    let choice = |backend, why: String| Choice { backend, why };
    if session.macos {
        return choice(Backend::X11, "macOS: a floating panel window".into());
    }
    let desktop = session
        .desktop
        .clone()
        .unwrap_or_else(|| "this desktop".into());
    let Some(wayland) = &session.wayland else {
        return choice(Backend::X11, "an X11 session (no WAYLAND_DISPLAY)".into());
    };
    if let Some(gdk) = &session.gdk_backend
        && gdk.split(',').next().is_some_and(|b| b.trim() == "x11")
        && session.x11.is_some()
    {
        return choice(
            Backend::X11,
            format!("GDK_BACKEND={gdk} asks for X11 (through XWayland)"),
        );
    }
    let globals = globals.unwrap_or_else(|| Err("not asked".into()));
    match globals {
        Ok(globals) if globals.iter().any(|g| g == LAYER_SHELL) => choice(
            Backend::LayerShell,
            format!(
                "the compositor of {desktop} ({wayland}) offers the layer shell ({LAYER_SHELL})"
            ),
        ),
        Ok(_) if session.x11.is_some() => choice(
            Backend::XWayland,
            format!(
                "the compositor of {desktop} ({wayland}) has no layer shell; the widget runs through XWayland, where it can stay above and keep its corner"
            ),
        ),
        Ok(_) => choice(
            Backend::Wayland,
            format!(
                "the compositor of {desktop} ({wayland}) has no layer shell and there is no XWayland (DISPLAY is unset)"
            ),
        ),
        Err(e) if session.x11.is_some() => choice(
            Backend::XWayland,
            format!(
                "cannot ask the Wayland compositor ({wayland}): {e}; using X11 through XWayland"
            ),
        ),
        Err(e) => choice(
            Backend::Wayland,
            format!("cannot ask the Wayland compositor ({wayland}): {e}"),
        ),
    }
}

/// Chooses for this process's session, asking the compositor when there
/// is one. Blocking (one round trip to the compositor).
#[must_use]
pub fn detect() -> Choice {
    let session = Session::from_env();
    let globals = session.wayland.as_ref().map(|_| wayland_globals());
    choose(&session, globals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(wayland: bool, x11: bool, desktop: &str) -> Session {
        Session {
            wayland: wayland.then(|| "wayland-1".into()),
            x11: x11.then(|| ":0".into()),
            desktop: Some(desktop.into()),
            ..Session::default()
        }
    }

    fn globals(names: &[&str]) -> Option<Result<Vec<String>, String>> {
        Some(Ok(names.iter().map(|s| (*s).to_string()).collect()))
    }

    #[test]
    fn x11_without_wayland() {
        let c = choose(&session(false, true, "XFCE"), None);
        assert_eq!(c.backend, Backend::X11);
    }

    #[test]
    fn layer_shell_when_offered_even_with_xwayland() {
        let c = choose(
            &session(true, true, "sway"),
            globals(&["wl_compositor", LAYER_SHELL]),
        );
        assert_eq!(c.backend, Backend::LayerShell);
        assert!(c.why.contains("sway"), "{}", c.why);
    }

    #[test]
    fn gnome_goes_through_xwayland_or_plain_wayland() {
        let gnome = globals(&["wl_compositor", "xdg_wm_base"]);
        let c = choose(&session(true, true, "GNOME"), gnome.clone());
        assert_eq!(c.backend, Backend::XWayland);
        let c = choose(&session(true, false, "GNOME"), gnome);
        assert_eq!(c.backend, Backend::Wayland);
        assert!(c.why.contains("no XWayland"), "{}", c.why);
        assert!(Backend::Wayland.limits().is_some());
    }

    #[test]
    fn an_unreachable_compositor_falls_back() {
        let err = Some(Err("refused".to_string()));
        assert_eq!(
            choose(&session(true, true, "KDE"), err.clone()).backend,
            Backend::XWayland
        );
        let c = choose(&session(true, false, "KDE"), err);
        assert_eq!(c.backend, Backend::Wayland);
        assert!(c.why.contains("refused"), "{}", c.why);
    }

    #[test]
    fn the_users_gdk_backend_is_kept() {
        let mut s = session(true, true, "sway");
        s.gdk_backend = Some("x11".into());
        assert_eq!(choose(&s, globals(&[LAYER_SHELL])).backend, Backend::X11);
        // Without DISPLAY an x11 wish cannot be kept.
        s.x11 = None;
        s.gdk_backend = Some("x11".into());
        assert_eq!(
            choose(&s, globals(&[LAYER_SHELL])).backend,
            Backend::LayerShell
        );
        s.x11 = Some(":0".into());
        s.gdk_backend = Some("wayland,x11".into());
        assert_eq!(
            choose(&s, globals(&[LAYER_SHELL])).backend,
            Backend::LayerShell
        );
    }

    #[test]
    fn names_round_trip() {
        for b in [
            Backend::X11,
            Backend::LayerShell,
            Backend::XWayland,
            Backend::Wayland,
        ] {
            assert_eq!(Backend::parse(b.as_str()), Some(b));
        }
        assert_eq!(Backend::parse("mir"), None);
    }
}
