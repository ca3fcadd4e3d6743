//! Island on a desktop: the adapters between the engine (`island-core`)
//! and the desktop it runs on, and the engine assembled with them.
//!
//! # Layout
//!
//! - [`focus`]: click-through to the agent's terminal (tmux, kitty,
//!   WezTerm, X11, Sway, Hyprland, KWin, macOS, a custom command), and
//!   whether it is in front: the engine's `Focuser`, filled.
//! - [`notify`]: freedesktop notifications (macOS's notification centre),
//!   the desktop's do not disturb, the notification server's name.
//! - [`placement`]: where the widget goes on a display.
//! - [`widget_backend`]: which kind of window the widget is (X11, layer
//!   shell, XWayland), chosen at run time.
//! - [`window_link`]: the messages between the tray app and its window
//!   process, and the window process's supervisor.
//! - [`settings`]: the settings window's form, written into the config text.
//! - [`service`]: everything assembled, for `island --headless` and the
//!   tray app.

pub mod focus;
pub mod notify;
pub mod placement;
pub mod service;
pub mod settings;
pub mod widget_backend;
pub mod window_link;
