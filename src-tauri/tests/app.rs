//! The app's lifecycle on a real desktop: one instance (a second launch
//! brings up the first one's widget and exits), the widget (and the window
//! process that holds its webview) created only while shown, started again
//! if it dies, and gone with no sessions; and a clear message with no
//! display at all.
//!
//! Over 400 lines: the tray app's life as a process (windows, window
//! process, restarts, second launch), sharing one desktop harness.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Desktop, agent};
use island_protocol::{EventFrame, HookEvent};
use island_test_support::poll;

/// How many top-level windows named "Island" the X server has.
fn island_windows(desktop: &Desktop) -> usize {
    let out = Command::new("xwininfo")
        .args(["-root", "-tree", "-display", &desktop.x.display])
        .output()
        .expect("xwininfo (Debian package x11-utils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        // The widget is titled "Island"; GTK's own hidden helper windows are
        // named "island" (their class is "Island").
        .filter(|l| l.contains("\"Island\": ("))
        .count()
}

/// `island` on this desktop, with its socket and config in `dir`.
fn island(desktop: &Desktop, dir: &Path) -> Command {
    let mut command = desktop.command(common::island(), dir);
    command
        .arg("--socket")
        .arg(dir.join("run/island.sock"))
        .env("ISLAND_CONFIG", dir.join("config.toml"));
    command
}

/// Every process `pid` started, and theirs: (pid, command line).
fn descendants(pid: u32) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    let mut queue = vec![pid];
    while let Some(parent) = queue.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
                let cmdline = std::fs::read(format!("/proc/{child}/cmdline")).unwrap_or_default();
                let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                found.push((child, cmdline));
                queue.push(child);
            }
        }
    }
    found
}

/// The pipes process `pid` has open.
fn pipes(pid: u32) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| {
            fds.flatten()
                .filter_map(|fd| std::fs::read_link(fd.path()).ok())
                .map(|target| target.display().to_string())
                .filter(|target| target.starts_with("pipe:"))
                .collect()
        })
        .unwrap_or_default()
}

/// The window process (`island windows`) of the app `pid`, once it runs.
fn window_process(pid: u32) -> Option<u32> {
    descendants(pid)
        .into_iter()
        .find(|(_, cmd)| cmd.contains("island windows"))
        .map(|(p, _)| p)
}

