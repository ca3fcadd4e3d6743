//! Resource bounds of the reducer and the wire (SECURITY.md, "Resources"):
//! a same-user process, or a bug in an agent, cannot grow Island without
//! limit. Each bound is asserted, and each refusal is counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use island_core::tracker::{
    ConnId, Input, MAX_APPROVALS, MAX_APPROVALS_PER_SESSION, MAX_SESSIONS, MAX_SESSIONS_PER_PEER,
    Peer, Policy, SessionTracker,
};
use island_protocol::{
    AgentMessage, Counters, DecodeError, MAX_CWD_BYTES, MAX_ID_BYTES, Timestamp, decode_agent_line,
};
use serde_json::json;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_795_428_000_000 + ms).unwrap()
}

fn line(value: serde_json::Value) -> AgentMessage {
    decode_agent_line(value.to_string().as_bytes()).unwrap()
}

/// A connection from process `pid` that says hello for `session`.
fn hello(tracker: &mut SessionTracker, conn: u64, pid: u32, session: &str, cwd: &str) {
    tracker.apply(
        Input::Opened {
            conn: ConnId(conn),
            peer: Peer {
                pid: Some(pid),
                start_time: Some(1),
            },
        },
        at(0),
    );
    tracker.apply(
        Input::Message {
            conn: ConnId(conn),
            message: line(json!({"hello": {"protocol": 1, "session_id": session,
                "cwd": cwd, "accepts_decisions": true}})),
        },
        at(0),
    );
}

fn approval(tracker: &mut SessionTracker, conn: u64, id: &str, command: &str) {
    tracker.apply(
        Input::Message {
            conn: ConnId(conn),
            message: line(
                json!({"at": at(1).to_string(), "event": {"type": "generic_event_frame",
                "frame": {"event": "exec_approval_request", "request": {"call_id": "c",
                "approval_id": id, "turn_id": "t", "command": command, "cwd": "/w",
                "reason": null, "available_decisions": []}}}}),
            ),
        },
        at(1),
    );
}

#[test]
fn ids_titles_and_directories_past_their_bounds_are_malformed_lines() {
    let id = "x".repeat(MAX_ID_BYTES);
    assert!(
        decode_agent_line(
            json!({"hello": {"protocol": 1, "session_id": id}})
                .to_string()
                .as_bytes()
        )
        .is_ok()
    );
    for hello in [
        json!({"protocol": 1, "session_id": "x".repeat(MAX_ID_BYTES + 1)}),
        json!({"protocol": 1, "session_id": "x".repeat(1 << 20)}),
        json!({"protocol": 1, "session_id": "s", "cwd": "/".repeat(MAX_CWD_BYTES + 1)}),
        json!({"protocol": 1, "session_id": "s", "title": "t".repeat(4096)}),
    ] {
        let err = decode_agent_line(json!({ "hello": hello }).to_string().as_bytes()).unwrap_err();
        assert!(matches!(err, DecodeError::Malformed(_)), "{err}");
        assert!(err.to_string().contains("allowed"), "{err}");
    }
    let long_approval = json!({"at": at(0).to_string(), "event": {"type": "approval_lifecycle",
        "approval_id": "a".repeat(MAX_ID_BYTES + 1), "phase": "requested"}});
    assert!(decode_agent_line(long_approval.to_string().as_bytes()).is_err());
}

#[test]
fn sessions_are_bounded_in_all_and_per_process_and_refusals_are_counted() {
    let mut tracker = SessionTracker::new(Policy::default());
    // One process starts sessions until its bound.
    for n in 0..=MAX_SESSIONS_PER_PEER as u64 {
        hello(&mut tracker, n, 4242, &format!("p-{n}"), "/w");
    }
    assert_eq!(tracker.sessions().count(), MAX_SESSIONS_PER_PEER);
    // Many processes fill the rest, and one more is refused.
    let mut conn = 10_000;
    while tracker.sessions().count() < MAX_SESSIONS {
        conn += 1;
        hello(
            &mut tracker,
            conn,
            u32::try_from(conn).unwrap(),
            &format!("s-{conn}"),
            "/w",
        );
    }
    hello(&mut tracker, 99_999, 99_999, "one-too-many", "/w");
    assert_eq!(tracker.sessions().count(), MAX_SESSIONS);
    assert!(tracker.session("one-too-many").is_none());
    let snapshot = tracker.snapshot(Counters::default());
    assert_eq!(
        snapshot.counters.refused_sessions, 2,
        "{:?}",
        snapshot.counters
    );
    // A session Island has still re-attaches past the bound.
    hello(&mut tracker, 99_998, 4242, "p-0", "/w");
    assert!(tracker.session("p-0").is_some());
}

#[test]
fn approvals_are_bounded_and_the_biggest_snapshot_fits_in_one_client_line() {
    let mut tracker = SessionTracker::new(Policy::default());
    let cwd = "/".repeat(MAX_CWD_BYTES);
    let command = "c".repeat(1 << 16);
    // Sessions at the bound, each with the longest id and directory.
    for n in 0..MAX_SESSIONS as u64 {
        let id = format!("{n:0>width$}", width = MAX_ID_BYTES);
        hello(&mut tracker, n, u32::try_from(n).unwrap() + 1, &id, &cwd);
    }
    let first = ConnId(0).0;
    for a in 0..=MAX_APPROVALS_PER_SESSION {
        approval(&mut tracker, first, &format!("a{a}"), &command);
    }
    let one = tracker.sessions().next().unwrap();
    assert_eq!(one.approvals.len(), MAX_APPROVALS_PER_SESSION);
    // Approvals in more sessions until the bound in all; one more is
    // refused.
    let sessions_to_fill = (MAX_APPROVALS / MAX_APPROVALS_PER_SESSION) as u64;
    for n in 1..sessions_to_fill {
        for a in 0..MAX_APPROVALS_PER_SESSION {
            approval(&mut tracker, n, &format!("a{a}"), &command);
        }
    }
    approval(&mut tracker, sessions_to_fill, "one-more", "ls");
    let open: usize = tracker.sessions().map(|s| s.approvals.len()).sum();
    assert_eq!(open, MAX_APPROVALS);
    let snapshot = tracker.snapshot(Counters::default());
    assert!(snapshot.counters.refused_approvals > 0);
    // A cut command says so.
    let shown = snapshot.sessions[0].approvals[0]
        .command
        .as_deref()
        .unwrap();
    assert!(
        shown.ends_with("more characters not shown]"),
        "{}",
        &shown[shown.len() - 60..]
    );
    let encoded = tracker.snapshot_line(Counters::default()).unwrap();
    assert!(
        encoded.len() < 64 * 1024 * 1024,
        "the snapshot ({} bytes) must fit the client's 64 MiB line",
        encoded.len()
    );
}
