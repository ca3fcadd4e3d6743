//! `island hook claude` against a real `island --headless`: a transcript of
//! Claude Code hook inputs (shapes from Claude Code's hook documentation),
//! each run as its own process as Claude runs them, makes one session,
//! turns and approvals; a permission request is answered from Island and
//! prints Claude's allow output, and every failure lets Claude go on.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use common::{
    Call, SessionBus, recorded_island, spawn_with_stdin, start_island, wait_for, wait_status,
};
use island_protocol::{ReviewDecision, SessionState};
use serde_json::{Value, json};

/// `island hook ARGS` with `stdin` written to it, running.
fn spawn_hook(socket: &Path, args: &[&str], stdin: &str) -> Child {
    let mut command = Command::new(common::island());
    command.args(["hook", "--socket"]).arg(socket).args(args);
    spawn_with_stdin(&mut command, stdin)
}

/// `island hook claude` with a hook's input, running.
fn hook(socket: &Path, input: &Value, wait_secs: u64) -> Child {
    let wait = wait_secs.to_string();
    spawn_hook(
        socket,
        &["claude", "--wait-secs", &wait],
        &input.to_string(),
    )
}

fn run(socket: &Path, input: &Value) -> Output {
    hook(socket, input, 5).wait_with_output().unwrap()
}

