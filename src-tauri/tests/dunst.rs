//! The display path with a real notification daemon: dunst on a private
//! session bus and a headless X server. Island's approval notice is
//! displayed by dunst, and it goes away when the approval is answered from
//! the command line.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use common::{Running, SessionBus, XServer, agent, start_island};
use island_protocol::{ExecApprovalRequestEvent, ReviewDecision};
use island_test_support::poll;

fn dunstctl(bus: &SessionBus, args: &[&str]) -> Option<String> {
    let out = Command::new("dunstctl")
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

async fn wait_count(bus: &SessionBus, which: &str, want: &str) {
    let last = Mutex::new(None);
    poll::until_async(
        || {
            format!(
                "dunst to show {want} {which} notifications, it shows {:?}",
                last.lock().unwrap()
            )
        },
        Duration::from_secs(10),
        || {
            let now = dunstctl(bus, &["count", which]);
            let shown = now.as_deref() == Some(want);
            *last.lock().unwrap() = now;
            shown
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dunst_displays_the_approval_and_drops_it_once_answered() {
    let x = XServer::start();
    let bus = SessionBus::start();
    let _dunst = Running(
        Command::new("dunst")
            .env("DISPLAY", &x.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst (Debian package dunst) must be installed: scripts/test installs it"),
    );
    wait_count(&bus, "displayed", "0").await; // dunst is up
    let dir = tempfile::tempdir().unwrap();
    let _island = start_island(dir.path(), &bus);
    let socket = dir.path().join("run/island.sock");
    let hooks = agent(&socket);
    hooks.request_approval(ExecApprovalRequestEvent {
        approval_id: "d1".into(),
        command: "git push --force".into(),
        available_decisions: vec![ReviewDecision::Approved, ReviewDecision::Denied],
        ..ExecApprovalRequestEvent::default()
    });
    wait_count(&bus, "displayed", "1").await;
    let island = common::island();
    let out = Command::new(&island)
        .args(["deny", "d1", "--socket"])
        .arg(&socket)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "d1: denied");
    let got = hooks
        .await_decision("d1", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(got.decision, ReviewDecision::Denied);
    wait_count(&bus, "displayed", "0").await;
    wait_count(&bus, "history", "1").await;
    let history = dunstctl(&bus, &["history"]).unwrap();
    assert!(history.contains("demo needs approval"), "{history}");
    assert!(history.contains("git push --force"), "{history}");
}
