//! Sway: `swaymsg [pid=N] focus`, for the nearest process of the agent's
//! ancestry that owns a window.

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
            return Ok(());
        }
    }
    Err("Sway has no window for the agent or any of its parent processes".into())
}
