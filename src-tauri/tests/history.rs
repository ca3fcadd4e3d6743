//! The approval history as a user reads it: a headless Island in its own
//! process, an agent over the real socket whose approvals are answered by
//! `island approve`, in the agent's terminal, and by nobody (the agent's
//! own timeout); then `island history` reads the file Island wrote. The
//! widget's, tray's and notification's answers are checked in their own
//! tests (`widget.rs`, `tray.rs`, `notifications.rs`).

#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};
use std::time::Duration;

use common::{SessionBus, agent, approval_request, start_island};
use island_protocol::{ApprovalPhase, DecisionSource, HookEvent, ReviewDecision};
use island_test_support::poll;

fn island(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(common::island())
        .args(args)
        .arg("--socket")
        .arg(dir.join("run/island.sock"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .unwrap()
}

/// The history's JSON lines, once `n` are there.
fn entries(dir: &std::path::Path, n: usize) -> Vec<serde_json::Value> {
    let last = RefCell::new(Vec::new());
    poll::value(
        || format!("{n} history entries, only {:?}", last.borrow()),
        Duration::from_secs(20),
        || {
            let out = island(&["history", "--json"], dir);
            assert!(out.status.success(), "{out:?}");
            let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            if lines.len() >= n {
                return Some(lines);
            }
            *last.borrow_mut() = lines;
            None
        },
    )
}

fn wait_open(dir: &std::path::Path, id: &str) {
    poll::until(
        format!("approval {id} to show"),
        Duration::from_secs(20),
        || {
            String::from_utf8(island(&["status"], dir).stdout)
                .unwrap()
                .contains(&format!("approval {id}:"))
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_is_recorded_with_who_gave_it_and_island_history_prints_it() {
    let bus = SessionBus::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _island = start_island(d, &bus);
    let hooks = agent(&d.join("run/island.sock"));

    assert_eq!(
        String::from_utf8(island(&["history"], d).stdout).unwrap(),
        "No approvals recorded.\n"
    );

    // Answered with `island approve`.
    hooks.request_approval(approval_request("h1", "cargo publish"));
    wait_open(d, "h1");
    let out = island(&["approve", "h1"], d);
    assert!(out.status.success(), "{out:?}");
    let got = hooks
        .await_decision("h1", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(got.source, DecisionSource::Cli);

    // Denied in the agent's own terminal.
    hooks.request_approval(approval_request("h2", "rm -rf target"));
    wait_open(d, "h2");
    assert!(hooks.resolve_approval("h2", ReviewDecision::Denied, DecisionSource::Terminal));

    // Nobody answered in the agent's time.
    hooks.request_approval(approval_request("h3", "git push --force"));
    wait_open(d, "h3");
    hooks.emit(HookEvent::ApprovalLifecycle {
        approval_id: "h3".into(),
        phase: ApprovalPhase::TimedOut,
        reason: None,
    });

    let all = entries(d, 3);
    let seen: Vec<(&str, &str, &str, &str)> = all
        .iter()
        .map(|e| {
            (
                e["approval"].as_str().unwrap(),
                e["answered_by"].as_str().unwrap(),
                e["decision"].as_str().unwrap(),
                e["command"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("h1", "cli", "approved", "cargo publish"),
            ("h2", "terminal", "denied", "rm -rf target"),
            ("h3", "agent", "timed_out", "git push --force"),
        ]
    );
    for e in &all {
        assert_eq!(e["project"], "demo");
        assert_eq!(e["agent"], "test-agent");
        assert_eq!(e["cwd"], "/home/me/demo");
        assert!(e["waited_ms"].as_i64().unwrap() >= 0);
        assert!(e["closed_at"].as_str().unwrap() >= e["requested_at"].as_str().unwrap());
    }
    // Private: the file 0600 in a 0700 directory.
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d.join("state/island")), 0o700);
    assert_eq!(mode(&d.join("state/island/history.jsonl")), 0o600);

    // As people read it, and filtered.
    let text = String::from_utf8(island(&["history"], d).stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("approved") && lines[0].contains("by command line"));
    assert!(lines[0].contains("demo: cargo publish"), "{text}");
    assert!(lines[1].contains("denied") && lines[1].contains("by terminal"));
    assert!(lines[2].contains("timed_out") && lines[2].contains("by agent"));
    let session = all[0]["session"].as_str().unwrap();
    let out = island(&["history", "--session", session, "--since", "1h"], d);
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);
    let out = island(&["history", "--session", "someone-else"], d);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "No approvals recorded that match.\n"
    );
    let out = island(&["history", "--since", "a while"], d);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an age"));
}
