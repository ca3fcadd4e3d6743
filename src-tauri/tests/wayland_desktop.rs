//! The desktop around the widget on real Wayland compositors, run as an
//! unprivileged user (see `common::compositor`): click-through focuses the
//! agent's terminal on Sway (foot, through `swaymsg`) and on KWin (kitty,
//! through KWin's scripting API), and the compositor says so; a turn
//! notice waits while the agent's terminal is the focused window; on Sway
//! the tray item registers with the host on the session's bus and its menu
//! answers an approval, as does a notification's button.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::compositor::Session;
use common::wayland_agents::{
    built, install_tray_app, island, session, start_island, turn, wait_answered,
};
use common::{Call, Running, finished_notices, hello_line, serve_recorder, wait_for, wait_held};
use island_test_support::poll;

/// Click-through and the in-front hold on this compositor: two agents in
/// two terminals, the one made last focused.
async fn click_through_and_in_front(sway: &Session) {
    let (_server, calls) = serve_recorder(&sway.bus).await;
    let island_bin = sway.install(&common::island());
    let socket = sway.work("run/island.sock");
    let socket_arg = socket.display().to_string();
    let _island = start_island(
        sway,
        &island_bin,
        &["--headless"],
        "[notifications]\nturn_complete_min_secs = 0\nburst_window_ms = 50\n",
        Stdio::null(),
    );
    sway.wait("Island up", |s| {
        island(s, &island_bin, &["status", "--socket", &socket_arg]).contains("No agent sessions.")
    });
    let log = sway.dir.path().join("home/.local/state/island/island.log");

    let (behind_window, behind_pid) = sway.terminal("behind", "sleep 600");
    let (_front_window, front_pid) = sway.terminal("front", "sleep 600");
    sway.wait("the last terminal focused", |s| {
        s.focused().as_deref() == Some("front")
    });
    let mut front = session(sway, &socket, &[hello_line("front", front_pid)]);
    let mut behind = session(sway, &socket, &[hello_line("behind", behind_pid)]);
    turn(&mut front, "f1");
    wait_held(&log, "front", 1);
    turn(&mut behind, "b1");
    wait_for(
        &calls,
        "the turn notice of the one behind",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "behind finished"),
    )
    .await;
    assert_eq!(finished_notices(&calls, "front"), 0);

    // Click-through: the compositor focuses the agent's own terminal, and
    // says so.
    let said = island(
        sway,
        &island_bin,
        &["focus", "behind", "--socket", &socket_arg],
    );
    assert!(said.starts_with("focused"), "{said}");
    sway.wait("the behind window focused", |s| {
        s.focused().as_deref() == Some("behind")
    });
    // Now it is in front, its next turn is quiet.
    turn(&mut behind, "b2");
    wait_held(&log, "behind", 1);

    // An agent whose window is gone fails closed, with the reason.
    drop(behind_window);
    sway.wait("the behind window gone", |s| {
        s.focused().as_deref() != Some("behind")
    });
    let said = island(
        sway,
        &island_bin,
        &["focus", "behind", "--socket", &socket_arg],
    );
    assert!(
        said.contains("not focused") && said.contains("has no window for the agent"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sway_click_through_focuses_the_agents_terminal_and_a_focused_one_is_quiet() {
    click_through_and_in_front(&Session::sway()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_kwin_click_through_activates_the_agents_terminal_and_a_focused_one_is_quiet() {
    click_through_and_in_front(&Session::kwin()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sway_the_tray_item_and_notification_buttons_answer_approvals() {
    let sway = Session::sway();
    let (server, calls) = serve_recorder(&sway.bus).await;
    let _watcher = Running(
        sway.command("status-notifier-watcher")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (island_bin, _) = install_tray_app(&sway);
    let demo = sway.install(&built("island-demo-agent"));
    let socket = sway.work("run/island.sock");
    let app_log = sway.work("island.log");
    let _island = start_island(
        &sway,
        &island_bin,
        &[],
        "",
        std::fs::File::create(&app_log).unwrap().into(),
    );
    let demo_log = sway.work("demo.log");
    let _agent = Running(
        sway.command(&demo)
            .args(["--sessions", "1", "--turns", "2", "--approval-every", "1"])
            .args([
                "--abort-every",
                "0",
                "--speed",
                "10",
                "--approval-timeout",
                "120",
            ])
            .arg("--socket")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&demo_log).unwrap())
            .spawn()
            .unwrap(),
    );

    // The tray item is registered with the host on this Wayland session's
    // bus, and its menu's Approve answers the first approval.
    let tray = common::sni::Tray::find(&sway.bus.address, &app_log).await;
    let (approve, _) = tray
        .wait_for("to approve", |l| l.trim_start().starts_with("Approve: "))
        .await;
    tray.click(approve).await;
    wait_answered(&demo_log, "Tray");

    // The second approval's notification has buttons; pressing Approve
    // answers it.
    let approvals = |calls: &std::sync::Arc<std::sync::Mutex<Vec<Call>>>| -> Vec<u32> {
        calls
            .lock()
            .unwrap()
            .iter()
            .filter_map(|c| match c {
                Call::Notify {
                    id,
                    replaces: 0,
                    actions,
                    ..
                } if actions.iter().any(|a| a == "approve") => Some(*id),
                _ => None,
            })
            .collect()
    };
    poll::until_async(
        || {
            format!(
                "a second approval notification: {:#?}",
                calls.lock().unwrap()
            )
        },
        Duration::from_secs(30),
        || approvals(&calls).len() >= 2,
    )
    .await;
    let second = *approvals(&calls).last().unwrap();
    common::invoke_action(&server, second, "approve").await;
    wait_answered(&demo_log, "Notification");
}
