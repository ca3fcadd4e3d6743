//! tmux: select the pane's window and the pane, and show its session on the
//! right client (the most recently active one, preferring a client already
//! on that session). The window hosting that client is raised next.

use island_protocol::TerminalInfo;

use super::Desktop;
use super::run::{Program, run};

/// The client that now shows the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Client {
    pub(super) pid: u32,
}

fn tmux(socket: &str, args: &[&str], desktop: &Desktop) -> Result<String, String> {
    let mut all = vec!["-S", socket];
    all.extend_from_slice(args);
    run(&Program::new("tmux", &all), desktop, &[])
}

/// The agent's pane and its tmux server's socket. TMUX is "socket,server
/// pid,session index". A tmux client obeys its server (it can be told to
/// run a program), so only a server of this user, on a socket in a place
/// nobody else can change, is spoken to.
fn own_pane(terminal: &TerminalInfo) -> Result<(&str, &str), String> {
    let (Some(tmux_var), Some(pane)) = (&terminal.tmux, &terminal.tmux_pane) else {
        return Err("no tmux pane is known".into());
    };
    let socket = tmux_var.split(',').next().unwrap_or_default();
    island_protocol::trust::check_own_socket(
        std::path::Path::new(socket),
        island_protocol::trust::my_uid(),
    )
    .map_err(|e| format!("not using the tmux server of pane {pane}: {e}"))?;
    Ok((socket, pane))
}

pub(super) fn select(terminal: &TerminalInfo, desktop: &Desktop) -> Result<Client, String> {
    let (socket, pane) = own_pane(terminal)?;
    // Look the pane up among all panes: `display-message -t` falls back to
    // the current pane when the target is gone, which would be a guess.
    let panes = tmux(
        socket,
        &["list-panes", "-a", "-F", "#{pane_id} #{session_name}"],
        desktop,
    )
    .map_err(|e| format!("the tmux server of pane {pane} is gone ({e})"))?;
    let session = panes
        .lines()
        .find_map(|line| {
            line.split_once(' ')
                .filter(|(id, _)| *id == pane)
                .map(|(_, s)| s.to_owned())
        })
        .ok_or_else(|| format!("tmux pane {pane} no longer exists"))?;
    let clients = tmux(
        socket,
        &[
            "list-clients",
            "-F",
            "#{client_activity} #{client_pid} #{client_session} #{client_name}",
        ],
        desktop,
    )?;
    let mut clients: Vec<(u64, u32, String, String)> = clients
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(4, ' ');
            Some((
                parts.next()?.parse().ok()?,
                parts.next()?.parse().ok()?,
                parts.next()?.to_owned(),
                parts.next()?.to_owned(),
            ))
        })
        .collect();
    // A client already on the session wins; otherwise the one used last.
    clients.sort_by_key(|(activity, _, s, _)| (*s == session, *activity));
    let Some((_, pid, client_session, name)) = clients.pop() else {
        return Err(format!(
            "tmux session {session} is not shown in any terminal (no client is attached)"
        ));
    };
    tmux(socket, &["select-window", "-t", pane], desktop)?;
    tmux(socket, &["select-pane", "-t", pane], desktop)?;
    if client_session != session {
        tmux(socket, &["switch-client", "-c", &name, "-t", pane], desktop)?;
    }
    Ok(Client { pid })
}

/// Whether the pane is the one its tmux shows now: the active pane of the
/// active window of a session a client is attached to. `Some(client)` with
/// the client that shows it (the most recently used one), `None` when no
/// client shows it.
pub(super) fn shown(terminal: &TerminalInfo, desktop: &Desktop) -> Result<Option<Client>, String> {
    let (socket, pane) = own_pane(terminal)?;
    let panes = tmux(
        socket,
        &[
            "list-panes",
            "-a",
            "-F",
            "#{pane_id} #{pane_active}#{window_active} #{session_name}",
        ],
        desktop,
    )?;
    let Some(session) = panes.lines().find_map(|line| {
        let mut parts = line.splitn(3, ' ');
        (parts.next()? == pane && parts.next()? == "11").then(|| parts.next().map(str::to_owned))?
    }) else {
        return Ok(None);
    };
    let clients = tmux(
        socket,
        &[
            "list-clients",
            "-F",
            "#{client_activity} #{client_pid} #{client_session}",
        ],
        desktop,
    )?;
    Ok(clients
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            let activity: u64 = parts.next()?.parse().ok()?;
            let pid: u32 = parts.next()?.parse().ok()?;
            (parts.next()? == session).then_some((activity, pid))
        })
        .max()
        .map(|(_, pid)| Client { pid }))
}
