//! The server and host over real Unix sockets: bad input of every kind,
//! foreign users, many connections, slow clients, status/watch/decide, and
//! the agent crate's sink as a real client.
//!
//! Over 400 lines: the server's duties (peer checks, limits, framing,
//! ordering, control socket) against real sockets, sharing one harness.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::sync::atomic::Ordering;
use std::time::Duration;

use codewhale_hooks::{
    HookDispatcher, HookSink, SessionInfo, UnixSocketHookSink, UnixSocketOptions,
};
use common::{Seen, TestIsland, eventually};
use island_core::client;
use island_core::server::{ServerLimits, control_path};
use island_core::tracker::{ApprovalRef, NoticeKey, Policy};
use island_protocol::{
    DecisionSource, ExecApprovalRequestEvent, FocusRequest, HookEvent, ReviewDecision, SessionState,
};
use island_test_support::poll;

fn limits() -> ServerLimits {
    ServerLimits {
        first_line_timeout: Duration::from_millis(500),
        ..ServerLimits::default()
    }
}

/// `n` idle sessions with 1 KiB titles, so that every snapshot is large:
/// Island builds one snapshot per batch of waiting lines, so a test that
/// overfills a watcher's queue needs big snapshots, not many.
fn crowd(path: &std::path::Path, n: usize) -> Vec<UnixStream> {
    let title = "t".repeat(1000);
    (0..n)
        .map(|i| {
            let mut s = UnixStream::connect(path).unwrap();
            s.write_all(
                format!("{{\"hello\":{{\"protocol\":1,\"session_id\":\"crowd-{i}\",\"title\":\"{title}\"}}}}\n")
                    .as_bytes(),
            )
            .unwrap();
            s
        })
        .collect()
}

fn hello(id: &str) -> String {
    format!(
        "{{\"hello\":{{\"protocol\":1,\"session_id\":\"{id}\",\"title\":\"{id}\",\"accepts_decisions\":true}}}}\n"
    )
}

fn agent(path: &std::path::Path, id: &str) -> HookDispatcher {
    let mut session = SessionInfo::from_environment("test-agent", "0");
    session.session_id = id.into();
    session.title = Some(id.into());
    // No terminal of the developer running the tests: focus must not reach it.
    session.terminal = island_protocol::TerminalInfo::default();
    let mut options = UnixSocketOptions::new(path, session);
    options.initial_backoff = Duration::from_millis(20);
    options.max_backoff = Duration::from_millis(200);
    HookDispatcher::new(vec![
        Box::new(UnixSocketHookSink::new(options)) as Box<dyn HookSink>
    ])
}

