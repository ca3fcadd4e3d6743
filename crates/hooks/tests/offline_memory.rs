//! Island absent for a long agent session: emit keeps working, memory stays
//! bounded and the counters account for every event. In a test binary of
//! its own, so that the process's memory is this test's alone.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use codewhale_hooks::{HookDispatcher, HookSink, UnixSocketHookSink, UnixSocketOptions, WaitError};
use common::session;
use island_protocol::{ExecApprovalRequestEvent, HookEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn island_absent_costs_the_agent_nothing_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nobody-listens.sock");
    let hooks = HookDispatcher::new(vec![
        Box::new(UnixSocketHookSink::new(UnixSocketOptions::new(
            &path,
            session("sess_alone"),
        ))) as Box<dyn HookSink>,
    ]);
    let rss_before = rss_kib();
    for i in 0..1_000_000u32 {
        let event = if i % 10 == 0 {
            HookEvent::ResponseStart {
                response_id: format!("r{i}"),
            }
        } else {
            HookEvent::ResponseDelta {
                response_id: format!("r{}", i / 10),
                delta: "token ".into(),
            }
        };
        hooks.emit(event);
    }
    hooks.request_approval(ExecApprovalRequestEvent {
        approval_id: "approval-absent".into(),
        ..ExecApprovalRequestEvent::default()
    });
    // Every event is settled or held for Island (the backlog and the open
    // approval); the held ones keep a flush from completing.
    assert!(!hooks.flush(Duration::from_millis(500)).await);
    let c = island_test_support::poll::value_await(
        "every event settled or held",
        Duration::from_secs(30),
        async || {
            let c = hooks.counters_of("unix-socket").unwrap();
            (c.settled() + c.held == c.emitted).then_some(c)
        },
    )
    .await;
    assert_eq!(c.held, 1024 + 2, "a full backlog and the approval: {c:?}");
    let grown = rss_kib().saturating_sub(rss_before);
    assert!(
        grown < 64 * 1024,
        "memory grew by {grown} KiB for 1,000,000 events with Island absent"
    );
    let c = hooks.counters_of("unix-socket").unwrap();
    assert_eq!(c.emitted, 1_000_002);
    assert_eq!(c.sent, 0);
    assert_eq!(
        c.dropped + c.coalesced,
        900_000,
        "every delta was dropped or merged: {c:?}"
    );
    // Only deltas count as dropped; the 100,000 other events are either
    // held for Island (the newest 1,024) or counted as discarded because
    // Island stayed away longer than the backlog keeps them.
    assert_eq!(c.discarded + c.held - 2, 100_000, "{c:?}");
    // The approval is neither dropped nor discarded: it waits for Island.
    assert!(hooks.is_approval_open("approval-absent"));
    assert_eq!(
        hooks
            .await_decision("approval-absent", Duration::from_millis(50))
            .await,
        Err(WaitError::TimedOut("approval-absent".into()))
    );
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}
