//! The tray app and its window process. The webview is what costs memory,
//! and WebKit keeps much of it (its network process, a GL driver) for as
//! long as the process that once made a webview lives. So Island's windows
//! (the widget, the settings) live in a child process of their own,
//! started when a window is wanted and ended when none is: a hidden
//! Island is the tray app alone. They talk over the child's stdin and
//! stdout, one JSON object per line: the tray app says what to show
//! ([`ToWindows`]), the windows say what the user did ([`FromWindows`]).
//! [`Supervisor`] decides when the process runs.
//!
//! Over 400 lines: the messages, the pure supervisor that decides when the
//! process runs, and the tests that pin every message's JSON (about 190
//! lines), which belong beside the types they pin.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::placement::Corner;
use crate::settings::SettingsForm;
use island_core::actions::Answer;
use island_core::view::Board;

/// Why something asked of the tray app was not done; the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct WindowError {
    /// What kind of failure.
    pub kind: WindowErrorKind,
    /// For people.
    pub message: String,
}

/// The kinds of [`WindowError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowErrorKind {
    /// The config file could not be read or written.
    Settings,
    /// A window could not be made or changed.
    Window,
    /// Island is stopping, or did not answer.
    Stopping,
}

impl WindowError {
    /// An error of `kind`.
    pub fn new(kind: WindowErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The config file could not be read or written.
    pub fn settings(e: impl std::fmt::Display) -> Self {
        Self::new(WindowErrorKind::Settings, e.to_string())
    }

    /// A window call failed.
    pub fn window(e: impl std::fmt::Display) -> Self {
        Self::new(WindowErrorKind::Window, e.to_string())
    }
}

/// From the tray app to the window process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWindows {
    /// The board now (first thing after start, then on every change).
    Board {
        /// The board.
        board: Board,
    },
    /// Where the widget starts; `reset` forgets where it was dragged.
    Layout {
        /// The corner.
        corner: Corner,
        /// Forget dragged positions (the user picked a corner).
        reset: bool,
        /// The output a layer-shell widget shows on (`[widget] output`);
        /// absent: the compositor's choice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
    },
    /// Show the widget (`raise`: and bring it forward), or hide it.
    Widget {
        /// Shown or hidden.
        shown: bool,
        /// Bring it forward (the user asked for it).
        raise: bool,
    },
    /// Open the settings window, or bring it forward.
    Settings {
        /// Counts the requests: a close answers the latest one it saw.
        request: u64,
    },
    /// The answer to [`FromWindows::LoadSettings`].
    SettingsLoaded {
        /// The request.
        id: u64,
        /// The view, or why not.
        result: Result<SettingsView, WindowError>,
    },
    /// The answer to [`FromWindows::SaveSettings`].
    SettingsSaved {
        /// The request.
        id: u64,
        /// Done, or why not.
        result: Result<(), WindowError>,
    },
}

/// From the window process to the tray app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWindows {
    /// An approval card's answer.
    Decide {
        /// The session whose approval it is.
        session_id: String,
        /// The approval.
        approval_id: String,
        /// The answer.
        decision: Answer,
    },
    /// A session card was clicked.
    Focus {
        /// The session.
        session_id: String,
    },
    /// The widget's close button: hidden until asked for again.
    Dismiss,
    /// The settings window was closed.
    SettingsClosed {
        /// The latest [`ToWindows::Settings`] request it had seen: a
        /// request made since then still wants the window.
        request: u64,
    },
    /// The settings view wants the file's values.
    LoadSettings {
        /// Answered with the same id.
        id: u64,
    },
    /// The settings view's Save.
    SaveSettings {
        /// Answered with the same id.
        id: u64,
        /// What to write.
        form: SettingsForm,
    },
}

/// What the settings view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    /// The file's values.
    pub form: SettingsForm,
    /// The config file.
    pub config_path: String,
    /// The socket Island listens on now.
    pub socket: String,
}

/// Which windows the tray app wants; the window process runs while any is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wanted {
    /// The widget.
    pub widget: bool,
    /// The settings window.
    pub settings: bool,
}

impl Wanted {
    /// Whether the window process is needed.
    #[must_use]
    pub fn any(self) -> bool {
        self.widget || self.settings
    }
}

/// What the tray app does next with its window process.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Start window process `generation`, then send it the board, the
    /// layout and these.
    Start {
        /// Its generation: what it says later is matched against it.
        generation: u64,
        /// What it shows first.
        first: Vec<ToWindows>,
    },
    /// Tell the running process.
    Send(ToWindows),
    /// End the running process (close its stdin).
    Stop,
    /// It ended on its own too often: no window until one is asked for.
    GiveUp,
}

/// Starts allowed after unexpected ends, per [`CRASH_WINDOW_MS`].
pub const MAX_CRASHES: usize = 3;
/// The window over which unexpected ends are counted.
pub const CRASH_WINDOW_MS: u64 = 60_000;

