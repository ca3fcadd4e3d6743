//! The floating widget's window. Its webview is what costs memory, so it
//! exists only while the widget is shown (and this process only while a
//! window is): hiding destroys it, showing creates it again. It goes where
//! [`placement`] says: a corner at first, then where it was dragged on
//! that display, always on screen. As a layer-shell surface (Wayland
//! compositors that offer it; see [`super::layer`]) it is anchored
//! instead, and a drag snaps it to the nearest corner or edge.

use island_desktop::placement::{self, Area, Spot};
use island_desktop::widget_backend;
use tauri::{
    AppHandle, LogicalSize, Manager, Monitor, PhysicalPosition, PhysicalSize, WebviewUrl,
    WebviewWindow, WebviewWindowBuilder, WindowEvent,
};

use super::layer;
use super::state::WindowState;

/// Its window label.
pub const LABEL: &str = "widget";

/// The window's size before the page measures itself: the pill plus the
/// page's margin for the shadow.
const START_SIZE: (f64, f64) = (356.0, 56.0);

/// Shows the widget (`raise`: and brings it forward, the user asked).
pub fn show(app: &AppHandle, raise: bool) {
    if app.get_webview_window(LABEL).is_none()
        && let Err(e) = create(app)
    {
        tracing::error!("cannot show the widget: {e}");
        // A half-made window would stop the next attempt.
        if let Some(window) = app.get_webview_window(LABEL) {
            let _ = window.destroy(); // it is already broken; nothing more to do
        }
        return;
    }
    if raise && let Some(window) = app.get_webview_window(LABEL) {
        let _ = window.set_focus(); // a window manager may refuse; it is shown anyway
    }
}

/// The start corner changed (`reset`: the user picked one, so dragged
/// positions are forgotten): the widget goes where it now belongs.
pub fn layout_changed(app: &AppHandle, reset: bool) {
    if reset {
        let state = app.state::<WindowState>();
        let mut widget = state.widget();
        widget.positions.displays.clear();
        widget.unsaved = true;
    }
    if let Some(window) = app.get_webview_window(LABEL)
        && let Err(e) = place(&window, None)
    {
        tracing::warn!("cannot place the widget: {e}");
    }
}

