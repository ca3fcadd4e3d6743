//! How a waiting `PermissionRequest` hook learns that Claude Code's own
//! dialog was answered. Claude does not end the hook then (2.1.328), and
//! a denial runs no other hook, so Island would show the card until the
//! hook gave up. Claude writes every tool call and its result to the
//! session's transcript (`transcript_path`, JSON lines): the hook finds
//! the call it asks about (the last one with its tool and input that has
//! no result yet) and watches for that call's result.
//!
//! The path comes from Claude's hook input: only a regular file is read,
//! at most its last MiB at first and what is appended after, and nothing
//! of it leaves the hook but how the prompt closed.

use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Duration;

use island_protocol::ApprovalPhase;
use serde_json::Value;

/// Read at most this much of the transcript's end at first.
const TAIL: u64 = 1024 * 1024;
/// And at most this much of what was appended, per look.
const STEP: u64 = 4 * 1024 * 1024;
/// How often it looks.
const EVERY: Duration = Duration::from_millis(150);

/// Ends when the call `tool`/`input` gets its result in the transcript at
/// `path`: denied when Claude's result says the user rejected it, else
/// approved (it ran). Never ends when the file cannot be read.
pub async fn answered_in_terminal(path: &Path, tool: &str, input: &Value) -> ApprovalPhase {
    let Some(mut watch) = Watch::open(path, tool, input) else {
        return std::future::pending().await;
    };
    loop {
        if let Some(phase) = watch.look() {
            return phase;
        }
        tokio::time::sleep(EVERY).await;
    }
}

struct Watch<'a> {
    file: std::fs::File,
    offset: u64,
    /// An unfinished last line.
    partial: Vec<u8>,
    tool: &'a str,
    input: &'a Value,
    /// Whether the first look (what was there when the hook started) is
    /// done.
    looked: bool,
    /// Calls with this tool and input in what was there at first, and the
    /// calls that had their result by then.
    earlier: Vec<String>,
    done: HashSet<String>,
    /// The call asked about: the last of those without a result, or the
    /// first such call written after.
    mine: Option<String>,
}

impl<'a> Watch<'a> {
    fn open(path: &Path, tool: &'a str, input: &'a Value) -> Option<Self> {
        // Not a FIFO or a device, which could block or never end.
        if !std::fs::metadata(path).ok()?.is_file() {
            return None;
        }
        let mut file = std::fs::File::open(path).ok()?;
        let len = file.seek(SeekFrom::End(0)).ok()?;
        let offset = len.saturating_sub(TAIL);
        Some(Self {
            file,
            offset,
            // Starting inside a line: it is skipped (not JSON).
            partial: if offset > 0 {
                b"\0".to_vec()
            } else {
                Vec::new()
            },
            tool,
            input,
            looked: false,
            earlier: Vec::new(),
            done: HashSet::new(),
            mine: None,
        })
    }

    /// Reads what was appended; the phase once the call has its result.
    fn look(&mut self) -> Option<ApprovalPhase> {
        let answered = self.read_new_lines();
        if !self.looked {
            self.looked = true;
            self.mine = self
                .earlier
                .iter()
                .rev()
                .find(|id| !self.done.contains(*id))
                .cloned();
            return None;
        }
        answered
    }

    fn read_new_lines(&mut self) -> Option<ApprovalPhase> {
        let mut chunk = Vec::new();
        self.file.seek(SeekFrom::Start(self.offset)).ok()?;
        let read = (&mut self.file).take(STEP).read_to_end(&mut chunk).ok()?;
        self.offset += read as u64;
        self.partial.extend_from_slice(&chunk);
        let end = self.partial.iter().rposition(|b| *b == b'\n')?;
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        complete
            .split(|b| *b == b'\n')
            .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
            .find_map(|entry| self.entry(&entry))
    }

