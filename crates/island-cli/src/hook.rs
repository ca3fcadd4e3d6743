//! `island hook AGENT`: one run per hook event of an agent. Reads the
//! event, maps it with `island_agents::bridge`, sends it to Island and, for
//! a question Island may answer, waits and prints the agent's answer. It
//! never stands in the agent's way: whatever goes wrong is said on stderr
//! and the agent asks as usual.

use std::io::{IsTerminal, Read};

use island_protocol::ApprovalPhase;

use crate::cli::HookAgent;

/// The most of a hook's standard input read: an event is a few KiB.
const MAX_INPUT: u64 = 1 << 20;

/// `island hook AGENT`: whatever happens, the agent goes on; what went
/// wrong is said on stderr (Claude Code shows it in its verbose mode).
pub async fn run(socket: &std::path::Path, agent: HookAgent) {
    use island_agents::bridge::{claude, deliver, gemini, others};
    if let HookAgent::GeminiWatch {
        session,
        approval,
        transcript,
        from,
        pid,
    } = &agent
    {
        let phase = gemini::watch_prompt(transcript, *from, *pid).await;
        let terminal = island_protocol::TerminalInfo::from_env(|k| std::env::var(k).ok(), None);
        let plan = gemini::prompt_closed(session, approval, phase, *pid, terminal);
        if let Err(e) = deliver(socket, &plan, std::time::Duration::ZERO).await {
            eprintln!("island hook: {e}");
        }
        return;
    }
    let input = match &agent {
        HookAgent::Codex {
            payload: Some(payload),
            ..
        } => serde_json::from_str(payload),
        HookAgent::Claude { .. }
        | HookAgent::Codex { .. }
        | HookAgent::Gemini
        | HookAgent::GeminiWatch { .. }
        | HookAgent::Opencode { .. }
        | HookAgent::Codewhale { .. } => {
            if !hook_has_stdin(&agent) {
                Ok(serde_json::Value::Null)
            } else {
                let mut text = String::new();
                if let Err(e) = std::io::stdin().take(MAX_INPUT).read_to_string(&mut text) {
                    eprintln!("island hook: cannot read the hook's input: {e}");
                    return;
                }
                // An event may come with its payload missing.
                if text.trim().is_empty() {
                    Ok(serde_json::Value::Null)
                } else {
                    serde_json::from_str(&text)
                }
            }
        }
    };
    let input: serde_json::Value = match input {
        Ok(input) => input,
        Err(e) => {
            eprintln!("island hook: the hook's input is not JSON: {e}");
            return;
        }
    };
    let mut pid = island_core::platform::hook_agent(std::process::id());
    let mut terminal = island_protocol::TerminalInfo::from_env(|k| std::env::var(k).ok(), None);
    if matches!(agent, HookAgent::Codex { payload: None, .. })
        && pid.is_some_and(island_core::platform::is_codex_daemon)
    {
        // Codex's daemon runs this hook for a TUI, with the environment of
        // whichever terminal started the daemon: the session's process and
        // terminal are the TUI's (none, when that cannot be told).
        (pid, terminal) = codex_front_end(&input);
    }
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let (flavor, wait_secs) = match &agent {
        HookAgent::Claude { wait_secs, agent } => match claude::Flavor::named(agent) {
            Some(flavor) => (Some(flavor), *wait_secs),
            None => {
                let known: Vec<&str> = claude::Flavor::ALL.iter().map(|f| f.agent).collect();
                eprintln!(
                    "island hook: unknown agent {agent:?} ({})",
                    known.join(", ")
                );
                return;
            }
        },
        HookAgent::Codex {
            wait_secs,
            payload: None,
        } => (Some(claude::CODEX), *wait_secs),
        _ => (None, 0),
    };
    let is_opencode = matches!(agent, HookAgent::Opencode { .. });
    let (plan, wait) = match agent {
        HookAgent::Claude { .. } | HookAgent::Codex { payload: None, .. } => {
            let Some(flavor) = flavor else { return };
            match claude::plan(flavor, &input, pid, terminal, unique) {
                Some(plan) => (plan, wait_secs),
                None => return,
            }
        }
        HookAgent::Codex { .. } => {
            if codex_hooks_set_up() {
                // Its hooks say all this and more; its notify would also
                // announce side threads (title generation) as sessions.
                eprintln!(
                    "island hook: Codex's own hooks run Island (hooks.json, trusted), so its \
                     notify sends nothing (`island setup codex-notify --undo` takes it out)"
                );
                return;
            }
            (others::codex(&input, pid, terminal), 0)
        }
        HookAgent::Gemini => {
            let plan = gemini::plan(&input, pid, terminal, unique);
            if let Some(approval) = gemini::prompt_id(&plan) {
                // Watched only once Island has the card.
                if let Err(e) = deliver(socket, &plan, std::time::Duration::ZERO).await {
                    eprintln!("island hook: {e}");
                    return;
                }
                watch_gemini_prompt(&input, approval, pid);
                return;
            }
            (plan, 0)
        }
        HookAgent::GeminiWatch { .. } => return,
        HookAgent::Opencode { wait_secs } => {
            match island_agents::bridge::opencode::plan(&input, pid, terminal) {
                Some(plan) => (plan, wait_secs),
                None => return,
            }
        }
        HookAgent::Codewhale { event } => {
            let env = |k: &str| std::env::var(k).ok();
            match others::codewhale(event.as_deref(), &input, env, pid, terminal) {
                Some(plan) => (plan, 0),
                None => return,
            }
        }
    };
    let wait = std::time::Duration::from_secs(wait);
    let delivered = if flavor == Some(claude::CLAUDE) {
        // Answered in Claude's own dialog meanwhile: Island hears it.
        let elsewhere = answered_in_claudes_dialog(&input);
        island_agents::bridge::deliver_unless_answered(socket, &plan, wait, elsewhere).await
    } else {
        // An agent that quits while Island is asked takes the question
        // with it.
        island_agents::bridge::deliver_unless_answered(socket, &plan, wait, agent_gone(pid)).await
    };
    match delivered {
        Ok(Some(decision)) if is_opencode => {
            println!("{}", island_agents::bridge::opencode::reply(&decision));
        }
        Ok(Some(decision)) => println!("{}", claude::output(&decision, &input)),
        Ok(None) => {}
        Err(e) => eprintln!("island hook: {e}"),
    }
}

