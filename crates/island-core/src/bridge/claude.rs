//! Claude Code's hooks (JSON on stdin, one process per event) as PROTOCOL
//! lines. `SessionStart` announces the session, `UserPromptSubmit` starts
//! a turn, `PreToolUse`/`PostToolUse` are tool calls, `Stop` ends the
//! turn, `Notification` `permission_prompt` is an approval answered in the
//! terminal, and `PermissionRequest` is an approval Island may answer:
//! the hook waits, and prints Claude's allow/deny output. The prompt text
//! is never sent.

use island_protocol::{
    ApprovalPhase, EventEnvelope, EventFrame, ExecApprovalRequestEvent, HookEvent, ReviewDecision,
    TerminalInfo,
};
use serde_json::Value;

use super::Plan;

/// Every turn of a Claude session has this id: Claude runs one at a time.
const TURN: &str = "turn";

/// The lines for one hook payload. `agent_pid` is Claude's process;
/// `unique` makes approval ids unique (a time stamp, say).
#[must_use]
pub fn plan(input: &Value, agent_pid: Option<u32>, terminal: TerminalInfo, unique: u128) -> Plan {
    let text = |key: &str| input.get(key).and_then(Value::as_str).map(str::to_owned);
    let session = text("session_id").unwrap_or_else(|| "unknown".into());
    let cwd = text("cwd");
    let event = text("hook_event_name").unwrap_or_default();
    let tool = text("tool_name");
    let waits = event == "PermissionRequest";
    let mut hello = super::hook_hello(
        "claude-code",
        format!("claude-{session}"),
        cwd.clone(),
        agent_pid,
        terminal,
    );
    hello.accepts_decisions = waits;
    let frame = |frame| vec![EventEnvelope::now(HookEvent::frame(frame))];
    let mut wait_for = None;
    let events = match event.as_str() {
        "UserPromptSubmit" => frame(EventFrame::TurnStarted {
            turn_id: TURN.into(),
        }),
        "PreToolUse" => frame(EventFrame::ToolCallStart {
            call_id: None,
            tool_name: tool,
        }),
        "PostToolUse" => frame(EventFrame::ToolCallResult {
            call_id: None,
            tool_name: tool,
        }),
        "Stop" => frame(EventFrame::TurnComplete {
            turn_id: TURN.into(),
        }),
        "Notification" if text("notification_type").as_deref() == Some("permission_prompt") => {
            // Claude asks in its terminal: shown, answered there.
            vec![requested(
                format!("claude-prompt-{unique}"),
                text("message").or_else(|| Some("Claude Code waits for your permission".into())),
            )]
        }
        "Notification" if text("notification_type").as_deref() == Some("idle_prompt") => {
            // Claude waits for the next prompt.
            frame(EventFrame::UserInputRequest {
                request: Value::Null,
            })
        }
        "PermissionRequest" => {
            let id = format!("claude-permission-{unique}");
            let what = tool.clone().unwrap_or_else(|| "a tool".into());
            let command = summary(tool.as_deref(), input.get("tool_input"));
            wait_for = Some(id.clone());
            vec![
                requested(id.clone(), Some(format!("Claude Code asks to use {what}"))),
                EventEnvelope::now(HookEvent::frame(EventFrame::ExecApprovalRequest {
                    request: Box::new(ExecApprovalRequestEvent {
                        call_id: id.clone(),
                        approval_id: id,
                        turn_id: TURN.into(),
                        command: command.as_str().into(),
                        cwd: cwd.unwrap_or_default(),
                        reason: Some(format!("Claude Code asks to use {what}")),
                        available_decisions: vec![ReviewDecision::Approved, ReviewDecision::Denied],
                        ..ExecApprovalRequestEvent::default()
                    }),
                })),
            ]
        }
        // SessionStart, SessionEnd and hooks not known yet:
        // the hello alone keeps the session known.
        _ => Vec::new(),
    };
    Plan {
        hello,
        events,
        wait_for,
    }
}

