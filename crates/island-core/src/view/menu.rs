//! The tray's menu as data: the entries for a board ([`tray_menu`]), the
//! [`MenuCommand`]s their ids stand for, and the labels they use.

use super::*;
use crate::actions::Answer;

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
                // The answer, the session and the approval as a JSON
                // triple: each may hold any character.
                let answer = crate::actions::Answer::of(decision)
                    .unwrap_or(crate::actions::Answer::Deny)
                    .id();
                let triple = serde_json::to_string(&(answer, &approval.session, &approval.id))
                    .unwrap_or_default();
                format!("decide:{triple}")
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
            return match kind {
                "focus" => Some(Self::Focus(arg.to_owned())),
                "decide" => {
                    let (answer, session, id) =
                        serde_json::from_str::<(String, String, String)>(arg).ok()?;
                    let answer = crate::actions::Answer::parse(&answer)?;
                    Some(Self::Decide(ApprovalRef { session, id }, answer.decision()))
                }
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
            // The first answer names what it answers; a question's
            // options come first, then approve, for the session, deny.
            for (i, (answer, label)) in approval.answers().into_iter().enumerate() {
                let label = match (&answer, i) {
                    (Answer::ApproveForSession, _) => "Approve for this session".to_owned(),
                    (_, 0) => format!("{label}: {what}"),
                    _ => label,
                };
                menu.push(MenuEntry::Item {
                    command: MenuCommand::Decide(
                        ApprovalRef::new(&session.id, &approval.id),
                        answer.decision(),
                    ),
                    label: cut(&format!("    {label}")),
                });
            }
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
            MenuCommand::Decide(
                ApprovalRef::new("s", "a"),
                ReviewDecision::Chosen {
                    label: "deny:[\"x\"]".into(),
                },
            ),
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
