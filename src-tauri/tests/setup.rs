//! `island setup AGENT` on sample config files: it shows the change, asks
//! on a real terminal (and takes no answer as no), writes with a backup,
//! keeps the user's hooks, refuses what it would have to overwrite, and
//! `--undo` gives the file back. Then the hooks it wrote are run the way
//! each agent runs them, against a real `island --headless`.
//!
//! Over 400 lines: every agent's setup, side by side, so that one change
//! to setup is checked against all of them.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{Call, recorded_island, spawn_with_stdin, wait_for, wait_status};
use island_protocol::SessionState;
use serde_json::{Value, json};

const CLAUDE_SETTINGS: &str = r#"{
  "model": "opus",
  "hooks": {
    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "say done"
          }
        ]
      }
    ]
  }
}
"#;

/// `island setup ARGS` in `home`, with `island` on `PATH` (as installed)
/// or not, and `stdin` written to it (no terminal).
fn setup(home: &Path, args: &[&str], on_path: bool, stdin: &str) -> Output {
    let mut command = Command::new(common::island());
    command
        .arg("setup")
        .args(args)
        .env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("CODEWHALE_HOME")
        .env_remove("QWEN_HOME")
        .env("PATH", path_env(on_path));
    spawn_with_stdin(&mut command, stdin)
        .wait_with_output()
        .unwrap()
}

fn bin_dir() -> PathBuf {
    common::island().parent().unwrap().to_owned()
}

fn path_env(with_island: bool) -> String {
    let system = "/usr/local/bin:/usr/bin:/bin";
    if with_island {
        format!("{}:{system}", bin_dir().display())
    } else {
        system.to_owned()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn backups(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".island-backup-"))
        .collect();
    found.sort();
    found
}

#[test]
fn setup_shows_the_change_asks_keeps_a_backup_and_undoes() {
    let home = tempfile::tempdir().unwrap();
    let settings = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, CLAUDE_SETTINGS).unwrap();

    // No terminal to ask on and no --yes: the diff, and nothing written.
    let out = setup(home.path(), &["claude"], true, "y\n");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("+++ {}", settings.display())),
        "{said}"
    );
    assert!(
        said.contains(r#"+            "command": "island hook claude""#),
        "{said}"
    );
    assert!(said.contains("pass --yes"), "{said}");
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), CLAUDE_SETTINGS);
    assert!(backups(settings.parent().unwrap()).is_empty());

    // --yes: written, their hook kept, the old file kept beside it.
    let out = setup(home.path(), &["claude", "--yes"], true, "");
    assert!(out.status.success(), "{}", text(&out));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(written["model"], "opus");
    assert_eq!(
        written["hooks"]["Stop"][0]["hooks"][0]["command"],
        "say done"
    );
    assert_eq!(
        written["hooks"]["Stop"][1]["hooks"][0]["command"],
        "island hook claude"
    );
    let saved = backups(settings.parent().unwrap());
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(std::fs::read_to_string(&saved[0]).unwrap(), CLAUDE_SETTINGS);
    assert!(text(&out).contains(&saved[0].display().to_string()));

    // Again: nothing to change, nothing written.
    let out = setup(home.path(), &["claude", "--yes"], true, "");
    assert!(out.status.success());
    assert!(text(&out).contains("nothing to change"), "{}", text(&out));
    assert_eq!(backups(settings.parent().unwrap()).len(), 1);

    // Undo: the file as it was.
    let out = setup(home.path(), &["claude", "--undo", "--yes"], true, "");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), CLAUDE_SETTINGS);
    assert_eq!(backups(settings.parent().unwrap()).len(), 2);
}

#[test]
fn setup_asks_on_a_terminal_and_no_means_no() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".codewhale/config.toml");
    let island = common::island();
    let island = island.display();
    // `script` gives the command a real terminal; the answer is typed.
    let ask = |answer: &str| {
        let line = format!(
            "HOME={} PATH=/usr/bin:/bin {island} setup codewhale",
            home.path().display()
        );
        let mut child = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("CODEWHALE_HOME")
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(answer.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        out
    };
    let out = ask("n\n");
    let said = text(&out);
    assert!(said.contains("Apply this change to"), "{said}");
    assert!(said.contains("Nothing was changed"), "{said}");
    assert!(!config.exists());

    let out = ask("y\n");
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    let written = std::fs::read_to_string(&config).unwrap();
    // Not on PATH: the hook names this program by its full path.
    assert!(
        written.contains(&format!("command = \"{island} hook codewhale turn_end\"")),
        "{written}"
    );
    // A new file has nothing to back up.
    assert!(backups(config.parent().unwrap()).is_empty());
}

