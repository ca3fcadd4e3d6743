//! The Unix-socket sink against a real socket: one connection with hello
//! first, Island absent, late or restarting, decisions, and pressure.
//!
//! Over 400 lines: the socket sink's whole contract (reconnects, replay,
//! pressure, foreign listeners, decisions) against one stand-in listener.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use codewhale_hooks::queue::QueueLimits;
use codewhale_hooks::{HookDispatcher, HookSink, UnixSocketHookSink, UnixSocketOptions, WaitError};
use common::{ListenerStandIn, json, kind, session};
use island_protocol::{
    ApprovalPhase, DecisionSource, EventFrame, ExecApprovalRequestEvent, HookEvent, ReviewDecision,
};
use island_test_support::poll;

fn options(path: &std::path::Path, id: &str) -> UnixSocketOptions {
    let mut o = UnixSocketOptions::new(path, session(id));
    o.initial_backoff = Duration::from_millis(20);
    o.max_backoff = Duration::from_millis(200);
    o
}

fn dispatcher(options: UnixSocketOptions) -> HookDispatcher {
    HookDispatcher::new(vec![
        Box::new(UnixSocketHookSink::new(options)) as Box<dyn HookSink>
    ])
}

fn start(i: usize) -> HookEvent {
    HookEvent::ResponseStart {
        response_id: format!("r{i}"),
    }
}

fn request(id: &str) -> ExecApprovalRequestEvent {
    ExecApprovalRequestEvent {
        call_id: "call_1".into(),
        approval_id: id.into(),
        turn_id: "turn-1".into(),
        command: "cargo test".into(),
        cwd: "/home/dev/proj".into(),
        reason: Some("needs approval".into()),
        available_decisions: vec![ReviewDecision::Approved, ReviewDecision::Denied],
        ..ExecApprovalRequestEvent::default()
    }
}

