//! The commands the web UI may send. The window process keeps none of
//! Island's state: answers and settings go to the tray app, which owns
//! the core and the config file.

use std::time::Duration;

use island_core::actions::Answer;
use island_core::view::Board;
use island_desktop::settings::SettingsForm;
use island_desktop::window_link::{FromWindows, SettingsView, WindowError, WindowErrorKind};
use tauri::{AppHandle, State, WebviewWindow};

use super::state::{Reply, WindowState};

/// How long the settings view waits for the tray app.
const ASK_TIMEOUT: Duration = Duration::from_secs(10);

/// The board now (the widget asks once when it loads, then gets events).
#[tauri::command]
pub fn board(state: State<'_, WindowState>) -> Board {
    state.board().clone()
}

/// Answers an approval from the widget.
#[tauri::command]
pub fn decide(
    state: State<'_, WindowState>,
    session_id: String,
    approval_id: String,
    decision: Answer,
) {
    state.send(&FromWindows::Decide {
        session_id,
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
pub fn resize_widget(window: WebviewWindow, width: f64, height: f64) -> Result<(), WindowError> {
    super::widget::resize(&window, width, height).map_err(WindowError::window)
}

/// The grip was dragged by (`dx`, `dy`) logical pixels and let go: a
/// layer-shell widget, which cannot be moved freely, snaps to the nearest
/// corner or edge. Elsewhere the window system moved it already.
#[tauri::command]
pub fn snap_widget(window: WebviewWindow, dx: f64, dy: f64) -> Result<(), WindowError> {
    super::widget::snap(&window, dx, dy).map_err(WindowError::window)
}

/// The widget's close button: hidden at once, and the tray app told.
/// `async`, so that it runs off the main thread and the window is
/// destroyed by a later main-loop turn, not inside its own webview's
/// callback.
#[tauri::command]
pub async fn hide_widget(app: AppHandle, state: State<'_, WindowState>) -> Result<(), WindowError> {
    state.send(&FromWindows::Dismiss);
    let handle = app.clone();
    app.run_on_main_thread(move || super::widget::hide(&handle))
        .map_err(WindowError::window)
}

/// The settings, read from the file by the tray app (it may have been
/// edited by hand).
#[tauri::command]
pub async fn load_settings(state: State<'_, WindowState>) -> Result<SettingsView, WindowError> {
    match ask(&state, |id| FromWindows::LoadSettings { id }).await? {
        Reply::Loaded(result) => result,
        Reply::Saved(_) => Err(mixed_up()),
    }
}

/// Writes the form into the config file and puts it in force (the tray
/// app does both).
#[tauri::command]
pub async fn save_settings(
    state: State<'_, WindowState>,
    form: SettingsForm,
) -> Result<(), WindowError> {
    match ask(&state, |id| FromWindows::SaveSettings { id, form }).await? {
        Reply::Saved(result) => result,
        Reply::Loaded(_) => Err(mixed_up()),
    }
}

fn mixed_up() -> WindowError {
    WindowError::settings("Island answered another request")
}

/// Asks the tray app and waits for its answer, [`ASK_TIMEOUT`] at most.
async fn ask(
    state: &WindowState,
    message: impl FnOnce(u64) -> FromWindows,
) -> Result<Reply, WindowError> {
    let (id, answer) = state.request(message);
    match tokio::time::timeout(ASK_TIMEOUT, answer).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(_)) => Err(WindowError::new(
            WindowErrorKind::Stopping,
            "Island is stopping",
        )),
        Err(_) => {
            state.forget(id);
            Err(WindowError::new(
                WindowErrorKind::Stopping,
                "Island did not answer in time",
            ))
        }
    }
}
