//! Notices on the desktop: the adapter that shows the engine's notices
//! (freedesktop notifications over D-Bus on Linux, the notification centre
//! on macOS), the desktop's own do not disturb, and which notification
//! server runs. The seam and its types are the engine's
//! (`island_core::notify`), re-exported here.

pub use island_core::notify::*;

#[cfg(target_os = "linux")]
#[path = "xdg.rs"]
mod desktop;
#[cfg(target_os = "macos")]
#[path = "macos.rs"]
mod desktop;
#[cfg(target_os = "linux")]
mod dnd_watch;

#[cfg(any(target_os = "linux", target_os = "macos"))]
pub use desktop::DesktopNotifier;

/// The notification server that runs: its name and version
/// (`GetServerInformation`: `dunst`, `gnome-shell`, `Plasma`); `None` when
/// none answers, or off Linux.
pub async fn server_information() -> Option<(String, String)> {
    #[cfg(target_os = "linux")]
    {
        let conn = zbus::Connection::session().await.ok()?;
        let reply = conn
            .call_method(
                Some("org.freedesktop.Notifications"),
                "/org/freedesktop/Notifications",
                Some("org.freedesktop.Notifications"),
                "GetServerInformation",
                &(),
            )
            .await
            .ok()?;
        reply
            .body()
            .deserialize::<(String, String, String, String)>()
            .ok()
            .map(|(name, _, version, _)| (name, version))
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// The notification server's name, to keep the widget away from where it
/// draws (`placement::Corner::resolve`).
pub async fn server_name() -> Option<String> {
    server_information().await.map(|(name, _)| name)
}
