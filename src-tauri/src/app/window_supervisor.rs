//! The tray app's side of the window process (`island windows`; see
//! `island_desktop::window_link` for why it is a process of its own). The
//! [`Supervisor`] decides when it runs; this carries its steps out: starts
//! the process with two pipes, feeds it, reads what the user did, and ends
//! it by closing its stdin (killing it if it does not go).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use island_core::notify::UserAction;
use island_desktop::widget_backend;
use island_desktop::window_link::{FromWindows, Step, Supervisor, ToWindows, WindowError, encode};
use island_protocol::DecisionSource;
use tauri::{AppHandle, Manager};

use super::state::TrayApp;
use crate::sync::lock;

/// How long a window process may take to go after its stdin closed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The window process and its supervisor.
#[derive(Debug)]
pub struct WindowProcess {
    inner: Mutex<Inner>,
    /// The monotonic clock the supervisor counts failures on.
    epoch: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    supervisor: Supervisor,
    process: Option<Process>,
}

/// A running window process.
#[derive(Debug)]
struct Process {
    /// Messages to it, written by its writer thread. The only sender:
    /// dropping it closes the process's stdin, which ends it.
    to: mpsc::Sender<ToWindows>,
    child: Arc<Mutex<Child>>,
    generation: u64,
}

impl Default for WindowProcess {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            epoch: Instant::now(),
        }
    }
}

impl WindowProcess {
    /// Shows or hides the widget (`raise`: the user asked for it).
    pub fn widget(&self, app: &AppHandle, shown: bool, raise: bool) {
        {
            let mut inner = lock(&self.inner);
            let steps = inner.supervisor.widget(shown, raise);
            inner.carry_out(app, steps);
        }
        // Approval notices may be quieter while the widget shows the cards
        // (`approvals_with_widget`).
        if let Some(tray_app) = app.try_state::<TrayApp>() {
            let _ = tray_app.act(UserAction::WidgetShown(shown));
        }
    }

    /// Opens the settings window (or brings it forward).
    pub fn settings(&self, app: &AppHandle) {
        let mut inner = lock(&self.inner);
        let steps = inner.supervisor.settings();
        inner.carry_out(app, steps);
    }

    /// Sends a message if the window process runs (a new one gets the
    /// board and layout when it starts).
    pub fn send(&self, message: ToWindows) {
        if let Some(process) = &lock(&self.inner).process {
            // A process that is gone is noticed by its reader.
            let _ = process.to.send(message);
        }
    }

    /// Island stops: the window process goes and is not started again.
    pub fn shutdown(&self, app: &AppHandle) {
        let mut inner = lock(&self.inner);
        let steps = inner.supervisor.shutdown();
        inner.carry_out(app, steps);
    }

    /// Answers window process `generation`, if it still runs.
    fn reply(&self, generation: u64, message: ToWindows) {
        if let Some(process) = &lock(&self.inner).process
            && process.generation == generation
        {
            let _ = process.to.send(message); // gone: its reader notices
        }
    }

    fn settings_closed(&self, app: &AppHandle, generation: u64, request: u64) {
        let mut inner = lock(&self.inner);
        let steps = inner.supervisor.settings_closed(generation, request);
        inner.carry_out(app, steps);
    }

    /// Window process `generation` ended; `clean`: by itself, with status
    /// 0 (at logout, on SIGTERM), which is no crash.
    fn ended(&self, app: &AppHandle, generation: u64, clean: bool) {
        let now_ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut inner = lock(&self.inner);
        if clean {
            inner.supervisor.not_started(generation);
            if inner
                .process
                .as_ref()
                .is_some_and(|p| p.generation == generation)
            {
                inner.process = None;
            }
            return;
        }
        let steps = inner.supervisor.ended(generation, now_ms);
        if !steps.is_empty() {
            tracing::warn!("the window process ended while a window was wanted");
            inner.process = None;
        }
        inner.carry_out(app, steps);
    }
}

impl Inner {
    fn carry_out(&mut self, app: &AppHandle, steps: Vec<Step>) {
        for step in steps {
            match step {
                Step::Start { generation, first } => self.start(app, generation, first),
                Step::Send(message) => {
                    if let Some(process) = &self.process {
                        let _ = process.to.send(message); // gone: its reader notices
                    }
                }
                Step::Stop => {
                    if let Some(process) = self.process.take() {
                        stop(process);
                    }
                }
                Step::GiveUp => tracing::error!(
                    "the window process keeps ending on its own; no window until one is \
                     asked for again"
                ),
            }
        }
    }

    fn start(&mut self, app: &AppHandle, generation: u64, first: Vec<ToWindows>) {
        let tray_app = app.state::<TrayApp>();
        let mut messages = vec![
            ToWindows::Board {
                board: tray_app.board(),
            },
            tray_app.widget_layout(false),
        ];
        messages.extend(first);
        match spawn(app, generation) {
            Ok(process) => {
                for message in messages {
                    let _ = process.to.send(message); // a failed start is noticed by its reader
                }
                self.process = Some(process);
            }
            Err(e) => {
                tracing::error!("cannot start the window process: {e}");
                self.supervisor.not_started(generation);
            }
        }
    }
}

