//! The session bus on Linux: the notification service and the tray host.

use super::{Check, Level};

pub(super) async fn checks() -> Vec<Check> {
    let conn = match zbus::Connection::session().await {
        Ok(conn) => conn,
        Err(e) => {
            return vec![Check::new(
                Level::Fail,
                "session bus",
                format!("cannot connect ({e}): no notifications and no tray icon"),
            )];
        }
    };
    let has = async |name: &str| -> bool {
        conn.call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "NameHasOwner",
            &(name,),
        )
        .await
        .ok()
        .and_then(|reply| reply.body().deserialize::<bool>().ok())
        .unwrap_or(false)
    };
    let notifications = if has("org.freedesktop.Notifications").await {
        let server = island_desktop::notify::server_information()
            .await
            .map_or_else(
                || "a notification service".to_owned(),
                |(name, version)| format!("{name} {version}"),
            );
        Check::new(Level::Ok, "notifications", server)
    } else {
        Check::new(
            Level::Warn,
            "notifications",
            "no notification service on the session bus (install and start one, such as dunst or your desktop's); the tray and widget work without it",
        )
    };
    let tray = if has("org.kde.StatusNotifierWatcher").await {
        Check::new(
            Level::Ok,
            "tray host",
            "a StatusNotifierItem host is running",
        )
    } else {
        Check::new(
            Level::Warn,
            "tray host",
            "no StatusNotifierItem host: the tray icon will not show (GNOME needs the AppIndicator extension); the widget and notifications work",
        )
    };
    vec![
        Check::new(Level::Ok, "session bus", "connected"),
        notifications,
        tray,
    ]
}
