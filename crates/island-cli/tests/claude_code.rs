//! The real Claude Code (from the npm registry, pinned in scripts/lib.sh
//! and installed by scripts/test; `CLAUDE_CODE_BIN`) against a real
//! `island --headless`, with the hooks `island setup claude` writes and a
//! stub Anthropic Messages server on 127.0.0.1 that asks for one Bash call
//! per prompt. Print mode: approved from Island the command runs, denied it
//! does not. Interactive, in a real tmux: answered in Claude's own dialog,
//! the card closes within a second, Claude's permission_prompt notification
//! adds no second card, a later `island approve` is refused, and the session
//! goes when Claude exits; denied there, the card closes within a second
//! too. A question Claude asks (AskUserQuestion) and an MCP server's
//! elicitation (a stdio MCP server the test writes) are answered from
//! Island with one of their options, which Claude, the server and the
//! model take. A subagent and a compaction show under their session while
//! they run (seen in every snapshot `island watch` sends). When Claude
//! changes its hooks, this fails.
//!
//! Over 400 lines: one agent's whole contract and the world it runs in;
//! the stub model server is apart already (`stub_anthropic`).

#![allow(clippy::unwrap_used)]

mod real_agent;
mod stub_anthropic;
mod stub_http;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use real_agent::{Tmux, Watch, World, agent_bin, wait_for};
use serde_json::{Value, json};

const API_KEY: &str = "sk-ant-island-test-000000";

/// The Claude Code binary, or `None` (said) outside scripts/test.
fn claude_bin() -> Option<PathBuf> {
    agent_bin("CLAUDE_CODE_BIN")
}

/// A world for Claude: its stub model server, and what a first run would
/// otherwise ask in dialogs.
struct ClaudeWorld {
    world: World,
    claude: PathBuf,
    stub: stub_anthropic::Stub,
}

impl std::ops::Deref for ClaudeWorld {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

impl ClaudeWorld {
    fn new(claude: PathBuf) -> Self {
        let stub = stub_anthropic::Stub::start();
        let mut world = World::new();
        world.set_env("ANTHROPIC_BASE_URL", stub.url());
        world.set_env("ANTHROPIC_API_KEY", API_KEY);
        world.set_env("DISABLE_TELEMETRY", "1");
        world.set_env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        world.set_env("DISABLE_AUTOUPDATER", "1");
        std::fs::create_dir_all(world.path("home/.claude")).unwrap();
        // Onboarding done, this key approved (Claude keeps its last 20
        // characters), the project trusted.
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
        Self {
            world,
            claude,
            stub,
        }
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
            "SubagentStart",
            "PreCompact",
            "PostCompact",
            "Stop",
        ] {
            assert!(
                settings["hooks"][event].is_array(),
                "setup installs {event}: {settings}"
            );
        }
        assert!(
            self.doctor().contains("cannot answer their approvals"),
            "doctor says the auto mode asks no hook: {}",
            self.doctor()
        );
        settings["permissions"] = json!({"defaultMode": "default"});
        std::fs::write(&path, settings.to_string()).unwrap();
        assert!(
            !self.doctor().contains("cannot answer"),
            "{}",
            self.doctor()
        );
        self.world.start_island();
    }

    /// A world set up (see [`Self::set_up`]), or `None` (said) outside
    /// scripts/test.
    fn ready() -> Option<Self> {
        let mut world = Self::new(claude_bin()?);
        world.set_up();
        Some(world)
    }

    /// Waits until Claude has sent the model a tool result for which
    /// `check` holds.
    fn wait_tool_result(&self, what: &str, check: impl Fn(&str) -> bool) {
        wait_for(what, Duration::from_secs(30), || {
            self.stub
                .tool_results()
                .iter()
                .any(|r| check(r))
                .then_some(())
        });
    }

