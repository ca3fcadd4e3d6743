//! The real Claude Code (from the npm registry, pinned in scripts/lib.sh
//! and installed by scripts/test; `CLAUDE_CODE_BIN`) against a real
//! `island --headless`, with the hooks `island setup claude` writes and a
//! stub Anthropic Messages server on 127.0.0.1 that asks for one Bash call
//! per prompt. Print mode: approved from Island the command runs, denied it
//! does not. Interactive, in a real tmux: answered in Claude's own dialog,
//! the card closes within a second, Claude's permission_prompt notification
//! adds no second card, a later `island approve` is refused, and the session
//! goes when Claude exits; denied there, the card closes within a second
//! too. When Claude changes its hooks, this fails.
//!
//! Over 400 lines: one agent's whole contract and the world it runs in;
//! the stub model server is apart already (`stub_anthropic`).

#![allow(clippy::unwrap_used)]

mod stub_anthropic;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const API_KEY: &str = "sk-ant-island-test-000000";

/// The Claude Code binary, or `None` (said) outside scripts/test. In CI it
/// must be there: a skipped real-agent test would prove nothing.
fn claude_bin() -> Option<PathBuf> {
    match std::env::var_os("CLAUDE_CODE_BIN") {
        Some(bin) => Some(PathBuf::from(bin)),
        None if std::env::var_os("CI").is_some() => {
            panic!("CLAUDE_CODE_BIN is not set: scripts/test installs Claude Code and sets it")
        }
        None => {
            eprintln!("skipped: CLAUDE_CODE_BIN is not set (scripts/test sets it)");
            None
        }
    }
}

/// Everything one Claude and one Island share: a HOME, a project, a
/// runtime dir (so that both resolve the same default socket), the stub.
struct World {
    dir: tempfile::TempDir,
    claude: PathBuf,
    stub: stub_anthropic::Stub,
    island: Option<std::process::Child>,
}

