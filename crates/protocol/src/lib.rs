//! The Island wire protocol, version 1, as Rust types.
//!
//! This crate is the contract between an agent (anything that emits hook
//! events) and Island (the desktop companion that listens). Both sides of the
//! repository depend on it so that they cannot drift apart. The prose
//! version of the contract is `PROTOCOL.md` in the shared folder; the tests
//! of this crate pin the exact JSON of every type against it.
//!
//! # Layout
//!
//! - [`time`]: the RFC 3339 timestamp used in every `at` field.
//! - [`event`]: the event envelope, `HookEvent`, `EventFrame`, approval
//!   requests and `ReviewDecision` (section 4.1).
//! - [`message`]: hello, welcome, decision, status, snapshot and control
//!   messages (sections 4.2 to 5c).
//! - [`line`]: one-line-one-object framing: decoding what each side receives
//!   and encoding what it sends.
//! - [`socket_path`]: where the socket lives (section 2).
//! - [`trust`]: whom a socket path and a listener belong to (section 5d),
//!   checked the same way by Island, its clients and the agent side.

pub mod event;
pub mod line;
pub mod message;
pub mod socket_path;
mod tagged;
pub mod time;
pub mod trust;

pub use event::{
    ApprovalPhase, CommandLine, EventEnvelope, EventFrame, ExecApprovalRequestEvent, HookEvent,
    NetworkApprovalContext, NetworkPolicyAmendment, ReviewDecision,
};
pub use line::{
    AgentMessage, DecodeError, IslandMessage, MAX_CWD_BYTES, MAX_HOST_BYTES, MAX_ID_BYTES,
    MAX_TITLE_BYTES, decode_agent_line, decode_island_line, encode_line,
};
pub use message::{
    ApprovalSnapshot, Counters, DecideRequest, Decided, Decision, DecisionSource, FocusRequest,
    Focused, Hello, JobSnapshot, RemoteRequest, SessionSnapshot, SessionState, Snapshot,
    StatusRequest, TerminalInfo, WatchRequest, Welcome,
};
pub use socket_path::{SocketPathError, resolve_socket_path, resolve_socket_path_with};
pub use time::Timestamp;

/// The protocol version this crate speaks, sent in `hello` and `welcome`.
pub const PROTOCOL_VERSION: u32 = 1;

/// The default cap on one line, in bytes (PROTOCOL section 6).
pub const DEFAULT_MAX_LINE_BYTES: usize = 1024 * 1024;