    /// Waits until Island shows no card.
    fn no_cards_left(&self) {
        wait_for("the cards to close", Duration::from_secs(10), || {
            self.approvals().is_empty().then_some(())
        });
    }

    /// Claude's terminal UI (with `args`) in a real tmux, at its prompt.
    fn tui(&self, args: &[&str]) -> Tmux {
        let tmux = Tmux::start(self, "claude", &self.launcher("claude", &self.claude, args));
        wait_for("Claude's prompt", Duration::from_secs(60), || {
            tmux.screen().contains("? for shortcuts").then_some(())
        });
        tmux
    }

    fn claude(&self) -> Command {
        let mut command = Command::new(&self.claude);
        command.current_dir(self.path("proj")).envs(self.env());
        command
    }
}

#[test]
fn print_mode_approved_in_island_runs_and_denied_does_not() {
    let Some(world) = ClaudeWorld::ready() else {
        return;
    };
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
        let (_, id, command, reason) =
            world.wait_card("the approval", Duration::from_secs(60), &[]);
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

/// Claude in a real tmux, asked to run `command`, showing its dialog for
/// it, with Island's card up and Claude's permission_prompt
/// notification come (a few seconds into the dialog, on a hook connection
/// of its own: two lines, besides this test's own status requests), so
/// that the dialog takes keys. Returns the tmux and the approval's id.
fn dialog_open(world: &ClaudeWorld, command: &str) -> (Tmux, String) {
    world.stub.ask_to_run(command);
    let tmux = world.tui(&[]);
    tmux.submit("make the marker", Duration::from_secs(3), |t| {
        t.screen().contains("Do you want to proceed?")
    });
    let (_, id, _, _) = world.wait_card("the approval", Duration::from_secs(60), &[]);
    wait_for("Claude's dialog", Duration::from_secs(30), || {
        tmux.screen()
            .contains("Do you want to proceed?")
            .then_some(())
    });
    let lines = |world: &ClaudeWorld| {
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

#[test]
fn answered_in_claudes_terminal_the_card_closes_within_a_second() {
    let Some(world) = ClaudeWorld::ready() else {
        return;
    };
    let marker = world.path("proj/marker");
    let (tmux, id) = dialog_open(&world, &format!("touch {}", marker.display()));
    // One card, though Claude announced the prompt twice.
    assert_eq!(world.approvals().len(), 1, "{:?}", world.approvals());
    // "1. Yes" is selected: Enter answers in the terminal.
    tmux.keys(&["Enter"]);
    world.cards_close_within_a_second(Instant::now(), &tmux);
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
    tmux.quit("/exit");
    wait_for("the session to end", Duration::from_secs(30), || {
        world
            .snapshot()
            .filter(|s| s["sessions"].as_array().is_some_and(Vec::is_empty))
            .map(|_| ())
    });
}

#[test]
fn denied_in_claudes_terminal_the_card_closes_within_a_second() {
    let Some(world) = ClaudeWorld::ready() else {
        return;
    };
    let marker = world.path("proj/marker");
    let (tmux, id) = dialog_open(&world, &format!("touch {}", marker.display()));
    // "4. No": no hook runs for a denial; the waiting hook sees it in
    // Claude's transcript.
    tmux.keys(&["4"]);
    tmux.keys(&["Enter"]);
    world.cards_close_within_a_second(Instant::now(), &tmux);
    assert!(!marker.exists(), "denied: the command did not run");
    let out = world.island(&["deny", &id]);
    assert!(
        !out.status.success(),
        "a stale approval is refused: {out:?}"
    );
}

#[test]
fn approved_for_the_session_from_island_claude_takes_its_own_rule() {
    let Some(world) = ClaudeWorld::ready() else {
        return;
    };
    let count = world.path("proj/count");
    let command = format!("echo ran >> {}", count.display());
    let (tmux, id) = dialog_open(&world, &command);
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
    tmux.wait_for_text("Allowed by PermissionRequest hook", Duration::from_secs(30));
    wait_for("the command to run", Duration::from_secs(30), || {
        (std::fs::read_to_string(&count).ok()? == "ran\n").then_some(())
    });
    world.no_cards_left();
}

#[test]
fn a_question_claude_asks_is_answered_from_island_with_an_option() {
    let Some(world) = ClaudeWorld::ready() else {
        return;
    };
    let question = "Which database should the project use?";
    world.stub.ask_tool(
        "AskUserQuestion",
        json!({"questions": [{
            "question": question, "header": "Database", "multiSelect": false,
            "options": [
                {"label": "Postgres", "description": "A server"},
                {"label": "SQLite", "description": "A file"}
            ]
        }]}),
    );
    let tmux = world.tui(&[]);
    tmux.submit("pick a database", Duration::from_secs(3), |_| {
        !world.approvals().is_empty()
    });
    let (_, id, command, reason) = world.wait_card("the question", Duration::from_secs(60), &[]);
    assert_eq!(command, question);
    assert_eq!(reason, "Claude Code asks (Database)");
    let offered = world.snapshot().unwrap()["sessions"][0]["approvals"][0]["decisions"].clone();
    assert_eq!(
        offered,
        json!([{"type": "chosen", "label": "Postgres"}, {"type": "chosen", "label": "SQLite"}, {"type": "denied"}])
    );
    let status = world.island(&["status"]);
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains(&format!(
            "choose with `island answer {id} CHOICE`: \"Postgres\", \"SQLite\""
        )),
        "{status}"
    );
    // A question is not approved, nor answered with what it does not offer.
    for args in [
        vec!["approve", id.as_str()],
        vec!["answer", id.as_str(), "MySQL"],
    ] {
        let out = world.island(&args);
        assert!(!out.status.success(), "{args:?} is refused: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("does not offer"),
            "{out:?}"
        );
    }
    let out = world.island(&["answer", &id, "SQLite"]);
    assert!(out.status.success(), "{out:?}");
    // Claude took it as its own dialog's answer, and the model reads it.
    tmux.wait_for_text("→ SQLite", Duration::from_secs(30));
    world.wait_tool_result("the answer to reach the model", |r| {
        r.contains(question) && r.contains("SQLite")
    });
    world.no_cards_left();
}

/// A stdio MCP server with one tool, `pick_board`, that asks the user
/// (an elicitation) to pick a board, and returns what it was told. It
/// writes the file it is given once Claude has listed its tools.
const TICKETS_MCP: &str = r#"import json, sys
def send(m):
    sys.stdout.write(json.dumps(m) + "\n"); sys.stdout.flush()
def read():
    line = sys.stdin.readline()
    if not line: sys.exit(0)
    return json.loads(line)
while True:
    m = read()
    method = m.get("method")
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": m["id"], "result": {"protocolVersion": m["params"]["protocolVersion"],
              "capabilities": {"tools": {}}, "serverInfo": {"name": "tickets", "version": "1"}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": m["id"], "result": {"tools": [{"name": "pick_board",
              "description": "Pick a board", "inputSchema": {"type": "object", "properties": {}}}]}})
        open(sys.argv[1], "w").close()
    elif method == "tools/call":
        send({"jsonrpc": "2.0", "id": "ask-1", "method": "elicitation/create", "params": {
              "message": "Pick a board", "requestedSchema": {"type": "object", "properties": {
              "board": {"type": "string", "enum": ["Backlog", "Sprint"]}}, "required": ["board"]}}})
        while True:
            r = read()
            if r.get("id") == "ask-1" and "method" not in r: break
        send({"jsonrpc": "2.0", "id": m["id"], "result": {"content": [{"type": "text",
              "text": "told " + json.dumps(r.get("result"), sort_keys=True)}]}})
    elif "id" in m and method:
        send({"jsonrpc": "2.0", "id": m["id"], "result": {}})
