//! The one place where core changes become UI updates: each new board goes
//! to the tray (icon, tooltip, menu: each only when it changed, so that an
//! open menu is not replaced while the user reads it), to the window
//! process (the widget gets it as a `board` event), and to the widget's
//! auto-hide. Window and tray calls run
//! on the main thread, where the user's own clicks are handled too.

use std::time::Duration;

use island_core::tracker::TraySummary;
use island_core::view::{Board, MenuEntry, menu_ticks};
use island_desktop::window_link::ToWindows;
use tauri::{AppHandle, Manager};

use super::state::TrayApp;
use super::{tray, widget};

/// Bursts of changes are shown at most this often.
const SETTLE: Duration = Duration::from_millis(50);
/// Elapsed times in the menu are to the minute.
const MENU_REFRESH: Duration = Duration::from_secs(60);

/// What the tray shows now.
#[derive(Default)]
struct Shown {
    tray: Option<TraySummary>,
    summary: String,
    menu: Vec<MenuEntry>,
}

/// Forwards board changes until Island stops; `first` is what the tray
/// was created with.
pub fn spawn(app: AppHandle, first: &Board) {
    let mut published = app.state::<TrayApp>().subscribe();
    let mut shown = Shown {
        tray: Some(first.tray),
        summary: first.summary.clone(),
        menu: app.state::<TrayApp>().tray_menu(first),
    };
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
            show(&app, board, &mut shown);
        }
    });
}

fn show(app: &AppHandle, board: Board, shown: &mut Shown) {
    let menu = app.state::<TrayApp>().tray_menu(&board);
    let icon = (shown.tray != Some(board.tray)).then_some(board.tray);
    let summary = (shown.summary != board.summary).then(|| board.summary.clone());
    let new_menu = (shown.menu != menu).then(|| menu.clone());
    shown.tray = Some(board.tray);
    shown.summary.clone_from(&board.summary);
    shown.menu = menu;
    app.state::<TrayApp>()
        .window_process
        .send(ToWindows::Board {
            board: board.clone(),
        });
    let handle = app.clone();
    let ran = app.run_on_main_thread(move || {
        tray::update(&handle, icon, summary.as_deref(), new_menu);
        widget::on_board(&handle, &board);
    });
    if let Err(e) = ran {
        tracing::debug!("the event loop has stopped: {e}");
    }
}
