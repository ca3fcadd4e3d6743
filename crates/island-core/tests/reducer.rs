//! The session reducer, driven from data files: `tests/reducer/*.json`.
//! Each file is a list of steps (inputs at times) with the effects and
//! state expected after each one. One harness runs them all.
//!
//! Step keys: `t` (ms after 2026-11-23T10:00:00Z), then one input:
//! `open` {conn, pid?}, `line` {conn, text}, `event` {conn, event} (an event
//! object, wrapped in an envelope at `t`), `hello` {conn, ...hello fields},
//! `closed` conn, `tick`, `decide` {approval_id, decision, source,
//! reply_to?}, `focus` {session_id?, reply_to?}, `dnd` bool,
//! `process_gone` pid, `upstream_fixture` {pid, first_conn}; then
//! expectations: `effects` (exact), `effects_include` (each present),
//! `effects_exclude` (effect kinds absent), `states` {session: state},
//! `approvals` {session: [ids]}, `titles` {session: title}, `snapshot`
//! {session: {field: value}} (those fields of its PROTOCOL 5b snapshot;
//! `null` for one left out), `sessions` (count), `tray` (state).
//!
//! Over 400 lines: one harness with its typed steps and their checks;
//! the cases themselves are data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use island_core::answer_token::AnswerToken;
use island_core::tracker::{ConnId, Effect, Input, Peer, Policy, SessionTracker};
use island_protocol::{AgentMessage, Counters, Timestamp, decode_agent_line};
use serde_json::{Value, json};

const BASE_MS: i64 = 1_795_428_000_000; // 2026-11-23T10:00:00Z

fn at(t: i64) -> Timestamp {
    Timestamp::from_unix_millis(BASE_MS + t).expect("valid time")
}

fn conn(v: &Value) -> ConnId {
    ConnId(v.as_u64().expect("conn is a number"))
}

fn decode(text: &str) -> AgentMessage {
    decode_agent_line(text.as_bytes()).unwrap_or_else(|e| panic!("bad line in case: {e}: {text}"))
}

