//! A private D-Bus session bus and a recording notification server on
//! it (it records every `Notify` and `CloseNotification`, has the
//! `Inhibited` property of do not disturb, and emits `ActionInvoked` when
//! a test presses a button), as the tests of Island's notices use them.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zbus::wire::OwnedVariant;

/// A private session bus, gone when dropped.
pub struct SessionBus {
    daemon: Child,
    pub address: String,
}

impl SessionBus {
    pub fn start() -> Self {
        let mut daemon = Command::new("dbus-daemon");
        daemon
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        Self::start_with(daemon)
    }

    /// A bus from this `dbus-daemon` command (which prints its address).
    pub fn start_with(mut daemon: Command) -> Self {
        let mut daemon = daemon.spawn().expect(
            "dbus-daemon (Debian package dbus) must be installed: scripts/test installs it",
        );
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        Self {
            daemon,
            address: address.trim().to_owned(),
        }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Notify {
        id: u32,
        replaces: u32,
        app: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        urgency: String,
        timeout: i32,
        /// `name:N`, `file:F` or `suppress`, from the sound hints.
        sound: String,
    },
    Close(u32),
}

pub struct Recorder {
    pub calls: Arc<Mutex<Vec<Call>>>,
    pub next: u32,
    /// The server's do not disturb (`Inhibited`, as KDE's server has it).
    pub inhibited: bool,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into(), "persistence".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "island-test-recorder".into(),
            "island".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedVariant>,
        expire_timeout: i32,
    ) -> u32 {
        let id = if replaces_id == 0 {
            self.next += 1;
            self.next
        } else {
            replaces_id
        };
        let urgency = hints
            .get("urgency")
            .map(|v| format!("{:?}", &**v))
            .unwrap_or_default();
        let text = |k: &str| hints.get(k).and_then(|v| String::try_from(v.clone()).ok());
        let sound = if let Some(name) = text("sound-name") {
            format!("name:{name}")
        } else if let Some(file) = text("sound-file") {
            format!("file:{file}")
        } else if hints
            .get("suppress-sound")
            .is_some_and(|v| bool::try_from(v.clone()).unwrap_or(false))
        {
            "suppress".to_owned()
        } else {
            String::new()
        };
        self.calls.lock().unwrap().push(Call::Notify {
            id,
            replaces: replaces_id,
            app: app_name,
            summary,
            body,
            actions,
            urgency,
            timeout: expire_timeout,
            sound,
        });
        id
    }

    fn close_notification(&mut self, id: u32) {
        self.calls.lock().unwrap().push(Call::Close(id));
    }

    #[zbus(property)]
    fn inhibited(&self) -> bool {
        self.inhibited
    }
}

/// Turns the recorded server's do not disturb on or off, and says so on
/// the bus (`PropertiesChanged`), as KDE's server does.
pub async fn set_inhibited(server: &zbus::Connection, on: bool) {
    let iface = server
        .object_server()
        .interface::<_, Recorder>("/org/freedesktop/Notifications")
        .await
        .unwrap();
    let mut recorder = iface.get_mut().await;
    recorder.inhibited = on;
    recorder
        .inhibited_changed(iface.signal_emitter())
        .await
        .unwrap();
}

/// Waits until a recorded call satisfies `check`, and gives it.
pub async fn wait_for(
    calls: &Arc<Mutex<Vec<Call>>>,
    what: &str,
    check: impl Fn(&Call) -> bool,
) -> Call {
    for _ in 0..1000 {
        if let Some(call) = calls.lock().unwrap().iter().find(|c| check(c)) {
            return call.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "timed out waiting for {what}; calls: {:#?}",
        calls.lock().unwrap()
    );
}

/// Registers a recording notification server on the bus.
pub async fn serve_recorder(bus: &SessionBus) -> (zbus::Connection, Arc<Mutex<Vec<Call>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let server = zbus::connection::Builder::address(bus.address.as_str())
        .name("org.freedesktop.Notifications")
        .serve_at(
            "/org/freedesktop/Notifications",
            Recorder {
                calls: Arc::clone(&calls),
                next: 0,
                inhibited: false,
            },
        )
        .build()
        .await
        .unwrap();
    (server, calls)
}

/// Presses a notification's button, as a notification daemon reports it.
pub async fn invoke_action(server: &zbus::Connection, id: u32, action: &str) {
    server
        .emit_signal(
            None::<&str>,
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications",
            "ActionInvoked",
            &(id, action),
        )
        .await
        .unwrap();
}
