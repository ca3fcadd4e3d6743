//! The simulated sessions. Each one owns a `HookDispatcher` and runs turns:
//! a streamed response, a tool call, sometimes an approval that waits for
//! Island (and is answered "in the terminal" when Island does not answer),
//! and a turn that completes or is aborted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use codewhale_hooks::{
    HookDispatcher, HookSink, SessionInfo, StdoutHookSink, UnixSocketHookSink, UnixSocketOptions,
    WaitError,
};
use island_protocol::{
    DecisionSource, EventFrame, ExecApprovalRequestEvent, HookEvent, ReviewDecision,
};
use tokio::sync::watch;

use crate::cli::{Args, TerminalAnswer};
use crate::upstream::UpstreamSocketSink;

const PROJECTS: [&str; 6] = [
    "api-server",
    "web-ui",
    "infra",
    "docs-site",
    "billing",
    "search",
];

const COMMANDS: [&str; 6] = [
    "cargo publish --dry-run",
    "git push origin main",
    "rm -rf target/",
    "npm install left-pad",
    "docker compose up -d",
    "curl https://example.com/install.sh",
];

const WORDS: [&str; 16] = [
    "Looking", "at", "the", "failing", "test,", "the", "parser", "drops", "the", "last", "line",
    "when", "it", "has", "no", "newline.",
];

/// Runs every session until their turns are done or Ctrl-C.
pub fn run(args: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_sessions(args))
}

async fn run_sessions(args: Args) -> anyhow::Result<()> {
    if let Some(seed) = args.seed {
        fastrand::seed(seed);
    }
    let socket = island_protocol::resolve_socket_path(args.socket.as_deref())?;
    eprintln!(
        "island-demo-agent: {} session(s) → {}{}",
        args.sessions,
        socket.display(),
        if args.upstream {
            " (upstream mode: one connection per event, no hello)"
        } else {
            ""
        }
    );
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("island-demo-agent: stopping");
            let _ = stop_tx.send(true); // every session may be gone already
        }
    });
    let args = Arc::new(args);
    let mut tasks = Vec::new();
    for index in 0..args.sessions {
        let (shared, socket, stop) = (Arc::clone(&args), socket.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            Session::new(index, &shared, socket)
                .run(&shared, stop)
                .await
        }));
        // Stagger the starts so the sessions do not move in lockstep.
        tokio::time::sleep(scaled(&args, 0.3)).await;
    }
    for task in tasks {
        task.await.context("a session panicked")?;
    }
    Ok(())
}

fn scaled(args: &Args, seconds: f64) -> Duration {
    Duration::from_secs_f64((seconds / args.speed.max(0.01)).max(0.0))
}

struct Session {
    title: String,
    cwd: String,
    hooks: HookDispatcher,
}

impl Session {
    fn new(index: usize, args: &Args, socket: PathBuf) -> Self {
        let base = PROJECTS[index % PROJECTS.len()];
        let title = if index < PROJECTS.len() {
            base.to_owned()
        } else {
            format!("{base}-{}", index / PROJECTS.len() + 1)
        };
        let mut info =
            SessionInfo::from_environment("island-demo-agent", env!("CARGO_PKG_VERSION"));
        let cwd = std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(&title);
        info.cwd = Some(cwd.to_string_lossy().into_owned());
        info.title = Some(title.clone());
        let mut sinks: Vec<Box<dyn HookSink>> = Vec::new();
        if args.upstream {
            sinks.push(Box::new(UpstreamSocketSink::new(socket)));
        } else {
            sinks.push(Box::new(UnixSocketHookSink::new(UnixSocketOptions::new(
                socket,
                info.clone(),
            ))));
        }
        if args.stdout {
            sinks.push(Box::new(StdoutHookSink::new()));
        }
        Self {
            title,
            cwd: info.cwd.unwrap_or_default(),
            hooks: HookDispatcher::new(sinks),
        }
    }

    async fn run(self, args: &Args, mut stop: watch::Receiver<bool>) {
        let mut turn = 0u64;
        while args.turns == 0 || turn < args.turns {
            turn += 1;
            if *stop.borrow() {
                break;
            }
            let stopped = tokio::select! {
                () = self.turn(args, turn) => false,
                _ = stop.changed() => true,
            };
            if stopped {
                self.hooks.emit(HookEvent::frame(EventFrame::TurnAborted {
                    turn_id: turn_id(&self.title, turn),
                    reason: Some("the agent was stopped".into()),
                }));
                break;
            }
            if args.turns == 0 || turn < args.turns {
                let pause = 2.0 + fastrand::f64() * 3.0;
                tokio::select! {
                    () = tokio::time::sleep(scaled(args, pause)) => {}
                    _ = stop.changed() => break,
                }
            }
        }
        if !self.hooks.flush(Duration::from_secs(2)).await {
            eprintln!(
                "[{}] Island did not take every event before exit",
                self.title
            );
        }
        for (name, c) in self.hooks.counters() {
            tracing::info!(session = %self.title, sink = name, ?c, "counters");
        }
    }

