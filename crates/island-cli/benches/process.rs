//! What a user's agent pays for Island, whole process: every hook event is
//! a new `island hook …` process, and status bars run `island status` every
//! second or two. Each command runs through the small `island` and, as the
//! baseline in the same run, through the tray app's binary (`island-app`,
//! which links GTK and WebKit and runs the same command line), against one
//! `island --headless`.
//!
//! 1. wall time, CPU time (user + system, from `getrusage` of the waited
//!    child) and peak memory (`/usr/bin/time -f %M`) of `island hook
//!    claude` (a PostToolUse payload), `island status` and `island
//!    --version`, medians after a warm-up;
//! 2. what the hook process adds to Island's own answer time for a
//!    PermissionRequest: a watcher answers every approval the moment it
//!    shows; the same request is sent in-process (the bridge's own code, no
//!    new process) as the baseline.
//!
//! `/bin/true` is measured the same way in the same run: the cost of
//! starting any process on the machine, which no hook can go below.
//!
//! Run: `cargo build --release -p island-app && ISLAND_BIN=$(scripts/build-island)
//! cargo bench -p island-cli --bench process` (`BENCH_MARKDOWN=path` also
//! writes the tables). Without `ISLAND_BIN` it measures cargo's own build.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};

struct Run {
    wall: Duration,
    cpu: Duration,
}

fn children_cpu() -> Duration {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap();
    let t = |tv: nix::sys::time::TimeVal| {
        Duration::from_secs(u64::try_from(tv.tv_sec()).unwrap())
            + Duration::from_micros(u64::try_from(tv.tv_usec()).unwrap())
    };
    t(usage.user_time()) + t(usage.system_time())
}

/// Runs `program args` with `stdin`, once: its wall and CPU time.
fn run_once(program: &Path, args: &[&str], stdin: &str) -> Run {
    let before = children_cpu();
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    assert!(child.wait().unwrap().success());
    Run {
        wall: start.elapsed(),
        cpu: children_cpu() - before,
    }
}

