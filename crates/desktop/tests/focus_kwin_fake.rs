//! Click-through on KDE Plasma Wayland against a fake KWin on a private
//! session bus: only what KWin's own bus connection says counts. (The real
//! KWin 5.27 is driven in `src-tauri/tests/wayland_desktop.rs`; this fake
//! exists to be a second program on the bus that answers in KWin's
//! place, which the real KWin cannot be made to do.)

#![allow(clippy::unwrap_used)]

use std::process::{Child, Command};
use std::sync::{Arc, Mutex};

use island_desktop::focus::{Desktop, FocusOutcome, FocusSettings, FocusTarget, focus, in_front};
use island_test_support::bus::SessionBus as Bus;

/// The script Island loaded, as the fake read it.
type Loaded = Arc<Mutex<Option<String>>>;

struct FakeScripting {
    loaded: Loaded,
}

#[zbus::interface(name = "org.kde.kwin.Scripting")]
impl FakeScripting {
    #[zbus(name = "loadScript")]
    fn load_script(&self, path: &str, _plugin: &str) -> i32 {
        *self.loaded.lock().unwrap() = std::fs::read_to_string(path).ok();
        0
    }

    #[zbus(name = "unloadScript")]
    fn unload_script(&self, _plugin: &str) -> bool {
        true
    }
}

/// Running the script answers `pid` from `answerer`: KWin's connection,
/// or another program's.
struct FakeScript {
    loaded: Loaded,
    answerer: zbus::Connection,
    pid: String,
}

#[zbus::interface(name = "org.kde.kwin.Script")]
impl FakeScript {
    #[zbus(name = "run")]
    async fn run(&self) {
        let script = self.loaded.lock().unwrap().clone().unwrap_or_default();
        // callDBus('NAME', 'PATH', 'org.island.KWinReply', 'Done', ...)
        let call = script.split("callDBus(").nth(1).unwrap_or_default();
        let quoted: Vec<&str> = call.split('\'').collect();
        let (name, path) = (quoted[1], quoted[3]);
        self.answerer
            .call_method(
                Some(name),
                path,
                Some("org.island.KWinReply"),
                "Done",
                &(self.pid.as_str(),),
            )
            .await
            .unwrap();
    }
}

/// A fake KWin on `bus` whose script answers `pid`, from its own
/// connection or (`impostor`) from another one; the connections are kept.
async fn fake_kwin(bus: &Bus, pid: String, impostor: bool) -> (zbus::Connection, zbus::Connection) {
    let loaded = Loaded::default();
    let other = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap();
    let kwin = zbus::connection::Builder::address(bus.address.as_str())
        .name("org.kde.KWin")
        .serve_at(
            "/Scripting",
            FakeScripting {
                loaded: Arc::clone(&loaded),
            },
        )
        .build()
        .await
        .unwrap();
    let answerer = if impostor {
        other.clone()
    } else {
        kwin.clone()
    };
    kwin.object_server()
        .at(
            "/Scripting/Script0",
            FakeScript {
                loaded,
                answerer,
                pid,
            },
        )
        .await
        .unwrap();
    (kwin, other)
}

fn kde(bus: &Bus) -> Desktop {
    Desktop {
        wayland: Some("wayland-0".into()),
        current_desktop: Some("KDE".into()),
        bus: Some(bus.address.clone()),
        ..Desktop::default()
    }
}

/// An agent process with no terminal of its own to go through.
fn agent() -> (Child, FocusTarget) {
    let child = Command::new("sleep").arg("60").env_clear().spawn().unwrap();
    let target = FocusTarget {
        session_id: "s1".into(),
        pid: Some(child.id()),
        cwd: None,
        terminal: None,
        remote: None,
    };
    (child, target)
}

/// Click-through and the in-front check for an agent whose window the
/// fake KWin activates, answering from its own connection or (`impostor`)
/// from another program's.
async fn asked(impostor: bool) -> (FocusOutcome, Option<bool>) {
    let bus = Bus::start();
    let (mut child, target) = agent();
    let _kwin = fake_kwin(&bus, child.id().to_string(), impostor).await;
    let desktop = kde(&bus);
    let answers = tokio::task::spawn_blocking(move || {
        let outcome = focus(&target, &desktop, &FocusSettings::default());
        (outcome, in_front(&target, &desktop))
    })
    .await
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kwin_fake_answering_itself_is_believed() {
    let (outcome, front) = asked(false).await;
    assert_eq!(outcome, FocusOutcome::Focused { how: "kwin".into() });
    assert_eq!(front, Some(true), "KWin says the agent's window is active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kwin_fake_with_another_program_answering_in_its_place_is_not_believed() {
    let (outcome, front) = asked(true).await;
    match outcome {
        FocusOutcome::NotFocused { reason } => {
            assert!(reason.contains("did not answer"), "{reason}");
        }
        FocusOutcome::Focused { how } => panic!("an impostor's answer was taken ({how})"),
    }
    assert_eq!(front, None, "no answer: Island cannot tell");
}
