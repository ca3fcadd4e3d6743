//! The widget's board as JSON: the shape of a filled-in board is pinned
//! here, and `ui/src/types.ts` (written by hand for the web UI) is checked
//! against it, field by field and literal by literal, so that a field
//! added, renamed or dropped on either side fails the test suite.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use island_core::actions::Answer;
use island_core::tracker::{TrayState, TraySummary};
use island_core::view::{ApprovalCard, Board, Choice, RecentCard, SessionCard};
use island_protocol::SessionState;
use serde_json::{Value, json};

/// A board with every field filled.
fn filled() -> Board {
    Board {
        tray: TraySummary {
            state: TrayState::NeedsYou,
            sessions: 2,
            working: 1,
            needs_you: 1,
            aborted: 0,
        },
        summary: "1 needs you, 1 working".into(),
        do_not_disturb: true,
        sessions: vec![SessionCard {
            id: "s1".into(),
            title: "api".into(),
            host: Some("devbox".into()),
            agent: Some("claude-code".into()),
            cwd: Some("/src/api".into()),
            state: SessionState::NeedsApproval,
            tool: Some("Bash".into()),
            jobs: vec!["Explore subagent".into()],
            model: Some("claude-sonnet-4-5".into()),
            mode: Some("default".into()),
            turn_started_ms: Some(1_000),
            last_activity_ms: 2_000,
            approvals: vec![ApprovalCard {
                id: "a1".into(),
                command: Some("cargo test".into()),
                cwd: Some("/src/api".into()),
                reason: Some("Run the tests".into()),
                for_session: true,
                choices: vec![Choice {
                    label: "SQLite".into(),
                    answer: Answer::Choose("SQLite".into()),
                }],
                answerable: true,
                requested_ms: 1_500,
            }],
        }],
        recent: vec![RecentCard {
            session_id: "s1".into(),
            project: "api".into(),
            command: Some("ls".into()),
            decision: "approved".into(),
            answered_by: "widget".into(),
            closed_ms: 1_200,
        }],
        holding: Some("do not disturb".into()),
    }
}

#[test]
fn a_filled_board_has_its_pinned_json() {
    let pinned = json!({
        "tray": {"state": "needs_you", "sessions": 2, "working": 1, "needs_you": 1, "aborted": 0},
        "summary": "1 needs you, 1 working",
        "do_not_disturb": true,
        "sessions": [{
            "id": "s1", "title": "api", "host": "devbox", "agent": "claude-code",
            "cwd": "/src/api", "state": "needs_approval", "tool": "Bash",
            "jobs": ["Explore subagent"], "model": "claude-sonnet-4-5", "mode": "default",
            "turn_started_ms": 1000, "last_activity_ms": 2000,
            "approvals": [{
                "id": "a1", "command": "cargo test", "cwd": "/src/api",
                "reason": "Run the tests", "for_session": true,
                "choices": [{"label": "SQLite", "answer": "choose:SQLite"}], "answerable": true,
                "requested_ms": 1500
            }]
        }],
        "recent": [{
            "session_id": "s1", "project": "api", "command": "ls",
            "decision": "approved", "answered_by": "widget", "closed_ms": 1200
        }],
        "holding": "do not disturb"
    });
    assert_eq!(serde_json::to_value(filled()).unwrap(), pinned);
    // And it reads back.
    assert_eq!(serde_json::from_value::<Board>(pinned).unwrap(), filled());
}

/// `ui/src/types.ts`.
fn types_ts() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/types.ts");
    std::fs::read_to_string(path).unwrap()
}

