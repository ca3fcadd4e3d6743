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
/// `unique` makes approval ids unique (a time stamp, say). `None` for
/// `SessionEnd`: said for a session Island may not know (Claude sends it
/// for the session before a `/clear` or a restart), it would only make a
/// session appear that has ended.
#[must_use]
pub fn plan(
    input: &Value,
    agent_pid: Option<u32>,
    terminal: TerminalInfo,
    unique: u128,
) -> Option<Plan> {
    let text = |key: &str| input.get(key).and_then(Value::as_str).map(str::to_owned);
    let session = text("session_id").unwrap_or_else(|| "unknown".into());
    let cwd = text("cwd");
    let event = text("hook_event_name").unwrap_or_default();
    if event == "SessionEnd" {
        return None;
    }
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
            call_id: Some(call_key(tool.as_deref(), input.get("tool_input"))),
            tool_name: tool,
        }),
        // The call ran (or ran and failed): if it was asked about, the
        // answer came from the terminal, and Island closes that card.
        "PostToolUse" | "PostToolUseFailure" => frame(EventFrame::ToolCallResult {
            call_id: Some(call_key(tool.as_deref(), input.get("tool_input"))),
            tool_name: tool,
        }),
        "Stop" => frame(EventFrame::TurnComplete {
            turn_id: TURN.into(),
        }),
        "StopFailure" => frame(EventFrame::TurnAborted {
            turn_id: TURN.into(),
            reason: text("error").or_else(|| text("reason")),
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
            let tool_input = input.get("tool_input");
            let command = summary(tool.as_deref(), tool_input);
            // What the tool says it does (Bash's `description`), else which
            // tool it is.
            let reason = tool_input
                .and_then(|i| i.get("description"))
                .and_then(Value::as_str)
                .filter(|d| !d.trim().is_empty())
                .map_or_else(
                    || {
                        let what = tool.as_deref().unwrap_or("a tool");
                        format!("Claude Code asks to use {what}")
                    },
                    str::to_owned,
                );
            wait_for = Some(id.clone());
            vec![
                requested(id.clone(), Some(reason.clone())),
                EventEnvelope::now(HookEvent::frame(EventFrame::ExecApprovalRequest {
                    request: Box::new(ExecApprovalRequestEvent {
                        call_id: call_key(tool.as_deref(), tool_input),
                        approval_id: id,
                        turn_id: TURN.into(),
                        command: command.as_str().into(),
                        cwd: cwd.unwrap_or_default(),
                        reason: Some(reason),
                        // "For session" only where Claude itself offers a
                        // rule for the rest of the session.
                        available_decisions: if session_rule(input).is_some() {
                            vec![
                                ReviewDecision::Approved,
                                ReviewDecision::ApprovedForSession,
                                ReviewDecision::Denied,
                            ]
                        } else {
                            vec![ReviewDecision::Approved, ReviewDecision::Denied]
                        },
                        ..ExecApprovalRequestEvent::default()
                    }),
                })),
            ]
        }
        // SessionStart, SessionEnd and hooks not known yet:
        // the hello alone keeps the session known.
        _ => Vec::new(),
    };
    Some(Plan {
        hello,
        events,
        wait_for,
    })
}

/// Ends when the prompt of a `PermissionRequest` payload is answered in
/// Claude's own dialog (see [`super::claude_transcript`]); never for
/// another payload.
pub async fn answered_in_terminal(input: &Value) -> ApprovalPhase {
    let path = input.get("transcript_path").and_then(Value::as_str);
    let tool = input.get("tool_name").and_then(Value::as_str);
    let (Some(path), Some(tool), Some(tool_input)) = (path, tool, input.get("tool_input")) else {
        return std::future::pending().await;
    };
    super::claude_transcript::answered_in_terminal(std::path::Path::new(path), tool, tool_input)
        .await
}

