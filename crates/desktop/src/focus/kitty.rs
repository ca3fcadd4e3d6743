//! kitty: `kitty @ focus-window` over its remote-control socket, which also
//! raises kitty's OS window and selects the tab.

use super::Desktop;
use super::run::{Program, run};

pub(super) fn focus(window_id: &str, listen_on: &str, desktop: &Desktop) -> Result<(), String> {
    check_listen_on(listen_on).map_err(|e| format!("kitty window {window_id}: {e}"))?;
    let matcher = format!("id:{window_id}");
    run(
        &Program::new(
            "kitty",
            &["@", "--to", listen_on, "focus-window", "--match", &matcher],
        ),
        desktop,
        &[],
    )
    .map(|_| ())
    .map_err(|e| format!("kitty window {window_id}: {e}"))
}

/// Whether kitty window `window_id` is what the user looks at: the
/// focused window of the focused tab of kitty's focused OS window.
pub(super) fn window_focused(
    window_id: &str,
    listen_on: &str,
    desktop: &Desktop,
) -> Result<bool, String> {
    check_listen_on(listen_on).map_err(|e| format!("kitty window {window_id}: {e}"))?;
    let out = run(
        &Program::new("kitty", &["@", "--to", listen_on, "ls"]),
        desktop,
        &[],
    )?;
    let tree: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("kitty's ls: {e}"))?;
    let id: u64 = window_id
        .parse()
        .map_err(|_| format!("kitty window {window_id:?} is not an id"))?;
    for os_window in tree.as_array().into_iter().flatten() {
        for tab in os_window["tabs"].as_array().into_iter().flatten() {
            for window in tab["windows"].as_array().into_iter().flatten() {
                if window["id"].as_u64() == Some(id) {
                    return Ok(os_window["is_focused"] == true
                        && tab["is_focused"] == true
                        && window["is_focused"] == true);
                }
            }
        }
    }
    Err(format!("kitty has no window {window_id}"))
}

/// Only a Unix socket of this user: a path socket in a place nobody else
/// can change, or an abstract one whose listener runs as this user. Never
/// TCP (`tcp:`), a descriptor (`fd:`) or anything else an agent names.
pub(super) fn check_listen_on(listen_on: &str) -> Result<(), String> {
    let me = island_protocol::trust::my_uid();
    let Some(address) = listen_on.strip_prefix("unix:") else {
        return Err(format!(
            "refusing kitty's remote-control address {listen_on:?}: only unix: sockets of your own are used"
        ));
    };
    if let Some(name) = address.strip_prefix('@') {
        return abstract_listener_is_mine(name, me);
    }
    island_protocol::trust::check_own_socket(std::path::Path::new(address), me)
        .map_err(|e| e.to_string())
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_listener_is_mine(name: &str, me: u32) -> Result<(), String> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
        .map_err(|e| format!("kitty's socket @{name}: {e}"))?;
    let stream = std::os::unix::net::UnixStream::connect_addr(&address)
        .map_err(|e| format!("kitty's socket @{name}: {e}"))?;
    island_protocol::trust::check_listener(&stream, std::path::Path::new(name), me)
        .map_err(|e| e.to_string())
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn abstract_listener_is_mine(name: &str, _me: u32) -> Result<(), String> {
    Err(format!(
        "kitty's socket @{name}: abstract sockets exist only on Linux"
    ))
}
