//! A stub of the OpenAI chat completions API on 127.0.0.1 (what opencode's
//! `@ai-sdk/openai-compatible` provider, Qwen Code and Factory Droid's
//! custom models speak), enough for an agent to run a turn: when the
//! request offers the agent's shell tool (`bash`, `run_shell_command`,
//! `Execute`) and its last message is the user's, it streams one call of it
//! (the test's command, with a description and the fields that agent's
//! tool also wants);
//! anything else (a tool's result, the agent's own title request) gets a
//! short text. A stub, not a model: it exists because no model runs here.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::stub_http;

pub struct Stub {
    port: u16,
    asked: stub_http::Asked,
}

impl Stub {
    /// A stub whose model calls `shell`, the agent's shell tool.
    #[allow(dead_code)] // Droid's test starts it with its extra fields
    pub fn start(shell: &'static str) -> Self {
        Self::start_with(shell, json!({}))
    }

    /// [`Self::start`], the call also giving `extra`'s fields.
    pub fn start_with(shell: &'static str, extra: Value) -> Self {
        let asked = stub_http::Asked::new();
        let calls = AtomicU64::new(0);
        let command_now = asked.clone();
        let port = stub_http::serve(move |request_line, body| {
            if !request_line.starts_with("POST /v1/chat/completions") {
                return ("404 Not Found", "application/json", "{}".to_owned());
            }
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let command = command_now.command();
            let n = calls.fetch_add(1, Ordering::Relaxed);
            (
                "200 OK",
                "text/event-stream",
                reply(&request, shell, &command, &extra, n),
            )
        });
        Self { port, asked }
    }

    /// The base URL for an `@ai-sdk/openai-compatible` provider.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// The command the next prompts ask to run.
    pub fn ask_to_run(&self, command: &str) {
        self.asked.ask_to_run(command);
    }
}

fn reply(request: &Value, shell: &str, command: &str, extra: &Value, n: u64) -> String {
    let offers_shell = request["tools"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["function"]["name"] == shell));
    let from_user = request["messages"]
        .as_array()
        .and_then(|m| m.last())
        .is_some_and(|m| m["role"] == "user");
    let (delta, finish) = if offers_shell && from_user {
        let mut arguments = json!({"command": command, "description": "Create the marker file"});
        if let (Some(all), Some(extra)) = (arguments.as_object_mut(), extra.as_object()) {
            all.extend(extra.clone());
        }
        (
            json!({"role": "assistant", "tool_calls": [{"index": 0, "id": format!("call_{n}"),
                "type": "function", "function": {"name": shell, "arguments": arguments.to_string()}}]}),
            "tool_calls",
        )
    } else {
        let text = if offers_shell { "All done." } else { "Marker" };
        (json!({"role": "assistant", "content": text}), "stop")
    };
    let chunk = |delta: Value, finish: Value| {
        json!({"id": format!("chatcmpl-{n}"), "object": "chat.completion.chunk", "created": 0,
            "model": "stub-model", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut last = chunk(json!({}), json!(finish));
    last["usage"] = json!({"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2});
    format!(
        "data: {}\n\ndata: {last}\n\ndata: [DONE]\n\n",
        chunk(delta, Value::Null)
    )
}
