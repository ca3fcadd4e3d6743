//! The widget through WebDriver: `tauri-driver` starts the real app under
//! Xvfb and hands its WebKit webview to `WebKitWebDriver`. The test sees
//! the cards a user would, presses Approve, and watches a card go when the
//! approval is answered in the agent's terminal.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::sni::Tray;
use common::webdriver::{self, click, displayed, free_port, text, wait_count};
use common::{Desktop, Running, agent, approval_request, chosen, question_request};
use fantoccini::{Client, Locator};
use island_protocol::{DecisionSource, EventFrame, HookEvent, ReviewDecision};
use island_test_support::poll;

/// `tauri-driver` on this desktop, with the app's config and state in `dir`.
fn start_driver(desktop: &Desktop, dir: &Path, port: u16) -> Running {
    let driver = webdriver::driver();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[widget]\nauto_hide = false\n\n# mine\n[focus]\ncommand = \"wmctrl -a {pid}\" # kept\n",
    )
    .unwrap();
    let child = desktop
        .command(driver, dir)
        .args(["--port", &port.to_string()])
        .args(["--native-port", &free_port().to_string()])
        .env("ISLAND_CONFIG", &config)
        .stdout(std::fs::File::create(dir.join("driver.out")).unwrap())
        .stderr(std::fs::File::create(dir.join("island.stderr")).unwrap())
        .spawn()
        .expect("TAURI_DRIVER does not run");
    Running(child)
}

