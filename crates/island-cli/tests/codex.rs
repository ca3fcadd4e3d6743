//! The real Codex CLI (from the npm registry, pinned in scripts/lib.sh and
//! installed by scripts/test; `CODEX_BIN`) against a real
//! `island --headless`, through Codex's own hooks as `island setup codex`
//! writes them, with a stub Responses API server on 127.0.0.1 that asks
//! for one command outside the sandbox per prompt. Codex runs no hook its
//! user has not trusted: the trust step is taken as a user takes it, in
//! the TUI's own review screen. Then, in a real tmux with the TUI's
//! default daemon: the approval shows with its justification and the tool
//! running, one session (no side thread), approved from Island the command
//! runs, and the session ends when the TUI quits though the daemon that ran
//! its hooks lives on. Unanswered in Island, Codex asks in its own dialog
//! once the hook gives up, Island refuses a late answer, and the answer in
//! the TUI closes the card within a second. In exec mode: approved runs,
//! denied does not, and the session ends with the run. When Codex changes
//! its hooks, this fails.

#![allow(clippy::unwrap_used)]

mod real_agent;
mod stub_http;
mod stub_openai;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use real_agent::{Tmux, World, agent_bin, wait_for};
use serde_json::Value;

/// What Codex's own approval dialog asks.
const CODEX_ASKS: &str = "Would you like to run the following command?";

/// A world for Codex: its own CODEX_HOME with a model provider that is the
/// stub, the project trusted.
struct CodexWorld {
    world: World,
    codex: PathBuf,
    stub: stub_openai::Stub,
}

impl std::ops::Deref for CodexWorld {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

impl CodexWorld {
    fn new(codex: PathBuf) -> Self {
        let stub = stub_openai::Stub::start();
        let mut world = World::new();
        let home = world.path("home/.codex");
        std::fs::create_dir_all(&home).unwrap();
        world.set_env("CODEX_HOME", home.display().to_string());
        world.set_env("STUB_KEY", "sk-island-test");
        let config = format!(
            r#"model = "gpt-test"
model_provider = "stub"

[model_providers.stub]
name = "stub"
base_url = "{}"
env_key = "STUB_KEY"
wire_api = "responses"

[projects."{}"]
trust_level = "trusted"
"#,
            stub.url(),
            world.path("proj").display()
        );
        std::fs::write(home.join("config.toml"), config).unwrap();
        Self { world, codex, stub }
    }

    /// `island setup codex --yes`, Island started, and the hooks trusted in
    /// the TUI's review screen (Codex skips untrusted hooks without a
    /// word); `island doctor` says which. Returns that TUI, ready for a
    /// prompt.
    fn set_up(&mut self) -> Tmux {
        self.set_up_waiting(None)
    }

