//! What each command line does.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use island_core::client;
use island_core::config::IslandConfig;
use island_desktop::runtime::{RunOptions, RunOutcome, run_headless};
use island_protocol::{ApprovalPhase, FocusRequest, ReviewDecision, Timestamp};

use crate::cli::{Args, Command, HookAgent};

pub async fn dispatch(args: Args) -> anyhow::Result<ExitCode> {
    let Some(command) = args.command else {
        return run_island(args.no_notifications, args.socket, args.config).await;
    };
    // `setup` edits an agent's file and talks to no Island.
    let socket = match command {
        Command::Setup { .. } | Command::Windows | Command::History { .. } => PathBuf::new(),
        _ => socket_path(args.socket, args.config)?,
    };
    match command {
        Command::Status { json } => {
            let snapshot = client::status(&socket).await?;
            if json {
                let line =
                    serde_json::to_string(&island_protocol::IslandMessage::Snapshot(snapshot))?;
                println!("{line}");
            } else {
                print!("{}", client::describe(&snapshot, Timestamp::now()));
            }
        }
        Command::Watch { json } => {
            client::watch(&socket, |line, snapshot| {
                let mut out = std::io::stdout().lock();
                let written = if json {
                    writeln!(out, "{line}")
                } else {
                    writeln!(out, "{}", client::describe(&snapshot, Timestamp::now()))
                };
                // Stop when stdout is gone (a closed pipe).
                written.and_then(|()| out.flush()).is_ok()
            })
            .await?;
        }
        Command::Approve {
            approval_id,
            for_session,
            token_stdin,
        } => {
            let decision = if for_session {
                ReviewDecision::ApprovedForSession
            } else {
                ReviewDecision::Approved
            };
            return answer(&socket, &approval_id, decision, token_stdin, "approved").await;
        }
        Command::Deny {
            approval_id,
            token_stdin,
        } => {
            return answer(
                &socket,
                &approval_id,
                ReviewDecision::Denied,
                token_stdin,
                "denied",
            )
            .await;
        }
        Command::Send { line } => {
            let line = if line == "-" {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading standard input")?;
                text
            } else {
                line
            };
            client::send(&socket, &line).await?;
        }
        Command::Hook { agent } => run_hook(&socket, agent).await,
        // Run by `crate::dispatch` before any client command.
        Command::Setup { .. } => anyhow::bail!("`island setup` runs without a runtime"),
        Command::Doctor => {
            use island_agents::doctor::Level;
            let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
            let checks = island_agents::doctor::run(&socket, home.as_deref()).await;
            for check in &checks {
                let level = match check.level {
                    Level::Ok => "ok  ",
                    Level::Warn => "warn",
                    Level::Fail => "FAIL",
                };
                println!("{level}  {}: {}", check.name, check.detail);
            }
            if checks.iter().any(|c| c.level == Level::Fail) {
                return Ok(ExitCode::FAILURE);
            }
        }
        // Run by the tray app's own binary.
        Command::Windows => anyhow::bail!("`island windows` is started by the tray app"),
        Command::History {
            json,
            since,
            session,
        } => return history(json, since.as_deref(), session),
        Command::Remote(remote) => {
            return match remote.action {
                Some(crate::cli::RemoteAction::Install {
                    host,
                    agents,
                    yes,
                    undo,
                    ssh_args,
                }) => crate::remote_install::run(&host, &agents, yes, undo, &ssh_args).await,
                None => {
                    let host = remote.host.unwrap_or_default();
                    crate::remote::run(
                        &socket,
                        &host,
                        remote.print_config,
                        remote.replace,
                        &remote.ssh_args,
                    )
                    .await
                }
            };
        }
        Command::Focus {
            session_id,
            waiting,
        } => {
            let focused = client::focus(
                &socket,
                FocusRequest {
                    session_id,
                    waiting,
                },
            )
            .await?;
            if focused.ok {
                println!("focused ({})", focused.how.unwrap_or_default());
            } else {
                eprintln!(
                    "island: not focused: {}",
                    focused.reason.unwrap_or_default()
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `island hook AGENT`: whatever happens, the agent goes on; what went
/// wrong is said on stderr (Claude Code shows it in its verbose mode).
async fn run_hook(socket: &std::path::Path, agent: HookAgent) {
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
                if let Err(e) = std::io::stdin().read_to_string(&mut text) {
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
                eprintln!("island hook: unknown agent {agent:?} (claude-code, qwen-code)");
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
                    "island hook: Codex's own hooks run Island (hooks.json), so its notify \
                     sends nothing (`island setup codex-notify --undo` takes it out)"
                );
                return;
            }
            (others::codex(&input, pid, terminal), 0)
        }
        HookAgent::Gemini => {
            let plan = gemini::plan(&input, pid, terminal, unique);
            if let Some(approval) = gemini::prompt_id(&plan) {
                watch_gemini_prompt(&input, approval, pid);
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
        deliver(socket, &plan, wait).await
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
    let mut watch = std::process::Command::new(exe);
    watch
        .args([
            "hook",
            "gemini-watch",
            "--session",
            session,
            "--approval",
            approval,
        ])
        .arg("--transcript")
        .arg(transcript)
        .args(["--from", &meta.len().to_string()])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0);
    if let Some(pid) = pid {
        watch.args(["--pid", &pid.to_string()]);
    }
    if let Err(e) = watch.spawn() {
        eprintln!("island hook: cannot watch Gemini's prompt: {e}");
    }
}

/// Whether Codex's own hooks run Island (`$CODEX_HOME/hooks.json`).
fn codex_hooks_set_up() -> bool {
    use island_agents::setup::Agent;
    let Some(dirs) = directories::BaseDirs::new() else {
        return false;
    };
    let path = Agent::Codex.config_path(dirs.home_dir(), |k| std::env::var(k).ok());
    std::fs::read_to_string(path).is_ok_and(|text| Agent::Codex.is_configured(&text))
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

/// `island approve` and `deny`. With `answers_from = "ui"` Island needs its
/// terminal answer token: read from standard input with `--token-stdin`,
/// else asked for on the terminal. Never taken from the command line or
/// the environment, which other processes can read.
async fn answer(
    socket: &std::path::Path,
    id: &str,
    decision: ReviewDecision,
    token_stdin: bool,
    verb: &str,
) -> anyhow::Result<ExitCode> {
    let token = if token_stdin {
        Some(read_token_line()?)
    } else {
        None
    };
    let reply = client::decide_with_token(socket, id, decision.clone(), token.as_deref()).await?;
    if reply.ok || !reply.needs_token || token_stdin || !std::io::stdin().is_terminal() {
        return decided(reply, verb, id);
    }
    eprint!("Island's terminal answer token (its tray menu shows it): ");
    let typed = read_token_line()?;
    let reply = client::decide_with_token(socket, id, decision, Some(&typed)).await?;
    decided(reply, verb, id)
}

/// One line of standard input, without its line end.
fn read_token_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| anyhow::anyhow!("cannot read the token: {e}"))?;
    Ok(line.trim().to_owned())
}

fn decided(reply: island_protocol::Decided, verb: &str, id: &str) -> anyhow::Result<ExitCode> {
    if reply.ok {
        println!("{id}: {verb}");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "island: {}",
            reply.reason.unwrap_or_else(|| "refused".into())
        );
        Ok(ExitCode::FAILURE)
    }
}

/// The socket a client talks to: `--socket`, else the config's, else the
/// protocol's default.
fn socket_path(socket: Option<PathBuf>, config: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(socket) = socket {
        return Ok(island_protocol::resolve_socket_path(Some(&socket))?);
    }
    let config_path = match config {
        Some(path) => path,
        None => IslandConfig::default_path()?,
    };
    // A client reads the config but never creates it.
    let from_config = std::fs::read_to_string(&config_path)
        .ok()
        .and_then(|text| IslandConfig::parse(&text, &config_path).ok())
        .and_then(|c| c.socket_path().map(PathBuf::from));
    Ok(island_protocol::resolve_socket_path(
        from_config.as_deref(),
    )?)
}

async fn run_island(
    no_notifications: bool,
    socket: Option<PathBuf>,
    config: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let log = island_core::logging::init();
    if let Some(log) = log {
        tracing::debug!("logging to {}", log.display());
    }
    let outcome = run_headless(RunOptions {
        socket,
        config,
        no_notifications,
    })
    .await?;
    match outcome {
        RunOutcome::AlreadyRunning(path) => {
            let msg = format!(
                "Island is already running (it answers on {})",
                path.display()
            );
            if std::io::stderr().is_terminal() {
                eprintln!("{msg}");
            } else {
                tracing::info!("{msg}");
            }
            Ok(ExitCode::SUCCESS)
        }
        RunOutcome::Stopped => Ok(ExitCode::SUCCESS),
    }
}

/// `island history`: read from the file, with or without Island running.
fn history(json: bool, since: Option<&str>, session: Option<String>) -> anyhow::Result<ExitCode> {
    use island_core::history;
    let dir =
        history::default_dir().context("cannot tell where the history is (no home directory)")?;
    let since_ms = since
        .map(history::parse_age)
        .transpose()
        .map_err(anyhow::Error::msg)?
        .map(|age| Timestamp::now().unix_millis() - age);
    let query = history::Query { since_ms, session };
    let (entries, bad) = history::read(&dir);
    let mut out = std::io::stdout().lock();
    let mut shown = 0;
    for entry in entries.iter().filter(|e| query.keeps(e)) {
        shown += 1;
        if json {
            writeln!(out, "{}", serde_json::to_string(entry)?)?;
        } else {
            writeln!(out, "{}", history::describe(entry))?;
        }
    }
    if shown == 0 && !json {
        writeln!(
            out,
            "No approvals recorded{}.",
            if entries.is_empty() {
                ""
            } else {
                " that match"
            }
        )?;
    }
    if bad > 0 {
        eprintln!("island history: skipped {bad} line(s) that are not history entries");
    }
    Ok(ExitCode::SUCCESS)
}
