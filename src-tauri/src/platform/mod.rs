//! What differs per platform: whether a display is there, which tray
//! images to use, and how the window process is started and talked to.

#[cfg(target_os = "macos")]
#[path = "macos.rs"]
mod imp;
#[cfg(not(target_os = "macos"))]
#[path = "linux.rs"]
mod imp;

mod unix;

pub use imp::{
    TEMPLATE_ICONS, check_display, own_executable, prepare_autostart, prepare_webkit,
    release_unused_libraries, tray_icon,
};
pub use unix::{take_protocol_pipes, window_process_command};
