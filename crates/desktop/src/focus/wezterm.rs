//! WezTerm: `wezterm cli activate-pane` selects the pane and its tab.

use super::Desktop;
use super::run::{Program, run};

/// The environment that points `wezterm cli` at the agent's socket. An
/// agent-named socket is used only if it is this user's, in a place nobody
/// else can change; without one, wezterm finds its own.
fn socket_env<'a>(
    pane: &str,
    socket: Option<&'a str>,
) -> Result<Vec<(&'static str, &'a str)>, String> {
    if let Some(socket) = socket {
        island_protocol::trust::check_own_socket(
            std::path::Path::new(socket),
            island_protocol::trust::my_uid(),
        )
        .map_err(|e| format!("WezTerm pane {pane}: {e}"))?;
    }
    Ok(socket
        .map(|s| ("WEZTERM_UNIX_SOCKET", s))
        .into_iter()
        .collect())
}

pub(super) fn activate(pane: &str, socket: Option<&str>, desktop: &Desktop) -> Result<(), String> {
    let env = socket_env(pane, socket)?;
    run(
        &Program::new("wezterm", &["cli", "activate-pane", "--pane-id", pane]),
        desktop,
        &env,
    )
    .map(|_| ())
    .map_err(|e| format!("WezTerm pane {pane}: {e}"))
}

/// Whether a WezTerm client (a GUI window) has this pane focused.
pub(super) fn pane_focused(
    pane: &str,
    socket: Option<&str>,
    desktop: &Desktop,
) -> Result<bool, String> {
    let env = socket_env(pane, socket)?;
    let out = run(
        &Program::new("wezterm", &["cli", "list-clients", "--format", "json"]),
        desktop,
        &env,
    )?;
    let clients: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("WezTerm's clients: {e}"))?;
    let pane: u64 = pane
        .parse()
        .map_err(|_| format!("WezTerm pane {pane:?} is not an id"))?;
    Ok(clients
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["focused_pane_id"].as_u64() == Some(pane)))
}