fn wait_until(what: &str, log: &Path, check: impl FnMut() -> bool) {
    poll::until(
        || {
            format!(
                "{what}; the app said: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            )
        },
        Duration::from_secs(30),
        check,
    );
}

fn wait_windows(desktop: &Desktop, want: impl Fn(usize) -> bool, what: &str, log: &Path) {
    poll::until(
        || {
            format!(
                "{what}: {} Island windows; the app said: {}",
                island_windows(desktop),
                std::fs::read_to_string(log).unwrap_or_default()
            )
        },
        Duration::from_secs(30),
        || want(island_windows(desktop)),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_exists_only_with_sessions_and_a_second_launch_shows_it() {
    let desktop = Desktop::start();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("island.stderr");
    let config = "[sessions]\ndisconnected_grace_secs = 1\n";
    let mut app = desktop.start_app(dir.path(), config, &["--no-notifications"]);
    let socket = dir.path().join("run/island.sock");
    poll::until_async("Island's socket", Duration::from_secs(15), || {
        socket.exists()
    })
    .await;
    // Auto-hide (the default) and no session: no widget, so no webview,
    // and no process besides Island's own, once the app has decided (its
    // last start step says so in its log).
    poll::until_async("the app's start decided", Duration::from_secs(30), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("the widget's start is decided")
    })
    .await;
    assert_eq!(island_windows(&desktop), 0, "no widget without sessions");
    let pid = app.0.id();
    assert_eq!(descendants(pid), vec![], "no window process while hidden");

    // A session appears: the widget shows.
    let hooks = agent(&socket);
    hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
        turn_id: "t1".into(),
    }));
    wait_windows(&desktop, |n| n >= 1, "the widget with a session", &log);
    // Its webview lives in the window process, with WebKit's under it.
    let windows = window_process(pid).expect("a window process");
    let webkit = descendants(windows);
    assert!(
        webkit
            .iter()
            .any(|(_, cmd)| cmd.contains("WebKitWebProcess")),
        "{webkit:?}"
    );
    // The pipes between Island and its window process are theirs alone:
    // WebKit's processes could otherwise speak for the user.
    // (Island's own stdin, stdout and stderr may be pipes too, and so may
    // what it inherited from this test, such as cargo's jobserver.)
    let standard: Vec<String> = (0..3)
        .filter_map(|fd| std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok())
        .map(|target| target.display().to_string())
        .collect();
    let inherited = pipes(std::process::id());
    let link: Vec<String> = pipes(pid)
        .intersection(&pipes(windows))
        .filter(|p| !standard.contains(p) && !inherited.contains(*p))
        .cloned()
        .collect();
    assert_eq!(link.len(), 2, "one pipe each way: {link:?}");
    for (child, cmd) in &webkit {
        let theirs = pipes(*child);
        assert!(
            link.iter().all(|p| !theirs.contains(p)),
            "{cmd} holds a pipe to Island: {theirs:?}"
        );
    }

    // The window process dies: Island starts another, and the widget is
    // back.
    let killed = Command::new("kill")
        .args(["-KILL", &windows.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_until("a new window process", &log, || {
        window_process(pid).is_some_and(|p| p != windows)
    });
    wait_windows(&desktop, |n| n >= 1, "the widget back", &log);

    // The agent goes: after the grace period the widget closes, and the
    // window process ends with everything WebKit started.
    drop(hooks);
    wait_windows(&desktop, |n| n == 0, "the widget closed again", &log);
    wait_until("no process left under Island", &log, || {
        descendants(pid).is_empty()
    });
    // It ended when asked (its stdin closed), not killed after a wait.
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!said.contains("did not end"), "{said}");

    // A second launch hands over to the first and exits; the first shows
    // its widget even with no session.
    let second = island(&desktop, dir.path()).output().unwrap();
    assert!(second.status.success(), "the second launch: {second:?}");
    wait_windows(
        &desktop,
        |n| n >= 1,
        "the widget shown by a second launch",
        &log,
    );
    assert!(
        app.0.try_wait().unwrap().is_none(),
        "the first instance runs on"
    );

    // Island dies: its window process does not outlive it (its stdin
    // closes).
    let windows = window_process(pid).expect("a window process");
    app.0.kill().unwrap();
    app.0.wait().unwrap();
    wait_until("the window process gone with Island", &log, || {
        // Gone, or a zombie its new parent has not reaped yet.
        std::fs::read_to_string(format!("/proc/{windows}/stat"))
            .map_or(true, |stat| stat.contains(") Z "))
    });
    wait_windows(&desktop, |n| n == 0, "no widget left behind", &log);
}

