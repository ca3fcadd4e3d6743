//! Island without a window, assembled: config, socket, server, host and
//! notifications, until Ctrl-C or SIGTERM. `island --headless` runs this;
//! the tray app runs the same pieces.

use std::path::PathBuf;
use std::sync::Arc;

use island_protocol::Timestamp;
use tokio::sync::{mpsc, watch};

use crate::notify::{NoNotices, NoticeSink, UserAction};
use island_core::answer_token::AnswerToken;
use island_core::bind::{BindError, BoundSocket, bind};
use island_core::config::{ConfigError, IslandConfig};
use island_core::host::{Host, Published};
use island_core::server::{ServerCounters, ServerLimits, serve};
use island_core::tracker::SessionTracker;

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
    /// Setting up the service.
    #[error("cannot {0}: {1}")]
    Io(&'static str, std::io::Error),
}

/// Island running: the socket bound, the server and the host started. The
/// tray app keeps this for its lifetime; [`stop`](Self::stop) ends it.
#[derive(Debug)]
pub struct Running {
    /// The config file in use.
    pub config_path: PathBuf,
    /// The settings read at start.
    pub config: IslandConfig,
    /// The socket.
    pub socket: PathBuf,
    /// Tray and board updates.
    pub published: watch::Receiver<Published>,
    /// Where the user's clicks go.
    pub actions: mpsc::UnboundedSender<UserAction>,
    /// The terminal answer token of this run, for the desktop to show when
    /// `answers_from = "ui"` (never written anywhere).
    pub answer_token: AnswerToken,
    bound: BoundSocket,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
    host: tokio::task::JoinHandle<()>,
    control: Option<(
        BoundSocket,
        tokio::task::JoinHandle<()>,
        tokio::sync::oneshot::Sender<()>,
    )>,
}

/// How a start ended.
#[derive(Debug)]
pub enum Started {
    /// Island runs.
    Running(Box<Running>),
    /// Another Island answers on the socket.
    AlreadyRunning(PathBuf),
}

/// Starts Island on the current tokio runtime: reads (or writes) the
/// config, binds the socket and spawns the server and the host.
///
/// # Errors
/// See [`RunError`]. Another Island on the socket is not an error: it
/// gives [`Started::AlreadyRunning`].
pub async fn start(options: RunOptions) -> Result<Started, RunError> {
    let config_path = match options.config {
        Some(path) => path,
        None => IslandConfig::default_path()?,
    };
    let config = IslandConfig::load_or_create(&config_path)?;
    let explicit = options.socket.as_deref().or(config.socket_path());
    let path = island_protocol::resolve_socket_path(explicit)?;
    let mut bound = match bind(&path) {
        Ok(bound) => bound,
        Err(BindError::AlreadyRunning(path)) => return Ok(Started::AlreadyRunning(path)),
        Err(e) => return Err(e.into()),
    };
    let listener = bound
        .take_listener()
        .ok_or_else(|| RunError::Io("take the listener", std::io::Error::other("already taken")))?;
    let listener =
        tokio::net::UnixListener::from_std(listener).map_err(|e| RunError::Io("listen", e))?;
    // Island's own clients' way in, apart from the agents' (see
    // `serve_control`). Without it, they use the main socket.
    let control = bind_control(&path);
    tracing::info!(
        "Island {} listening on {} (config {})",
        env!("CARGO_PKG_VERSION"),
        path.display(),
        config_path.display()
    );

    let limits = fit_to_open_files(config.limits(), raise_open_files_limit());
    let counters = Arc::new(ServerCounters::default());
    let (inbound_tx, inbound_rx) = mpsc::channel(65_536);
    let (actions_tx, actions_rx) = mpsc::unbounded_channel();
    let notices: Box<dyn NoticeSink> = if options.no_notifications {
        Box::new(NoNotices)
    } else {
        desktop_notices(actions_tx.clone(), config.sounds())
    };
    let answer_token = AnswerToken::generate().map_err(|e| {
        RunError::Io(
            "make a terminal answer token",
            std::io::Error::other(e.to_string()),
        )
    })?;
    let mut tracker = SessionTracker::new(config.policy()).with_answer_token(answer_token.clone());
    // Upstream sessions with an open approval or turn, from before a
    // restart, whose process still runs.
    let state_path = island_core::state_file::path_for(&path);
    tracker.restore(island_core::state_file::load(&state_path), Timestamp::now());
    let (control_tx, control_rx) = mpsc::channel(1024);
    let host = Host::new(tracker, notices, Arc::clone(&counters))
        .with_control_inbound(control_rx)
        .with_focus(Arc::new(crate::focus::DesktopFocuser {
            desktop: crate::focus::Desktop::from_env(),
            settings: crate::focus::FocusSettings::from_config(&config),
        }))
        .with_state_file(state_path)
        .holding_focused_approvals(
            config.notifications.when_focused == island_core::config::WhenFocused::Hold,
        )
        .with_widget_approvals(config.notifications.approvals_with_widget);
    let host = match island_core::history::default_dir() {
        Some(dir) => host.with_history(island_core::history::Log::new(dir, config.history.clone())),
        None => host,
    };
    let published = host.subscribe();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (control_stop, control_stop_rx) = tokio::sync::oneshot::channel::<()>();
    let control = control.map(|(bound, listener)| {
        let task = tokio::spawn(island_core::server::serve_control(
            listener,
            limits.clone(),
            Arc::clone(&counters),
            control_tx,
            async {
                let _ = control_stop_rx.await;
            },
        ));
        (bound, task, control_stop)
    });
    let server = tokio::spawn(serve(listener, limits, counters, inbound_tx, async {
        // A dropped sender stops the server too.
        let _ = stop_rx.await;
    }));
    let host = tokio::spawn(host.run(inbound_rx, actions_rx));
    Ok(Started::Running(Box::new(Running {
        config_path,
        config,
        socket: path,
        published,
        actions: actions_tx,
        answer_token,
        bound,
        stop: stop_tx,
        server,
        host,
        control,
    })))
}

