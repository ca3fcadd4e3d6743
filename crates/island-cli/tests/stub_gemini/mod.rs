//! A stub of the Gemini API on 127.0.0.1, enough for Gemini CLI to run a
//! turn: `streamGenerateContent` answers a new prompt with one call of
//! `run_shell_command` (the test's command) and a call's response with
//! "All done."; `generateContent` (Gemini's own side questions) with an
//! empty JSON object as text, `countTokens` with a small count. A stub, not
//! a model: it exists because no model runs here.

use serde_json::{Value, json};

use crate::stub_http;

pub struct Stub {
    port: u16,
    asked: stub_http::Asked,
}

impl Stub {
    pub fn start() -> Self {
        let asked = stub_http::Asked::new();
        let command_now = asked.clone();
        let port = stub_http::serve(move |request_line, body| {
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let usage = json!({"promptTokenCount": 10, "candidatesTokenCount": 5,
                "totalTokenCount": 15});
            if request_line.contains(":countTokens") {
                return (
                    "200 OK",
                    "application/json",
                    json!({"totalTokens": 10}).to_string(),
                );
            }
            let text = |text: &str| {
                json!({"candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP", "index": 0}], "usageMetadata": usage})
            };
            if !request_line.contains(":streamGenerateContent") {
                return ("200 OK", "application/json", text("{}").to_string());
            }
            let answered = request["contents"]
                .as_array()
                .and_then(|c| c.last())
                .and_then(|c| c["parts"].as_array())
                .is_some_and(|parts| parts.iter().any(|p| p.get("functionResponse").is_some()));
            let chunk = if answered {
                text("All done.")
            } else {
                let command = command_now.command();
                json!({"candidates": [{"content": {"role": "model", "parts": [{"functionCall": {
                    "name": "run_shell_command",
                    "args": {"command": command, "description": "Create the marker file"}}}]},
                    "finishReason": "STOP", "index": 0}], "usageMetadata": usage})
            };
            (
                "200 OK",
                "text/event-stream",
                format!("data: {chunk}\r\n\r\n"),
            )
        });
        Self { port, asked }
    }

    /// The base URL (`GOOGLE_GEMINI_BASE_URL`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The command the next prompts ask to run.
    pub fn ask_to_run(&self, command: &str) {
        self.asked.ask_to_run(command);
    }
}
