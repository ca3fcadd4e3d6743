//! Island on a real Wayland compositor: Sway 1.7, headless, run as an
//! unprivileged user with foot terminals (see `common::sway`). The widget
//! is a layer-shell overlay at its corner, over a terminal that keeps its
//! size, with no toplevel of its own; WebDriver presses Approve on it for
//! a real agent process (the demo agent); a drag's snap moves it to
//! another corner. Click-through focuses the agent's foot window through
//! `swaymsg` and Sway's tree says so; a turn notice waits while the
//! agent's terminal is the focused window.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::sway::{Shot, Sway};
use common::webdriver::{self, click, free_port, wait_count};
use common::{Call, Running, serve_recorder, wait_for};

/// The widget's margin from the output's edges, and a box around where a
/// collapsed widget (356x56 with its shadow margin) lies in each corner of
/// a 1280x800 output.
const TOP_RIGHT: (usize, usize, usize, usize) = (1280 - 16 - 356, 16, 356, 56);
const BOTTOM_LEFT: (usize, usize, usize, usize) = (16, 800 - 16 - 56, 356, 56);

/// A binary of this workspace's build, next to `island-app`.
fn built(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_island-app")).with_file_name(name);
    assert!(
        path.is_file(),
        "{} is missing: build the workspace (scripts/test does)",
        path.display()
    );
    path
}