/// What Claude reads from a `PermissionRequest` hook for Island's answer.
#[must_use]
pub fn output(decision: &ReviewDecision) -> String {
    let decision = match decision {
        ReviewDecision::Approved | ReviewDecision::ApprovedForSession => {
            serde_json::json!({ "behavior": "allow" })
        }
        _ => serde_json::json!({ "behavior": "deny", "message": "Denied in Island" }),
    };
    serde_json::json!({
        "hookSpecificOutput": { "hookEventName": "PermissionRequest", "decision": decision }
    })
    .to_string()
}

fn requested(approval_id: String, reason: Option<String>) -> EventEnvelope {
    EventEnvelope::now(HookEvent::ApprovalLifecycle {
        approval_id,
        phase: ApprovalPhase::Requested,
        reason,
    })
}

/// The tool call in a line: a shell command as it is, a file tool as its
/// path, anything else as the tool and its input.
fn summary(tool: Option<&str>, input: Option<&Value>) -> String {
    let field = |key: &str| input.and_then(|i| i.get(key)).and_then(Value::as_str);
    if let Some(command) = field("command") {
        return command.to_owned();
    }
    let tool = tool.unwrap_or("tool");
    if let Some(path) = field("file_path").or_else(|| field("path")) {
        return format!("{tool} {path}");
    }
    match input {
        Some(input) => format!("{tool} {input}"),
        None => tool.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_request_waits_and_shows_the_command() {
        let input = serde_json::json!({
            "session_id": "s1", "cwd": "/src/web", "hook_event_name": "PermissionRequest",
            "tool_name": "Bash", "tool_input": {"command": "npm test"}
        });
        let plan = plan(&input, Some(42), TerminalInfo::default(), 7);
        assert_eq!(plan.hello.session_id, "claude-s1");
        assert_eq!(plan.hello.title.as_deref(), Some("web"));
        assert!(plan.hello.transient && plan.hello.accepts_decisions);
        assert_eq!(plan.wait_for.as_deref(), Some("claude-permission-7"));
        let HookEvent::GenericEventFrame {
            frame: EventFrame::ExecApprovalRequest { request },
        } = &plan.events[1].event
        else {
            panic!("{:?}", plan.events);
        };
        assert_eq!(request.command.as_str(), "npm test");
        assert!(output(&ReviewDecision::Approved).contains(r#""behavior":"allow""#));
        assert!(output(&ReviewDecision::Denied).contains(r#""behavior":"deny""#));
    }

    #[test]
    fn other_hooks_wait_for_nothing_and_unknown_ones_send_only_the_hello() {
        for (event, frames) in [
            ("UserPromptSubmit", 1),
            ("Stop", 1),
            ("PreToolUse", 1),
            ("SessionStart", 0),
            ("Something", 0),
        ] {
            let input = serde_json::json!({"session_id": "s1", "hook_event_name": event, "prompt": "secret"});
            let plan = plan(&input, None, TerminalInfo::default(), 1);
            assert_eq!(plan.events.len(), frames, "{event}");
            assert!(plan.wait_for.is_none() && !plan.hello.accepts_decisions);
            assert!(
                !format!("{plan:?}").contains("secret"),
                "the prompt is never sent"
            );
        }
        let idle = serde_json::json!({"session_id": "s1", "hook_event_name": "Notification",
            "notification_type": "idle_prompt", "message": "Claude is waiting for your input"});
        let plan = plan(&idle, None, TerminalInfo::default(), 1);
        assert!(
            matches!(
                &plan.events[..],
                [EventEnvelope {
                    event: HookEvent::GenericEventFrame {
                        frame: EventFrame::UserInputRequest { .. }
                    },
                    ..
                }]
            ),
            "{:?}",
            plan.events
        );
        assert_eq!(
            summary(
                Some("Edit"),
                Some(&serde_json::json!({"file_path": "/a/b.rs"}))
            ),
            "Edit /a/b.rs"
        );
    }
}
