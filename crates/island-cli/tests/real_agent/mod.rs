//! What the real-agent tests share: a world of their own for one agent and
//! one `island --headless` (a HOME, a project, a runtime dir so that both
//! find the same default socket, `island` on PATH as the hooks call it),
//! Island's view of it through `island status --json` and, for states
//! that come and go in a moment, every snapshot `island watch --json`
//! prints ([`Watch`]), and a tmux server of the test's own to drive an
//! agent's terminal UI as a user would.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use island_test_support::poll;
pub use island_test_support::poll::value as wait_for;

/// The agent binary named by `var` (scripts/test installs the pinned one
/// and sets it), or `None` (said) outside scripts/test. In CI it must be
/// there: a skipped real-agent test would prove nothing.
pub fn agent_bin(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(bin) => Some(PathBuf::from(bin)),
        None if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set: scripts/test installs the agent and sets it")
        }
        None => {
            eprintln!("skipped: {var} is not set (scripts/test sets it)");
            None
        }
    }
}

/// One agent's world and the Island it reports to.
pub struct World {
    dir: tempfile::TempDir,
    /// What the agent needs besides (its model server, its config dir).
    agent_env: Vec<(String, String)>,
    /// What the agent must not inherit from the test.
    unset: Vec<String>,
    island: Option<Child>,
}

