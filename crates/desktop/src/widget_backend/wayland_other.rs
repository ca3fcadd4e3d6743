//! Elsewhere (macOS): no Wayland.

/// No Wayland compositor is asked here.
///
/// # Errors
/// Always: there is no Wayland here.
pub fn wayland_globals() -> Result<Vec<String>, String> {
    Err("no Wayland on this system".into())
}
