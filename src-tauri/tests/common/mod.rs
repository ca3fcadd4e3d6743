//! Real desktop pieces for the app's tests: a private D-Bus session bus,
//! an X server, and `island --headless` as its own process.

// Each test binary uses some of these; the rest would warn in it.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub mod compositor;
pub mod compositor_look;
pub mod sni;
pub mod wayland_agents;
pub mod webdriver;

pub use island_test_support::bus::{
    Call, Recorder, Running, SessionBus, invoke_action, serve_recorder, set_inhibited, wait_for,
};
pub use island_test_support::screen;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codewhale_hooks::{
    HookDispatcher, HookSink, SessionInfo, UnixSocketHookSink, UnixSocketOptions,
};

/// The `island` command (crate `island-cli`): the small program without
/// GUI libraries that runs every client, hook and `--headless`, and starts
/// the tray app when run bare. The workspace's test build puts it beside
/// this package's `island-app`.
pub fn island() -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_island-app")).with_file_name("island");
    assert!(
        path.is_file(),
        "{} is missing: build the workspace (scripts/test does, or `cargo build -p island-cli`)",
        path.display()
    );
    path
}

/// A headless X server on a free display, gone when dropped.
pub struct XServer {
    server: Child,
    pub display: String,
}

impl XServer {
    pub fn start() -> Self {
        let (server, display) = screen::start_xvfb();
        Self { server, display }
    }
}

