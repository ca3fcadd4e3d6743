//! What the tray and the widget show, as data: the [`Board`] (the widget's
//! cards, pushed to the web UI as one JSON event), the tray's menu as a
//! list of [`MenuEntry`]s, and the [`MenuCommand`]s their ids stand for.
//! The GUI crate only renders these; nothing here knows about Tauri.

use island_protocol::{ReviewDecision, SessionState, Timestamp};
use serde::{Deserialize, Serialize};

use crate::tracker::{SessionTracker, TrayState, TraySummary};

/// Everything the widget renders, in one piece. Times are Unix
/// milliseconds, so that the web UI runs the elapsed timers itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    /// The aggregate state and counts.
    pub tray: TraySummary,
    /// The counts for people: "2 working, 1 needs you".
    pub summary: String,
    /// Do not disturb is on.
    pub do_not_disturb: bool,
    /// Sessions, those waiting for the user first, then by title.
    pub sessions: Vec<SessionCard>,
    /// The last approvals that closed, newest first.
    #[serde(default)]
    pub recent: Vec<RecentCard>,
    /// Why notices are held now, if they are.
    #[serde(default)]
    pub holding: Option<String>,
}

/// An approval that closed, for the widget's "recent" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentCard {
    /// The session.
    pub session_id: String,
    /// Its project, and the machine when it is another.
    pub project: String,
    /// What it would run, cut to a line.
    pub command: Option<String>,
    /// `approved`, `denied`, ...
    pub decision: String,
    /// `widget`, `tray`, `notification`, `command line`, `terminal`,
    /// `agent`.
    pub answered_by: String,
    /// When it closed (Unix ms).
    pub closed_ms: i64,
}

/// One session's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCard {
    /// The session id.
    pub id: String,
    /// The project.
    pub title: String,
    /// The machine it runs on, when it is not this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The agent's name.
    pub agent: Option<String>,
    /// Working directory.
    pub cwd: Option<String>,
    /// What it is doing.
    pub state: SessionState,
    /// The tool running now.
    pub tool: Option<String>,
    /// When the running turn started (Unix ms).
    pub turn_started_ms: Option<i64>,
    /// The last event (Unix ms).
    pub last_activity_ms: i64,
    /// Open approvals, oldest first.
    pub approvals: Vec<ApprovalCard>,
}

/// An open approval's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalCard {
    /// The approval id.
    pub id: String,
    /// The command, once known.
    pub command: Option<String>,
    /// Where it would run.
    pub cwd: Option<String>,
    /// Why it is asked.
    pub reason: Option<String>,
    /// "Approve for session" is offered.
    pub for_session: bool,
    /// Island can deliver an answer (the agent takes decisions from it);
    /// otherwise it is answered in the agent's terminal.
    pub answerable: bool,
    /// When it was asked (Unix ms).
    pub requested_ms: i64,
}

/// The answers an approval card offers, as the web UI names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardDecision {
    /// Approve once.
    Approved,
    /// Approve for the rest of the session.
    ApprovedForSession,
    /// Deny.
    Denied,
}

impl From<CardDecision> for ReviewDecision {
    fn from(decision: CardDecision) -> Self {
        match decision {
            CardDecision::Approved => Self::Approved,
            CardDecision::ApprovedForSession => Self::ApprovedForSession,
            CardDecision::Denied => Self::Denied,
        }
    }
}

use crate::display::safe;
use crate::tracker::ApprovalRef;

/// Builds the board from the tracker.
#[must_use]
pub fn board(tracker: &SessionTracker) -> Board {
    let tray = tracker.tray();
    let mut sessions: Vec<SessionCard> = tracker
        .sessions()
        .map(|s| SessionCard {
            id: s.id.clone(),
            // Everything an agent wrote is made visible (no control,
            // bidi or invisible characters) before the widget, the tray
            // menu or anything else shows it; ids stay as they are, since
            // they route answers back.
            title: safe(&s.title),
            host: s.remote.as_ref().map(|r| safe(&r.host)),
            agent: s.agent.as_deref().map(safe),
            cwd: s.cwd.as_deref().map(safe),
            state: s.state(),
            tool: s.current_tool.as_deref().map(safe),
            turn_started_ms: s.turn.as_ref().map(|(_, at)| at.unix_millis()),
            last_activity_ms: s.last_activity.unix_millis(),
            approvals: s
                .approvals
                .iter()
                .map(|a| ApprovalCard {
                    id: a.id.clone(),
                    command: a.command.as_deref().map(safe),
                    cwd: a.cwd.as_deref().or(s.cwd.as_deref()).map(safe),
                    reason: a.reason.as_deref().map(safe),
                    // Offered unless the agent listed its answers and left
                    // this one out.
                    for_session: a.decisions.is_empty()
                        || a.decisions.contains(&ReviewDecision::ApprovedForSession),
                    answerable: s.answer_conn(a).is_some(),
                    requested_ms: a.requested_at.unix_millis(),
                })
                .collect(),
        })
        .collect();
    sessions.sort_by(|a, b| {
        rank(a.state)
            .cmp(&rank(b.state))
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.id.cmp(&b.id))
    });
    let recent = tracker
        .recent()
        .map(|e| RecentCard {
            session_id: e.session.clone(),
            project: match &e.host {
                Some(host) => format!("{} on {}", safe(&e.project), safe(host)),
                None => safe(&e.project),
            },
            command: e
                .command
                .as_deref()
                .map(|c| crate::tracker::notices::shorten(&safe(c), 80)),
            decision: e.decision.clone(),
            answered_by: e.answered_by.as_str().to_owned(),
            closed_ms: e.closed_at.unix_millis(),
        })
        .collect();
    Board {
        summary: tray.describe(),
        tray,
        do_not_disturb: tracker.policy.do_not_disturb,
        sessions,
        recent,
        holding: tracker.holding(),
    }
}

