//! What each command line does.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use island_core::client;
use island_core::config::IslandConfig;
use island_desktop::service::{RunOptions, RunOutcome, run_headless};
use island_protocol::{FocusRequest, ReviewDecision, Timestamp};

use crate::cli::{Args, Command};

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
        Command::Answer {
            approval_id,
            choice,
            token_stdin,
        } => {
            let decision = ReviewDecision::Chosen { label: choice };
            return answer(&socket, &approval_id, decision, token_stdin, "answered").await;
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
        Command::Hook { agent } => crate::hook::run(&socket, agent).await,
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
