//! The tray icon on a real desktop: Xvfb, a private session bus and the
//! `status-notifier-watcher` tray host. The running app registers its
//! StatusNotifierItem; the test reads its dbusmenu layout as a panel would,
//! and clicks Approve (and a question's option) through dbusmenu, which
//! must reach the agent.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::sni::Tray;
use common::{Desktop, agent, approval_request, chosen, question_request};
use island_protocol::{DecisionSource, EventFrame, HookEvent, ReviewDecision};
use island_test_support::poll;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_lists_sessions_and_its_approve_entry_answers_the_agent() {
    let desktop = Desktop::start();
    let dir = tempfile::tempdir().unwrap();
    // No notification service on this bus: the tray works anyway.
    let _app = desktop.start_app(dir.path(), "", &[]);
    let hooks = agent(&dir.path().join("run/island.sock"));
    // The agent connects with its first event.
    hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
        turn_id: "t1".into(),
    }));
    let tray = Tray::find(&desktop.bus.address, &dir.path().join("island.stderr")).await;

    // No approval yet: the session is listed, and the fixed entries are there.
    tray.wait_for("for the demo session", |l| l.starts_with("demo — working"))
        .await;
    tray.wait_for("with the counts", |l| l == "1 working").await;
    let labels: Vec<String> = tray.entries().await.into_iter().map(|(_, l)| l).collect();
    for fixed in ["Do not disturb", "Show widget", "Settings…", "Quit Island"] {
        assert!(labels.iter().any(|l| l == fixed), "{fixed} in {labels:#?}");
    }

    hooks.request_approval(approval_request("tray-1", "cargo publish --dry-run"));
    tray.wait_for("with the session needing the user", |l| {
        l.starts_with("demo — needs you")
    })
    .await;
    let (approve, _) = tray
        .wait_for("to approve", |l| {
            l.contains("Approve: cargo publish --dry-run")
        })
        .await;
    tray.wait_for("to deny", |l| l.trim() == "Deny").await;
    tray.click(approve).await;
    let got = hooks
        .await_decision("tray-1", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (ReviewDecision::Approved, DecisionSource::Tray)
    );
    // The history file says the tray answered it.
    let history =
        std::fs::read_to_string(dir.path().join("state/island/history.jsonl")).unwrap_or_default();
    assert!(
        history.contains(r#""approval":"tray-1""#) && history.contains(r#""answered_by":"tray""#),
        "{history}"
    );
    // Answered: the entries go.
    poll::until_await(
        "the answered approval gone from the menu",
        Duration::from_secs(10),
        async || {
            !tray
                .entries()
                .await
                .iter()
                .any(|(_, l)| l.contains("Approve: cargo publish"))
        },
    )
    .await;

    // A question: its options are the entries, and the one clicked
    // reaches the agent as chosen.
    hooks.request_approval(question_request("tray-q"));
    tray.wait_for("the first option, with the question", |l| {
        l.trim() == "Postgres: Which database?"
    })
    .await;
    let (sqlite, _) = tray
        .wait_for("the second option", |l| l.trim() == "SQLite")
        .await;
    tray.click(sqlite).await;
    let got = hooks
        .await_decision("tray-q", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (chosen("SQLite"), DecisionSource::Tray)
    );
}

/// With `answers_from = "ui"`, the tray menu shows this run's terminal
/// answer token: the person at the desktop reads it there, and with it
/// `island approve` from their terminal answers the agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_answers_from_ui_the_tray_shows_the_token_that_lets_the_terminal_answer() {
    let desktop = Desktop::start();
    let dir = tempfile::tempdir().unwrap();
    let _app = desktop.start_app(dir.path(), "[security]\nanswers_from = \"ui\"\n", &[]);
    let socket = dir.path().join("run/island.sock");
    let hooks = agent(&socket);
    hooks.request_approval(approval_request("tray-t", "make deploy"));
    let tray = Tray::find(&desktop.bus.address, &dir.path().join("island.stderr")).await;
    let (_, label) = tray
        .wait_for("with the token", |l| {
            l.starts_with("Terminal answer token: ")
        })
        .await;
    let token = label
        .trim_start_matches("Terminal answer token: ")
        .to_owned();
    assert_eq!(token.len(), 19, "{label}");
    // The token is there from the start; the approval comes when the
    // agent's request has arrived.
    tray.wait_for("with the approval", |l| l.contains("Approve: make deploy"))
        .await;

    let answer = |token: &str| {
        common::spawn_with_stdin(
            std::process::Command::new(common::island())
                .args(["approve", "tray-t", "--token-stdin", "--socket"])
                .arg(&socket),
            &format!("{token}\n"),
        )
        .wait_with_output()
        .unwrap()
    };
    // Without the right token, nothing is sent.
    assert!(!answer("ABCD-EFGH-JKMN-PQRS").status.success());
    let out = answer(&token);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = hooks
        .await_decision("tray-t", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (ReviewDecision::Approved, DecisionSource::Cli)
    );
}
