//! What differs per platform: whether a display is there, and which tray
//! images to use.

#[cfg(target_os = "macos")]
#[path = "macos.rs"]
mod imp;
#[cfg(not(target_os = "macos"))]
#[path = "linux.rs"]
mod imp;

pub use imp::{TEMPLATE_ICONS, check_display, prepare_autostart, prepare_webkit, tray_icon};
