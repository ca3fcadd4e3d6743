//! The board and the tray menu built from a real tracker: what the widget
//! and the tray show for sessions fed through the reducer.

use island_core::tracker::{ConnId, Input, Peer, Policy, SessionTracker, TrayState};
use island_core::view::{MenuCommand, MenuEntry, board, menu_ticks, tray_menu, with_answer_token};
use island_protocol::{ReviewDecision, SessionState, Timestamp, decode_agent_line};

fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_790_000_000_000 + ms).expect("a valid time")
}

/// Feeds a line; an event is wrapped in its envelope.
fn line(tracker: &mut SessionTracker, conn: u64, text: &str, ms: i64) {
    let text = if text.starts_with(r#"{"type""#) {
        format!(r#"{{"at":"{}","event":{text}}}"#, at(ms))
    } else {
        text.to_owned()
    };
    let message = decode_agent_line(text.as_bytes()).expect("a valid line");
    tracker.apply(
        Input::Message {
            conn: ConnId(conn),
            message,
        },
        at(ms),
    );
}

fn session(tracker: &mut SessionTracker, conn: u64, id: &str, title: &str) {
    tracker.apply(
        Input::Opened {
            conn: ConnId(conn),
            peer: Peer::default(),
        },
        at(0),
    );
    line(
        tracker,
        conn,
        &format!(
            r#"{{"hello":{{"protocol":1,"session_id":"{id}","agent":"demo","title":"{title}","cwd":"/src/{title}","accepts_decisions":true}}}}"#
        ),
        0,
    );
}

#[test]
fn cards_and_menu_follow_the_sessions() {
    let mut tracker = SessionTracker::new(Policy::default());
    let empty = board(&tracker);
    assert_eq!(empty.summary, "No agent sessions");
    assert!(empty.sessions.is_empty());
    assert!(!menu_ticks(&empty));

    session(&mut tracker, 1, "s-b", "beta");
    session(&mut tracker, 2, "s-a", "alpha");
    line(
        &mut tracker,
        1,
        r#"{"type":"generic_event_frame","frame":{"event":"turn_started","turn_id":"t1"}}"#,
        1_000,
    );
    line(
        &mut tracker,
        1,
        r#"{"type":"generic_event_frame","frame":{"event":"tool_call_start","tool_name":"shell"}}"#,
        2_000,
    );
    line(
        &mut tracker,
        2,
        r#"{"type":"approval_lifecycle","approval_id":"ap-1","phase":"requested","reason":"Writes outside the workspace"}"#,
        3_000,
    );
    line(
        &mut tracker,
        2,
        r#"{"type":"generic_event_frame","frame":{"event":"exec_approval_request","request":{"call_id":"c1","approval_id":"ap-1","turn_id":"t0","command":"rm -rf /tmp/x","cwd":"/src/alpha","available_decisions":[{"type":"approved"},{"type":"denied"}]}}}"#,
        3_100,
    );

    let b = board(&tracker);
    assert_eq!(b.tray.state, TrayState::NeedsYou);
    assert_eq!(b.summary, "1 needs you, 1 working");
    // Waiting sessions first.
    let ids: Vec<&str> = b.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s-a", "s-b"]);
    let alpha = &b.sessions[0];
    assert_eq!(alpha.state, SessionState::NeedsApproval);
    assert_eq!(alpha.approvals.len(), 1);
    let card = &alpha.approvals[0];
    assert_eq!(card.command.as_deref(), Some("rm -rf /tmp/x"));
    assert_eq!(card.cwd.as_deref(), Some("/src/alpha"));
    assert_eq!(card.reason.as_deref(), Some("Writes outside the workspace"));
    assert!(!card.for_session, "the agent did not offer it");
    let beta = &b.sessions[1];
    assert_eq!(beta.state, SessionState::Working);
    assert_eq!(beta.tool.as_deref(), Some("shell"));
    assert_eq!(beta.turn_started_ms, Some(at(1_000).unix_millis()));
    assert!(menu_ticks(&b));

    let menu = tray_menu(&b, at(181_000));
    let items: Vec<(String, String)> = menu
        .iter()
        .filter_map(|e| match e {
            MenuEntry::Item { command, label } => Some((command.id(), label.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        items,
        [
            ("focus:s-a".into(), "alpha — needs you · 2 min".into()),
            (
                r#"decide:["approve","s-a","ap-1"]"#.into(),
                "    Approve: rm -rf /tmp/x".into()
            ),
            (r#"decide:["deny","s-a","ap-1"]"#.into(), "    Deny".into()),
            ("focus:s-b".into(), "beta — working · 3 min".into()),
            ("show_widget".into(), "Show widget".into()),
            ("settings".into(), "Settings…".into()),
            ("quit".into(), "Quit Island".into()),
        ]
    );
    assert_eq!(menu[0], MenuEntry::Note("1 needs you, 1 working".into()));
    assert!(menu.contains(&MenuEntry::Check {
        command: MenuCommand::DoNotDisturb(true),
        label: "Do not disturb".into(),
        checked: false,
    }));

    // Answered from the widget, and the agent's closing phase arrives: the
    // card and its entries go; do not disturb shows.
    tracker.apply(
        Input::Decide {
            session_id: None,
            approval_id: "ap-1".into(),
            decision: ReviewDecision::Approved,
            source: island_protocol::DecisionSource::Widget,
            token: None,
            reply_to: None,
        },
        at(4_000),
    );
    line(
        &mut tracker,
        2,
        r#"{"type":"approval_lifecycle","approval_id":"ap-1","phase":"approved"}"#,
        4_010,
    );
    tracker.apply(Input::SetDoNotDisturb(true), at(4_000));
    let b = board(&tracker);
    assert!(b.sessions.iter().all(|s| s.approvals.is_empty()));
    assert!(b.do_not_disturb);
    assert!(!tray_menu(&b, at(5_000)).iter().any(|e| matches!(
        e,
        MenuEntry::Item {
            command: MenuCommand::Decide(..),
            ..
        }
    )));
}

#[test]
fn new_settings_apply_at_once_and_keep_do_not_disturb_consistent() {
    let mut tracker = SessionTracker::new(Policy::default());
    let policy = Policy {
        turn_notice_min_secs: 42,
        do_not_disturb: true,
        ..Policy::default()
    };
    tracker.apply(Input::SetPolicy(policy.clone()), at(0));
    assert_eq!(tracker.policy, policy);
    assert!(board(&tracker).do_not_disturb);
    tracker.apply(Input::SetPolicy(Policy::default()), at(1));
    assert_eq!(tracker.policy, Policy::default());
}

#[test]
fn approvals_of_agents_that_take_no_decisions_point_to_the_terminal() {
    let mut tracker = SessionTracker::new(Policy::default());
    // An upstream agent: one connection per line, no hello.
    tracker.apply(
        Input::Opened {
            conn: ConnId(7),
            peer: Peer {
                pid: Some(4242),
                start_time: Some(1),
            },
        },
        at(0),
    );
    line(
        &mut tracker,
        7,
        r#"{"type":"approval_lifecycle","approval_id":"up-1","phase":"requested","reason":"needs approval"}"#,
        10,
    );
    let b = board(&tracker);
    let card = &b.sessions[0].approvals[0];
    assert_eq!(card.id, "up-1");
    assert!(!card.answerable);
    let menu = tray_menu(&b, at(20));
    let session = &b.sessions[0].id;
    assert!(menu.contains(&MenuEntry::Item {
        command: MenuCommand::Focus(session.clone()),
        label: "    Answer in the terminal: an approval".into(),
    }));
    assert!(
        !menu.iter().any(|e| matches!(
            e,
            MenuEntry::Item {
                command: MenuCommand::Decide(..),
                ..
            }
        )),
        "no Approve or Deny that could not be delivered"
    );
}

#[test]
fn the_terminal_answer_token_is_shown_above_quit_and_nowhere_else() {
    let tracker = SessionTracker::new(Policy::default());
    let b = board(&tracker);
    let plain = tray_menu(&b, at(0));
    let menu = with_answer_token(plain.clone(), "K7QM-2XWD-9FTB-H4NR");
    assert_eq!(menu.len(), plain.len() + 1);
    let n = menu.len();
    assert_eq!(
        menu[n - 3],
        MenuEntry::Note("Terminal answer token: K7QM-2XWD-9FTB-H4NR".into())
    );
    assert_eq!(menu[n - 2], MenuEntry::Separator);
    assert!(matches!(&menu[n - 1], MenuEntry::Item { label, .. } if label == "Quit Island"));
    // The board, which every watcher of the socket gets, has no token.
    assert!(
        !serde_json::to_string(&b)
            .expect("a board encodes")
            .contains("K7QM")
    );
}

#[test]
fn status_shows_the_tool_the_jobs_the_model_and_the_mode() {
    let line = r#"{"snapshot":{"sessions":[{"id":"claude-1","agent":"claude-code","title":"web","cwd":"/src/web","state":"working","turn_started_at":"2026-12-02T10:00:00Z","last_activity_at":"2026-12-02T10:00:05Z","approvals":[],"current_tool":"Bash","jobs":[{"job_id":"subagent-a7","phase":"started","detail":"Explore subagent"}],"model":"claude-sonnet-4-5","permission_mode":"default"}],"counters":{"connections":1,"lines":1,"malformed":0,"oversized":0,"refused_peers":0,"refused_full":0,"timed_out":0}}}"#;
    let island_protocol::IslandMessage::Snapshot(snapshot) =
        island_protocol::decode_island_line(line.as_bytes()).expect("a snapshot line")
    else {
        panic!("not a snapshot");
    };
    let now = snapshot.sessions[0].last_activity_at;
    let text = island_core::client::describe(&snapshot, now);
    assert!(
        text.contains("    running Bash; Explore subagent; claude-sonnet-4-5, default mode\n"),
        "{text}"
    );
}

#[test]
fn a_question_offers_its_options_on_the_card_and_in_the_menu() {
    let mut tracker = SessionTracker::new(Policy::default());
    session(&mut tracker, 1, "s-q", "quiz");
    // An option's label is the agent's text: shown made safe, answered as
    // the agent wrote it.
    line(
        &mut tracker,
        1,
        r#"{"type":"generic_event_frame","frame":{"event":"exec_approval_request","request":{"call_id":"c1","approval_id":"q1","turn_id":"t1","command":"Which database?","cwd":"/src/quiz","reason":"Claude Code asks (DB)","available_decisions":[{"type":"chosen","label":"Postgres"},{"type":"chosen","label":"SQL\u202eite"},{"type":"denied"}]}}}"#,
        1_000,
    );
    let b = board(&tracker);
    let card = &b.sessions[0].approvals[0];
    assert!(!card.for_session);
    let answers: Vec<(String, String)> = card
        .answers()
        .into_iter()
        .map(|(a, label)| (a.id(), label))
        .collect();
    assert_eq!(
        answers,
        [
            ("choose:Postgres".into(), "Postgres".into()),
            ("choose:SQL\u{202e}ite".into(), "SQL<U+202E>ite".into()),
            ("deny".into(), "Deny".into()),
        ]
    );
    let menu = tray_menu(&b, at(2_000));
    let decide: Vec<(MenuCommand, String)> = menu
        .into_iter()
        .filter_map(|e| match e {
            MenuEntry::Item {
                command: command @ MenuCommand::Decide(..),
                label,
            } => Some((command, label)),
            _ => None,
        })
        .collect();
    let chosen = |l: &str| ReviewDecision::Chosen { label: l.into() };
    let q1 = island_core::tracker::ApprovalRef::new("s-q", "q1");
    assert_eq!(
        decide,
        [
            (
                MenuCommand::Decide(q1.clone(), chosen("Postgres")),
                "    Postgres: Which database?".into()
            ),
            (
                MenuCommand::Decide(q1.clone(), chosen("SQL\u{202e}ite")),
                "    SQL<U+202E>ite".into()
            ),
            (
                MenuCommand::Decide(q1, ReviewDecision::Denied),
                "    Deny".into()
            ),
        ]
    );
    // Every item's id maps back to its answer.
    for (command, _) in &decide {
        assert_eq!(
            MenuCommand::parse(&command.id(), false).as_ref(),
            Some(command)
        );
    }
}
