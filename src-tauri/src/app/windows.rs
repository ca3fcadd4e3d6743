//! The tray app's side of the window process (`island windows`; see
//! `island_core::window_link` for why it is a process of its own). It is
//! started when a window is wanted and its stdin is closed when none is,
//! which ends it; a hidden Island has no webview and no WebKit process.
//! A window process that dies while a window is wanted is started again,
//! at most [`MAX_STARTS`] times a minute.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use island_core::notify::UserAction;
use island_core::window_link::{FromWindows, ToWindows, Wanted, encode};
use island_protocol::DecisionSource;
use tauri::{AppHandle, Manager};

use super::state::{Shared, lock};

/// Starts allowed per minute before Island stops trying (until the user
/// asks for a window again).
const MAX_STARTS: usize = 3;

/// The window process, when one runs, and which windows are wanted.
#[derive(Debug, Default)]
pub struct Windows {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    wanted: Wanted,
    process: Option<Process>,
    generation: u64,
    starts: VecDeque<Instant>,
}

/// A running window process: messages to it go through its writer thread.
#[derive(Debug)]
struct Process {
    to: mpsc::Sender<ToWindows>,
    generation: u64,
}

impl Windows {
    /// Shows or hides the widget (`raise`: the user asked for it).
    pub fn widget(&self, app: &AppHandle, shown: bool, raise: bool) {
        let mut inner = lock(&self.inner);
        if inner.wanted.widget == shown && !raise {
            return;
        }
        inner.wanted.widget = shown;
        if raise {
            inner.starts.clear(); // asked for: try again
        }
        inner.apply(app, ToWindows::Widget { shown, raise });
    }

    /// Opens the settings window (or brings it forward).
    pub fn settings(&self, app: &AppHandle) {
        let mut inner = lock(&self.inner);
        inner.wanted.settings = true;
        inner.starts.clear();
        inner.apply(app, ToWindows::Settings);
    }

    /// The window process says the settings window closed.
    fn settings_closed(&self) {
        let mut inner = lock(&self.inner);
        inner.wanted.settings = false;
        inner.stop_if_unwanted();
    }

    /// Sends a message if the window process runs (a new one gets the
    /// state when it starts).
    pub fn send(&self, message: ToWindows) {
        if let Some(process) = &lock(&self.inner).process {
            let _ = process.to.send(message); // gone: its reader notices
        }
    }

    /// The window process `generation` ended.
    fn ended(&self, app: &AppHandle, generation: u64) {
        let mut inner = lock(&self.inner);
        if inner
            .process
            .as_ref()
            .is_some_and(|p| p.generation == generation)
        {
            inner.process = None;
            if inner.wanted.any() {
                tracing::warn!("the window process ended while a window was wanted");
                let wanted = inner.wanted;
                inner.start(app, wanted, false);
            }
        }
    }
}

impl Inner {
    /// Makes the process match what is wanted, and tells it `message`.
    fn apply(&mut self, app: &AppHandle, message: ToWindows) {
        if !self.wanted.any() {
            self.stop_if_unwanted();
            return;
        }
        match &self.process {
            Some(process) => {
                let _ = process.to.send(message); // gone: its reader restarts it
            }
            None => {
                let raise = matches!(message, ToWindows::Widget { raise: true, .. });
                let wanted = self.wanted;
                self.start(app, wanted, raise);
            }
        }
    }

    /// Ends the process if no window is wanted: its stdin closes.
    fn stop_if_unwanted(&mut self) {
        if !self.wanted.any() {
            self.process = None;
        }
    }

    fn start(&mut self, app: &AppHandle, wanted: Wanted, raise: bool) {
        let now = Instant::now();
        while self
            .starts
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
        {
            self.starts.pop_front();
        }
        if self.starts.len() >= MAX_STARTS {
            tracing::error!(
                "the window process failed {MAX_STARTS} times in a minute; \
                 no window until one is asked for again"
            );
            return;
        }
        self.starts.push_back(now);
        self.generation += 1;
        match spawn(app, self.generation) {
            Ok(to) => {
                let shared = app.state::<Shared>();
                let corner = shared.config().widget.corner;
                let mut first = vec![
                    ToWindows::Board(shared.board()),
                    ToWindows::Layout {
                        corner,
                        reset: false,
                    },
                ];
                if wanted.widget {
                    first.push(ToWindows::Widget { shown: true, raise });
                }
                if wanted.settings {
                    first.push(ToWindows::Settings);
                }
                for message in first {
                    let _ = to.send(message); // a failed start is noticed by its reader
                }
                self.process = Some(Process {
                    to,
                    generation: self.generation,
                });
            }
            Err(e) => tracing::error!("cannot start the window process: {e}"),
        }
    }
}

/// Starts `island windows` with a writer and a reader thread.
fn spawn(app: &AppHandle, generation: u64) -> std::io::Result<mpsc::Sender<ToWindows>> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .arg("windows")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(std::io::Error::other("no pipes to the window process"));
    };
    tracing::debug!("window process {} started", child.id());
    let (to, from_app) = mpsc::channel::<ToWindows>();
    std::thread::spawn(move || {
        // Ends when the sender is dropped (no window wanted): stdin closes
        // and the window process exits.
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
    std::thread::spawn(move || {
        read(&app, stdout);
        match child.wait() {
            Ok(status) => tracing::debug!("window process ended: {status}"),
            Err(e) => tracing::warn!("cannot reap the window process: {e}"),
        }
        app.state::<Shared>().windows.ended(&app, generation);
    });
    Ok(to)
}

/// What the user did in a window, until the window process ends.
fn read(app: &AppHandle, stdout: ChildStdout) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { return };
        match serde_json::from_str::<FromWindows>(&line) {
            Ok(message) => on_message(app, message),
            Err(e) => tracing::warn!("a message from the window process was not understood: {e}"),
        }
    }
}

fn on_message(app: &AppHandle, message: FromWindows) {
    let shared = app.state::<Shared>();
    let acted = match message {
        FromWindows::Decide {
            approval_id,
            decision,
        } => shared.act(UserAction::Decide {
            approval_id,
            decision: decision.into(),
            source: DecisionSource::Widget,
        }),
        FromWindows::Focus { session_id } => shared.act(UserAction::Focus { session_id }),
        FromWindows::Dismiss => {
            let handle = app.clone();
            app.run_on_main_thread(move || super::widget::dismiss(&handle))
                .map_err(|e| e.to_string())
        }
        FromWindows::SettingsClosed => {
            shared.windows.settings_closed();
            Ok(())
        }
        FromWindows::LoadSettings { id } => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let result = super::commands::load_settings(&app).await;
                let shared = app.state::<Shared>();
                shared
                    .windows
                    .send(ToWindows::SettingsLoaded { id, result });
            });
            Ok(())
        }
        FromWindows::SaveSettings { id, form } => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let result = super::commands::save_settings(&app, form).await;
                let shared = app.state::<Shared>();
                shared.windows.send(ToWindows::SettingsSaved { id, result });
            });
            Ok(())
        }
    };
    if let Err(e) = acted {
        tracing::warn!("{e}");
    }
}