    async fn turn(&self, args: &Args, turn: u64) {
        let turn_id = turn_id(&self.title, turn);
        let hooks = &self.hooks;
        hooks.emit(HookEvent::frame(EventFrame::TurnStarted {
            turn_id: turn_id.clone(),
        }));
        eprintln!("[{}] turn {turn} started", self.title);
        let response_id = format!("resp-{}-{turn}", self.title);
        hooks.emit(HookEvent::ResponseStart {
            response_id: response_id.clone(),
        });
        // Thinking takes 3 to 14 s, so some turns pass the default
        // notification threshold of 10 s and some do not.
        let thinking = 3.0 + fastrand::f64() * 11.0;
        let per_word = thinking / WORDS.len() as f64;
        for word in WORDS {
            hooks.emit(HookEvent::ResponseDelta {
                response_id: response_id.clone(),
                delta: format!("{word} "),
            });
            tokio::time::sleep(scaled(args, per_word)).await;
        }
        hooks.emit(HookEvent::ResponseEnd { response_id });
        self.run_command(args, "cargo test --quiet", turn, 0).await;

        if args.approval_every > 0 && turn % args.approval_every == 0 {
            let command = COMMANDS[fastrand::usize(..COMMANDS.len())];
            match self.ask(args, &turn_id, command).await {
                ReviewDecision::Abort => {
                    hooks.emit(HookEvent::frame(EventFrame::TurnAborted {
                        turn_id,
                        reason: Some("the user aborted at the approval".into()),
                    }));
                    eprintln!("[{}] turn {turn} aborted at the approval", self.title);
                    return;
                }
                ReviewDecision::Denied => {
                    hooks.emit(HookEvent::frame(EventFrame::Error {
                        response_id: None,
                        message: format!("the user denied `{command}`"),
                    }));
                }
                _ => self.run_command(args, command, turn, 1).await,
            }
        }
        if args.abort_every > 0 && turn % args.abort_every == 0 {
            hooks.emit(HookEvent::frame(EventFrame::TurnAborted {
                turn_id,
                reason: Some("interrupted by the user".into()),
            }));
            eprintln!("[{}] turn {turn} aborted", self.title);
        } else {
            hooks.emit(HookEvent::frame(EventFrame::TurnComplete { turn_id }));
            eprintln!("[{}] turn {turn} complete", self.title);
        }
    }

    async fn run_command(&self, args: &Args, command: &str, turn: u64, n: u32) {
        let call_id = format!("call-{}-{turn}-{n}", self.title);
        self.hooks.emit(HookEvent::frame(EventFrame::ToolCallStart {
            call_id: Some(call_id.clone()),
            tool_name: Some("exec_shell".into()),
        }));
        self.hooks
            .emit(HookEvent::frame(EventFrame::ExecCommandBegin {
                command: command.into(),
                cwd: Some(self.cwd.clone()),
            }));
        tokio::time::sleep(scaled(args, 0.5 + fastrand::f64())).await;
        self.hooks
            .emit(HookEvent::frame(EventFrame::ExecCommandEnd {
                command: command.into(),
                exit_code: Some(0),
            }));
        self.hooks
            .emit(HookEvent::frame(EventFrame::ToolCallResult {
                call_id: Some(call_id),
                tool_name: Some("exec_shell".into()),
            }));
    }

    /// Asks for an approval and waits for Island; answers in the "terminal"
    /// when Island does not answer in time.
    async fn ask(&self, args: &Args, turn_id: &str, command: &str) -> ReviewDecision {
        let approval_id = format!("approval-{:08x}", fastrand::u32(..));
        let reason = "Unmatched command prefix requires approval.";
        self.hooks.request_approval(ExecApprovalRequestEvent {
            call_id: format!("call-{approval_id}"),
            approval_id: approval_id.clone(),
            turn_id: turn_id.to_owned(),
            command: command.into(),
            cwd: self.cwd.clone(),
            reason: Some(reason.into()),
            proposed_execpolicy_amendment: command
                .split_whitespace()
                .take(1)
                .map(str::to_owned)
                .collect(),
            available_decisions: vec![
                ReviewDecision::Approved,
                ReviewDecision::ApprovedForSession,
                ReviewDecision::Denied,
                ReviewDecision::Abort,
            ],
            ..ExecApprovalRequestEvent::default()
        });
        eprintln!(
            "[{}] needs approval {approval_id} for `{command}` (answer in Island; the terminal answers in {:.0} s)",
            self.title, args.approval_timeout
        );
        let timeout = Duration::from_secs_f64(args.approval_timeout.max(0.0));
        match self.hooks.await_decision(&approval_id, timeout).await {
            Ok(resolution) => {
                eprintln!(
                    "[{}] approval {approval_id}: {} (from {:?})",
                    self.title,
                    resolution.decision.label(),
                    resolution.source
                );
                resolution.decision
            }
            Err(WaitError::TimedOut(_)) | Err(WaitError::Unknown(_)) => {
                let decision = match args.terminal_answer {
                    TerminalAnswer::Approve => ReviewDecision::Approved,
                    TerminalAnswer::Deny => ReviewDecision::Denied,
                };
                // The terminal prompt answers; if Island answered at the
                // very same moment, the first answer stands.
                if !self.hooks.resolve_approval(
                    &approval_id,
                    decision.clone(),
                    DecisionSource::Terminal,
                ) {
                    if let Ok(first) = self
                        .hooks
                        .await_decision(&approval_id, Duration::ZERO)
                        .await
                    {
                        return first.decision;
                    }
                }
                eprintln!(
                    "[{}] approval {approval_id}: {} in the terminal",
                    self.title,
                    decision.label()
                );
                decision
            }
        }
    }
}

fn turn_id(title: &str, turn: u64) -> String {
    format!("{title}-turn-{turn}")
}
