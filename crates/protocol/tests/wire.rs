//! Pins the exact JSON of every protocol type against PROTOCOL.md, and
//! decodes every line of the upstream fixture.
//!
//! Over 400 lines: the pinned JSON of every wire type, one contract.

use island_protocol::*;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn at() -> Timestamp {
    Timestamp::parse("2026-08-20T16:23:40.413561+00:00").expect("valid literal")
}

fn event_line(event: HookEvent) -> AgentMessage {
    AgentMessage::Event(EventEnvelope { at: at(), event })
}

fn sample_request() -> ExecApprovalRequestEvent {
    ExecApprovalRequestEvent {
        call_id: "call_01".into(),
        approval_id: "approval-7d9e".into(),
        turn_id: "turn-1".into(),
        command: "cargo test".into(),
        cwd: "/home/dev/proj".into(),
        reason: Some("Unmatched command prefix requires approval.".into()),
        matched_rule: None,
        network_approval_context: None,
        proposed_execpolicy_amendment: vec!["cargo".into()],
        proposed_network_policy_amendments: vec![],
        additional_permissions: vec![],
        available_decisions: vec![ReviewDecision::Approved, ReviewDecision::Denied],
    }
}

/// Every agent-side line, with the exact text it must encode to.
fn agent_cases() -> Vec<(AgentMessage, &'static str)> {
    vec![
        (
            event_line(HookEvent::ResponseStart {
                response_id: "r1".into(),
            }),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"response_start","response_id":"r1"}}"#,
        ),
        (
            event_line(HookEvent::ResponseDelta {
                response_id: "r1".into(),
                delta: "hi".into(),
            }),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"response_delta","response_id":"r1","delta":"hi"}}"#,
        ),
        (
            event_line(HookEvent::ResponseEnd {
                response_id: "r1".into(),
            }),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"response_end","response_id":"r1"}}"#,
        ),
        (
            event_line(HookEvent::ToolLifecycle {
                response_id: "tool-1".into(),
                tool_name: "exec_shell".into(),
                phase: "dispatching".into(),
                payload: json!({"call_id": "call_02"}),
            }),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"tool_lifecycle","response_id":"tool-1","tool_name":"exec_shell","phase":"dispatching","payload":{"call_id":"call_02"}}}"#,
        ),
        (
            event_line(HookEvent::JobLifecycle {
                job_id: "job-1".into(),
                phase: "running".into(),
                progress: Some(40),
                detail: None,
            }),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"job_lifecycle","job_id":"job-1","phase":"running","progress":40,"detail":null}}"#,
        ),
        (
            event_line(HookEvent::ApprovalLifecycle {
                approval_id: "approval-7d9e".into(),
                phase: ApprovalPhase::Requested,
                reason: Some("Unmatched command prefix requires approval.".into()),
            }),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"approval_lifecycle","approval_id":"approval-7d9e","phase":"requested","reason":"Unmatched command prefix requires approval."}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::TurnStarted {
                turn_id: "turn-1".into(),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"turn_started","turn_id":"turn-1"}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::TurnComplete {
                turn_id: "turn-1".into(),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"turn_complete","turn_id":"turn-1"}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::TurnAborted {
                turn_id: "turn-2".into(),
                reason: Some("interrupted".into()),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"turn_aborted","turn_id":"turn-2","reason":"interrupted"}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::ExecApprovalRequest {
                request: Box::new(sample_request()),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"exec_approval_request","request":{"call_id":"call_01","approval_id":"approval-7d9e","turn_id":"turn-1","command":"cargo test","cwd":"/home/dev/proj","reason":"Unmatched command prefix requires approval.","proposed_execpolicy_amendment":["cargo"],"proposed_network_policy_amendments":[],"additional_permissions":[],"available_decisions":[{"type":"approved"},{"type":"denied"}]}}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::ApplyPatchApprovalRequest {
                request: Box::new(ExecApprovalRequestEvent {
                    matched_rule: Some("patch".into()),
                    network_approval_context: Some(NetworkApprovalContext {
                        host: "crates.io".into(),
                        protocol: "https".into(),
                    }),
                    proposed_network_policy_amendments: vec![NetworkPolicyAmendment {
                        host: "crates.io".into(),
                        action: "allow".into(),
                    }],
                    available_decisions: vec![ReviewDecision::NetworkPolicyAmendment {
                        host: "crates.io".into(),
                        action: "allow".into(),
                    }],
                    ..sample_request()
                }),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"apply_patch_approval_request","request":{"call_id":"call_01","approval_id":"approval-7d9e","turn_id":"turn-1","command":"cargo test","cwd":"/home/dev/proj","reason":"Unmatched command prefix requires approval.","matched_rule":"patch","network_approval_context":{"host":"crates.io","protocol":"https"},"proposed_execpolicy_amendment":["cargo"],"proposed_network_policy_amendments":[{"host":"crates.io","action":"allow"}],"additional_permissions":[],"available_decisions":[{"type":"network_policy_amendment","host":"crates.io","action":"allow"}]}}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::UserInputRequest {
                request: json!({"prompt": "name?"}),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"user_input_request","request":{"prompt":"name?"}}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::Error {
                response_id: Some("tool-9".into()),
                message: "Command blocked".into(),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"error","response_id":"tool-9","message":"Command blocked"}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::ToolCallStart {
                call_id: Some("call_3".into()),
                tool_name: Some("read_file".into()),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"tool_call_start","call_id":"call_3","tool_name":"read_file"}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::ToolCallResult {
                call_id: Some("call_3".into()),
                tool_name: None,
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"tool_call_result","call_id":"call_3"}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::ExecCommandBegin {
                command: "ls -la".into(),
                cwd: Some("/tmp/p".into()),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"exec_command_begin","command":"ls -la","cwd":"/tmp/p"}}}"#,
        ),
        (
            event_line(HookEvent::frame(EventFrame::ExecCommandEnd {
                command: "ls -la".into(),
                exit_code: Some(2),
            })),
            r#"{"at":"2026-08-20T16:23:40.413561+00:00","event":{"type":"generic_event_frame","frame":{"event":"exec_command_end","command":"ls -la","exit_code":2}}}"#,
        ),
        (
            AgentMessage::Hello(Box::new(Hello {
                protocol: 1,
                agent: Some("codewhale".into()),
                agent_version: Some("0.1.0".into()),
                session_id: "sess_4f2a9c1e".into(),
                pid: Some(4242),
                cwd: Some("/home/me/proj".into()),
                title: Some("proj".into()),
                accepts_decisions: true,
                terminal: Some(TerminalInfo {
                    tty: Some("/dev/pts/3".into()),
                    term_program: Some("kitty".into()),
                    tmux: Some("/tmp/tmux-1000/default,1234,0".into()),
                    tmux_pane: Some("%3".into()),
                    kitty_window_id: Some("7".into()),
                    kitty_listen_on: Some("unix:/tmp/kitty-1000".into()),
                    wezterm_pane: Some("12".into()),
                    wezterm_unix_socket: None,
                    windowid: Some("41943047".into()),
                    iterm_session_id: None,
                    term_session_id: None,
                }),
                transient: false,
                host: None,
                model: None,
                permission_mode: None,
            })),
            // The example of PROTOCOL 4.2, byte for byte.
            r#"{"hello":{"protocol":1,"agent":"codewhale","agent_version":"0.1.0","session_id":"sess_4f2a9c1e","pid":4242,"cwd":"/home/me/proj","title":"proj","accepts_decisions":true,"terminal":{"tty":"/dev/pts/3","term_program":"kitty","tmux":"/tmp/tmux-1000/default,1234,0","tmux_pane":"%3","kitty_window_id":"7","kitty_listen_on":"unix:/tmp/kitty-1000","wezterm_pane":"12","windowid":"41943047","iterm_session_id":null,"term_session_id":null}}}"#,
        ),
        (
            // A hook bridge's hello (this project's extension of 4.2).
            AgentMessage::Hello(Box::new(Hello {
                protocol: 1,
                agent: Some("claude-code".into()),
                session_id: "claude-1f2e".into(),
                pid: Some(777),
                accepts_decisions: true,
                transient: true,
                ..Hello::default()
            })),
            r#"{"hello":{"protocol":1,"agent":"claude-code","agent_version":null,"session_id":"claude-1f2e","pid":777,"cwd":null,"title":null,"accepts_decisions":true,"terminal":null,"transient":true}}"#,
        ),
        (
            // Through an SSH forward, the machine it runs on (this
            // project's extension of 4.2).
            AgentMessage::Hello(Box::new(Hello {
                protocol: 1,
                agent: Some("claude-code".into()),
                session_id: "claude-1f2e".into(),
                pid: Some(777),
                transient: true,
                host: Some("devbox".into()),
                ..Hello::default()
            })),
            r#"{"hello":{"protocol":1,"agent":"claude-code","agent_version":null,"session_id":"claude-1f2e","pid":777,"cwd":null,"title":null,"accepts_decisions":false,"terminal":null,"transient":true,"host":"devbox"}}"#,
        ),
        (
            // `island remote` registers its forward (this project's
            // extension of 5c).
            AgentMessage::Remote(RemoteRequest {
                host: "devbox".into(),
                ssh_pid: 4321,
                control_path: Some("/run/user/1000/codewhale/remote-4320.ctl".into()),
            }),
            r#"{"remote":{"host":"devbox","ssh_pid":4321,"control_path":"/run/user/1000/codewhale/remote-4320.ctl"}}"#,
        ),
        (AgentMessage::Status(StatusRequest {}), r#"{"status":{}}"#),
        (AgentMessage::Watch(WatchRequest {}), r#"{"watch":{}}"#),
        (
            AgentMessage::Decide(DecideRequest {
                session_id: None,
                approval_id: "approval-7d9e".into(),
                decision: ReviewDecision::Denied,
                token: None,
            }),
            r#"{"decide":{"approval_id":"approval-7d9e","decision":{"type":"denied"}}}"#,
        ),
        (
            AgentMessage::Decide(DecideRequest {
                session_id: Some("sess_4f2a9c1e".into()),
                approval_id: "approval-7d9e".into(),
                decision: ReviewDecision::Approved,
                token: Some("K7QM-2XWD-9FTB-H4NR".into()),
            }),
            r#"{"decide":{"session_id":"sess_4f2a9c1e","approval_id":"approval-7d9e","decision":{"type":"approved"},"token":"K7QM-2XWD-9FTB-H4NR"}}"#,
        ),
        (
            AgentMessage::Focus(FocusRequest {
                session_id: Some("sess_4f2a9c1e".into()),
                waiting: false,
            }),
            r#"{"focus":{"session_id":"sess_4f2a9c1e"}}"#,
        ),
        (
            AgentMessage::Focus(FocusRequest {
                session_id: None,
                waiting: true,
            }),
            r#"{"focus":{"waiting":true}}"#,
        ),
    ]
}

