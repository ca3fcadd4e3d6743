//! Hyprland: `hyprctl dispatch focuswindow pid:N`, for the nearest process
//! of the agent's ancestry that owns a window.

use super::Desktop;
use super::run::{Program, run};

pub(super) fn focus(pids: &[u32], desktop: &Desktop) -> Result<(), String> {
    for pid in pids {
        let target = format!("pid:{pid}");
        // hyprctl prints "ok" on success and an error text otherwise, with
        // exit status 0 either way.
        if let Ok(out) = run(
            &Program::new("hyprctl", &["dispatch", "focuswindow", &target]),
            desktop,
            &[],
        ) {
            if out.trim() == "ok" {
                return Ok(());
            }
        }
    }
    Err("Hyprland has no window for the agent or any of its parent processes".into())
}

/// Whether Hyprland's active window belongs to one of `pids`
/// (`hyprctl activewindow -j`).
pub(super) fn focused(pids: &[u32], desktop: &Desktop) -> Result<bool, String> {
    let out = run(
        &Program::new("hyprctl", &["activewindow", "-j"]),
        desktop,
        &[],
    )?;
    let window: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("Hyprland's active window: {e}"))?;
    Ok(window["pid"]
        .as_u64()
        .is_some_and(|pid| pids.iter().any(|p| u64::from(*p) == pid)))
}