    /// [`Self::set_up`], with the permission hook waiting `wait` seconds
    /// for Island (set before the trust step: a changed hook asks again).
    fn set_up_waiting(&mut self, wait: Option<u64>) -> Tmux {
        let out = self.island(&["setup", "codex", "--yes"]);
        assert!(out.status.success(), "{out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("Trust all and continue"), "{stdout}");
        let hooks: Value = serde_json::from_str(
            &std::fs::read_to_string(self.path("home/.codex/hooks.json")).unwrap(),
        )
        .unwrap();
        for event in ["PermissionRequest", "PreToolUse", "Stop", "SessionEnd"] {
            assert!(hooks["hooks"][event].is_array(), "{event}: {hooks}");
        }
        if let Some(secs) = wait {
            let mut hooks = hooks;
            let command = &mut hooks["hooks"]["PermissionRequest"][0]["hooks"][0]["command"];
            *command = format!("{} --wait-secs {secs}", command.as_str().unwrap()).into();
            std::fs::write(self.path("home/.codex/hooks.json"), hooks.to_string()).unwrap();
        }
        assert!(
            self.doctor().contains("runs no hook you have not trusted"),
            "{}",
            self.doctor()
        );
        self.world.start_island();
        let tui = self.tui();
        tui.wait_for_text("Hooks need review", Duration::from_secs(60));
        // "2. Trust all and continue"; keys that come before the screen
        // takes them are lost, so they are sent again until it has gone.
        for _ in 0..10 {
            tui.keys(&["2", "Enter"]);
            let start = std::time::Instant::now();
            while start.elapsed() < Duration::from_secs(2) {
                if tui.screen().contains("Ask Codex to do anything") {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if !tui.screen().contains("Hooks need review") {
                break;
            }
        }
        tui.wait_for_text("Ask Codex to do anything", Duration::from_secs(30));
        // Codex's daemon writes the trust to config.toml as the TUI goes on.
        wait_for("doctor to see the trust", Duration::from_secs(10), || {
            self.doctor().contains("of its hooks trusted").then_some(())
        });
        tui
    }

    /// Prompts the TUI, its model asking to run `command`.
    fn prompt(&self, tui: &Tmux, command: &str) {
        self.stub.ask_to_run(command);
        tui.submit("make the marker", Duration::from_secs(2), |t| {
            t.screen().contains("esc to interrupt")
        });
    }

    /// The TUI in a real tmux, asking before it runs what the sandbox does
    /// not allow.
    fn tui(&self) -> Tmux {
        let script = self.world.launcher(
            "codex",
            &self.codex,
            &["-a", "on-request", "-s", "read-only"],
        );
        Tmux::start(self, "codex", &script)
    }

    /// Codex's app-server daemon for this world's CODEX_HOME, if it runs.
    fn daemon(&self) -> Option<u32> {
        let home = self.path("home/.codex").display().to_string();
        island_core::platform::own_processes()
            .into_iter()
            .find(|pid| {
                island_core::platform::process_args(*pid).is_some_and(|args| {
                    args.first().is_some_and(|a| a.starts_with(&home))
                        && args.iter().any(|a| a == "--managed-daemon")
                })
            })
    }
}

impl Drop for CodexWorld {
    fn drop(&mut self) {
        // The daemon outlives every TUI: it goes with the test.
        let home = self.path("home/.codex").display().to_string();
        for pid in island_core::platform::own_processes() {
            let ours = island_core::platform::process_args(pid)
                .is_some_and(|args| args.first().is_some_and(|a| a.starts_with(&home)));
            if ours {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()),
                    nix::sys::signal::Signal::SIGTERM,
                );
            }
        }
    }
}

#[test]
fn the_tui_asks_in_island_and_its_session_ends_when_it_quits_not_with_its_daemon() {
    let Some(codex) = agent_bin("CODEX_BIN") else {
        return;
    };
    let mut world = CodexWorld::new(codex);
    let tui = world.set_up();
    let marker = world.path("proj/marker");
    world.prompt(&tui, &format!("touch {}", marker.display()));
    let (session, id, command, reason) =
        world.wait_card("the approval", Duration::from_secs(60), &[]);
    assert!(session.starts_with("codex-"), "{session}");
    assert_eq!(command, format!("touch {}", marker.display()));
    assert_eq!(reason, "Create the marker file", "Codex's justification");
    let sessions = world.sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["agent"], "codex");
    assert_eq!(sessions[0]["current_tool"], "Bash");
    assert_eq!(sessions[0]["model"], "gpt-test");
    // Codex shows the hook's status line while Island is asked.
    tui.wait_for_text("Asking in Island", Duration::from_secs(10));
    let out = world.island(&["approve", &id]);
    assert!(out.status.success(), "{out:?}");
    wait_for("the command to run", Duration::from_secs(30), || {
        marker.exists().then_some(())
    });
    tui.wait_for_text("All done.", Duration::from_secs(30));
    wait_for("the turn's end", Duration::from_secs(10), || {
        let sessions = world.sessions();
        sessions.iter().any(|s| s["state"] == "done").then_some(())
    });
    // One session: the title Codex generates in a side thread is none.
    let sessions = world.sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let daemon = world.daemon().expect("the TUI's daemon runs");
    tui.quit("/quit");
    wait_for("the session to end", Duration::from_secs(30), || {
        world.sessions().is_empty().then_some(())
    });
    assert!(
        island_core::platform::process_alive(daemon),
        "the daemon that ran the hooks still runs: the TUI's end ended the session"
    );
}

#[test]
fn exec_approved_in_island_runs_denied_does_not_and_each_session_ends_with_its_run() {
    let Some(codex) = agent_bin("CODEX_BIN") else {
        return;
    };
    let mut world = CodexWorld::new(codex);
    let tui = world.set_up();
    tui.quit("/quit");
    wait_for("the TUI to quit", Duration::from_secs(30), || {
        world.sessions().is_empty().then_some(())
    });
    for (n, verb) in [(1, "approve"), (2, "deny")] {
        let marker = world.path(&format!("proj/marker-{n}"));
        world
            .stub
            .ask_to_run(&format!("touch {}", marker.display()));
        let mut run = Command::new(&world.codex)
            .args([
                "exec",
                "--skip-git-repo-check",
                "--approve-for-me",
                "make the marker",
            ])
            .current_dir(world.path("proj"))
            .envs(world.env())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (_, id, command, _) = world.wait_card("the approval", Duration::from_secs(60), &[]);
        assert_eq!(command, format!("touch {}", marker.display()));
        let out = world.island(&[verb, &id]);
        assert!(out.status.success(), "{verb}: {out:?}");
        wait_for("Codex to finish", Duration::from_secs(60), || {
            run.try_wait().unwrap()
        });
        let out = run.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(marker.exists(), verb == "approve", "{verb}: {out:?}");
        wait_for("the session to end", Duration::from_secs(10), || {
            world.sessions().is_empty().then_some(())
        });
    }
}

#[test]
fn unanswered_in_island_codex_asks_in_its_tui_and_that_answer_closes_the_card() {
    let Some(codex) = agent_bin("CODEX_BIN") else {
        return;
    };
    let mut world = CodexWorld::new(codex);
    // Codex shows its own dialog once the hook gives up: made short here.
    let tui = world.set_up_waiting(Some(4));
    let marker = world.path("proj/marker");
    world.prompt(&tui, &format!("touch {}", marker.display()));
    let (_, id, _, _) = world.wait_card("the approval", Duration::from_secs(60), &[]);
    tui.wait_for_text(CODEX_ASKS, Duration::from_secs(30));
    let out = world.island(&["approve", &id]);
    assert!(!out.status.success(), "no hook waits any more: {out:?}");
    // Its first choice runs the command once.
    tui.keys(&["Enter"]);
    world.cards_close_within_a_second(std::time::Instant::now(), &tui);
    wait_for("the command to run", Duration::from_secs(30), || {
        marker.exists().then_some(())
    });
    tui.quit("/quit");
}