#[test]
fn with_no_display_the_app_says_so_and_suggests_headless() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(common::island())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("ISLAND_CONFIG", dir.path().join("config.toml"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .arg("--socket")
        .arg(dir.path().join("island.sock"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no display"), "{stderr}");
    assert!(stderr.contains("island --headless"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Nothing was bound.
    assert!(!dir.path().join("island.sock").exists());
}

#[test]
fn headless_and_the_clients_need_no_display() {
    // A display that cannot be opened: anything that touched GTK would
    // fail on it.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("island.sock");
    let island = |args: &[&str]| {
        let mut command = Command::new(common::island());
        command
            .env("DISPLAY", ":4242")
            .env_remove("WAYLAND_DISPLAY")
            .env("ISLAND_CONFIG", dir.path().join("config.toml"))
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .args(args)
            .arg("--socket")
            .arg(&socket);
        command
    };
    let headless = common::Running(island(&["--headless"]).spawn().unwrap());
    let status = poll::value(
        "island status answered by the headless Island",
        Duration::from_secs(5),
        || {
            let out = island(&["status"]).output().unwrap();
            out.status.success().then_some(out)
        },
    );
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "No agent sessions.\n"
    );
    drop(headless);
}

#[test]
fn the_app_says_when_a_headless_island_holds_the_socket() {
    let desktop = Desktop::start();
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    let _headless = common::Running(
        island(&desktop, dir.path())
            .arg("--headless")
            .spawn()
            .unwrap(),
    );
    poll::until(
        "the headless Island's socket",
        Duration::from_secs(5),
        || socket.exists(),
    );
    let out = island(&desktop, dir.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("already running without its window"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The widget's window: (x, y, width, height), if it exists.
fn widget_geometry(desktop: &Desktop) -> Option<(i64, i64, i64, i64)> {
    let out = Command::new("xwininfo")
        .args(["-name", "Island", "-display", &desktop.x.display])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| -> Option<i64> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
    };
    Some((
        field("Absolute upper-left X:")?,
        field("Absolute upper-left Y:")?,
        field("Width:")?,
        field("Height:")?,
    ))
}

/// dunst draws its notices at the top right: with the default `auto`
/// corner, the widget starts at the bottom right, where they do not cover
/// its approval card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_dunst_the_widget_starts_away_from_its_notices() {
    let desktop = Desktop::start();
    let _dunst = common::Running(
        Command::new("dunst")
            .env("DISPLAY", &desktop.x.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus.address)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dunst is installed by scripts/test"),
    );
    let dunst_up = || {
        Command::new("dunstctl")
            .arg("is-paused")
            .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus.address)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    poll::until_async("dunst to come up", Duration::from_secs(20), dunst_up).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("island.stderr");
    let _app = desktop.start_app(dir.path(), "[widget]\nauto_hide = false\n", &[]);
    // Xvfb's screen is 1280x800.
    let bottom_right = |(x, y, w, h): (i64, i64, i64, i64)| {
        x + w > 1280 - 80 && y + h > 800 - 80 && x > 0 && y > 0
    };
    poll::until_async(
        || {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            match widget_geometry(&desktop) {
                Some((x, y, w, h)) => {
                    format!("the widget bottom right, it is at {x},{y} ({w}x{h}); log: {log}")
                }
                None => format!("the widget bottom right, no widget window; log: {log}"),
            }
        },
        Duration::from_secs(30),
        || widget_geometry(&desktop).is_some_and(bottom_right),
    )
    .await;
}

/// With `approvals_with_widget = "silent"`, an approval's notice, while
/// the widget shows its card, neither sounds nor stays on screen; with
/// "none" there is no notice at all (a later turn's notice comes, the
/// approval's never did).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_widget_shows_the_card_the_approval_notice_is_silent_or_none() {
    use common::{Call, approval_request, serve_recorder, wait_for};
    for setting in ["silent", "none"] {
        let desktop = Desktop::start();
        let (_server, calls) = serve_recorder(&desktop.bus).await;
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[widget]\nauto_hide = false\n[notifications]\nturn_complete_min_secs = 0\nburst_window_ms = 50\napprovals_with_widget = \"{setting}\"\n"
        );
        let log = dir.path().join("island.stderr");
        let _app = desktop.start_app(dir.path(), &config, &[]);
        let socket = dir.path().join("run/island.sock");
        wait_windows(&desktop, |n| n >= 1, "the widget", &log);
        let hooks = agent(&socket);
        hooks.request_approval(approval_request("w1", "make deploy"));
        hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
            turn_id: "t1".into(),
        }));
        hooks.emit(HookEvent::frame(EventFrame::TurnComplete {
            turn_id: "t1".into(),
        }));
        wait_for(
            &calls,
            "the turn notice",
            |c| matches!(c, Call::Notify { summary, .. } if summary == "demo finished"),
        )
        .await;
        let approval: Vec<Call> = calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| matches!(c, Call::Notify { body, .. } if body.starts_with("make deploy")))
            .cloned()
            .collect();
        match setting {
            "silent" => {
                let [
                    Call::Notify {
                        urgency,
                        sound,
                        timeout,
                        ..
                    },
                ] = approval.as_slice()
                else {
                    panic!("one approval notice: {approval:#?}");
                };
                assert!(urgency.contains("U8(1)"), "normal urgency: {urgency}");
                assert_eq!(sound, "suppress");
                assert_ne!(*timeout, 0, "not kept on screen");
            }
            _ => assert!(approval.is_empty(), "{approval:#?}"),
        }
    }
}