impl World {
    fn new(claude: PathBuf) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let world = Self {
            stub: stub_anthropic::Stub::start(),
            dir,
            claude,
            island: None,
        };
        for sub in ["home/.claude", "proj", "run", "bin", "state"] {
            std::fs::create_dir_all(world.path(sub)).unwrap();
        }
        std::fs::set_permissions(
            world.path("run"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        // The hook command is `island hook claude`, found on PATH.
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_island"), world.path("bin/island")).unwrap();
        // What a first run would ask in dialogs: onboarding done, this key
        // approved (Claude keeps its last 20 characters), the project
        // trusted.
        let project = world.path("proj").display().to_string();
        let config = json!({
            "hasCompletedOnboarding": true,
            "lastOnboardingVersion": "2.1.328",
            "theme": "dark",
            "hasSeenAutoDefaultNudge": true,
            "customApiKeyResponses": {"approved": [&API_KEY[API_KEY.len() - 20..]], "rejected": []},
            "projects": {project: {"hasTrustDialogAccepted": true}},
        });
        std::fs::write(world.path("home/.claude.json"), config.to_string()).unwrap();
        world
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// The environment both Island's clients and Claude run with.
    fn env(&self) -> Vec<(String, String)> {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        [
            ("HOME", self.path("home").display().to_string()),
            ("XDG_RUNTIME_DIR", self.path("run").display().to_string()),
            ("XDG_STATE_HOME", self.path("state").display().to_string()),
            (
                "ISLAND_CONFIG",
                self.path("island.toml").display().to_string(),
            ),
            ("PATH", path),
            ("ANTHROPIC_BASE_URL", self.stub.url()),
            ("ANTHROPIC_API_KEY", API_KEY.to_owned()),
            ("DISABLE_TELEMETRY", "1".to_owned()),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".to_owned()),
            ("DISABLE_AUTOUPDATER", "1".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    fn island(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_island"))
            .args(args)
            .envs(self.env())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `island setup claude --yes`, then Claude's classic permission mode
    /// (2.1.328 defaults to "auto", which asks no hook).
    fn set_up(&mut self) {
        let out = self.island(&["setup", "claude", "--yes"]);
        assert!(out.status.success(), "{out:?}");
        let path = self.path("home/.claude/settings.json");
        let mut settings: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for event in [
            "PreToolUse",
            "PermissionRequest",
            "PostToolUse",
            "Notification",
            "Stop",
        ] {
            assert!(
                settings["hooks"][event].is_array(),
                "setup installs {event}: {settings}"
            );
        }
        let doctor = |world: &Self| {
            let out = world.island(&["doctor"]);
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        assert!(
            doctor(self).contains("cannot answer their approvals"),
            "doctor says the auto mode asks no hook: {}",
            doctor(self)
        );
        settings["permissions"] = json!({"defaultMode": "default"});
        std::fs::write(&path, settings.to_string()).unwrap();
        assert!(!doctor(self).contains("cannot answer"), "{}", doctor(self));
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

    fn snapshot(&self) -> Option<Value> {
        let out = self.island(&["status", "--json"]);
        out.status
            .success()
            .then(|| serde_json::from_slice::<Value>(&out.stdout).ok())
            .flatten()
            .map(|mut v| v["snapshot"].take())
    }

    /// The open approvals: (session id, approval id, command, reason).
    fn approvals(&self) -> Vec<(String, String, String, String)> {
        let Some(snapshot) = self.snapshot() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for session in snapshot["sessions"].as_array().into_iter().flatten() {
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

    fn claude(&self) -> Command {
        let mut command = Command::new(&self.claude);
        command.current_dir(self.path("proj")).envs(self.env());
        command
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

/// Polls `check` until it gives `Some`, for at most `limit`.
fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn print_mode_approved_in_island_runs_and_denied_does_not() {
    let Some(claude) = claude_bin() else {
        return;
    };
    let mut world = World::new(claude);
    world.set_up();
    for (n, verb) in [(1, "approve"), (2, "deny")] {
        let marker = world.path(&format!("proj/marker-{n}"));
        world
            .stub
            .ask_to_run(&format!("touch {}", marker.display()));
        let mut run = world
            .claude()
            .args(["-p", "make the marker", "--output-format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (_, id, command, reason) = wait_for("the approval", Duration::from_secs(60), || {
            world.approvals().into_iter().next()
        });
        assert_eq!(command, format!("touch {}", marker.display()));
        assert_eq!(reason, "Create the marker file", "the tool's description");
        let out = world.island(&[verb, &id]);
        assert!(out.status.success(), "{verb}: {out:?}");
        let status = wait_for("Claude to finish", Duration::from_secs(60), || {
            run.try_wait().unwrap()
        });
        let out = run.wait_with_output().unwrap();
        assert!(status.success(), "{out:?}");
        assert_eq!(marker.exists(), verb == "approve", "{verb}: {out:?}");
        wait_for("the card to close", Duration::from_secs(10), || {
            world.approvals().is_empty().then_some(())
        });
    }
}

/// A tmux server of the test's own.
struct Tmux(PathBuf);

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.0)
            .args(args)
            .output()
            .unwrap()
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "claude"]).stdout)
            .into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn launcher(world: &World, claude: &Path) -> PathBuf {
    let mut script = String::from("#!/bin/sh\n");
    for (k, v) in world.env() {
        script.push_str(&format!("export {k}='{v}'\n"));
    }
    script.push_str(&format!(
        "cd '{}' && exec '{}'\n",
        world.path("proj").display(),
        claude.display()
    ));
    let path = world.path("claude.sh");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

/// Claude in a real tmux, asked to run `command`, showing its dialog for
/// it, with Island's card up and Claude's permission_prompt
/// notification come (a few seconds into the dialog, on a hook connection
/// of its own: two lines, besides this test's own status requests), so
/// that the dialog takes keys. Returns the tmux and the approval's id.
fn dialog_open(world: &World, claude: &Path, command: &str) -> (Tmux, String) {
    world.stub.ask_to_run(command);
    let tmux = Tmux(world.path("tmux.sock"));
    let script = launcher(world, claude);
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "claude",
        "-x",
        "160",
        "-y",
        "50",
        &script.display().to_string(),
    ]);
    assert!(out.status.success(), "{out:?}");
    wait_for("Claude's prompt", Duration::from_secs(60), || {
        tmux.screen().contains("? for shortcuts").then_some(())
    });
    tmux.run(&["send-keys", "-t", "claude", "-l", "make the marker"]);
    tmux.run(&["send-keys", "-t", "claude", "Enter"]);
    let (_, id, _, _) = wait_for("the approval", Duration::from_secs(60), || {
        world.approvals().into_iter().next()
    });
    wait_for("Claude's dialog", Duration::from_secs(30), || {
        tmux.screen()
            .contains("Do you want to proceed?")
            .then_some(())
    });
    let lines = |world: &World| {
        world
            .snapshot()
            .map_or(0, |s| s["counters"]["lines"].as_u64().unwrap_or(0))
    };
    let before = lines(world);
    let mut asked = 0;
    wait_for(
        "the permission_prompt hook",
        Duration::from_secs(30),
        || {
            asked += 1;
            (lines(world) >= before + asked + 2).then_some(())
        },
    );
    (tmux, id)
}

/// Waits for the card to close: at most a second after `answered`.
fn card_closes_within_a_second(world: &World, tmux: &Tmux, answered: Instant) {
    while !world.approvals().is_empty() {
        assert!(
            answered.elapsed() < Duration::from_secs(10),
            "the card stayed; Claude shows:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = answered.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "the card closed after {took:?}"
    );
}

#[test]
fn answered_in_claudes_terminal_the_card_closes_within_a_second() {
    let Some(claude) = claude_bin() else {
        return;
    };
    let mut world = World::new(claude.clone());
    world.set_up();
    let marker = world.path("proj/marker");
    let (tmux, id) = dialog_open(&world, &claude, &format!("touch {}", marker.display()));
    // One card, though Claude announced the prompt twice.
    assert_eq!(world.approvals().len(), 1, "{:?}", world.approvals());
    // "1. Yes" is selected: Enter answers in the terminal.
    tmux.run(&["send-keys", "-t", "claude", "Enter"]);
    card_closes_within_a_second(&world, &tmux, Instant::now());
    wait_for("the command to run", Duration::from_secs(30), || {
        marker.exists().then_some(())
    });
    let out = world.island(&["approve", &id]);
    assert!(
        !out.status.success(),
        "a stale approval is refused: {out:?}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).trim().is_empty(),
        "with a message: {out:?}"
    );
    // Claude exits: its session goes.
    tmux.run(&["send-keys", "-t", "claude", "-l", "/exit"]);
    tmux.run(&["send-keys", "-t", "claude", "Enter"]);
    wait_for("the session to end", Duration::from_secs(30), || {
        world
            .snapshot()
            .filter(|s| s["sessions"].as_array().is_some_and(Vec::is_empty))
            .map(|_| ())
    });
}

#[test]
fn denied_in_claudes_terminal_the_card_closes_within_a_second() {
    let Some(claude) = claude_bin() else {
        return;
    };
    let mut world = World::new(claude.clone());
    world.set_up();
    let marker = world.path("proj/marker");
    let (tmux, id) = dialog_open(&world, &claude, &format!("touch {}", marker.display()));
    // "4. No": no hook runs for a denial; the waiting hook sees it in
    // Claude's transcript.
    tmux.run(&["send-keys", "-t", "claude", "4"]);
    tmux.run(&["send-keys", "-t", "claude", "Enter"]);
    card_closes_within_a_second(&world, &tmux, Instant::now());
    assert!(!marker.exists(), "denied: the command did not run");
    let out = world.island(&["deny", &id]);
    assert!(
        !out.status.success(),
        "a stale approval is refused: {out:?}"
    );
}

#[test]
fn approved_for_the_session_from_island_claude_takes_its_own_rule() {
    let Some(claude) = claude_bin() else {
        return;
    };
    let mut world = World::new(claude.clone());
    world.set_up();
    let count = world.path("proj/count");
    let command = format!("echo ran >> {}", count.display());
    let (tmux, id) = dialog_open(&world, &claude, &command);
    // Claude offers "Yes, and always allow access to DIR" for the session:
    // Island offers "for session", which answers with that very rule.
    let offered = world.snapshot().unwrap()["sessions"][0]["approvals"][0]["decisions"].clone();
    assert!(
        offered.to_string().contains("approved_for_session"),
        "{offered}"
    );
    let out = world.island(&["approve", "--for-session", &id]);
    assert!(out.status.success(), "{out:?}");
    // Claude took the answer with its rule (a malformed one would leave
    // its dialog up): the command ran once, by the hook's leave.
    let start = Instant::now();
    while !tmux.screen().contains("Allowed by PermissionRequest hook") {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "Claude shows:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_for("the command to run", Duration::from_secs(30), || {
        (std::fs::read_to_string(&count).ok()? == "ran\n").then_some(())
    });
    wait_for("the card to close", Duration::from_secs(10), || {
        world.approvals().is_empty().then_some(())
    });
}
