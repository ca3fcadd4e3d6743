//! macOS: the menu bar always has a display; its icons are template images
//! that AppKit tints for light and dark menu bars.

use island_core::tracker::TrayState;

/// Template images: AppKit draws them in the menu bar's own colour.
pub const TEMPLATE_ICONS: bool = true;

/// WKWebView composites through Core Animation; nothing to set.
pub fn prepare_webkit() {}

/// The menu bar is always there for a logged-in user.
pub fn check_display() -> Result<(), String> {
    Ok(())
}

/// The template PNG for a tray state.
pub fn tray_icon(state: TrayState) -> &'static [u8] {
    match state {
        TrayState::Idle => include_bytes!("../../../icons/tray/idleTemplate@2x.png"),
        TrayState::Working => include_bytes!("../../../icons/tray/workingTemplate@2x.png"),
        TrayState::NeedsYou => include_bytes!("../../../icons/tray/attentionTemplate@2x.png"),
        TrayState::Error => include_bytes!("../../../icons/tray/errorTemplate@2x.png"),
    }
}

/// The LaunchAgent directory is made by the plugin.
pub fn prepare_autostart() -> std::io::Result<()> {
    Ok(())
}

/// This program, to start its window process.
pub fn own_executable() -> std::io::Result<std::path::PathBuf> {
    std::env::current_exe()
}

/// Nothing to give back: macOS shares WebKit's pages between processes.
pub fn release_unused_libraries() {}