/// Closes the process's stdin, and kills it if it has not gone soon after.
fn stop(process: Process) {
    let Process { to, child, .. } = process;
    drop(to);
    std::thread::spawn(move || {
        std::thread::sleep(STOP_GRACE);
        let mut child = lock(&child);
        if matches!(child.try_wait(), Ok(None)) {
            tracing::warn!("the window process did not end; killing it");
            let _ = child.kill(); // it may have ended meanwhile; either way it is gone
            let _ = child.wait(); // reaped here, or by its reader
        }
    });
}

/// Starts `island windows` with a writer and a reader thread.
fn spawn(app: &AppHandle, generation: u64) -> std::io::Result<Process> {
    let mut command = crate::native::window_process_command(&crate::native::own_executable()?);
    let backend = app.state::<TrayApp>().widget_backend.backend;
    command.env(widget_backend::ENV, backend.as_str());
    match backend {
        // This child alone: the tray app stays on Wayland.
        widget_backend::Backend::XWayland => command.env("GDK_BACKEND", "x11"),
        // Not an x11 the user set without a display to go with it.
        widget_backend::Backend::LayerShell | widget_backend::Backend::Wayland => {
            command.env("GDK_BACKEND", "wayland")
        }
        widget_backend::Backend::X11 => &mut command,
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill(); // useless without its pipes
        return Err(std::io::Error::other("no pipes to the window process"));
    };
    tracing::debug!("window process {} started", child.id());
    let child = Arc::new(Mutex::new(child));
    let (to, from_app) = mpsc::channel::<ToWindows>();
    std::thread::spawn(move || {
        // Ends when every sender is dropped: stdin closes, and the window
        // process exits.
        for message in from_app {
            let Ok(line) = encode(&message) else { continue };
            if stdin
                .write_all(line.as_bytes())
                .and_then(|()| stdin.flush())
                .is_err()
            {
                break;
            }
        }
    });
    let app = app.clone();
    let reader_child = Arc::clone(&child);
    std::thread::spawn(move || {
        read(&app, stdout, generation);
        let mut child = lock(&reader_child);
        // Its stdout closed: it has ended, or can no longer be heard.
        let clean = match child.try_wait() {
            Ok(Some(status)) => status.success(),
            _ => {
                let _ = child.kill(); // deaf, so useless; it may just have ended
                false
            }
        };
        match child.wait() {
            Ok(status) => tracing::debug!("window process ended: {status}"),
            Err(e) => tracing::warn!("cannot reap the window process: {e}"),
        }
        drop(child);
        app.state::<TrayApp>()
            .window_process
            .ended(&app, generation, clean);
        // Pages this process tray_app with the window process are its
        // alone again: give back what it does not use.
        crate::native::release_unused_libraries();
    });
    Ok(Process {
        to,
        child,
        generation,
    })
}

/// What the user did in a window, until the window process's stdout
/// closes. A line that is not a message is said and skipped.
fn read(app: &AppHandle, stdout: ChildStdout, generation: u64) {
    let mut stdout = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdout.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("cannot read the window process: {e}");
                return;
            }
        }
        match serde_json::from_slice::<FromWindows>(&line) {
            Ok(message) => on_message(app, message, generation),
            Err(e) => tracing::warn!("a message from the window process was not understood: {e}"),
        }
    }
}

fn on_message(app: &AppHandle, message: FromWindows, generation: u64) {
    let tray_app = app.state::<TrayApp>();
    let acted = match message {
        FromWindows::Decide {
            session_id,
            approval_id,
            decision,
        } => tray_app.act(UserAction::Decide {
            approval: island_core::tracker::ApprovalRef {
                session: session_id,
                id: approval_id,
            },
            decision: decision.decision(),
            source: DecisionSource::Widget,
        }),
        FromWindows::Focus { session_id } => tray_app.act(UserAction::Focus { session_id }),
        FromWindows::Dismiss => {
            let handle = app.clone();
            app.run_on_main_thread(move || super::widget::dismiss(&handle))
                .map_err(WindowError::window)
        }
        FromWindows::SettingsClosed { request } => {
            tray_app
                .window_process
                .settings_closed(app, generation, request);
            Ok(())
        }
        // Answered to the process that asked, even if another runs by then.
        FromWindows::LoadSettings { id } => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let result = super::settings_file::load_settings(&app).await;
                let windows = &app.state::<TrayApp>().window_process;
                windows.reply(generation, ToWindows::SettingsLoaded { id, result });
            });
            Ok(())
        }
        FromWindows::SaveSettings { id, form } => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let result = super::settings_file::save_settings(&app, form).await;
                let windows = &app.state::<TrayApp>().window_process;
                windows.reply(generation, ToWindows::SettingsSaved { id, result });
            });
            Ok(())
        }
    };
    if let Err(e) = acted {
        tracing::warn!("{e}");
    }
}