/// The field names of `interface name` (`nested`: of its inline object
/// field instead), as written in types.ts.
fn fields(ts: &str, name: &str, nested: Option<&str>) -> BTreeSet<String> {
    let start = ts
        .find(&format!("export interface {name} {{"))
        .unwrap_or_else(|| panic!("types.ts has no interface {name}"));
    let mut depth = 0;
    let mut inside = None::<String>;
    let mut out = BTreeSet::new();
    for line in ts[start..].lines() {
        let text = line.trim();
        let field = text
            .split_once(':')
            .map(|(f, _)| f.trim_end_matches('?').to_owned())
            .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let wanted = match nested {
            None => depth == 1,
            Some(n) => depth == 2 && inside.as_deref() == Some(n),
        };
        if wanted && let Some(field) = &field {
            out.insert(field.clone());
        }
        if depth == 1 && text.ends_with('{') {
            inside = field;
        }
        depth += text.matches('{').count();
        depth -= text.matches('}').count();
        if depth == 0 {
            break;
        }
    }
    out
}

/// The string literals of `type name = "a" | "b"`.
fn literals(ts: &str, name: &str) -> BTreeSet<String> {
    let start = ts
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("types.ts has no type {name}"));
    let rest = &ts[start..];
    let end = rest.find(';').unwrap();
    rest[..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn types_ts_has_the_fields_of_the_pinned_board() {
    let ts = types_ts();
    let board = serde_json::to_value(filled()).unwrap();
    assert_eq!(fields(&ts, "Board", None), keys(&board), "Board");
    assert_eq!(
        fields(&ts, "Board", Some("tray")),
        keys(&board["tray"]),
        "Board.tray"
    );
    assert_eq!(
        fields(&ts, "SessionCard", None),
        keys(&board["sessions"][0]),
        "SessionCard"
    );
    assert_eq!(
        fields(&ts, "ApprovalCard", None),
        keys(&board["sessions"][0]["approvals"][0]),
        "ApprovalCard"
    );
    assert_eq!(
        fields(&ts, "Choice", None),
        keys(&board["sessions"][0]["approvals"][0]["choices"][0]),
        "Choice"
    );
    assert_eq!(
        fields(&ts, "RecentCard", None),
        keys(&board["recent"][0]),
        "RecentCard"
    );
}

#[test]
fn types_ts_names_every_state_and_decision_as_serde_does() {
    let ts = types_ts();
    let name = |v: Value| v.as_str().unwrap().to_owned();
    // Exhaustive matches: a new variant does not compile until it is
    // listed here, and then must be in types.ts.
    let session = |s: SessionState| match s {
        SessionState::Idle
        | SessionState::Working
        | SessionState::NeedsApproval
        | SessionState::Done
        | SessionState::Aborted
        | SessionState::Disconnected => name(serde_json::to_value(s).unwrap()),
    };
    let states: BTreeSet<String> = [
        SessionState::Idle,
        SessionState::Working,
        SessionState::NeedsApproval,
        SessionState::Done,
        SessionState::Aborted,
        SessionState::Disconnected,
    ]
    .into_iter()
    .map(session)
    .collect();
    assert_eq!(literals(&ts, "SessionState"), states);
    let tray = |t: TrayState| match t {
        TrayState::Idle | TrayState::Working | TrayState::NeedsYou | TrayState::Error => {
            name(serde_json::to_value(t).unwrap())
        }
    };
    let trays: BTreeSet<String> = [
        TrayState::Idle,
        TrayState::Working,
        TrayState::NeedsYou,
        TrayState::Error,
    ]
    .into_iter()
    .map(tray)
    .collect();
    assert_eq!(literals(&ts, "TrayState"), trays);
    // Exhaustive too; a question's option is the template literal.
    let fixed = |a: Answer| match a {
        Answer::Approve | Answer::ApproveForSession | Answer::Deny => Some(a.id()),
        Answer::Choose(_) => None,
    };
    let decisions: BTreeSet<String> = Answer::FIXED.into_iter().filter_map(fixed).collect();
    assert_eq!(literals(&ts, "Decision"), decisions);
    assert!(
        ts.contains("| `choose:${string}`;") && Answer::parse("choose:x").is_some(),
        "a choice is \"choose:\" and its label on both sides"
    );
}