/// When the window process runs: while a window is wanted, started again
/// if it ends on its own (up to [`MAX_CRASHES`] a minute, until the user
/// asks for a window again), never once Island stops. Pure: the tray app
/// carries out the [`Step`]s.
#[derive(Debug, Default)]
pub struct Supervisor {
    wanted: Wanted,
    running: Option<u64>,
    generation: u64,
    crashes: VecDeque<u64>,
    stopping: bool,
    settings_request: u64,
}

impl Supervisor {
    /// The running process's generation.
    #[must_use]
    pub fn running(&self) -> Option<u64> {
        self.running
    }

    /// Show or hide the widget; `raise`: the user asked for it.
    pub fn widget(&mut self, shown: bool, raise: bool) -> Vec<Step> {
        if self.wanted.widget == shown && !raise {
            return Vec::new();
        }
        self.wanted.widget = shown;
        if raise {
            self.crashes.clear();
        }
        self.reconcile(Some(ToWindows::Widget { shown, raise }))
    }

    /// Open the settings window (or bring it forward).
    pub fn settings(&mut self) -> Vec<Step> {
        self.wanted.settings = true;
        self.crashes.clear();
        self.settings_request += 1;
        let request = self.settings_request;
        self.reconcile(Some(ToWindows::Settings { request }))
    }

    /// Process `generation` says its settings window closed, having seen
    /// request `request` last (an older process's word, or one that
    /// crossed a newer request, is stale).
    pub fn settings_closed(&mut self, generation: u64, request: u64) -> Vec<Step> {
        if self.running != Some(generation) || request != self.settings_request {
            return Vec::new();
        }
        self.wanted.settings = false;
        self.reconcile(None)
    }

    /// Process `generation` ended at `now_ms` (a monotonic clock). If it
    /// was the running one, it ended on its own.
    pub fn ended(&mut self, generation: u64, now_ms: u64) -> Vec<Step> {
        if self.running != Some(generation) {
            return Vec::new();
        }
        self.running = None;
        while self
            .crashes
            .front()
            .is_some_and(|t| now_ms.saturating_sub(*t) > CRASH_WINDOW_MS)
        {
            self.crashes.pop_front();
        }
        if self.crashes.len() >= MAX_CRASHES {
            // The settings window is not there; it is opened only when
            // asked for again.
            self.wanted.settings = false;
            return vec![Step::GiveUp];
        }
        self.crashes.push_back(now_ms);
        self.reconcile(None)
    }

    /// Process `generation` could not be started: no retry until a window
    /// is asked for again.
    pub fn not_started(&mut self, generation: u64) {
        if self.running == Some(generation) {
            self.running = None;
            self.wanted.settings = false;
        }
    }

    /// Island stops: the process ends and is not started again.
    pub fn shutdown(&mut self) -> Vec<Step> {
        self.stopping = true;
        self.running
            .take()
            .map(|_| Step::Stop)
            .into_iter()
            .collect()
    }

    fn reconcile(&mut self, message: Option<ToWindows>) -> Vec<Step> {
        if self.stopping {
            return Vec::new();
        }
        if !self.wanted.any() {
            return self
                .running
                .take()
                .map(|_| Step::Stop)
                .into_iter()
                .collect();
        }
        if self.running.is_some() {
            return message.map(Step::Send).into_iter().collect();
        }
        self.generation += 1;
        self.running = Some(self.generation);
        let raise = matches!(message, Some(ToWindows::Widget { raise: true, .. }));
        let mut first = Vec::new();
        if self.wanted.widget {
            first.push(ToWindows::Widget { shown: true, raise });
        }
        if self.wanted.settings {
            first.push(ToWindows::Settings {
                request: self.settings_request,
            });
        }
        vec![Step::Start {
            generation: self.generation,
            first,
        }]
    }
}

