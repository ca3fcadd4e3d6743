//! Island's one binary: run bare it starts Island (the tray app once it
//! lands; headless until then), and its subcommands are the command-line
//! clients of PROTOCOL 5b and 5c. None of this creates a GUI object.

mod cli;
mod commands;
mod logging;

use clap::Parser;

/// Parses the command line and runs it.
#[must_use]
pub fn run() -> std::process::ExitCode {
    let args = cli::Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("island: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::dispatch(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("island: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