async fn session_state(path: &std::path::Path, id: &str) -> Option<SessionState> {
    let snapshot = client::status(path).await.ok()?;
    snapshot
        .sessions
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lines_are_counted_and_skipped_and_the_connection_keeps_working() {
    let island = TestIsland::start(limits(), Policy::default());
    let path = island.path.clone();
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(hello("s1").as_bytes()).unwrap();
    s.write_all(b"this is not json\n").unwrap();
    s.write_all(b"{\"what\":\"unknown message\"}\n").unwrap();
    s.write_all(b"\xff\xfe\x00garbage\xc3\x28\n").unwrap();
    s.write_all(b"{\"hello\":\"\xff\"}\n").unwrap();
    let deep = format!("{{\"a\":{}{}}}\n", "[".repeat(50_000), "]".repeat(50_000));
    s.write_all(deep.as_bytes()).unwrap();
    let mut wide = String::from(
        "{\"at\":\"2026-11-23T10:00:00Z\",\"event\":{\"type\":\"response_start\",\"response_id\":\"r\"",
    );
    for i in 0..20_000 {
        wide.push_str(&format!(",\"unknown_{i}\":{i}"));
    }
    wide.push_str("}}\n");
    s.write_all(wide.as_bytes()).unwrap();
    let huge = vec![b'x'; 2 * 1024 * 1024];
    s.write_all(&huge).unwrap();
    s.write_all(b"\n\n\r\n").unwrap();
    s.write_all(b"{\"at\":\"2026-11-23T10:00:01Z\",\"event\":{\"type\":\"generic_event_frame\",\"frame\":{\"event\":\"turn_started\",\"turn_id\":\"t\"}}}\r\n").unwrap();
    // The wide response_start already shows the session working (a turn
    // inferred from it): wait for the oversized line after it too.
    eventually("the turn after the bad lines", async || {
        (session_state(&path, "s1").await == Some(SessionState::Working)
            && island.counters.snapshot().oversized == 1)
            .then_some(())
    })
    .await;
    let c = island.counters.snapshot();
    assert_eq!(
        c.malformed, 5,
        "not json, unknown, two invalid UTF-8, too deep: {c:?}"
    );
    assert_eq!(c.oversized, 1, "{c:?}");
    // Hello, five bad lines, the wide event and the turn, plus the status
    // requests of the wait above.
    assert!(c.lines >= 8, "{c:?}");
    let snapshot = client::status(&path).await.unwrap();
    assert_eq!(snapshot.sessions.len(), 1, "the bad lines made no session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_is_refused_even_when_the_socket_is_open_to_them() {
    if !nix::unistd::geteuid().is_root() {
        panic!("this test switches to uid 65534 with setpriv and must run as root (CI does)");
    }
    let island = TestIsland::start(limits(), Policy::default());
    // Make the kernel let uid 65534 connect, so that Island's own peer
    // check is what refuses it.
    let run = island.path.parent().unwrap();
    std::fs::set_permissions(island.dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(run, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(&island.path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let script = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ntry:\n  s.sendall(b'{\"status\":{}}\\n')\nexcept OSError:\n  pass\ns.settimeout(5)\ntry:\n  print(repr(s.recv(100)))\nexcept OSError as e:\n  print('error', e)\n";
    let out = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "/usr/bin/python3",
            "-c",
            script,
        ])
        .arg(&island.path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout.contains("snapshot"),
        "a foreign user must get nothing: {stdout}"
    );
    eventually("the refusal to be counted", async || {
        (island.counters.snapshot().refused_peers == 1).then_some(())
    })
    .await;
    assert_eq!(island.counters.snapshot().connections, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connections_at_once_are_all_served() {
    let island = TestIsland::start(limits(), Policy::default());
    let mut streams = Vec::new();
    for i in 0..1000 {
        let mut s = tokio::net::UnixStream::connect(&island.path).await.unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut s, hello(&format!("s{i:04}")).as_bytes())
            .await
            .unwrap();
        streams.push(s);
    }
    let snapshot = eventually("1000 sessions", async || {
        let s = client::status(&island.path).await.ok()?;
        (s.sessions.len() == 1000).then_some(s)
    })
    .await;
    assert!(
        snapshot
            .sessions
            .iter()
            .all(|s| s.state == SessionState::Idle)
    );
    drop(streams);
    eventually("all disconnected", async || {
        let s = client::status(&island.path).await.ok()?;
        s.sessions
            .iter()
            .all(|s| s.state == SessionState::Disconnected)
            .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_connections_opened_and_dropped_leave_nothing_behind() {
    let island = TestIsland::start(limits(), Policy::default());
    for _ in 0..10_000 {
        drop(tokio::net::UnixStream::connect(&island.path).await.unwrap());
    }
    // The control socket has its own listener, so Island may answer a
    // status before it has accepted the last of the agent connections:
    // wait until it has counted them all.
    eventually("every connection accepted and closed", async || {
        let counted = island.counters.connections.load(Ordering::Relaxed) >= 10_000;
        (counted && island.counters.open() == 0).then_some(())
    })
    .await;
    let status = eventually("Island still answering", async || {
        client::status(&island.path).await.ok()
    })
    .await;
    assert!(status.sessions.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_sends_a_newline_is_closed_and_delays_nobody() {
    let island = TestIsland::start(limits(), Policy::default());
    let mut loris = UnixStream::connect(&island.path).unwrap();
    loris
        .write_all(b"{\"hello\":{\"protocol\":1,\"session_id\":\"slow")
        .unwrap();
    // Others are served meanwhile.
    let started = std::time::Instant::now();
    client::status(&island.path).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(400));
    // Past the first-line timeout, the slow client is closed.
    loris
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(loris.read(&mut buf).unwrap(), 0, "closed by Island");
    assert_eq!(island.counters.timed_out.load(Ordering::Relaxed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upstream_fixture_sent_line_by_line_makes_one_session() {
    let island = TestIsland::start(limits(), Policy::default());
    let fixture = include_str!("../../../tests/fixtures/upstream-approval-flow.jsonl");
    for (i, line) in fixture.lines().enumerate() {
        client::send(&island.path, line).await.unwrap();
        // One connection per line, each read by its own task: two lines
        // sent back to back can be applied in the other order (a limit of
        // the upstream one-line sink). This test checks the session, not
        // that race: it waits until Island has read each line.
        let read = u64::try_from(i + 1).unwrap();
        poll::until_async(
            || format!("Island to read line {read}"),
            Duration::from_secs(5),
            || island.counters.lines.load(Ordering::Relaxed) >= read,
        )
        .await;
    }
    let snapshot = eventually("the fixture's session", async || {
        let s = client::status(&island.path).await.ok()?;
        // The last fixture line aborts the second turn.
        let done = s.sessions.first().is_some_and(|x| {
            x.title == "proj" && x.turn_started_at.is_none() && !x.approvals.is_empty()
        });
        done.then_some(s)
    })
    .await;
    assert_eq!(
        snapshot.sessions.len(),
        1,
        "one process, one session: {snapshot:?}"
    );
    let session = &snapshot.sessions[0];
    assert_eq!(session.title, "proj");
    assert_eq!(session.state, SessionState::NeedsApproval);
    assert_eq!(session.approvals[0].command.as_deref(), Some("cargo test"));
    assert_eq!(session.approvals[0].decisions.len(), 5);
    assert_eq!(snapshot.counters.malformed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_round_trip_from_the_command_line_to_the_agent() {
    let island = TestIsland::start(limits(), Policy::default());
    let hooks = agent(&island.path, "sess_cli");
    hooks.request_approval(ExecApprovalRequestEvent {
        approval_id: "a1".into(),
        command: "cargo publish".into(),
        cwd: "/w".into(),
        available_decisions: vec![ReviewDecision::Approved, ReviewDecision::Denied],
        ..ExecApprovalRequestEvent::default()
    });
    island
        .wait_seen("the approval notice", |seen| {
            seen.iter().any(|s| matches!(s, Seen::Show(n) if matches!(&n.key, NoticeKey::Approval(a) if a.id == "a1") && n.body.starts_with("cargo publish")))
        })
        .await;
    let refused = client::decide(&island.path, "nope", ReviewDecision::Approved)
        .await
        .unwrap();
    assert_eq!(refused.reason.as_deref(), Some("no open approval nope"));
    let ok = client::decide(&island.path, "a1", ReviewDecision::Denied)
        .await
        .unwrap();
    assert!(ok.ok);
    let got = hooks
        .await_decision("a1", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (ReviewDecision::Denied, DecisionSource::Cli)
    );
    island
        .wait_seen("the notice closed", |seen| {
            seen.contains(&Seen::Close(NoticeKey::Approval(ApprovalRef::new(
                "sess_cli", "a1",
            ))))
        })
        .await;
    let again = client::decide(&island.path, "a1", ReviewDecision::Approved)
        .await
        .unwrap();
    assert!(!again.ok, "the first answer won");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_action_reaches_the_agent_and_a_terminal_answer_closes_the_notice() {
    let island = TestIsland::start(limits(), Policy::default());
    let hooks = agent(&island.path, "sess_notif");
    hooks.request_approval(ExecApprovalRequestEvent {
        approval_id: "n1".into(),
        ..ExecApprovalRequestEvent::default()
    });
    hooks.request_approval(ExecApprovalRequestEvent {
        approval_id: "n2".into(),
        ..ExecApprovalRequestEvent::default()
    });
    island
        .wait_seen("two approval notices", |seen| {
            seen.iter().filter(|s| matches!(s, Seen::Show(_))).count() >= 2
        })
        .await;
    // The notification's Approve button, as the desktop adapter reports it.
    island
        .actions
        .send(island_core::notify::UserAction::Decide {
            approval: ApprovalRef::new("sess_notif", "n1"),
            decision: ReviewDecision::Approved,
            source: DecisionSource::Notification,
        })
        .unwrap();
    let got = hooks
        .await_decision("n1", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(got.source, DecisionSource::Notification);
    // The user answers n2 in the agent's terminal: Island closes its notice.
    assert!(hooks.resolve_approval("n2", ReviewDecision::Denied, DecisionSource::Terminal));
    island
        .wait_seen("n2 closed", |seen| {
            seen.contains(&Seen::Close(NoticeKey::Approval(ApprovalRef::new(
                "sess_notif",
                "n2",
            ))))
        })
        .await;
    let snapshot = client::status(&island.path).await.unwrap();
    assert!(snapshot.sessions[0].approvals.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_sends_a_snapshot_now_and_on_every_change_and_focus_fails_closed() {
    let island = TestIsland::start(limits(), Policy::default());
    let path = island.path.clone();
    // The watcher's first snapshot says it is attached; then the agent.
    let (attached, is_attached) = tokio::sync::oneshot::channel();
    let watcher = tokio::spawn(async move {
        let mut states = Vec::new();
        let mut attached = Some(attached);
        client::watch(&path, |_, snapshot| {
            if let Some(tx) = attached.take() {
                let _ = tx.send(());
            }
            states.push(snapshot.sessions.first().map(|s| s.state));
            !matches!(states.last(), Some(Some(SessionState::Working)))
        })
        .await
        .unwrap();
        states
    });
    is_attached.await.unwrap();
    let hooks = agent(&island.path, "sess_watch");
    hooks.emit(HookEvent::frame(island_protocol::EventFrame::TurnStarted {
        turn_id: "t".into(),
    }));
    let states = tokio::time::timeout(Duration::from_secs(10), watcher)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        states.first(),
        Some(&None),
        "the first snapshot comes at once, empty"
    );
    assert_eq!(states.last(), Some(&Some(SessionState::Working)));
    let focused = client::focus(
        &island.path,
        FocusRequest {
            session_id: Some("sess_watch".into()),
            waiting: false,
        },
    )
    .await
    .unwrap();
    // The agent runs in no terminal Island can reach: it fails closed.
    assert!(!focused.ok);
    assert!(focused.reason.is_some_and(|r| !r.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn island_restarting_gets_every_agent_back_with_its_open_approvals() {
    let island = TestIsland::start(limits(), Policy::default());
    let path = island.path.clone();
    let agents: Vec<HookDispatcher> = (0..100)
        .map(|i| agent(&path, &format!("s{i:03}")))
        .collect();
    agents[7].request_approval(ExecApprovalRequestEvent {
        approval_id: "kept".into(),
        command: "make".into(),
        ..ExecApprovalRequestEvent::default()
    });
    for a in &agents {
        a.emit(HookEvent::ResponseStart {
            response_id: "r".into(),
        });
    }
    eventually("100 sessions", async || {
        (client::status(&path).await.ok()?.sessions.len() == 100).then_some(())
    })
    .await;
    // Island dies without cleaning up (the socket file stays), and starts
    // again: the stale socket is reclaimed and every agent re-attaches.
    let dir = island.stop(true).await;
    assert!(path.exists());
    let island = TestIsland::start_at(
        dir,
        path.clone(),
        limits(),
        Policy::default(),
        common::recording,
    );
    let snapshot = eventually("every agent back", async || {
        let s = client::status(&path).await.ok()?;
        (s.sessions.len() == 100
            && s.sessions
                .iter()
                .all(|s| s.state != SessionState::Disconnected))
        .then_some(s)
    })
    .await;
    let s7 = snapshot.sessions.iter().find(|s| s.id == "s007").unwrap();
    assert_eq!(s7.approvals.len(), 1, "the open approval shows again");
    island
        .wait_seen("the approval notice again", |seen| {
            seen.iter()
                .any(|s| matches!(s, Seen::Show(n) if matches!(&n.key, NoticeKey::Approval(a) if a.id == "kept")))
        })
        .await;
    assert!(
        client::decide(&path, "kept", ReviewDecision::Approved)
            .await
            .unwrap()
            .ok
    );
    let got = agents[7]
        .await_decision("kept", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(got.decision, ReviewDecision::Approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_that_never_reads_cannot_hold_island_up() {
    let island = TestIsland::start(
        ServerLimits {
            outbound_bytes: 1024 * 1024,
            ..limits()
        },
        Policy::default(),
    );
    let _crowd = crowd(&island.path, 100);
    eventually("the crowd", async || {
        (client::status(&island.path).await.ok()?.sessions.len() == 100).then_some(())
    })
    .await;
    let mut stuck = UnixStream::connect(&island.path).unwrap();
    stuck.write_all(b"{\"watch\":{}}\n").unwrap();
    let hooks = agent(&island.path, "sess_busy");
    for i in 0..5000 {
        hooks.emit(HookEvent::frame(island_protocol::EventFrame::TurnStarted {
            turn_id: format!("t{i}"),
        }));
        hooks.emit(HookEvent::frame(
            island_protocol::EventFrame::TurnComplete {
                turn_id: format!("t{i}"),
            },
        ));
    }
    hooks.request_approval(ExecApprovalRequestEvent {
        approval_id: "last".into(),
        ..ExecApprovalRequestEvent::default()
    });
    // Island keeps up with the agent and answers others, whatever the
    // stuck watcher does.
    eventually("every event applied", async || {
        let started = std::time::Instant::now();
        let snapshot = client::status(&island.path).await.ok()?;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "Island answers others at once"
        );
        let s = snapshot.sessions.iter().find(|s| s.id == "sess_busy")?;
        // Lines of one connection are applied in order: once the last
        // one shows, every one before it was applied.
        s.approvals
            .iter()
            .any(|a| a.approval_id == "last")
            .then_some(())
    })
    .await;
    // The stuck watcher was dropped: reading now ends in EOF.
    stuck
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = Vec::new();
    let read = stuck.read_to_end(&mut sink);
    assert!(read.is_ok(), "closed by Island, not left hanging: {read:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_agents_wait_unread_and_lose_nothing() {
    let island = TestIsland::start(
        ServerLimits {
            max_connections: 4,
            max_control_connections: 2,
            ..limits()
        },
        Policy::default(),
    );
    let path = island.path.clone();
    // Four agents hold every place.
    let mut held = Vec::new();
    for n in 0..4 {
        let mut s = UnixStream::connect(&path).unwrap();
        s.write_all(hello(&format!("held-{n}")).as_bytes()).unwrap();
        held.push(s);
    }
    eventually("four sessions", async || {
        let s = client::status(&path).await.ok()?;
        (s.sessions.len() == 4).then_some(())
    })
    .await;
    // A fifth agent connects (the backlog takes it) and writes its hello:
    // Island does not accept it yet, and does not close it either.
    let mut fifth = UnixStream::connect(&path).unwrap();
    fifth.write_all(hello("fifth").as_bytes()).unwrap();
    // Status still answers, through the control socket: the fifth is not
    // in, and nothing was refused.
    let snapshot = client::status(&path).await.unwrap();
    assert_eq!(snapshot.sessions.len(), 4, "{:?}", snapshot.sessions);
    assert_eq!(snapshot.counters.refused_full, 0, "{:?}", snapshot.counters);
    fifth
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(
        fifth.read(&mut byte).is_err(),
        "the waiting agent is neither closed nor answered"
    );
    // One agent leaves: the fifth gets its place, and its hello arrives.
    drop(held.remove(0));
    eventually("the fifth agent's session", async || {
        let s = client::status(&path).await.ok()?;
        s.sessions.iter().any(|s| s.id == "fifth").then_some(())
    })
    .await;

    // The control socket has a bound of its own: past it a control client
    // is closed at once and counted, not left hanging.
    let ctl = control_path(&path);
    let mut watchers = Vec::new();
    // The status clients above may not have been counted out yet: a
    // watcher refused for that tries again.
    poll::until_async(
        "room for two watchers on the control socket",
        Duration::from_secs(10),
        || {
            while watchers.len() < 2 {
                let mut w = UnixStream::connect(&ctl).unwrap();
                w.write_all(b"{\"watch\":{}}\n").unwrap();
                let mut first = [0u8; 1];
                if w.read_exact(&mut first).is_err() {
                    return false;
                }
                watchers.push(w);
            }
            true
        },
    )
    .await;
    let mut refused = UnixStream::connect(&ctl).unwrap();
    refused
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(refused.read(&mut byte).unwrap(), 0, "closed at once");
    assert!(island.counters.snapshot().refused_full >= 1);
    drop((watchers, held, fifth));
}

/// Reads until the peer closes; the bytes read (10 s at most).
fn read_to_close(s: &mut UnixStream) -> usize {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut total = 0;
    let mut buf = [0u8; 65_536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) => panic!("not closed: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_left_half_written_is_closed_and_an_idle_connection_is_kept() {
    let island = TestIsland::start(
        ServerLimits {
            half_line_timeout: Duration::from_millis(300),
            ..limits()
        },
        Policy::default(),
    );
    let path = island.path.clone();
    let mut idle = UnixStream::connect(&path).unwrap();
    idle.write_all(hello("idle").as_bytes()).unwrap();
    let mut stuck = UnixStream::connect(&path).unwrap();
    stuck.write_all(hello("stuck").as_bytes()).unwrap();
    stuck
        .write_all(b"{\"at\":\"2026-11-23T10:00:00Z\",")
        .unwrap();
    read_to_close(&mut stuck);
    assert!(island.counters.snapshot().timed_out >= 1);
    // Well past the limit, the idle agent (between lines) is still there.
    idle.write_all(b"{\"at\":\"2026-11-23T10:00:01Z\",\"event\":{\"type\":\"generic_event_frame\",\"frame\":{\"event\":\"turn_started\",\"turn_id\":\"t\"}}}\n").unwrap();
    eventually("the idle agent still works", async || {
        (session_state(&path, "idle").await == Some(SessionState::Working)).then_some(())
    })
    .await;
    assert_eq!(
        session_state(&path, "stuck").await,
        Some(SessionState::Disconnected)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_lines_of_all_connections_share_one_bound() {
    let island = TestIsland::start(
        ServerLimits {
            max_buffered_bytes: 256 * 1024,
            ..limits()
        },
        Policy::default(),
    );
    let path = island.path.clone();
    // Eight connections each start a 100 KiB line and stop: together
    // 800 KiB, past the 256 KiB bound.
    let mut conns = Vec::new();
    for n in 0..8 {
        let mut s = UnixStream::connect(&path).unwrap();
        s.write_all(hello(&format!("big-{n}")).as_bytes()).unwrap();
        s.write_all(b"{\"at\":\"").unwrap();
        s.write_all(&vec![b'x'; 100 * 1024]).unwrap();
        conns.push(s);
    }
    for s in &conns {
        s.set_nonblocking(true).unwrap();
    }
    // Which were seen closed, kept across tries.
    let closed = std::sync::Mutex::new(vec![false; conns.len()]);
    poll::until_async(
        || {
            format!(
                "connections over the bound to be closed: {:?}, {} bytes held",
                closed.lock().unwrap(),
                island.counters.buffered_bytes()
            )
        },
        Duration::from_secs(10),
        || {
            let mut closed = closed.lock().unwrap();
            for (s, c) in conns.iter_mut().zip(closed.iter_mut()) {
                if matches!(s.read(&mut [0u8; 1]), Ok(0)) {
                    *c = true;
                }
            }
            closed.iter().filter(|c| **c).count() >= 5
        },
    )
    .await;
    assert!(
        island.counters.buffered_bytes() <= 256 * 1024 + 100 * 1024,
        "{} bytes held",
        island.counters.buffered_bytes()
    );
    // A new, ordinary agent still gets in.
    let mut fresh = UnixStream::connect(&path).unwrap();
    fresh.write_all(hello("fresh").as_bytes()).unwrap();
    eventually("a new agent", async || {
        (session_state(&path, "fresh").await == Some(SessionState::Idle)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_that_never_reads_is_closed_by_its_queued_bytes() {
    let island = TestIsland::start(
        ServerLimits {
            outbound_bytes: 64 * 1024,
            ..limits()
        },
        Policy::default(),
    );
    let path = island.path.clone();
    // 40 sessions: a snapshot of about 45 KiB, under the 64 KiB queue
    // (status must still be answered), two of them over it.
    let _crowd = crowd(&path, 40);
    eventually("the crowd", async || {
        (client::status(&path).await.ok()?.sessions.len() == 40).then_some(())
    })
    .await;
    let mut watcher = UnixStream::connect(&path).unwrap();
    watcher.write_all(b"{\"watch\":{}}\n").unwrap();
    // An agent with a long title changes state many times: each batch of
    // changes is a new snapshot line (45 KiB) for the watcher, which reads
    // none of them.
    let mut agent = UnixStream::connect(&path).unwrap();
    let title = "t".repeat(1000);
    agent
        .write_all(
            format!(
                "{{\"hello\":{{\"protocol\":1,\"session_id\":\"busy\",\"title\":\"{title}\"}}}}\n"
            )
            .as_bytes(),
        )
        .unwrap();
    for n in 0..3000 {
        let frame = if n % 2 == 0 {
            "turn_started"
        } else {
            "turn_complete"
        };
        agent.write_all(format!("{{\"at\":\"2026-11-23T10:00:00Z\",\"event\":{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"{frame}\",\"turn_id\":\"t{n}\"}}}}}}\n").as_bytes()).unwrap();
    }
    // Closed: what the kernel and the queue held, then the end.
    let read = read_to_close(&mut watcher);
    assert!(read > 0);
    // Island goes on serving.
    client::status(&path).await.unwrap();
}