impl Running {
    /// Stops the server and the host and removes the socket (if it is
    /// still this Island's).
    pub async fn stop(self) {
        tracing::info!("stopping");
        let _ = self.stop.send(()); // the server may have ended already
        let _ = self.server.await; // a panicked server has nothing left to clean
        if let Some((bound, task, stop)) = self.control {
            let _ = stop.send(());
            let _ = task.await;
            drop(bound);
        }
        self.host.abort();
        drop(self.actions);
        drop(self.bound);
    }
}

/// Binds the control socket beside `socket`, if it can (a path too long
/// for a socket, say, leaves Island with its main socket only).
fn bind_control(socket: &std::path::Path) -> Option<(BoundSocket, tokio::net::UnixListener)> {
    let path = island_core::server::control_path(socket);
    let mut bound = bind(&path)
        .map_err(|e| tracing::warn!("no control socket at {}: {e}", path.display()))
        .ok()?;
    let listener = bound.take_listener()?;
    let listener = tokio::net::UnixListener::from_std(listener)
        .map_err(|e| tracing::warn!("no control socket at {}: {e}", path.display()))
        .ok()?;
    Some((bound, listener))
}

/// Runs Island headless until Ctrl-C or SIGTERM.
///
/// # Errors
/// See [`RunError`]. A second start is not an error: it returns
/// [`RunOutcome::AlreadyRunning`].
pub async fn run_headless(options: RunOptions) -> Result<RunOutcome, RunError> {
    let running = match start(options).await? {
        Started::Running(running) => running,
        Started::AlreadyRunning(path) => return Ok(RunOutcome::AlreadyRunning(path)),
    };
    // Headless, nobody reads the board: swapping out the host's receiver
    // keeps the host from building one on every change.
    let mut running = *running;
    running.published = watch::channel(Published::default()).1;
    if running.config.policy().ui_answers_only {
        // Headless, this is the desktop's one place to show it.
        eprintln!(
            "island: answers only from Island's own windows ([security] answers_from = \"ui\"); `island approve` and `deny` need this run's terminal answer token: {}",
            running.answer_token.as_str()
        );
    }
    wait_for_stop().await?;
    running.stop().await;
    Ok(RunOutcome::Stopped)
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
fn desktop_notices(
    actions: mpsc::UnboundedSender<UserAction>,
    sounds: crate::notify::Sounds,
) -> Box<dyn NoticeSink> {
    Box::new(crate::notify::DesktopNotifier::start(actions, sounds))
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn desktop_notices(
    _actions: mpsc::UnboundedSender<UserAction>,
    _sounds: crate::notify::Sounds,
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

/// Descriptors kept free beyond every connection Island may hold: its log,
/// the D-Bus connection, the window process's pipes, programs it runs.
const SPARE_DESCRIPTORS: u64 = 64;

/// Raises the soft limit of open files to the hard limit (a common soft
/// limit is 1024, far below the connection limit); the soft limit now.
#[must_use]
pub fn raise_open_files_limit() -> Option<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    // macOS refuses more than OPEN_MAX whatever the hard limit says.
    let wanted = if cfg!(target_os = "macos") {
        hard.min(10_240)
    } else {
        hard
    };
    if wanted > soft {
        match setrlimit(Resource::RLIMIT_NOFILE, wanted, hard) {
            Ok(()) => return Some(wanted),
            Err(e) => tracing::warn!("cannot raise the open files limit from {soft}: {e}"),
        }
    }
    Some(soft)
}

/// The server's limits, with the agents' connection cap and the control
/// socket's kept below the open files limit (with room to spare), so that
/// a flood waits at Island's cap instead of failing in `accept`, and
/// control clients still get in.
#[must_use]
pub fn fit_to_open_files(mut limits: ServerLimits, open_files: Option<u64>) -> ServerLimits {
    if let Some(open_files) = open_files {
        let room =
            usize::try_from(open_files.saturating_sub(SPARE_DESCRIPTORS)).unwrap_or(usize::MAX);
        let total = limits.max_connections + limits.max_control_connections;
        if total > room {
            limits.max_control_connections = limits.max_control_connections.min(room / 4);
            limits.max_connections = room.saturating_sub(limits.max_control_connections).max(1);
            tracing::info!(
                "at most {} connections (and {} for control clients): the open files limit is {open_files}",
                limits.max_connections,
                limits.max_control_connections
            );
        }
    }
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_fits_under_the_open_files_limit() {
        let limits = fit_to_open_files(ServerLimits::default(), Some(1024));
        assert!(limits.max_connections + limits.max_control_connections <= 1024 - 64);
        assert!(limits.max_control_connections >= 16, "{limits:?}");
        let roomy = fit_to_open_files(ServerLimits::default(), Some(1 << 20));
        assert_eq!(roomy.max_connections, 4096);
        assert_eq!(roomy.max_control_connections, 64);
    }
}