/// The inputs one step stands for.
fn inputs(step: &Value, t: i64) -> Vec<Input> {
    let mut out = Vec::new();
    if let Some(o) = step.get("open") {
        out.push(Input::Opened {
            conn: conn(&o["conn"]),
            peer: Peer {
                pid: o.get("pid").and_then(Value::as_u64).map(|p| p as u32),
                start_time: o.get("start_time").and_then(Value::as_u64),
            },
        });
    }
    if let Some(l) = step.get("line") {
        out.push(Input::Message {
            conn: conn(&l["conn"]),
            message: decode(l["text"].as_str().expect("text")),
        });
    }
    if let Some(e) = step.get("event") {
        let line = json!({ "at": at(t).to_string(), "event": e["event"] }).to_string();
        out.push(Input::Message {
            conn: conn(&e["conn"]),
            message: decode(&line),
        });
    }
    if let Some(h) = step.get("hello") {
        let mut hello = h.clone();
        let c = conn(&hello["conn"]);
        hello.as_object_mut().expect("object").remove("conn");
        hello["protocol"] = json!(1);
        out.push(Input::Message {
            conn: c,
            message: decode(&json!({ "hello": hello }).to_string()),
        });
    }
    if let Some(c) = step.get("closed") {
        out.push(Input::Closed { conn: conn(c) });
    }
    if step.get("tick").is_some() {
        out.push(Input::Tick);
    }
    if let Some(d) = step.get("decide") {
        out.push(Input::Decide {
            session_id: d
                .get("session_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            approval_id: d["approval_id"].as_str().expect("id").into(),
            decision: serde_json::from_value(d["decision"].clone()).expect("decision"),
            source: serde_json::from_value(d["source"].clone()).expect("source"),
            token: d.get("token").and_then(Value::as_str).map(str::to_owned),
            reply_to: d.get("reply_to").map(conn),
        });
    }
    if let Some(f) = step.get("focus") {
        out.push(Input::Focus {
            session_id: f
                .get("session_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            reply_to: f.get("reply_to").map(conn),
        });
    }
    if let Some(d) = step.get("dnd") {
        out.push(Input::SetDoNotDisturb(d.as_bool().expect("bool")));
    }
    if let Some(d) = step.get("desktop_dnd") {
        out.push(Input::SetDesktopDoNotDisturb(d.as_bool().expect("bool")));
    }
    if let Some(p) = step.get("process_gone") {
        out.push(Input::ProcessGone {
            pid: p.as_u64().expect("pid") as u32,
        });
    }
    if let Some(u) = step.get("upstream_fixture") {
        // Upstream connects, writes one line and closes, for every event.
        let fixture = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/upstream-approval-flow.jsonl"),
        )
        .expect("fixture");
        let pid = u["pid"].as_u64().map(|p| p as u32);
        let first = u["first_conn"].as_u64().expect("first_conn");
        for (i, line) in fixture.lines().enumerate() {
            let c = ConnId(first + i as u64);
            out.push(Input::Opened {
                conn: c,
                peer: Peer {
                    pid,
                    start_time: Some(77),
                },
            });
            out.push(Input::Message {
                conn: c,
                message: decode(line),
            });
            out.push(Input::Closed { conn: c });
        }
    }
    assert!(!out.is_empty(), "a step with no input: {step}");
    out
}

fn kind(effect: &Value) -> String {
    match effect {
        Value::String(s) => s.clone(),
        Value::Object(o) => o.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// What a case file may hold.
const CASE_KEYS: [&str; 4] = ["description", "policy", "answer_token_bytes", "steps"];

/// What a step may hold: its time, its inputs, and its expectations.
const STEP_KEYS: [&str; 24] = [
    "t",
    "open",
    "hello",
    "event",
    "line",
    "closed",
    "tick",
    "decide",
    "focus",
    "dnd",
    "desktop_dnd",
    "process_gone",
    "upstream_fixture",
    "effects",
    "effects_include",
    "effects_exclude",
    "records",
    "states",
    "approvals",
    "titles",
    "snapshot",
    "holding",
    "sessions",
    "tray",
];

fn run_case(path: &Path) {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    // A misspelled key would check nothing: every key must be known.
    for key in case.as_object().expect("a case is an object").keys() {
        assert!(
            CASE_KEYS.contains(&key.as_str()),
            "{name}: unknown key {key:?}"
        );
    }
    let mut policy = serde_json::to_value(Policy::default()).unwrap();
    if let Some(overrides) = case.get("policy").and_then(Value::as_object) {
        for (k, v) in overrides {
            assert!(policy.get(k).is_some(), "{name}: no policy setting {k:?}");
            policy[k] = v.clone();
        }
    }
    let mut tracker = SessionTracker::new(serde_json::from_value(policy).expect("policy"));
    // A case may give Island's terminal answer token as 16 bytes.
    if let Some(bytes) = case.get("answer_token_bytes") {
        let bytes: [u8; 16] = serde_json::from_value(bytes.clone()).expect("16 bytes");
        tracker = tracker.with_answer_token(AnswerToken::from_random(&bytes));
    }
    for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
        for key in step.as_object().expect("a step is an object").keys() {
            assert!(
                STEP_KEYS.contains(&key.as_str()),
                "{name} step {i}: unknown key {key:?}"
            );
        }
        let t = step["t"].as_i64().unwrap_or(0);
        let mut effects: Vec<Effect> = Vec::new();
        for input in inputs(step, t) {
            effects.extend(tracker.apply(input, at(t)));
            // The summary and deadlines kept per session agree with a
            // count over every session, after every input.
            if let Err(e) = tracker.check_index() {
                panic!("{name} step {i}: {e}");
            }
        }
        // What the history records is checked on its own ("records"):
        // the other expectations leave it out.
        let (records, got): (Vec<Value>, Vec<Value>) = effects
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .partition(|e| kind(e) == "record");
        if let Some(expected) = step.get("records") {
            let seen: Vec<Value> = records
                .iter()
                .map(|r| {
                    let r = &r["record"];
                    serde_json::json!([
                        r["session"],
                        r["approval"],
                        r["answered_by"],
                        r["decision"]
                    ])
                })
                .collect();
            assert_eq!(
                &Value::Array(seen),
                expected,
                "{name} step {i} ({step}): records {records:?}"
            );
        }
        let ctx = || {
            format!(
                "{name} step {i} ({step})\n  effects: {}",
                serde_json::to_string_pretty(&got).unwrap()
            )
        };
        if let Some(expected) = step.get("effects") {
            assert_eq!(&Value::Array(got.clone()), expected, "{}", ctx());
        }
        for wanted in step
            .get("effects_include")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert!(got.contains(wanted), "missing {wanted}\n{}", ctx());
        }
        for banned in step
            .get("effects_exclude")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let banned = banned.as_str().expect("kind");
            assert!(
                !got.iter().any(|e| kind(e) == banned),
                "unexpected {banned}\n{}",
                ctx()
            );
        }
        if let Some(holding) = step.get("holding") {
            assert_eq!(
                &serde_json::to_value(tracker.holding()).unwrap(),
                holding,
                "holding\n{}",
                ctx()
            );
        }
        for (id, state) in step
            .get("states")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let session = tracker
                .session(id)
                .unwrap_or_else(|| panic!("no session {id}\n{}", ctx()));
            assert_eq!(
                serde_json::to_value(session.state()).unwrap(),
                *state,
                "state of {id}\n{}",
                ctx()
            );
        }
        for (id, approvals) in step
            .get("approvals")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let session = tracker
                .session(id)
                .unwrap_or_else(|| panic!("no session {id}\n{}", ctx()));
            let ids: Vec<Value> = session.approvals.iter().map(|a| json!(a.id)).collect();
            assert_eq!(
                &Value::Array(ids),
                approvals,
                "approvals of {id}\n{}",
                ctx()
            );
        }
        for (id, title) in step
            .get("titles")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let session = tracker
                .session(id)
                .unwrap_or_else(|| panic!("no session {id}\n{}", ctx()));
            assert_eq!(json!(session.title), *title, "title of {id}\n{}", ctx());
        }
        for (id, fields) in step
            .get("snapshot")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let snapshot = tracker.snapshot(Counters::default());
            let session = snapshot
                .sessions
                .iter()
                .find(|s| s.id == *id)
                .unwrap_or_else(|| panic!("no session {id} in the snapshot\n{}", ctx()));
            let got = serde_json::to_value(session).unwrap();
            for (field, want) in fields.as_object().expect("fields").iter() {
                assert_eq!(
                    got.get(field).unwrap_or(&Value::Null),
                    want,
                    "snapshot {field} of {id}\n{}",
                    ctx()
                );
            }
        }
        if let Some(n) = step.get("sessions") {
            assert_eq!(
                json!(tracker.sessions().count()),
                *n,
                "session count\n{}",
                ctx()
            );
        }
        if let Some(tray) = step.get("tray") {
            assert_eq!(
                serde_json::to_value(tracker.tray().state).unwrap(),
                *tray,
                "tray\n{}",
                ctx()
            );
        }
    }
}

#[test]
fn every_reducer_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reducer");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.retain(|p| p.extension().is_some_and(|e| e == "json"));
    cases.sort();
    assert!(
        cases.len() >= 10,
        "expected the reducer cases in {}",
        dir.display()
    );
    for case in &cases {
        run_case(case);
    }
}

#[test]
fn the_snapshot_line_is_exactly_the_snapshot_encoded() {
    let mut tracker = SessionTracker::new(Policy::default());
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reducer/02_approval_requested_then_frame.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let counters = Counters {
        connections: 3,
        lines: 9,
        malformed: 1,
        oversized: 0,
        refused_peers: 2,
        refused_full: 4,
        timed_out: 5,
        refused_sessions: 0,
        refused_approvals: 0,
        refused_answers: 0,
    };
    for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let t = step["t"].as_i64().unwrap_or(0);
        for input in inputs(step, t) {
            tracker.apply(input, at(t));
        }
        let built = island_protocol::encode_line(&island_protocol::IslandMessage::Snapshot(
            tracker.snapshot(counters),
        ))
        .unwrap();
        assert_eq!(
            String::from_utf8(tracker.snapshot_line(counters).unwrap()).unwrap(),
            String::from_utf8(built).unwrap(),
            "step {i}"
        );
    }
}