fn rank(state: SessionState) -> u8 {
    match state {
        SessionState::NeedsApproval => 0,
        SessionState::Working => 1,
        SessionState::Aborted => 2,
        SessionState::Done | SessionState::Idle => 3,
        SessionState::Disconnected => 4,
    }
}

/// The icon for a tray state: the file stem under `icons/tray/`.
#[must_use]
pub fn icon_name(state: TrayState) -> &'static str {
    match state {
        TrayState::Idle => "idle",
        TrayState::Working => "working",
        TrayState::NeedsYou => "attention",
        TrayState::Error => "error",
    }
}

/// What a menu entry or a widget button asks for. Its [`id`](Self::id) is
/// the menu item id, so that a click maps back without a lookup table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuCommand {
    /// Bring a session's terminal up.
    Focus(String),
    /// Answer an approval.
    Decide(ApprovalRef, ReviewDecision),
    /// Do not disturb on or off.
    DoNotDisturb(bool),
    /// Show the widget.
    ShowWidget,
    /// Open the settings view.
    Settings,
    /// Quit Island.
    Quit,
}

impl MenuCommand {
    /// The menu item id.
    #[must_use]
    pub fn id(&self) -> String {
        match self {
            Self::Focus(session) => format!("focus:{session}"),
            Self::Decide(approval, decision) => {
                // The session and the approval as a JSON pair: either may
                // hold any character.
                let pair =
                    serde_json::to_string(&(&approval.session, &approval.id)).unwrap_or_default();
                let kind = match decision {
                    ReviewDecision::Approved => "approve",
                    ReviewDecision::ApprovedForSession => "approve_for_session",
                    _ => "deny",
                };
                format!("{kind}:{pair}")
            }
            Self::DoNotDisturb(_) => "dnd".into(),
            Self::ShowWidget => "show_widget".into(),
            Self::Settings => "settings".into(),
            Self::Quit => "quit".into(),
        }
    }

    /// The command behind a menu item id; `dnd_now` is the state before
    /// the click (a check item toggles it).
    #[must_use]
    pub fn parse(id: &str, dnd_now: bool) -> Option<Self> {
        if let Some((kind, arg)) = id.split_once(':') {
            let approval = || {
                serde_json::from_str::<(String, String)>(arg)
                    .ok()
                    .map(|(session, id)| ApprovalRef { session, id })
            };
            return match kind {
                "focus" => Some(Self::Focus(arg.to_owned())),
                "approve" => Some(Self::Decide(approval()?, ReviewDecision::Approved)),
                "approve_for_session" => Some(Self::Decide(
                    approval()?,
                    ReviewDecision::ApprovedForSession,
                )),
                "deny" => Some(Self::Decide(approval()?, ReviewDecision::Denied)),
                _ => None,
            };
        }
        match id {
            "dnd" => Some(Self::DoNotDisturb(!dnd_now)),
            "show_widget" => Some(Self::ShowWidget),
            "settings" => Some(Self::Settings),
            "quit" => Some(Self::Quit),
            _ => None,
        }
    }
}

/// One entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuEntry {
    /// A clickable item.
    Item {
        /// What it does.
        command: MenuCommand,
        /// Its text.
        label: String,
    },
    /// A line of text that does nothing (a heading, "No sessions").
    Note(String),
    /// A check item.
    Check {
        /// What it does.
        command: MenuCommand,
        /// Its text.
        label: String,
        /// Checked.
        checked: bool,
    },
    /// A separator.
    Separator,
}

/// Menu labels are cut to this many characters: menus grow as wide as
/// their longest entry.
const LABEL_CHARS: usize = 60;

