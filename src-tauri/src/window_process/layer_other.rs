//! Elsewhere (macOS): no layer shell; the widget places itself.

use island_desktop::placement::Spot;
use tauri::WebviewWindow;

/// No backend is chosen here: the window places itself.
pub fn backend() -> Option<island_desktop::widget_backend::Backend> {
    None
}

/// Never a layer surface here.
pub fn active() -> bool {
    false
}

/// Not reached: [`active`] is false.
pub fn init(_: &WebviewWindow, _: (i32, i32)) -> tauri::Result<()> {
    Ok(())
}

/// Not reached: [`active`] is false.
pub fn anchor(_: &WebviewWindow, _: Spot, _: i32, _: Option<&str>) -> tauri::Result<()> {
    Ok(())
}

/// Not reached: [`active`] is false.
pub fn resize(_: &WebviewWindow, _: i32, _: i32) -> tauri::Result<()> {
    Ok(())
}
