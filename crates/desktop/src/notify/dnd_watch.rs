//! The desktop's own do not disturb, followed so that Island holds its
//! notices while it is on (`tracker::quiet`):
//!
//! - the notification server's `Inhibited` property (KDE Plasma, and other
//!   servers that implement it), read at start and whenever the server
//!   says it changed (`PropertiesChanged`) or a new server takes the name;
//! - on GNOME, whose server has no such property, the
//!   `org.gnome.desktop.notifications show-banners` setting (banners off
//!   is its do not disturb), through `gsettings monitor`.
//!
//! Whatever cannot be read counts as off: notices show as before.

use std::collections::HashMap;

use futures_util::StreamExt;
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;

use super::UserAction;

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

pub(super) async fn run(actions: mpsc::UnboundedSender<UserAction>) {
    let gnome = std::env::var("XDG_CURRENT_DESKTOP")
        .unwrap_or_default()
        .split(':')
        .any(|d| d.eq_ignore_ascii_case("gnome"));
    // A watch that ends (the bus went away, `gsettings` died) must not
    // leave notices held for good: off, and watched again after a while.
    let mut wait = std::time::Duration::from_secs(1);
    loop {
        let started = std::time::Instant::now();
        if gnome {
            if let Err(e) = follow_gnome_banners(&actions).await {
                tracing::info!("cannot follow GNOME's do not disturb: {e}");
            }
        } else if let Err(e) = follow_inhibited(&actions).await {
            tracing::info!("cannot follow the notification server's do not disturb: {e}");
        }
        if actions
            .send(UserAction::DesktopDoNotDisturb(false))
            .is_err()
        {
            return; // Island stops
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            wait = std::time::Duration::from_secs(1);
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(std::time::Duration::from_secs(300));
    }
}

async fn inhibited(conn: &zbus::Connection) -> bool {
    let reply = conn
        .call_method(
            Some(NAME),
            PATH,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(NAME, "Inhibited"),
        )
        .await;
    reply
        .ok()
        .and_then(|m| m.body().deserialize::<zbus::OwnedVariant>().ok())
        .and_then(|v| bool::try_from(v).ok())
        .unwrap_or(false)
}

async fn follow_inhibited(actions: &mpsc::UnboundedSender<UserAction>) -> zbus::Result<()> {
    let conn = zbus::Connection::session().await?;
    let changed = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.freedesktop.DBus.Properties")
        .member("PropertiesChanged")
        .path(PATH)
        .build()?;
    let owner = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .sender("org.freedesktop.DBus")
        .interface("org.freedesktop.DBus")
        .member("NameOwnerChanged")
        .arg(0, NAME)
        .build()?;
    let mut changed = zbus::MessageStream::for_match_rule(changed, &conn, None).await?;
    let mut owner = zbus::MessageStream::for_match_rule(owner, &conn, None).await?;
    let mut last = inhibited(&conn).await;
    tell(actions, last);
    loop {
        let now = tokio::select! {
            Some(Ok(m)) = changed.next() => {
                type Changed = (String, HashMap<String, zbus::OwnedVariant>, Vec<String>);
                let Ok((interface, values, _)) = m.body().deserialize::<Changed>() else {
                    continue;
                };
                if interface != NAME {
                    continue;
                }
                match values.get("Inhibited").map(|v| bool::try_from(v.clone())) {
                    Some(Ok(on)) => on,
                    _ => continue,
                }
            }
            Some(Ok(_)) = owner.next() => inhibited(&conn).await,
            else => return Ok(()),
        };
        if now != last {
            last = now;
            tell(actions, now);
        }
    }
}

fn tell(actions: &mpsc::UnboundedSender<UserAction>, on: bool) {
    tracing::info!(
        "the desktop's do not disturb is {}",
        if on { "on" } else { "off" }
    );
    // The host ends only at exit.
    let _ = actions.send(UserAction::DesktopDoNotDisturb(on));
}

/// `gsettings monitor` prints `show-banners: false` on every change; the
/// current value comes from `gsettings get`, asked once the monitor runs.
async fn follow_gnome_banners(actions: &mpsc::UnboundedSender<UserAction>) -> std::io::Result<()> {
    const SCHEMA: &str = "org.gnome.desktop.notifications";
    // The monitor first, so that no change between the two is missed.
    let mut monitor = tokio::process::Command::new("gsettings")
        .args(["monitor", SCHEMA, "show-banners"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let current = tokio::process::Command::new("gsettings")
        .args(["get", SCHEMA, "show-banners"])
        .output()
        .await?;
    if current.status.success() {
        let on = String::from_utf8_lossy(&current.stdout).trim() == "false";
        tell(actions, on);
    }
    let Some(out) = monitor.stdout.take() else {
        return Ok(());
    };
    let mut lines = tokio::io::BufReader::new(out).lines();
    while let Some(line) = lines.next_line().await? {
        if let Some((_, value)) = line.split_once(':') {
            tell(actions, value.trim() == "false");
        }
    }
    Ok(())
}
