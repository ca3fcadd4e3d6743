//! `island`, placeholder edition: listens on the agents' socket and prints
//! one line per message. The Island core and the tray app replace it; until
//! then it lets the demo agent run end to end.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use island_protocol::{AgentMessage, EventFrame, HookEvent, decode_agent_line};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UnixListener;

/// Prints what agents send to Island's socket.
#[derive(Debug, Parser)]
#[command(name = "island", version)]
struct Args {
    /// The socket (default: the protocol's resolution).
    #[arg(long)]
    socket: Option<PathBuf>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let path = island_protocol::resolve_socket_path(args.socket.as_deref())?;
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    if std::fs::symlink_metadata(&path).is_ok() {
        if std::os::unix::net::UnixStream::connect(&path).is_ok() {
            println!("island: already running at {}", path.display());
            return Ok(());
        }
        std::fs::remove_file(&path)
            .with_context(|| format!("removing stale {}", path.display()))?;
    }
    let listener =
        UnixListener::bind(&path).with_context(|| format!("binding {}", path.display()))?;
    println!("island (placeholder): listening on {}", path.display());
    loop {
        let (stream, _) = listener.accept().await.context("accepting")?;
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                println!("{}", describe(&line));
            }
        });
    }
}

fn describe(line: &str) -> String {
    match decode_agent_line(line.as_bytes()) {
        Ok(AgentMessage::Hello(h)) => format!(
            "hello: session {} ({})",
            h.session_id,
            h.title.unwrap_or_default()
        ),
        Ok(AgentMessage::Event(e)) => match e.event {
            HookEvent::ApprovalLifecycle {
                approval_id, phase, ..
            } => format!("approval {approval_id}: {phase}"),
            HookEvent::GenericEventFrame {
                frame: EventFrame::TurnComplete { turn_id },
            } => format!("turn {turn_id} complete"),
            HookEvent::GenericEventFrame {
                frame: EventFrame::TurnAborted { turn_id, .. },
            } => format!("turn {turn_id} aborted"),
            HookEvent::GenericEventFrame {
                frame: EventFrame::ExecApprovalRequest { request },
            } => {
                format!(
                    "approval {} asks to run `{}`",
                    request.approval_id, request.command
                )
            }
            other => format!("event: {}", serde_kind(&other)),
        },
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("skipped: {e}"),
    }
}

fn serde_kind(event: &HookEvent) -> &'static str {
    match event {
        HookEvent::ResponseStart { .. } => "response_start",
        HookEvent::ResponseDelta { .. } => "response_delta",
        HookEvent::ResponseEnd { .. } => "response_end",
        HookEvent::ToolLifecycle { .. } => "tool_lifecycle",
        HookEvent::JobLifecycle { .. } => "job_lifecycle",
        HookEvent::ApprovalLifecycle { .. } => "approval_lifecycle",
        HookEvent::GenericEventFrame { .. } => "generic_event_frame",
        HookEvent::Unknown => "unknown",
    }
}