impl Drop for XServer {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

pub fn start_island(dir: &Path, bus: &SessionBus) -> Running {
    start_island_with(
        dir,
        bus,
        "[notifications]\nturn_complete_min_secs = 0\nburst_window_ms = 100\n",
    )
}

/// `island --headless` on `dir/run/island.sock` with this config text.
pub fn start_island_with(dir: &Path, bus: &SessionBus, config_text: &str) -> Running {
    start_island_with_env(dir, bus, config_text, &[])
}

/// [`start_island_with`], with more environment (`DISPLAY`, `PATH`).
pub fn start_island_with_env(
    dir: &Path,
    bus: &SessionBus,
    config_text: &str,
    env: &[(&str, &str)],
) -> Running {
    let config = dir.join("config.toml");
    std::fs::write(&config, config_text).unwrap();
    let child = Command::new(island())
        .args(["--headless", "--socket"])
        .arg(dir.join("run/island.sock"))
        .env("ISLAND_CONFIG", &config)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("ISLAND_LOG", "debug")
        .env("XDG_STATE_HOME", dir.join("state"))
        .envs(env.iter().copied())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Running(child)
}

/// An approval request as an agent sends it, offering all three answers.
pub fn approval_request(id: &str, command: &str) -> island_protocol::ExecApprovalRequestEvent {
    use island_protocol::ReviewDecision;
    island_protocol::ExecApprovalRequestEvent {
        approval_id: id.into(),
        command: command.into(),
        cwd: "/home/me/demo".into(),
        reason: Some("Unmatched command prefix requires approval.".into()),
        available_decisions: vec![
            ReviewDecision::Approved,
            ReviewDecision::ApprovedForSession,
            ReviewDecision::Denied,
        ],
        ..island_protocol::ExecApprovalRequestEvent::default()
    }
}

/// "Which database?", a question whose answers are its options,
/// Postgres and SQLite, and Deny.
pub fn question_request(id: &str) -> island_protocol::ExecApprovalRequestEvent {
    use island_protocol::ReviewDecision;
    island_protocol::ExecApprovalRequestEvent {
        available_decisions: vec![chosen("Postgres"), chosen("SQLite"), ReviewDecision::Denied],
        ..approval_request(id, "Which database?")
    }
}

/// The decision that picks a question's option.
pub fn chosen(label: &str) -> island_protocol::ReviewDecision {
    island_protocol::ReviewDecision::Chosen {
        label: label.into(),
    }
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

/// An agent's hello for session `id` (titled so) whose process is `pid`,
/// taking decisions.
pub fn hello_line(id: &str, pid: u32) -> String {
    format!(
        r#"{{"hello":{{"protocol":1,"agent":"test-agent","session_id":"{id}","pid":{pid},"title":"{id}","accepts_decisions":true}}}}"#
    )
}

/// A turn that starts and ends, as an agent writes it on its connection.
pub fn write_turn(to: &mut impl std::io::Write, turn: &str) {
    for event in ["turn_started", "turn_complete"] {
        writeln!(
            to,
            r#"{{"at":"2026-12-02T10:00:00Z","event":{{"type":"generic_event_frame","frame":{{"event":"{event}","turn_id":"{turn}"}}}}}}"#
        )
        .unwrap();
    }
    to.flush().unwrap();
}

/// Waits for Island's log to say a session's turn notice was held (its
/// terminal in front) `times` times.
pub fn wait_held(log: &Path, id: &str, times: usize) {
    let needle = format!("Turn(\"{id}\")");
    let held = || {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("terminal is in front") && l.contains(&needle))
            .count()
    };
    island_test_support::poll::until(
        format!("{id}'s notice held {times} times"),
        Duration::from_secs(20),
        || held() >= times,
    );
}

/// How many "`id` finished" notices the recorded service was sent.
pub fn finished_notices(calls: &Arc<Mutex<Vec<Call>>>, id: &str) -> usize {
    let summary_wanted = format!("{id} finished");
    calls
        .lock()
        .unwrap()
        .iter()
        .filter(|c| matches!(c, Call::Notify { summary, .. } if *summary == summary_wanted))
        .count()
}

/// Starts `command` with its stdin, stdout and stderr piped, and writes
/// `stdin` to it (then closes it).
pub fn spawn_with_stdin(command: &mut Command, stdin: &str) -> Child {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    feed(child.stdin.take().unwrap(), stdin);
    child
}

/// Writes `input` to a child's stdin and closes it. A child that ends
/// without reading it (it needed none, or refused at once: `island` starts
/// and exits in a few milliseconds) closes the pipe first; that is not an
/// error of the test.
pub fn feed(mut pipe: std::process::ChildStdin, input: &str) {
    use std::io::Write;
    match pipe.write_all(input.as_bytes()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => panic!("writing to the child's stdin: {e}"),
    }
}

/// `island --headless` in `dir` on a private session bus whose
/// notification service records what it is asked, up and answering.
pub struct RecordedIsland {
    /// What the notification service was asked.
    pub calls: Arc<Mutex<Vec<Call>>>,
    /// Island's socket.
    pub socket: std::path::PathBuf,
    pub island: Running,
    pub server: zbus::Connection,
    pub bus: SessionBus,
}

pub async fn recorded_island(dir: &Path) -> RecordedIsland {
    let bus = SessionBus::start();
    let (server, calls) = serve_recorder(&bus).await;
    let island = start_island(dir, &bus);
    let socket = dir.join("run/island.sock");
    wait_status(&socket, "Island up", |_| true).await;
    RecordedIsland {
        calls,
        socket,
        island,
        server,
        bus,
    }
}

/// Island's snapshot once `check` holds (10 s at most).
pub async fn wait_status(
    socket: &Path,
    what: &str,
    check: impl Fn(&island_protocol::Snapshot) -> bool,
) -> island_protocol::Snapshot {
    let last = Mutex::new(None);
    island_test_support::poll::value_await(
        || format!("{what}: {:#?}", last.lock().unwrap()),
        Duration::from_secs(10),
        async || {
            let s = island_core::client::status(socket).await.ok()?;
            if check(&s) {
                return Some(s);
            }
            *last.lock().unwrap() = Some(s);
            None
        },
    )
    .await
}

/// A desktop for the app: a private session bus, an X server, and the tray
/// host (`status-notifier-watcher`) on that bus.
pub struct Desktop {
    pub bus: SessionBus,
    pub x: XServer,
    pub watcher: Running,
}

impl Desktop {
    pub fn start() -> Self {
        let bus = SessionBus::start();
        let x = XServer::start();
        let watcher = Command::new("status-notifier-watcher")
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("DISPLAY", &x.display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "status-notifier-watcher (Debian package haskell-status-notifier-item-utils) \
                 must be installed: scripts/test installs it",
            );
        Self {
            bus,
            x,
            watcher: Running(watcher),
        }
    }

    /// Starts a program on this desktop, with its XDG directories in `dir`
    /// (so that autostart entries and state stay in the test).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env("DISPLAY", &self.x.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .env_remove("WAYLAND_DISPLAY")
            .env("HOME", dir.join("home"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_STATE_HOME", dir.join("state"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_RUNTIME_DIR", dir.join("xdg-runtime"))
            .env("ISLAND_LOG", "debug");
        let _ = std::fs::create_dir_all(dir.join("xdg-runtime"));
        command
    }

    /// The tray app on `dir/run/island.sock` with this config text.
    pub fn start_app(&self, dir: &Path, config_text: &str, extra: &[&str]) -> Running {
        let config = dir.join("config.toml");
        std::fs::write(&config, config_text).unwrap();
        let child = self
            .command(island(), dir)
            .arg("--socket")
            .arg(dir.join("run/island.sock"))
            .args(extra)
            .env("ISLAND_CONFIG", &config)
            .stderr(std::fs::File::create(dir.join("island.stderr")).unwrap())
            .spawn()
            .unwrap();
        Running(child)
    }
}
