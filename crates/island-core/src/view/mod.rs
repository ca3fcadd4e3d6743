//! What the tray and the widget show, as data: the [`Board`] (the widget's
//! cards, pushed to the web UI as one JSON event), the tray's menu as a
//! list of [`MenuEntry`]s, and the [`MenuCommand`]s their ids stand for.
//! The GUI crate only renders these; nothing here knows about Tauri.

use island_protocol::{ReviewDecision, SessionState, Timestamp};
use serde::{Deserialize, Serialize};

mod menu;

pub use menu::{
    MenuCommand, MenuEntry, elapsed, menu_ticks, state_label, tray_menu, with_answer_token,
};

use crate::actions::Answer;
use crate::tracker::{SessionTracker, TraySummary};

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
    /// Work beside the turn, for people: "Explore subagent", "compacting
    /// the conversation".
    #[serde(default)]
    pub jobs: Vec<String>,
    /// The model, as the agent names it.
    #[serde(default)]
    pub model: Option<String>,
    /// The agent's permission mode, where it says one.
    #[serde(default)]
    pub mode: Option<String>,
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
    /// A question's options, where the agent asks the user to choose
    /// (then "Approve" is not offered).
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// Island can deliver an answer (the agent takes decisions from it);
    /// otherwise it is answered in the agent's terminal.
    pub answerable: bool,
    /// When it was asked (Unix ms).
    pub requested_ms: i64,
}

/// One option of a question, on its card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The option for people.
    pub label: String,
    /// The answer that picks it (its id routes back as the agent wrote it).
    pub answer: Answer,
}

impl ApprovalCard {
    /// The answers its buttons and menu items offer, with their labels: a
    /// question's options and "Deny", or "Approve", "Approve for session"
    /// where offered, and "Deny".
    #[must_use]
    pub fn answers(&self) -> Vec<(Answer, String)> {
        if !self.choices.is_empty() {
            return self
                .choices
                .iter()
                .map(|c| (c.answer.clone(), c.label.clone()))
                .chain([(Answer::Deny, Answer::Deny.label())])
                .collect();
        }
        Answer::FIXED
            .into_iter()
            .filter(|a| *a != Answer::ApproveForSession || self.for_session)
            .map(|a| {
                let label = a.label();
                (a, label)
            })
            .collect()
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
            jobs: s
                .jobs
                .iter()
                .map(|j| safe(j.detail.as_deref().unwrap_or(&j.job_id)))
                .collect(),
            model: s.model.as_deref().map(safe),
            mode: s.permission_mode.as_deref().map(safe),
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
                    choices: a
                        .decisions
                        .iter()
                        .filter_map(ReviewDecision::option)
                        .map(|label| Choice {
                            label: safe(label),
                            answer: Answer::Choose(label.to_owned()),
                        })
                        .collect(),
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
