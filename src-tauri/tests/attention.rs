//! Quiet when the user is already there, on a real desktop: Xvfb with
//! openbox, xterm windows, a real tmux server shown by a client in an
//! xterm, a real session bus with the recording notification service, and
//! `island --headless` on that display. A session whose own terminal is
//! the active window gets no turn notice; one in a window behind does; in
//! tmux, the pane must also be the one its client shows.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{
    Call, Running, SessionBus, finished_notices, screen, serve_recorder, wait_for, wait_held,
    write_turn,
};
use island_test_support::poll;

/// A session whose process is `pid`, over its own connection.
fn session(socket: &Path, id: &str, pid: u32) -> UnixStream {
    let mut s = UnixStream::connect(socket).unwrap();
    writeln!(s, "{}", common::hello_line(id, pid)).unwrap();
    s
}

/// `island --headless` on this screen, up; its socket and log.
async fn headless_on(
    screen: &screen::Screen,
    bus: &SessionBus,
    d: &Path,
    config: &str,
) -> (Running, PathBuf, PathBuf) {
    let island =
        common::start_island_with_env(d, bus, config, &[("DISPLAY", screen.display.as_str())]);
    let socket = d.join("run/island.sock");
    common::wait_status(&socket, "Island up", |_| true).await;
    (island, socket, d.join("state/island/island.log"))
}

/// Two xterms whose programs stand for agents; the one made last is in
/// front.
fn behind_and_front(
    screen: &screen::Screen,
    d: &Path,
) -> ((screen::Kill, u32), (screen::Kill, u32)) {
    let behind = screen.xterm(d, "behind", "sleep 600");
    let front = screen.xterm(d, "front", "sleep 600");
    screen.wait("front active", |s| s.active_title() == "front");
    (behind, front)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_notice_waits_while_its_terminal_is_in_front() {
    let screen = screen::Screen::start();
    let bus = SessionBus::start();
    let (_server, calls) = serve_recorder(&bus).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_island, socket, log) = headless_on(
        &screen,
        &bus,
        d,
        "[notifications]\nturn_complete_min_secs = 0\nburst_window_ms = 50\n",
    )
    .await;

    // Two agents in two xterms; the one made last is in front.
    let ((_behind, behind_pid), (_front, front_pid)) = behind_and_front(&screen, d);
    let mut front = session(&socket, "front", front_pid);
    let mut behind = session(&socket, "behind", behind_pid);
    write_turn(&mut front, "f1");
    wait_held(&log, "front", 1);
    write_turn(&mut behind, "b1");
    wait_for(
        &calls,
        "the turn notice of the one behind",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "behind finished"),
    )
    .await;
    assert_eq!(
        finished_notices(&calls, "front"),
        0,
        "{:#?}",
        calls.lock().unwrap()
    );

    // In tmux: the xterm showing the tmux client is in front, but the
    // agent's pane is in a window the client does not show: notified.
    let tmux_sock = d.join("tmux.sock");
    let tmux = |args: &[&str]| {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&tmux_sock)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "tmux {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let pidfile = d.join("pane.pid");
    tmux(&[
        "new-session",
        "-d",
        "-s",
        "work",
        "-n",
        "shell",
        "sleep 600",
    ]);
    tmux(&[
        "new-window",
        "-d",
        "-t",
        "work",
        "-n",
        "agent",
        &format!("sh -c 'echo $$ > {}; exec sleep 600'", pidfile.display()),
    ]);
    screen.wait("the pane's process", |_| pidfile.exists());
    let pane_pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let view = format!("tmux -S {} attach -t work", tmux_sock.display());
    let (_view, _) = screen.xterm(d, "tmux-view", &view);
    screen.wait("the tmux view in front", |s| {
        s.active_title() == "tmux-view"
    });
    let mut paned = session(&socket, "paned", pane_pid);
    write_turn(&mut paned, "p1");
    wait_for(
        &calls,
        "the notice of a pane not shown",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "paned finished"),
    )
    .await;
    // The client shows the agent's window now: held.
    tmux(&["select-window", "-t", "work:agent"]);
    write_turn(&mut paned, "p2");
    wait_held(&log, "paned", 1);
    // The window behind comes to the front: the tmux view is no longer
    // what the user looks at, so the next turn is announced.
    let calls_before = finished_notices(&calls, "paned");
    let (_other, _) = screen.xterm(d, "other", "sleep 600");
    screen.wait("another window in front", |s| s.active_title() == "other");
    write_turn(&mut paned, "p3");
    poll::until_async(
        || format!("paned's next notice: {:#?}", calls.lock().unwrap()),
        Duration::from_secs(20),
        || finished_notices(&calls, "paned") != calls_before,
    )
    .await;
}

/// With `when_focused = "hold"`, an approval's notice waits too while its
/// terminal is in front; one whose terminal is behind is shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_when_focused_hold_an_approval_in_front_gets_no_notice() {
    let screen = screen::Screen::start();
    let bus = SessionBus::start();
    let (_server, calls) = serve_recorder(&bus).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_island, socket, log) = headless_on(
        &screen,
        &bus,
        d,
        "[notifications]\nwhen_focused = \"hold\"\n",
    )
    .await;
    let ((_behind, behind_pid), (_front, front_pid)) = behind_and_front(&screen, d);
    let ask = |s: &mut UnixStream, id: &str, command: &str| {
        writeln!(
            s,
            r#"{{"at":"2026-12-02T10:00:00Z","event":{{"type":"generic_event_frame","frame":{{"event":"exec_approval_request","request":{{"call_id":"c","approval_id":"{id}","turn_id":"t","command":"{command}","cwd":"/tmp","available_decisions":[{{"type":"approved"}},{{"type":"denied"}}]}}}}}}}}"#
        )
        .unwrap();
    };
    let mut front = session(&socket, "front", front_pid);
    let mut behind = session(&socket, "behind", behind_pid);
    ask(&mut front, "f1", "make front");
    // Held: the log says so for the approval's notice.
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    poll::until_async(
        || format!("the approval's notice held: {}", said()),
        Duration::from_secs(20),
        || {
            said()
                .lines()
                .any(|l| l.contains("terminal is in front") && l.contains("Approval"))
        },
    )
    .await;
    ask(&mut behind, "b1", "make behind");
    wait_for(
        &calls,
        "the approval behind",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("make behind")),
    )
    .await;
    assert!(
        !calls
            .lock()
            .unwrap()
            .iter()
            .any(|c| matches!(c, Call::Notify { body, .. } if body.starts_with("make front"))),
        "{:#?}",
        calls.lock().unwrap()
    );
}
