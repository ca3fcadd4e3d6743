//! A stub of Anthropic's Messages API on 127.0.0.1, enough for Claude Code
//! to run a turn: to a prompt it answers with one Bash tool call (the
//! command the test sets, with a description), to that call's result with
//! "All done.". Streamed as server-sent events when asked to stream, one
//! JSON message otherwise. One request per connection (`Connection:
//! close`). A stub, not a model: it exists because no model runs here.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

pub struct Stub {
    port: u16,
    command: Arc<Mutex<String>>,
}

impl Stub {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stub");
        let port = listener.local_addr().expect("its address").port();
        let command = Arc::new(Mutex::new("true".to_owned()));
        let calls = Arc::new(AtomicU64::new(0));
        {
            let command = Arc::clone(&command);
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let (command, calls) = (Arc::clone(&command), Arc::clone(&calls));
                    std::thread::spawn(move || serve(stream, &command, &calls));
                }
            });
        }
        Self { port, command }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The command the next prompts ask to run.
    pub fn ask_to_run(&self, command: &str) {
        *self.command.lock().expect("the stub's lock") = command.to_owned();
    }
}

fn serve(stream: TcpStream, command: &Mutex<String>, calls: &AtomicU64) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (content_type, reply) = if request_line.starts_with("POST /v1/messages") {
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let command = command.lock().expect("the stub's lock").clone();
        let n = calls.fetch_add(1, Ordering::Relaxed);
        reply(&request, &command, n)
    } else {
        ("application/json", "{}".to_owned())
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reply.len()
    );
    let _ = writer.write_all(head.as_bytes());
    let _ = writer.write_all(reply.as_bytes());
}

/// A tool call for a new prompt (Claude merges a tool's result and the
/// next prompt into one message, and adds reminders of its own), text after
/// a tool's result.
fn reply(request: &Value, command: &str, n: u64) -> (&'static str, String) {
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
    let has_bash = request["tools"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["name"] == "Bash"));
    let (blocks, stop) = if has_bash && new_prompt {
        let input = json!({"command": command, "description": "Create the marker file"});
        (
            vec![
                json!({"type": "tool_use", "id": format!("toolu_{n:04}"), "name": "Bash", "input": input}),
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
        return ("application/json", message.to_string());
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
    ("text/event-stream", text)
}
