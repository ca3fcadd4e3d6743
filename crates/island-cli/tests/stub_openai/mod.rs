//! A stub of OpenAI's Responses API on 127.0.0.1, enough for Codex CLI to
//! run a turn: to a new prompt, when Codex offers `exec_command`, it
//! answers with one call of it that asks to run the test's command outside
//! the sandbox (so that Codex asks for approval), with a justification; to
//! anything else (a call's output, Codex's own side requests such as a
//! title) with "All done.". Streamed as server-sent events, one request per
//! connection. A stub, not a model: it exists because no model runs here.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::stub_http;

pub struct Stub {
    port: u16,
    asked: stub_http::Asked,
}

impl Stub {
    pub fn start() -> Self {
        let asked = stub_http::Asked::new();
        let calls = AtomicU64::new(0);
        let command_now = asked.clone();
        let port = stub_http::serve(move |request_line, body| {
            if !request_line.starts_with("POST /v1/responses") {
                return ("404 Not Found", "application/json", "{}".to_owned());
            }
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let command = command_now.command();
            let n = calls.fetch_add(1, Ordering::Relaxed);
            ("200 OK", "text/event-stream", reply(&request, &command, n))
        });
        Self { port, asked }
    }

    /// The base URL for a `[model_providers.X]` entry.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// The command the next prompts ask to run.
    pub fn ask_to_run(&self, command: &str) {
        self.asked.ask_to_run(command);
    }
}

/// The response's events: a call of `exec_command` for a new prompt, text
/// otherwise.
fn reply(request: &Value, command: &str, n: u64) -> String {
    let offers_exec = request["tools"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["name"] == "exec_command"));
    let last = request["input"]
        .as_array()
        .and_then(|items| items.last())
        .cloned()
        .unwrap_or(Value::Null);
    let new_prompt = last["type"] == "message" && last["role"] == "user";
    let item = if offers_exec && new_prompt {
        let arguments = json!({
            "cmd": command,
            "sandbox_permissions": "require_escalated",
            "justification": "Create the marker file",
        });
        json!({"type": "function_call", "id": format!("fc_{n}"), "call_id": format!("call_{n}"),
            "name": "exec_command", "arguments": arguments.to_string()})
    } else {
        json!({"type": "message", "role": "assistant", "id": format!("msg_{n}"),
            "content": [{"type": "output_text", "text": "All done."}]})
    };
    let usage = json!({"input_tokens": 1, "input_tokens_details": null, "output_tokens": 1,
        "output_tokens_details": null, "total_tokens": 2});
    [
        (
            "response.created",
            json!({"type": "response.created", "response": {"id": format!("resp_{n}")}}),
        ),
        (
            "response.output_item.done",
            json!({"type": "response.output_item.done", "item": item}),
        ),
        (
            "response.completed",
            json!({"type": "response.completed", "response": {"id": format!("resp_{n}"), "usage": usage}}),
        ),
    ]
    .iter()
    .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
    .collect()
}
