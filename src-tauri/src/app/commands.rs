//! The commands the web UI may send, and the tray menu's commands. Each is
//! a thin call into the core or the widget; none holds logic of its own.

use island_core::notify::UserAction;
use island_core::settings::{self, SettingsForm};
use island_core::view::{Board, CardDecision, MenuCommand};
use island_protocol::DecisionSource;
use serde::Serialize;
use tauri::{AppHandle, Manager, State, WebviewWindow};

use super::state::Shared;

/// An error as the UI receives it.
#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    /// What kind: `settings`, `window`, `stopping`.
    pub kind: &'static str,
    /// For people.
    pub message: String,
}

impl UiError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl From<tauri::Error> for UiError {
    fn from(e: tauri::Error) -> Self {
        Self::new("window", e.to_string())
    }
}

/// The board now (the widget asks once when it loads, then gets events).
#[tauri::command]
pub fn board(shared: State<'_, Shared>) -> Board {
    shared.board()
}

/// Answers an approval from the widget.
#[tauri::command]
pub fn decide(
    shared: State<'_, Shared>,
    approval_id: String,
    decision: CardDecision,
) -> Result<(), UiError> {
    shared.act(UserAction::Decide {
        approval_id,
        decision: decision.into(),
        source: DecisionSource::Widget,
    })
}

/// Brings a session's terminal up.
#[tauri::command]
pub fn focus(shared: State<'_, Shared>, session_id: String) -> Result<(), UiError> {
    shared.act(UserAction::Focus { session_id })
}

/// The widget fits its window to its content.
#[tauri::command]
pub fn resize_widget(window: WebviewWindow, width: f64, height: f64) -> Result<(), UiError> {
    super::widget::resize(&window, width, height).map_err(UiError::from)
}

/// The widget's close button. The window is destroyed after this call has
/// returned, not inside its own webview's callback.
#[tauri::command]
pub fn hide_widget(app: AppHandle) -> Result<(), UiError> {
    let handle = app.clone();
    app.run_on_main_thread(move || super::widget::dismiss(&handle))?;
    Ok(())
}

/// What the settings view shows.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    form: SettingsForm,
    config_path: String,
    socket: String,
}

/// The settings, read from the file (it may have been edited by hand).
#[tauri::command]
pub async fn load_settings(shared: State<'_, Shared>) -> Result<SettingsView, UiError> {
    let path = shared.config_path.clone();
    let config = tauri::async_runtime::spawn_blocking(move || {
        island_core::config::IslandConfig::load_or_create(&path)
    })
    .await
    .map_err(|e| UiError::new("settings", e.to_string()))?
    .map_err(|e| UiError::new("settings", e.to_string()))?;
    Ok(SettingsView {
        form: SettingsForm::from_config(&config),
        config_path: shared.config_path.display().to_string(),
        socket: shared.socket.display().to_string(),
    })
}

/// Writes the form into the config file and applies it.
#[tauri::command]
pub async fn save_settings(app: AppHandle, form: SettingsForm) -> Result<(), UiError> {
    let path = app.state::<Shared>().config_path.clone();
    let file = std::sync::Arc::clone(&app.state::<Shared>().config_file);
    let config = tauri::async_runtime::spawn_blocking(move || {
        let _writing = super::state::lock(&file);
        settings::save(&path, |text| settings::apply(text, &form, &path))
    })
    .await
    .map_err(|e| UiError::new("settings", e.to_string()))?
    .map_err(|e| UiError::new("settings", e.to_string()))?;
    apply_config(&app, config)
}

/// Puts new settings in force: the reducer's policy, the login item, the
/// widget.
fn apply_config(app: &AppHandle, config: island_core::config::IslandConfig) -> Result<(), UiError> {
    let shared = app.state::<Shared>();
    let policy = config.policy();
    let corner_changed = shared.config().widget.corner != config.widget.corner;
    *shared.config() = config;
    shared.act(UserAction::SetPolicy(policy))?;
    // The login item is a file (or a LaunchAgent): not on the async runtime.
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || super::state::reconcile_autostart(&handle));
    let handle = app.clone();
    app.run_on_main_thread(move || super::widget::settings_changed(&handle, corner_changed))?;
    Ok(())
}

/// Carries out a tray menu entry.
pub fn run_menu_command(app: &AppHandle, command: MenuCommand) {
    let shared = app.state::<Shared>();
    let sent = match command {
        MenuCommand::Focus(session_id) => shared.act(UserAction::Focus { session_id }),
        MenuCommand::Decide(approval_id, decision) => shared.act(UserAction::Decide {
            approval_id,
            decision,
            source: DecisionSource::Tray,
        }),
        MenuCommand::DoNotDisturb(on) => set_do_not_disturb(app, on),
        MenuCommand::ShowWidget => {
            super::widget::show_requested(app);
            Ok(())
        }
        MenuCommand::Settings => super::settings_window::open(app).map_err(UiError::from),
        MenuCommand::Quit => {
            app.exit(0);
            Ok(())
        }
    };
    if let Err(e) = sent {
        tracing::warn!("{}", e.message);
    }
}

/// Do not disturb from the tray: in force at once, and written to the
/// config file so that it lasts (a broken file is left alone, and said).
fn set_do_not_disturb(app: &AppHandle, on: bool) -> Result<(), UiError> {
    let shared = app.state::<Shared>();
    shared.act(UserAction::SetDoNotDisturb(on))?;
    shared.config().notifications.do_not_disturb = on;
    let path = shared.config_path.clone();
    let file = std::sync::Arc::clone(&shared.config_file);
    tauri::async_runtime::spawn_blocking(move || {
        let _writing = super::state::lock(&file);
        if let Err(e) = settings::save(&path, |text| {
            settings::apply_do_not_disturb(text, on, &path)
        }) {
            tracing::warn!("do not disturb is {on} until Island restarts: {e}");
        }
    });
    Ok(())
}
