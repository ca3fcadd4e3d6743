//! `island doctor` on a real session bus with a notification service, a
//! running Island, and agents' config files in a home of the test's own.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::{SessionBus, serve_recorder, start_island};

fn doctor(socket: &Path, bus: &SessionBus, home: &Path) -> Output {
    Command::new(common::island())
        .args(["doctor", "--socket"])
        .arg(socket)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("HOME", home)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SWAYSOCK")
        .env_remove("HYPRLAND_INSTANCE_SIGNATURE")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("CODEWHALE_HOME")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_what_works_and_what_does_not() {
    let bus = SessionBus::start();
    let (_server, _calls) = serve_recorder(&bus).await;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(
        home.join(".claude/settings.json"),
        r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"island hook claude"}]}]},"permissions":{"defaultMode":"default"}}"#,
    )
    .unwrap();
    let island = start_island(dir.path(), &bus);
    let socket = dir.path().join("run/island.sock");
    island_test_support::poll::until_await("Island up", Duration::from_secs(5), async || {
        island_core::client::status(&socket).await.is_ok()
    })
    .await;

    let out = doctor(&socket, &bus, &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in [
        "ok    socket: ",
        "ok    Island: running on ",
        "ok    session bus: connected",
        "ok    notifications: island-test-recorder 1",
        "warn  tray host: no StatusNotifierItem host",
        "warn  desktop: no display here",
        "ok    Claude Code: ",
        "warn  Codex CLI: ",
        "warn  CodeWhale TUI: ",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(line)),
            "{line:?} in\n{text}"
        );
    }

    // Island gone: said plainly, and the exit status says it too.
    drop(island);
    let out = doctor(&socket, &bus, &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL  Island: Island is not running")),
        "{text}"
    );
}