/// Peak resident memory (KiB) of one run, as `/usr/bin/time` reports it.
fn peak_kib(program: &Path, args: &[&str], stdin: &str) -> u64 {
    let out_file = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(out_file.path())
        .arg(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("/usr/bin/time (Debian package time) is installed by scripts/bench");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    std::fs::read_to_string(out_file.path())
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

struct Figures {
    wall: Duration,
    cpu: Duration,
    peak_mib: f64,
}

fn measure(program: &Path, args: &[&str], stdin: &str, runs: usize) -> Figures {
    for _ in 0..3 {
        run_once(program, args, stdin);
    }
    let all: Vec<Run> = (0..runs).map(|_| run_once(program, args, stdin)).collect();
    let mut peaks: Vec<u64> = (0..3).map(|_| peak_kib(program, args, stdin)).collect();
    peaks.sort_unstable();
    Figures {
        wall: median(all.iter().map(|r| r.wall).collect()),
        cpu: median(all.iter().map(|r| r.cpu).collect()),
        #[allow(clippy::cast_precision_loss)] // KiB of one process
        peak_mib: peaks[1] as f64 / 1024.0,
    }
}

/// Answers every approval the moment a watch shows it, until dropped.
fn auto_approver(socket: PathBuf, runtime: &tokio::runtime::Runtime) {
    runtime.spawn(async move {
        let mut answered = std::collections::HashSet::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let watch_socket = socket.clone();
        tokio::spawn(async move {
            let _ = island_core::client::watch(&watch_socket, |_, snapshot| {
                for s in &snapshot.sessions {
                    for a in &s.approvals {
                        let _ = tx.send(format!("{}/{}", s.id, a.approval_id));
                    }
                }
                true
            })
            .await;
        });
        while let Some(id) = rx.recv().await {
            if answered.insert(id.clone()) {
                let _ = island_core::client::decide(
                    &socket,
                    &id,
                    island_protocol::ReviewDecision::Approved,
                )
                .await;
            }
        }
    });
}

fn permission_request(n: usize) -> serde_json::Value {
    serde_json::json!({
        "session_id": format!("bench-{n}"),
        "cwd": "/home/me/webapp",
        "hook_event_name": "PermissionRequest",
        "tool_name": "Bash",
        "tool_use_id": format!("toolu_{n}"),
        "tool_input": {"command": "cargo test", "description": "Run the tests"},
    })
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let runs = if smoke { 3 } else { 15 };
    // The program that ships (`scripts/build-island`: static, not PIE) when
    // ISLAND_BIN names it; else cargo's own build of this package.
    let island = std::env::var_os("ISLAND_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_island")),
        PathBuf::from,
    );
    let app = PathBuf::from(env!("CARGO_BIN_EXE_island")).with_file_name("island-app");
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("island.sock");
    let socket_arg = socket.to_str().unwrap().to_owned();
    let mut headless = Command::new(&island)
        .args(["--headless", "--no-notifications", "--socket", &socket_arg])
        .env("ISLAND_CONFIG", dir.path().join("config.toml"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while Command::new(&island)
        .args(["status", "--socket", &socket_arg])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "Island never came up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let post_tool_use = serde_json::json!({
        "session_id": "bench", "cwd": "/home/me/webapp", "hook_event_name": "PostToolUse",
        "tool_name": "Bash", "tool_use_id": "toolu_0",
        "tool_input": {"command": "ls"}, "tool_response": {"stdout": "a\nb\n"},
    })
    .to_string();
    let commands: [(&str, Vec<&str>, &str); 3] = [
        (
            "`island hook claude` (PostToolUse, Island running)",
            vec!["hook", "--socket", &socket_arg, "claude"],
            &post_tool_use,
        ),
        (
            "`island status`",
            vec!["status", "--socket", &socket_arg],
            "",
        ),
        ("`island --version`", vec!["--version"], ""),
    ];
    let app_built = app.is_file();
    let mut table = String::from(
        "| command | `island` wall | CPU | peak memory | `island-app` (GUI binary) wall | CPU | peak memory | CPU ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    let mut verdicts = Vec::new();
    let (mut small_ok, mut min_ratio) = (true, f64::INFINITY);
    for (label, args, stdin) in &commands {
        let small = measure(&island, args, stdin, runs);
        let (gui, ratio) = if app_built {
            let gui = measure(&app, args, stdin, runs);
            let ratio = gui.cpu.as_secs_f64() / small.cpu.as_secs_f64().max(1e-6);
            min_ratio = min_ratio.min(ratio);
            (
                format!(
                    "{} | {} | {:.1} MiB",
                    ms(gui.wall),
                    ms(gui.cpu),
                    gui.peak_mib
                ),
                format!("{ratio:.0}×"),
            )
        } else {
            ("(not built) | | ".into(), "".into())
        };
        table.push_str(&format!(
            "| {label} | {} | {} | {:.1} MiB | {gui} | {ratio} |\n",
            ms(small.wall),
            ms(small.cpu),
            small.peak_mib
        ));
        if !label.contains("--version") {
            small_ok &= small.wall <= Duration::from_millis(5) && small.peak_mib <= 10.0;
            verdicts.push(format!(
                "{label}: {} ms wall (target ≤ 5), {:.1} MiB (target ≤ 10)",
                (small.wall.as_secs_f64() * 1000.0).round(),
                small.peak_mib
            ));
        }
    }

    // A PermissionRequest answered at once by a watcher: the hook process
    // against the same request sent in-process.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    auto_approver(socket.clone(), &runtime);
    let rounds = if smoke { 3 } else { 150 };
    let mut through_process = Vec::new();
    let mut in_process = Vec::new();
    let terminal = island_protocol::TerminalInfo::default();
    for n in 0..rounds {
        let input = permission_request(n).to_string();
        let run = run_once(
            &island,
            &[
                "hook",
                "--socket",
                &socket_arg,
                "claude",
                "--wait-secs",
                "10",
            ],
            &input,
        );
        through_process.push(run.wall);
        let plan = island_agents::bridge::claude::plan(
            island_agents::bridge::claude::CLAUDE,
            &permission_request(n + 100_000),
            Some(std::process::id()),
            terminal.clone(),
            u128::try_from(n).unwrap(),
        )
        .unwrap();
        let start = Instant::now();
        let answer = runtime
            .block_on(island_agents::bridge::deliver(
                &socket,
                &plan,
                Duration::from_secs(10),
            ))
            .unwrap();
        assert!(answer.is_some(), "the in-process request was answered");
        in_process.push(start.elapsed());
    }
    // What the process adds: the median of each round's difference (the
    // two runs of a round are back to back, so a slow moment of the
    // machine weighs on both).
    let added = median(
        through_process
            .iter()
            .zip(&in_process)
            .map(|(p, i)| p.saturating_sub(*i))
            .collect(),
    );
    let (process, inside) = (median(through_process), median(in_process));
    let floor = measure(Path::new("/bin/true"), &[], "", runs);
    table.push_str(&format!(
        "\nA PermissionRequest answered at once by a watcher, median of {rounds}: through `island hook claude` {}, in-process (the bridge's own code, no new process) {}; the hook process adds {} (median of the rounds' differences; target ≤ 2 ms). Starting `/bin/true` the same way takes {} wall, {} CPU in this run.\n",
        ms(process),
        ms(inside),
        ms(added),
        ms(floor.wall),
        ms(floor.cpu)
    ));
    table.push('\n');
    for v in verdicts {
        table.push_str(&format!("- {v}\n"));
    }
    let met = |ok: bool| if ok { "met" } else { "**not met**" };
    table.push_str(&format!(
        "\nAgainst the targets of the hook-cost issue: every hook and `island status` ≤ 5 ms wall and ≤ 10 MiB: {}; at least 15 times less CPU than through the GUI binary: {}; a PermissionRequest through the hook process adds at most 2 ms to Island's own answer time: {} ({}, of which starting any process, `/bin/true`, is {}).\n",
        met(small_ok),
        if app_built { met(min_ratio >= 15.0) } else { "not measured (island-app not built)" },
        met(added <= Duration::from_millis(2)),
        ms(added),
        ms(floor.wall)
    ));
    print!("{table}");
    if let Ok(path) = std::env::var("BENCH_MARKDOWN") {
        std::fs::write(path, &table).unwrap();
    }
    let _ = headless.kill();
    let _ = headless.wait();
}
