//! The tray app and its window process. The webview is what costs memory,
//! and WebKit keeps much of it (its network process, a GL driver) for as
//! long as the process that once made a webview lives. So Island's windows
//! (the widget, the settings) live in a child process of their own,
//! started when a window is wanted and ended when none is: a hidden
//! Island is the tray app alone. They talk over the child's stdin and
//! stdout, one JSON object per line: the tray app says what to show
//! ([`ToWindows`]), the windows say what the user did ([`FromWindows`]).

use serde::{Deserialize, Serialize};

use crate::placement::Corner;
use crate::settings::SettingsForm;
use crate::view::{Board, CardDecision};

/// From the tray app to the window process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToWindows {
    /// The board now (first thing after start, then on every change).
    Board(Board),
    /// Where the widget starts; `reset` forgets where it was dragged.
    Layout {
        /// The corner.
        corner: Corner,
        /// Forget dragged positions (the user picked a corner).
        reset: bool,
    },
    /// Show the widget (`raise`: and bring it forward), or hide it.
    Widget {
        /// Shown or hidden.
        shown: bool,
        /// Bring it forward (the user asked for it).
        raise: bool,
    },
    /// Open the settings window, or bring it forward.
    Settings,
    /// The answer to [`FromWindows::LoadSettings`].
    SettingsLoaded {
        /// The request.
        id: u64,
        /// The view, or why not.
        result: Result<SettingsView, String>,
    },
    /// The answer to [`FromWindows::SaveSettings`].
    SettingsSaved {
        /// The request.
        id: u64,
        /// Done, or why not.
        result: Result<(), String>,
    },
}

/// From the window process to the tray app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromWindows {
    /// An approval card's answer.
    Decide {
        /// The approval.
        approval_id: String,
        /// The answer.
        decision: CardDecision,
    },
    /// A session card was clicked.
    Focus {
        /// The session.
        session_id: String,
    },
    /// The widget's close button: hidden until asked for again.
    Dismiss,
    /// The settings window was closed.
    SettingsClosed,
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

    #[test]
    fn messages_survive_the_pipe() {
        let to = [
            ToWindows::Board(Board::default()),
            ToWindows::Layout {
                corner: Corner::default(),
                reset: true,
            },
            ToWindows::Widget {
                shown: true,
                raise: false,
            },
            ToWindows::SettingsSaved {
                id: 3,
                result: Err("the file is broken".into()),
            },
        ];
        for message in to {
            let line = encode(&message).unwrap();
            assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
            assert_eq!(serde_json::from_str::<ToWindows>(&line).unwrap(), message);
        }
        let from = FromWindows::Decide {
            approval_id: "a1".into(),
            decision: CardDecision::ApprovedForSession,
        };
        let line = encode(&from).unwrap();
        assert_eq!(serde_json::from_str::<FromWindows>(&line).unwrap(), from);
        assert!(
            Wanted {
                widget: false,
                settings: true
            }
            .any()
                && !Wanted::default().any()
        );
    }
}