fn island_cases() -> Vec<(IslandMessage, &'static str)> {
    vec![
        (
            IslandMessage::Welcome(Welcome {
                protocol: 1,
                island_version: "0.1.0".into(),
            }),
            r#"{"welcome":{"protocol":1,"island_version":"0.1.0"}}"#,
        ),
        (
            IslandMessage::Decision(Decision {
                approval_id: "approval-7d9e".into(),
                decision: ReviewDecision::Approved,
                source: DecisionSource::Notification,
            }),
            r#"{"decision":{"approval_id":"approval-7d9e","decision":{"type":"approved"},"source":"notification"}}"#,
        ),
        (
            IslandMessage::Decided(Decided {
                ok: true,
                reason: None,
                needs_token: false,
            }),
            r#"{"decided":{"ok":true}}"#,
        ),
        (
            IslandMessage::Decided(Decided {
                ok: false,
                reason: Some("no open approval approval-7d9e".into()),
                needs_token: false,
            }),
            r#"{"decided":{"ok":false,"reason":"no open approval approval-7d9e"}}"#,
        ),
        (
            IslandMessage::Focused(Focused {
                ok: true,
                how: Some("tmux".into()),
                reason: None,
            }),
            r#"{"focused":{"ok":true,"how":"tmux"}}"#,
        ),
        (
            IslandMessage::Focused(Focused {
                ok: false,
                how: None,
                reason: Some("pane %3 no longer exists".into()),
            }),
            r#"{"focused":{"ok":false,"reason":"pane %3 no longer exists"}}"#,
        ),
    ]
}

