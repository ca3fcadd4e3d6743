//! Claude Code's hooks (JSON on stdin, one process per event) as PROTOCOL
//! lines, and those of the agents that run Claude-shaped hooks ([`Flavor`]:
//! Codex's own hooks, Qwen Code). `SessionStart` announces the session,
//! `UserPromptSubmit` starts a turn, `PreToolUse`/`PostToolUse` are tool
//! calls, `Stop` ends the turn, `StopFailure` aborts it, subagents and a
//! compaction are jobs beside the turn, `Notification` `permission_prompt`
//! is an approval answered in the terminal, and `PermissionRequest` (a
//! single-choice question too) and an `Elicitation` of a simple form are
//! approvals Island may answer: the hook waits, and prints the agent's
//! output for the answer. The prompt text is never
//! sent.

use island_protocol::{
    ApprovalPhase, EventEnvelope, EventFrame, HookEvent, ReviewDecision, TerminalInfo,
};
use serde_json::Value;

use super::Plan;
pub use super::claude_answer::output;
use super::claude_answer::{asked, session_rule};
use super::claude_elicitation as elicitation;
use super::claude_question as question;

/// Every turn of a Claude session has this id: Claude runs one at a time.
pub(super) const TURN: &str = "turn";

/// Whose Claude-shaped hooks these are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flavor {
    /// The agent's name in hellos (`claude-code`).
    pub agent: &'static str,
    /// What its session and approval ids start with (`claude`).
    pub prefix: &'static str,
    /// Its name for people (`Claude Code`).
    pub label: &'static str,
    /// Its `SessionEnd` ends the session though the process lives on
    /// (Codex's daemon serves many). Claude Code's is also said for the
    /// session before a `/clear`, which its process already replaced.
    pub session_end_is_final: bool,
}

/// Claude Code.
pub const CLAUDE: Flavor = Flavor {
    agent: "claude-code",
    prefix: "claude",
    label: "Claude Code",
    session_end_is_final: false,
};

/// Codex CLI's own hooks (`hooks.json`), Claude-shaped; its sessions are
/// its threads, as with its `notify`.
pub const CODEX: Flavor = Flavor {
    agent: "codex",
    prefix: "codex",
    label: "Codex",
    session_end_is_final: true,
};

/// Qwen Code (`@qwen-code/qwen-code`), whose hooks are Claude Code's.
pub const QWEN: Flavor = Flavor {
    agent: "qwen-code",
    prefix: "qwen",
    label: "Qwen Code",
    session_end_is_final: false,
};

/// Factory Droid (`droid`), whose hooks are Claude Code's without
/// `PermissionRequest`: its permission prompts come as a `Notification`,
/// answered in its terminal.
pub const DROID: Flavor = Flavor {
    agent: "droid",
    prefix: "droid",
    label: "Droid",
    session_end_is_final: false,
};

impl Flavor {
    /// Every flavor.
    pub const ALL: [Self; 4] = [CLAUDE, CODEX, QWEN, DROID];

    /// The flavor `island hook claude --agent NAME` names.
    #[must_use]
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.agent == name || f.prefix == name)
    }
}