fn create(app: &AppHandle) -> tauri::Result<()> {
    app.state::<WindowState>().reload_positions();
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
    if layer::active() {
        #[allow(clippy::cast_possible_truncation)] // a few hundred pixels
        layer::init(&window, (START_SIZE.0 as i32, START_SIZE.1 as i32))?;
    }
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

/// Hides the widget: its window and webview go.
pub fn hide(app: &AppHandle) {
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
    if layer::active() {
        #[allow(clippy::cast_possible_truncation)] // clamped to a few hundred pixels
        return layer::resize(
            window,
            size.width.round() as i32,
            size.height.round() as i32,
        );
    }
    window.set_size(size)?;
    // The window system applies the size later: place with the new one.
    let scale = window.scale_factor()?;
    place(window, Some(size.to_physical::<u32>(scale)))
}

/// Puts the window where it belongs on its display; `size` when it was
/// just changed and the window may not report it yet.
fn place(window: &WebviewWindow, size: Option<PhysicalSize<u32>>) -> tauri::Result<()> {
    if layer::active() {
        return anchor(window);
    }
    let Some(monitor) = monitor_of(window)? else {
        return Ok(());
    };
    let (key, area) = display(&monitor);
    let state = window.state::<WindowState>();
    let corner = state.widget().corner;
    let saved = state.widget().positions.displays.get(&key).copied();
    let size = match size {
        Some(size) => size,
        None => known_size(window)?,
    };
    let (x, y) = placement::place(
        saved,
        corner,
        (size.width, size.height),
        area,
        monitor.scale_factor(),
    );
    state.widget().placed(x, y);
    window.set_position(PhysicalPosition::new(x, y))
}

/// The window's size; before it is first shown some window systems
/// (Xwayland under mutter) report 0x0, which would put the widget off its
/// corner: then the size it was made with.
fn known_size(window: &WebviewWindow) -> tauri::Result<PhysicalSize<u32>> {
    let size = window.outer_size()?;
    if size.width > 0 && size.height > 0 {
        return Ok(size);
    }
    Ok(LogicalSize::new(START_SIZE.0, START_SIZE.1).to_physical(window.scale_factor()?))
}

/// Anchors a layer-shell widget at the spot remembered for its output
/// (the configured one, else "focused"), or its start corner's.
fn anchor(window: &WebviewWindow) -> tauri::Result<()> {
    let (at, output) = layer_spot(window);
    layer::anchor(window, at, placement::MARGIN, output.as_deref())
}

/// The spot of a layer-shell widget, and its configured output.
fn layer_spot(window: &WebviewWindow) -> (Spot, Option<String>) {
    let state = window.state::<WindowState>();
    let widget = state.widget();
    let saved = widget
        .positions
        .displays
        .get(&Spot::key(widget.output.as_deref()))
        .copied();
    let spot = saved.map_or_else(|| Spot::of_corner(widget.corner), Spot::from_point);
    (spot, widget.output.clone())
}

/// A layer-shell widget dragged by (`dx`, `dy`) logical pixels: to the
/// spot nearest to where it was let go, remembered for its output.
pub fn snap(window: &WebviewWindow, dx: f64, dy: f64) -> tauri::Result<()> {
    if !layer::active() {
        return Ok(());
    }
    let Some(monitor) = monitor_of(window)? else {
        return Ok(());
    };
    let (_, area) = display(&monitor);
    let scale = monitor.scale_factor();
    let size = window.outer_size()?;
    let (from, output) = layer_spot(window);
    let (w, h) = ((size.width, size.height), (area.width, area.height));
    let margin = placement::margin_px(scale);
    let (x, y) = from.origin(w, h, margin);
    #[allow(clippy::cast_possible_truncation)] // a drag across one display
    let at = (
        x + (dx * scale).round() as i32,
        y + (dy * scale).round() as i32,
    );
    let to = Spot::nearest(at, w, h, margin);
    {
        let state = window.state::<WindowState>();
        let mut widget = state.widget();
        widget
            .positions
            .displays
            .insert(Spot::key(output.as_deref()), to.as_point());
        widget.unsaved = true;
    }
    tracing::debug!("the widget snapped from {from:?} to {to:?}");
    anchor(window)
}

/// A move Island did not make is the user's drag: remember it for this
/// display.
fn moved(app: &AppHandle, at: PhysicalPosition<i32>) {
    if !positions_reported() {
        return;
    }
    let Some(window) = app.get_webview_window(LABEL) else {
        return;
    };
    let state = app.state::<WindowState>();
    if state.widget().placed_by_island(at.x, at.y) {
        return;
    }
    tracing::debug!(
        "the widget moved to {}, {}, not where Island put it ({:?}): a drag",
        at.x,
        at.y,
        state.widget().placed_at
    );
    let Ok(Some(monitor)) = monitor_of(&window) else {
        return;
    };
    let (key, area) = display(&monitor);
    let mut widget = state.widget();
    widget.positions.remember(key, area, (at.x, at.y));
    widget.placed(at.x, at.y);
    widget.unsaved = true;
}

/// Whether the window system says where the window is: an ordinary
/// Wayland window, and a layer surface, always report 0,0, which is no
/// drag to remember.
fn positions_reported() -> bool {
    !matches!(
        layer::backend(),
        Some(widget_backend::Backend::Wayland | widget_backend::Backend::LayerShell)
    )
}

/// Writes dragged positions, if any changed.
pub fn save_position(app: &AppHandle) {
    let state = app.state::<WindowState>();
    let mut widget = state.widget();
    if !widget.unsaved {
        return;
    }
    widget.unsaved = false;
    if let Some(path) = widget.positions_path.clone()
        && let Err(e) = widget.positions.save(&path)
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
