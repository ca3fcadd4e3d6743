//! Island core benchmarks, each with a baseline measured in the same run:
//!
//! 1. decode plus reduce throughput on a mixed recorded stream (20
//!    sessions, streaming turns, tools, approvals), on one core; baseline:
//!    parsing the same lines into untyped JSON values;
//! 2. approval-to-notification latency over real sockets while 20 sessions
//!    stream 50,000 deltas/s; baseline: the same with no stream;
//! 3. 1,000 connected sessions: `status` round-trip latency and the
//!    process's memory; baseline: one session.
//!
//! Run: `cargo bench -p island-core --bench core` (`BENCH_MARKDOWN=path`
//! also writes the tables as Markdown).
//!
//! Over 400 lines: four benchmarks, each with the baseline it is measured
//! against in the same run, and the recorded stream they share.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use island_core::bind::bind;
use island_core::client;
use island_core::host::Host;
use island_core::notify::NoticeSink;
use island_core::server::{ServerCounters, ServerLimits, serve};
use island_core::tracker::{ConnId, Input, Notice, NoticeKey, Peer, Policy, SessionTracker};
use island_protocol::{Timestamp, decode_agent_line};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

fn at(ms: i64) -> String {
    Timestamp::from_unix_millis(1_795_428_000_000 + ms)
        .unwrap()
        .to_string()
}

/// A recorded-like stream: per session a hello, then turns of 40 deltas
/// with a tool call, an approval every fourth turn, and a completion.
fn mixed_stream(sessions: usize, turns: usize) -> Vec<(u64, String)> {
    let mut lines = Vec::new();
    for s in 0..sessions {
        lines.push((s as u64, format!("{{\"hello\":{{\"protocol\":1,\"session_id\":\"sess_{s}\",\"title\":\"proj{s}\",\"accepts_decisions\":true}}}}")));
    }
    let mut t = 0i64;
    for turn in 0..turns {
        for s in 0..sessions {
            let c = s as u64;
            let ev = |t: i64, event: String| format!("{{\"at\":\"{}\",\"event\":{event}}}", at(t));
            t += 1;
            lines.push((c, ev(t, format!("{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"turn_started\",\"turn_id\":\"t{turn}\"}}}}"))));
            lines.push((
                c,
                ev(
                    t,
                    format!("{{\"type\":\"response_start\",\"response_id\":\"r{turn}\"}}"),
                ),
            ));
            for d in 0..40 {
                lines.push((c, ev(t, format!("{{\"type\":\"response_delta\",\"response_id\":\"r{turn}\",\"delta\":\"word{d} \"}}"))));
            }
            lines.push((
                c,
                ev(
                    t,
                    format!("{{\"type\":\"response_end\",\"response_id\":\"r{turn}\"}}"),
                ),
            ));
            lines.push((c, ev(t, "{\"type\":\"tool_lifecycle\",\"response_id\":\"tool-1\",\"tool_name\":\"exec_shell\",\"phase\":\"dispatching\",\"payload\":{\"call_id\":\"c1\"}}".into())));
            lines.push((c, ev(t, "{\"type\":\"generic_event_frame\",\"frame\":{\"event\":\"exec_command_begin\",\"command\":\"cargo test\",\"cwd\":\"/w\"}}".into())));
            lines.push((c, ev(t, "{\"type\":\"generic_event_frame\",\"frame\":{\"event\":\"exec_command_end\",\"command\":\"cargo test\",\"exit_code\":0}}".into())));
            if turn % 4 == 0 {
                let id = format!("a-{s}-{turn}");
                lines.push((c, ev(t, format!("{{\"type\":\"approval_lifecycle\",\"approval_id\":\"{id}\",\"phase\":\"requested\",\"reason\":\"needs approval\"}}"))));
                lines.push((c, ev(t, format!("{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"exec_approval_request\",\"request\":{{\"approval_id\":\"{id}\",\"command\":\"cargo publish\",\"cwd\":\"/w\",\"available_decisions\":[{{\"type\":\"approved\"}},{{\"type\":\"denied\"}}]}}}}}}"))));
                lines.push((c, ev(t, format!("{{\"type\":\"approval_lifecycle\",\"approval_id\":\"{id}\",\"phase\":\"approved\",\"reason\":null}}"))));
            }
            lines.push((c, ev(t, format!("{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"turn_complete\",\"turn_id\":\"t{turn}\"}}}}"))));
        }
    }
    lines
}

