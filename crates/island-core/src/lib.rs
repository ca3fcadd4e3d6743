//! Island without a window. Everything here is tested with no display: the
//! Tauri app wraps it.
//!
//! # Layout
//!
//! - [`bind`]: the socket and every duty of PROTOCOL section 3.
//! - [`framing`]: capped line framing.
//! - [`tracker`]: the session state as a pure reducer, and the notification
//!   policy.

pub mod bind;
pub mod framing;
pub mod tracker;
