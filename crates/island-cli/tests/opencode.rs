//! The real opencode (from the npm registry, pinned in scripts/lib.sh and
//! installed by scripts/test; `OPENCODE_BIN`) against a real
//! `island --headless`, through the plugin `island setup opencode` writes,
//! with a stub OpenAI-compatible server on 127.0.0.1 that asks for one
//! shell command per prompt, in a real tmux as a user runs it (its `run`
//! mode rejects every permission by itself). A permission shows in Island
//! with its command: approved there, the command runs; denied there, it
//! does not; answered in opencode's own window, the card closes within a
//! second. The session goes when opencode quits. When opencode changes its
//! events or its permission API, this fails.

#![allow(clippy::unwrap_used)]

mod real_agent;
mod stub_chat;
mod stub_http;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use real_agent::{Tmux, World, agent_bin, wait_for};
use serde_json::json;

/// A world for opencode: a provider that is the stub, and a rule that asks
/// before every shell command (opencode allows them by default).
struct OpencodeWorld {
    world: World,
    opencode: PathBuf,
    stub: stub_chat::Stub,
}

impl std::ops::Deref for OpencodeWorld {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

impl OpencodeWorld {
    fn new(opencode: PathBuf) -> Self {
        let stub = stub_chat::Stub::start("bash");
        let mut world = World::new();
        let config = world.path("home/.config");
        world.set_env("XDG_CONFIG_HOME", config.display().to_string());
        world.set_env(
            "XDG_DATA_HOME",
            world.path("home/.local/share").display().to_string(),
        );
        world.set_env(
            "XDG_CACHE_HOME",
            world.path("home/.cache").display().to_string(),
        );
        world.set_env("OPENCODE_DISABLE_MODELS_FETCH", "1");
        world.set_env("OPENCODE_DISABLE_AUTOUPDATE", "1");
        std::fs::create_dir_all(config.join("opencode")).unwrap();
        let settings = json!({
            "model": "stub/stub-model",
            "enabled_providers": ["stub"],
            "provider": {"stub": {"npm": "@ai-sdk/openai-compatible",
                "options": {"baseURL": stub.url(), "apiKey": "island-test-key"},
                "models": {"stub-model": {"name": "Stub", "tool_call": true,
                    "limit": {"context": 128_000, "output": 4096}}}}},
            "permission": {"bash": "ask"},
            "autoupdate": false, "share": "disabled", "lsp": false, "formatter": false,
        });
        std::fs::write(config.join("opencode/opencode.json"), settings.to_string()).unwrap();
        Self {
            world,
            opencode,
            stub,
        }
    }
}

/// Submits a prompt until opencode asks for its permission.
fn ask(tui: &Tmux, prompt: &str) {
    tui.submit(prompt, Duration::from_secs(3), |t| {
        t.screen().contains("Permission required")
    });
}

/// The one open card, shown with its command and answerable; its id.
fn card(world: &OpencodeWorld, command: &str) -> String {
    let (session, id, shown, reason) = world.wait_card("the card", Duration::from_secs(30), &[]);
    assert!(session.starts_with("opencode-"), "{session}");
    assert_eq!(shown, command);
    assert_eq!(reason, "opencode asks to run a command");
    id
}

fn turn_over(world: &OpencodeWorld) {
    wait_for(
        || format!("the turn to end: {:#?}", world.sessions()),
        Duration::from_secs(30),
        || {
            let sessions = world.sessions();
            (sessions.len() == 1 && sessions[0]["state"] == "done").then_some(())
        },
    );
}

#[test]
fn its_permissions_are_answered_from_island_or_its_window_and_the_session_ends_with_it() {
    let Some(opencode) = agent_bin("OPENCODE_BIN") else {
        return;
    };
    let mut world = OpencodeWorld::new(opencode);
    let out = world.island(&["setup", "opencode", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    let plugin = world.path("home/.config/opencode/plugin/island.js");
    assert!(
        std::fs::read_to_string(&plugin)
            .unwrap()
            .contains(r#"const ISLAND = "island";"#)
    );
    assert!(
        world
            .doctor()
            .contains("island.js runs `island hook opencode`"),
        "{}",
        world.doctor()
    );
    world.world.start_island();
    let script = world.launcher("opencode", &world.opencode, &[]);
    let tui = Tmux::start(&world, "opencode", &script);
    // Its first start installs its plugin library from the npm registry.
    tui.wait_for_text("Ask anything", Duration::from_secs(120));

    // Approved in Island: the command runs.
    let marker = |n: u32| world.path(&format!("proj/marker-{n}"));
    let command = |n: u32| format!("touch {}", marker(n).display());
    world.stub.ask_to_run(&command(1));
    ask(&tui, "make the first marker");
    let id = card(&world, &command(1));
    let out = world.island(&["approve", &id]);
    assert!(out.status.success(), "{out:?}");
    wait_for("the command to run", Duration::from_secs(30), || {
        marker(1).exists().then_some(())
    });
    turn_over(&world);
    assert!(world.approvals().is_empty());

    // Denied in Island: it does not.
    world.stub.ask_to_run(&command(2));
    ask(&tui, "make the second marker");
    let id = card(&world, &command(2));
    let out = world.island(&["deny", &id]);
    assert!(out.status.success(), "{out:?}");
    turn_over(&world);
    assert!(world.approvals().is_empty());
    assert!(!marker(2).exists(), "denied: the command did not run");

    // Answered in opencode's window ("Allow once" is selected): the card
    // closes within a second and the command runs.
    world.stub.ask_to_run(&command(3));
    ask(&tui, "make the third marker");
    card(&world, &command(3));
    tui.keys(&["Enter"]);
    world.cards_close_within_a_second(Instant::now(), &tui);
    wait_for("the command to run", Duration::from_secs(30), || {
        marker(3).exists().then_some(())
    });
    turn_over(&world);

    // opencode quits: its session ends.
    tui.quit("/exit");
    wait_for("the session to end", Duration::from_secs(30), || {
        world.sessions().is_empty().then_some(())
    });
}