"#;

#[test]
fn an_mcp_servers_elicitation_is_answered_from_island_with_an_option() {
    let Some(mut world) = ClaudeWorld::ready() else {
        return;
    };
    // The server's tools in the model's tool list, not behind a search.
    world.world.set_env("ENABLE_TOOL_SEARCH", "false");
    std::fs::write(world.path("tickets_mcp.py"), TICKETS_MCP).unwrap();
    let listed = world.path("tickets_listed");
    let config = json!({"mcpServers": {"tickets": {"type": "stdio", "command": "python3",
        "args": [world.path("tickets_mcp.py"), &listed]}}});
    std::fs::write(world.path("mcp.json"), config.to_string()).unwrap();
    world.stub.ask_tool("mcp__tickets__pick_board", json!({}));
    let mcp_config = world.path("mcp.json").display().to_string();
    let tmux = world.tui(&["--mcp-config", &mcp_config]);
    // Its tools are the model's once Claude has them.
    wait_for(
        "Claude to list the server's tools",
        Duration::from_secs(30),
        || listed.exists().then_some(()),
    );
    tmux.submit("pick a board", Duration::from_secs(3), |_| {
        !world.approvals().is_empty()
    });
    // Calling the server's tool asks first.
    let (_, id, command, _) = world.wait_card("the tool's approval", Duration::from_secs(60), &[]);
    assert!(command.contains("pick_board"), "{command}");
    let out = world.island(&["approve", &id]);
    assert!(out.status.success(), "{out:?}");
    // Then the server asks, through Claude, and Island answers.
    let (_, id, command, reason) =
        world.wait_card("the elicitation", Duration::from_secs(60), &[&id]);
    assert_eq!(command, "Pick a board");
    assert_eq!(reason, "tickets asks (MCP server)");
    let out = world.island(&["answer", &id, "Sprint"]);
    assert!(out.status.success(), "{out:?}");
    world.wait_tool_result("the answer to reach the server and the model", |r| {
        r.contains("told") && r.contains("accept") && r.contains("Sprint")
    });
    world.no_cards_left();
}

