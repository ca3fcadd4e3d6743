//! An approval Island answers for a Claude-shaped hook: the lines that
//! ask it (the card and the request with the answers it takes), and what
//! the waiting hook prints for Island's answer: the `hookSpecificOutput`
//! of a `PermissionRequest` (allow, with the rule Claude offered for the
//! session or a question's answers, or deny) or of an `Elicitation`
//! (accept with content, or decline).

use island_protocol::{
    EventEnvelope, EventFrame, ExecApprovalRequestEvent, HookEvent, ReviewDecision,
};
use serde_json::Value;

use super::claude::{TURN, requested};

use super::claude_elicitation as elicitation;
use super::claude_question as question;

/// The two lines of an approval Island answers: the card with its reason,
/// and the request (what it runs or asks, and the answers it takes).
pub(super) fn asked(
    id: String,
    call_id: String,
    command: &str,
    cwd: String,
    reason: String,
    decisions: Vec<ReviewDecision>,
) -> Vec<EventEnvelope> {
    vec![
        requested(id.clone(), Some(reason.clone())),
        EventEnvelope::now(HookEvent::frame(EventFrame::ExecApprovalRequest {
            request: Box::new(ExecApprovalRequestEvent {
                call_id,
                approval_id: id,
                turn_id: TURN.into(),
                command: command.into(),
                cwd,
                reason: Some(reason),
                available_decisions: decisions,
                ..ExecApprovalRequestEvent::default()
            }),
        })),
    ]
}

/// A question's answers: each option, then "Deny".
pub(super) fn options_or_deny<'a>(
    labels: impl IntoIterator<Item = &'a String>,
) -> Vec<ReviewDecision> {
    labels
        .into_iter()
        .map(|label| ReviewDecision::Chosen {
            label: label.clone(),
        })
        .chain([ReviewDecision::Denied])
        .collect()
}

/// The rule Claude offers to keep for the rest of the session in a
/// `PermissionRequest`'s `permission_suggestions` (its dialog's "Yes, and
/// always allow ..."): the first with destination `session` that is not a
/// change of permission mode.
pub(super) fn session_rule(input: &Value) -> Option<&Value> {
    input
        .get("permission_suggestions")?
        .as_array()?
        .iter()
        .find(|s| {
            s.get("destination").and_then(Value::as_str) == Some("session")
                && s.get("type").and_then(Value::as_str) != Some("setMode")
        })
}

/// What Claude reads from a waiting hook (`input`: its payload) for
/// Island's answer. For a `PermissionRequest`: approved for the session,
/// it carries the rule Claude offered (`updatedPermissions`), with none a
/// plain allow; a question's option, the tool's input with the answer.
/// For an `Elicitation`: accept with the option, or decline.
#[must_use]
pub fn output(decision: &ReviewDecision, input: &Value) -> String {
    if input.get("hook_event_name").and_then(Value::as_str) == Some("Elicitation") {
        return elicitation::output(decision, input).to_string();
    }
    let question = input.get("tool_name").and_then(Value::as_str) == Some("AskUserQuestion");
    let decision = match decision {
        // A question is answered with an option, never a plain allow.
        ReviewDecision::Approved | ReviewDecision::ApprovedForSession if question => {
            serde_json::json!({ "behavior": "deny", "message": "Not answered in Island" })
        }
        ReviewDecision::ApprovedForSession => match session_rule(input) {
            Some(rule) => serde_json::json!({ "behavior": "allow", "updatedPermissions": [rule] }),
            None => serde_json::json!({ "behavior": "allow" }),
        },
        ReviewDecision::Approved => serde_json::json!({ "behavior": "allow" }),
        // A question's option: its input with the answer, as Claude's own
        // dialog fills it in.
        ReviewDecision::Chosen { label } => {
            match question::answered(input.get("tool_input"), label) {
                Some(updated) => {
                    serde_json::json!({ "behavior": "allow", "updatedInput": updated })
                }
                None => {
                    serde_json::json!({ "behavior": "deny", "message": "Not answered in Island" })
                }
            }
        }
        _ => serde_json::json!({ "behavior": "deny", "message": "Denied in Island" }),
    };
    serde_json::json!({
        "hookSpecificOutput": { "hookEventName": "PermissionRequest", "decision": decision }
    })
    .to_string()
}