impl World {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let world = Self {
            dir,
            agent_env: Vec::new(),
            unset: Vec::new(),
            island: None,
        };
        for sub in ["home", "proj", "run", "bin", "state"] {
            std::fs::create_dir_all(world.path(sub)).unwrap();
        }
        std::fs::set_permissions(
            world.path("run"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_island"), world.path("bin/island")).unwrap();
        world
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// Adds to the environment the agent (and Island's clients) run with.
    pub fn set_env(&mut self, key: &str, value: impl Into<String>) {
        self.agent_env.push((key.to_owned(), value.into()));
    }

    /// Keeps `key` of the test's environment from the agent started by
    /// [`World::launcher`].
    pub fn unset_env(&mut self, key: &str) {
        self.unset.push(key.to_owned());
    }

    /// The environment both Island's clients and the agent run with.
    pub fn env(&self) -> Vec<(String, String)> {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut env: Vec<(String, String)> = [
            ("HOME", self.path("home").display().to_string()),
            ("XDG_RUNTIME_DIR", self.path("run").display().to_string()),
            ("XDG_STATE_HOME", self.path("state").display().to_string()),
            (
                "ISLAND_CONFIG",
                self.path("island.toml").display().to_string(),
            ),
            ("PATH", path),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        env.extend(self.agent_env.iter().cloned());
        env
    }

    pub fn island(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_island"))
            .args(args)
            .envs(self.env())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// What `island doctor` prints.
    pub fn doctor(&self) -> String {
        String::from_utf8_lossy(&self.island(&["doctor"]).stdout).into_owned()
    }

    /// Starts `island --headless` and waits until it answers.
    pub fn start_island(&mut self) {
        let island = Command::new(env!("CARGO_BIN_EXE_island"))
            .args(["--headless", "--no-notifications"])
            .envs(self.env())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.island = Some(island);
        wait_for("Island to answer", Duration::from_secs(20), || {
            self.snapshot().map(|_| ())
        });
    }

    pub fn snapshot(&self) -> Option<Value> {
        let out = self.island(&["status", "--json"]);
        out.status
            .success()
            .then(|| serde_json::from_slice::<Value>(&out.stdout).ok())
            .flatten()
            .map(|mut v| v["snapshot"].take())
    }

    /// The sessions Island knows now.
    pub fn sessions(&self) -> Vec<Value> {
        self.snapshot()
            .and_then(|mut s| s["sessions"].as_array_mut().map(std::mem::take))
            .unwrap_or_default()
    }

    /// The open approvals: (session id, approval id, command, reason).
    pub fn approvals(&self) -> Vec<(String, String, String, String)> {
        let mut out = Vec::new();
        for session in self.sessions() {
            for a in session["approvals"].as_array().into_iter().flatten() {
                let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                out.push((
                    text(&session["id"]),
                    text(&a["approval_id"]),
                    text(&a["command"]),
                    text(&a["reason"]),
                ));
            }
        }
        out
    }

    /// Waits up to `limit` for an open approval whose command has arrived
    /// (its card is announced a moment before the request that carries
    /// the command), other than those in `besides`.
    pub fn wait_card(
        &self,
        what: &str,
        limit: Duration,
        besides: &[&str],
    ) -> (String, String, String, String) {
        wait_for(what, limit, || {
            self.approvals()
                .into_iter()
                .find(|(_, id, command, _)| !command.is_empty() && !besides.contains(&id.as_str()))
        })
    }

    /// A script that runs `program args` in the project with this world's
    /// environment, for tmux to start.
    pub fn launcher(&self, name: &str, program: &Path, args: &[&str]) -> PathBuf {
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let mut script = String::from("#!/bin/sh\n");
        for key in &self.unset {
            script.push_str(&format!("unset {key}\n"));
        }
        for (k, v) in self.env() {
            script.push_str(&format!("export {k}={}\n", quote(&v)));
        }
        let args: Vec<String> = args.iter().map(|a| quote(a)).collect();
        script.push_str(&format!(
            "cd {} && exec {} {}\n",
            quote(&self.path("proj").display().to_string()),
            quote(&program.display().to_string()),
            args.join(" ")
        ));
        let path = self.path(&format!("{name}.sh"));
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        path
    }
}

impl World {
    /// Waits until Island shows no open approval, at most a second after
    /// `answered` (the agent's window, `screen`, is shown if not).
    pub fn cards_close_within_a_second(&self, answered: std::time::Instant, screen: &Tmux) {
        poll::until(
            || format!("the card to close; the agent shows:\n{}", screen.screen()),
            Duration::from_secs(10).saturating_sub(answered.elapsed()),
            || self.approvals().is_empty(),
        );
        let took = answered.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "the card closed after {took:?}"
        );
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(mut island) = self.island.take() {
            let _ = island.kill();
            let _ = island.wait();
        }
    }
}

/// Every snapshot Island sends while it runs, as `island watch --json`
/// prints them.
pub struct Watch {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<Value>,
}

impl Watch {
    pub fn start(world: &World) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_island"))
            .args(["watch", "--json"])
            .envs(world.env())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        // Watching once the first snapshot is in.
        let first = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("island watch prints a snapshot");
        let mut watch = Self {
            child,
            lines,
            seen: Vec::new(),
        };
        watch.take(&first);
        watch
    }

    fn take(&mut self, line: &str) {
        if let Ok(mut snapshot) = serde_json::from_str::<Value>(line)
            && let Some(sessions) = snapshot["snapshot"]["sessions"].as_array_mut()
        {
            self.seen.append(sessions);
        }
    }

    /// Every session in every snapshot so far, oldest first.
    pub fn sessions(&mut self) -> Vec<Value> {
        let lines: Vec<String> = self.lines.try_iter().collect();
        for line in lines {
            self.take(&line);
        }
        self.seen.clone()
    }

    /// Waits until some snapshot had a session for which `check` holds.
    pub fn wait_for_session(&mut self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        wait_for(what, Duration::from_secs(30), || {
            self.sessions().into_iter().find(|s| check(s))
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tmux server of the test's own, with one window named `name`.
pub struct Tmux {
    socket: PathBuf,
    name: String,
}

impl Tmux {
    /// Starts `script` in a 160x50 window.
    pub fn start(world: &World, name: &str, script: &Path) -> Self {
        let tmux = Self {
            socket: world.path(&format!("tmux-{name}.sock")),
            name: name.to_owned(),
        };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "160",
            "-y",
            "50",
            &script.display().to_string(),
        ]);
        assert!(out.status.success(), "{out:?}");
        tmux
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", &self.name]).stdout)
            .into_owned()
    }

    /// Types `text` and submits it: Enter is sent again (up to ten times,
    /// `each` apart) until `taken` holds. Agents' terminal UIs take keys
    /// that come as fast as tmux sends them for a paste, where Enter is a
    /// new line, or lose keys sent before they are ready.
    pub fn submit(&self, text: &str, each: Duration, mut taken: impl FnMut(&Self) -> bool) {
        self.run(&["send-keys", "-t", &self.name, "-l", text]);
        self.wait_for_text(text, Duration::from_secs(10));
        for _ in 0..10 {
            self.keys(&["Enter"]);
            let start = std::time::Instant::now();
            while start.elapsed() < each {
                if taken(self) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!(
            "{text:?} was not taken; the screen shows:\n{}",
            self.screen()
        );
    }

    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", &self.name, key]);
        }
    }

    /// Submits the agent's quit command (`/quit`, `/exit`) until the agent
    /// has gone (tmux runs it in place of the launcher, so its session
    /// ends with it).
    pub fn quit(&self, command: &str) {
        self.submit(command, Duration::from_secs(2), |t| {
            !t.run(&["has-session", "-t", &t.name]).status.success()
        });
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for_text(&self, text: &str, limit: Duration) {
        poll::until(
            || format!("{text:?}; the screen shows:\n{}", self.screen()),
            limit,
            || self.screen().contains(text),
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
