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

/// [`release_unused_libraries`], once Island is up (start-up is done with
/// those libraries' symbol tables and relocations).
pub async fn release_unused_libraries_once_up() {
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    // Reads /proc and asks the kernel: off the async workers.
    let _ = tokio::task::spawn_blocking(release_unused_libraries).await; // it logs what it did
}
