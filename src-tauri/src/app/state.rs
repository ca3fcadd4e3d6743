//! What the app's parts share: the way to the core (its board and its
//! action channel), the settings in force, and where the widget was put.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use island_core::config::IslandConfig;
use island_core::host::Published;
use island_core::notify::UserAction;
use island_core::placement::Positions;
use island_core::runtime::Running;
use island_core::view::Board;
use tauri::{AppHandle, Manager};
use tauri_plugin_autostart::ManagerExt;
use tokio::sync::{mpsc, watch};

/// Held by Tauri as managed state.
#[derive(Debug)]
pub struct Shared {
    /// The config file.
    pub config_path: PathBuf,
    /// The socket Island listens on.
    pub socket: PathBuf,
    /// Held while the config file is read and written, so that the tray's
    /// do-not-disturb and the settings view do not overwrite each other.
    pub config_file: std::sync::Arc<Mutex<()>>,
    actions: mpsc::UnboundedSender<UserAction>,
    published: watch::Receiver<Published>,
    config: Mutex<IslandConfig>,
    widget: Mutex<WidgetState>,
    running: Mutex<Option<Running>>,
}

/// The widget's own state: whether the user hid it, and where it was
/// dragged.
#[derive(Debug)]
pub struct WidgetState {
    /// Hidden with its close button: it stays hidden until asked for.
    pub dismissed: bool,
    /// Dragged positions per display.
    pub positions: Positions,
    /// Where they are kept.
    pub positions_path: Option<PathBuf>,
    /// Positions changed since the last save.
    pub unsaved: bool,
    /// Where Island itself last put the window: the window system reports
    /// those moves too (late, and again on resizes); a move elsewhere is
    /// the user's drag.
    pub placed_at: std::collections::VecDeque<(i32, i32)>,
}

impl WidgetState {
    /// Island put the window at (x, y).
    pub fn placed(&mut self, x: i32, y: i32) {
        if self.placed_at.len() == 4 {
            self.placed_at.pop_front();
        }
        self.placed_at.push_back((x, y));
    }

    /// Whether a reported position is one of Island's own.
    pub fn placed_by_island(&self, x: i32, y: i32) -> bool {
        self.placed_at.contains(&(x, y))
    }
}

impl Shared {
    /// Takes over a started core.
    pub fn new(running: Running) -> Self {
        let positions_path = Positions::default_path();
        let positions = positions_path
            .as_deref()
            .map(Positions::load)
            .unwrap_or_default();
        Self {
            config_path: running.config_path.clone(),
            socket: running.socket.clone(),
            config_file: std::sync::Arc::default(),
            actions: running.actions.clone(),
            published: running.published.clone(),
            config: Mutex::new(running.config.clone()),
            widget: Mutex::new(WidgetState {
                dismissed: false,
                positions,
                positions_path,
                unsaved: false,
                placed_at: std::collections::VecDeque::new(),
            }),
            running: Mutex::new(Some(running)),
        }
    }

    /// The board now.
    pub fn board(&self) -> Board {
        self.published.borrow().board.clone()
    }

    /// A receiver of board changes.
    pub fn subscribe(&self) -> watch::Receiver<Published> {
        self.published.clone()
    }

    /// Sends a user action to the core. It fails only while Island stops.
    pub fn act(&self, action: UserAction) -> Result<(), super::commands::UiError> {
        self.actions
            .send(action)
            .map_err(|_| super::commands::UiError::new("stopping", "Island is stopping"))
    }

    /// The settings in force.
    pub fn config(&self) -> MutexGuard<'_, IslandConfig> {
        lock(&self.config)
    }

    /// The widget's state.
    pub fn widget(&self) -> MutexGuard<'_, WidgetState> {
        lock(&self.widget)
    }

    /// The core, once, for stopping it.
    pub fn take_running(&self) -> Option<Running> {
        lock(&self.running).take()
    }
}

/// A panic while a lock was held leaves plain data behind, still usable.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Makes the login item match `[app] start_at_login`: an XDG autostart
/// entry on Linux, a LaunchAgent on macOS.
pub fn reconcile_autostart(app: &AppHandle) {
    let wanted = app.state::<Shared>().config().app.start_at_login;
    let autolaunch = app.autolaunch();
    let result = match (wanted, autolaunch.is_enabled()) {
        (true, Ok(false)) => match super::platform::prepare_autostart() {
            Ok(()) => autolaunch.enable(),
            Err(e) => Err(e.into()),
        },
        (false, Ok(true)) => autolaunch.disable(),
        (_, Err(e)) => Err(e),
        _ => Ok(()),
    };
    if let Err(e) = result {
        tracing::warn!("cannot set start at login: {e}");
    }
}
