//! A stub of Anthropic's Messages API on 127.0.0.1, enough for Claude Code
//! to run a turn: to a prompt it answers with one Bash tool call (the
//! command the test sets, with a description) or, once the test asks for
//! it, one call of another tool (AskUserQuestion, an MCP server's tool); to that call's result with "All done.",
//! keeping the result's text for the test to read. Streamed as server-sent events when asked to stream, one
//! JSON message otherwise. One request per connection (`Connection:
//! close`). A stub, not a model: it exists because no model runs here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::stub_http;

pub struct Stub {
    port: u16,
    asked: stub_http::Asked,
    tool: Arc<Mutex<Option<Call>>>,
    results: Arc<Mutex<Vec<String>>>,
}

impl Stub {
    pub fn start() -> Self {
        let asked = stub_http::Asked::new();
        let calls = AtomicU64::new(0);
        let command_now = asked.clone();
        let tool = Arc::new(Mutex::new(None));
        let results = Arc::new(Mutex::new(Vec::new()));
        let (tool_now, results_seen) = (tool.clone(), results.clone());
        let port = stub_http::serve(move |request_line, body| {
            if !request_line.starts_with("POST /v1/messages") {
                return ("200 OK", "application/json", "{}".to_owned());
            }
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            results_seen
                .lock()
                .expect("the stub's lock")
                .extend(tool_results(&request));
            let mut asked = tool_now.lock().expect("the stub's lock");
            let call = match asked.clone() {
                Some(call) => call,
                None => Call {
                    tool: "Bash".to_owned(),
                    input: json!({"command": command_now.command(), "description": "Create the marker file"}),
                    once: false,
                },
            };
            let n = calls.fetch_add(1, Ordering::Relaxed);
            let (content_type, text, called) = reply(&request, &call, n);
            if called && call.once {
                // Asked once: from now on only text (a subagent, which
                // has the same tools, would ask again).
                *asked = Some(Call {
                    tool: String::new(),
                    input: Value::Null,
                    once: false,
                });
            }
            ("200 OK", content_type, text)
        });
        Self {
            port,
            asked,
            tool,
            results,
        }
    }

    /// The next prompts call `tool` with `input` instead of running a
    /// command.
    pub fn ask_tool(&self, tool: &str, input: Value) {
        self.ask(tool, input, false);
    }

    /// The next prompt calls `tool` with `input`; every request after that
    /// one gets text.
    pub fn ask_tool_once(&self, tool: &str, input: Value) {
        self.ask(tool, input, true);
    }

    fn ask(&self, tool: &str, input: Value, once: bool) {
        *self.tool.lock().expect("the stub's lock") = Some(Call {
            tool: tool.to_owned(),
            input,
            once,
        });
    }

    /// The text of every tool result Claude has sent back so far.
    pub fn tool_results(&self) -> Vec<String> {
        self.results.lock().expect("the stub's lock").clone()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The command the next prompts ask to run.
    pub fn ask_to_run(&self, command: &str) {
        self.asked.ask_to_run(command);
    }
}

/// A tool call the stub's model makes.
#[derive(Clone)]
struct Call {
    tool: String,
    input: Value,
    once: bool,
}

/// The text of the tool results in a request's last message.
fn tool_results(request: &Value) -> Vec<String> {
    let last = request["messages"].as_array().and_then(|m| m.last());
    let blocks = last.and_then(|m| m["content"].as_array());
    blocks
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "tool_result")
        .map(|b| match &b["content"] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// A tool call (`call`: the tool and its input) for a new prompt (Claude
/// merges a tool's result and the next prompt into one message, and adds
/// reminders of its own), text after a tool's result.
fn reply(request: &Value, call: &Call, n: u64) -> (&'static str, String, bool) {
    // The last message's blocks after its last tool result: a new prompt
    // is a text there that is not one of Claude's own reminders.
    let blocks_after_result: Vec<Value> = request["messages"]
        .as_array()
        .and_then(|m| m.last())
        .map(|m| match &m["content"] {
            Value::Array(blocks) => {
                let from = blocks
                    .iter()
                    .rposition(|b| b["type"] == "tool_result")
                    .map_or(0, |i| i + 1);
                blocks[from..].to_vec()
            }
            text => vec![json!({"type": "text", "text": text})],
        })
        .unwrap_or_default();
    let new_prompt = blocks_after_result.iter().any(|b| {
        b["type"] == "text"
            && !b["text"]
                .as_str()
                .unwrap_or_default()
                .trim_start()
                .starts_with("<system-reminder>")
    });
    let Call { tool, input, .. } = call;
    let has_tool = request["tools"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["name"] == *tool));
    let called = has_tool && new_prompt;
    let (blocks, stop) = if called {
        (
            vec![
                json!({"type": "tool_use", "id": format!("toolu_{n:04}"), "name": tool, "input": input}),
            ],
            "tool_use",
        )
    } else {
        (
            vec![json!({"type": "text", "text": "All done."})],
            "end_turn",
        )
    };
    let model = request["model"].clone();
    let usage = json!({"input_tokens": 1, "output_tokens": 1});
    if request["stream"] != true {
        let message = json!({"id": format!("msg_{n}"), "type": "message", "role": "assistant",
            "model": model, "content": blocks, "stop_reason": stop, "stop_sequence": null,
            "usage": usage});
        return ("application/json", message.to_string(), called);
    }
    let mut events = vec![(
        "message_start",
        json!({"type": "message_start", "message": {"id": format!("msg_{n}"), "type": "message",
            "role": "assistant", "model": model, "content": [], "stop_reason": null,
            "stop_sequence": null, "usage": usage}}),
    )];
    for (index, block) in blocks.iter().enumerate() {
        let (start, delta) = if block["type"] == "tool_use" {
            (
                json!({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}),
                json!({"type": "input_json_delta", "partial_json": block["input"].to_string()}),
            )
        } else {
            (
                json!({"type": "text", "text": ""}),
                json!({"type": "text_delta", "text": block["text"]}),
            )
        };
        events.push((
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": start}),
        ));
        events.push((
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index, "delta": delta}),
        ));
        events.push((
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
    }
    events.push((
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": {"output_tokens": 1}}),
    ));
    events.push(("message_stop", json!({"type": "message_stop"})));
    let text = events
        .iter()
        .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
        .collect();
    ("text/event-stream", text, called)
}
