//! Questions through the Claude-shaped hook bridge: Claude Code's
//! AskUserQuestion and MCP elicitations, answered from Island where one
//! click answers them (their options as `chosen` decisions, the hook's
//! output as Claude's own dialog would give it), in the terminal where not.
//! On payloads as Claude Code 2.1.328 sent them.

#![allow(clippy::unwrap_used)]

mod common;

use common::request_of;
use island_agents::bridge::claude::{CLAUDE, output, plan};
use island_protocol::{EventEnvelope, EventFrame, HookEvent, ReviewDecision, TerminalInfo};
use serde_json::Value;

fn question(questions: Value) -> Value {
    serde_json::json!({"session_id": "s1", "hook_event_name": "PermissionRequest",
        "tool_name": "AskUserQuestion", "tool_input": {"questions": questions}})
}

#[test]
fn a_single_choice_question_is_answered_from_island_with_its_option() {
    let input = question(serde_json::json!([
        {"question": "Which database?", "header": "DB", "multiSelect": false,
         "options": [{"label": "Postgres", "description": "A server"}, {"label": "SQLite", "description": "A file"}]}
    ]));
    let asked = plan(CLAUDE, &input, None, TerminalInfo::default(), 3).unwrap();
    assert_eq!(asked.wait_for.as_deref(), Some("claude-question-3"));
    assert!(asked.hello.accepts_decisions);
    let request = request_of(&asked);
    assert_eq!(request.command.as_str(), "Which database?");
    assert_eq!(request.reason.as_deref(), Some("Claude Code asks (DB)"));
    let chosen = |l: &str| ReviewDecision::Chosen { label: l.into() };
    assert_eq!(
        request.available_decisions,
        [chosen("Postgres"), chosen("SQLite"), ReviewDecision::Denied]
    );
    // Answered as Claude's own dialog answers: the input, and `answers`
    // mapping the question to the label.
    let out: Value = serde_json::from_str(&output(&chosen("SQLite"), &input)).unwrap();
    let decision = &out["hookSpecificOutput"]["decision"];
    assert_eq!(decision["behavior"], "allow");
    assert_eq!(
        decision["updatedInput"]["answers"],
        serde_json::json!({"Which database?": "SQLite"})
    );
    assert_eq!(
        decision["updatedInput"]["questions"],
        input["tool_input"]["questions"]
    );
    // A label it does not offer is no answer, nor is a plain approve.
    for decision in [chosen("MySQL"), ReviewDecision::Approved] {
        let out: Value = serde_json::from_str(&output(&decision, &input)).unwrap();
        assert_eq!(out["hookSpecificOutput"]["decision"]["behavior"], "deny");
    }
    // Its result, with the answers added, closes the same call.
    let mut result = input.clone();
    result["hook_event_name"] = "PostToolUse".into();
    result["tool_input"]["answers"] = serde_json::json!({"Which database?": "SQLite"});
    let result = plan(CLAUDE, &result, None, TerminalInfo::default(), 4).unwrap();
    assert!(
        matches!(&result.events[..], [EventEnvelope { event: HookEvent::GenericEventFrame {
            frame: EventFrame::ToolCallResult { call_id: Some(c), .. } }, .. }] if *c == request.call_id),
        "{:?}",
        result.events
    );
}

#[test]
fn a_question_and_an_elicitation_island_cannot_answer_are_answered_in_the_terminal() {
    // Two questions, or several picks: Claude's dialog asks them.
    let options = serde_json::json!([{"label": "Postgres", "description": ""}, {"label": "SQLite", "description": ""}]);
    for questions in [
        serde_json::json!([
            {"question": "Which database?", "header": "DB", "multiSelect": false, "options": options},
            {"question": "Which cache?", "header": "Cache", "multiSelect": false, "options": options}
        ]),
        serde_json::json!([{"question": "Which database?", "header": "DB", "multiSelect": true, "options": options}]),
        // Options that read alike, or as Island's own Deny.
        serde_json::json!([{"question": "Which database?", "header": "DB", "multiSelect": false,
            "options": [{"label": "SQLite"}, {"label": "sqlite "}]}]),
        serde_json::json!([{"question": "Which database?", "header": "DB", "multiSelect": false,
            "options": [{"label": "Allow"}, {"label": "Deny"}]}]),
    ] {
        let question = plan(
            CLAUDE,
            &question(questions),
            None,
            TerminalInfo::default(),
            3,
        )
        .unwrap();
        assert!(question.wait_for.is_none() && !question.hello.accepts_decisions);
        assert!(
            matches!(&question.events[..], [EventEnvelope { event: HookEvent::ApprovalLifecycle { reason: Some(r), .. }, .. }]
                if r == "Claude Code asks: Which database?"),
            "{:?}",
            question.events
        );
    }
    // A form of two fields: Claude's own form asks it.
    let asked = serde_json::json!({"session_id": "s1", "hook_event_name": "Elicitation",
        "mcp_server_name": "tickets", "message": "Pick a board", "elicitation_id": "e1",
        "mode": "form", "requested_schema": {"type": "object", "properties": {
            "board": {"type": "string"}, "owner": {"type": "string"}}}});
    let answered = serde_json::json!({"session_id": "s1", "hook_event_name": "ElicitationResult",
        "mcp_server_name": "tickets", "elicitation_id": "e1", "action": "decline"});
    let asked = plan(CLAUDE, &asked, None, TerminalInfo::default(), 1).unwrap();
    let answered = plan(CLAUDE, &answered, None, TerminalInfo::default(), 2).unwrap();
    let (
        [
            EventEnvelope {
                event:
                    HookEvent::ApprovalLifecycle {
                        approval_id: opened,
                        reason: Some(reason),
                        ..
                    },
                ..
            },
        ],
        [
            EventEnvelope {
                event:
                    HookEvent::ApprovalLifecycle {
                        approval_id: closed,
                        phase,
                        ..
                    },
                ..
            },
        ],
    ) = (&asked.events[..], &answered.events[..])
    else {
        panic!("{:?} {:?}", asked.events, answered.events);
    };
    assert_eq!(opened, closed);
    assert_eq!(reason, "tickets asks: Pick a board");
    assert_eq!(*phase, island_protocol::ApprovalPhase::Denied);
    assert!(asked.wait_for.is_none());
}

