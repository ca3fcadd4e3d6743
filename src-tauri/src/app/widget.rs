//! Whether the widget is shown: while sessions exist (or always, without
//! auto-hide), unless the user closed it; then until asked for again. The
//! window itself is the window process's ([`super::windows`]).

use island_core::view::Board;
use tauri::{AppHandle, Manager};

use super::state::Shared;

/// At start: shown unless auto-hide is on and no session exists.
pub fn on_start(app: &AppHandle, board: &Board) {
    let shared = app.state::<Shared>();
    let auto_hide = shared.config().widget.auto_hide;
    if !auto_hide || !board.sessions.is_empty() {
        shared.windows.widget(app, true, false);
    }
}

/// Follows the sessions: hidden when the last one goes (with auto-hide),
/// shown when one exists, unless the user hid it.
pub fn on_board(app: &AppHandle, board: &Board) {
    let shared = app.state::<Shared>();
    let auto_hide = shared.config().widget.auto_hide;
    if board.sessions.is_empty() && auto_hide {
        shared.windows.widget(app, false, false);
    } else if !shared.dismissed() {
        shared.windows.widget(app, true, false);
    }
}

/// "Show widget" in the tray, or a second launch (which may come before
/// setup finished: then there is nothing to show yet).
pub fn show_requested(app: &AppHandle) {
    let Some(shared) = app.try_state::<Shared>() else {
        return;
    };
    shared.set_dismissed(false);
    shared.windows.widget(app, true, true);
}

/// The widget's close button: hidden until asked for again.
pub fn dismiss(app: &AppHandle) {
    let shared = app.state::<Shared>();
    shared.set_dismissed(true);
    shared.windows.widget(app, false, false);
}

/// Settings changed: auto-hide and the start corner apply now. A new
/// corner is a request to put the widget there: dragged positions are
/// forgotten.
pub fn settings_changed(app: &AppHandle, corner_changed: bool) {
    let shared = app.state::<Shared>();
    shared.windows.send(shared.widget_layout(corner_changed));
    on_board(app, &shared.board());
}
