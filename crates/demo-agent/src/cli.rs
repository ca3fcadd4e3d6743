//! Command-line options of the demo agent.

use std::path::PathBuf;

/// Simulated agent sessions that stream turns, call tools and ask for
/// approvals, through the codewhale-hooks crate exactly as a real agent does.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "island-demo-agent", version, args_override_self = true)]
pub struct Args {
    /// Number of concurrent sessions.
    #[arg(long, default_value_t = 3)]
    pub sessions: usize,
    /// Turns per session; 0 runs until interrupted.
    #[arg(long, default_value_t = 0)]
    pub turns: u64,
    /// Island's socket (default: the protocol's resolution).
    #[arg(long)]
    pub socket: Option<PathBuf>,
    /// Reproduce the upstream sink byte for byte: connect, write one line,
    /// close, for every event, with no hello.
    #[arg(long)]
    pub upstream: bool,
    /// Seconds to wait for Island's decision before answering "in the
    /// terminal" instead.
    #[arg(long, default_value_t = 30.0)]
    pub approval_timeout: f64,
    /// The terminal's simulated answer when Island does not answer.
    #[arg(long, value_enum, default_value_t = TerminalAnswer::Deny)]
    pub terminal_answer: TerminalAnswer,
    /// Time scale: 2 runs twice as fast, 0.5 half as fast.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Ask for an approval every N turns (0: never).
    #[arg(long, default_value_t = 2)]
    pub approval_every: u64,
    /// Abort every N-th turn (0: never).
    #[arg(long, default_value_t = 5)]
    pub abort_every: u64,
    /// Also write every event as JSON lines to standard output.
    #[arg(long)]
    pub stdout: bool,
    /// Random seed, for a repeatable run.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// What the simulated user types in the agent's terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TerminalAnswer {
    /// Approve.
    Approve,
    /// Deny.
    Deny,
}
