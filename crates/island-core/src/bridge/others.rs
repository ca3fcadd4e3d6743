//! Codex CLI's `notify` program (its JSON payload as the last argument)
//! and CodeWhale TUI's command hooks (JSON on stdin) as PROTOCOL lines.
//! Both report only a turn's end, which Island announces as it comes.

use island_protocol::{EventEnvelope, EventFrame, HookEvent, TerminalInfo};
use serde_json::Value;

use super::Plan;

fn text(input: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// Codex's `notify` payload: `agent-turn-complete` with `thread-id`,
/// `turn-id` and `cwd`. The assistant's message is not sent.
#[must_use]
pub fn codex(input: &Value, agent_pid: Option<u32>, terminal: TerminalInfo) -> Plan {
    let thread = text(input, &["thread-id", "thread_id"]).unwrap_or_else(|| "unknown".into());
    let cwd = text(input, &["cwd"]);
    let events = if text(input, &["type"]).as_deref() == Some("agent-turn-complete") {
        let turn_id = text(input, &["turn-id", "turn_id"]).unwrap_or_else(|| "turn".into());
        vec![EventEnvelope::now(HookEvent::frame(
            EventFrame::TurnComplete { turn_id },
        ))]
    } else {
        Vec::new()
    };
    Plan {
        hello: super::hook_hello("codex", format!("codex-{thread}"), cwd, agent_pid, terminal),
        events,
        wait_for: None,
    }
}

/// A CodeWhale TUI command hook: `turn_end` (with `session_id`,
/// `workspace`, `turn_id`, `status`), `session_start`, `session_end`. The
/// event's name is read from `event`, `hook_event` or `type`.
#[must_use]
pub fn codewhale(input: &Value, agent_pid: Option<u32>, terminal: TerminalInfo) -> Plan {
    let session = text(input, &["session_id"]).unwrap_or_else(|| "unknown".into());
    let cwd = text(input, &["workspace", "cwd"]);
    let event = text(input, &["event", "hook_event", "type"]).unwrap_or_default();
    let events = if event == "turn_end" {
        let turn_id = text(input, &["turn_id"]).unwrap_or_else(|| "turn".into());
        let status = text(input, &["status"]).unwrap_or_default();
        let frame = match status.as_str() {
            "" | "completed" | "complete" | "ok" | "success" | "done" => {
                EventFrame::TurnComplete { turn_id }
            }
            _ => EventFrame::TurnAborted {
                turn_id,
                reason: Some(format!("The turn ended: {status}")),
            },
        };
        vec![EventEnvelope::now(HookEvent::frame(frame))]
    } else {
        Vec::new()
    };
    Plan {
        hello: super::hook_hello(
            "codewhale",
            format!("codewhale-{session}"),
            cwd,
            agent_pid,
            terminal,
        ),
        events,
        wait_for: None,
    }
}
