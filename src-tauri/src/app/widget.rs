//! Whether the widget is shown: while sessions exist (or always, without
//! auto-hide), unless the user closed it; then until asked for again. The
//! window itself is the window process's ([`super::windows`]).

use island_core::view::Board;
use tauri::{AppHandle, Manager};

use super::state::TrayApp;

/// At start: shown unless auto-hide is on and no session exists.
pub fn on_start(app: &AppHandle, board: &Board) {
    let tray_app = app.state::<TrayApp>();
    let auto_hide = tray_app.config().widget.auto_hide;
    if !auto_hide || !board.sessions.is_empty() {
        tray_app.window_process.widget(app, true, false);
    }
}

/// Follows the sessions: hidden when the last one goes (with auto-hide),
/// shown when one exists, unless the user hid it.
pub fn on_board(app: &AppHandle, board: &Board) {
    let tray_app = app.state::<TrayApp>();
    let auto_hide = tray_app.config().widget.auto_hide;
    if board.sessions.is_empty() && auto_hide {
        tray_app.window_process.widget(app, false, false);
    } else if !tray_app.dismissed() {
        tray_app.window_process.widget(app, true, false);
    }
}

/// "Show widget" in the tray, or a second launch (which may come before
/// setup finished: then there is nothing to show yet).
pub fn show_requested(app: &AppHandle) {
    let Some(tray_app) = app.try_state::<TrayApp>() else {
        return;
    };
    tray_app.set_dismissed(false);
    tray_app.window_process.widget(app, true, true);
}

/// The widget's close button: hidden until asked for again.
pub fn dismiss(app: &AppHandle) {
    let tray_app = app.state::<TrayApp>();
    tray_app.set_dismissed(true);
    tray_app.window_process.widget(app, false, false);
}

/// Settings changed: auto-hide and the start corner apply now. A new
/// corner is a request to put the widget there: dragged positions are
/// forgotten.
pub fn settings_changed(app: &AppHandle, corner_changed: bool) {
    let tray_app = app.state::<TrayApp>();
    tray_app
        .window_process
        .send(tray_app.widget_layout(corner_changed));
    on_board(app, &tray_app.board());
}
