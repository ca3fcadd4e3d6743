//! The `island` command: the hook bridges, every command-line client,
//! `island setup`, `island doctor` and `island --headless`. It links no GUI
//! library, so that what agents and status bars run many times a minute
//! (`island hook …` around every tool call, `island status` every second
//! or two) costs what a small program costs. Bare `island` starts the tray
//! app, `island-app`, installed beside it (see `main.rs`); the tray app
//! runs every other command through [`dispatch`] too.
//!
//! # Layout
//!
//! - [`cli`]: the command line's words (clap).
//! - [`commands`]: what each command does.
//! - [`hook`]: `island hook AGENT`, one run per hook event of an agent.
//! - [`setup`]: `island setup`'s conversation.
//! - `remote`, `remote_install`: `island remote` (the SSH forward) and
//!   `island remote install`.

pub mod cli;
pub mod commands;
pub mod hook;
mod remote;
mod remote_install;
pub mod setup;

use std::process::ExitCode;

/// Runs a command that is not the tray app: `setup` on its own, the rest
/// on an async runtime.
#[must_use]
pub fn dispatch(args: cli::Args) -> ExitCode {
    if let Some(cli::Command::Setup {
        agent,
        yes,
        undo,
        file,
    }) = args.command
    {
        return setup::run(agent, yes, undo, file).unwrap_or_else(|e| {
            eprintln!("island setup: {e:#}");
            ExitCode::FAILURE
        });
    }
    // A client does one thing at a time: a runtime on this thread, with
    // no worker threads to start (most of what a hook costs is start-up).
    // Island itself (`--headless`) gets its workers.
    let runtime = if args.command.is_none() {
        tokio_runtime()
    } else {
        client_runtime()
    };
    let Some(runtime) = runtime else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(commands::dispatch(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("island: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The async runtime of Island itself and of the tray app: two workers
/// are plenty for a socket server and a few clients. `None` (said on
/// stderr) if it cannot start.
#[must_use]
pub fn tokio_runtime() -> Option<tokio::runtime::Runtime> {
    island_core::platform::tune_allocator();
    started(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    )
}

/// The runtime of a client command: this thread only.
fn client_runtime() -> Option<tokio::runtime::Runtime> {
    started(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    )
}

fn started(built: std::io::Result<tokio::runtime::Runtime>) -> Option<tokio::runtime::Runtime> {
    built
        .map_err(|e| eprintln!("island: cannot start the async runtime: {e}"))
        .ok()
}