/// Only lines that change what Island shows (a turn starts, an approval
/// opens and closes, the turn ends): each one makes the reducer recount the
/// tray and the next deadline.
fn changes_stream(sessions: usize, turns: usize) -> Vec<(u64, String)> {
    let mut lines = Vec::new();
    for s in 0..sessions {
        lines.push((s as u64, format!("{{\"hello\":{{\"protocol\":1,\"session_id\":\"sess_{s}\",\"title\":\"proj{s}\",\"accepts_decisions\":true}}}}")));
    }
    for turn in 0..turns {
        for s in 0..sessions {
            let c = s as u64;
            let ev = |event: String| format!("{{\"at\":\"{}\",\"event\":{event}}}", at(0));
            let id = format!("a-{s}-{turn}");
            lines.push((c, ev(format!("{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"turn_started\",\"turn_id\":\"t{turn}\"}}}}"))));
            lines.push((c, ev(format!("{{\"type\":\"approval_lifecycle\",\"approval_id\":\"{id}\",\"phase\":\"requested\",\"reason\":\"needs approval\"}}"))));
            lines.push((c, ev(format!("{{\"type\":\"approval_lifecycle\",\"approval_id\":\"{id}\",\"phase\":\"approved\",\"reason\":null}}"))));
            lines.push((c, ev(format!("{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"turn_complete\",\"turn_id\":\"t{turn}\"}}}}"))));
        }
    }
    lines
}

/// Lines per second through decode and the reducer, with `background`
/// other sessions open meanwhile (each its own process; the first 200 with
/// an open approval and its reminder due: what an input must not scan).
fn decode_and_reduce(lines: &[(u64, String)], background: usize) -> f64 {
    let mut tracker = SessionTracker::new(Policy::default());
    let now = Timestamp::now();
    for b in 0..background {
        let conn = ConnId(1_000_000 + b as u64);
        tracker.apply(
            Input::Opened {
                conn,
                peer: Peer {
                    pid: Some(100_000 + b as u32),
                    start_time: Some(1),
                },
            },
            now,
        );
        let mut lines = vec![format!(
            "{{\"hello\":{{\"protocol\":1,\"session_id\":\"bg_{b}\",\"title\":\"bg{b}\",\"accepts_decisions\":true}}}}"
        )];
        // Island keeps at most 256 open approvals: room is left for the
        // stream's own.
        if b < 200 {
            lines.push(format!("{{\"at\":\"{}\",\"event\":{{\"type\":\"approval_lifecycle\",\"approval_id\":\"bg-a-{b}\",\"phase\":\"requested\",\"reason\":\"waiting\"}}}}", at(0)));
        }
        for line in lines {
            let message = decode_agent_line(line.as_bytes()).unwrap();
            tracker.apply(Input::Message { conn, message }, now);
        }
    }
    assert_eq!(tracker.sessions().count(), background);
    for c in 0..20 {
        tracker.apply(
            Input::Opened {
                conn: ConnId(c),
                peer: Peer::default(),
            },
            now,
        );
    }
    let start = Instant::now();
    let mut effects = 0usize;
    for (conn, line) in lines {
        let message = decode_agent_line(line.as_bytes()).unwrap();
        effects += tracker
            .apply(
                Input::Message {
                    conn: ConnId(*conn),
                    message,
                },
                now,
            )
            .len();
    }
    let elapsed = start.elapsed();
    std::hint::black_box(effects);
    lines.len() as f64 / elapsed.as_secs_f64()
}

fn parse_only(lines: &[(u64, String)]) -> f64 {
    let start = Instant::now();
    for (_, line) in lines {
        std::hint::black_box(serde_json::from_str::<serde_json::Value>(line).unwrap());
    }
    lines.len() as f64 / start.elapsed().as_secs_f64()
}

/// Records when each approval notice is shown.
struct Stamps(mpsc::UnboundedSender<(String, Instant)>);

impl NoticeSink for Stamps {
    fn show(&mut self, notice: &Notice) {
        if let NoticeKey::Approval(approval) = &notice.key {
            let _ = self.0.send((approval.id.clone(), Instant::now()));
        }
    }
    fn close(&mut self, _key: &NoticeKey) {}
}

struct Running {
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
    _bound: island_core::bind::BoundSocket,
    shown: mpsc::UnboundedReceiver<(String, Instant)>,
}

