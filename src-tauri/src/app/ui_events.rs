//! The one place where core changes become UI updates: each new board goes
//! to the tray (icon, tooltip, menu), to the widget as a `board` event,
//! and to the widget's auto-hide.

use std::time::Duration;

use island_core::view::menu_ticks;
use tauri::{AppHandle, Emitter, Manager};

use super::state::Shared;
use super::{tray, widget};

/// Bursts of changes are shown at most this often.
const SETTLE: Duration = Duration::from_millis(50);
/// Elapsed times in the menu are to the minute.
const MENU_REFRESH: Duration = Duration::from_secs(60);

/// Forwards board changes until Island stops.
pub fn spawn(app: AppHandle) {
    let mut published = app.state::<Shared>().subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let ticking = menu_ticks(&published.borrow().board);
            tokio::select! {
                changed = published.changed() => {
                    if changed.is_err() {
                        return; // the core stopped
                    }
                    tokio::time::sleep(SETTLE).await;
                }
                // Only while a turn runs: nothing wakes Island when all is idle.
                () = tokio::time::sleep(MENU_REFRESH), if ticking => {}
            }
            let board = published.borrow_and_update().board.clone();
            tray::update(&app, &board);
            widget::on_board(&app, &board);
            if let Err(e) = app.emit_to(widget::LABEL, "board", &board) {
                tracing::debug!("the widget missed a board: {e}");
            }
        }
    });
}