/// The rule Claude offers to keep for the rest of the session in a
/// `PermissionRequest`'s `permission_suggestions` (its dialog's "Yes, and
/// always allow ..."): the first with destination `session` that is not a
/// change of permission mode.
fn session_rule(input: &Value) -> Option<&Value> {
    input
        .get("permission_suggestions")?
        .as_array()?
        .iter()
        .find(|s| {
            s.get("destination").and_then(Value::as_str) == Some("session")
                && s.get("type").and_then(Value::as_str) != Some("setMode")
        })
}

/// What Claude reads from a `PermissionRequest` hook (`input`) for
/// Island's answer. Approved for the session, it carries the rule Claude
/// offered (`updatedPermissions`); with none, a plain allow.
#[must_use]
pub fn output(decision: &ReviewDecision, input: &Value) -> String {
    let decision = match decision {
        ReviewDecision::ApprovedForSession => match session_rule(input) {
            Some(rule) => serde_json::json!({ "behavior": "allow", "updatedPermissions": [rule] }),
            None => serde_json::json!({ "behavior": "allow" }),
        },
        ReviewDecision::Approved => serde_json::json!({ "behavior": "allow" }),
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

/// Which tool call a hook is about. `PermissionRequest` carries no
/// `tool_use_id` (Claude Code 2.1.328), so the call is known by its tool
/// and input, which `PreToolUse`, `PermissionRequest` and `PostToolUse`
/// all carry alike; Claude asks about one call at a time.
fn call_key(tool: Option<&str>, input: Option<&Value>) -> String {
    use std::hash::{Hash, Hasher};
    // The same binary hashes every hook of a call: a fixed-key hasher.
    let mut hasher = std::hash::DefaultHasher::new();
    tool.hash(&mut hasher);
    input.map(Value::to_string).hash(&mut hasher);
    format!("claude-call-{:016x}", hasher.finish())
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
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_permission_request_waits_and_shows_the_command() {
        let input = serde_json::json!({
            "session_id": "s1", "cwd": "/src/web", "hook_event_name": "PermissionRequest",
            "tool_name": "Bash", "tool_input": {"command": "npm test"}
        });
        let plan = plan(&input, Some(42), TerminalInfo::default(), 7).unwrap();
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
        assert!(output(&ReviewDecision::Approved, &input).contains(r#""behavior":"allow""#));
        assert!(output(&ReviewDecision::Denied, &input).contains(r#""behavior":"deny""#));
        assert_eq!(
            request.available_decisions,
            [ReviewDecision::Approved, ReviewDecision::Denied],
            "Claude offered no rule: no \"for session\""
        );
        assert!(
            !output(&ReviewDecision::ApprovedForSession, &input).contains("updatedPermissions")
        );
    }

    /// The payloads Claude Code 2.1.328 sent for one Bash call (recorded
    /// against the real agent; `PermissionRequest` has no `tool_use_id`).
    fn call_payload(event: &str) -> Value {
        serde_json::json!({
            "session_id": "s1", "cwd": "/src/web", "hook_event_name": event,
            "permission_mode": "default", "tool_name": "Bash",
            "tool_input": {"command": "touch marker", "description": "Create the marker file"},
            "tool_use_id": if event == "PermissionRequest" { Value::Null } else { "toolu_01".into() },
        })
    }

    fn call_id_of(plan: &Plan) -> Option<String> {
        plan.events.iter().find_map(|e| match &e.event {
            HookEvent::GenericEventFrame {
                frame:
                    EventFrame::ToolCallStart { call_id, .. }
                    | EventFrame::ToolCallResult { call_id, .. },
            } => call_id.clone(),
            HookEvent::GenericEventFrame {
                frame: EventFrame::ExecApprovalRequest { request },
            } => Some(request.call_id.clone()),
            _ => None,
        })
    }

    #[test]
    fn the_call_asked_about_and_its_result_share_one_call_id_and_the_reason_is_its_description() {
        let plans: Vec<Plan> = [
            "PreToolUse",
            "PermissionRequest",
            "PostToolUse",
            "PostToolUseFailure",
        ]
        .iter()
        .map(|e| plan(&call_payload(e), None, TerminalInfo::default(), 1).unwrap())
        .collect();
        let ids: Vec<_> = plans.iter().map(call_id_of).collect();
        assert!(ids[0].is_some(), "{ids:?}");
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        let HookEvent::ApprovalLifecycle { reason, .. } = &plans[1].events[0].event else {
            panic!("{:?}", plans[1].events);
        };
        assert_eq!(reason.as_deref(), Some("Create the marker file"));
        let mut other = call_payload("PostToolUse");
        other["tool_input"]["command"] = "touch other".into();
        let other = plan(&other, None, TerminalInfo::default(), 1).unwrap();
        assert_ne!(call_id_of(&other), ids[0], "another call, another id");
    }

    #[test]
    fn for_session_is_offered_with_claudes_own_session_rule_and_carries_it() {
        // As Claude Code 2.1.328 sent it for a command outside the project.
        let mut input = call_payload("PermissionRequest");
        input["permission_suggestions"] = serde_json::json!([
            {"type": "addDirectories", "directories": ["/tmp/cx"], "destination": "session"},
            {"type": "setMode", "mode": "acceptEdits", "destination": "session"}
        ]);
        let asked = plan(&input, None, TerminalInfo::default(), 1).unwrap();
        let HookEvent::GenericEventFrame {
            frame: EventFrame::ExecApprovalRequest { request },
        } = &asked.events[1].event
        else {
            panic!("{:?}", asked.events);
        };
        assert!(
            request
                .available_decisions
                .contains(&ReviewDecision::ApprovedForSession)
        );
        let out: Value =
            serde_json::from_str(&output(&ReviewDecision::ApprovedForSession, &input)).unwrap();
        assert_eq!(
            out["hookSpecificOutput"]["decision"]["updatedPermissions"],
            serde_json::json!([{"type": "addDirectories", "directories": ["/tmp/cx"], "destination": "session"}]),
            "the rule, not the mode change"
        );
        // Only a mode change offered: no "for session".
        input["permission_suggestions"] = serde_json::json!([{"type": "setMode", "mode": "acceptEdits", "destination": "session"}]);
        let only_mode = plan(&input, None, TerminalInfo::default(), 1).unwrap();
        assert!(!format!("{:?}", only_mode.events).contains("ApprovedForSession"));
    }

    #[test]
    fn a_failed_turn_is_aborted_and_a_session_end_sends_nothing() {
        let failed = serde_json::json!({"session_id": "s1", "hook_event_name": "StopFailure",
            "error": "rate_limit"});
        let failed = plan(&failed, None, TerminalInfo::default(), 1).unwrap();
        assert!(
            matches!(
                &failed.events[0].event,
                HookEvent::GenericEventFrame { frame: EventFrame::TurnAborted { reason: Some(r), .. } }
                    if r == "rate_limit"
            ),
            "{:?}",
            failed.events
        );
        let end = serde_json::json!({"session_id": "s1", "hook_event_name": "SessionEnd", "reason": "other"});
        assert!(plan(&end, None, TerminalInfo::default(), 1).is_none());
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
            let plan = plan(&input, None, TerminalInfo::default(), 1).unwrap();
            assert_eq!(plan.events.len(), frames, "{event}");
            assert!(plan.wait_for.is_none() && !plan.hello.accepts_decisions);
            assert!(
                !format!("{plan:?}").contains("secret"),
                "the prompt is never sent"
            );
        }
        let idle = serde_json::json!({"session_id": "s1", "hook_event_name": "Notification",
            "notification_type": "idle_prompt", "message": "Claude is waiting for your input"});
        let plan = plan(&idle, None, TerminalInfo::default(), 1).unwrap();
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
