//! The tray app, `island-app`: the tray icon, the widget and the settings
//! window over the same core as `island --headless`. People start it as
//! bare `island` (the small command-line program executes this one), or
//! from the login items. It also runs `island-app windows`, its own window
//! process. Any other command line is the command-line program's, run
//! here through the same code ([`island_cli::dispatch`]), so this binary
//! serves as a baseline for what those commands cost with the GUI
//! libraries loaded.
//!
//! # Layout
//!
//! - `app`: the tray app. `app::tray` the tray icon and its menu,
//!   `app::menu` the menu's entries carried out, `app::widget` when the
//!   widget shows, `app::ui_events` the board pushed to the windows,
//!   `app::settings_file` the settings read and written,
//!   `app::window_supervisor` the window process started, fed and
//!   watched, `app::state` what the tray app holds (`TrayApp`).
//! - `window_process`: the window process (`island-app windows`), the only
//!   process that loads WebKit: the widget (`widget`, and `layer` for a
//!   layer-shell surface on Wayland), the settings window, and the Tauri
//!   IPC commands its pages call (`ipc`).
//! - `native`: what differs per operating system (display check, tray
//!   icons, WebKit's settings, libraries given back).
//! - `sync`: locks both processes use.

mod app;
mod native;
mod sync;
mod window_process;

use clap::Parser;
use island_cli::cli::{Args, Command};

/// Parses the command line and runs it.
#[must_use]
pub fn run() -> std::process::ExitCode {
    let args = Args::parse();
    match args.command {
        Some(Command::Windows) => {
            island_core::logging::init();
            window_process::run()
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
                    native::release_unused_libraries();
                });
            }
            island_cli::dispatch(args)
        }
    }
}
