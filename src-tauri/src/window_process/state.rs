//! What the window process holds: the last board, where the widget goes,
//! the way back to the tray app (its pipe), and requests waiting for its
//! answer.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use island_core::view::Board;
use island_desktop::placement::{Corner, Positions};
use island_desktop::window_link::{FromWindows, SettingsView, WindowError, encode};
use tokio::sync::oneshot;

use crate::sync::lock;

/// An answer from the tray app to a request.
#[derive(Debug)]
pub enum Reply {
    /// To [`FromWindows::LoadSettings`].
    Loaded(Result<SettingsView, WindowError>),
    /// To [`FromWindows::SaveSettings`].
    Saved(Result<(), WindowError>),
}

/// Held by Tauri as managed state.
#[derive(Debug)]
pub struct WindowState {
    board: Mutex<Board>,
    widget: Mutex<WidgetState>,
    out: Mutex<std::fs::File>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Reply>>>,
    next_id: AtomicU64,
    settings_request: AtomicU64,
}

/// Where the widget goes.
#[derive(Debug)]
pub struct WidgetState {
    /// The corner it starts in.
    pub corner: Corner,
    /// The output a layer-shell widget shows on (`None`: the focused one).
    pub output: Option<String>,
    /// Dragged positions per display.
    pub positions: Positions,
    /// Where they are kept.
    pub positions_path: Option<PathBuf>,
    /// Positions changed since the last save.
    pub unsaved: bool,
    /// Where Island itself last put the window: the window system reports
    /// those moves too (late, and again on resizes); a move elsewhere is
    /// the user's drag.
    pub placed_at: std::collections::VecDeque<(i32, i32)>,
}

impl WidgetState {
    /// Island put the window at (x, y).
    pub fn placed(&mut self, x: i32, y: i32) {
        if self.placed_at.len() == 4 {
            self.placed_at.pop_front();
        }
        self.placed_at.push_back((x, y));
    }

    /// Whether a reported position is one of Island's own.
    pub fn placed_by_island(&self, x: i32, y: i32) -> bool {
        self.placed_at.contains(&(x, y))
    }
}

impl WindowState {
    pub fn new(to_app: std::fs::File) -> Self {
        let positions_path = Positions::default_path();
        let positions = positions_path
            .as_deref()
            .map(Positions::load)
            .unwrap_or_default();
        Self {
            board: Mutex::default(),
            widget: Mutex::new(WidgetState {
                corner: Corner::default(),
                output: None,
                positions,
                positions_path,
                unsaved: false,
                placed_at: std::collections::VecDeque::new(),
            }),
            out: Mutex::new(to_app),
            pending: Mutex::default(),
            next_id: AtomicU64::new(1),
            settings_request: AtomicU64::new(0),
        }
    }

    /// The last board the tray app sent.
    pub fn board(&self) -> std::sync::MutexGuard<'_, Board> {
        lock(&self.board)
    }

    /// Where the widget goes.
    pub fn widget(&self) -> std::sync::MutexGuard<'_, WidgetState> {
        lock(&self.widget)
    }

    /// Tells the tray app. A closed pipe means it is gone; stdin closes
    /// next, and this process with it.
    pub fn send(&self, message: &FromWindows) {
        let line = match encode(message) {
            Ok(line) => line,
            Err(e) => {
                tracing::warn!("cannot encode a message for the tray app: {e}");
                return;
            }
        };
        let mut out = lock(&self.out);
        if let Err(e) = out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
            tracing::warn!("cannot tell the tray app: {e}");
        }
    }

    /// Asks the tray app; the answer comes through [`answer`](Self::answer)
    /// (or never: then [`forget`](Self::forget) the id).
    pub fn request(
        &self,
        message: impl FnOnce(u64) -> FromWindows,
    ) -> (u64, oneshot::Receiver<Reply>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        self.send(&message(id));
        (id, rx)
    }

    /// The tray app asked for the settings window (its `request`-th time).
    pub fn settings_request(&self, request: u64) {
        self.settings_request.store(request, Ordering::Relaxed);
    }

    /// The latest request for the settings window seen.
    pub fn latest_settings_request(&self) -> u64 {
        self.settings_request.load(Ordering::Relaxed)
    }

    /// Gives up on request `id`.
    pub fn forget(&self, id: u64) {
        lock(&self.pending).remove(&id);
    }

    /// Reads the dragged positions again: another window process may have
    /// saved them since this one started.
    pub fn reload_positions(&self) {
        let mut widget = self.widget();
        if let Some(path) = widget.positions_path.clone()
            && !widget.unsaved
        {
            widget.positions = Positions::load(&path);
        }
    }

    /// The tray app answered request `id`.
    pub fn answer(&self, id: u64, answer: Reply) {
        if let Some(tx) = lock(&self.pending).remove(&id) {
            let _ = tx.send(answer); // the asker may have given up
        }
    }
}