#[test]
fn a_subagent_and_a_compaction_show_under_their_session_while_they_run() {
    let Some(world) = ClaudeWorld::ready() else {
        return;
    };
    // One Agent call: the subagent it starts asks the stub too, and gets
    // text.
    world.stub.ask_tool_once(
        "Agent",
        json!({"description": "Look around", "prompt": "Say hi", "subagent_type": "general-purpose"}),
    );
    let mut watch = Watch::start(&world);
    let tmux = world.tui(&[]);
    let job = |s: &Value, detail: &str| {
        s["jobs"]
            .as_array()
            .is_some_and(|jobs| jobs.iter().any(|j| j["detail"] == detail))
    };
    tmux.submit("look around", Duration::from_secs(3), |_| {
        watch
            .sessions()
            .iter()
            .any(|s| job(s, "general-purpose subagent"))
    });
    let sessions = world.sessions();
    assert_eq!(
        sessions.len(),
        1,
        "the subagent is no session: {sessions:#?}"
    );
    wait_for("the subagent's end", Duration::from_secs(30), || {
        let sessions = world.sessions();
        (sessions.len() == 1 && !job(&sessions[0], "general-purpose subagent")).then_some(())
    });
    // Compaction: its own state, from PreCompact to PostCompact.
    tmux.submit("/compact", Duration::from_secs(3), |_| {
        watch
            .sessions()
            .iter()
            .any(|s| job(s, "compacting the conversation"))
    });
    wait_for(
        || {
            format!(
                "the compaction's end; Claude shows:\n{}\nIsland has: {:#?}",
                tmux.screen(),
                world.sessions()
            )
        },
        Duration::from_secs(30),
        || {
            let sessions = world.sessions();
            (sessions.len() == 1 && sessions[0]["jobs"].as_array().is_none_or(Vec::is_empty))
                .then_some(())
        },
    );
}
