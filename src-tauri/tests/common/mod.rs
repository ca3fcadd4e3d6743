//! Real desktop pieces for the app's tests: a private D-Bus session bus,
//! an X server, and `island --headless` as its own process.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use codewhale_hooks::{
    HookDispatcher, HookSink, SessionInfo, UnixSocketHookSink, UnixSocketOptions,
};

/// A private session bus, gone when dropped.
pub struct SessionBus {
    daemon: Child,
    pub address: String,
}

impl SessionBus {
    pub fn start() -> Self {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(
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

/// A headless X server on a free display, gone when dropped.
pub struct XServer {
    server: Child,
    pub display: String,
}

impl XServer {
    pub fn start() -> Self {
        let mut server = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (Debian package xvfb) must be installed: scripts/test installs it");
        let mut number = String::new();
        BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut number)
            .unwrap();
        Self {
            server,
            display: format!(":{}", number.trim()),
        }
    }
}

impl Drop for XServer {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
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

pub fn start_island(dir: &Path, bus: &SessionBus) -> Running {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[notifications]\nturn_complete_min_secs = 0\nburst_window_ms = 100\n",
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_island"))
        .args(["--headless", "--socket"])
        .arg(dir.join("run/island.sock"))
        .env("ISLAND_CONFIG", &config)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("ISLAND_LOG", "debug")
        .env("XDG_STATE_HOME", dir.join("state"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Running(child)
}

pub fn agent(socket: &Path) -> HookDispatcher {
    let mut session = SessionInfo::from_environment("test-agent", "0");
    session.title = Some("demo".into());
    let mut options = UnixSocketOptions::new(socket, session);
    options.initial_backoff = Duration::from_millis(20);
    HookDispatcher::new(vec![
        Box::new(UnixSocketHookSink::new(options)) as Box<dyn HookSink>
    ])
}