/// A session on the app, on `dir/run/island.sock`.
async fn connect(port: u16, dir: &Path) -> Client {
    // No notification service on this bus: the widget works anyway.
    let args = [
        "--socket".to_owned(),
        dir.join("run/island.sock").display().to_string(),
    ];
    webdriver::connect(
        port,
        Path::new(env!("CARGO_BIN_EXE_island-app")),
        &args,
        &dir.join("island.stderr"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_cards_follow_the_agent_and_approve_reaches_it() {
    let desktop = Desktop::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _driver = start_driver(&desktop, dir.path(), port);
    let client = connect(port, dir.path()).await;

    // The pill is there before any session.
    wait_count(&client, "#pill", 1, "the pill").await;
    let hooks = agent(&dir.path().join("run/island.sock"));
    hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
        turn_id: "t1".into(),
    }));
    wait_count(&client, "article.card.working", 1, "a working card").await;
    // Collapsed, the cards are in the page but not shown.
    assert_eq!(text(&client, "article.card .project").await, "demo");
    assert!(!displayed(&client, "article.card .project").await);
    assert_eq!(text(&client, "#summary").await, "1 working");
    // A session of another machine carries its host on its card.
    let mut far =
        std::os::unix::net::UnixStream::connect(dir.path().join("run/island.sock")).unwrap();
    std::io::Write::write_all(
        &mut far,
        b"{\"hello\":{\"protocol\":1,\"session_id\":\"far-1\",\"title\":\"api\",\"host\":\"devbox\"}}\n",
    )
    .unwrap();
    let far_host = "article.card[data-session='far-1'] .host";
    wait_count(
        &client,
        far_host,
        1,
        "the host on the remote session's card",
    )
    .await;
    assert_eq!(text(&client, far_host).await, "devbox");
    assert_eq!(
        text(&client, "article.card[data-session='far-1'] .project").await,
        "api"
    );

    // An approval: its card shows the command, cwd and reason, and the
    // widget opens by itself.
    hooks.request_approval(approval_request("w-1", "cargo publish --dry-run"));
    let card = "section.approval[data-approval='w-1']";
    wait_count(&client, card, 1, "the approval card").await;
    let text = text(&client, card).await;
    for part in [
        "cargo publish --dry-run",
        "/home/me/demo",
        "Unmatched command prefix requires approval.",
        "Approve",
        "For session",
        "Deny",
    ] {
        assert!(text.contains(part), "{part} in {text:?}");
    }
    assert!(
        displayed(&client, "#cards").await,
        "an approval opens the widget"
    );
    click(&client, &format!("{card} button.approve")).await;
    let got = hooks
        .await_decision("w-1", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (ReviewDecision::Approved, DecisionSource::Widget)
    );
    wait_count(&client, card, 0, "the answered card gone").await;

    // Answered in the terminal instead: the card goes too.
    hooks.request_approval(approval_request("w-2", "rm -rf target"));
    let card = "section.approval[data-approval='w-2']";
    wait_count(&client, card, 1, "the second approval card").await;
    assert!(hooks.resolve_approval("w-2", ReviewDecision::Denied, DecisionSource::Terminal));
    wait_count(&client, card, 0, "the card of a terminal answer gone").await;

    // Both are in the widget's "Recent approvals", newest first, and the
    // history file says who answered each.
    wait_count(&client, ".recent-line", 2, "the recent approvals").await;
    wait_count(&client, "details.recent summary", 1, "the recent heading").await;
    let history =
        std::fs::read_to_string(dir.path().join("state/island/history.jsonl")).unwrap_or_default();
    let who: Vec<(String, String)> = history
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|e| {
            (
                e["approval"].as_str().unwrap_or_default().to_owned(),
                e["answered_by"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            ("w-1".to_owned(), "widget".to_owned()),
            ("w-2".to_owned(), "terminal".to_owned())
        ]
    );

    // A question: its options are its buttons (no Approve), and the one
    // clicked reaches the agent as the chosen option.
    hooks.request_approval(question_request("w-3"));
    let card = "section.approval[data-approval='w-3']";
    wait_count(
        &client,
        &format!("{card} button.choice"),
        2,
        "the question's options",
    )
    .await;
    wait_count(
        &client,
        &format!("{card} button.approve"),
        0,
        "no Approve on a question",
    )
    .await;
    let sqlite = format!("{card} button[data-decision='choose:SQLite']");
    assert_eq!(webdriver::text(&client, &sqlite).await, "SQLite");
    click(&client, &sqlite).await;
    let got = hooks
        .await_decision("w-3", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (chosen("SQLite"), DecisionSource::Widget)
    );
    wait_count(&client, card, 0, "the answered question gone").await;

    // Settings, opened from the tray menu: the form shows the file's
    // values, and Save writes the form into the file and puts it in force.
    let tray = Tray::find(&desktop.bus.address, &dir.path().join("island.stderr")).await;
    assert_eq!(tray.toggle_state("Do not disturb").await, Some(0));
    let (settings, _) = tray.wait_for("Settings…", |l| l == "Settings…").await;
    tray.click(settings).await;
    let widget = client.window().await.unwrap();
    let other = poll::value_await("a settings window", Duration::from_secs(10), async || {
        let windows = client.windows().await.unwrap();
        windows.into_iter().find(|w| *w != widget)
    })
    .await;
    client.switch_to_window(other).await.unwrap();
    poll::until_await(
        "the settings form's config path",
        Duration::from_secs(5),
        async || {
            let Ok(path) = client.find(Locator::Id("config-path")).await else {
                return false;
            };
            path.prop("textContent")
                .await
                .unwrap()
                .is_some_and(|t| !t.is_empty())
        },
    )
    .await;
    let min = client
        .find(Locator::Css("input[name='turn_complete_min_secs']"))
        .await
        .unwrap();
    assert_eq!(min.prop("value").await.unwrap().as_deref(), Some("10"));
    min.clear().await.unwrap();
    min.send_keys("42").await.unwrap();
    click(&client, "input[name='do_not_disturb']").await;
    click(&client, "input[name='start_at_login']").await;
    // This round's notice settings are in the window too.
    let quiet = client
        .find(Locator::Css("input[name='quiet_hours']"))
        .await
        .unwrap();
    quiet.send_keys("23:00-06:30").await.unwrap();
    let sound = client
        .find(Locator::Css("input[name='sound_finished']"))
        .await
        .unwrap();
    sound.send_keys("complete").await.unwrap();
    client
        .find(Locator::Css(
            "select[name='approvals_with_widget'] option[value='silent']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&client, "button[type='submit']").await;
    let result = client.find(Locator::Id("result")).await.unwrap();
    poll::until_await(
        "the form to say \"Saved.\"",
        Duration::from_secs(5),
        async || result.prop("textContent").await.unwrap().as_deref() == Some("Saved."),
    )
    .await;
    let file = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(file.contains("turn_complete_min_secs = 42"), "{file}");
    assert!(file.contains("do_not_disturb = true"), "{file}");
    assert!(
        file.contains("auto_hide = false"),
        "the hand-written line stays: {file}"
    );
    assert!(file.contains("start_at_login = true"), "{file}");
    assert!(file.contains("quiet_hours = \"23:00-06:30\""), "{file}");
    assert!(file.contains("sound_finished = \"complete\""), "{file}");
    assert!(
        file.contains("approvals_with_widget = \"silent\""),
        "{file}"
    );
    // Start at login: an XDG autostart entry that starts this binary.
    // The autostart plugin writes to ~/.config/autostart (it does not read
    // XDG_CONFIG_HOME).
    let autostart = dir.path().join("home/.config/autostart");
    // Written right after the save returns.
    poll::until_async(
        || {
            format!(
                "{}; the app's log: {}",
                autostart.display(),
                std::fs::read_to_string(dir.path().join("state/island/island.log"))
                    .unwrap_or_default()
            )
        },
        Duration::from_secs(5),
        || autostart.exists(),
    )
    .await;
    let entries: Vec<_> = std::fs::read_dir(&autostart)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; the app's log: {}",
                autostart.display(),
                std::fs::read_to_string(dir.path().join("state/island/island.log"))
                    .unwrap_or_default()
            )
        })
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = std::fs::read_to_string(&entries[0]).unwrap();
    assert!(entry.contains("[Desktop Entry]"), "{entry}");
    assert!(entry.contains(env!("CARGO_BIN_EXE_island-app")), "{entry}");
    // In force at once: the tray's check item follows.
    poll::until_await(
        "the tray's Do not disturb checked",
        Duration::from_secs(5),
        async || tray.toggle_state("Do not disturb").await == Some(1),
    )
    .await;

    // The widget's × hides it: its window (and webview) goes.
    client.switch_to_window(widget).await.unwrap();
    // The click's own reply may be lost as its window goes: what counts
    // is the window.
    let close = client.find(Locator::Id("close")).await.unwrap();
    let _ = close.click().await;
    poll::until_async(
        "the widget's window to be gone",
        Duration::from_secs(5),
        || {
            let out = std::process::Command::new("xwininfo")
                .args(["-root", "-tree", "-display", &desktop.x.display])
                .output()
                .unwrap();
            !String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.contains("\"Island\": ("))
        },
    )
    .await;
    // Its webview is gone with it, so the session may not close cleanly.
    let _ = client.close().await;
}
