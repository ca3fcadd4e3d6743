//! Island without a window. Everything here is tested with no display: the
//! Tauri app wraps it.
//!
//! # Layout
//!
//! - [`bind`]: the socket and every duty of PROTOCOL section 3.
//! - [`client`]: the command line's requests and the text people read.
//! - [`config`]: Island's settings file.
//! - [`focus`]: click-through to the agent's terminal.
//! - [`framing`]: capped line framing.
//! - [`runtime`]: everything assembled, for `island --headless`.
//! - [`server`]: accepting, peer checks, decoding; one task per connection.
//! - [`platform`]: what the OS tells about peer processes.
//! - [`host`]: runs the reducer and carries out its effects.
//! - [`notify`]: the notice seam and the desktop adapter.
//! - [`tracker`]: the session state as a pure reducer, and the notification
//!   policy.

pub mod bind;
pub mod client;
pub mod config;
pub mod focus;
pub mod framing;
pub mod host;
pub mod notify;
pub mod platform;
pub mod runtime;
pub mod server;
pub mod tracker;
