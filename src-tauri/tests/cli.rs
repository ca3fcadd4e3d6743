//! The `island` command line as people use it: a headless Island in its own
//! process, and every client subcommand against it.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::Running;
use island_test_support::poll;

fn island(args: &[&str], socket: &std::path::Path) -> Output {
    Command::new(common::island())
        .args(args)
        .arg("--socket")
        .arg(socket)
        .output()
        .unwrap()
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn status_lines(socket: &std::path::Path) -> u64 {
    let out = island(&["status", "--json"], socket);
    let json: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    json["snapshot"]["counters"]["lines"].as_u64().unwrap()
}

#[test]
fn every_client_command_against_a_headless_island() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    let state = dir.path().join("state");

    // Not running yet: a clear error, not a hang.
    let out = island(&["status"], &socket);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Island is not running"),
        "{}",
        text(&out.stderr)
    );

    let _island = Running(
        Command::new(common::island())
            .args(["--headless", "--no-notifications", "--socket"])
            .arg(&socket)
            .env("ISLAND_CONFIG", dir.path().join("config.toml"))
            .env("XDG_STATE_HOME", &state)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .spawn()
            .unwrap(),
    );
    poll::until("the headless Island up", Duration::from_secs(5), || {
        island(&["status"], &socket).status.success()
    });
    assert!(
        dir.path().join("config.toml").exists(),
        "the commented config is written on first run"
    );

    // A second start says so and exits 0.
    let second = Command::new(common::island())
        .args(["--headless", "--socket"])
        .arg(&socket)
        .env("ISLAND_CONFIG", dir.path().join("config.toml"))
        .env("XDG_STATE_HOME", &state)
        .output()
        .unwrap();
    assert!(second.status.success());

    // `send` one line as a script would; a bad line is refused before sending.
    let started = r#"{"at":"2026-11-23T10:00:00Z","event":{"type":"generic_event_frame","frame":{"event":"turn_started","turn_id":"t"}}}"#;
    let lines_before = status_lines(&socket);
    let out = island(&["send", started], &socket);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        status_lines(&socket) > lines_before,
        "the line reached Island"
    );
    let out = island(&["send", "{not json"], &socket);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not a protocol line"),
        "{}",
        text(&out.stderr)
    );

    // An upstream-style agent: one line on a connection of its own, from a
    // process that lives on (a session whose process exits is forgotten).
    let line = r#"{"at":"2026-11-23T10:00:00Z","event":{"type":"generic_event_frame","frame":{"event":"exec_approval_request","request":{"approval_id":"cli-1","command":"cargo test","cwd":"/home/me/proj"}}}}"#;
    let agent_script = "import socket,sys,time\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ns.sendall(sys.argv[2].encode()+b'\\n')\ns.close()\ntime.sleep(120)\n";
    let _agent = Running(
        Command::new("python3")
            // A clean environment: no terminal of the developer running the test.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["-c", agent_script])
            .arg(&socket)
            .arg(line)
            .spawn()
            .unwrap(),
    );
    poll::until("the agent's approval cli-1", Duration::from_secs(5), || {
        text(&island(&["status", "--json"], &socket).stdout).contains("cli-1")
    });

    let out = island(&["status", "--json"], &socket);
    let json: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    let waiting = json["snapshot"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["approvals"][0]["approval_id"] == "cli-1")
        .unwrap_or_else(|| panic!("no session with the approval: {json}"));
    assert_eq!(waiting["title"], "proj");
    assert_eq!(waiting["state"], "needs_approval");
    let human = text(&island(&["status"], &socket).stdout);
    assert!(
        human.contains("proj")
            && human.contains("needs you")
            && human.contains("approval cli-1: cargo test"),
        "{human}"
    );

    // watch --json prints a snapshot line at once.
    let mut watch = Command::new(common::island())
        .args(["watch", "--json", "--socket"])
        .arg(&socket)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(watch.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(first.starts_with("{\"snapshot\":"), "{first}");

    // This session came from a one-line sender: it cannot take decisions.
    let out = island(&["approve", "cli-1"], &socket);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("does not take decisions from Island"),
        "{}",
        text(&out.stderr)
    );
    let out = island(&["deny", "nope"], &socket);
    assert_eq!(text(&out.stderr).trim(), "island: no open approval nope");

    // No display here: focusing fails closed, says why, and offers the
    // session's directory.
    let out = Command::new(common::island())
        .args(["focus", "--waiting", "--socket"])
        .arg(&socket)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("not focused:") && err.contains("the session's directory is /home/me/proj"),
        "{err}"
    );

    // Logs go to the XDG state directory, without prompts or commands.
    let log = std::fs::read_to_string(state.join("island/island.log")).unwrap();
    assert!(log.contains("listening on"), "{log}");
    assert!(
        !log.contains("cargo test"),
        "commands stay out of the log: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_answers_from_ui_island_approve_is_refused_and_the_agent_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    std::fs::write(
        dir.path().join("config.toml"),
        "[security]\nanswers_from = \"ui\"\n",
    )
    .unwrap();
    let _island = Running(
        Command::new(common::island())
            .args(["--headless", "--no-notifications", "--socket"])
            .arg(&socket)
            .env("ISLAND_CONFIG", dir.path().join("config.toml"))
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .spawn()
            .unwrap(),
    );
    common::wait_status(&socket, "Island up", |_| true).await;
    let hooks = common::agent(&socket);
    hooks.request_approval(common::approval_request("ap-1", "rm -rf build"));
    common::wait_status(&socket, "the approval", |s| {
        s.sessions.iter().any(|s| !s.approvals.is_empty())
    })
    .await;
    let out = island(&["approve", "ap-1"], &socket);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("answers_from"),
        "{}",
        text(&out.stderr)
    );
    // Nothing was sent: the approval is still open for the tray, the
    // widget and the notification.
    let s = common::wait_status(&socket, "still open", |_| true).await;
    assert_eq!(s.sessions[0].approvals.len(), 1);
    drop(hooks);
}