/// The lines for one hook payload. `agent_pid` is the agent's process;
/// `unique` makes approval ids unique (a time stamp, say). `None` for
/// `SessionEnd` of an agent whose session ends with its process (Claude
/// Code): said for a session Island may not know (Claude sends it for the
/// session before a `/clear` or a restart), it would only make a session
/// appear that has ended.
#[must_use]
pub fn plan(
    flavor: Flavor,
    input: &Value,
    agent_pid: Option<u32>,
    terminal: TerminalInfo,
    unique: u128,
) -> Option<Plan> {
    let text = |key: &str| input.get(key).and_then(Value::as_str).map(str::to_owned);
    let session = text("session_id").unwrap_or_else(|| "unknown".into());
    let cwd = text("cwd");
    let event = text("hook_event_name").unwrap_or_default();
    if event == "SessionEnd" && !flavor.session_end_is_final {
        return None;
    }
    let tool = text("tool_name");
    let prefix = flavor.prefix;
    // AskUserQuestion is answered with the user's choices: Island offers
    // the options of a single-choice question; others (several questions,
    // several picks) are asked in the terminal, and shown as such.
    let question = tool.as_deref() == Some("AskUserQuestion");
    let choice = if question {
        question::single_choice(input.get("tool_input"))
    } else {
        None
    };
    let elicited = if event == "Elicitation" {
        elicitation::form(input)
    } else {
        None
    };
    let waits =
        (event == "PermissionRequest" && (!question || choice.is_some())) || elicited.is_some();
    let mut hello = super::hook_hello(
        flavor.agent,
        format!("{prefix}-{session}"),
        cwd.clone(),
        agent_pid,
        terminal,
    );
    hello.accepts_decisions = waits;
    hello.model = text("model").filter(|m| !m.is_empty());
    hello.permission_mode = text("permission_mode").filter(|m| !m.is_empty());
    let frame = |frame| vec![EventEnvelope::now(HookEvent::frame(frame))];
    let call = || Some(call_key(tool.as_deref(), input.get("tool_input")));
    let mut wait_for = None;
    let events = match event.as_str() {
        "UserPromptSubmit" => frame(EventFrame::TurnStarted {
            turn_id: TURN.into(),
        }),
        "PreToolUse" => frame(EventFrame::ToolCallStart {
            call_id: call(),
            tool_name: tool,
        }),
        // The call ran (or ran and failed, or the agent's own checker
        // refused it): if it was asked about, the answer came from the
        // terminal or the checker, and Island closes that card.
        "PostToolUse" | "PostToolUseFailure" | "PermissionDenied" => {
            frame(EventFrame::ToolCallResult {
                call_id: call(),
                tool_name: tool,
            })
        }
        "Stop" => frame(EventFrame::TurnComplete {
            turn_id: TURN.into(),
        }),
        "StopFailure" => frame(EventFrame::TurnAborted {
            turn_id: TURN.into(),
            reason: text("error").or_else(|| text("reason")),
        }),
        "SubagentStart" | "SubagentStop" => {
            let agent = text("agent_id").unwrap_or_else(|| "subagent".into());
            let kind = text("agent_type").filter(|t| !t.is_empty());
            vec![job(
                format!("subagent-{agent}"),
                if event == "SubagentStart" {
                    "started"
                } else {
                    "completed"
                },
                Some(kind.map_or_else(|| "a subagent".into(), |k| format!("{k} subagent"))),
            )]
        }
        "SessionEnd" => frame(EventFrame::SessionEnd {
            reason: text("reason"),
        }),
        "PreCompact" => vec![job(
            "compact".into(),
            "started",
            Some("compacting the conversation".into()),
        )],
        "PostCompact" => vec![job("compact".into(), "completed", None)],
        "Notification" if text("notification_type").as_deref() == Some("permission_prompt") => {
            // The agent asks in its terminal: shown, answered there.
            vec![requested(
                format!("{prefix}-prompt-{unique}"),
                text("message")
                    .or_else(|| Some(format!("{} waits for your permission", flavor.label))),
            )]
        }
        "Notification" if text("notification_type").as_deref() == Some("idle_prompt") => {
            // The agent waits for the next prompt.
            frame(EventFrame::UserInputRequest {
                request: Value::Null,
            })
        }
        "Elicitation" if elicited.is_some() => {
            // An MCP server asks for what Island can answer: the hook
            // waits. Its own id: Claude sends no ElicitationResult for a
            // hook's answer.
            let id = format!("{prefix}-elicitation-{unique}");
            wait_for = Some(id.clone());
            let server = text("mcp_server_name").unwrap_or_else(|| "An MCP server".into());
            let message = text("message").unwrap_or_default();
            let form = elicited.unwrap_or(elicitation::Form::Confirm);
            elicitation::request(&server, &message, id, cwd.unwrap_or_default(), &form)
        }
        "Elicitation" => {
            // An MCP server asks the user for input, in the terminal.
            let server = text("mcp_server_name").unwrap_or_else(|| "An MCP server".into());
            let message = text("message").unwrap_or_default();
            // Its own id, unless Claude names the elicitation: a server
            // asks again, and a closed id stays closed.
            let id = elicitation::id(prefix, input)
                .unwrap_or_else(|| format!("{prefix}-elicitation-{unique}"));
            vec![requested(id, Some(format!("{server} asks: {message}")))]
        }
        "ElicitationResult" => {
            let phase = match text("action").as_deref() {
                Some("accept") => ApprovalPhase::Approved,
                Some("decline") => ApprovalPhase::Denied,
                _ => ApprovalPhase::Cancelled,
            };
            // Unnamed, its card is closed by this hook's hello (no hook
            // waits for it any more: answered in the terminal).
            elicitation::id(prefix, input)
                .map(|approval_id| {
                    EventEnvelope::now(HookEvent::ApprovalLifecycle {
                        approval_id,
                        phase,
                        reason: Some("answered in the terminal".into()),
                    })
                })
                .into_iter()
                .collect()
        }
        "PermissionRequest" if choice.is_some() => {
            let id = format!("{prefix}-question-{unique}");
            wait_for = Some(id.clone());
            let choice = choice.unwrap_or_default();
            question::request(flavor.label, input, id, cwd.unwrap_or_default(), choice)
        }
        "PermissionRequest" if question => {
            let asked = question::first_question(input.get("tool_input"));
            vec![requested(
                format!("{prefix}-question-{unique}"),
                Some(match asked {
                    Some(q) => format!("{} asks: {q}", flavor.label),
                    None => format!("{} asks you a question", flavor.label),
                }),
            )]
        }
        "PermissionRequest" => {
            let id = format!("{prefix}-permission-{unique}");
            wait_for = Some(id.clone());
            permission_request(flavor, input, id, cwd.unwrap_or_default())
        }
        // SessionStart, SessionEnd and hooks not known yet:
        // the hello alone keeps the session known.
        _ => Vec::new(),
    };
    Some(Plan {
        hello,
        events,
        wait_for,
    })
}