/// One message as a line (with its newline).
///
/// # Errors
/// Only if a value cannot be serialised (it always can).
pub fn encode<T: Serialize>(message: &T) -> serde_json::Result<String> {
    serde_json::to_string(message).map(|line| line + "\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn wire<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        message: &T,
        want: &serde_json::Value,
    ) {
        let line = encode(message).unwrap();
        assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
        assert_eq!(
            &serde_json::from_str::<serde_json::Value>(&line).unwrap(),
            want
        );
        assert_eq!(&serde_json::from_str::<T>(&line).unwrap(), message);
    }

    #[test]
    fn every_message_has_its_pinned_shape() {
        let board = serde_json::to_value(Board::default()).unwrap();
        wire(
            &ToWindows::Board {
                board: Board::default(),
            },
            &json!({"type": "board", "board": board}),
        );
        wire(
            &ToWindows::Layout {
                corner: Corner::TopRight,
                reset: true,
                output: None,
            },
            &json!({"type": "layout", "corner": "top-right", "reset": true}),
        );
        wire(
            &ToWindows::Layout {
                corner: Corner::BottomLeft,
                reset: false,
                output: Some("HEADLESS-2".into()),
            },
            &json!({"type": "layout", "corner": "bottom-left", "reset": false, "output": "HEADLESS-2"}),
        );
        wire(
            &ToWindows::Widget {
                shown: true,
                raise: false,
            },
            &json!({"type": "widget", "shown": true, "raise": false}),
        );
        wire(
            &ToWindows::Settings { request: 2 },
            &json!({"type": "settings", "request": 2}),
        );
        let view = SettingsView {
            form: SettingsForm::from_config(&island_core::config::IslandConfig::default()),
            config_path: "/c.toml".into(),
            socket: "/s.sock".into(),
        };
        let loaded = ToWindows::SettingsLoaded {
            id: 1,
            result: Ok(view.clone()),
        };
        let line: serde_json::Value = serde_json::from_str(&encode(&loaded).unwrap()).unwrap();
        assert_eq!(line["type"], "settings_loaded");
        assert_eq!(line["result"]["Ok"]["config_path"], "/c.toml");
        wire(
            &ToWindows::SettingsSaved {
                id: 3,
                result: Err(WindowError::new(WindowErrorKind::Settings, "broken")),
            },
            &json!({"type": "settings_saved", "id": 3,
                    "result": {"Err": {"kind": "settings", "message": "broken"}}}),
        );
        wire(
            &FromWindows::Decide {
                session_id: "s1".into(),
                approval_id: "a1".into(),
                decision: Answer::ApproveForSession,
            },
            &json!({"type": "decide", "session_id": "s1", "approval_id": "a1", "decision": "approve_for_session"}),
        );
        wire(
            &FromWindows::Focus {
                session_id: "s1".into(),
            },
            &json!({"type": "focus", "session_id": "s1"}),
        );
        wire(&FromWindows::Dismiss, &json!({"type": "dismiss"}));
        wire(
            &FromWindows::SettingsClosed { request: 2 },
            &json!({"type": "settings_closed", "request": 2}),
        );
        wire(
            &FromWindows::LoadSettings { id: 4 },
            &json!({"type": "load_settings", "id": 4}),
        );
        let save = FromWindows::SaveSettings {
            id: 5,
            form: view.form,
        };
        let line: serde_json::Value = serde_json::from_str(&encode(&save).unwrap()).unwrap();
        assert_eq!(
            (line["type"].as_str(), line["id"].as_u64()),
            (Some("save_settings"), Some(5))
        );
    }

    fn started(steps: &[Step]) -> u64 {
        match steps {
            [Step::Start { generation, .. }] => *generation,
            other => panic!("expected a start: {other:?}"),
        }
    }

    #[test]
    fn the_process_runs_while_a_window_is_wanted() {
        let mut s = Supervisor::default();
        assert!(s.widget(false, false).is_empty());
        let first = started(&s.widget(true, false));
        // Shown again: nothing to say.
        assert!(s.widget(true, false).is_empty());
        assert_eq!(
            s.settings(),
            vec![Step::Send(ToWindows::Settings { request: 1 })]
        );
        assert_eq!(
            s.widget(false, false),
            vec![Step::Send(ToWindows::Widget {
                shown: false,
                raise: false
            })]
        );
        // A stale word from another process changes nothing, nor one that
        // crossed a newer request.
        assert!(s.settings_closed(first + 7, 1).is_empty());
        assert_eq!(
            s.settings(),
            vec![Step::Send(ToWindows::Settings { request: 2 })]
        );
        assert!(s.settings_closed(first, 1).is_empty());
        assert_eq!(s.settings_closed(first, 2), vec![Step::Stop]);
        assert_eq!(s.running(), None);
        // Its end, asked for, is not a crash.
        assert!(s.ended(first, 10).is_empty());
        // Many shows and hides are never counted as failures.
        for _ in 0..10 {
            started(&s.widget(true, false));
            assert_eq!(s.widget(false, false), vec![Step::Stop]);
        }
        let Step::Start { first, .. } = &s.widget(true, true)[0] else {
            panic!()
        };
        assert_eq!(
            first,
            &vec![ToWindows::Widget {
                shown: true,
                raise: true
            }]
        );
    }

    #[test]
    fn a_process_that_dies_is_started_again_until_it_keeps_dying() {
        let mut s = Supervisor::default();
        let mut generation = started(&s.settings());
        for at in [1_000, 2_000, 3_000] {
            generation = started(&s.ended(generation, at));
        }
        assert_eq!(s.ended(generation, 4_000), vec![Step::GiveUp]);
        assert_eq!(s.running(), None);
        // Asked for again, it gets its tries back.
        let generation = started(&s.settings());
        let generation = started(&s.ended(generation, 200_000));
        // One that cannot even start is not retried by itself; the user's
        // next request tries again.
        s.not_started(generation);
        assert_eq!(s.running(), None);
        // Failures older than a minute no longer count.
        let mut generation = started(&s.widget(true, true));
        for at in [1_000_000, 1_001_000, 1_002_000] {
            generation = started(&s.ended(generation, at));
        }
        let generation = started(&s.ended(generation, 1_070_000));
        let _ = generation;
        // Stopping: ended, never started again.
        assert_eq!(s.shutdown(), vec![Step::Stop]);
        assert!(s.widget(true, true).is_empty());
        assert!(s.settings().is_empty());
    }
}
