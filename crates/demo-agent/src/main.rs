//! `island-demo-agent`: runs a few simulated agent sessions against Island.

use clap::Parser;

mod agent;
mod cli;
mod upstream;

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match agent::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("island-demo-agent: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
