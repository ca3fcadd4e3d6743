//! Island without a window, assembled: config, socket, server, host and
//! notifications, until Ctrl-C or SIGTERM. `island --headless` runs this;
//! the tray app runs the same pieces.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::bind::{BindError, bind};
use crate::config::{ConfigError, IslandConfig};
use crate::host::Host;
use crate::notify::{NoNotices, NoticeSink};
use crate::server::{ServerCounters, serve};
use crate::tracker::SessionTracker;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Socket path; `None` for the config's or the default.
    pub socket: Option<PathBuf>,
    /// Config file; `None` for the default.
    pub config: Option<PathBuf>,
    /// Turn desktop notifications off.
    pub no_notifications: bool,
}

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Another Island answers on the socket.
    AlreadyRunning(PathBuf),
    /// Stopped by a signal.
    Stopped,
}

/// Why Island could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The config file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The socket path.
    #[error(transparent)]
    Path(#[from] island_protocol::SocketPathError),
    /// Binding the socket.
    #[error(transparent)]
    Bind(#[from] BindError),
    /// Setting up the runtime.
    #[error("cannot {0}: {1}")]
    Io(&'static str, std::io::Error),
}

/// Runs Island headless until Ctrl-C or SIGTERM.
///
/// # Errors
/// See [`RunError`]. A second start is not an error: it returns
/// [`RunOutcome::AlreadyRunning`].
pub async fn run_headless(options: RunOptions) -> Result<RunOutcome, RunError> {
    let config_path = match options.config {
        Some(path) => path,
        None => IslandConfig::default_path()?,
    };
    let config = IslandConfig::load_or_create(&config_path)?;
    let explicit = options.socket.as_deref().or(config.socket_path());
    let path = island_protocol::resolve_socket_path(explicit)?;
    let mut bound = match bind(&path) {
        Ok(bound) => bound,
        Err(BindError::AlreadyRunning(path)) => return Ok(RunOutcome::AlreadyRunning(path)),
        Err(e) => return Err(e.into()),
    };
    let listener = bound
        .take_listener()
        .ok_or_else(|| RunError::Io("take the listener", std::io::Error::other("already taken")))?;
    let listener =
        tokio::net::UnixListener::from_std(listener).map_err(|e| RunError::Io("listen", e))?;
    tracing::info!(
        "Island {} listening on {} (config {})",
        env!("CARGO_PKG_VERSION"),
        path.display(),
        config_path.display()
    );

    let counters = Arc::new(ServerCounters::default());
    let (inbound_tx, inbound_rx) = mpsc::channel(65_536);
    let (actions_tx, actions_rx) = mpsc::unbounded_channel();
    let notices: Box<dyn NoticeSink> = if options.no_notifications {
        Box::new(NoNotices)
    } else {
        desktop_notices(actions_tx.clone())
    };
    let host = Host::new(
        SessionTracker::new(config.policy()),
        notices,
        Arc::clone(&counters),
    )
    .with_focus(crate::focus::Desktop::from_env(), config.focus_settings());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        config.limits(),
        counters,
        inbound_tx,
        async {
            // A dropped sender stops the server too.
            let _ = stop_rx.await;
        },
    ));
    let host = tokio::spawn(host.run(inbound_rx, actions_rx));
    wait_for_stop().await?;
    tracing::info!("stopping");
    let _ = stop_tx.send(()); // the server may have ended already
    let _ = server.await; // a panicked server has nothing left to clean
    host.abort();
    drop(actions_tx);
    drop(bound); // removes the socket if it is still ours
    Ok(RunOutcome::Stopped)
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
fn desktop_notices(
    actions: mpsc::UnboundedSender<crate::notify::UserAction>,
) -> Box<dyn NoticeSink> {
    Box::new(crate::notify::DesktopNotifier::start(actions))
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn desktop_notices(
    _actions: mpsc::UnboundedSender<crate::notify::UserAction>,
) -> Box<dyn NoticeSink> {
    Box::new(NoNotices)
}

async fn wait_for_stop() -> Result<(), RunError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| RunError::Io("listen for SIGTERM", e))?;
    let mut int =
        signal(SignalKind::interrupt()).map_err(|e| RunError::Io("listen for SIGINT", e))?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
