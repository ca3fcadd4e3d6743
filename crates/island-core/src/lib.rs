//! Island's engine, without a window and without a desktop: the socket,
//! the session reducer, the notification policy and the requests. Every
//! desktop dependency (D-Bus, X11, Wayland, notifications) is in
//! `island-desktop`, which fills this crate's seams ([`notify::NoticeSink`]
//! and [`focus::Focuser`]); the agents' integrations are `island-agents`.
//!
//! # Layout
//!
//! - [`actions`]: the ids and labels of the answers an approval offers.
//! - [`answer_token`]: this run's terminal answer token.
//! - [`atomic`]: replacing a file all at once.
//! - [`attention`]: whether a notice waits because its terminal is in front.
//! - [`bind`]: the socket and every duty of PROTOCOL section 3.
//! - [`client`]: the command line's requests and the text people read.
//! - [`config`]: Island's settings file.
//! - [`display`]: agent-supplied text made safe to show.
//! - [`focus`]: click-through's target, outcome and seam.
//! - [`framing`]: capped line framing.
//! - [`history`]: the approval history file.
//! - [`host`]: runs the reducer and carries out its effects.
//! - `liveness`: whether a watched agent process is still the same one.
//! - [`logging`]: stderr and `island.log`, for every binary.
//! - [`notify`]: the notice seam and the user's actions.
//! - `peer_order`: the order of a peer's connections.
//! - [`platform`]: what the OS tells about peer processes.
//! - [`server`]: accepting, peer checks, decoding; one task per connection.
//! - [`ssh`]: `island remote`'s probe of the remote machine.
//! - [`state_file`]: small state files written safely.
//! - [`tracker`]: the session state as a pure reducer, and the notification
//!   policy.
//! - [`view`]: what the tray menu and the widget show, as data.
//! - `writer`: a connection's writer.

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
pub mod platform;
pub mod server;
pub mod ssh;
pub mod state_file;
pub mod tracker;
pub mod view;
mod writer;
