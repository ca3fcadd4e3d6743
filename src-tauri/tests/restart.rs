//! Island killed and started again while upstream agents (one connection
//! per line, no hello) wait on an approval: the card comes back for the
//! agent whose process still runs, and not for one whose process ended.
//! Real processes throughout: `island --headless`, this test process as one
//! upstream agent, and a Python process as the other.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Running;

fn headless(dir: &Path, socket: &Path) -> Running {
    Running(
        Command::new(common::island())
            .args(["--headless", "--no-notifications", "--socket"])
            .arg(socket)
            .env("ISLAND_CONFIG", dir.join("config.toml"))
            .env("XDG_STATE_HOME", dir.join("state"))
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// An approval as upstream's sink sends it: two lines, each on a
/// connection of its own.
fn upstream_approval(id: &str, command: &str) -> [String; 2] {
    [
        format!(
            "{{\"at\":\"2026-12-02T10:00:00Z\",\"event\":{{\"type\":\"approval_lifecycle\",\"approval_id\":\"{id}\",\"phase\":\"requested\",\"reason\":\"needs approval\"}}}}\n"
        ),
        format!(
            "{{\"at\":\"2026-12-02T10:00:00Z\",\"event\":{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"exec_approval_request\",\"request\":{{\"approval_id\":\"{id}\",\"command\":\"{command}\",\"cwd\":\"/tmp\",\"available_decisions\":[{{\"type\":\"approved\"}},{{\"type\":\"denied\"}}]}}}}}}}}\n"
        ),
    ]
}

fn has_approval(s: &island_protocol::Snapshot, id: &str) -> bool {
    s.sessions
        .iter()
        .any(|s| s.approvals.iter().any(|a| a.approval_id == id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_an_upstream_approval_comes_back_while_its_process_lives() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    let island = headless(dir.path(), &socket);
    common::wait_status(&socket, "Island up", |_| true).await;

    // This process is one upstream agent.
    for line in upstream_approval("keep-1", "make deploy") {
        UnixStream::connect(&socket)
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
    }
    // A Python process is another: it sends its approval, then waits until
    // told to end.
    let script = format!(
        "import socket, sys\nfor line in {:?}:\n    s = socket.socket(socket.AF_UNIX)\n    s.connect({:?})\n    s.sendall(line.encode())\n    s.close()\nprint('sent', flush=True)\nsys.stdin.read()\n",
        upstream_approval("gone-1", "rm -rf build"),
        socket.to_str().unwrap()
    );
    let mut other = Command::new("/usr/bin/python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_status(&socket, "both approvals", |s| {
        has_approval(s, "keep-1") && has_approval(s, "gone-1")
    })
    .await;

    // Both are in the state file, which only this user may read.
    let state = socket.with_file_name("island-state.json");
    let text = || std::fs::read_to_string(&state).unwrap_or_default();
    island_test_support::poll::until_async(
        || format!("the state file to hold both: {}", text()),
        Duration::from_secs(10),
        || {
            let text = text();
            text.contains("keep-1") && text.contains("gone-1") && text.contains("make deploy")
        },
    )
    .await;
    let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");

    // Island is killed (no chance to tidy up); the Python agent ends.
    drop(island);
    drop(other.stdin.take());
    assert!(other.wait().unwrap().success());

    let _island = headless(dir.path(), &socket);
    let s = common::wait_status(&socket, "the live agent's approval back", |s| {
        has_approval(s, "keep-1")
    })
    .await;
    assert!(!has_approval(&s, "gone-1"), "{s:#?}");
    assert_eq!(s.sessions.len(), 1, "{s:#?}");
    let approval = &s.sessions[0].approvals[0];
    assert_eq!(approval.command.as_deref(), Some("make deploy"));
    assert_eq!(
        s.sessions[0].id,
        format!(
            "pid-{}-{}",
            std::process::id(),
            proc_start_time(std::process::id())
        )
    );
}

/// Field 22 of `/proc/PID/stat`.
fn proc_start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 1..];
    rest.split_whitespace().nth(19).unwrap().parse().unwrap()
}
