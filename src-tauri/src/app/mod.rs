//! The tray app: Tauri wired to the core. Everything it shows comes from
//! the core's board; everything the user does goes back as a
//! [`UserAction`](island_core::notify::UserAction). Setup is a few named
//! steps: check the display, start the core, create the tray, forward
//! board changes, show the widget. Its windows run in a process of their
//! own (`crate::window_process`), so that the tray app itself never loads WebKit.

mod menu;
mod settings_file;
pub(crate) mod state;
mod tray;
mod ui_events;
mod widget;
mod window_supervisor;

use std::path::PathBuf;
use std::process::ExitCode;

use island_desktop::service::{RunOptions, Started, start};
use tauri::{App, AppHandle, Manager, RunEvent};

use state::TrayApp;

/// How the app was started.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Turn desktop notifications off.
    pub no_notifications: bool,
    /// Socket override.
    pub socket: Option<PathBuf>,
    /// Config file override.
    pub config: Option<PathBuf>,
}

/// Runs the tray app until Quit (or a signal).
#[must_use]
pub fn run(options: AppOptions) -> ExitCode {
    crate::native::prepare_webkit();
    if let Err(why) = crate::native::check_display() {
        eprintln!(
            "island: {why}.\n\
             The tray app needs a graphical session. Without one, run Island as \
             `island --headless`: agents, notifications and the command-line \
             clients work the same."
        );
        return ExitCode::from(2);
    }
    let Some(runtime) = island_cli::tokio_runtime() else {
        return ExitCode::FAILURE;
    };
    let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failed_in_setup = std::sync::Arc::clone(&failed);
    // Tauri's tasks and the core's share one runtime.
    tauri::async_runtime::set(runtime.handle().clone());
    let app = tauri::Builder::default()
        // First: a second launch hands over to the first and exits here.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tracing::info!("a second launch asked for the widget");
            // This runs on the plugin's D-Bus thread; windows are made on
            // the main thread.
            let handle = app.clone();
            if let Err(e) = app.run_on_main_thread(move || widget::show_requested(&handle)) {
                tracing::warn!("cannot show the widget: {e}");
            }
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .setup(move |app| {
            // Tauri panics on a setup error: say it, and exit with status 1
            // (an exit code asked for during setup does not reach
            // `run_return`, hence the flag).
            if let Err(e) = start_tray_app(app, options) {
                eprintln!("island: {e}");
                tracing::error!("{e}");
                failed_in_setup.store(true, std::sync::atomic::Ordering::Relaxed);
                app.handle().exit(1);
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("island: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = app.run_return(on_run_event);
    if failed.load(std::sync::atomic::Ordering::Relaxed) {
        return ExitCode::FAILURE;
    }
    // The core stops last, so that the socket is removed on the way out.
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn start_tray_app(app: &mut App, options: AppOptions) -> Result<(), Box<dyn std::error::Error>> {
    // Asking the compositor what it offers takes a round trip: meanwhile
    // the core starts.
    let widget_backend = std::thread::spawn(island_desktop::widget_backend::detect);
    let started = tauri::async_runtime::block_on(start(RunOptions {
        socket: options.socket,
        config: options.config,
        no_notifications: options.no_notifications,
    }))?;
    let running = match started {
        Started::Running(running) => running,
        Started::AlreadyRunning(path) => {
            return Err(format!(
                "Island is already running without its window (it answers on {}); \
                 stop that one (`island --headless`) and start the app again",
                path.display()
            )
            .into());
        }
    };
    let widget_backend = widget_backend
        .join()
        .map_err(|_| "cannot tell what kind of window the widget can be")?;
    tracing::info!(
        "the widget is {}: {}",
        widget_backend.backend.as_str(),
        widget_backend.why
    );
    let tray_app = TrayApp::new(*running, widget_backend);
    let board = tray_app.board();
    app.manage(tray_app);
    tray::create(app.handle(), &board)?;
    ui_events::spawn(app.handle().clone(), &board);
    state::reconcile_autostart(app.handle());
    widget::on_start(app.handle(), &board);
    // The widget's `auto` corner keeps away from the notification server's.
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        let name = island_desktop::notify::server_name().await;
        tracing::info!(server = ?name, "notification server");
        handle.state::<TrayApp>().set_notification_server(name);
        let main = handle.clone();
        let _ = handle.run_on_main_thread(move || {
            widget::settings_changed(&main, false);
            tracing::debug!("the widget's start is decided");
        });
    });
    stop_on_signals(app.handle().clone());
    // The tray app maps WebKit but never runs it.
    tauri::async_runtime::spawn(crate::native::release_unused_libraries_once_up());
    Ok(())
}

/// Logout and Ctrl-C end Island as Quit does, so that the socket is
/// removed (and the window process, its stdin closed, saves the widget's
/// position).
fn stop_on_signals(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot listen for SIGTERM and SIGINT");
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("stopping on a signal");
        app.exit(0);
    });
}

fn on_run_event(app: &AppHandle, event: RunEvent) {
    match event {
        // Island has no window of its own; only Quit ends it.
        RunEvent::ExitRequested { api, code, .. } if code.is_none() => api.prevent_exit(),
        RunEvent::Exit => {
            // Nothing is managed when setup failed.
            let Some(tray_app) = app.try_state::<TrayApp>() else {
                return;
            };
            // The window process goes (saving the widget's place), and is
            // not started again while the core stops.
            tray_app.window_process.shutdown(app);
            if let Some(running) = tray_app.take_running() {
                tauri::async_runtime::block_on(running.stop());
            }
        }
        _ => {}
    }
}