/// Waits until a screenshot satisfies `check`.
fn wait_screen(sway: &Sway, what: &str, check: impl Fn(&Shot) -> bool) -> Shot {
    let start = Instant::now();
    loop {
        let shot = sway.screenshot();
        if check(&shot) {
            return shot;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Keeps a PNG screenshot for people when `ISLAND_SCREENSHOTS` names a
/// directory (how the README's pictures are made).
fn keep(sway: &Sway, name: &str) {
    if let Some(dir) = std::env::var_os("ISLAND_SCREENSHOTS") {
        let shot = sway.work(name);
        assert!(sway.command("grim").arg(&shot).status().unwrap().success());
        std::fs::copy(&shot, Path::new(&dir).join(name)).unwrap();
    }
}

/// `island ARGS` as the user; its standard output.
fn island(sway: &Sway, bin: &Path, args: &[&str]) -> String {
    let out = sway.command(bin).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sway_the_widget_is_an_overlay_at_its_corner_and_answers_approvals() {
    let sway = Sway::start();
    let island_bin = sway.install(&common::island());
    let app = sway.install(Path::new(env!("CARGO_BIN_EXE_island-app")));
    let demo = sway.install(&built("island-demo-agent"));
    let driver = sway.install(Path::new(&webdriver::driver()));

    // A terminal fills the workspace.
    let (_foot, _) = sway.foot("term", "sleep 600");
    let foot_rect = |s: &Sway| {
        s.windows()
            .into_iter()
            .find(|w| w["name"] == "term")
            .map(|w| w["rect"].clone())
    };
    let before = foot_rect(&sway).unwrap();
    assert_eq!(
        (before["width"].as_u64(), before["height"].as_u64()),
        (Some(1280), Some(800)),
        "foot fills the output: {before}"
    );
    let empty = wait_screen(&sway, "foot drawn", |_| true);

    // Island's doctor says which widget this session gets.
    let doctor = island(&sway, &island_bin, &["doctor"]);
    assert!(
        doctor.contains("widget: layer-shell") && doctor.contains("zwlr_layer_shell_v1"),
        "{doctor}"
    );

    // The tray app, through WebDriver, with its widget at the bottom left.
    let socket = sway.work("run/island.sock");
    let config = sway.work("config.toml");
    std::fs::write(
        &config,
        "[widget]\nauto_hide = false\ncorner = \"bottom-left\"\n",
    )
    .unwrap();
    let port = free_port();
    let log = sway.work("driver.log");
    let _driver = Running(
        sway.command(&driver)
            .args(["--port", &port.to_string()])
            .args(["--native-port", &free_port().to_string()])
            .env("ISLAND_CONFIG", &config)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let args = ["--socket".to_owned(), socket.display().to_string()];
    let client = webdriver::connect(port, &app, &args, &log).await;
    wait_count(&client, "#pill", 1, "the pill").await;

    // It shows at its corner, over the terminal, and nowhere else.
    let shown = wait_screen(&sway, "the widget at the bottom left", |s| {
        !s.same_in(&empty, BOTTOM_LEFT)
    });
    assert!(
        shown.same_in(&empty, TOP_RIGHT),
        "nothing drawn at the top right"
    );
    keep(&sway, "sway-widget.png");
    // The terminal keeps its size (no space reserved), and the widget is
    // no window of Sway's tree (no toplevel, no taskbar entry).
    assert_eq!(foot_rect(&sway).unwrap(), before);
    let windows = sway.windows();
    assert!(
        windows
            .iter()
            .all(|w| w["app_id"] != "island" && w["name"] != "Island"),
        "no Island toplevel: {windows:#?}"
    );

    // A real agent process asks; the widget's Approve answers it.
    let demo_log = sway.work("demo.log");
    let _agent = Running(
        sway.command(&demo)
            .args([
                "--sessions",
                "1",
                "--turns",
                "1",
                "--approval-every",
                "1",
                "--abort-every",
                "0",
            ])
            .args(["--speed", "10"])
            .args(["--approval-timeout", "120", "--seed", "7", "--socket"])
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&demo_log).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_count(&client, "section.approval", 1, "the approval card").await;
    wait_screen(&sway, "the widget opened upwards", |s| {
        !s.same_in(&empty, (16, 800 - 16 - 200, 356, 56))
    });
    keep(&sway, "sway-widget-approval.png");
    click(&client, "section.approval button.approve").await;
    let start = Instant::now();
    while !std::fs::read_to_string(&demo_log)
        .unwrap_or_default()
        .contains("(from Widget)")
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the agent never got the widget's answer: {}",
            std::fs::read_to_string(&demo_log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // A drag of the grip towards the top right snaps it there, and the
    // place is kept for this output.
    client
        .execute(
            "window.__TAURI_INTERNALS__.invoke('snap_widget', {dx: 1000, dy: -700});",
            vec![],
        )
        .await
        .unwrap();
    wait_screen(&sway, "the widget at the top right", |s| {
        !s.same_in(&empty, TOP_RIGHT) && s.same_in(&empty, BOTTOM_LEFT)
    });
    keep(&sway, "sway-widget-snapped.png");
    let positions = std::fs::read_to_string(
        sway.dir
            .path()
            .join("home/.local/state/island/widget-positions.json"),
    );
    // Written when the widget hides or Island stops; the window process
    // holds it until then.
    drop(client);
    let start = Instant::now();
    let mut positions = positions.unwrap_or_default();
    while !positions.contains("HEADLESS-1") && !positions.contains("headless") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the snapped place was not kept: {positions:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
        positions = std::fs::read_to_string(
            sway.dir
                .path()
                .join("home/.local/state/island/widget-positions.json"),
        )
        .unwrap_or_default();
    }
}

/// An agent's session over its own connection, as the user: a Python
/// process that writes `lines` and holds the connection until its stdin
/// closes.
fn session(sway: &Sway, socket: &Path, lines: &[String]) -> Child {
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
    child
}

fn hello(id: &str, pid: u32) -> String {
    format!(
        r#"{{"hello":{{"protocol":1,"agent":"test-agent","session_id":"{id}","pid":{pid},"title":"{id}","accepts_decisions":true}}}}"#
    )
}

fn turn(child: &mut Child, turn: &str) {
    let stdin = child.stdin.as_mut().unwrap();
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
fn wait_held(log: &Path, id: &str, times: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let needle = format!("Turn(\"{id}\")");
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let n = text
            .lines()
            .filter(|l| l.contains("terminal is in front") && l.contains(&needle))
            .count();
        if n >= times {
            return;
        }
        assert!(Instant::now() < deadline, "never held {id}: {text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sway_click_through_focuses_the_agents_terminal_and_a_focused_one_is_quiet() {
    let sway = Sway::start();
    let (_server, calls) = serve_recorder(&sway.bus).await;
    let island_bin = sway.install(&common::island());
    let config = sway.work("config.toml");
    std::fs::write(
        &config,
        "[notifications]\nturn_complete_min_secs = 0\nburst_window_ms = 50\n",
    )
    .unwrap();
    let socket = sway.work("run/island.sock");
    let _island = Running(
        sway.command(&island_bin)
            .args(["--headless", "--socket"])
            .arg(&socket)
            .env("ISLAND_CONFIG", &config)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    sway.wait("Island up", |s| {
        island(
            s,
            &island_bin,
            &["status", "--socket", &socket.display().to_string()],
        )
        .contains("No agent sessions.")
    });
    let log = sway.dir.path().join("home/.local/state/island/island.log");

    // Two agents in two foot windows; the one made last has the focus.
    let (behind_foot, behind_pid) = sway.foot("behind", "sleep 600");
    let (_front, front_pid) = sway.foot("front", "sleep 600");
    assert_eq!(sway.focused().as_deref(), Some("front"));
    let mut front = session(&sway, &socket, &[hello("front", front_pid)]);
    let mut behind = session(&sway, &socket, &[hello("behind", behind_pid)]);
    turn(&mut front, "f1");
    wait_held(&log, "front", 1);
    turn(&mut behind, "b1");
    wait_for(
        &calls,
        "the turn notice of the one behind",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "behind finished"),
    )
    .await;
    let front_notices = calls
        .lock()
        .unwrap()
        .iter()
        .filter(|c| matches!(c, Call::Notify { summary, .. } if summary == "front finished"))
        .count();
    assert_eq!(front_notices, 0);

    // Click-through: Sway focuses the agent's own foot, and its tree says
    // so.
    let said = island(
        &sway,
        &island_bin,
        &["focus", "behind", "--socket", &socket.display().to_string()],
    );
    sway.wait("the behind window focused", |s| {
        s.focused().as_deref() == Some("behind")
    });
    assert!(!said.contains("not"), "{said}");
    // Now it is in front, its next turn is quiet.
    turn(&mut behind, "b2");
    wait_held(&log, "behind", 1);

    // An agent whose window is gone fails closed, with the reason.
    drop(behind_foot);
    let said = island(
        &sway,
        &island_bin,
        &["focus", "behind", "--socket", &socket.display().to_string()],
    );
    assert!(said.to_lowercase().contains("sway"), "{said}");
    assert_ne!(sway.focused().as_deref(), Some("behind"));
    drop(front.stdin.take());
    drop(behind.stdin.take());
    let _ = front.wait();
    let _ = behind.wait();
}
