//! A storm of upstream-style connections (connect, one line, close, for
//! every event) against a real `island --headless`: every line that got a
//! connection arrives, and `island status`, a real client process, is
//! answered all through the storm by way of Island's control socket.

#![allow(clippy::unwrap_used)]

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use island_test_support::poll;

struct Island(Child);

impl Drop for Island {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn status_json(socket: &Path) -> Option<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_island"))
        .args(["status", "--json", "--socket"])
        .arg(socket)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).ok())
        .flatten()
}

#[test]
fn a_storm_of_one_line_connections_loses_nothing_and_status_stays_answered() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    let _island = Island(
        Command::new(env!("CARGO_BIN_EXE_island"))
            .args(["--headless", "--no-notifications", "--socket"])
            .arg(&socket)
            .env("ISLAND_CONFIG", dir.path().join("config.toml"))
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    poll::until("Island to come up", Duration::from_secs(20), || {
        status_json(&socket).is_some()
    });
    assert!(
        socket.with_file_name("island.sock.ctl").exists(),
        "the control socket is beside the main one"
    );

    // Lines counted so far (this request's own included).
    let base = status_json(&socket).unwrap()["snapshot"]["counters"]["lines"]
        .as_u64()
        .unwrap();
    // Four threads of this process connect, write one line and close as
    // fast as they can; a full backlog makes their connect wait (a blocking
    // connect), so every event is sent.
    const PER_THREAD: usize = 3000;
    let storming = Arc::new(AtomicBool::new(true));
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let socket = socket.clone();
            std::thread::spawn(move || {
                for n in 0..PER_THREAD {
                    let mut s = UnixStream::connect(&socket).unwrap();
                    let line = format!("{{\"at\":\"2026-12-02T10:00:00Z\",\"event\":{{\"type\":\"response_delta\",\"response_id\":\"r\",\"delta\":\"{t}-{n} \"}}}}\n");
                    s.write_all(line.as_bytes()).unwrap();
                }
            })
        })
        .collect();
    // Meanwhile `island status`, again and again: never refused, never
    // `EAGAIN`, and never slow (a generous bound for a debug build on a
    // busy machine).
    let checker = {
        let (socket, storming) = (socket.clone(), Arc::clone(&storming));
        std::thread::spawn(move || {
            let mut asked = 0u64;
            let mut slowest = Duration::ZERO;
            while storming.load(Ordering::Relaxed) {
                let started = Instant::now();
                assert!(
                    status_json(&socket).is_some(),
                    "status failed during the storm"
                );
                slowest = slowest.max(started.elapsed());
                asked += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            (asked, slowest)
        })
    };
    for w in writers {
        w.join().unwrap();
    }
    storming.store(false, Ordering::Relaxed);
    let (asked, slowest) = checker.join().unwrap();
    assert!(asked > 0);
    // Through the main socket, whose backlog the storm keeps full, a status
    // took over 300 ms here; through the control socket under 30 ms.
    assert!(
        slowest < Duration::from_millis(250),
        "the slowest of {asked} status requests took {slowest:?}"
    );

    // Every line arrived: the storm's and the status requests' (each
    // status counts its own line).
    let expected = base + (4 * PER_THREAD) as u64 + asked;
    let statuses = Cell::new(0);
    let counters = RefCell::new(serde_json::Value::Null);
    let lines = poll::value(
        || {
            format!(
                "{} lines counted by Island; its counters: {}",
                expected + statuses.get(),
                counters.borrow()
            )
        },
        Duration::from_secs(30),
        || {
            statuses.set(statuses.get() + 1);
            *counters.borrow_mut() = status_json(&socket).unwrap()["snapshot"]["counters"].take();
            let lines = counters.borrow()["lines"].as_u64().unwrap();
            (lines >= expected + statuses.get()).then_some(lines)
        },
    );
    assert_eq!(
        lines,
        expected + statuses.get(),
        "lines counted by Island; its counters: {}",
        counters.borrow()
    );
}
