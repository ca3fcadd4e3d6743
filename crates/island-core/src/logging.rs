//! Logs go to stderr and to `island.log` in the XDG state directory.
//! Event contents (prompts, commands) are never logged, only their kinds.

use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

/// Where the log file goes.
fn log_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "island")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(dir.join("island.log"))
}

/// Starts logging; returns the log file's path when one could be opened.
pub fn init() -> Option<PathBuf> {
    let filter =
        || EnvFilter::try_from_env("ISLAND_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = fmt::layer().with_writer(std::io::stderr);
    let file = log_path().and_then(|path| {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        // The log names sessions and approvals: this user's only, from the
        // first byte (a log of an earlier version is narrowed too).
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path.parent()?)
            .ok()?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .ok()?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .ok()?;
        Some((path, file))
    });
    match file {
        Some((path, file)) => {
            let file_layer = fmt::layer().with_ansi(false).with_writer(Mutex::new(file));
            let _ = tracing_subscriber::registry()
                .with(filter())
                .with(stderr)
                .with(file_layer)
                .try_init(); // already set up: keep the first
            Some(path)
        }
        None => {
            let _ = tracing_subscriber::registry()
                .with(filter())
                .with(stderr)
                .try_init();
            None
        }
    }
}