#[test]
fn setup_never_overwrites_what_it_cannot_keep() {
    let home = tempfile::tempdir().unwrap();
    let codex = home.path().join("codex-home/config.toml");
    std::fs::create_dir_all(codex.parent().unwrap()).unwrap();
    let theirs = "model = \"o3\"\nnotify = [\"notify-send\", \"Codex\"]\n";
    std::fs::write(&codex, theirs).unwrap();
    let mut command = Command::new(common::island());
    let out = command
        .args(["setup", "codex-notify", "--yes"])
        .env("HOME", home.path())
        .env("CODEX_HOME", home.path().join("codex-home"))
        .output()
        .unwrap();
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("notify-send") && said.contains("does not replace"),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&codex).unwrap(), theirs);

    // A settings file that is not JSON is left as it is.
    let broken = home.path().join("settings.json");
    std::fs::write(&broken, "{ \"hooks\": ").unwrap();
    let out = setup(
        home.path(),
        &["claude", "--yes", "--file", broken.to_str().unwrap()],
        true,
        "",
    );
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("is not valid JSON"), "{said}");
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), "{ \"hooks\": ");
    assert!(backups(home.path()).is_empty());

    // A link to a file that is not there: left a link, not replaced by a
    // file.
    let link = home.path().join("linked.json");
    std::os::unix::fs::symlink(home.path().join("dotfiles/settings.json"), &link).unwrap();
    let out = setup(
        home.path(),
        &["claude", "--yes", "--file", link.to_str().unwrap()],
        true,
        "",
    );
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("link to a file that does not exist"),
        "{said}"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// An agent's environment for its hooks: `island` on `PATH`, and Island's
/// socket (no config file of Island's).
fn as_agent<'a>(command: &'a mut Command, socket: &Path) -> &'a mut Command {
    command
        .env("PATH", path_env(true))
        .env("CODEWHALE_ISLAND_SOCKET", socket)
        .env("ISLAND_CONFIG", "/nonexistent/island.toml")
}

