//! kitty: `kitty @ focus-window` over its remote-control socket, which also
//! raises kitty's OS window and selects the tab.

use super::Desktop;
use super::run::{Program, run};

pub(super) fn focus(window_id: &str, listen_on: &str, desktop: &Desktop) -> Result<(), String> {
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
