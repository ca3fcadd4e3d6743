//! The real Gemini CLI (from the npm registry, pinned in scripts/lib.sh and
//! installed by scripts/test; `GEMINI_BIN`) against a real
//! `island --headless`, with the hooks `island setup gemini` writes and a
//! stub Gemini API server on 127.0.0.1 that asks for one shell command per
//! prompt, driven in a real tmux as a user would (Gemini offers no shell in
//! its non-interactive mode without "yolo"). Gemini lets a hook watch its
//! permission prompt, not answer it: Island shows the card with the
//! command, refuses an answer of its own, and closes the card within a
//! second of the answer in Gemini's terminal, denied (the command does not
//! run) or allowed (it runs); the session goes when Gemini quits. When
//! Gemini changes its hooks, this fails.

#![allow(clippy::unwrap_used)]

mod real_agent;
mod stub_gemini;
mod stub_http;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use real_agent::{Tmux, World, agent_bin, wait_for};
use serde_json::{Value, json};

/// A world for Gemini: its stub, an API key sign-in, the project trusted
/// (Gemini runs no hook in a folder its user has not trusted).
struct GeminiWorld {
    world: World,
    gemini: PathBuf,
    stub: stub_gemini::Stub,
}

impl std::ops::Deref for GeminiWorld {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

impl GeminiWorld {
    fn new(gemini: PathBuf) -> Self {
        let stub = stub_gemini::Stub::start();
        let mut world = World::new();
        world.set_env("GEMINI_CLI_HOME", world.path("home").display().to_string());
        world.set_env("GEMINI_API_KEY", "island-test-key");
        world.set_env("GOOGLE_GEMINI_BASE_URL", stub.url());
        // With `CI` set (as in CI), Gemini runs headless, with no window.
        world.unset_env("CI");
        let dir = world.path("home/.gemini");
        std::fs::create_dir_all(&dir).unwrap();
        let settings = json!({
            "security": {"auth": {"selectedType": "gemini-api-key"}},
            "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
            "privacy": {"usageStatisticsEnabled": false},
            "ide": {"hasSeenNudge": true},
        });
        std::fs::write(dir.join("settings.json"), settings.to_string()).unwrap();
        let trusted = json!({ world.path("proj").display().to_string(): "TRUST_FOLDER" });
        std::fs::write(dir.join("trustedFolders.json"), trusted.to_string()).unwrap();
        Self {
            world,
            gemini,
            stub,
        }
    }
}

/// Submits a prompt until Gemini shows its permission prompt.
fn ask(tui: &Tmux, prompt: &str) {
    tui.submit(prompt, Duration::from_secs(2), |t| {
        t.screen().contains("Allow once")
    });
}

/// The one open card, once Island shows it with the command.
fn card(world: &GeminiWorld, command: &str) -> String {
    let (session, id, shown, reason) = world.wait_card("the card", Duration::from_secs(30), &[]);
    assert!(session.starts_with("gemini-"), "{session}");
    assert_eq!(shown, command);
    assert_eq!(reason, "Confirm Shell Command", "Gemini's own title");
    id
}

#[test]
fn its_prompt_shows_in_island_and_closes_when_answered_in_its_terminal() {
    let Some(gemini) = agent_bin("GEMINI_BIN") else {
        return;
    };
    let mut world = GeminiWorld::new(gemini);
    let out = world.island(&["setup", "gemini", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(world.path("home/.gemini/settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        settings["security"]["auth"]["selectedType"],
        "gemini-api-key"
    );
    for event in ["BeforeAgent", "BeforeTool", "Notification", "SessionEnd"] {
        assert!(settings["hooks"][event].is_array(), "{event}: {settings}");
    }
    assert!(
        world.doctor().contains("runs `island hook gemini`"),
        "{}",
        world.doctor()
    );
    world.world.start_island();
    let script = world.launcher("gemini", &world.gemini, &["-m", "gemini-2.5-flash"]);
    let tui = Tmux::start(&world, "gemini", &script);
    tui.wait_for_text("Type your message", Duration::from_secs(60));

    // Denied in Gemini's terminal (Esc): the card closes, nothing runs.
    let marker = world.path("proj/marker");
    let command = format!("touch {}", marker.display());
    world.stub.ask_to_run(&command);
    ask(&tui, "make the marker");
    let id = card(&world, &command);
    let out = world.island(&["approve", &id]);
    assert!(
        !out.status.success(),
        "Gemini takes no answer from a hook: {out:?}"
    );
    tui.keys(&["Escape"]);
    world.cards_close_within_a_second(Instant::now(), &tui);
    tui.wait_for_text("Request cancelled", Duration::from_secs(10));
    assert!(!marker.exists(), "denied: the command did not run");

    // Allowed there ("Allow once" is selected): it closes, the command runs.
    ask(&tui, "make the marker again");
    card(&world, &command);
    tui.keys(&["Enter"]);
    world.cards_close_within_a_second(Instant::now(), &tui);
    wait_for("the command to run", Duration::from_secs(30), || {
        marker.exists().then_some(())
    });

    // Gemini quits: its session ends.
    tui.wait_for_text("All done.", Duration::from_secs(30));
    tui.quit("/quit");
    wait_for("the session to end", Duration::from_secs(30), || {
        world.sessions().is_empty().then_some(())
    });
}
