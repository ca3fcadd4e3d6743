//! Hook events for agents, and the sinks that carry them.
//!
//! An agent builds one [`HookDispatcher`] from the `[hooks]` table of its
//! config ([`config`]) and calls [`HookDispatcher::emit`] on its own path.
//! `emit` never waits: every sink owns a bounded queue and a background task
//! that does the I/O, and one failing sink never stops the others.
//!
//! The [`UnixSocketHookSink`] streams events to Island over one persistent
//! connection, reconnects with capped backoff when Island starts late or
//! restarts, replays open approvals after a reconnect, and brings Island's
//! decisions back: [`HookDispatcher::await_decision`] resolves with the
//! first answer from any source, the agent's own terminal prompt included
//! ([`HookDispatcher::resolve_approval`]).
//!
//! # Layout
//!
//! - [`dispatcher`]: fan-out to sinks and the approval registry.
//! - [`approvals`]: open approvals, first answer wins.
//! - [`sink`]: the [`HookSink`] trait, counters, and the shared queue core.
//! - [`queue`]: the bounded queue that coalesces and drops only deltas.
//! - [`line_sinks`]: stdout and JSONL file sinks.
//! - [`webhook`]: HTTP POST with bounded retries.
//! - [`unix_socket`]: the Island sink (a documented no-op off Unix).
//! - [`session`]: who the agent is, and its terminal, for the hello line.
//! - [`config`]: the `[hooks]` table and the wiring that builds a dispatcher.

pub mod approvals;
pub mod config;
pub mod dispatcher;
pub mod line_sinks;
pub mod queue;
mod ratelimit;
mod runtime;
pub mod session;
pub mod sink;
pub mod unix_socket;
pub mod webhook;

pub use approvals::{Resolution, WaitError};
pub use config::{
    HookSinksUpstream, HooksConfig, HooksConfigError, ResolvedHooks, SinkSpec, build_dispatcher,
};
pub use dispatcher::HookDispatcher;
pub use island_protocol as protocol;
pub use line_sinks::{JsonlHookSink, StdoutHookSink};
pub use session::SessionInfo;
pub use sink::{HookSink, SinkCounters};
pub use unix_socket::{UnixSocketHookSink, UnixSocketOptions};
pub use webhook::{WebhookHookSink, WebhookOptions};
