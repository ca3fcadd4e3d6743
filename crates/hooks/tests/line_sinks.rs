//! JSONL and webhook sinks against real files and a real HTTP endpoint.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use codewhale_hooks::{HookDispatcher, HookSink, JsonlHookSink, WebhookHookSink, WebhookOptions};
use island_protocol::{AgentMessage, HookEvent, decode_agent_line};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn jsonl(path: &std::path::Path) -> HookDispatcher {
    HookDispatcher::new(vec![Box::new(JsonlHookSink::new(path)) as Box<dyn HookSink>])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_writes_whole_lines_under_concurrent_emits_and_creates_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/hooks.jsonl");
    let hooks = jsonl(&path);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let hooks = hooks.clone();
            std::thread::spawn(move || {
                for i in 0..2000 {
                    hooks.emit(HookEvent::ToolLifecycle {
                        response_id: format!("t{t}"),
                        tool_name: "exec_shell".into(),
                        phase: i.to_string(),
                        payload: serde_json::json!({ "pad": "x".repeat(t * 500) }),
                    });
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(hooks.flush(Duration::from_secs(20)).await);
    let c = hooks.counters_of("jsonl").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut next = [0usize; 8];
    for line in text.lines() {
        let AgentMessage::Event(e) = decode_agent_line(line.as_bytes()).unwrap() else {
            panic!("{line}")
        };
        let HookEvent::ToolLifecycle {
            response_id, phase, ..
        } = e.event
        else {
            panic!("{line}")
        };
        let t: usize = response_id[1..].parse().unwrap();
        assert_eq!(
            phase,
            next[t].to_string(),
            "each thread's lines whole and in order"
        );
        next[t] += 1;
    }
    assert_eq!(next, [2000; 8], "nothing lost: {c:?}");
    assert_eq!(c.sent, 16_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_keeps_its_file_open_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hooks.jsonl");
    std::fs::write(&path, "{\"earlier\":true}\n").unwrap();
    let hooks = jsonl(&path);
    hooks.emit(HookEvent::ResponseStart {
        response_id: "a".into(),
    });
    assert!(hooks.flush(Duration::from_secs(5)).await);
    // Renamed away: an open file keeps receiving, as log files do.
    let moved = dir.path().join("moved.jsonl");
    std::fs::rename(&path, &moved).unwrap();
    hooks.emit(HookEvent::ResponseStart {
        response_id: "b".into(),
    });
    assert!(hooks.flush(Duration::from_secs(5)).await);
    let text = std::fs::read_to_string(&moved).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(!path.exists(), "the file is not reopened per event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_on_an_unwritable_path_counts_errors_and_leaves_the_agent_alone() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file-not-dir");
    std::fs::write(&blocker, "").unwrap();
    let hooks = jsonl(&blocker.join("hooks.jsonl"));
    for i in 0..1000 {
        hooks.emit(HookEvent::ResponseStart {
            response_id: i.to_string(),
        });
    }
    assert!(
        hooks.flush(Duration::from_secs(10)).await,
        "failed events are settled, not stuck"
    );
    let c = hooks.counters_of("jsonl").unwrap();
    assert_eq!(c.sent, 0);
    assert_eq!(c.discarded, 1000);
    assert!(c.errors >= 1);
}

/// A real HTTP endpoint on loopback that fails the first `failures`
/// requests with 503, then answers 200, and records bodies.
async fn endpoint(
    failures: usize,
) -> (String, Arc<std::sync::Mutex<Vec<String>>>, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let requests = Arc::new(AtomicUsize::new(0));
    let (b, r) = (Arc::clone(&bodies), Arc::clone(&requests));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (b, r) = (Arc::clone(&b), Arc::clone(&r));
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    let Some(head_end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let len: usize = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if buf.len() < head_end + 4 + len {
                        continue;
                    }
                    let n = r.fetch_add(1, Ordering::SeqCst);
                    let status = if n < failures {
                        "503 Service Unavailable"
                    } else {
                        "200 OK"
                    };
                    if n >= failures {
                        b.lock()
                            .unwrap()
                            .push(text[head_end + 4..head_end + 4 + len].to_owned());
                    }
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                    return;
                }
            });
        }
    });
    (url, bodies, requests)
}

