//! The widget under GNOME's mutter 43 (headless, run as an unprivileged
//! user; see `common::compositor`), which has no layer shell: it goes
//! through Xwayland, its window process alone, sits 16 px from its corner
//! and stays above a window opened after it; without Xwayland, `island
//! doctor` warns what an ordinary window loses.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;

use common::Running;
use common::compositor::Session;
use common::wayland_agents::{install_tray_app, island, start_island};

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
    let (island_bin, _) = install_tray_app(&gnome);
    let doctor = island(&gnome, &island_bin, &["doctor"]);
    assert!(doctor.contains("widget: xwayland"), "{doctor}");
    let tray = start_island(
        &gnome,
        &island_bin,
        &[],
        "[widget]\nauto_hide = false\ncorner = \"bottom-right\"\n",
        Stdio::null(),
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
