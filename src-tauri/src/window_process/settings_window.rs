//! The settings window: created when asked for, destroyed when closed.

use island_desktop::window_link::FromWindows;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder, WindowEvent};

use super::state::WindowState;

/// Its window label.
pub const LABEL: &str = "settings";

/// Opens the settings window, or brings it forward.
pub fn open(app: &AppHandle) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(LABEL) {
        window.show()?;
        return window.set_focus();
    }
    let window = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("settings.html".into()))
        .title("Island settings")
        .inner_size(560.0, 620.0)
        .min_inner_size(420.0, 420.0)
        .center()
        .build()?;
    let handle = app.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::Destroyed = event {
            let state = handle.state::<WindowState>();
            state.send(&FromWindows::SettingsClosed {
                request: state.latest_settings_request(),
            });
        }
    });
    Ok(())
}
