//! The real Qwen Code (from the npm registry, pinned in scripts/lib.sh and
//! installed by scripts/test; `QWEN_BIN`), whose hooks are Claude Code's,
//! against a real `island --headless`, with the hooks
//! `island setup qwen` writes (`island hook claude --agent qwen-code`) and
//! a stub OpenAI-compatible server on 127.0.0.1 that asks for one shell
//! command per prompt, in a real tmux in Qwen's "ask permissions" mode (its
//! default "auto" mode asks no hook). Qwen runs its `PermissionRequest`
//! hook before it shows its own dialog: approved in Island the command
//! runs, denied it does not; unanswered there, Qwen asks in its dialog
//! once the hook gives up, and the card closes within a second of the
//! answer there; the session goes when Qwen quits.

#![allow(clippy::unwrap_used)]

mod real_agent;
mod stub_chat;
mod stub_http;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use real_agent::{Tmux, World, agent_bin, wait_for};
use serde_json::{Value, json};

struct QwenWorld {
    world: World,
    qwen: PathBuf,
    stub: stub_chat::Stub,
}

impl std::ops::Deref for QwenWorld {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

impl QwenWorld {
    fn new(qwen: PathBuf) -> Self {
        let stub = stub_chat::Stub::start("run_shell_command");
        let mut world = World::new();
        world.set_env("QWEN_HOME", world.path("home/.qwen").display().to_string());
        world.set_env("OPENAI_API_KEY", "island-test-key");
        world.set_env("OPENAI_BASE_URL", stub.url());
        world.set_env("OPENAI_MODEL", "stub-model");
        std::fs::create_dir_all(world.path("home/.qwen")).unwrap();
        let settings = json!({"security": {"auth": {"selectedType": "openai"}}});
        std::fs::write(world.path("home/.qwen/settings.json"), settings.to_string()).unwrap();
        Self { world, qwen, stub }
    }
}

/// Submits a prompt until Island shows Qwen's question (Qwen runs its
/// `PermissionRequest` hook before it shows its own dialog).
fn ask(world: &QwenWorld, tui: &Tmux, prompt: &str) {
    tui.submit(prompt, Duration::from_secs(3), |_| {
        !world.approvals().is_empty()
    });
}

fn card(world: &QwenWorld, command: &str) -> String {
    let (session, id, shown, reason) = world.wait_card("the card", Duration::from_secs(30), &[]);
    assert!(session.starts_with("qwen-"), "{session}");
    assert_eq!(shown, command);
    assert_eq!(reason, "Create the marker file", "the tool's description");
    id
}

fn turn_over(world: &QwenWorld) {
    wait_for("the turn's end", Duration::from_secs(30), || {
        let sessions = world.sessions();
        (sessions.len() == 1 && sessions[0]["state"] == "done").then_some(())
    });
}

#[test]
fn approved_and_denied_in_island_and_allowed_in_its_dialog() {
    let Some(qwen) = agent_bin("QWEN_BIN") else {
        return;
    };
    let mut world = QwenWorld::new(qwen);
    let out = world.island(&["setup", "qwen", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(world.path("home/.qwen/settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        settings["hooks"]["PermissionRequest"][0]["hooks"][0]["command"],
        "island hook claude --agent qwen-code"
    );
    // A short wait, so that Qwen's own dialog comes soon when Island does
    // not answer (the hook stays Island's: setup still knows it).
    let path = world.path("home/.qwen/settings.json");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "island hook claude --agent qwen-code\"",
        "island hook claude --agent qwen-code --wait-secs 4\"",
    );
    std::fs::write(&path, text).unwrap();
    world.world.start_island();
    let script = world.launcher("qwen", &world.qwen, &["--approval-mode", "default"]);
    let tui = Tmux::start(&world, "qwen", &script);
    tui.wait_for_text("Type your message", Duration::from_secs(60));

    let marker = |n: u32| world.path(&format!("proj/marker-{n}"));
    let command = |n: u32| format!("touch {}", marker(n).display());
    for (n, verb) in [(1, "approve"), (2, "deny")] {
        world.stub.ask_to_run(&command(n));
        ask(&world, &tui, &format!("make marker {n}"));
        let id = card(&world, &command(n));
        let sessions = world.sessions();
        assert_eq!(sessions[0]["agent"], "qwen-code");
        let out = world.island(&[verb, &id]);
        assert!(out.status.success(), "{verb}: {out:?}");
        turn_over(&world);
        assert!(world.approvals().is_empty(), "{:?}", world.approvals());
        assert_eq!(marker(n).exists(), verb == "approve", "{verb}");
    }

    // Unanswered in Island, Qwen asks in its own dialog once the hook has
    // given up (`--wait-secs`, made short here); the card stays, to answer
    // in the terminal, and closes within a second of the answer there.
    world.stub.ask_to_run(&command(3));
    ask(&world, &tui, "make marker 3");
    let id = card(&world, &command(3));
    tui.wait_for_text("Yes, allow once", Duration::from_secs(30));
    let out = world.island(&["approve", &id]);
    assert!(!out.status.success(), "no hook waits any more: {out:?}");
    tui.keys(&["Enter"]);
    world.cards_close_within_a_second(Instant::now(), &tui);
    wait_for("the command to run", Duration::from_secs(30), || {
        marker(3).exists().then_some(())
    });
    turn_over(&world);
    // Qwen quits: its session ends.
    tui.quit("/quit");
    wait_for("the session to end", Duration::from_secs(30), || {
        world.sessions().is_empty().then_some(())
    });
}