/// Starts `island --headless` with `answers_from = "ui"` and returns it with
/// the terminal answer token it wrote on its standard error.
fn headless_with_token(dir: &std::path::Path, socket: &std::path::Path) -> (Running, String) {
    use std::io::BufRead;
    std::fs::write(
        dir.join("config.toml"),
        "[security]\nanswers_from = \"ui\"\n",
    )
    .unwrap();
    let mut child = Command::new(common::island())
        .args(["--headless", "--no-notifications", "--socket"])
        .arg(socket)
        .env("ISLAND_CONFIG", dir.join("config.toml"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let token = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_once("terminal answer token: ")
                .map(|(_, t)| t.trim().to_owned())
        })
        .expect("island --headless writes its terminal answer token");
    // The rest of its standard error is drained, so Island never blocks on it.
    std::thread::spawn(move || lines.for_each(drop));
    (Running(child), token)
}

/// Runs `island ARGS` on a new pseudo-terminal, as a person at a terminal
/// does, answers its prompt with `typed`, and returns what it printed and
/// whether it succeeded.
fn on_a_terminal(args: &[&str], socket: &std::path::Path, typed: &str) -> (String, bool) {
    use std::io::{Read, Write};
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = std::fs::File::from(pty.slave);
    let mut child = Command::new(common::island())
        .args(args)
        .arg("--socket")
        .arg(socket)
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let mut master = std::fs::File::from(pty.master);
    let mut seen = String::new();
    let mut buf = [0u8; 512];
    while !seen.contains("terminal answer token") {
        let n = master.read(&mut buf).unwrap();
        assert!(n > 0, "no prompt: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    writeln!(master, "{typed}").unwrap();
    let ok = child.wait().unwrap().success();
    // What it printed after the prompt (the pty may have closed: EIO).
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    (seen, ok)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_answers_from_ui_the_terminal_answers_only_with_the_token_the_desktop_shows() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    let (_island, token) = headless_with_token(dir.path(), &socket);
    assert_eq!(token.len(), 19, "{token}");
    common::wait_status(&socket, "Island up", |_| true).await;
    let hooks = common::agent(&socket);
    hooks.request_approval(common::approval_request("ap-1", "rm -rf build"));
    hooks.request_approval(common::approval_request("ap-2", "git push --force"));
    common::wait_status(&socket, "the approvals", |s| {
        s.sessions.iter().map(|s| s.approvals.len()).sum::<usize>() == 2
    })
    .await;

    // A wrong token, as a script would pass it: refused, nothing sent.
    let wrong = common::spawn_with_stdin(
        Command::new(common::island())
            .args(["approve", "ap-1", "--token-stdin", "--socket"])
            .arg(&socket)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
        "0000-0000-0000-0000\n",
    )
    .wait_with_output()
    .unwrap();
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("not Island's terminal answer token"),
        "{}",
        text(&wrong.stderr)
    );
    // The token is in no snapshot, and the refusal is counted.
    let status = island(&["status", "--json"], &socket);
    assert!(!text(&status.stdout).contains(&token));
    let json: serde_json::Value = serde_json::from_str(text(&status.stdout).trim()).unwrap();
    assert_eq!(json["snapshot"]["counters"]["refused_answers"], 1);

    // At a terminal, `island approve` asks for the token; typed in lower
    // case, it answers the agent.
    let (printed, ok) = on_a_terminal(&["approve", "ap-1"], &socket, &token.to_lowercase());
    assert!(ok, "{printed}");
    let got = hooks
        .await_decision("ap-1", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (
            island_protocol::ReviewDecision::Approved,
            island_protocol::DecisionSource::Cli
        )
    );

    // The right token from standard input denies the other.
    let deny = common::spawn_with_stdin(
        Command::new(common::island())
            .args(["deny", "ap-2", "--token-stdin", "--socket"])
            .arg(&socket)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
        &format!("{token}\n"),
    )
    .wait_with_output()
    .unwrap();
    assert!(deny.status.success(), "{}", text(&deny.stderr));
    let got = hooks
        .await_decision("ap-2", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(got.decision, island_protocol::ReviewDecision::Denied);
    drop(hooks);
}
