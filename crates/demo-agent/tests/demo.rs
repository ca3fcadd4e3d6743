//! The demo agent as a user runs it, against a real socket: its own sink
//! (one connection per session, hello first, decisions answered), upstream
//! mode (one connection per event, no hello) and the stdout sink.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use island_protocol::{AgentMessage, EventFrame, HookEvent, decode_agent_line};

type Lines = Arc<Mutex<Vec<(usize, String)>>>;

/// Records (connection number, line) and, when `answer` is set, answers
/// every approval request on its own connection with that decision.
fn listen(path: &std::path::Path, answer: Option<&'static str>) -> Lines {
    let listener = UnixListener::bind(path).unwrap();
    let lines: Lines = Arc::default();
    let rec = Arc::clone(&lines);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { return };
            let rec = Arc::clone(&rec);
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { return };
                    if let (Some(decision), Ok(AgentMessage::Event(e))) =
                        (answer, decode_agent_line(line.as_bytes()))
                    {
                        if let HookEvent::GenericEventFrame {
                            frame: EventFrame::ExecApprovalRequest { request },
                        } = e.event
                        {
                            let reply = format!(
                                "{{\"decision\":{{\"approval_id\":\"{}\",\"decision\":{{\"type\":\"{decision}\"}},\"source\":\"widget\"}}}}\n",
                                request.approval_id
                            );
                            let _ = writer.write_all(reply.as_bytes());
                        }
                    }
                    rec.lock().unwrap().push((n, line));
                }
            });
        }
    });
    lines
}

fn demo(socket: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_island-demo-agent"))
        .args([
            "--sessions",
            "2",
            "--turns",
            "2",
            "--speed",
            "20",
            "--approval-every",
            "1",
            "--seed",
            "7",
        ])
        .arg("--socket")
        .arg(socket)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn each_session_streams_over_one_connection_and_gets_islands_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("island.sock");
    let lines = listen(&socket, Some("approved"));
    let out = demo(&socket, &["--approval-timeout", "20"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines = lines.lock().unwrap().clone();
    let connections: std::collections::BTreeSet<usize> = lines.iter().map(|(n, _)| *n).collect();
    assert_eq!(connections.len(), 2, "one connection per session");
    for c in connections {
        let first = &lines.iter().find(|(n, _)| *n == c).unwrap().1;
        assert!(first.starts_with("{\"hello\":"), "hello first: {first}");
    }
    // Two sessions × two turns, each with an approval answered by "Island".
    assert_eq!(
        stderr.matches(": Approve (from Widget)").count(),
        4,
        "{stderr}"
    );
    let closing = lines
        .iter()
        .filter(|(_, l)| l.contains("\"phase\":\"approved\""))
        .count();
    assert_eq!(closing, 4, "the agent reports every answer back");
    let turns = lines
        .iter()
        .filter(|(_, l)| l.contains("\"turn_complete\"") || l.contains("\"turn_aborted\""))
        .count();
    assert_eq!(turns, 4);
}

#[test]
fn without_an_answer_the_terminal_answers_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("island.sock");
    let lines = listen(&socket, None);
    let out = demo(
        &socket,
        &["--approval-timeout", "0.2", "--terminal-answer", "approve"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches(": Approve in the terminal").count(),
        4,
        "{stderr}"
    );
    let lines = lines.lock().unwrap();
    let closing: Vec<_> = lines
        .iter()
        .filter(|(_, l)| l.contains("\"phase\":\"approved\""))
        .collect();
    assert_eq!(closing.len(), 4);
    assert!(
        closing
            .iter()
            .all(|(_, l)| l.contains("answered in the terminal"))
    );
}

#[test]
fn upstream_mode_writes_one_line_per_connection_and_no_hello() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("island.sock");
    let lines = listen(&socket, None);
    let out = demo(&socket, &["--upstream", "--approval-timeout", "0.1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = lines.lock().unwrap();
    assert!(lines.len() > 20);
    let connections: std::collections::BTreeSet<usize> = lines.iter().map(|(n, _)| *n).collect();
    assert_eq!(connections.len(), lines.len(), "one line per connection");
    for (_, line) in lines.iter() {
        assert!(!line.contains("\"hello\""));
        // The upstream shape: the envelope and nothing else, `at` first.
        assert!(line.starts_with("{\"at\":\""), "{line}");
        assert!(
            matches!(
                decode_agent_line(line.as_bytes()),
                Ok(AgentMessage::Event(_))
            ),
            "{line}"
        );
    }
}

#[test]
fn the_stdout_sink_prints_every_event_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("nobody-listens.sock");
    let out = demo(&socket, &["--stdout", "--approval-timeout", "0.1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().count() > 20);
    for line in stdout.lines() {
        assert!(
            matches!(
                decode_agent_line(line.as_bytes()),
                Ok(AgentMessage::Event(_))
            ),
            "{line}"
        );
    }
    assert!(stdout.contains("\"approval_lifecycle\""));
}
