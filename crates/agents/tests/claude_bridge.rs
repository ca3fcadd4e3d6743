//! The Claude-shaped hook bridge, event by event, on payloads as the real
//! agents sent them (recorded against Claude Code 2.1.328).

#![allow(clippy::unwrap_used)]

mod common;

use common::request_of;
use island_agents::bridge::Plan;
use island_agents::bridge::claude::{CLAUDE, CODEX, DROID, output, plan};
use island_protocol::{EventEnvelope, EventFrame, HookEvent, ReviewDecision, TerminalInfo};
use serde_json::Value;

#[test]
fn a_permission_request_waits_and_shows_the_command() {
    let input = serde_json::json!({
        "session_id": "s1", "cwd": "/src/web", "hook_event_name": "PermissionRequest",
        "tool_name": "Bash", "tool_input": {"command": "npm test"}
    });
    let plan = plan(CLAUDE, &input, Some(42), TerminalInfo::default(), 7).unwrap();
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
    assert!(!output(&ReviewDecision::ApprovedForSession, &input).contains("updatedPermissions"));
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
    .map(|e| plan(CLAUDE, &call_payload(e), None, TerminalInfo::default(), 1).unwrap())
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
    let other = plan(CLAUDE, &other, None, TerminalInfo::default(), 1).unwrap();
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
    let asked = plan(CLAUDE, &input, None, TerminalInfo::default(), 1).unwrap();
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
    input["permission_suggestions"] =
        serde_json::json!([{"type": "setMode", "mode": "acceptEdits", "destination": "session"}]);
    let only_mode = plan(CLAUDE, &input, None, TerminalInfo::default(), 1).unwrap();
    assert!(!format!("{:?}", only_mode.events).contains("ApprovedForSession"));
}

#[test]
fn a_failed_turn_is_aborted_and_a_session_end_sends_nothing() {
    let failed = serde_json::json!({"session_id": "s1", "hook_event_name": "StopFailure",
        "error": "rate_limit"});
    let failed = plan(CLAUDE, &failed, None, TerminalInfo::default(), 1).unwrap();
    assert!(
        matches!(
            &failed.events[0].event,
            HookEvent::GenericEventFrame { frame: EventFrame::TurnAborted { reason: Some(r), .. } }
                if r == "rate_limit"
        ),
        "{:?}",
        failed.events
    );
    let end =
        serde_json::json!({"session_id": "s1", "hook_event_name": "SessionEnd", "reason": "other"});
    assert!(plan(CLAUDE, &end, None, TerminalInfo::default(), 1).is_none());
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
        let input =
            serde_json::json!({"session_id": "s1", "hook_event_name": event, "prompt": "secret"});
        let plan = plan(CLAUDE, &input, None, TerminalInfo::default(), 1).unwrap();
        assert_eq!(plan.events.len(), frames, "{event}");
        assert!(plan.wait_for.is_none() && !plan.hello.accepts_decisions);
        assert!(
            !format!("{plan:?}").contains("secret"),
            "the prompt is never sent"
        );
    }
    let idle = serde_json::json!({"session_id": "s1", "hook_event_name": "Notification",
        "notification_type": "idle_prompt", "message": "Claude is waiting for your input"});
    let idle = plan(CLAUDE, &idle, None, TerminalInfo::default(), 1).unwrap();
    assert!(
        matches!(
            &idle.events[..],
            [EventEnvelope {
                event: HookEvent::GenericEventFrame {
                    frame: EventFrame::UserInputRequest { .. }
                },
                ..
            }]
        ),
        "{:?}",
        idle.events
    );
    let edit = serde_json::json!({"session_id": "s1", "hook_event_name": "PermissionRequest",
        "tool_name": "Edit", "tool_input": {"file_path": "/a/b.rs"}});
    let edit = plan(CLAUDE, &edit, None, TerminalInfo::default(), 1).unwrap();
    assert_eq!(request_of(&edit).command.as_str(), "Edit /a/b.rs");
}

