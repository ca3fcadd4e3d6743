//! Agents and Island as the Wayland session's user: this build's
//! binaries, `island` commands, sessions over their own connections, and
//! waiting for what Island's and the agent's logs say.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use island_test_support::poll;

use super::Running;
use super::compositor::Session;

/// A binary of this workspace's build, next to `island-app`.
pub fn built(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_island-app")).with_file_name(name);
    assert!(
        path.is_file(),
        "{} is missing: build the workspace (scripts/test does)",
        path.display()
    );
    path
}

/// `island ARGS` as the user; its standard output.
pub fn island(sway: &Session, bin: &Path, args: &[&str]) -> String {
    let out = sway.command(bin).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// An agent's session over its own connection, as the user: a Python
/// process that writes `lines` and holds the connection until its stdin
/// closes (killed when dropped).
pub fn session(sway: &Session, socket: &Path, lines: &[String]) -> Running {
    let script = "import socket, sys\n\
                  s = socket.socket(socket.AF_UNIX)\n\
                  s.connect(sys.argv[1])\n\
                  for line in sys.stdin:\n    s.sendall(line.encode())\n";
    let mut child = sway
        .command("/usr/bin/python3")
        .args(["-c", script])
        .arg(socket)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.as_mut().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    stdin.flush().unwrap();
    Running(child)
}

pub fn hello(id: &str, pid: u32) -> String {
    format!(
        r#"{{"hello":{{"protocol":1,"agent":"test-agent","session_id":"{id}","pid":{pid},"title":"{id}","accepts_decisions":true}}}}"#
    )
}

pub fn turn(child: &mut Running, turn: &str) {
    let stdin = child.0.stdin.as_mut().unwrap();
    for event in ["turn_started", "turn_complete"] {
        writeln!(
            stdin,
            r#"{{"at":"2026-12-02T10:00:00Z","event":{{"type":"generic_event_frame","frame":{{"event":"{event}","turn_id":"{turn}"}}}}}}"#
        )
        .unwrap();
    }
    stdin.flush().unwrap();
}

/// Waits for Island's log to say a session's turn notice was held `times`.
pub fn wait_held(log: &Path, id: &str, times: usize) {
    let needle = format!("Turn(\"{id}\")");
    let held = || {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("terminal is in front") && l.contains(&needle))
            .count()
    };
    poll::until(
        &format!("{id}'s notice held {times} times"),
        Duration::from_secs(20),
        || held() >= times,
    );
}

/// Waits until the agent's log says an approval was answered from `from`.
pub fn wait_answered(log: &Path, from: &str) {
    let needle = format!("(from {from})");
    poll::until(
        &format!("an answer {needle}"),
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(log)
                .unwrap_or_default()
                .contains(&needle)
        },
    );
}