/// Runs one hook command the way an agent does: `sh -c COMMAND`, with the
/// agent's environment and its payload on stdin.
fn run_hook_command(command: &str, socket: &Path, env: &[(&str, &str)], stdin: Option<&str>) {
    let mut child = as_agent(Command::new("sh").args(["-c", command]), socket)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pipe = child.stdin.take().unwrap();
    if let Some(stdin) = stdin {
        common::feed(pipe, stdin);
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stdout.is_empty(),
            "{command}: {out:?}"
        );
    } else {
        // An event without a payload: stdin stays open, as an agent may
        // leave it, and the hook must not wait for it.
        let out = child.wait_with_output().unwrap();
        drop(pipe);
        assert!(
            out.status.success() && out.stdout.is_empty(),
            "{command}: {out:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hooks_setup_writes_reach_island() {
    let dir = tempfile::tempdir().unwrap();
    let island = recorded_island(dir.path()).await;
    let (calls, socket) = (island.calls.clone(), island.socket.clone());
    let home = dir.path().join("home");
    for agent in ["claude", "codex-notify", "codewhale"] {
        let out = setup(&home, &[agent, "--yes"], true, "");
        assert!(out.status.success(), "{agent}: {}", text(&out));
    }

    // Claude Code: each event's command, with its JSON on stdin.
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(home.join(".claude/settings.json")).unwrap())
            .unwrap();
    let claude = |event: &str| {
        let command = settings["hooks"][event][0]["hooks"][0]["command"]
            .as_str()
            .unwrap()
            .to_owned();
        let input = json!({"session_id": "c1", "cwd": "/home/me/webapp", "hook_event_name": event,
                           "prompt": "hi"});
        run_hook_command(&command, &socket, &[], Some(&input.to_string()));
    };
    claude("SessionStart");
    claude("UserPromptSubmit");
    wait_status(&socket, "the Claude Code session working", |s| {
        s.sessions
            .iter()
            .any(|x| x.id == "claude-c1" && x.state == SessionState::Working)
    })
    .await;
    claude("Stop");
    wait_for(
        &calls,
        "Claude's turn notice",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "webapp finished"),
    )
    .await;

    // Codex: `notify` as a program, the payload as its last argument.
    let codex: toml::Table =
        toml::from_str(&std::fs::read_to_string(home.join(".codex/config.toml")).unwrap()).unwrap();
    let words: Vec<&str> = codex["notify"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let payload = json!({"type": "agent-turn-complete", "thread-id": "t1", "turn-id": "1",
                         "cwd": "/home/me/api"});
    // Runs the notify as Codex does; whether it said it sends nothing.
    let notify = || {
        let out = as_agent(
            Command::new(words[0])
                .args(&words[1..])
                .arg(payload.to_string())
                .env("HOME", &home)
                .env_remove("CODEX_HOME"),
            &socket,
        )
        .output()
        .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stderr).contains("notify sends nothing")
    };
    assert!(!notify(), "no hooks of Codex's run Island yet");
    wait_for(
        &calls,
        "Codex's turn notice",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "api finished"),
    )
    .await;
    // The CodeWhale TUI: its environment on every event, JSON on stdin
    // for those that have one.
    let codewhale: toml::Table =
        toml::from_str(&std::fs::read_to_string(home.join(".codewhale/config.toml")).unwrap())
            .unwrap();
    let entries = codewhale["hooks"]["hooks"].as_array().unwrap();
    let command = |event: &str| {
        entries
            .iter()
            .find(|h| h["event"].as_str() == Some(event))
            .and_then(|h| h["command"].as_str())
            .unwrap()
            .to_owned()
    };
    let env = [
        ("DEEPSEEK_SESSION_ID", "sess_0000abcd"),
        ("DEEPSEEK_WORKSPACE", "/home/me/tui"),
    ];
    run_hook_command(&command("session_start"), &socket, &env, None);
    wait_status(&socket, "the CodeWhale session", |s| {
        s.sessions
            .iter()
            .any(|x| x.id == "codewhale-sess_0000abcd" && x.title == "tui")
    })
    .await;
    let submit = json!({"event": "message_submit", "text": "a secret plan",
                        "session_id": "sess_0000abcd", "workspace": "/home/me/tui"});
    run_hook_command(
        &command("message_submit"),
        &socket,
        &env,
        Some(&submit.to_string()),
    );
    wait_status(&socket, "the CodeWhale turn", |s| {
        s.sessions
            .iter()
            .any(|x| x.id == "codewhale-sess_0000abcd" && x.state == SessionState::Working)
    })
    .await;
    let end = json!({"event": "turn_end", "session_id": "sess_0000abcd",
                     "workspace": "/home/me/tui", "turn_id": "turn_1", "status": "completed",
                     "duration_ms": 1834});
    run_hook_command(&command("turn_end"), &socket, &env, Some(&end.to_string()));
    let notice = wait_for(
        &calls,
        "CodeWhale's turn notice",
        |c| matches!(c, Call::Notify { summary, .. } if summary == "tui finished"),
    )
    .await;
    let Call::Notify { body, .. } = notice else {
        unreachable!()
    };
    // Island saw the turn start, so it says how long it took.
    assert!(body.starts_with("The turn took "), "{body}");
    // Once Codex's own hooks run Island, and its user trusted them, its
    // notify says so and sends nothing (it would also announce side
    // threads as sessions); before the trust Codex skips the hooks, so the
    // notify still speaks.
    let out = setup(&home, &["codex", "--yes"], true, "");
    assert!(out.status.success(), "codex: {}", text(&out));
    assert!(!notify(), "the hooks are not trusted yet");
    // What Codex writes when its user trusts them in its review screen
    // (the real flow is crates/island-cli/tests/codex.rs's): a hash for
    // each of Island's hooks, by file, event, group and place.
    let hooks_json = home.join(".codex/hooks.json");
    let hooks: Value =
        serde_json::from_str(&std::fs::read_to_string(&hooks_json).unwrap()).unwrap();
    let mut state = String::new();
    for event in hooks["hooks"].as_object().unwrap().keys() {
        let snake: String = event
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                sep.into_iter()
                    .chain(std::iter::once(c.to_ascii_lowercase()))
            })
            .collect();
        state.push_str(&format!(
            "[hooks.state.\"{}:{snake}:0:0\"]\ntrusted_hash = \"sha256:0\"\n",
            hooks_json.display()
        ));
    }
    let config = home.join(".codex/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&state);
    std::fs::write(&config, text).unwrap();
    assert!(notify(), "trusted, the hooks speak and the notify does not");
}
