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

/// The CodeWhale TUI's command hook events that carry a JSON payload on
/// standard input; the others carry only environment variables.
pub const CODEWHALE_STDIN_EVENTS: [&str; 4] = [
    "turn_end",
    "message_submit",
    "subagent_spawn",
    "subagent_complete",
];

/// A CodeWhale TUI command hook (its `docs/HOOKS.md`). The event's name
/// is the hook's argument (`island hook codewhale turn_end`), else the
/// payload's `event`. The session and workspace come from the payload,
/// else from `DEEPSEEK_SESSION_ID` and `DEEPSEEK_WORKSPACE` (`env`), which
/// every event but `shell_env` carries. `message_submit` starts a turn
/// (the message is never sent); `turn_end` ends it, completed or not;
/// `session_start` and any other event announce the session, which lives
/// as long as the TUI's process. `session_end` sends nothing (`None`): the
/// session ends with the process, and a hook still running after the TUI
/// exited would announce it again under another parent.
#[must_use]
pub fn codewhale(
    event: Option<&str>,
    input: &Value,
    env: impl Fn(&str) -> Option<String>,
    agent_pid: Option<u32>,
    terminal: TerminalInfo,
) -> Option<Plan> {
    let session = text(input, &["session_id"])
        .or_else(|| env("DEEPSEEK_SESSION_ID"))
        .unwrap_or_else(|| "unknown".into());
    let cwd = text(input, &["workspace", "cwd"]).or_else(|| env("DEEPSEEK_WORKSPACE"));
    let event = event
        .map(str::to_owned)
        .or_else(|| text(input, &["event"]))
        .unwrap_or_default();
    let turn_id = text(input, &["turn_id"]).unwrap_or_else(|| "turn".into());
    let frame = match event.as_str() {
        "message_submit" => Some(EventFrame::TurnStarted { turn_id }),
        "turn_end" => {
            let status = text(input, &["status"]).unwrap_or_default();
            Some(match status.as_str() {
                "" | "completed" | "complete" | "ok" | "success" | "done" => {
                    EventFrame::TurnComplete { turn_id }
                }
                _ => {
                    let why = text(input, &["error"]).unwrap_or(status);
                    EventFrame::TurnAborted {
                        turn_id,
                        reason: Some(format!("The turn ended: {why}")),
                    }
                }
            })
        }
        "session_end" => return None,
        _ => None,
    };
    Some(Plan {
        hello: super::hook_hello(
            "codewhale",
            format!("codewhale-{session}"),
            cwd,
            agent_pid,
            terminal,
        ),
        events: frame
            .map(|f| EventEnvelope::now(HookEvent::frame(f)))
            .into_iter()
            .collect(),
        wait_for: None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn frames(plan: &Plan) -> Vec<EventFrame> {
        plan.events
            .iter()
            .filter_map(|e| match &e.event {
                HookEvent::GenericEventFrame { frame } => Some(frame.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn codewhale_events_without_a_payload_take_the_session_from_the_environment() {
        let env = |k: &str| match k {
            "DEEPSEEK_SESSION_ID" => Some("sess_1234abcd".to_owned()),
            "DEEPSEEK_WORKSPACE" => Some("/src/tui".to_owned()),
            _ => None,
        };
        let plan = codewhale(
            Some("session_start"),
            &Value::Null,
            env,
            Some(7),
            TerminalInfo::default(),
        )
        .unwrap();
        assert!(
            codewhale(
                Some("session_end"),
                &Value::Null,
                env,
                Some(7),
                TerminalInfo::default()
            )
            .is_none()
        );
        assert_eq!(plan.hello.session_id, "codewhale-sess_1234abcd");
        assert_eq!(plan.hello.cwd.as_deref(), Some("/src/tui"));
        assert!(plan.events.is_empty());
    }

    #[test]
    fn codewhale_message_submit_starts_a_turn_without_the_message() {
        let input = json!({"event": "message_submit", "text": "secret plan",
                           "session_id": "sess_1", "workspace": "/w"});
        let plan = codewhale(None, &input, |_| None, None, TerminalInfo::default()).unwrap();
        assert_eq!(
            frames(&plan),
            vec![EventFrame::TurnStarted {
                turn_id: "turn".into()
            }]
        );
        let line = serde_json::to_string(&plan.events).unwrap_or_default();
        assert!(!line.contains("secret"), "{line}");
    }

    #[test]
    fn codewhale_turn_end_reports_its_error() {
        let input = json!({"event": "turn_end", "session_id": "sess_1", "turn_id": "turn_9",
                           "status": "failed", "error": "rate limited"});
        let plan = codewhale(None, &input, |_| None, None, TerminalInfo::default()).unwrap();
        assert_eq!(
            frames(&plan),
            vec![EventFrame::TurnAborted {
                turn_id: "turn_9".into(),
                reason: Some("The turn ended: rate limited".into())
            }]
        );
    }
}