fn event(name: &str, extra: &Value) -> Value {
    let mut input = json!({
        "session_id": "abc123",
        "transcript_path": "/home/me/.claude/projects/webapp/abc123.jsonl",
        "cwd": "/home/me/webapp",
        "hook_event_name": name,
    });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    input
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_hooks_make_a_session_turns_and_approvals() {
    let bus = SessionBus::start();
    let dir = tempfile::tempdir().unwrap();
    let _island = start_island(dir.path(), &bus);
    let socket = dir.path().join("run/island.sock");
    wait_status(&socket, "Island up", |_| true).await;

    // Session start: a session titled by its directory, and Claude goes on.
    let out = run(
        &socket,
        &event("SessionStart", &json!({"source": "startup"})),
    );
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    let s = wait_status(&socket, "the session", |s| s.sessions.len() == 1).await;
    assert_eq!(s.sessions[0].id, "claude-abc123");
    assert_eq!(s.sessions[0].title, "webapp");

    // A prompt starts a turn; the prompt itself never reaches Island.
    run(
        &socket,
        &event("UserPromptSubmit", &json!({"prompt": "a secret plan"})),
    );
    wait_status(&socket, "working", |s| {
        s.sessions[0].state == SessionState::Working
    })
    .await;

    // A permission request waits; answered from Island, it prints allow.
    let waiting = hook(
        &socket,
        &event(
            "PermissionRequest",
            &json!({"tool_name": "Bash", "tool_input": {"command": "npm publish"}}),
        ),
        20,
    );
    let s = wait_status(&socket, "the approval", |s| {
        s.sessions[0].approvals.len() == 1
    })
    .await;
    let approval = &s.sessions[0].approvals[0];
    assert_eq!(approval.command.as_deref(), Some("npm publish"));
    // Other hooks meanwhile do not take the waiting one's place.
    run(
        &socket,
        &event(
            "PreToolUse",
            &json!({"tool_name": "Read", "tool_input": {}}),
        ),
    );
    let reply =
        island_core::client::decide(&socket, &approval.approval_id, ReviewDecision::Approved)
            .await
            .unwrap();
    assert!(reply.ok, "{reply:?}");
    let out = waiting.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        json!({"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {"behavior": "allow"}}})
    );
    wait_status(&socket, "the answered approval closed", |s| {
        s.sessions[0].approvals.is_empty()
    })
    .await;

    // Nobody answers in time: the hook prints nothing (Claude asks in its
    // terminal), the card says so, and the next hook closes it.
    let out = hook(
        &socket,
        &event(
            "PermissionRequest",
            &json!({"tool_name": "Edit", "tool_input": {"file_path": "/home/me/webapp/a.ts"}}),
        ),
        1,
    )
    .wait_with_output()
    .unwrap();
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    let s = wait_status(&socket, "the unanswered approval", |s| {
        s.sessions[0].approvals.len() == 1
    })
    .await;
    let id = s.sessions[0].approvals[0].approval_id.clone();
    let reply = island_core::client::decide(&socket, &id, ReviewDecision::Approved)
        .await
        .unwrap();
    assert!(!reply.ok, "no hook waits any more: {reply:?}");
    run(
        &socket,
        &event("PostToolUse", &json!({"tool_name": "Edit"})),
    );
    wait_status(&socket, "closed by the next hook", |s| {
        s.sessions[0].approvals.is_empty()
    })
    .await;

    // The turn ends; the session stays between hooks: every snapshot from
    // the end of the turn to the next prompt still has it.
    let path = socket.clone();
    let (attached, is_attached) = tokio::sync::oneshot::channel();
    let watched = tokio::spawn(async move {
        let mut counts = Vec::new();
        let mut done = false;
        let mut attached = Some(attached);
        island_core::client::watch(&path, |_, s| {
            if let Some(tx) = attached.take() {
                let _ = tx.send(());
            }
            counts.push(s.sessions.len());
            let state = s.sessions.first().map(|s| s.state);
            done |= state == Some(SessionState::Done);
            !(done && state == Some(SessionState::Working))
        })
        .await
        .unwrap();
        counts
    });
    is_attached.await.unwrap();
    run(&socket, &event("Stop", &json!({"stop_hook_active": false})));
    let s = wait_status(&socket, "done", |s| {
        s.sessions[0].state == SessionState::Done
    })
    .await;
    assert_eq!(s.sessions.len(), 1);
    run(
        &socket,
        &event("UserPromptSubmit", &json!({"prompt": "a secret plan"})),
    );
    let counts = tokio::time::timeout(Duration::from_secs(10), watched)
        .await
        .unwrap()
        .unwrap();
    assert!(counts.iter().all(|n| *n == 1), "{counts:?}");

    let log = std::fs::read_to_string(dir.path().join("state/island/island.log")).unwrap();
    assert!(!log.contains("a secret plan"), "{log}");
}

#[test]
fn a_hook_never_stands_in_claudes_way() {
    let dir = tempfile::tempdir().unwrap();
    // Island absent: nothing printed, success, at once.
    let started = Instant::now();
    let out = hook(
        &dir.path().join("none.sock"),
        &event("PermissionRequest", &json!({"tool_name": "Bash"})),
        30,
    )
    .wait_with_output()
    .unwrap();
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach Island"));
    // Input that is not JSON: the same, with the reason on stderr.
    let out = island_hook(&dir.path().join("none.sock"), &["claude"], "{oops");
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
}

fn island_hook(socket: &Path, args: &[&str], stdin: &str) -> Output {
    spawn_hook(socket, args, stdin).wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_and_codewhale_turn_ends_are_announced() {
    let dir = tempfile::tempdir().unwrap();
    let island = recorded_island(dir.path()).await;
    let (calls, socket) = (island.calls.clone(), island.socket.clone());

    // Codex: `notify` with its payload as the last argument.
    let payload = json!({
        "type": "agent-turn-complete",
        "thread-id": "b5f6c1c2",
        "turn-id": "12345",
        "cwd": "/home/me/api",
        "input-messages": ["Rename `foo` to `bar`"],
        "last-assistant-message": "Rename complete."
    });
    let out = island_hook(&socket, &["codex", &payload.to_string()], "");
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    wait_for(&calls, "the Codex turn notice", |c| {
        matches!(c, Call::Notify { summary, body, .. }
            if summary == "api finished" && body == "The turn is done.")
    })
    .await;
    let s = wait_status(&socket, "the Codex session", |s| {
        s.sessions
            .iter()
            .any(|x| x.id == "codex-b5f6c1c2" && x.state == SessionState::Done)
    })
    .await;
    assert!(s.sessions.iter().all(|x| x.title != "Rename complete."));

    // CodeWhale TUI: turn_end on stdin, completed and then aborted.
    let turn_end = |status: &str| {
        json!({"event": "turn_end", "session_id": "cw1", "workspace": "/home/me/tui",
               "turn_id": "t9", "status": status, "duration_ms": 42000})
        .to_string()
    };
    let out = island_hook(&socket, &["codewhale"], &turn_end("completed"));
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    wait_for(
        &calls,
        "the CodeWhale turn notice",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "tui finished"),
    )
    .await;
    island_hook(&socket, &["codewhale"], &turn_end("interrupted"));
    wait_status(&socket, "the aborted CodeWhale turn", |s| {
        s.sessions
            .iter()
            .any(|x| x.id == "codewhale-cw1" && x.state == SessionState::Aborted)
    })
    .await;
    // Bad input never fails the agent.
    let out = island_hook(&socket, &["codex", "not json"], "");
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
}