fn webhook(url: &str) -> HookDispatcher {
    let mut options = WebhookOptions::new(url.parse().unwrap());
    options.initial_backoff = Duration::from_millis(10);
    options.timeout = Duration::from_millis(500);
    HookDispatcher::new(vec![
        Box::new(WebhookHookSink::new(options)) as Box<dyn HookSink>
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_retries_with_backoff_then_delivers() {
    let (url, bodies, requests) = endpoint(2).await;
    let hooks = webhook(&url);
    hooks.emit(HookEvent::ResponseStart {
        response_id: "r1".into(),
    });
    assert!(hooks.flush(Duration::from_secs(10)).await);
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "two failures, then success"
    );
    let body = bodies.lock().unwrap()[0].clone();
    assert!(body.contains("\"response_id\":\"r1\""), "{body}");
    let c = hooks.counters_of("webhook").unwrap();
    assert_eq!((c.sent, c.discarded), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_down_gives_up_after_bounded_attempts_without_blocking_the_agent() {
    // Bind then drop, so that nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hooks = webhook(&format!("http://127.0.0.1:{port}/hook"));
    for i in 0..5 {
        hooks.emit(HookEvent::ResponseStart {
            response_id: i.to_string(),
        });
    }
    assert!(hooks.flush(Duration::from_secs(20)).await);
    let c = hooks.counters_of("webhook").unwrap();
    assert_eq!((c.sent, c.discarded), (0, 5));
    assert_eq!(c.errors, 5, "one error per event after its last attempt");
}

/// A sink with a bug: it panics on every event.
#[derive(Debug)]
struct PanickingSink;

impl HookSink for PanickingSink {
    fn name(&self) -> &'static str {
        "panicking"
    }
    fn emit(&self, _event: &Arc<island_protocol::EventEnvelope>) {
        panic!("a buggy sink");
    }
    fn counters(&self) -> codewhale_hooks::SinkCounters {
        codewhale_hooks::SinkCounters::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_sink_never_stops_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jsonl");
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let hooks = HookDispatcher::new(vec![
        Box::new(PanickingSink) as Box<dyn HookSink>,
        Box::new(JsonlHookSink::new(blocker.join("bad.jsonl"))),
        Box::new(JsonlHookSink::new(&good)),
    ]);
    for i in 0..10 {
        hooks.emit(HookEvent::ResponseStart {
            response_id: i.to_string(),
        });
    }
    assert!(hooks.flush(Duration::from_secs(10)).await);
    let text = std::fs::read_to_string(&good).unwrap();
    assert_eq!(text.lines().count(), 10, "the working sink got every event");
    let counters = hooks.counters();
    assert_eq!(
        counters[1].1.discarded, 10,
        "the broken one counted its losses"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_on_a_full_disk_and_a_read_only_file_never_touches_the_agent() {
    // /dev/full fails every write with ENOSPC; /proc/version refuses
    // writes even to root.
    for path in ["/dev/full", "/proc/version"] {
        let hooks = jsonl(std::path::Path::new(path));
        let started = std::time::Instant::now();
        for i in 0..10_000 {
            hooks.emit(HookEvent::ResponseStart {
                response_id: i.to_string(),
            });
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path}: emit stayed cheap"
        );
        assert!(
            hooks.flush(Duration::from_secs(20)).await,
            "{path}: every event settled"
        );
        let c = hooks.counters_of("jsonl").unwrap();
        assert_eq!(c.sent, 0, "{path}");
        assert_eq!(c.discarded, 10_000, "{path}: {c:?}");
        assert!(c.errors >= 1, "{path}: {c:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_never_answers_times_out_and_the_agent_goes_on() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut options = WebhookOptions::new(url.parse().unwrap());
    options.timeout = Duration::from_millis(200);
    options.initial_backoff = Duration::from_millis(10);
    options.max_attempts = 2;
    let hooks = HookDispatcher::new(vec![
        Box::new(WebhookHookSink::new(options)) as Box<dyn HookSink>
    ]);
    let started = std::time::Instant::now();
    for i in 0..3 {
        hooks.emit(HookEvent::ResponseStart {
            response_id: i.to_string(),
        });
    }
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "emit does not wait for the endpoint"
    );
    assert!(hooks.flush(Duration::from_secs(20)).await);
    let c = hooks.counters_of("webhook").unwrap();
    assert_eq!((c.sent, c.discarded, c.errors), (0, 3, 3), "{c:?}");
}