fn jobs_of(plan: &Plan) -> Vec<(String, String, Option<String>)> {
    plan.events
        .iter()
        .filter_map(|e| match &e.event {
            HookEvent::JobLifecycle {
                job_id,
                phase,
                detail,
                ..
            } => Some((job_id.clone(), phase.clone(), detail.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn subagents_and_a_compaction_are_jobs_that_start_and_end() {
    // As Claude Code 2.1.328 writes them (its hook input schema).
    let start = serde_json::json!({"session_id": "s1", "hook_event_name": "SubagentStart",
        "agent_id": "a7", "agent_type": "Explore"});
    let stop = serde_json::json!({"session_id": "s1", "hook_event_name": "SubagentStop",
        "agent_id": "a7", "agent_type": "Explore", "stop_hook_active": false,
        "last_assistant_message": "secret findings"});
    let started = plan(CLAUDE, &start, None, TerminalInfo::default(), 1).unwrap();
    let stopped = plan(CLAUDE, &stop, None, TerminalInfo::default(), 1).unwrap();
    assert_eq!(
        jobs_of(&started),
        [(
            "subagent-a7".into(),
            "started".into(),
            Some("Explore subagent".into())
        )]
    );
    assert_eq!(jobs_of(&stopped)[0].0, "subagent-a7");
    assert_eq!(jobs_of(&stopped)[0].1, "completed");
    assert!(
        !format!("{stopped:?}").contains("secret"),
        "its answer is never sent"
    );
    let pre = serde_json::json!({"session_id": "s1", "hook_event_name": "PreCompact",
        "trigger": "manual", "custom_instructions": ""});
    let post = serde_json::json!({"session_id": "s1", "hook_event_name": "PostCompact",
        "trigger": "manual", "compact_summary": "secret summary"});
    let pre = plan(CLAUDE, &pre, None, TerminalInfo::default(), 1).unwrap();
    let post = plan(CLAUDE, &post, None, TerminalInfo::default(), 1).unwrap();
    assert_eq!(
        jobs_of(&pre),
        [(
            "compact".into(),
            "started".into(),
            Some("compacting the conversation".into())
        )]
    );
    assert_eq!(
        jobs_of(&post),
        [("compact".into(), "completed".into(), None)]
    );
    assert!(!format!("{post:?}").contains("secret"));
}

#[test]
fn a_denial_by_claudes_checker_closes_the_call_and_model_and_mode_are_said() {
    let mut denied = call_payload("PermissionDenied");
    denied["reason"] = "auto mode classifier".into();
    denied["model"] = "claude-sonnet-4-5".into();
    let asked = plan(
        CLAUDE,
        &call_payload("PreToolUse"),
        None,
        TerminalInfo::default(),
        1,
    )
    .unwrap();
    let denied = plan(CLAUDE, &denied, None, TerminalInfo::default(), 1).unwrap();
    assert!(matches!(
        &denied.events[..],
        [EventEnvelope {
            event: HookEvent::GenericEventFrame {
                frame: EventFrame::ToolCallResult { .. }
            },
            ..
        }]
    ));
    assert_eq!(call_id_of(&denied), call_id_of(&asked));
    assert_eq!(denied.hello.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(denied.hello.permission_mode.as_deref(), Some("default"));
}

#[test]
fn codex_hooks_make_codex_sessions_named_by_their_thread() {
    let mut input = call_payload("PermissionRequest");
    input["session_id"] = "019a-thread".into();
    let asked = plan(CODEX, &input, None, TerminalInfo::default(), 9).unwrap();
    assert_eq!(asked.hello.agent.as_deref(), Some("codex"));
    assert_eq!(asked.hello.session_id, "codex-019a-thread");
    assert_eq!(asked.wait_for.as_deref(), Some("codex-permission-9"));
    assert_eq!(
        island_agents::bridge::claude::Flavor::named("qwen-code").map(|f| f.prefix),
        Some("qwen")
    );
    assert!(island_agents::bridge::claude::Flavor::named("nobody").is_none());
}

#[test]
fn a_codex_session_end_ends_the_session_and_claudes_sends_nothing() {
    let end = serde_json::json!({"session_id": "t1", "hook_event_name": "SessionEnd",
        "cwd": "/src/web", "reason": "other"});
    let ended = plan(CODEX, &end, None, TerminalInfo::default(), 1).unwrap();
    assert!(matches!(
        &ended.events[..],
        [EventEnvelope { event: HookEvent::GenericEventFrame { frame: EventFrame::SessionEnd { reason: Some(r) } }, .. }]
            if r == "other"
    ));
    assert!(plan(CLAUDE, &end, None, TerminalInfo::default(), 1).is_none());
}

#[test]
fn droids_hooks_make_droid_sessions_and_its_prompt_a_card_for_its_terminal() {
    // As Factory Droid 0.225.2 sent them (its permission prompt as its
    // docs give it: Droid has no PermissionRequest).
    let tool = serde_json::json!({"session_id": "15bc", "cwd": "/src/web",
        "permission_mode": "auto-low", "hook_event_name": "PreToolUse", "tool_name": "Execute",
        "tool_input": {"command": "npm test", "riskLevel": "low", "riskLevelReason": "tests"}});
    let started = plan(DROID, &tool, None, TerminalInfo::default(), 1).unwrap();
    assert_eq!(started.hello.agent.as_deref(), Some("droid"));
    assert_eq!(started.hello.session_id, "droid-15bc");
    assert_eq!(started.hello.permission_mode.as_deref(), Some("auto-low"));
    assert!(
        matches!(&started.events[..], [EventEnvelope { event: HookEvent::GenericEventFrame {
            frame: EventFrame::ToolCallStart { tool_name: Some(t), .. } }, .. }] if t == "Execute"),
        "{:?}",
        started.events
    );
    let prompt = serde_json::json!({"session_id": "15bc", "hook_event_name": "Notification",
        "notification_type": "permission_prompt", "message": "Droid needs your permission to use Execute"});
    let asked = plan(DROID, &prompt, None, TerminalInfo::default(), 2).unwrap();
    assert!(asked.wait_for.is_none() && !asked.hello.accepts_decisions);
    assert!(
        matches!(&asked.events[..], [EventEnvelope { event: HookEvent::ApprovalLifecycle {
            approval_id, reason: Some(r), .. }, .. }]
            if approval_id == "droid-prompt-2" && r == "Droid needs your permission to use Execute"),
        "{:?}",
        asked.events
    );
}
