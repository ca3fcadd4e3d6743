//! The `island` binary. With a subcommand or `--headless` it runs it here;
//! bare, it becomes the tray app: `island-app` beside this program (a
//! package installs both in one folder), else the one on `PATH`. It is
//! executed in place of this process, so the pid, the arguments that
//! matter and the exit status are the app's own.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use clap::Parser;
use island_cli::cli::{Args, Command as Sub};

fn main() -> ExitCode {
    let args = Args::parse();
    match &args.command {
        None if !args.headless => start_app(&args),
        Some(Sub::Windows) => {
            eprintln!(
                "island: `island windows` is run by the tray app (island-app), not by people"
            );
            ExitCode::from(2)
        }
        _ => island_cli::dispatch(args),
    }
}

/// Executes the tray app with the options it understands; returns only if
/// that failed.
fn start_app(args: &Args) -> ExitCode {
    let app = app_path();
    let mut command = Command::new(&app);
    if args.no_notifications {
        command.arg("--no-notifications");
    }
    if let Some(socket) = &args.socket {
        command.arg("--socket").arg(socket);
    }
    if let Some(config) = &args.config {
        command.arg("--config").arg(config);
    }
    let error = command.exec();
    eprintln!(
        "island: cannot start the tray app ({}): {error}. `island --headless` runs Island without it",
        app.display()
    );
    ExitCode::FAILURE
}

/// `island-app` in this program's folder, else by name through `PATH`.
fn app_path() -> PathBuf {
    std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name("island-app"))
        .filter(|app| app.is_file())
        .unwrap_or_else(|| PathBuf::from("island-app"))
}
