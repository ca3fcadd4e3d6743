//! The floating widget's window. Its webview is what costs memory, so it
//! exists only while the widget is shown: hiding destroys it, showing
//! creates it again. It goes where [`placement`] says: a corner at first,
//! then where it was dragged on that display, always on screen.

use island_core::placement::{self, Area};
use island_core::view::Board;
use tauri::{
    AppHandle, LogicalSize, Manager, Monitor, PhysicalPosition, PhysicalSize, WebviewUrl,
    WebviewWindow, WebviewWindowBuilder, WindowEvent,
};

use super::state::Shared;

/// Its window label.
pub const LABEL: &str = "widget";

/// The window's size before the page measures itself: the pill plus the
/// page's margin for the shadow.
const START_SIZE: (f64, f64) = (356.0, 56.0);

/// At start: shown unless auto-hide is on and no session exists.
pub fn on_start(app: &AppHandle, board: &Board) {
    let auto_hide = app.state::<Shared>().config().widget.auto_hide;
    if !auto_hide || !board.sessions.is_empty() {
        show(app);
    }
}

/// Follows the sessions: hidden when the last one goes (with auto-hide),
/// shown when one exists, unless the user hid it.
pub fn on_board(app: &AppHandle, board: &Board) {
    let shared = app.state::<Shared>();
    let auto_hide = shared.config().widget.auto_hide;
    let dismissed = shared.widget().dismissed;
    if board.sessions.is_empty() && auto_hide {
        hide(app);
    } else if !dismissed {
        show(app);
    }
}

/// "Show widget" in the tray, or a second launch (which may come before
/// setup finished: then there is nothing to show yet).
pub fn show_requested(app: &AppHandle) {
    let Some(shared) = app.try_state::<Shared>() else {
        return;
    };
    shared.widget().dismissed = false;
    show(app);
    if let Some(window) = app.get_webview_window(LABEL) {
        let _ = window.set_focus(); // a window manager may refuse; it is shown anyway
    }
}

/// The widget's close button: hidden until asked for again.
pub fn dismiss(app: &AppHandle) {
    app.state::<Shared>().widget().dismissed = true;
    hide(app);
}

/// Settings changed: auto-hide and the start corner apply now. A new
/// corner is a request to put the widget there: dragged positions are
/// forgotten.
pub fn settings_changed(app: &AppHandle, corner_changed: bool) {
    let shared = app.state::<Shared>();
    if corner_changed {
        let mut state = shared.widget();
        state.positions.displays.clear();
        state.unsaved = true;
    }
    let board = shared.board();
    on_board(app, &board);
    if let Some(window) = app.get_webview_window(LABEL)
        && let Err(e) = place(&window, None)
    {
        tracing::warn!("cannot place the widget: {e}");
    }
}

fn show(app: &AppHandle) {
    if app.get_webview_window(LABEL).is_some() {
        return;
    }
    if let Err(e) = create(app) {
        tracing::error!("cannot show the widget: {e}");
        // A half-made window would stop the next attempt.
        if let Some(window) = app.get_webview_window(LABEL) {
            let _ = window.destroy(); // it is already broken; nothing more to do
        }
    }
}

fn create(app: &AppHandle) -> tauri::Result<()> {
    let window = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("widget.html".into()))
        .title("Island")
        .decorations(false)
        .transparent(true)
        .shadow(false)
        .always_on_top(true)
        .visible_on_all_workspaces(true)
        .skip_taskbar(true)
        // Not resizable by the user, but `resizable(false)` makes GTK keep
        // the window at least 200 px tall (tao issue 561).
        .resizable(true)
        .focused(false)
        .inner_size(START_SIZE.0, START_SIZE.1)
        .visible(false)
        .build()?;
    place(&window, None)?;
    window.show()?;
    let handle = app.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::Moved(at) = event {
            moved(&handle, *at);
        }
    });
    Ok(())
}

fn hide(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(LABEL) {
        save_position(app);
        if let Err(e) = window.destroy() {
            tracing::warn!("cannot close the widget: {e}");
        }
    }
}

/// The page measured itself: fit the window and keep it on screen.
pub fn resize(window: &WebviewWindow, width: f64, height: f64) -> tauri::Result<()> {
    let size = LogicalSize::new(width.clamp(120.0, 800.0), height.clamp(40.0, 900.0));
    window.set_size(size)?;
    // The window system applies the size later: place with the new one.
    let scale = window.scale_factor()?;
    place(window, Some(size.to_physical::<u32>(scale)))
}

/// Puts the window where it belongs on its display; `size` when it was
/// just changed and the window may not report it yet.
fn place(window: &WebviewWindow, size: Option<PhysicalSize<u32>>) -> tauri::Result<()> {
    let Some(monitor) = monitor_of(window)? else {
        return Ok(());
    };
    let (key, area) = display(&monitor);
    let shared = window.state::<Shared>();
    let corner = shared.config().widget.corner;
    let saved = shared.widget().positions.displays.get(&key).copied();
    let size = match size {
        Some(size) => size,
        None => window.outer_size()?,
    };
    let (x, y) = placement::place(
        saved,
        corner,
        (size.width, size.height),
        area,
        monitor.scale_factor(),
    );
    shared.widget().placed(x, y);
    window.set_position(PhysicalPosition::new(x, y))
}

/// A move Island did not make is the user's drag: remember it for this
/// display.
fn moved(app: &AppHandle, at: PhysicalPosition<i32>) {
    let Some(window) = app.get_webview_window(LABEL) else {
        return;
    };
    let shared = app.state::<Shared>();
    if shared.widget().placed_by_island(at.x, at.y) {
        return;
    }
    let Ok(Some(monitor)) = monitor_of(&window) else {
        return;
    };
    let (key, area) = display(&monitor);
    let mut state = shared.widget();
    state.positions.remember(key, area, (at.x, at.y));
    state.placed(at.x, at.y);
    state.unsaved = true;
}

/// Writes dragged positions, if any changed.
pub fn save_position(app: &AppHandle) {
    let shared = app.state::<Shared>();
    let mut state = shared.widget();
    if !state.unsaved {
        return;
    }
    state.unsaved = false;
    if let Some(path) = state.positions_path.clone()
        && let Err(e) = state.positions.save(&path)
    {
        tracing::warn!(
            "cannot remember the widget's position in {}: {e}",
            path.display()
        );
    }
}

fn monitor_of(window: &WebviewWindow) -> tauri::Result<Option<Monitor>> {
    match window.current_monitor()? {
        Some(monitor) => Ok(Some(monitor)),
        None => window.primary_monitor(),
    }
}

fn display(monitor: &Monitor) -> (String, Area) {
    let work = monitor.work_area();
    let area = Area {
        x: work.position.x,
        y: work.position.y,
        width: work.size.width,
        height: work.size.height,
    };
    let whole = Area {
        x: monitor.position().x,
        y: monitor.position().y,
        width: monitor.size().width,
        height: monitor.size().height,
    };
    (
        placement::display_key(monitor.name().map(String::as_str), whole),
        area,
    )
}
