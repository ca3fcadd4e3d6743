//! Fault injection with real processes: Island killed with SIGKILL while an
//! approval is open, and an agent killed while an approval is open.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{
    Call, Running, SessionBus, agent, invoke_action, serve_recorder, start_island,
    start_island_with, wait_for, wait_status,
};
use island_core::client;
use island_protocol::{DecisionSource, ExecApprovalRequestEvent, ReviewDecision, SessionState};
use island_test_support::poll;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn island_killed_with_an_open_approval_shows_it_again_after_a_restart() {
    let bus = SessionBus::start();
    let (server, calls) = serve_recorder(&bus).await;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    let mut island = start_island(dir.path(), &bus);
    let hooks = agent(&socket);
    hooks.request_approval(ExecApprovalRequestEvent {
        approval_id: "k1".into(),
        command: "terraform apply".into(),
        available_decisions: vec![ReviewDecision::Approved, ReviewDecision::Denied],
        ..ExecApprovalRequestEvent::default()
    });
    wait_for(
        &calls,
        "the first notice",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("terraform apply")),
    )
    .await;

    // SIGKILL: no cleanup; the socket file stays behind.
    island.0.kill().unwrap();
    island.0.wait().unwrap();
    assert!(socket.exists(), "a killed Island leaves its socket");
    calls.lock().unwrap().clear();

    let _island = start_island(dir.path(), &bus);
    // The stale socket is reclaimed, the agent reconnects and replays.
    let Call::Notify { id, .. } = wait_for(
        &calls,
        "the notice again after the restart",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("terraform apply")),
    )
    .await
    else {
        unreachable!()
    };
    let snapshot = client::status(&socket).await.unwrap();
    assert_eq!(snapshot.sessions[0].approvals[0].approval_id, "k1");
    invoke_action(&server, id, "approve").await;
    let got = hooks
        .await_decision("k1", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (ReviewDecision::Approved, DecisionSource::Notification)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_killed_with_an_open_approval_leaves_no_card_and_no_ghost_session() {
    let bus = SessionBus::start();
    let (_server, calls) = serve_recorder(&bus).await;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    let _island = start_island_with(
        dir.path(),
        &bus,
        "[sessions]\ndisconnected_grace_secs = 1\n",
    );
    wait_status(&socket, "Island up", |_| true).await;
    // A real agent process: a hello, an approval, then it waits.
    let script = "import socket,sys,time\n\
s=socket.socket(socket.AF_UNIX)\n\
s.connect(sys.argv[1])\n\
s.sendall(b'{\"hello\":{\"protocol\":1,\"session_id\":\"doomed\",\"title\":\"doomed\",\"accepts_decisions\":true}}\\n')\n\
s.sendall(b'{\"at\":\"2026-11-23T10:00:00Z\",\"event\":{\"type\":\"approval_lifecycle\",\"approval_id\":\"d1\",\"phase\":\"requested\",\"reason\":\"x\"}}\\n')\n\
time.sleep(600)\n";
    let mut agent_process = Running(
        Command::new("python3")
            .args(["-c", script])
            .arg(&socket)
            .spawn()
            .unwrap(),
    );
    let Call::Notify { id, .. } = wait_for(
        &calls,
        "the agent's approval notice",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "doomed needs approval"),
    )
    .await
    else {
        unreachable!()
    };
    agent_process.0.kill().unwrap();
    let killed = Instant::now();
    wait_for(&calls, "the notice closed", |c| *c == Call::Close(id)).await;
    let snapshot = client::status(&socket).await.unwrap();
    assert_eq!(snapshot.sessions[0].state, SessionState::Disconnected);
    assert!(
        snapshot.sessions[0].approvals.is_empty(),
        "no card for an approval nobody can answer"
    );
    // Past the grace period (within 5 s of the kill) the session is gone.
    let last = std::sync::Mutex::new(None);
    poll::until_await(
        || {
            format!(
                "the session gone, a ghost session stayed: {:?}",
                last.lock().unwrap()
            )
        },
        Duration::from_secs(5).saturating_sub(killed.elapsed()),
        async || {
            let s = client::status(&socket).await.unwrap();
            let gone = s.sessions.is_empty();
            *last.lock().unwrap() = Some(s);
            gone
        },
    )
    .await;
}
