//! The real Factory Droid (the npm registry's `@factory/cli-linux-x64`,
//! pinned in scripts/lib.sh and installed by scripts/test; `DROID_BIN`),
//! whose hooks are Claude Code's, against a real `island --headless`, with
//! the hooks `island setup droid` writes (`island hook claude --agent
//! droid`) and a stub chat completions server on 127.0.0.1 as Droid's
//! custom model, asking for one `Execute` call per prompt. In exec mode
//! (Droid's interactive mode needs a Factory login, which cannot happen
//! here): the session shows as Droid's with the tool running, the turn
//! ends, and the session goes when Droid exits. Droid has no hook that
//! answers a permission prompt: its prompt is shown (a `Notification`) to
//! answer in its terminal, which the bridge tests check on its payload.
//! When Droid changes its hooks, this fails.

#![allow(clippy::unwrap_used)]

mod real_agent;
mod stub_chat;
mod stub_http;

use std::process::{Command, Stdio};
use std::time::Duration;

use real_agent::{Watch, World, agent_bin, wait_for};
use serde_json::{Value, json};

#[test]
fn an_exec_run_shows_its_session_tool_and_turn_and_ends_with_droid() {
    let Some(droid) = agent_bin("DROID_BIN") else {
        return;
    };
    let stub = stub_chat::Stub::start_with(
        "Execute",
        json!({"riskLevel": "low", "riskLevelReason": "It only creates a marker file"}),
    );
    let mut world = World::new();
    world.set_env(
        "FACTORY_HOME_OVERRIDE",
        world.path("home").display().to_string(),
    );
    std::fs::create_dir_all(world.path("home/.factory")).unwrap();
    let settings = json!({"customModels": [{"model": "stub-model", "displayName": "Stub",
        "baseUrl": stub.url(), "apiKey": "island-test-key",
        "provider": "generic-chat-completion-api", "maxOutputTokens": 1024}]});
    let path = world.path("home/.factory/settings.json");
    std::fs::write(&path, settings.to_string()).unwrap();
    let out = world.island(&["setup", "droid", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["customModels"], settings["customModels"], "kept");
    for event in [
        "SessionStart",
        "PreToolUse",
        "PostToolUse",
        "Notification",
        "Stop",
    ] {
        assert_eq!(
            written["hooks"][event][0]["hooks"][0]["command"], "island hook claude --agent droid",
            "{event}: {written}"
        );
    }
    assert!(
        world
            .doctor()
            .contains("Island shows Droid's permission prompts"),
        "{}",
        world.doctor()
    );
    world.start_island();

    let mut watch = Watch::start(&world);
    let marker = world.path("proj/marker");
    stub.ask_to_run(&format!("touch {}", marker.display()));
    let run = Command::new(&droid)
        .args([
            "exec",
            "-m",
            "custom:Stub-0",
            "--auto",
            "low",
            "make the marker",
        ])
        .current_dir(world.path("proj"))
        .envs(world.env())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    assert!(marker.exists(), "the command ran: {run:?}");
    // The session goes with Droid.
    wait_for("the session to end", Duration::from_secs(30), || {
        world.sessions().is_empty().then_some(())
    });
    let sessions = watch.sessions();
    let droid_sessions: Vec<&Value> = sessions.iter().filter(|s| s["agent"] == "droid").collect();
    assert!(
        !droid_sessions.is_empty(),
        "no Droid session: {sessions:#?}"
    );
    assert!(
        droid_sessions
            .iter()
            .all(|s| s["id"].as_str().is_some_and(|id| id.starts_with("droid-"))),
        "{droid_sessions:#?}"
    );
    assert!(
        droid_sessions
            .iter()
            .any(|s| s["current_tool"] == "Execute"),
        "the tool running: {droid_sessions:#?}"
    );
    assert!(
        droid_sessions.iter().any(|s| s["state"] == "done"),
        "the turn's end: {droid_sessions:#?}"
    );
}
