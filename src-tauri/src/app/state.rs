//! What the app's parts share: the way to the core (its board and its
//! action channel), the settings in force, and the window process.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::sync::lock;

use island_core::answer_token::AnswerToken;
use island_core::config::IslandConfig;
use island_core::host::Published;
use island_core::notify::UserAction;
use island_core::view::{Board, MenuEntry, tray_menu, with_answer_token};
use island_desktop::service::Running;
use island_desktop::window_link::{WindowError, WindowErrorKind};
use island_protocol::Timestamp;
use tauri::{AppHandle, Manager};
use tauri_plugin_autostart::ManagerExt;
use tokio::sync::{mpsc, watch};

/// Held by Tauri as managed state.
#[derive(Debug)]
pub struct TrayApp {
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
    /// The widget was closed with its ×: hidden until asked for.
    dismissed: AtomicBool,
    /// The window process.
    pub window_process: super::window_supervisor::WindowProcess,
    /// This run's terminal answer token (shown in the tray menu when
    /// `answers_from = "ui"`).
    answer_token: AnswerToken,
    running: Mutex<Option<Running>>,
    /// The notification server's name, once asked (for the widget's
    /// `auto` corner).
    notification_server: std::sync::OnceLock<Option<String>>,
    /// Which kind of window the widget is in this session, chosen once.
    pub widget_backend: island_desktop::widget_backend::Choice,
}

impl TrayApp {
    /// Takes over a started core; `widget_backend` is what the widget is
    /// in this session.
    pub fn new(running: Running, widget_backend: island_desktop::widget_backend::Choice) -> Self {
        Self {
            config_path: running.config_path.clone(),
            socket: running.socket.clone(),
            config_file: std::sync::Arc::default(),
            actions: running.actions.clone(),
            published: running.published.clone(),
            config: Mutex::new(running.config.clone()),
            dismissed: AtomicBool::new(false),
            window_process: super::window_supervisor::WindowProcess::default(),
            answer_token: running.answer_token.clone(),
            running: Mutex::new(Some(running)),
            notification_server: std::sync::OnceLock::new(),
            widget_backend,
        }
    }

    /// Where the widget goes, for the window process; `reset`: the user
    /// picked a corner, dragged places are forgotten.
    pub fn widget_layout(&self, reset: bool) -> island_desktop::window_link::ToWindows {
        let output = Some(self.config().widget.output.clone()).filter(|o| !o.is_empty());
        island_desktop::window_link::ToWindows::Layout {
            corner: self.widget_corner(),
            reset,
            output,
        }
    }

    /// The corner the widget starts in: the configured one, `auto` decided
    /// by the notification server (top right until it is known).
    pub fn widget_corner(&self) -> island_desktop::placement::Corner {
        let server = self.notification_server.get().cloned().flatten();
        self.config().widget.corner.resolve(server.as_deref())
    }

    /// Remembers the notification server's name (once).
    pub fn set_notification_server(&self, name: Option<String>) {
        let _ = self.notification_server.set(name);
    }

    /// The tray menu for `board`, with the terminal answer token while the
    /// settings say `answers_from = "ui"`.
    pub fn tray_menu(&self, board: &Board) -> Vec<MenuEntry> {
        let menu = tray_menu(board, Timestamp::now());
        let ui_only = self.config.lock().is_ok_and(|c| c.policy().ui_answers_only);
        if ui_only {
            with_answer_token(menu, self.answer_token.as_str())
        } else {
            menu
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
    pub fn act(&self, action: UserAction) -> Result<(), WindowError> {
        self.actions
            .send(action)
            .map_err(|_| WindowError::new(WindowErrorKind::Stopping, "Island is stopping"))
    }

    /// The settings in force.
    pub fn config(&self) -> MutexGuard<'_, IslandConfig> {
        lock(&self.config)
    }

    /// Whether the user closed the widget.
    pub fn dismissed(&self) -> bool {
        self.dismissed.load(Ordering::Relaxed)
    }

    /// The user closed the widget, or asked for it again.
    pub fn set_dismissed(&self, dismissed: bool) {
        self.dismissed.store(dismissed, Ordering::Relaxed);
    }

    /// The core, once, for stopping it.
    pub fn take_running(&self) -> Option<Running> {
        lock(&self.running).take()
    }
}

/// Makes the login item match `[app] start_at_login`: an XDG autostart
/// entry on Linux, a LaunchAgent on macOS.
pub fn reconcile_autostart(app: &AppHandle) {
    let wanted = app.state::<TrayApp>().config().app.start_at_login;
    let autolaunch = app.autolaunch();
    let result = match (wanted, autolaunch.is_enabled()) {
        (true, Ok(false)) => match crate::native::prepare_autostart() {
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