#[test]
fn every_agent_message_has_its_exact_json() -> TestResult {
    for (message, expected) in agent_cases() {
        let line = encode_line(&message)?;
        assert_eq!(std::str::from_utf8(&line)?, format!("{expected}\n"));
        assert_eq!(
            decode_agent_line(expected.as_bytes())?,
            message,
            "{expected}"
        );
    }
    Ok(())
}

#[test]
fn every_island_message_has_its_exact_json() -> TestResult {
    for (message, expected) in island_cases() {
        let line = encode_line(&message)?;
        assert_eq!(std::str::from_utf8(&line)?, format!("{expected}\n"));
        assert_eq!(
            decode_island_line(expected.as_bytes())?,
            message,
            "{expected}"
        );
    }
    Ok(())
}

#[test]
fn every_review_decision_has_its_exact_json() -> TestResult {
    let cases = [
        (ReviewDecision::Approved, r#"{"type":"approved"}"#),
        (
            ReviewDecision::ApprovedForSession,
            r#"{"type":"approved_for_session"}"#,
        ),
        (
            ReviewDecision::ApprovedExecpolicyAmendment,
            r#"{"type":"approved_execpolicy_amendment"}"#,
        ),
        (ReviewDecision::Denied, r#"{"type":"denied"}"#),
        (ReviewDecision::Abort, r#"{"type":"abort"}"#),
        (
            ReviewDecision::NetworkPolicyAmendment {
                host: "h".into(),
                action: "deny".into(),
            },
            r#"{"type":"network_policy_amendment","host":"h","action":"deny"}"#,
        ),
        (
            ReviewDecision::Chosen {
                label: "SQLite".into(),
            },
            r#"{"type":"chosen","label":"SQLite"}"#,
        ),
    ];
    for (decision, expected) in cases {
        assert_eq!(serde_json::to_string(&decision)?, expected);
        assert_eq!(serde_json::from_str::<ReviewDecision>(expected)?, decision);
    }
    Ok(())
}

#[test]
fn every_approval_phase_and_source_and_state_has_its_wire_name() -> TestResult {
    for name in [
        "requested",
        "approved",
        "approved_for_session",
        "denied",
        "aborted",
        "cancelled",
        "timed_out",
    ] {
        let phase = ApprovalPhase::from_wire(name);
        assert!(!matches!(phase, ApprovalPhase::Other(_)), "{name}");
        assert_eq!(serde_json::to_string(&phase)?, format!("\"{name}\""));
        assert_eq!(phase.is_closing(), name != "requested");
    }
    assert!(
        ApprovalPhase::from_wire("expired").is_closing(),
        "unknown phases close"
    );
    for (source, name) in [
        (DecisionSource::Notification, "notification"),
        (DecisionSource::Widget, "widget"),
        (DecisionSource::Tray, "tray"),
        (DecisionSource::Cli, "cli"),
    ] {
        assert_eq!(serde_json::to_string(&source)?, format!("\"{name}\""));
    }
    for (state, name) in [
        (SessionState::Idle, "idle"),
        (SessionState::Working, "working"),
        (SessionState::NeedsApproval, "needs_approval"),
        (SessionState::Done, "done"),
        (SessionState::Aborted, "aborted"),
        (SessionState::Disconnected, "disconnected"),
    ] {
        assert_eq!(serde_json::to_string(&state)?, format!("\"{name}\""));
    }
    Ok(())
}

#[test]
fn the_snapshot_example_of_protocol_5b_decodes_and_reencodes() -> TestResult {
    let text = r#"{"snapshot":{
  "sessions":[{
    "id":"sess_4f2a9c1e","agent":"codewhale","title":"proj","cwd":"/home/me/proj",
    "state":"needs_approval","turn_started_at":"2026-11-23T10:00:00Z","last_activity_at":"2026-11-23T10:00:04Z",
    "approvals":[{"approval_id":"approval-7d9e","command":"cargo test","cwd":"/home/me/proj",
                  "reason":"Unmatched command prefix requires approval.",
                  "decisions":[{"type":"approved"},{"type":"denied"}],
                  "requested_at":"2026-11-23T10:00:04Z"}]}],
  "counters":{"connections":3,"lines":120,"malformed":0,"oversized":0,"refused_peers":0}}}"#;
    let IslandMessage::Snapshot(snapshot) = decode_island_line(text.as_bytes())? else {
        panic!("not a snapshot");
    };
    assert_eq!(snapshot.sessions[0].state, SessionState::NeedsApproval);
    assert_eq!(snapshot.sessions[0].approvals[0].decisions.len(), 2);
    assert_eq!(snapshot.counters.lines, 120);
    let again = encode_line(&IslandMessage::Snapshot(snapshot.clone()))?;
    assert_eq!(
        decode_island_line(&again[..again.len() - 1])?,
        IslandMessage::Snapshot(snapshot)
    );
    assert_eq!(
        std::str::from_utf8(&again)?,
        concat!(
            r#"{"snapshot":{"sessions":[{"id":"sess_4f2a9c1e","agent":"codewhale","title":"proj","cwd":"/home/me/proj","#,
            r#""state":"needs_approval","turn_started_at":"2026-11-23T10:00:00.000000+00:00","last_activity_at":"2026-11-23T10:00:04.000000+00:00","#,
            r#""approvals":[{"approval_id":"approval-7d9e","command":"cargo test","cwd":"/home/me/proj","reason":"Unmatched command prefix requires approval.","#,
            r#""decisions":[{"type":"approved"},{"type":"denied"}],"requested_at":"2026-11-23T10:00:04.000000+00:00"}]}],"#,
            r#""counters":{"connections":3,"lines":120,"malformed":0,"oversized":0,"refused_peers":0}}}"#,
            "\n"
        )
    );
    Ok(())
}

const FIXTURE: &str = include_str!("../../../tests/fixtures/upstream-approval-flow.jsonl");

#[test]
fn every_upstream_fixture_line_decodes_as_an_event() -> TestResult {
    let mut count = 0;
    for line in FIXTURE.lines() {
        let AgentMessage::Event(envelope) = decode_agent_line(line.as_bytes())? else {
            panic!("not an event: {line}");
        };
        assert!(!matches!(envelope.event, HookEvent::Unknown), "{line}");
        if let HookEvent::GenericEventFrame { frame } = &envelope.event {
            assert!(!matches!(frame, EventFrame::Unknown), "{line}");
        }
        // Re-encoding keeps every field (compared as JSON values, since
        // upstream wrote some timestamps with other precisions).
        let again: Value = serde_json::from_slice(&encode_line(&envelope)?)?;
        let original: Value = serde_json::from_str(line)?;
        assert_eq!(again["event"], original["event"], "{line}");
        count += 1;
    }
    assert_eq!(count, 14);
    Ok(())
}

#[test]
fn upstream_approval_frame_reencodes_byte_for_byte() -> TestResult {
    let line = FIXTURE.lines().nth(2).ok_or("fixture too short")?;
    let message = decode_agent_line(line.as_bytes())?;
    let AgentMessage::Event(EventEnvelope {
        event:
            HookEvent::GenericEventFrame {
                frame: EventFrame::ExecApprovalRequest { request },
            },
        ..
    }) = &message
    else {
        panic!("line 3 is the approval frame");
    };
    assert_eq!(request.available_decisions.len(), 5);
    assert_eq!(request.command.as_str(), "cargo test");
    assert_eq!(
        std::str::from_utf8(&encode_line(&message)?)?,
        format!("{line}\n")
    );
    Ok(())
}

#[test]
fn newer_agents_do_not_break_this_version() -> TestResult {
    let cases = [
        r#"{"at":"2026-08-20T16:23:40Z","event":{"type":"brand_new_event","x":1}}"#,
        r#"{"at":"2026-08-20T16:23:40Z","event":{"type":"generic_event_frame","frame":{"event":"brand_new_frame","y":[1]}}}"#,
        r#"{"at":"2026-08-20T16:23:40Z","extra":true,"event":{"type":"response_start","response_id":"r","new_field":{}}}"#,
    ];
    for line in cases {
        assert!(
            matches!(decode_agent_line(line.as_bytes())?, AgentMessage::Event(_)),
            "{line}"
        );
    }
    let AgentMessage::Event(e) = decode_agent_line(cases[0].as_bytes())? else {
        unreachable!()
    };
    assert_eq!(e.event, HookEvent::Unknown);
    let hello = r#"{"hello":{"protocol":1,"session_id":"s","future":"x"}}"#;
    assert!(matches!(
        decode_agent_line(hello.as_bytes())?,
        AgentMessage::Hello(_)
    ));
    let decision =
        r#"{"decision":{"approval_id":"a","decision":{"type":"later_decision"},"source":"watch"}}"#;
    let IslandMessage::Decision(d) = decode_island_line(decision.as_bytes())? else {
        unreachable!()
    };
    assert_eq!(
        (d.decision, d.source),
        (ReviewDecision::Unknown, DecisionSource::Unknown)
    );
    Ok(())
}

#[test]
fn argv_commands_are_joined_with_shell_quoting() -> TestResult {
    let line = r#"{"at":"2026-08-20T16:23:40Z","event":{"type":"generic_event_frame","frame":{"event":"exec_command_begin","command":["rm","-rf","my dir"],"cwd":null}}}"#;
    let AgentMessage::Event(EventEnvelope {
        event:
            HookEvent::GenericEventFrame {
                frame: EventFrame::ExecCommandBegin { command, .. },
            },
        ..
    }) = decode_agent_line(line.as_bytes())?
    else {
        panic!("not exec_command_begin");
    };
    assert_eq!(command.as_str(), "rm -rf 'my dir'");
    Ok(())
}

#[test]
fn bad_lines_say_why() {
    let cases: [(&[u8], &str); 6] = [
        (b"not json", "malformed"),
        (b"{\"at\":\"2026-08-20T16:23:40Z\"", "malformed"),
        (
            b"{\"event\":{\"type\":\"response_start\",\"response_id\":\"r\"}}",
            "missing field `at`",
        ),
        (
            b"{\"at\":\"soon\",\"event\":{\"type\":\"response_start\",\"response_id\":\"r\"}}",
            "bad timestamp",
        ),
        (b"{\"what\":1}", "unknown message"),
        (b"{\"hello\":\"\xff\xfe\"}", "malformed"),
    ];
    for (line, expected) in cases {
        match decode_agent_line(line) {
            Ok(m) => panic!("{:?} decoded as {m:?}", String::from_utf8_lossy(line)),
            Err(e) => assert!(e.to_string().contains(expected), "{e} (wanted {expected})"),
        }
    }
}

#[test]
fn crlf_is_tolerated_and_deep_nesting_is_an_error_not_a_crash() -> TestResult {
    let line = b"{\"status\":{}}\r";
    assert_eq!(
        decode_agent_line(line)?,
        AgentMessage::Status(StatusRequest {})
    );
    let deep = format!(
        r#"{{"at":"2026-08-20T16:23:40Z","event":{{"type":"tool_lifecycle","response_id":"r","tool_name":"t","phase":"p","payload":{}{}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let err = decode_agent_line(deep.as_bytes())
        .err()
        .ok_or("deep nesting must fail")?;
    assert!(err.to_string().contains("recursion limit"), "{err}");
    Ok(())
}

#[test]
fn a_number_in_an_opaque_payload_survives_a_second_round_trip() -> TestResult {
    // Found by the decode_agent_line fuzzer: without exact float parsing
    // (serde_json's float_roundtrip) a long integer literal read as a
    // float re-encoded to digits that read back as another float.
    let text = r#"{"at":"2026-08-20T16:23:40Z","event":{"type":"tool_lifecycle","response_id":"r","tool_name":"t","phase":"precheck","payload":{"n":[222222222222262222222222222222222222,0.1,1e308,5e-324]}}}"#;
    let line = encode_line(&decode_agent_line(text.as_bytes())?)?;
    let again = encode_line(&decode_agent_line(&line[..line.len() - 1])?)?;
    assert_eq!(std::str::from_utf8(&line)?, std::str::from_utf8(&again)?);
    Ok(())
}
