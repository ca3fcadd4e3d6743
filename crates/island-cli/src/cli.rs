//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use island_agents::setup::Agent;

/// Island: tells you when a coding agent waits for you.
#[derive(Debug, Parser)]
#[command(name = "island", version, about)]
pub struct Args {
    /// Run without any window or tray: socket, sessions, notifications and
    /// logs only.
    #[arg(long)]
    pub headless: bool,
    /// Do not show desktop notifications.
    #[arg(long)]
    pub no_notifications: bool,
    /// The socket (default: the config's `socket_path`, else the protocol's
    /// resolution).
    #[arg(long, global = true)]
    pub socket: Option<PathBuf>,
    /// The config file (default: `$ISLAND_CONFIG`, else
    /// `~/.config/island/config.toml`).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// A client command; without one, Island itself runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Clients of a running Island.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the sessions once.
    Status {
        /// Print the snapshot line as Island sends it.
        #[arg(long)]
        json: bool,
    },
    /// Print the sessions now and on every change, until interrupted.
    Watch {
        /// Print snapshot lines as Island sends them.
        #[arg(long)]
        json: bool,
    },
    /// Approve an approval.
    Approve {
        /// The approval id (see `island status`).
        approval_id: String,
        /// Approve for the rest of the session.
        #[arg(long)]
        for_session: bool,
        /// Read Island's terminal answer token from standard input (one
        /// line), for `[security] answers_from = "ui"`. On a terminal,
        /// `island` asks for it when Island needs it.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Answer a question an agent asks (see `island status`): pick one of
    /// its options by its label.
    Answer {
        /// The approval id.
        approval_id: String,
        /// The option's label, as `island status` shows it.
        #[arg(allow_hyphen_values = true)]
        choice: String,
        /// As for `approve`.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Deny an approval.
    Deny {
        /// The approval id.
        approval_id: String,
        /// As for `approve`.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Send one protocol line (an event, say), for scripts and tests; `-`
    /// reads it from standard input.
    Send {
        /// The line.
        line: String,
    },
    /// Run as an agent's own hook: read its event, tell Island, and for a
    /// permission request print Island's answer. Never fails the agent:
    /// with no answer it prints nothing and exits 0.
    Hook {
        /// Which agent's hook contract.
        #[command(subcommand)]
        agent: HookAgent,
    },
    /// Add Island's hook to an agent's own config file, or take it out
    /// again: shows the exact change, asks before writing (or `--yes`),
    /// keeps a backup of the file, and never replaces a hook of yours.
    Setup {
        /// The agent.
        #[arg(value_enum)]
        agent: Agent,
        /// Apply without asking (for scripts).
        #[arg(long)]
        yes: bool,
        /// Take Island's hook out again.
        #[arg(long)]
        undo: bool,
        /// The agent's config file (default: where the agent looks:
        /// `~/.claude/settings.json`, `$CODEX_HOME/hooks.json` (its
        /// `config.toml` for codex-notify), `$CODEWHALE_HOME/config.toml`,
        /// `$QWEN_HOME/settings.json`, `~/.gemini/settings.json`,
        /// `~/.config/opencode/plugin/island.js`,
        /// `~/.factory/settings.json`).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Check what Island needs here: the socket, Island itself, the
    /// session bus, notifications, the tray host, the desktop (and what
    /// click-through can do), and which agents send to Island.
    Doctor,
    /// Island's windows (the widget, the settings), run by the tray app
    /// as a process of its own; not for people.
    #[command(hide = true)]
    Windows,
    /// Print the approval history: when each approval was asked, who
    /// answered it, how, and how long it waited (oldest first).
    History {
        /// One JSON line per approval, as kept.
        #[arg(long)]
        json: bool,
        /// Only those closed in this time: `30m`, `2h`, `7d`.
        #[arg(long)]
        since: Option<String>,
        /// Only this session.
        #[arg(long)]
        session: Option<String>,
    },
    /// Bring a remote machine's agents to this Island over SSH: forwards
    /// the machine's default Island socket to this one's, through your own
    /// `ssh` (its config, keys and agent), and keeps it up until stopped.
    Remote(RemoteArgs),
    /// Bring a session's terminal to the front.
    Focus {
        /// The session id.
        #[arg(conflicts_with = "waiting", required_unless_present = "waiting")]
        session_id: Option<String>,
        /// The session whose approval has waited longest.
        #[arg(long)]
        waiting: bool,
    },
}

/// `island remote`: a remote machine's agents report to this Island.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct RemoteArgs {
    /// Put Island's hook on the remote machine instead.
    #[command(subcommand)]
    pub action: Option<RemoteAction>,
    /// The machine, as you name it to `ssh` (a `~/.ssh/config` alias, or
    /// `user@host`).
    #[arg(required = true)]
    pub host: Option<String>,
    /// Print the `~/.ssh/config` lines that do the same forward, for
    /// people who would rather write them, and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Take over the remote socket path even when something listens there
    /// (another `island remote`, or an Island running on that machine).
    #[arg(long)]
    pub replace: bool,
    /// Options for `ssh` (after `--`), such as `-p 2222`.
    #[arg(last = true)]
    pub ssh_args: Vec<String>,
}

/// What `island remote` does besides forwarding.
#[derive(Debug, Subcommand)]
pub enum RemoteAction {
    /// Copy this `island` (one static file, no GUI library) to the remote
    /// machine's `~/.local/bin` and run its `island setup` for the agents
    /// there, asking first; `--undo` takes both out again.
    Install {
        /// The machine.
        host: String,
        /// The agents to set up there (default: those whose config
        /// directory exists there).
        #[arg(long = "agent", value_enum)]
        agents: Vec<Agent>,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
        /// Take Island's hooks and the copied `island` out again.
        #[arg(long)]
        undo: bool,
        /// Options for `ssh` (after `--`).
        #[arg(last = true)]
        ssh_args: Vec<String>,
    },
}

/// Agents whose hooks `island hook` speaks.
#[derive(Debug, Subcommand)]
pub enum HookAgent {
    /// Claude Code: the hook's JSON on standard input (every hook event;
    /// `PermissionRequest` waits for Island's answer).
    Claude {
        /// Seconds a permission request waits for an answer; keep it under
        /// the hook's own timeout (Claude Code's default is 60).
        #[arg(long, default_value_t = 50)]
        wait_secs: u64,
        /// Another agent whose hooks are Claude Code's: `qwen-code`, `droid`.
        #[arg(long, default_value = "claude-code")]
        agent: String,
    },
    /// Codex CLI: its own hooks (`hooks.json`; the event's JSON on standard
    /// input, as Claude Code's), or, given a payload, its `notify` program
    /// (older versions; the JSON payload is the last argument).
    Codex {
        /// Seconds a permission request waits for an answer; keep it under
        /// the hook's own timeout.
        #[arg(long, default_value_t = 50)]
        wait_secs: u64,
        /// The payload `notify` passes; none for a hook.
        payload: Option<String>,
    },
    /// Gemini CLI's hooks: the event's JSON on standard input (its
    /// permission prompt is shown, to answer in its terminal).
    Gemini,
    /// opencode, through Island's plugin for it: one event's JSON on
    /// standard input; for `permission.asked`, Island's answer (`once`,
    /// `always`, `reject`) on standard output for the plugin to send.
    Opencode {
        /// Seconds a permission request waits for an answer (opencode asks
        /// in its own window meanwhile, and waits as long as it takes).
        #[arg(long, default_value_t = 1800)]
        wait_secs: u64,
    },
    /// Watches one Gemini permission prompt until it is answered in the
    /// terminal, then closes its card (started by `island hook gemini`).
    #[command(hide = true)]
    GeminiWatch {
        /// The Gemini session.
        #[arg(long)]
        session: String,
        /// The card's approval id.
        #[arg(long)]
        approval: String,
        /// Gemini's session file.
        #[arg(long)]
        transcript: PathBuf,
        /// Its length when the prompt showed.
        #[arg(long)]
        from: u64,
        /// Gemini's process.
        #[arg(long)]
        pid: Option<u32>,
    },
    /// The CodeWhale TUI's command hooks (`[[hooks.hooks]]`): the event's
    /// JSON on standard input where it has one, else its environment.
    Codewhale {
        /// The hook's event (`session_start`, `message_submit`,
        /// `turn_end`, `session_end`); default: the payload's `event`.
        event: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agent_is_named_on_the_command_line_as_setup_spells_it() {
        use clap::ValueEnum;
        // Every agent once (doctor lists them in an order of its own).
        assert_eq!(Agent::value_variants().len(), Agent::ALL.len());
        assert!(
            Agent::ALL
                .iter()
                .all(|a| Agent::value_variants().contains(a))
        );
        for agent in Agent::ALL {
            let value = agent.to_possible_value().expect("a visible value");
            assert_eq!(value.get_name(), agent.name());
        }
    }
}
