//! Linux: the widget as a layer-shell overlay surface (`gtk-layer-shell`),
//! when the tray app chose that backend for this session
//! (`island_desktop::widget_backend`). Anchored to its spot with margins,
//! on the chosen output, above every window, reserving no space, with no
//! taskbar entry and the keyboard only when clicked.

use gtk::glib::translate::{FromGlibPtrFull, ToGlibPtr};
use gtk::prelude::{Cast, GtkWindowExt, WidgetExt};
use gtk_layer_shell::{Edge, KeyboardMode, Layer, LayerShell};
use island_desktop::placement::Spot;
use island_desktop::widget_backend::{Backend, ENV};
use tauri::WebviewWindow;

/// The backend the tray app chose for this process (`None`: not said).
pub fn backend() -> Option<Backend> {
    static CHOSEN: std::sync::OnceLock<Option<Backend>> = std::sync::OnceLock::new();
    *CHOSEN.get_or_init(|| std::env::var(ENV).ok().and_then(|v| Backend::parse(&v)))
}

/// Whether the widget is a layer surface in this process: the tray app
/// chose it and the compositor still offers it.
pub fn active() -> bool {
    static ACTIVE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ACTIVE
        .get_or_init(|| backend() == Some(Backend::LayerShell) && gtk_layer_shell::is_supported())
}

/// Makes the (not yet shown) window a layer surface of `size` logical
/// pixels.
pub fn init(window: &WebviewWindow, size: (i32, i32)) -> tauri::Result<()> {
    let gtk = window.gtk_window()?;
    // Only a window that was never mapped can become a layer surface.
    if gtk.is_realized() {
        gtk.unrealize();
    }
    // The window's own size request: with only a default size (1x1, then
    // a resize, as the window was made) GTK never draws the surface.
    gtk.set_size_request(size.0, size.1);
    gtk.init_layer_shell();
    gtk.set_layer(Layer::Overlay);
    gtk.set_namespace("island");
    gtk.set_keyboard_mode(KeyboardMode::OnDemand);
    // Over the windows, not beside them: no space is reserved.
    gtk.set_exclusive_zone(0);
    Ok(())
}

/// Anchors the surface at `spot`, `margin` logical pixels from the edges,
/// on `output` (a connector name; `None` or an unknown one: the
/// compositor's choice).
pub fn anchor(
    window: &WebviewWindow,
    spot: Spot,
    margin: i32,
    output: Option<&str>,
) -> tauri::Result<()> {
    let gtk = window.gtk_window()?;
    let edges = spot.edges();
    for (edge, on) in [
        (Edge::Top, edges.top),
        (Edge::Bottom, edges.bottom),
        (Edge::Left, edges.left),
        (Edge::Right, edges.right),
    ] {
        gtk.set_anchor(edge, on);
        gtk.set_layer_shell_margin(edge, margin);
    }
    match output.map(|name| (name, monitor_named(&gtk, name))) {
        Some((_, Some(monitor))) => gtk.set_monitor(&monitor),
        Some((name, None)) => {
            tracing::warn!("no output named {name}; the widget shows on the focused one");
            unset_monitor(&gtk);
        }
        None => unset_monitor(&gtk),
    }
    Ok(())
}

/// The size the surface asks for, in logical pixels (a layer surface
/// takes the size its window requests).
pub fn resize(window: &WebviewWindow, width: i32, height: i32) -> tauri::Result<()> {
    let gtk = window.gtk_window()?;
    gtk.set_size_request(width, height);
    gtk.resize(width, height);
    Ok(())
}

/// Back to the compositor's choice of output (the binding takes only a
/// monitor; the library takes none).
#[allow(unsafe_code)]
fn unset_monitor(window: &gtk::ApplicationWindow) {
    let window: &gtk::Window = window.upcast_ref();
    // SAFETY: a valid GtkWindow that is a layer surface; NULL asks for
    // the default output, as gtk-layer-shell documents.
    unsafe {
        gtk_layer_shell_sys::gtk_layer_set_monitor(window.to_glib_none().0, std::ptr::null_mut());
    }
}

fn monitor_named(window: &gtk::ApplicationWindow, name: &str) -> Option<gtk::gdk::Monitor> {
    let display = window.display();
    let screen = GtkWindowExt::screen(window)?;
    (0..display.n_monitors()).find_map(|i| {
        (plug_name(&screen, i).as_deref() == Some(name))
            .then(|| display.monitor(i))
            .flatten()
    })
}

/// The connector name of monitor `i` (from xdg-output on Wayland): GTK 3
/// gives it only through the screen, which the Rust bindings leave out.
#[allow(unsafe_code)]
fn plug_name(screen: &gtk::gdk::Screen, i: i32) -> Option<String> {
    // SAFETY: a valid screen and monitor number; the call returns a newly
    // allocated string or NULL, owned by the caller (transfer full).
    let name: Option<gtk::glib::GString> = unsafe {
        Option::from_glib_full(gtk::gdk::ffi::gdk_screen_get_monitor_plug_name(
            screen.to_glib_none().0,
            i,
        ))
    };
    name.map(|n| n.to_string())
}
