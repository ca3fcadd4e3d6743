//! The tray app, `island-app`: the tray icon, the widget and the settings
//! window over the same core as `island --headless`. People start it as
//! bare `island` (the small command-line program executes this one), or
//! from the login items. It also runs `island-app windows`, its own window
//! process. Any other command line is the command-line program's, run
//! here through the same code ([`island_cli::dispatch`]), so this binary
//! serves as a baseline for what those commands cost with the GUI
//! libraries loaded.

mod app;
mod platform;
mod windows;

use clap::Parser;
use island_cli::cli::{Args, Command};

/// Parses the command line and runs it.
#[must_use]
pub fn run() -> std::process::ExitCode {
    let args = Args::parse();
    match args.command {
        Some(Command::Windows) => {
            island_core::logging::init();
            windows::run()
        }
        None if !args.headless => {
            if let Some(log) = island_core::logging::init() {
                tracing::debug!("logging to {}", log.display());
            }
            app::run(app::AppOptions {
                no_notifications: args.no_notifications,
                socket: args.socket,
                config: args.config,
            })
        }
        _ => {
            if args.headless {
                // This binary maps WebKit and never runs it headless: give
                // its pages back once start-up is done with them.
                std::thread::spawn(|| {
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    platform::release_unused_libraries();
                });
            }
            island_cli::dispatch(args)
        }
    }
}
