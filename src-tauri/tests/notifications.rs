//! Notifications on a real D-Bus session bus: `island --headless` runs as
//! a separate process, and a notification server owned by this test is
//! registered on the same bus as `org.freedesktop.Notifications`. It records
//! every `Notify` and `CloseNotification` call and emits `ActionInvoked`, so
//! the Approve button is tested all the way to the agent crate's decision
//! API. (A test with the dunst daemon itself is in `dunst.rs`.)
//!
//! Over 400 lines: every kind of notice and its buttons against one
//! recorded notification service.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Call, SessionBus, agent, approval_request, chosen, invoke_action, question_request,
    serve_recorder, set_inhibited, start_island, wait_for, wait_status,
};
use island_protocol::{DecisionSource, EventFrame, HookEvent, ReviewDecision};
use island_test_support::poll;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_go_over_a_real_session_bus_and_their_buttons_answer_the_agent() {
    let bus = SessionBus::start();
    let (server, calls) = serve_recorder(&bus).await;
    let dir = tempfile::tempdir().unwrap();
    let _island = start_island(dir.path(), &bus);
    let hooks = agent(&dir.path().join("run/island.sock"));

    // An approval: a critical notice that never expires, with the buttons
    // the agent accepts.
    hooks.request_approval(approval_request("a1", "cargo publish"));
    let shown = wait_for(
        &calls,
        "the approval notice with its command",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("cargo publish")),
    )
    .await;
    let Call::Notify {
        id,
        app,
        summary,
        body,
        actions,
        urgency,
        timeout,
        ..
    } = shown
    else {
        unreachable!()
    };
    assert_eq!(app, "Island");
    assert_eq!(summary, "demo needs approval");
    assert_eq!(
        body,
        "cargo publish\nUnmatched command prefix requires approval."
    );
    assert_eq!(
        actions,
        [
            "default",
            "Show terminal",
            "approve",
            "Approve",
            "approve_for_session",
            "Approve for session",
            "deny",
            "Deny"
        ]
    );
    assert!(urgency.contains("U8(2)"), "critical urgency: {urgency}");
    assert_eq!(timeout, 0, "never expires");

    // The user presses Approve on the notification.
    invoke_action(&server, id, "approve").await;
    let got = hooks
        .await_decision("a1", Duration::from_secs(10))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{e:?}; Island's log: {}",
                std::fs::read_to_string(dir.path().join("state/island/island.log"))
                    .unwrap_or_default()
            )
        });
    assert_eq!(
        (got.decision, got.source),
        (ReviewDecision::Approved, DecisionSource::Notification)
    );
    wait_for(&calls, "the answered notice closed", |c| {
        *c == Call::Close(id)
    })
    .await;

    // Answered in the agent's terminal: the notice closes too.
    hooks.request_approval(approval_request("a2", "rm -rf target"));
    let Call::Notify { id: id2, .. } = wait_for(
        &calls,
        "the second approval",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("rm -rf")),
    )
    .await
    else {
        unreachable!()
    };
    assert!(hooks.resolve_approval("a2", ReviewDecision::Denied, DecisionSource::Terminal));
    wait_for(&calls, "the notice closed after a terminal answer", |c| {
        *c == Call::Close(id2)
    })
    .await;

    // A question: the notice asks to choose, its buttons are the options,
    // and the one pressed reaches the agent as chosen.
    hooks.request_approval(question_request("a3"));
    let Call::Notify {
        id: id3,
        summary,
        actions,
        ..
    } = wait_for(
        &calls,
        "the question's notice",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("Which database?")),
    )
    .await
    else {
        unreachable!()
    };
    assert_eq!(summary, "demo asks you to choose");
    assert_eq!(
        actions,
        [
            "default",
            "Show terminal",
            "choose:Postgres",
            "Postgres",
            "choose:SQLite",
            "SQLite",
            "deny",
            "Deny"
        ]
    );
    invoke_action(&server, id3, "choose:SQLite").await;
    let got = hooks
        .await_decision("a3", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        (got.decision, got.source),
        (chosen("SQLite"), DecisionSource::Notification)
    );

    // A finished turn: a normal notice that names the project.
    hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
        turn_id: "t1".into(),
    }));
    hooks.emit(HookEvent::frame(EventFrame::TurnComplete {
        turn_id: "t1".into(),
    }));
    let finished = wait_for(
        &calls,
        "the turn notice",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "demo finished"),
    )
    .await;
    let Call::Notify {
        urgency, actions, ..
    } = finished
    else {
        unreachable!()
    };
    assert!(urgency.contains("U8(1)"), "normal urgency: {urgency}");
    assert_eq!(actions, ["default", "Show terminal"]);

    // The history says who answered each and how: the notification, the
    // terminal, the notification's option.
    let history =
        std::fs::read_to_string(dir.path().join("state/island/history.jsonl")).unwrap_or_default();
    let who: Vec<(String, String, String)> = history
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (s("approval"), s("answered_by"), s("decision"))
        })
        .collect();
    assert_eq!(
        who,
        [
            ("a1".into(), "notification".into(), "approved".into()),
            ("a2".into(), "terminal".into(), "denied".into()),
            ("a3".into(), "notification".into(), "chosen".into())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn island_keeps_working_without_a_notification_service_and_resumes_when_it_appears_or_restarts()
 {
    let bus = SessionBus::start();
    let dir = tempfile::tempdir().unwrap();
    let _island = start_island(dir.path(), &bus);
    let socket = dir.path().join("run/island.sock");
    let hooks = agent(&socket);
    // No service on the bus: the approval still reaches Island.
    hooks.request_approval(approval_request("b1", "make deploy"));
    let snapshot = wait_status(&socket, "the approval at Island", |s| {
        s.sessions.first().is_some_and(|s| !s.approvals.is_empty())
    })
    .await;
    assert_eq!(snapshot.sessions[0].approvals[0].approval_id, "b1");
    // The service appears: the next notice is shown.
    let (server, calls) = serve_recorder(&bus).await;
    hooks.request_approval(approval_request("b2", "make release"));
    wait_for(
        &calls,
        "a notice once the service is back",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("make release")),
    )
    .await;
    assert!(
        island_core::client::decide(&socket, "b1", ReviewDecision::Denied)
            .await
            .unwrap()
            .ok,
        "Island still answers"
    );

    // The service restarts: it goes away (its name is released with its
    // connection), a notice meanwhile is lost, and the next one goes to
    // the new service.
    drop(server);
    let probe = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap();
    let has_owner = async || -> bool {
        probe
            .call_method(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                Some("org.freedesktop.DBus"),
                "NameHasOwner",
                &("org.freedesktop.Notifications",),
            )
            .await
            .unwrap()
            .body()
            .deserialize::<bool>()
            .unwrap()
    };
    poll::until_await(
        "the service's name to be released",
        Duration::from_secs(10),
        async || !has_owner().await,
    )
    .await;
    // Island tries the next notice and says that it cannot (once per
    // outage: this is the second).
    let log = dir.path().join("state/island/island.log");
    let said = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("cannot show notifications")
            .count()
    };
    let before = said();
    hooks.request_approval(approval_request("b3", "make clean"));
    poll::until_async(
        "Island to try the notice without a service",
        Duration::from_secs(10),
        || said() > before,
    )
    .await;
    let (_server, calls) = serve_recorder(&bus).await;
    hooks.request_approval(approval_request("b4", "make docs"));
    wait_for(
        &calls,
        "a notice after the service restarted",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("make docs")),
    )
    .await;
    assert!(
        island_core::client::decide(&socket, "b4", ReviewDecision::Approved)
            .await
            .unwrap()
            .ok,
        "Island still answers after the restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sounds_follow_the_settings_and_the_servers_own_do_not_disturb_holds_notices() {
    let bus = SessionBus::start();
    let (server, calls) = serve_recorder(&bus).await;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/island.sock");
    // An approval sounds by default; a finished turn sounds here by a
    // file of the user's; an aborted turn does not.
    let _island = common::start_island_with(
        dir.path(),
        &bus,
        "[notifications]\nturn_complete_min_secs = 0\nburst_window_ms = 100\nsound_finished = \"/usr/share/sounds/done.oga\"\n",
    );
    let hooks = agent(&socket);
    hooks.request_approval(approval_request("s1", "make deploy"));
    let approval = wait_for(
        &calls,
        "the approval",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("make deploy")),
    )
    .await;
    let Call::Notify { sound, .. } = approval else {
        unreachable!()
    };
    assert_eq!(sound, "name:message-new-instant");
    let turn = |id: &str| {
        hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
            turn_id: id.into(),
        }));
        hooks.emit(HookEvent::frame(EventFrame::TurnComplete {
            turn_id: id.into(),
        }));
    };
    turn("t1");
    let finished = wait_for(
        &calls,
        "the turn notice",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "demo finished"),
    )
    .await;
    let Call::Notify { sound, .. } = finished else {
        unreachable!()
    };
    assert_eq!(sound, "file:/usr/share/sounds/done.oga");
    hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
        turn_id: "t2".into(),
    }));
    hooks.emit(HookEvent::frame(EventFrame::TurnAborted {
        turn_id: "t2".into(),
        reason: Some("interrupted".into()),
    }));
    let aborted = wait_for(
        &calls,
        "the aborted notice",
        |c| matches!(c, Call::Notify { summary, .. } if summary.ends_with("turn aborted")),
    )
    .await;
    let Call::Notify { sound, .. } = aborted else {
        unreachable!()
    };
    assert_eq!(sound, "suppress");

    // The server's own do not disturb: Island hears it, says so, holds
    // the turn notice and still shows the approval.
    set_inhibited(&server, true).await;
    wait_status(&socket, "notices held", |s| {
        s.holding.as_deref() == Some("the desktop's do not disturb")
    })
    .await;
    let before = calls.lock().unwrap().len();
    turn("t3");
    hooks.request_approval(approval_request("s2", "make release"));
    wait_for(
        &calls,
        "the approval while held",
        |c| matches!(c, Call::Notify { body, .. } if body.starts_with("make release")),
    )
    .await;
    // The turn's notice would have come before the approval's.
    assert!(
        !calls.lock().unwrap()[before..]
            .iter()
            .any(|c| matches!(c, Call::Notify { summary, .. } if summary == "demo finished")),
        "{:#?}",
        calls.lock().unwrap()
    );
    let out = std::process::Command::new(common::island())
        .args(["status", "--socket"])
        .arg(&socket)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("Notices are held: the desktop's do not disturb."),
        "{out:?}"
    );
    // Off again: the held notice goes out.
    let before = calls.lock().unwrap().len();
    set_inhibited(&server, false).await;
    poll::until_async(
        || format!("the held turn notice: {:#?}", calls.lock().unwrap()),
        Duration::from_secs(5),
        || {
            calls.lock().unwrap()[before..]
                .iter()
                .any(|c| matches!(c, Call::Notify { summary, .. } if summary == "demo finished"))
        },
    )
    .await;
    wait_status(&socket, "notices no longer held", |s| s.holding.is_none()).await;
}

