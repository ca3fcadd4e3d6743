//! Island's window process (`island windows`, started by the tray app):
//! the widget and the settings window, and nothing else. It shows what the
//! tray app sends on stdin ([`ToWindows`]) and writes what the user does
//! to stdout ([`FromWindows`]); see `island_desktop::window_link`. It ends
//! when its stdin closes: the tray app wants no window any more, or is
//! gone.

mod ipc;
#[cfg(target_os = "linux")]
#[path = "layer_linux.rs"]
mod layer;
#[cfg(not(target_os = "linux"))]
#[path = "layer_other.rs"]
mod layer;
mod settings_window;
mod state;
mod widget;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::ExitCode;

use island_desktop::window_link::{FromWindows, ToWindows};
use tauri::{App, AppHandle, Emitter, Manager, RunEvent};

use state::{Reply, WindowState};

/// Runs the window process until its stdin closes.
#[must_use]
pub fn run() -> ExitCode {
    // First, before any thread or child process exists.
    let (from_app, to_app) = match crate::native::take_protocol_pipes() {
        Ok(pipes) => pipes,
        Err(e) => {
            eprintln!("island windows: cannot take the pipes to the tray app: {e}");
            return ExitCode::FAILURE;
        }
    };
    crate::native::prepare_webkit();
    if let Err(why) = crate::native::check_display() {
        eprintln!("island windows: {why}");
        return ExitCode::from(2);
    }
    let Some(runtime) = island_cli::tokio_runtime() else {
        return ExitCode::FAILURE;
    };
    tauri::async_runtime::set(runtime.handle().clone());
    let app = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![
            ipc::board,
            ipc::decide,
            ipc::focus,
            ipc::resize_widget,
            ipc::snap_widget,
            ipc::hide_widget,
            ipc::load_settings,
            ipc::save_settings,
        ])
        .setup(move |app| {
            start(app, from_app, to_app);
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("island windows: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = app.run_return(on_run_event);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn start(app: &mut App, from_app: File, to_app: File) {
    app.manage(WindowState::new(to_app));
    stop_on_terminate(app.handle().clone());
    let handle = app.handle().clone();
    // Blocking reads of the pipe, on a thread of their own; each message
    // is handled on the main thread, where windows are made.
    std::thread::spawn(move || {
        for line in BufReader::new(from_app).lines() {
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    tracing::warn!("the tray app's pipe failed: {e}");
                    break;
                }
            };
            let message: ToWindows = match serde_json::from_str(&line) {
                Ok(message) => message,
                Err(e) => {
                    tracing::warn!("a message from the tray app was not understood: {e}");
                    continue;
                }
            };
            let app = handle.clone();
            if handle
                .run_on_main_thread(move || on_message(&app, message))
                .is_err()
            {
                return;
            }
        }
        // Nothing more will come: the tray app wants no window, or is gone.
        let app = handle.clone();
        let _ = handle.run_on_main_thread(move || app.exit(0)); // stopping anyway
    });
}

fn on_message(app: &AppHandle, message: ToWindows) {
    let state = app.state::<WindowState>();
    match message {
        ToWindows::Board { board } => {
            if let Err(e) = app.emit_to(widget::LABEL, "board", &board) {
                tracing::debug!("the widget missed a board: {e}");
            }
            *state.board() = board;
        }
        ToWindows::Layout {
            corner,
            reset,
            output,
        } => {
            state.widget().corner = corner;
            state.widget().output = output;
            widget::layout_changed(app, reset);
        }
        ToWindows::Widget { shown: true, raise } => widget::show(app, raise),
        ToWindows::Widget { shown: false, .. } => widget::hide(app),
        ToWindows::Settings { request } => {
            state.settings_request(request);
            if let Err(e) = settings_window::open(app) {
                tracing::error!("cannot open the settings: {e}");
                state.send(&FromWindows::SettingsClosed { request });
            }
        }
        ToWindows::SettingsLoaded { id, result } => state.answer(id, Reply::Loaded(result)),
        ToWindows::SettingsSaved { id, result } => state.answer(id, Reply::Saved(result)),
    }
}

/// Logout ends the whole session's processes: the widget's place is saved
/// first, as when the tray app ends this process.
fn stop_on_terminate(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            tracing::warn!("cannot listen for SIGTERM");
            return;
        };
        term.recv().await;
        app.exit(0);
    });
}

fn on_run_event(app: &AppHandle, event: RunEvent) {
    match event {
        // Windows close and open again; the process ends when its stdin
        // does.
        RunEvent::ExitRequested { api, code, .. } if code.is_none() => api.prevent_exit(),
        RunEvent::Exit => widget::save_position(app),
        _ => {}
    }
}
