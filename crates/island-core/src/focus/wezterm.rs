//! WezTerm: `wezterm cli activate-pane` selects the pane and its tab.

use super::Desktop;
use super::run::{Program, run};

pub(super) fn activate(pane: &str, socket: Option<&str>, desktop: &Desktop) -> Result<(), String> {
    let env: Vec<(&str, &str)> = socket
        .map(|s| ("WEZTERM_UNIX_SOCKET", s))
        .into_iter()
        .collect();
    run(
        &Program::new("wezterm", &["cli", "activate-pane", "--pane-id", pane]),
        desktop,
        &env,
    )
    .map(|_| ())
    .map_err(|e| format!("WezTerm pane {pane}: {e}"))
}
