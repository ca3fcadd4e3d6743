//! Sway: `swaymsg [pid=N] focus`, for the nearest process of the agent's
//! ancestry that owns a window, checked afterwards in Sway's tree (the
//! window of that process must be the focused one).

use super::Desktop;
use super::run::{Program, run};

pub(super) fn focus(pids: &[u32], desktop: &Desktop) -> Result<(), String> {
    for pid in pids {
        let criteria = format!("[pid={pid}]");
        if run(
            &Program::new("swaymsg", &[&criteria, "focus"]),
            desktop,
            &[],
        )
        .is_ok()
        {
            return match focused(&[*pid], desktop) {
                Ok(true) => Ok(()),
                Ok(false) => Err(format!(
                    "Sway accepted the focus request, but the window of process {pid} is not the focused one"
                )),
                Err(e) => Err(format!("cannot check Sway's focus: {e}")),
            };
        }
    }
    Err("Sway has no window for the agent or any of its parent processes".into())
}

/// Whether Sway's focused window belongs to one of `pids`.
pub(super) fn focused(pids: &[u32], desktop: &Desktop) -> Result<bool, String> {
    let tree = run(
        &Program::new("swaymsg", &["-t", "get_tree", "-r"]),
        desktop,
        &[],
    )?;
    let tree: serde_json::Value =
        serde_json::from_str(&tree).map_err(|e| format!("Sway's tree: {e}"))?;
    Ok(focused_pid(&tree).is_some_and(|pid| pids.iter().any(|p| u64::from(*p) == pid)))
}

/// The pid of the focused node of a Sway tree.
fn focused_pid(node: &serde_json::Value) -> Option<u64> {
    if node["focused"] == true {
        return node["pid"].as_u64();
    }
    ["nodes", "floating_nodes"]
        .iter()
        .filter_map(|k| node[*k].as_array())
        .flatten()
        .find_map(focused_pid)
}
