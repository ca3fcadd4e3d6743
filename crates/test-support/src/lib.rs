//! What the tests of every crate share, so that none writes its own: a
//! private D-Bus session bus with a recording notification server
//! ([`bus`]), an X server with a window manager and terminals ([`screen`]),
//! and waiting for a condition instead of a fixed time ([`poll`]).
//! Used only as a dev-dependency.

// Test fixtures: they panic on a broken environment, and are not printed.
#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    missing_debug_implementations
)]

pub mod bus;
pub mod poll;
pub mod screen;