/// Ends, as cancelled, when the agent process `pid` is gone; never when it
/// is not known.
async fn agent_gone(pid: Option<u32>) -> ApprovalPhase {
    let Some(pid) = pid else {
        return std::future::pending().await;
    };
    while island_core::platform::process_alive(pid) {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    ApprovalPhase::Cancelled
}

/// Starts `island hook gemini-watch` for a permission prompt Gemini just
/// showed: Gemini waits for its notification hook before it shows the
/// prompt, so the hook cannot stay to watch; the watcher, in a process
/// group of its own and with no pipe of Gemini's, tells Island when the
/// prompt is answered in the terminal.
fn watch_gemini_prompt(input: &serde_json::Value, approval: &str, pid: Option<u32>) {
    use std::os::unix::process::CommandExt;
    let text = |k: &str| input.get(k).and_then(serde_json::Value::as_str);
    let (Some(session), Some(transcript)) = (text("session_id"), text("transcript_path")) else {
        return;
    };
    let Ok(meta) = std::fs::symlink_metadata(transcript) else {
        return;
    };
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    if !meta.is_file() {
        return;
    }
    let mut path = std::ffi::OsString::from("--transcript=");
    path.push(transcript);
    let mut watch = std::process::Command::new(exe);
    watch
        // `--name=value`: a value that starts with `-` stays a value.
        .args([
            "hook".to_owned(),
            "gemini-watch".to_owned(),
            format!("--session={session}"),
            format!("--approval={approval}"),
            format!("--from={}", meta.len()),
        ])
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0);
    if let Some(pid) = pid {
        watch.arg(format!("--pid={pid}"));
    }
    if let Err(e) = watch.spawn() {
        eprintln!("island hook: cannot watch Gemini's prompt: {e}");
    }
}

/// Whether Codex's own hooks run Island (`$CODEX_HOME/hooks.json`), and
/// its user trusted them all (until then Codex skips them).
fn codex_hooks_set_up() -> bool {
    use island_agents::setup::Agent;
    let Some(dirs) = directories::BaseDirs::new() else {
        return false;
    };
    let path = Agent::Codex.config_path(dirs.home_dir(), |k| std::env::var(k).ok());
    island_agents::setup::codex_trust(&path).complete()
}

/// The Codex TUI whose daemon ran a hook, and its terminal (from its own
/// environment): by the hook's `cwd`, when exactly one TUI works there.
fn codex_front_end(input: &serde_json::Value) -> (Option<u32>, island_protocol::TerminalInfo) {
    use island_core::platform;
    let tui = input
        .get("cwd")
        .and_then(serde_json::Value::as_str)
        .and_then(platform::codex_front_end);
    let terminal = match tui.and_then(platform::process_environ) {
        Some(env) => island_protocol::TerminalInfo::from_env(
            |k| env.get(k).cloned(),
            tui.and_then(platform::process_tty),
        ),
        None => island_protocol::TerminalInfo::default(),
    };
    (tui, terminal)
}

/// Ends when a waiting `PermissionRequest` hook learns that Claude's own
/// dialog was answered: Claude ends the hook with SIGTERM then (2.1.328),
/// and writes the call's result to its transcript. After the signal the
/// transcript has a moment to say how (a denial is written at once, an
/// approved call's result once it ran); else the prompt is "cancelled",
/// which closes the card all the same.
async fn answered_in_claudes_dialog(input: &serde_json::Value) -> ApprovalPhase {
    use tokio::signal::unix::{SignalKind, signal};
    let transcript = island_agents::bridge::claude::answered_in_terminal(input);
    tokio::pin!(transcript);
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        return transcript.await;
    };
    tokio::select! {
        phase = &mut transcript => phase,
        _ = terminate.recv() => {
            tokio::time::timeout(std::time::Duration::from_millis(400), transcript)
                .await
                .unwrap_or(ApprovalPhase::Cancelled)
        }
    }
}

/// Whether the hook's event comes with a payload on standard input. A
/// CodeWhale event named on the command line that has none (its session
/// events) is not read, nor is a terminal: either would wait forever.
fn hook_has_stdin(agent: &HookAgent) -> bool {
    if std::io::stdin().is_terminal() {
        return false;
    }
    match agent {
        HookAgent::Codewhale { event: Some(event) } => {
            island_agents::bridge::others::CODEWHALE_STDIN_EVENTS.contains(&event.as_str())
        }
        _ => true,
    }
}