/// GNOME cannot run here: a fake `gsettings` on `PATH` stands in for it,
/// answering `get` from a file and `monitor` with every line of another
/// (from its start, so that none is missed), as the real one prints
/// changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gnome_fake_gsettings_banners_off_is_the_desktops_do_not_disturb() {
    use std::os::unix::fs::PermissionsExt;
    let bus = SessionBus::start();
    let (_server, _calls) = serve_recorder(&bus).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bin = d.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(d.join("banners"), "false\n").unwrap();
    std::fs::write(d.join("changes"), "").unwrap();
    let fake = bin.join("gsettings");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n[ \"$2 $3\" = \"org.gnome.desktop.notifications show-banners\" ] || exit 1\ncase \"$1\" in\n  get) cat '{}' ;;\n  monitor) exec tail -n +1 -f '{}' ;;\nesac\n",
            d.join("banners").display(),
            d.join("changes").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let _island = common::start_island_with_env(
        d,
        &bus,
        "",
        &[("XDG_CURRENT_DESKTOP", "ubuntu:GNOME"), ("PATH", &path)],
    );
    let socket = d.join("run/island.sock");
    wait_status(&socket, "banners off holds notices", |s| {
        s.holding.as_deref() == Some("the desktop's do not disturb")
    })
    .await;
    {
        use std::io::Write;
        let mut changes = std::fs::OpenOptions::new()
            .append(true)
            .open(d.join("changes"))
            .unwrap();
        changes.write_all(b"show-banners: true\n").unwrap();
    }
    wait_status(&socket, "banners on again", |s| s.holding.is_none()).await;
}
