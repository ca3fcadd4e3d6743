//! X11 with an EWMH window manager: a `_NET_ACTIVE_WINDOW` client message
//! for the terminal's window: the one `WINDOWID` names (or that contains
//! it), else the client window whose `_NET_WM_PID` is the nearest process
//! of the agent's ancestry. It then checks that the window manager did
//! make it active.

use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, Window};

struct Atoms {
    client_list: u32,
    active: u32,
    wm_pid: u32,
}

/// Whether the terminal's window (found as for `activate`) is the active
/// one now.
pub(super) fn is_active(
    display: &str,
    windowid: Option<&str>,
    pids: &[u32],
) -> Result<bool, String> {
    let (conn, screen) = x11rb::connect(Some(display))
        .map_err(|e| format!("cannot reach the X display {display}: {e}"))?;
    let root = conn.setup().roots[screen].root;
    let (atoms, target) = find(&conn, root, windowid, pids)?;
    Ok(active_window(&conn, root, &atoms)? == Some(target))
}

fn active_window(
    conn: &impl Connection,
    root: Window,
    atoms: &Atoms,
) -> Result<Option<Window>, String> {
    let x = |e: &dyn std::fmt::Display| format!("X11 error: {e}");
    Ok(conn
        .get_property(false, root, atoms.active, AtomEnum::WINDOW, 0, 1)
        .map_err(|e| x(&e))?
        .reply()
        .map_err(|e| x(&e))?
        .value32()
        .and_then(|mut v| v.next()))
}

pub(super) fn activate(display: &str, windowid: Option<&str>, pids: &[u32]) -> Result<(), String> {
    let (conn, screen) = x11rb::connect(Some(display))
        .map_err(|e| format!("cannot reach the X display {display}: {e}"))?;
    let root = conn.setup().roots[screen].root;
    let (atoms, target) = find(&conn, root, windowid, pids)?;
    let x = |e: &dyn std::fmt::Display| format!("X11 error: {e}");
    let event = ClientMessageEvent::new(32, target, atoms.active, [2, 0, 0, 0, 0]);
    conn.send_event(
        false,
        root,
        EventMask::SUBSTRUCTURE_REDIRECT | EventMask::SUBSTRUCTURE_NOTIFY,
        event,
    )
    .map_err(|e| x(&e))?;
    conn.flush().map_err(|e| x(&e))?;
    // Confirm: a window manager may refuse (focus stealing prevention).
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        if active_window(&conn, root, &atoms)? == Some(target) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!(
        "the window manager did not activate window 0x{target:x}"
    ))
}

/// The terminal's client window: the one `WINDOWID` names (or that
/// contains it), else the one whose `_NET_WM_PID` is the nearest of `pids`.
fn find(
    conn: &impl Connection,
    root: Window,
    windowid: Option<&str>,
    pids: &[u32],
) -> Result<(Atoms, Window), String> {
    let x = |e: &dyn std::fmt::Display| format!("X11 error: {e}");
    let atom = |name: &str| -> Result<u32, String> {
        Ok(conn
            .intern_atom(false, name.as_bytes())
            .map_err(|e| x(&e))?
            .reply()
            .map_err(|e| x(&e))?
            .atom)
    };
    let atoms = Atoms {
        client_list: atom("_NET_CLIENT_LIST")?,
        active: atom("_NET_ACTIVE_WINDOW")?,
        wm_pid: atom("_NET_WM_PID")?,
    };
    let clients: Vec<Window> = conn
        .get_property(
            false,
            root,
            atoms.client_list,
            AtomEnum::WINDOW,
            0,
            u32::MAX,
        )
        .map_err(|e| x(&e))?
        .reply()
        .map_err(|e| x(&e))?
        .value32()
        .map(Iterator::collect)
        .unwrap_or_default();
    if clients.is_empty() {
        return Err("the X11 window manager lists no windows (no EWMH window manager?)".into());
    }
    let target = match windowid {
        Some(text) => {
            let id = parse_window_id(text)
                .ok_or_else(|| format!("WINDOWID {text:?} is not a window id"))?;
            client_containing(conn, root, &clients, id)?
                .ok_or_else(|| format!("the terminal's window 0x{id:x} no longer exists"))?
        }
        None => client_of_pids(conn, &clients, atoms.wm_pid, pids)
            .ok_or("no X11 window belongs to the agent or any of its parent processes")?,
    };
    Ok((atoms, target))
}

fn parse_window_id(text: &str) -> Option<Window> {
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The managed client window that is `id` or one of its ancestors; `None`
/// when `id` no longer exists or no client holds it.
fn client_containing(
    conn: &impl Connection,
    root: Window,
    clients: &[Window],
    id: Window,
) -> Result<Option<Window>, String> {
    let mut window = id;
    for _ in 0..32 {
        if clients.contains(&window) {
            return Ok(Some(window));
        }
        let Ok(cookie) = conn.query_tree(window) else {
            return Ok(None);
        };
        let Ok(tree) = cookie.reply() else {
            return Ok(None);
        };
        if tree.parent == root || tree.parent == 0 {
            return Ok(None);
        }
        window = tree.parent;
    }
    Ok(None)
}

fn client_of_pids(
    conn: &impl Connection,
    clients: &[Window],
    wm_pid: u32,
    pids: &[u32],
) -> Option<Window> {
    let owners: Vec<(Window, u32)> = clients
        .iter()
        .filter_map(|w| {
            let reply = conn
                .get_property(false, *w, wm_pid, AtomEnum::CARDINAL, 0, 1)
                .ok()?
                .reply()
                .ok()?;
            let pid = reply.value32()?.next()?;
            Some((*w, pid))
        })
        .collect();
    pids.iter().find_map(|pid| {
        owners
            .iter()
            .find(|(_, owner)| owner == pid)
            .map(|(w, _)| *w)
    })
}