fn start_island() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/island.sock");
    let mut bound = bind(&path).unwrap();
    let listener = tokio::net::UnixListener::from_std(bound.take_listener().unwrap()).unwrap();
    let counters = Arc::new(ServerCounters::default());
    let (inbound_tx, inbound_rx) = mpsc::channel(65_536);
    let (_actions_tx, actions_rx) = mpsc::unbounded_channel();
    let (shown_tx, shown) = mpsc::unbounded_channel();
    let host = Host::new(
        SessionTracker::new(Policy::default()),
        Box::new(Stamps(shown_tx)),
        Arc::clone(&counters),
    );
    tokio::spawn(serve(
        listener,
        ServerLimits::default(),
        counters,
        inbound_tx,
        std::future::pending(),
    ));
    tokio::spawn(async move {
        let _keep = _actions_tx;
        host.run(inbound_rx, actions_rx).await;
    });
    Running {
        path,
        _dir: dir,
        _bound: bound,
        shown,
    }
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// p50 and p99 of approval-to-notice latency, with `streams` sessions each
/// sending `per_session_rate` deltas per second meanwhile.
async fn approval_latency(
    streams: usize,
    per_session_rate: u64,
    approvals: usize,
) -> (Duration, Duration, u64) {
    let mut island = start_island();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flooders = Vec::new();
    for s in 0..streams {
        let (path, stop) = (island.path.clone(), Arc::clone(&stop));
        flooders.push(tokio::spawn(async move {
            let mut sock = tokio::net::UnixStream::connect(&path).await.unwrap();
            let hello = format!("{{\"hello\":{{\"protocol\":1,\"session_id\":\"flood{s}\"}}}}\n");
            sock.write_all(hello.as_bytes()).await.unwrap();
            let line = format!("{{\"at\":\"{}\",\"event\":{{\"type\":\"response_delta\",\"response_id\":\"r\",\"delta\":\"token \"}}}}\n", at(0));
            // Send in 10 ms ticks: rate/100 lines per tick.
            let per_tick = (per_session_rate / 100).max(1) as usize;
            let batch = line.repeat(per_tick);
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let mut sent = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                if sock.write_all(batch.as_bytes()).await.is_err() {
                    break;
                }
                sent += per_tick as u64;
            }
            sent
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut probe = tokio::net::UnixStream::connect(&island.path).await.unwrap();
    probe
        .write_all(b"{\"hello\":{\"protocol\":1,\"session_id\":\"probe\"}}\n")
        .await
        .unwrap();
    let mut latencies = Vec::with_capacity(approvals);
    for i in 0..approvals {
        let line = format!(
            "{{\"at\":\"{}\",\"event\":{{\"type\":\"approval_lifecycle\",\"approval_id\":\"p{i}\",\"phase\":\"requested\",\"reason\":null}}}}\n",
            at(0)
        );
        let sent = Instant::now();
        probe.write_all(line.as_bytes()).await.unwrap();
        loop {
            let (id, when) = island.shown.recv().await.unwrap();
            if id == format!("p{i}") {
                latencies.push(when - sent);
                break;
            }
        }
        // Answered: Island keeps at most 32 open approvals per session.
        let closed = format!(
            "{{\"at\":\"{}\",\"event\":{{\"type\":\"approval_lifecycle\",\"approval_id\":\"p{i}\",\"phase\":\"approved\",\"reason\":null}}}}\n",
            at(0)
        );
        probe.write_all(closed.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for f in flooders {
        total += f.await.unwrap();
    }
    (
        percentile(latencies.clone(), 0.5),
        percentile(latencies, 0.99),
        total,
    )
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

/// p50 and p99 of `status` with `sessions` connected, and the memory they
/// added.
async fn snapshot_latency(sessions: usize, samples: usize) -> (Duration, Duration, u64) {
    let island = start_island();
    let before = rss_kib();
    let mut conns = Vec::new();
    for s in 0..sessions {
        let mut sock = tokio::net::UnixStream::connect(&island.path).await.unwrap();
        let hello = format!(
            "{{\"hello\":{{\"protocol\":1,\"session_id\":\"s{s:04}\",\"title\":\"project-{s}\",\"cwd\":\"/home/me/project-{s}\",\"accepts_decisions\":true}}}}\n{{\"at\":\"{}\",\"event\":{{\"type\":\"approval_lifecycle\",\"approval_id\":\"a{s}\",\"phase\":\"requested\",\"reason\":\"needs approval\"}}}}\n",
            at(0)
        );
        sock.write_all(hello.as_bytes()).await.unwrap();
        conns.push(sock);
    }
    loop {
        if client::status(&island.path).await.unwrap().sessions.len() == sessions {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let added = rss_kib().saturating_sub(before);
    let mut latencies = Vec::new();
    for _ in 0..samples {
        let start = Instant::now();
        let s = client::status(&island.path).await.unwrap();
        latencies.push(start.elapsed());
        assert_eq!(s.sessions.len(), sessions);
    }
    (
        percentile(latencies.clone(), 0.5),
        percentile(latencies, 0.99),
        added,
    )
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let (turns, approvals, samples, big) = if smoke {
        // More approvals than a session may hold open at once (32).
        (2, 40, 5, 50)
    } else {
        (60, 200, 200, 1000)
    };
    let lines = mixed_stream(20, turns);
    let rounds = if smoke { 1 } else { 5 };
    let crowd = if smoke { 100 } else { 2000 };
    let changes = changes_stream(20, if smoke { 2 } else { 100 });
    let mut ours = Vec::new();
    let mut base = Vec::new();
    let (mut alone, mut crowded) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(decode_and_reduce(&lines, 0));
        base.push(parse_only(&lines));
        alone.push(decode_and_reduce(&changes, 0));
        crowded.push(decode_and_reduce(&changes, crowd));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[rounds / 2]
    };
    let (ours, base) = (median(ours), median(base));
    let (alone, crowded) = (median(alone), median(crowded));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (quiet50, quiet99, _) = runtime.block_on(approval_latency(0, 0, approvals));
    let (flood50, flood99, sent) = runtime.block_on(approval_latency(20, 2500, approvals));
    let (one50, one99, _) = runtime.block_on(snapshot_latency(1, samples));
    let (many50, many99, added) = runtime.block_on(snapshot_latency(big, samples));
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    let verdict = |met: bool| if met { "met" } else { "**not met**" };

    let table = format!(
        "### Decode plus reduce ({} lines: 20 sessions, streaming turns, tools, approvals; medians of {rounds} rounds)\n\n\
         | | lines/s |\n|---|---:|\n\
         | baseline: parse each line into an untyped JSON value | {base:.0} |\n\
         | decode into protocol types and apply to the session reducer | {ours:.0} |\n\n\
         Decode plus reduce runs at **{:.2}x** the speed of merely parsing the JSON. Target ≥ 1,000,000 events/s on one core: {}.\n\n\
         ### Lines that change what Island shows, against the sessions it holds ({} lines: 20 sessions, turns that start, open and close an approval, and end; medians of {rounds} rounds)\n\n\
         | | lines/s |\n|---|---:|\n\
         | baseline: no other session | {alone:.0} |\n\
         | {crowd} other sessions open ({} of them with an open approval and its reminder due) | {crowded:.0} |\n\n\
         With {crowd} other sessions open these lines go through at **{:.2}x** the rate with none.\n\n\
         ### Approval to notification ({approvals} approvals, real sockets)\n\n\
         | | p50 | p99 |\n|---|---:|---:|\n\
         | baseline: no other traffic | {} | {} |\n\
         | while 20 sessions stream 50,000 deltas/s ({sent} deltas sent) | {} | {} |\n\n\
         The flood multiplies p99 by **{:.1}x**. Target p99 ≤ 2 ms under the flood: {}.\n\n\
         ### Snapshot with many sessions (`island status` round trips over the socket, {samples} samples)\n\n\
         | | p50 | p99 | memory added |\n|---|---:|---:|---:|\n\
         | baseline: 1 session | {} | {} | |\n\
         | {big} sessions, each asking for an approval (Island keeps 256 open) | {} | {} | {} KiB ({:.1} KiB per session) |\n\n\
         {big} sessions make a snapshot **{:.1}x** slower at p99 than one. Target p99 ≤ 10 ms: {}.\n",
        lines.len(),
        ours / base,
        verdict(ours >= 1_000_000.0),
        changes.len(),
        crowd.min(200),
        crowded / alone,
        ms(quiet50),
        ms(quiet99),
        ms(flood50),
        ms(flood99),
        flood99.as_secs_f64() / quiet99.as_secs_f64().max(1e-9),
        verdict(flood99 <= Duration::from_millis(2)),
        ms(one50),
        ms(one99),
        ms(many50),
        ms(many99),
        added,
        added as f64 / big as f64,
        many99.as_secs_f64() / one99.as_secs_f64().max(1e-9),
        verdict(many99 <= Duration::from_millis(10)),
    );
    println!("{table}");
    if let Ok(path) = std::env::var("BENCH_MARKDOWN") {
        std::fs::write(path, &table).unwrap();
    }
}
