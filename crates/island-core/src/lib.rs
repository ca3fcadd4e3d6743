//! Island without a window. Everything here is tested with no display: the
//! Tauri app wraps it.
//!
//! # Layout
//!
//! - [`actions`]: the ids and labels of the answers an approval offers.
//! - [`bind`]: the socket and every duty of PROTOCOL section 3.
//! - [`client`]: the command line's requests and the text people read.
//! - [`config`]: Island's settings file.
//! - [`display`]: agent-supplied text made safe to show.
//! - [`focus`]: click-through to the agent's terminal.
//! - [`framing`]: capped line framing.
//! - [`runtime`]: everything assembled, for `island --headless`.
//! - [`server`]: accepting, peer checks, decoding; one task per connection.
//! - [`settings`]: the settings view's form, written into the config text.
//! - [`platform`]: what the OS tells about peer processes.
//! - [`host`]: runs the reducer and carries out its effects.
//! - `liveness`: whether a watched agent process is still the same one.
//! - [`logging`]: stderr and `island.log`, for every binary.
//! - [`notify`]: the notice seam and the desktop adapter.
//! - [`tracker`]: the session state as a pure reducer, and the notification
//!   policy.
//! - [`view`]: what the tray menu and the widget show, as data.
//! - [`placement`]: where the widget goes on a display.
//! - [`widget_backend`]: which kind of window the widget is (X11, layer
//!   shell, XWayland), chosen at run time.

pub mod actions;
pub mod answer_token;
pub mod atomic;
pub mod attention;
pub mod bind;
pub mod client;
pub mod config;
pub mod display;
pub mod focus;
pub mod framing;
pub mod history;
pub mod host;
mod liveness;
pub mod logging;
pub mod notify;
mod peer_order;
pub mod placement;
pub mod platform;
pub mod runtime;
pub mod server;
pub mod settings;
pub mod ssh;
pub mod state_file;
pub mod tracker;
pub mod view;
pub mod widget_backend;
pub mod window_link;
mod writer;