/// The tray menu for a board at `now`: each session (clicking focuses it),
/// each open approval with Approve and Deny, then the fixed entries.
#[must_use]
pub fn tray_menu(board: &Board, now: Timestamp) -> Vec<MenuEntry> {
    let now_ms = now.unix_millis();
    let mut menu = vec![MenuEntry::Note(board.summary.clone())];
    if let Some(why) = &board.holding {
        menu.push(MenuEntry::Note(format!("Notices held: {why}")));
    }
    menu.push(MenuEntry::Separator);
    if board.sessions.is_empty() {
        menu.push(MenuEntry::Note("No agent sessions".into()));
    }
    for session in &board.sessions {
        let since = session.turn_started_ms.unwrap_or(session.last_activity_ms);
        let title = match &session.host {
            Some(host) => format!("{} on {host}", session.title),
            None => session.title.clone(),
        };
        let label = format!(
            "{title} — {} · {}",
            state_label(session.state),
            elapsed(now_ms - since)
        );
        menu.push(MenuEntry::Item {
            command: MenuCommand::Focus(session.id.clone()),
            label: cut(&label),
        });
        for approval in &session.approvals {
            let what = approval.command.as_deref().unwrap_or("an approval");
            if !approval.answerable {
                // Only the agent's terminal can answer it: clicking brings
                // that terminal up.
                menu.push(MenuEntry::Item {
                    command: MenuCommand::Focus(session.id.clone()),
                    label: cut(&format!("    Answer in the terminal: {what}")),
                });
                continue;
            }
            menu.push(MenuEntry::Item {
                command: MenuCommand::Decide(
                    ApprovalRef::new(&session.id, &approval.id),
                    ReviewDecision::Approved,
                ),
                label: cut(&format!("    Approve: {what}")),
            });
            if approval.for_session {
                menu.push(MenuEntry::Item {
                    command: MenuCommand::Decide(
                        ApprovalRef::new(&session.id, &approval.id),
                        ReviewDecision::ApprovedForSession,
                    ),
                    label: "    Approve for this session".into(),
                });
            }
            menu.push(MenuEntry::Item {
                command: MenuCommand::Decide(
                    ApprovalRef::new(&session.id, &approval.id),
                    ReviewDecision::Denied,
                ),
                label: "    Deny".into(),
            });
        }
    }
    menu.extend([
        MenuEntry::Separator,
        MenuEntry::Check {
            command: MenuCommand::DoNotDisturb(!board.do_not_disturb),
            label: "Do not disturb".into(),
            checked: board.do_not_disturb,
        },
        MenuEntry::Item {
            command: MenuCommand::ShowWidget,
            label: "Show widget".into(),
        },
        MenuEntry::Item {
            command: MenuCommand::Settings,
            label: "Settings…".into(),
        },
        MenuEntry::Separator,
        MenuEntry::Item {
            command: MenuCommand::Quit,
            label: "Quit Island".into(),
        },
    ]);
    menu
}

/// The tray menu with the terminal answer token shown, as a line of text
/// above "Quit Island": with `answers_from = "ui"`, the desktop is where
/// the person at it reads the token that lets their terminal answer.
#[must_use]
pub fn with_answer_token(mut menu: Vec<MenuEntry>, token: &str) -> Vec<MenuEntry> {
    let at = menu
        .iter()
        .rposition(|e| matches!(e, MenuEntry::Separator))
        .unwrap_or(menu.len());
    menu.insert(
        at,
        MenuEntry::Note(format!("Terminal answer token: {token}")),
    );
    menu
}

/// Whether the menu text changes with time alone: elapsed times of running
/// turns are shown to the minute, so the menu is refreshed once a minute
/// while a turn runs, and never while all is idle.
#[must_use]
pub fn menu_ticks(board: &Board) -> bool {
    board.sessions.iter().any(|s| s.turn_started_ms.is_some())
}

/// A session state for people.
#[must_use]
pub fn state_label(state: SessionState) -> &'static str {
    match state {
        SessionState::Idle => "idle",
        SessionState::Working => "working",
        SessionState::NeedsApproval => "needs you",
        SessionState::Done => "done",
        SessionState::Aborted => "aborted",
        SessionState::Disconnected => "disconnected",
    }
}

/// "just now", "4 min", "2 h 5 min".
#[must_use]
pub fn elapsed(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min"),
        m => format!("{} h {} min", m / 60, m % 60),
    }
}

fn cut(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_ids_round_trip() {
        let commands = [
            MenuCommand::Focus("s:1".into()),
            MenuCommand::Decide(ApprovalRef::new("s/1", "a:1"), ReviewDecision::Approved),
            MenuCommand::Decide(
                ApprovalRef::new("s", "a\"]"),
                ReviewDecision::ApprovedForSession,
            ),
            MenuCommand::Decide(ApprovalRef::new("s", "a"), ReviewDecision::Denied),
            MenuCommand::ShowWidget,
            MenuCommand::Settings,
            MenuCommand::Quit,
        ];
        for command in commands {
            assert_eq!(MenuCommand::parse(&command.id(), false), Some(command));
        }
        assert_eq!(
            MenuCommand::parse("dnd", true),
            Some(MenuCommand::DoNotDisturb(false))
        );
        assert_eq!(MenuCommand::parse("nonsense", false), None);
        assert_eq!(MenuCommand::parse("other:x", false), None);
    }

    #[test]
    fn elapsed_reads_well() {
        assert_eq!(elapsed(-5), "just now");
        assert_eq!(elapsed(59_999), "just now");
        assert_eq!(elapsed(4 * 60_000 + 1), "4 min");
        assert_eq!(elapsed(125 * 60_000), "2 h 5 min");
    }

    #[test]
    fn long_labels_are_cut() {
        let long = "x".repeat(200);
        let label = cut(&long);
        assert_eq!(label.chars().count(), LABEL_CHARS);
        assert!(label.ends_with('…'));
    }
}