/// A `PermissionRequest`'s two lines: the card, with what the tool says it
/// does as the reason (Bash's `description`, and which subagent asks),
/// and the request Island answers.
fn permission_request(
    flavor: Flavor,
    input: &Value,
    id: String,
    cwd: String,
) -> Vec<EventEnvelope> {
    let tool = input.get("tool_name").and_then(Value::as_str);
    let tool_input = input.get("tool_input");
    let command = summary(tool, tool_input);
    let described = tool_input
        .and_then(|i| i.get("description"))
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
        .map_or_else(
            || format!("{} asks to use {}", flavor.label, tool.unwrap_or("a tool")),
            str::to_owned,
        );
    let reason = match input.get("agent_type").and_then(Value::as_str) {
        Some(kind) if !kind.is_empty() => format!("{kind} subagent: {described}"),
        _ => described,
    };
    // "For session" only where the agent itself offers a rule for the
    // rest of the session.
    let decisions = if session_rule(input).is_some() {
        vec![
            ReviewDecision::Approved,
            ReviewDecision::ApprovedForSession,
            ReviewDecision::Denied,
        ]
    } else {
        vec![ReviewDecision::Approved, ReviewDecision::Denied]
    };
    let call_id = call_key(tool, tool_input);
    asked(id, call_id, &command, cwd, reason, decisions)
}

fn job(job_id: String, phase: &str, detail: Option<String>) -> EventEnvelope {
    EventEnvelope::now(HookEvent::JobLifecycle {
        job_id,
        phase: phase.into(),
        progress: None,
        detail,
    })
}

/// Ends when the prompt of a `PermissionRequest` payload is answered in
/// Claude's own dialog (see [`super::claude_transcript`]); never for
/// another payload.
pub async fn answered_in_terminal(input: &Value) -> ApprovalPhase {
    let path = input.get("transcript_path").and_then(Value::as_str);
    let tool = input.get("tool_name").and_then(Value::as_str);
    let (Some(path), Some(tool), Some(tool_input)) = (path, tool, input.get("tool_input")) else {
        return std::future::pending().await;
    };
    super::claude_transcript::answered_in_terminal(std::path::Path::new(path), tool, tool_input)
        .await
}

pub(super) fn requested(approval_id: String, reason: Option<String>) -> EventEnvelope {
    EventEnvelope::now(HookEvent::ApprovalLifecycle {
        approval_id,
        phase: ApprovalPhase::Requested,
        reason,
    })
}

/// Which tool call a hook is about. `PermissionRequest` carries no
/// `tool_use_id` (Claude Code 2.1.328), so the call is known by its tool
/// and input, which `PreToolUse`, `PermissionRequest` and `PostToolUse`
/// all carry alike; Claude asks about one call at a time.
pub(crate) fn call_key(tool: Option<&str>, input: Option<&Value>) -> String {
    // A question's answers are added to its input once answered: the call
    // is the question.
    let asked = match (tool, input) {
        (Some("AskUserQuestion"), Some(Value::Object(fields))) => {
            let mut fields = fields.clone();
            fields.remove("answers");
            fields.remove("annotations");
            Some(Value::Object(fields))
        }
        _ => None,
    };
    let input = asked.as_ref().or(input);
    let key = format!(
        "{}\0{}",
        tool.unwrap_or(""),
        input.map(Value::to_string).unwrap_or_default()
    );
    format!("claude-call-{}", short_hash(&key))
}

pub(super) fn short_hash(text: &str) -> String {
    use std::hash::{Hash, Hasher};
    // The same binary hashes every hook of a call: a fixed-key hasher.
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The tool call in a line: a shell command as it is, a file tool as its
/// path, anything else as the tool and its input.
fn summary(tool: Option<&str>, input: Option<&Value>) -> String {
    let field = |key: &str| input.and_then(|i| i.get(key)).and_then(Value::as_str);
    if let Some(command) = field("command") {
        return command.to_owned();
    }
    let tool = tool.unwrap_or("tool");
    if let Some(path) = field("file_path").or_else(|| field("path")) {
        return format!("{tool} {path}");
    }
    match input {
        Some(input) => format!("{tool} {input}"),
        None => tool.to_owned(),
    }
}
