//! The widget on real Wayland compositors, run as an unprivileged user
//! (see `common::compositor`). On Sway 1.7 (headless, with foot) it is a
//! layer-shell overlay at its corner, over a terminal that keeps its size,
//! with no toplevel of its own; WebDriver presses Approve on it for a real
//! agent process (the demo agent); a drag's snap moves it to another
//! corner. On KWin 5.27 (virtual, with kitty) it is an overlay-layer
//! surface at its corner that takes no focus. On GNOME's mutter 43 it
//! goes through Xwayland, its window process alone, and stays above a
//! window opened after it.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Running;
use common::compositor::Session;
use common::compositor_look::Shot;
use common::wayland_agents::{built, island, wait_answered};
use common::webdriver::{self, click, displayed, free_port, wait_count};

/// The widget's margin from the output's edges, and a box around where a
/// collapsed widget (356x56 with its shadow margin) lies in each corner of
/// a 1280x800 output.
const TOP_RIGHT: (usize, usize, usize, usize) = (1280 - 16 - 356, 16, 356, 56);
const BOTTOM_LEFT: (usize, usize, usize, usize) = (16, 800 - 16 - 56, 356, 56);

/// Waits until a screenshot satisfies `check`.
fn wait_screen(sway: &Session, what: &str, check: impl Fn(&Shot) -> bool) -> Shot {
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
fn keep(sway: &Session, name: &str) {
    if let Some(dir) = std::env::var_os("ISLAND_SCREENSHOTS") {
        let shot = sway.work(name);
        assert!(sway.command("grim").arg(&shot).status().unwrap().success());
        std::fs::copy(&shot, Path::new(&dir).join(name)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sway_the_widget_is_an_overlay_at_its_corner_and_answers_approvals() {
    let sway = Session::sway();
    let island_bin = sway.install(&common::island());
    let app = sway.install(Path::new(env!("CARGO_BIN_EXE_island-app")));
    let demo = sway.install(&built("island-demo-agent"));
    let driver = sway.install(Path::new(&webdriver::driver()));

    // A terminal fills the workspace.
    let (_foot, _) = sway.terminal("term", "sleep 600");
    let foot_rect = |s: &Session| {
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
    wait_answered(&demo_log, "Widget");
    wait_count(&client, "section.approval", 0, "the answered card gone").await;

    // A click opens it, Escape closes it, as on X11.
    let cards_shown = |c: &fantoccini::Client| {
        let c = c.clone();
        async move { displayed(&c, "#cards").await }
    };
    click(&client, "#pill").await;
    let start = Instant::now();
    while !cards_shown(&client).await {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "a click opens it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E00C}")
        .await
        .unwrap();
    let start = Instant::now();
    while cards_shown(&client).await {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "Escape closes it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
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

#[test]
fn on_kwin_the_widget_is_an_overlay_surface_at_its_corner_that_takes_no_focus() {
    let kwin = Session::kwin();
    let island_bin = kwin.install(&common::island());
    kwin.install(Path::new(env!("CARGO_BIN_EXE_island-app")));
    let (_term, _) = kwin.terminal("term", "sleep 600");
    let doctor = island(&kwin, &island_bin, &["doctor"]);
    assert!(doctor.contains("widget: layer-shell"), "{doctor}");
    assert!(doctor.contains("KWin's scripting"), "{doctor}");
    let config = kwin.work("config.toml");
    std::fs::write(
        &config,
        "[widget]\nauto_hide = false\ncorner = \"bottom-left\"\n",
    )
    .unwrap();
    let _island = Running(
        kwin.command(&island_bin)
            .arg("--socket")
            .arg(kwin.work("run/island.sock"))
            .env("ISLAND_CONFIG", &config)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let widget = |k: &Session| {
        k.kwin_windows()
            .into_iter()
            .find(|w| w["class"] == "island-app")
    };
    kwin.wait("the widget's surface", |k| widget(k).is_some());
    let w = widget(&kwin).unwrap();
    let g = &w["geometry"];
    assert_eq!(w["layer"], 10, "KWin's overlay layer: {w}");
    assert_eq!(w["skipTaskbar"], true, "no taskbar entry: {w}");
    assert_eq!(g["x"], 16, "16 px from the left: {w}");
    assert_eq!(
        g["y"].as_f64().unwrap() + g["height"].as_f64().unwrap(),
        800.0 - 16.0,
        "16 px from the bottom: {w}"
    );
    // The terminal keeps the focus.
    assert_eq!(kwin.focused().as_deref(), Some("term"));
}

/// `xprop ARGS` on mutter's Xwayland, as the user.
fn xprop(gnome: &Session, args: &[&str]) -> String {
    let out = gnome.command("xprop").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An X11 window's place and size (`xwininfo`).
fn geometry(gnome: &Session, id: &str) -> (i64, i64, i64, i64) {
    let out = gnome
        .command("xwininfo")
        .args(["-id", id])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1)
    };
    (
        field("Absolute upper-left X:"),
        field("Absolute upper-left Y:"),
        field("Width:"),
        field("Height:"),
    )
}

/// The X11 windows of the client list, bottom to top.
fn stacking(gnome: &Session) -> Vec<String> {
    xprop(gnome, &["-root", "_NET_CLIENT_LIST_STACKING"])
        .split(['#', ','])
        .skip(1)
        .map(|w| w.trim().to_owned())
        .filter(|w| w.starts_with("0x"))
        .collect()
}

#[test]
fn on_gnome_the_widget_goes_through_xwayland_and_stays_above() {
    let gnome = Session::mutter();
    let island_bin = gnome.install(&common::island());
    gnome.install(Path::new(env!("CARGO_BIN_EXE_island-app")));
    let doctor = island(&gnome, &island_bin, &["doctor"]);
    assert!(doctor.contains("widget: xwayland"), "{doctor}");
    let config = gnome.work("config.toml");
    std::fs::write(
        &config,
        "[widget]\nauto_hide = false\ncorner = \"bottom-right\"\n",
    )
    .unwrap();
    let tray = Running(
        gnome
            .command(&island_bin)
            .arg("--socket")
            .arg(gnome.work("run/island.sock"))
            .env("ISLAND_CONFIG", &config)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let island_window = |g: &Session| {
        stacking(g)
            .into_iter()
            .find(|w| xprop(g, &["-id", w, "WM_NAME"]).contains("\"Island\""))
    };
    gnome.wait("the widget's X11 window", |g| island_window(g).is_some());
    let widget = island_window(&gnome).unwrap();
    let state = xprop(&gnome, &["-id", &widget, "_NET_WM_STATE"]);
    assert!(
        state.contains("_NET_WM_STATE_ABOVE") && state.contains("_NET_WM_STATE_SKIP_TASKBAR"),
        "{state}"
    );
    // At its corner, 16 px from the edges (a size of 0x0 that Xwayland
    // reports before the window shows once put it in the very corner,
    // and the move that followed counted as a drag).
    gnome.wait("the widget 16 px from the bottom right", |g| {
        let (x, y, w, h) = geometry(g, &widget);
        x + w == 1280 - 16 && y + h == 800 - 16
    });
    // Only the window process is on X11: the tray app stays on Wayland.
    let environ = |pid: u32| std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let has_x11 = |pid: u32| {
        environ(pid)
            .split(|b| *b == 0)
            .any(|kv| kv == b"GDK_BACKEND=x11")
    };
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", tray.0.id()))
        .unwrap_or_default();
    let window_process: Vec<u32> = children
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .filter(|p| has_x11(*p))
        .collect();
    assert_eq!(window_process.len(), 1, "one child on X11: {children}");
    assert!(!has_x11(tray.0.id()), "the tray app is not on X11");

    // A normal window opened afterwards (it takes the focus) stays below
    // the widget.
    let _xterm = Running(
        gnome
            .command("xterm")
            .args(["-T", "normal", "-e", "sleep", "600"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    gnome.wait("the normal window", |g| {
        stacking(g)
            .iter()
            .any(|w| xprop(g, &["-id", w, "WM_NAME"]).contains("\"normal\""))
    });
    let order = stacking(&gnome);
    assert_eq!(order.last(), Some(&widget), "the widget on top: {order:?}");
}

#[test]
fn on_sway_the_widget_shows_on_the_output_it_is_given() {
    let sway = Session::sway_with_outputs(2);
    let island_bin = sway.install(&common::island());
    sway.install(Path::new(env!("CARGO_BIN_EXE_island-app")));
    let empty = sway.screenshot();
    assert_eq!((empty.width, empty.height), (2560, 800), "two outputs");
    let config = sway.work("config.toml");
    std::fs::write(
        &config,
        "[widget]\nauto_hide = false\ncorner = \"top-right\"\noutput = \"HEADLESS-2\"\n",
    )
    .unwrap();
    let _island = Running(
        sway.command(&island_bin)
            .arg("--socket")
            .arg(sway.work("run/island.sock"))
            .env("ISLAND_CONFIG", &config)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let second_top_right = (1280 + TOP_RIGHT.0, TOP_RIGHT.1, TOP_RIGHT.2, TOP_RIGHT.3);
    let shown = wait_screen(&sway, "the widget on HEADLESS-2", |s| {
        !s.same_in(&empty, second_top_right)
    });
    assert!(
        shown.same_in(&empty, TOP_RIGHT),
        "nothing on HEADLESS-1, the focused output"
    );
}

#[test]
fn on_gnome_without_xwayland_doctor_says_what_cannot_work() {
    let gnome = Session::mutter_without_xwayland();
    let island_bin = gnome.install(&common::island());
    let doctor = island(&gnome, &island_bin, &["doctor"]);
    let line = doctor
        .lines()
        .find(|l| l.contains("widget:"))
        .unwrap_or_else(|| panic!("no widget line: {doctor}"));
    assert!(line.starts_with("warn"), "{line}");
    for part in [
        "widget: wayland",
        "no layer shell",
        "no XWayland",
        "taskbar",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
}
