//! Gemini CLI's hooks, event by event, on payloads as Gemini CLI 0.61.0
//! sent them (recorded against the real agent), and the watch of its
//! permission prompt on a session file that grows as Gemini's does.

#![allow(clippy::unwrap_used)]

use island_agents::bridge::gemini::{plan, prompt_closed, prompt_id, watch_prompt};
use island_protocol::{ApprovalPhase, EventFrame, HookEvent, TerminalInfo};
use serde_json::json;

fn payload(event: &str) -> serde_json::Value {
    json!({"session_id": "eb354519", "cwd": "/src/web", "hook_event_name": event,
        "transcript_path": "/home/me/.gemini/tmp/web/chats/session.jsonl",
        "timestamp": "2026-12-02T10:52:58.000Z"})
}

#[test]
fn turns_tools_and_the_session_end_map_and_the_prompt_is_never_sent() {
    let frames = |event: &str, extra: serde_json::Value| {
        let mut input = payload(event);
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let plan = plan(&input, Some(7), TerminalInfo::default(), 1);
        assert_eq!(plan.hello.session_id, "gemini-eb354519");
        assert_eq!(plan.hello.agent.as_deref(), Some("gemini-cli"));
        assert!(plan.wait_for.is_none() && !plan.hello.accepts_decisions);
        assert!(!format!("{plan:?}").contains("secret"));
        plan.events
            .into_iter()
            .map(|e| match e.event {
                HookEvent::GenericEventFrame { frame } => frame,
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    assert!(matches!(
        &frames("BeforeAgent", json!({"prompt": "secret"}))[..],
        [EventFrame::TurnStarted { .. }]
    ));
    let tool = json!({"tool_name": "run_shell_command",
        "tool_input": {"command": "touch marker", "description": "write a file"}});
    let (started, ended) = (
        frames("BeforeTool", tool.clone()),
        frames("AfterTool", tool),
    );
    let (
        [
            EventFrame::ToolCallStart {
                call_id: a,
                tool_name: Some(name),
            },
        ],
        [EventFrame::ToolCallResult { call_id: b, .. }],
    ) = (&started[..], &ended[..])
    else {
        panic!("{started:?} {ended:?}");
    };
    assert_eq!((a, name.as_str()), (b, "run_shell_command"));
    assert!(matches!(
        &frames(
            "AfterAgent",
            json!({"prompt": "secret", "prompt_response": "secret"})
        )[..],
        [EventFrame::TurnComplete { .. }]
    ));
    assert!(matches!(
        &frames("SessionEnd", json!({"reason": "exit"}))[..],
        [EventFrame::SessionEnd { reason: Some(r) }] if r == "exit"
    ));
    assert!(frames("SessionStart", json!({"source": "startup"})).is_empty());
    assert!(frames("PreCompress", json!({"trigger": "auto"})).is_empty());
}

#[test]
fn its_permission_prompt_is_a_card_to_answer_in_the_terminal() {
    let mut input = payload("Notification");
    input["notification_type"] = "ToolPermission".into();
    input["message"] = "Tool Confirm Shell Command requires execution".into();
    input["details"] = json!({"type": "exec", "title": "Confirm Shell Command",
        "command": "touch marker", "rootCommand": "touch"});
    let asked = plan(&input, None, TerminalInfo::default(), 5);
    assert_eq!(prompt_id(&asked), Some("gemini-prompt-5"));
    assert!(asked.wait_for.is_none() && !asked.hello.accepts_decisions);
    let HookEvent::GenericEventFrame {
        frame: EventFrame::ExecApprovalRequest { request },
    } = &asked.events[1].event
    else {
        panic!("{:?}", asked.events);
    };
    assert_eq!(request.command.as_str(), "touch marker");
    assert_eq!(request.reason.as_deref(), Some("Confirm Shell Command"));
    // Another notification is not a prompt.
    input["notification_type"] = "Other".into();
    assert!(prompt_id(&plan(&input, None, TerminalInfo::default(), 5)).is_none());
    let closed = prompt_closed(
        "eb354519",
        "gemini-prompt-5",
        ApprovalPhase::Denied,
        None,
        TerminalInfo::default(),
    );
    assert_eq!(closed.hello.session_id, "gemini-eb354519");
}

#[tokio::test]
async fn the_prompt_is_answered_when_the_session_file_grows() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.jsonl");
    std::fs::write(&file, "{\"type\":\"user\"}\n").unwrap();
    let from = std::fs::metadata(&file).unwrap().len();
    for (appended, phase) in [
        (
            "{\"id\":\"1\",\"type\":\"info\",\"content\":\"Request cancelled.\"}\n",
            ApprovalPhase::Denied,
        ),
        (
            "{\"id\":\"2\",\"type\":\"gemini\",\"toolCalls\":[]}\n",
            ApprovalPhase::Approved,
        ),
    ] {
        std::fs::write(&file, "{\"type\":\"user\"}\n").unwrap();
        let watch = tokio::spawn({
            let file = file.clone();
            async move { watch_prompt(&file, from, None).await }
        });
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str(appended);
        std::fs::write(&file, text).unwrap();
        assert_eq!(watch.await.unwrap(), phase);
    }
    // A file that is gone, or not a regular file: the watch ends.
    assert_eq!(
        watch_prompt(&dir.path().join("gone"), 0, None).await,
        ApprovalPhase::Cancelled
    );
    assert_eq!(
        watch_prompt(dir.path(), 0, None).await,
        ApprovalPhase::Cancelled
    );
}