fn elicitation(schema: Value) -> Value {
    serde_json::json!({"session_id": "s1", "cwd": "/src/web", "hook_event_name": "Elicitation",
        "mcp_server_name": "tickets", "message": "Pick a board", "mode": "form",
        "requested_schema": schema})
}

fn elicitation_answer(decision: &ReviewDecision, input: &Value) -> Value {
    let out: Value = serde_json::from_str(&output(decision, input)).unwrap();
    assert_eq!(out["hookSpecificOutput"]["hookEventName"], "Elicitation");
    out["hookSpecificOutput"].clone()
}

#[test]
fn an_elicitation_of_one_choice_is_answered_from_island_with_its_value() {
    let chosen = |l: &str| ReviewDecision::Chosen { label: l.into() };
    // A string enum, titled options, a boolean: one option per answer.
    let cases = [
        (
            serde_json::json!({"type": "string", "enum": ["backlog", "sprint"]}),
            ["backlog", "sprint"],
            serde_json::json!("sprint"),
        ),
        (
            serde_json::json!({"type": "string", "oneOf": [
                {"const": "b", "title": "Backlog"}, {"const": "s", "title": "Sprint"}]}),
            ["Backlog", "Sprint"],
            serde_json::json!("s"),
        ),
        (
            serde_json::json!({"type": "boolean"}),
            ["Yes", "No"],
            serde_json::json!(false),
        ),
    ];
    for (field, labels, second) in cases {
        let input = elicitation(serde_json::json!({"type": "object",
            "properties": {"board": field}, "required": ["board"]}));
        let asked = plan(CLAUDE, &input, None, TerminalInfo::default(), 5).unwrap();
        assert_eq!(asked.wait_for.as_deref(), Some("claude-elicitation-5"));
        assert!(asked.hello.accepts_decisions);
        let request = request_of(&asked);
        assert_eq!(request.command.as_str(), "Pick a board");
        assert_eq!(request.reason.as_deref(), Some("tickets asks (MCP server)"));
        assert_eq!(
            request.available_decisions,
            [chosen(labels[0]), chosen(labels[1]), ReviewDecision::Denied]
        );
        let answer = elicitation_answer(&chosen(labels[1]), &input);
        assert_eq!(answer["action"], "accept");
        assert_eq!(answer["content"], serde_json::json!({"board": second}));
        assert_eq!(
            elicitation_answer(&chosen("Other"), &input)["action"],
            "decline"
        );
        assert_eq!(
            elicitation_answer(&ReviewDecision::Denied, &input)["action"],
            "decline"
        );
    }
    // No fields: a confirmation, approved or denied.
    let input = elicitation(serde_json::json!({"type": "object", "properties": {}}));
    let asked = plan(CLAUDE, &input, None, TerminalInfo::default(), 6).unwrap();
    assert_eq!(
        request_of(&asked).available_decisions,
        [ReviewDecision::Approved, ReviewDecision::Denied]
    );
    let answer = elicitation_answer(&ReviewDecision::Approved, &input);
    assert_eq!(answer["action"], "accept");
    assert_eq!(answer["content"], serde_json::json!({}));
    // A URL to open, free text, options that read alike: the terminal.
    for input in [
        serde_json::json!({"session_id": "s1", "hook_event_name": "Elicitation",
            "mcp_server_name": "tickets", "message": "Sign in", "mode": "url",
            "url": "https://example.com", "elicitation_id": "e2"}),
        elicitation(
            serde_json::json!({"type": "object", "properties": {"name": {"type": "string"}}}),
        ),
        elicitation(
            serde_json::json!({"type": "object", "properties": {"board": {
            "type": "string", "enum": ["a", "b"], "enumNames": ["Same", "Same"]}}}),
        ),
    ] {
        let asked = plan(CLAUDE, &input, None, TerminalInfo::default(), 7).unwrap();
        assert!(
            asked.wait_for.is_none() && !asked.hello.accepts_decisions,
            "{input}"
        );
    }
}

#[test]
fn a_terminal_elicitation_of_a_server_is_a_new_card_each_time() {
    // No elicitation_id (a form): each gets an id of its own, so a server
    // that asks again is shown again; its result names none, and the
    // result hook's hello closes the card.
    let asked = |unique| {
        let input = elicitation(serde_json::json!({"type": "object", "properties": {
            "board": {"type": "string"}, "owner": {"type": "string"}}}));
        let plan = plan(CLAUDE, &input, None, TerminalInfo::default(), unique).unwrap();
        match &plan.events[..] {
            [
                EventEnvelope {
                    event: HookEvent::ApprovalLifecycle { approval_id, .. },
                    ..
                },
            ] => approval_id.clone(),
            other => panic!("{other:?}"),
        }
    };
    assert_ne!(asked(1), asked(2));
    let result = serde_json::json!({"session_id": "s1", "hook_event_name": "ElicitationResult",
        "mcp_server_name": "tickets", "action": "accept"});
    let result = plan(CLAUDE, &result, None, TerminalInfo::default(), 3).unwrap();
    assert!(result.events.is_empty(), "{:?}", result.events);
}
