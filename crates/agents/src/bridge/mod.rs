//! Hook bridges: an agent's own hook runs `island hook AGENT` once per
//! event; the bridge maps the agent's payload to PROTOCOL lines (a
//! `transient` hello, then events) and, for a permission request, waits
//! for Island's answer. Mapping is pure ([`claude`], with Claude's
//! questions, MCP elicitations and the answers its hooks print in
//! `claude_question`, `claude_elicitation` and `claude_answer`);
//! [`deliver`] does the I/O. [`gemini`] maps Gemini CLI's hooks, [`opencode`] the events of
//! Island's opencode plugin, [`others`] Codex's `notify`
//! and CodeWhale's command hooks.
//! A bridge never stands in the agent's way: any failure means
//! "no answer", and the agent asks in its terminal as usual.

pub mod claude;
mod claude_answer;
mod claude_elicitation;
mod claude_question;
pub mod claude_transcript;
pub mod gemini;
pub mod opencode;
pub mod others;

use std::path::Path;
use std::time::Duration;

use island_protocol::{
    AgentMessage, ApprovalPhase, EventEnvelope, Hello, HookEvent, IslandMessage, PROTOCOL_VERSION,
    ReviewDecision, TerminalInfo, decode_island_line, encode_line,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// What one hook sends, and whether it waits.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The session's hello.
    pub hello: Hello,
    /// The events, in order.
    pub events: Vec<EventEnvelope>,
    /// An approval to wait for an answer to.
    pub wait_for: Option<String>,
}

/// A bridge's hello: `transient`, titled by the directory's last part,
/// taking no decisions (a hook that waits for one says so itself).
pub(crate) fn hook_hello(
    agent: &str,
    session_id: String,
    cwd: Option<String>,
    pid: Option<u32>,
    terminal: TerminalInfo,
) -> Hello {
    Hello {
        protocol: PROTOCOL_VERSION,
        agent: Some(agent.into()),
        session_id,
        pid,
        title: cwd
            .as_deref()
            .and_then(island_core::tracker::notices::project_name),
        cwd,
        terminal: Some(terminal),
        transient: true,
        ..Hello::default()
    }
}

/// Why a bridge got no answer.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// Island is not there, or the socket failed.
    #[error("cannot reach Island at {0}: {1}")]
    Io(String, std::io::Error),
    /// The socket's path or listener is not this user's: nothing was sent.
    #[error("{0}")]
    Untrusted(island_protocol::trust::TrustError),
    /// A line could not be encoded.
    #[error("cannot encode a line: {0}")]
    Encode(#[from] serde_json::Error),
    /// No answer in time.
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    /// Island closed the connection before answering.
    #[error("Island closed the connection without an answer")]
    Closed,
}

/// Sends the plan's lines; if it waits, returns the first decision for its
/// approval within `wait`.
///
/// # Errors
/// See [`BridgeError`].
pub async fn deliver(
    socket: &Path,
    plan: &Plan,
    wait: Duration,
) -> Result<Option<ReviewDecision>, BridgeError> {
    deliver_unless_answered(socket, plan, wait, std::future::pending()).await
}

/// [`deliver`], but when `elsewhere` ends first (the agent's own prompt
/// was answered, say), Island hears how it closed and no decision is
/// returned.
///
/// # Errors
/// See [`BridgeError`].
pub async fn deliver_unless_answered(
    socket: &Path,
    plan: &Plan,
    wait: Duration,
    elsewhere: impl Future<Output = ApprovalPhase>,
) -> Result<Option<ReviewDecision>, BridgeError> {
    let io = |e| BridgeError::Io(socket.display().to_string(), e);
    let stream = island_core::client::connect_trusted(socket)
        .await
        .map_err(|e| match e {
            island_core::client::ConnectError::Io(e) => io(e),
            island_core::client::ConnectError::Untrusted(e) => BridgeError::Untrusted(e),
        })?;
    let mut hello = plan.hello.clone();
    if hello.host.is_none() {
        // Through an SSH forward, Island runs elsewhere and shows where
        // this session is.
        hello.host = island_protocol::trust::forwarded_from_here(&stream);
    }
    let (read, mut write) = stream.into_split();
    let mut out = encode_line(&AgentMessage::Hello(Box::new(hello)))?;
    for event in &plan.events {
        out.extend(encode_line(&AgentMessage::Event(event.clone()))?);
    }
    write.write_all(&out).await.map_err(io)?;
    let Some(approval_id) = &plan.wait_for else {
        write.shutdown().await.map_err(io)?;
        return Ok(None);
    };
    let answer = async {
        let mut lines = BufReader::new(read).lines();
        while let Some(line) = lines.next_line().await.map_err(io)? {
            if let Ok(IslandMessage::Decision(d)) = decode_island_line(line.as_bytes())
                && d.approval_id == *approval_id
            {
                return Ok(d.decision);
            }
        }
        Err(BridgeError::Closed)
    };
    let (decision, phase, reason) = tokio::select! {
        answered = tokio::time::timeout(wait, answer) => {
            let decision = answered.map_err(|_| BridgeError::TimedOut(wait))??;
            let phase = ApprovalPhase::closing_for(&decision);
            (Some(decision), phase, None)
        }
        phase = elsewhere => {
            let reason = match phase {
                ApprovalPhase::Cancelled => "cancelled",
                _ => "answered in the terminal",
            };
            (None, phase, Some(reason.to_owned()))
        }
    };
    // Say it is closed, as an agent does once it acts on an answer.
    let closing = EventEnvelope::now(HookEvent::ApprovalLifecycle {
        approval_id: approval_id.clone(),
        phase,
        reason,
    });
    write
        .write_all(&encode_line(&AgentMessage::Event(closing))?)
        .await
        .map_err(io)?;
    Ok(decision)
}
