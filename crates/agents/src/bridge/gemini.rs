//! Gemini CLI's hooks (0.61: JSON on stdin, one process per event) as
//! PROTOCOL lines. `SessionStart` announces the session, `BeforeAgent`
//! starts a turn and `AfterAgent` ends it, `BeforeTool`/`AfterTool` are
//! tool calls, `SessionEnd` ends the session (Gemini's `/clear` starts a
//! new one in the same process). A `Notification` of type `ToolPermission`
//! is Gemini asking in its terminal: shown as an approval answered there,
//! closed when the call runs (`AfterTool`) or the next hook says Gemini
//! moved on. Gemini lets a hook watch its prompt but not answer it, and a
//! `BeforeTool` hook runs before Gemini knows whether it will ask, so
//! Island offers no answer of its own. The prompt text is never sent.

use island_protocol::{ApprovalPhase, EventEnvelope, EventFrame, HookEvent, TerminalInfo};
use serde_json::Value;

use super::Plan;

/// Every turn of a Gemini session has this id: it runs one at a time.
const TURN: &str = "turn";

/// The lines for one hook payload; `unique` makes approval ids unique.
#[must_use]
pub fn plan(input: &Value, agent_pid: Option<u32>, terminal: TerminalInfo, unique: u128) -> Plan {
    let text = |key: &str| input.get(key).and_then(Value::as_str).map(str::to_owned);
    let session = text("session_id").unwrap_or_else(|| "unknown".into());
    let tool = text("tool_name");
    let call = || {
        Some(super::claude::call_key(
            tool.as_deref(),
            input.get("tool_input"),
        ))
    };
    let hello = super::hook_hello(
        "gemini-cli",
        format!("gemini-{session}"),
        text("cwd"),
        agent_pid,
        terminal,
    );
    let frame = |frame| vec![EventEnvelope::now(HookEvent::frame(frame))];
    let events = match text("hook_event_name").as_deref().unwrap_or_default() {
        "BeforeAgent" => frame(EventFrame::TurnStarted {
            turn_id: TURN.into(),
        }),
        "AfterAgent" => frame(EventFrame::TurnComplete {
            turn_id: TURN.into(),
        }),
        "BeforeTool" => frame(EventFrame::ToolCallStart {
            call_id: call(),
            tool_name: tool,
        }),
        "AfterTool" => frame(EventFrame::ToolCallResult {
            call_id: call(),
            tool_name: tool,
        }),
        "SessionEnd" => frame(EventFrame::SessionEnd {
            reason: text("reason"),
        }),
        "Notification" if text("notification_type").as_deref() == Some("ToolPermission") => {
            permission_prompt(input, unique)
        }
        // SessionStart, PreCompress (said before every turn, compacting
        // or not), the model events and any new one: the hello alone.
        _ => Vec::new(),
    };
    Plan {
        hello,
        events,
        wait_for: None,
    }
}

/// Gemini's permission prompt as a card to answer in its terminal: what it
/// would run (a shell command as it is, a file edit as its title) and
/// Gemini's own words.
fn permission_prompt(input: &Value, unique: u128) -> Vec<EventEnvelope> {
    let details = input.get("details");
    let field = |key: &str| {
        details
            .and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    };
    let reason = field("title")
        .or_else(|| {
            input
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "Gemini CLI waits for your permission".into());
    let id = format!("gemini-prompt-{unique}");
    let mut events = vec![EventEnvelope::now(HookEvent::ApprovalLifecycle {
        approval_id: id.clone(),
        phase: ApprovalPhase::Requested,
        reason: Some(reason.clone()),
    })];
    if let Some(command) = field("command").or_else(|| field("fileName")) {
        events.push(EventEnvelope::now(HookEvent::frame(
            EventFrame::ExecApprovalRequest {
                request: Box::new(island_protocol::ExecApprovalRequestEvent {
                    approval_id: id,
                    turn_id: TURN.into(),
                    command: command.as_str().into(),
                    cwd: input
                        .get("cwd")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    reason: Some(reason),
                    ..island_protocol::ExecApprovalRequestEvent::default()
                }),
            },
        )));
    }
    events
}

/// The approval id a `ToolPermission` notification opened, when `plan`
/// made one (for [`watch_prompt`]).
#[must_use]
pub fn prompt_id(plan: &Plan) -> Option<&str> {
    plan.events.iter().find_map(|e| match &e.event {
        HookEvent::ApprovalLifecycle {
            approval_id,
            phase: ApprovalPhase::Requested,
            ..
        } => Some(approval_id.as_str()),
        _ => None,
    })
}

/// How long a prompt is watched at most.
const WATCH_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Ends when Gemini's permission prompt is answered in its terminal.
/// Gemini writes nothing to its session file (`transcript`, a regular
/// file, `from` bytes long when the prompt showed) while the prompt is up,
/// and appends the call (allowed) or "Request cancelled." (denied) once it
/// is answered: the first growth is the answer. Also ends, as cancelled,
/// when the agent (`agent`) is gone or after half an hour. Only the
/// appended bytes are read, at most 64 KiB of them, and nothing of them
/// is sent.
pub async fn watch_prompt(
    transcript: &std::path::Path,
    from: u64,
    agent: Option<u32>,
) -> ApprovalPhase {
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let gone = agent.is_some_and(|pid| !island_core::platform::process_alive(pid));
        if gone || started.elapsed() > WATCH_FOR {
            return ApprovalPhase::Cancelled;
        }
        let Ok(meta) = std::fs::symlink_metadata(transcript) else {
            return ApprovalPhase::Cancelled;
        };
        if !meta.is_file() {
            return ApprovalPhase::Cancelled;
        }
        if meta.len() > from {
            return answer_in(transcript, from);
        }
    }
}

/// How the prompt was answered, from what Gemini appended after `from`.
fn answer_in(transcript: &std::path::Path, from: u64) -> ApprovalPhase {
    use std::io::{Read, Seek, SeekFrom};
    let mut appended = Vec::new();
    let read = std::fs::File::open(transcript).and_then(|mut file| {
        file.seek(SeekFrom::Start(from))?;
        file.take(64 * 1024).read_to_end(&mut appended)
    });
    let cancelled = read.is_ok()
        && String::from_utf8_lossy(&appended)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .any(|record| record["type"] == "info" && record["content"] == "Request cancelled.");
    if cancelled {
        ApprovalPhase::Denied
    } else {
        ApprovalPhase::Approved
    }
}

/// The lines that close a prompt answered in the terminal.
#[must_use]
pub fn prompt_closed(
    session_id: &str,
    approval_id: &str,
    phase: ApprovalPhase,
    agent_pid: Option<u32>,
    terminal: TerminalInfo,
) -> Plan {
    Plan {
        hello: super::hook_hello(
            "gemini-cli",
            format!("gemini-{session_id}"),
            None,
            agent_pid,
            terminal,
        ),
        events: vec![EventEnvelope::now(HookEvent::ApprovalLifecycle {
            approval_id: approval_id.to_owned(),
            phase,
            reason: Some("answered in the terminal".into()),
        })],
        wait_for: None,
    }
}