fn decision_line(id: &str, decision: &str, source: &str) -> String {
    format!(
        r#"{{"decision":{{"approval_id":"{id}","decision":{{"type":"{decision}"}},"source":"{source}"}}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_arrive_over_one_connection_hello_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    let island = ListenerStandIn::bind(&path);
    let hooks = dispatcher(options(&path, "sess_one"));
    for i in 0..1000 {
        hooks.emit(start(i));
    }
    island
        .wait_until(10, "1000 events", |r| {
            r.connections.first().is_some_and(|c| c.len() == 1001)
        })
        .await;
    assert_eq!(
        island.connection_count(),
        1,
        "one persistent connection, not one per event"
    );
    let lines = island.lines(0);
    let hello = json(&lines[0]);
    assert_eq!(hello["hello"]["session_id"], "sess_one");
    assert_eq!(hello["hello"]["protocol"], 1);
    assert_eq!(hello["hello"]["pid"], std::process::id());
    assert_eq!(hello["hello"]["cwd"], "/home/dev/proj");
    assert_eq!(hello["hello"]["title"], "proj");
    assert_eq!(hello["hello"]["accepts_decisions"], true);
    assert_eq!(hello["hello"]["terminal"]["tmux_pane"], "%1");
    for (i, line) in lines[1..].iter().enumerate() {
        assert_eq!(
            json(line)["event"]["response_id"],
            format!("r{i}"),
            "in order"
        );
    }
    // Counters move right after each write returns.
    assert!(hooks.flush(Duration::from_secs(5)).await);
    let counters = hooks.counters_of("unix-socket").unwrap();
    assert_eq!(
        (
            counters.emitted,
            counters.sent,
            counters.dropped,
            counters.reconnects
        ),
        (1000, 1000, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn island_starting_late_gets_hello_then_what_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    let hooks = dispatcher(options(&path, "sess_late"));
    hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
        turn_id: "t1".into(),
    }));
    hooks.emit(HookEvent::ResponseDelta {
        response_id: "r".into(),
        delta: "not kept".into(),
    });
    hooks.request_approval(request("approval-late"));
    // Island comes after the sink found it absent and kept what it had.
    sink_counters_reach(&hooks, "the sink to find Island absent", |c| {
        c.dropped == 1 && c.held >= 2
    })
    .await;
    let island = ListenerStandIn::bind(&path);
    island
        .wait_until(10, "backlog", |r| {
            r.connections.first().is_some_and(|c| c.len() == 4)
        })
        .await;
    let kinds: Vec<_> = island.lines(0).iter().map(|l| kind(l)).collect();
    assert_eq!(
        kinds,
        [
            "hello",
            "turn_started",
            "approval:requested",
            "exec_approval_request"
        ]
    );
    hooks.emit(start(7));
    island
        .wait_until(10, "live event", |r| r.connections[0].len() == 5)
        .await;
    // The counter moves right after the write returns, which may be just
    // after the listener read the line.
    assert!(hooks.flush(Duration::from_secs(5)).await);
    let c = hooks.counters_of("unix-socket").unwrap();
    assert_eq!((c.sent, c.dropped, c.reconnects), (4, 1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn island_restarting_gets_open_approvals_again_and_nothing_else_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    let island = ListenerStandIn::bind(&path);
    let hooks = dispatcher(options(&path, "sess_restart"));
    hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
        turn_id: "t1".into(),
    }));
    hooks.request_approval(request("approval-open"));
    hooks.request_approval(request("approval-closed"));
    hooks.resolve_approval(
        "approval-closed",
        ReviewDecision::Denied,
        DecisionSource::Terminal,
    );
    hooks.emit(start(1));
    island
        .wait_until(10, "first session", |r| {
            r.connections.first().is_some_and(|c| c.len() == 8)
        })
        .await;
    island.kill();

    // Island restarts (at once: whether the sink noticed the old one go
    // first or not, it reconnects on its own, with no new event).
    let island = ListenerStandIn::bind(&path);
    island
        .wait_until(10, "replay", |r| {
            r.connections.first().is_some_and(|c| c.len() == 3)
        })
        .await;
    // Nothing else was replayed: a new event goes out right after the
    // replay, on the same ordered connection.
    hooks.emit(start(99));
    island
        .wait_until(10, "the event after the replay", |r| {
            r.connections[0].len() >= 4
        })
        .await;
    let lines = island.lines(0);
    let kinds: Vec<_> = lines.iter().map(|l| kind(l)).collect();
    assert_eq!(
        kinds[..3],
        ["hello", "approval:requested", "exec_approval_request"],
        "only the open approval"
    );
    assert_eq!(kinds.len(), 4, "then the new event alone: {kinds:?}");
    assert_eq!(
        json(&lines[0])["hello"]["session_id"],
        "sess_restart",
        "same session id re-attaches"
    );
    assert_eq!(json(&lines[1])["event"]["approval_id"], "approval-open");

    // The decision still reaches the agent through the new connection.
    island
        .send(
            0,
            &decision_line("approval-open", "approved", "notification"),
        )
        .await;
    let got = hooks
        .await_decision("approval-open", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (ReviewDecision::Approved, DecisionSource::Notification)
    );
    island
        .wait_until(10, "closing phase", |r| r.connections[0].len() == 5)
        .await;
    assert_eq!(kind(&island.lines(0)[4]), "approval:approved");
    assert_eq!(hooks.counters_of("unix-socket").unwrap().reconnects, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_answer_wins_and_the_closing_phase_is_emitted_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    let island = ListenerStandIn::bind(&path);
    let hooks = dispatcher(options(&path, "sess_decide"));
    hooks.request_approval(request("a1"));
    island
        .wait_until(10, "request", |r| {
            r.connections.first().is_some_and(|c| c.len() == 3)
        })
        .await;
    let waiter = {
        let hooks = hooks.clone();
        tokio::spawn(async move { hooks.await_decision("a1", Duration::from_secs(10)).await })
    };
    island
        .send(0, &decision_line("a1", "denied", "widget"))
        .await;
    island
        .send(0, &decision_line("a1", "approved", "cli"))
        .await;
    let got = waiter.await.unwrap().unwrap();
    assert_eq!(
        (got.decision, got.source),
        (ReviewDecision::Denied, DecisionSource::Widget)
    );
    island
        .wait_until(10, "closing", |r| r.connections[0].len() == 4)
        .await;
    // The terminal answering late loses too.
    assert!(!hooks.resolve_approval("a1", ReviewDecision::Approved, DecisionSource::Terminal));
    // Had the late answer sent a second closing phase, it would come
    // before this event on the same ordered connection.
    hooks.emit(start(99));
    island
        .wait_until(10, "the event after the late answer", |r| {
            r.connections[0].len() >= 5
        })
        .await;
    let lines = island.lines(0);
    assert_eq!(lines.len(), 5, "one closing phase only: {lines:#?}");
    assert_eq!(json(&lines[3])["event"]["phase"], "denied");
    assert_eq!(
        json(&lines[3])["event"]["reason"],
        "answered in the Island widget"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_in_the_terminal_closes_islands_card_and_later_decisions_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    let island = ListenerStandIn::bind(&path);
    let hooks = dispatcher(options(&path, "sess_term"));
    hooks.request_approval(request("a2"));
    assert_eq!(
        hooks.await_decision("a2", Duration::from_millis(100)).await,
        Err(WaitError::TimedOut("a2".into())),
        "no answer yet"
    );
    assert!(hooks.resolve_approval(
        "a2",
        ReviewDecision::ApprovedForSession,
        DecisionSource::Terminal
    ));
    island
        .wait_until(10, "closing", |r| {
            r.connections.first().is_some_and(|c| c.len() == 4)
        })
        .await;
    assert_eq!(kind(&island.lines(0)[3]), "approval:approved_for_session");
    island
        .send(0, &decision_line("a2", "denied", "notification"))
        .await;
    island
        .send(0, &decision_line("never-opened", "denied", "notification"))
        .await;
    island.send(0, "this is not json").await;
    // The sink reads Island's lines in order: once a decision sent after
    // them is delivered, they were all read.
    hooks.request_approval(request("a3"));
    island
        .wait_until(10, "a3 asked", |r| r.connections[0].len() == 6)
        .await;
    island
        .send(0, &decision_line("a3", "denied", "notification"))
        .await;
    hooks
        .await_decision("a3", Duration::from_secs(5))
        .await
        .unwrap();
    let got = hooks
        .await_decision("a2", Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(
        got.source,
        DecisionSource::Terminal,
        "the terminal answered first"
    );
    // No second closing phase for a2: its only one is line 3.
    let a2_closing = |lines: &[String]| {
        lines
            .iter()
            .filter(|l| json(l)["event"]["approval_id"] == "a2" && kind(l) != "approval:requested")
            .count()
    };
    assert_eq!(a2_closing(&island.lines(0)), 1, "{:#?}", island.lines(0));
    // The connection survived the bad line.
    hooks.emit(start(2));
    island
        .wait_until(10, "after bad line", |r| {
            r.connections[0]
                .iter()
                .any(|l| json(l)["event"]["response_id"] == "r2")
        })
        .await;
    assert_eq!(a2_closing(&island.lines(0)), 1, "{:#?}", island.lines(0));
    assert_eq!(island.connection_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_pressure_only_deltas_are_dropped_and_approvals_get_through() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    // An Island that accepts but does not read: the kernel buffer fills,
    // the write times out, and the sink reconnects.
    let stuck = ListenerStandIn::bind_with(&path, false);
    let mut o = options(&path, "sess_pressure");
    o.limits = QueueLimits {
        soft_cap: 64,
        hard_cap: 1024,
        max_delta_bytes: 1024,
    };
    o.write_timeout = Duration::from_millis(300);
    let hooks = dispatcher(o);
    hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
        turn_id: "t".into(),
    }));
    for _ in 0..200_000 {
        hooks.emit(HookEvent::ResponseDelta {
            response_id: "r".into(),
            delta: "x".repeat(64),
        });
    }
    hooks.request_approval(request("a-pressure"));
    hooks.emit(HookEvent::frame(EventFrame::TurnComplete {
        turn_id: "t".into(),
    }));
    stuck
        .wait_until(10, "stuck connection", |r| !r.connections.is_empty())
        .await;
    stuck.kill();
    let island = ListenerStandIn::bind(&path);
    island
        .wait_until(20, "approval after pressure", |r| {
            r.connections
                .iter()
                .flatten()
                .any(|l| l.contains("exec_approval_request"))
        })
        .await;
    assert!(hooks.flush(Duration::from_secs(20)).await);
    let c = hooks.counters_of("unix-socket").unwrap();
    assert!(
        c.dropped + c.coalesced > 0,
        "pressure dropped or merged deltas: {c:?}"
    );
    // Flushed means written to the socket; the stand-in records what it
    // reads a moment later.
    let wanted = [
        "approval:requested",
        "exec_approval_request",
        "turn_complete",
    ];
    island
        .wait_until(20, "approvals and the turn's end after pressure", |r| {
            let kinds: Vec<String> = r.connections.concat().iter().map(|l| kind(l)).collect();
            wanted.iter().all(|w| kinds.iter().any(|k| k == w))
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_without_a_runtime_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    let island = ListenerStandIn::bind(&path);
    let p = path.clone();
    // Built on a plain thread: the sink brings its own runtime thread.
    let hooks = std::thread::spawn(move || {
        let hooks = dispatcher(options(&p, "sess_plain"));
        hooks.emit(start(1));
        hooks
    })
    .join()
    .unwrap();
    island
        .wait_until(10, "event", |r| {
            r.connections.first().is_some_and(|c| c.len() == 2)
        })
        .await;
    drop(hooks);
}

#[test]
fn approval_phases_name_how_it_was_answered() {
    assert_eq!(
        ApprovalPhase::closing_for(&ReviewDecision::Abort),
        ApprovalPhase::Aborted
    );
    assert_eq!(
        ApprovalPhase::closing_for(&ReviewDecision::ApprovedExecpolicyAmendment),
        ApprovalPhase::Approved
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_island_socket_of_another_user_gets_nothing() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test runs a listener as uid 65534 with setpriv and must run as root (CI does)"
    );
    let dir = tempfile::tempdir().unwrap();
    // A shared, world-writable place, as a careless socket_path might be.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    let path = dir.path().join("island.sock");
    let received = dir.path().join("received");
    let script = [
        "import socket,os,sys,time",
        "p=sys.argv[1]",
        "s=socket.socket(socket.AF_UNIX)",
        "s.bind(p)",
        "os.chmod(p,0o777)",
        "s.listen(8)",
        "s.settimeout(1)",
        "total=0",
        "end=time.time()+3",
        "while time.time()<end:",
        "    try:",
        "        c,_=s.accept()",
        "    except OSError:",
        "        continue",
        "    c.settimeout(1)",
        "    try:",
        "        while True:",
        "            d=c.recv(65536)",
        "            if not d: break",
        "            total+=len(d)",
        "    except OSError:",
        "        pass",
        "open(sys.argv[2],'w').write(str(total))",
    ]
    .join("\n");
    let mut listener = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "/usr/bin/python3",
            "-c",
            &script,
        ])
        .arg(&path)
        .arg(&received)
        .spawn()
        .unwrap();
    poll::until_async("the other user's listener", Duration::from_secs(10), || {
        path.exists()
    })
    .await;
    let hooks = dispatcher(options(&path, "sess_private"));
    hooks.request_approval(request("secret"));
    hooks.emit(start(1));
    // The refusal is counted once the sink has tried.
    let c = poll::value_await(
        || {
            format!(
                "a refusal counted: {:?}",
                hooks.counters_of("unix-socket").unwrap()
            )
        },
        Duration::from_secs(10),
        async || {
            let c = hooks.counters_of("unix-socket").unwrap();
            (c.errors >= 1).then_some(c)
        },
    )
    .await;
    assert_eq!(c.sent, 0, "{c:?}");
    drop(hooks);
    let status = tokio::task::spawn_blocking(move || listener.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    // The chmod lets the recording file be written by uid 65534.
    assert_eq!(
        std::fs::read_to_string(&received).unwrap(),
        "0",
        "the other user received nothing"
    );
}

/// Waits until the socket sink's counters pass `check`.
async fn sink_counters_reach(
    hooks: &HookDispatcher,
    what: &str,
    check: impl Fn(&codewhale_hooks::SinkCounters) -> bool,
) {
    poll::until_async(what, Duration::from_secs(10), || {
        check(&hooks.counters_of("unix-socket").unwrap())
    })
    .await;
}