    fn entry(&mut self, entry: &Value) -> Option<ApprovalPhase> {
        let blocks = entry
            .get("message")
            .and_then(|m| m.get("content"))
            .and_then(Value::as_array)?;
        for block in blocks {
            match block.get("type").and_then(Value::as_str) {
                Some("tool_use")
                    if block.get("name").and_then(Value::as_str) == Some(self.tool)
                        && block.get("input") == Some(self.input) =>
                {
                    let Some(id) = block.get("id").and_then(Value::as_str) else {
                        continue;
                    };
                    if !self.looked {
                        self.earlier.push(id.to_owned());
                    } else if self.mine.is_none() {
                        self.mine = Some(id.to_owned());
                    }
                }
                Some("tool_result") => {
                    let Some(id) = block.get("tool_use_id").and_then(Value::as_str) else {
                        continue;
                    };
                    if self.looked && self.mine.as_deref() == Some(id) {
                        return Some(phase_of(block));
                    }
                    self.done.insert(id.to_owned());
                }
                _ => {}
            }
        }
        None
    }
}

/// How Claude's result for the call says the prompt closed.
fn phase_of(result: &Value) -> ApprovalPhase {
    let rejected = result.get("is_error").and_then(Value::as_bool) == Some(true)
        && result
            .get("content")
            .map(Value::to_string)
            .is_some_and(|text| text.contains("doesn't want to proceed"));
    if rejected {
        ApprovalPhase::Denied
    } else {
        ApprovalPhase::Approved
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;

    use super::*;

    fn call(id: &str) -> String {
        serde_json::json!({"type": "assistant", "message": {"content": [
            {"type": "tool_use", "id": id, "name": "Bash", "input": {"command": "touch m"}}]}})
        .to_string()
            + "\n"
    }

    fn result(id: &str, rejected: bool) -> String {
        let content = if rejected {
            "The user doesn't want to proceed with this tool use."
        } else {
            "(Bash completed with no output)"
        };
        serde_json::json!({"type": "user", "message": {"content": [
            {"type": "tool_result", "tool_use_id": id, "content": content, "is_error": rejected}]}})
        .to_string()
            + "\n"
    }

    async fn watch(text: &str, then: &str) -> Option<ApprovalPhase> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, text).unwrap();
        let input = serde_json::json!({"command": "touch m"});
        let watching = answered_in_terminal(&path, "Bash", &input);
        let appending = async {
            tokio::time::sleep(EVERY * 3).await;
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            // Half a line first: nothing is read of it until it ends.
            let (head, tail) = then.split_at(then.len() / 2);
            file.write_all(head.as_bytes()).unwrap();
            tokio::time::sleep(EVERY * 2).await;
            file.write_all(tail.as_bytes()).unwrap();
            std::future::pending::<()>().await;
        };
        tokio::select! {
            phase = watching => Some(phase),
            () = appending => None,
            () = tokio::time::sleep(Duration::from_secs(2)) => None,
        }
    }

    #[tokio::test]
    async fn the_calls_result_says_how_its_prompt_closed_and_an_earlier_same_call_does_not() {
        let earlier = call("t1") + &result("t1", false);
        let asked = earlier.clone() + &call("t2");
        assert_eq!(
            watch(&asked, &result("t2", true)).await,
            Some(ApprovalPhase::Denied)
        );
        assert_eq!(
            watch(&asked, &result("t2", false)).await,
            Some(ApprovalPhase::Approved)
        );
        // Another call's result ends nothing.
        assert_eq!(watch(&asked, &result("t9", false)).await, None);
        // The call written after the hook started is the one asked about.
        assert_eq!(
            watch(&earlier, &(call("t3") + &result("t3", true))).await,
            Some(ApprovalPhase::Denied)
        );
    }

    #[tokio::test]
    async fn what_is_not_a_regular_file_is_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let input = serde_json::json!({});
        let ended = tokio::time::timeout(
            Duration::from_millis(300),
            answered_in_terminal(&fifo, "Bash", &input),
        )
        .await;
        assert!(ended.is_err(), "it waits for ever, without blocking");
        let missing = dir.path().join("missing");
        let ended = tokio::time::timeout(
            Duration::from_millis(300),
            answered_in_terminal(&missing, "Bash", &input),
        )
        .await;
        assert!(ended.is_err());
    }
}
