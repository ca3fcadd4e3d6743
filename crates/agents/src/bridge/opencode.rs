//! opencode's events, as Island's plugin for it hands them over (one
//! `island hook opencode` per event, `{"directory": ..., "event": {...}}`
//! on stdin), as PROTOCOL lines. `session.created` announces the session,
//! `session.status` busy and idle start and end a turn, `session.error`
//! aborts it, a tool part's `running` and `completed`/`error` are a tool
//! call, `session.deleted` ends the session. `permission.asked` is an
//! approval Island answers: the hook waits and prints opencode's reply
//! (`once`, `always`, `reject`), which the plugin sends to opencode;
//! `permission.replied` closes it, however it was answered. No message
//! text is sent.

use island_protocol::{
    ApprovalPhase, EventEnvelope, EventFrame, ExecApprovalRequestEvent, HookEvent, ReviewDecision,
    TerminalInfo,
};
use serde_json::Value;

use super::Plan;

/// Every turn of an opencode session has this id: it runs one at a time.
const TURN: &str = "turn";

/// The lines for one event; `None` for one Island does not use.
#[must_use]
pub fn plan(input: &Value, agent_pid: Option<u32>, terminal: TerminalInfo) -> Option<Plan> {
    let event = input.get("event")?;
    let kind = event.get("type")?.as_str()?;
    let props = event.get("properties").unwrap_or(&Value::Null);
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let info = props.get("info").unwrap_or(&Value::Null);
    let session = text(props, "sessionID").or_else(|| text(info, "id"))?;
    let cwd = text(info, "directory").or_else(|| text(input, "directory"));
    let mut hello = super::hook_hello(
        "opencode",
        format!("opencode-{session}"),
        cwd.clone(),
        agent_pid,
        terminal,
    );
    let frame = |frame| vec![EventEnvelope::now(HookEvent::frame(frame))];
    let mut wait_for = None;
    let events = match kind {
        "session.created" => Vec::new(),
        "session.status" => match props.pointer("/status/type").and_then(Value::as_str) {
            Some("busy") => frame(EventFrame::TurnStarted {
                turn_id: TURN.into(),
            }),
            Some("idle") => frame(EventFrame::TurnComplete {
                turn_id: TURN.into(),
            }),
            _ => return None,
        },
        "session.error" => frame(EventFrame::TurnAborted {
            turn_id: TURN.into(),
            reason: props
                .pointer("/error/data/message")
                .or_else(|| props.pointer("/error/name"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }),
        "session.deleted" => frame(EventFrame::SessionEnd { reason: None }),
        "message.part.updated" => {
            let part = props.get("part")?;
            let call_id = text(part, "callID");
            let tool_name = text(part, "tool");
            match part.pointer("/state/status").and_then(Value::as_str)? {
                "running" => frame(EventFrame::ToolCallStart { call_id, tool_name }),
                "completed" | "error" => frame(EventFrame::ToolCallResult { call_id, tool_name }),
                _ => return None,
            }
        }
        "permission.asked" => {
            let id = format!("opencode-{}", text(props, "id")?);
            hello.accepts_decisions = true;
            wait_for = Some(id.clone());
            permission_asked(props, id, cwd.unwrap_or_default())
        }
        "permission.replied" => {
            let phase = match text(props, "reply").as_deref() {
                Some("once") => ApprovalPhase::Approved,
                Some("always") => ApprovalPhase::ApprovedForSession,
                _ => ApprovalPhase::Denied,
            };
            vec![EventEnvelope::now(HookEvent::ApprovalLifecycle {
                approval_id: format!("opencode-{}", text(props, "requestID")?),
                phase,
                reason: None,
            })]
        }
        _ => return None,
    };
    Some(Plan {
        hello,
        events,
        wait_for,
    })
}

/// A permission request's card and the request Island answers: the
/// command (or the paths it asks for) and why, in opencode's terms.
fn permission_asked(props: &Value, id: String, cwd: String) -> Vec<EventEnvelope> {
    let permission = props
        .get("permission")
        .and_then(Value::as_str)
        .unwrap_or("a permission");
    let patterns: Vec<&str> = props
        .get("patterns")
        .and_then(Value::as_array)
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let command = props
        .pointer("/metadata/command")
        .and_then(Value::as_str)
        .map_or_else(|| patterns.join(" "), str::to_owned);
    let reason = match permission {
        "bash" => "opencode asks to run a command".to_owned(),
        "edit" | "write" => "opencode asks to change files".to_owned(),
        "external_directory" => format!(
            "opencode asks to reach outside the project: {}",
            patterns.join(", ")
        ),
        other => format!("opencode asks for {other}"),
    };
    vec![
        EventEnvelope::now(HookEvent::ApprovalLifecycle {
            approval_id: id.clone(),
            phase: ApprovalPhase::Requested,
            reason: Some(reason.clone()),
        }),
        EventEnvelope::now(HookEvent::frame(EventFrame::ExecApprovalRequest {
            request: Box::new(ExecApprovalRequestEvent {
                call_id: props
                    .pointer("/tool/callID")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                approval_id: id,
                turn_id: TURN.into(),
                command: command.as_str().into(),
                cwd,
                reason: Some(reason),
                // opencode's "always" keeps a rule for this process.
                available_decisions: vec![
                    ReviewDecision::Approved,
                    ReviewDecision::ApprovedForSession,
                    ReviewDecision::Denied,
                ],
                ..ExecApprovalRequestEvent::default()
            }),
        })),
    ]
}

/// What the plugin sends opencode for Island's answer.
#[must_use]
pub fn reply(decision: &ReviewDecision) -> &'static str {
    match decision {
        ReviewDecision::Approved => "once",
        ReviewDecision::ApprovedForSession => "always",
        _ => "reject",
    }
}
