//! Island's one binary: run bare it starts the tray app ([`app`]); with
//! `--headless` it runs the same core with no window, and its subcommands
//! are the command-line clients of PROTOCOL 5b and 5c. Neither of those
//! creates a GUI object.

mod app;
mod cli;
mod commands;
mod logging;
mod platform;
mod setup;
mod windows;

use clap::Parser;

/// Parses the command line and runs it.
#[must_use]
pub fn run() -> std::process::ExitCode {
    let args = cli::Args::parse();
    match args.command {
        Some(cli::Command::Windows) => {
            logging::init();
            return windows::run();
        }
        Some(cli::Command::Setup {
            agent,
            yes,
            undo,
            file,
        }) => {
            return setup::run(agent, yes, undo, file).unwrap_or_else(|e| {
                eprintln!("island setup: {e:#}");
                std::process::ExitCode::FAILURE
            });
        }
        _ => {}
    }
    if args.command.is_none() && !args.headless {
        if let Some(log) = logging::init() {
            tracing::debug!("logging to {}", log.display());
        }
        return app::run(app::AppOptions {
            no_notifications: args.no_notifications,
            socket: args.socket,
            config: args.config,
        });
    }
    let Some(runtime) = runtime() else {
        return std::process::ExitCode::FAILURE;
    };
    match runtime.block_on(commands::dispatch(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("island: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The async runtime of every mode: two workers are plenty for a socket
/// server and a few clients. `None` (said on stderr) if it cannot start.
pub(crate) fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(e) => {
            eprintln!("island: cannot start the async runtime: {e}");
            None
        }
    }
}
