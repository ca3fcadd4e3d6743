//! The commands the web UI may send. The window process keeps none of
//! Island's state: answers and settings go to the tray app, which owns
//! the core and the config file.

use std::time::Duration;

use island_core::settings::SettingsForm;
use island_core::view::{Board, CardDecision};
use island_core::window_link::{FromWindows, SettingsView};
use serde::Serialize;
use tauri::{AppHandle, State, WebviewWindow};

use super::state::{Answer, WindowState};

/// How long the settings view waits for the tray app.
const ASK_TIMEOUT: Duration = Duration::from_secs(10);

/// An error as the UI receives it.
#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    /// What kind: `settings`, `window`, `stopping`.
    pub kind: &'static str,
    /// For people.
    pub message: String,
}

impl UiError {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
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
pub fn board(state: State<'_, WindowState>) -> Board {
    state.board().clone()
}

/// Answers an approval from the widget.
#[tauri::command]
pub fn decide(state: State<'_, WindowState>, approval_id: String, decision: CardDecision) {
    state.send(&FromWindows::Decide {
        approval_id,
        decision,
    });
}

/// Brings a session's terminal up.
#[tauri::command]
pub fn focus(state: State<'_, WindowState>, session_id: String) {
    state.send(&FromWindows::Focus { session_id });
}

/// The widget fits its window to its content.
#[tauri::command]
pub fn resize_widget(window: WebviewWindow, width: f64, height: f64) -> Result<(), UiError> {
    super::widget::resize(&window, width, height).map_err(UiError::from)
}

/// The widget's close button: hidden at once, and the tray app told. The
/// window is destroyed after this call has returned, not inside its own
/// webview's callback.
#[tauri::command]
pub fn hide_widget(app: AppHandle, state: State<'_, WindowState>) -> Result<(), UiError> {
    state.send(&FromWindows::Dismiss);
    let handle = app.clone();
    app.run_on_main_thread(move || super::widget::hide(&handle))?;
    Ok(())
}

/// The settings, read from the file by the tray app (it may have been
/// edited by hand).
#[tauri::command]
pub async fn load_settings(state: State<'_, WindowState>) -> Result<SettingsView, UiError> {
    let answer = state.request(|id| FromWindows::LoadSettings { id });
    let value = wait(answer).await?;
    serde_json::from_value(value).map_err(|e| UiError::new("settings", e.to_string()))
}

/// Writes the form into the config file and puts it in force (the tray
/// app does both).
#[tauri::command]
pub async fn save_settings(
    state: State<'_, WindowState>,
    form: SettingsForm,
) -> Result<(), UiError> {
    let answer = state.request(|id| FromWindows::SaveSettings { id, form });
    wait(answer).await.map(drop)
}

async fn wait(
    answer: tokio::sync::oneshot::Receiver<Answer>,
) -> Result<serde_json::Value, UiError> {
    match tokio::time::timeout(ASK_TIMEOUT, answer).await {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(why))) => Err(UiError::new("settings", why)),
        Ok(Err(_)) => Err(UiError::new("stopping", "Island is stopping")),
        Err(_) => Err(UiError::new("settings", "Island did not answer in time")),
    }
}
