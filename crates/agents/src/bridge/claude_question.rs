//! Claude Code's AskUserQuestion, asked through its `PermissionRequest`
//! hook. A single-choice question becomes a card whose answers are its
//! options (`ReviewDecision::Chosen`); the hook answers with the tool's
//! input plus `answers` (the question's text mapped to the chosen label),
//! as Claude's own dialog fills it in. Questions with several parts or
//! several picks are asked in the terminal.

use island_protocol::EventEnvelope;
use serde_json::Value;

use super::claude::call_key;
use super::claude_answer::{asked, options_or_deny};

/// A question Island can answer: its text, its header and its options'
/// labels.
pub(super) type Choice = (String, Option<String>, Vec<String>);

/// An AskUserQuestion input Island can answer: one question with one
/// pick and at least one option.
pub(super) fn single_choice(input: Option<&Value>) -> Option<Choice> {
    let [asked] = input?.get("questions")?.as_array()?.as_slice() else {
        return None;
    };
    if asked.get("multiSelect").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let text = |key: &str| asked.get(key).and_then(Value::as_str).map(str::to_owned);
    let labels: Vec<String> = asked
        .get("options")?
        .as_array()?
        .iter()
        .filter_map(|o| o.get("label").and_then(Value::as_str).map(str::to_owned))
        .collect();
    if !super::claude_elicitation::distinct_options(labels.iter()) {
        return None;
    }
    Some((text("question")?, text("header"), labels))
}

/// The two lines of a question Island answers: the card, and the request
/// whose answers are the options and "Deny".
pub(super) fn request(
    label: &str,
    input: &Value,
    id: String,
    cwd: String,
    (question, header, labels): Choice,
) -> Vec<EventEnvelope> {
    let reason = match header {
        Some(header) => format!("{label} asks ({header})"),
        None => format!("{label} asks"),
    };
    let call_id = call_key(Some("AskUserQuestion"), input.get("tool_input"));
    asked(
        id,
        call_id,
        &question,
        cwd,
        reason,
        options_or_deny(&labels),
    )
}

/// AskUserQuestion's input with `label` picked for its one question;
/// `None` when the label is not one of its options.
pub(super) fn answered(tool_input: Option<&Value>, label: &str) -> Option<Value> {
    let (question, _, labels) = single_choice(tool_input)?;
    if !labels.iter().any(|l| l == label) {
        return None;
    }
    let mut updated = tool_input?.clone();
    updated
        .as_object_mut()?
        .insert("answers".into(), serde_json::json!({ question: label }));
    Some(updated)
}

/// AskUserQuestion's first question, for a card answered in the terminal.
pub(super) fn first_question(input: Option<&Value>) -> Option<String> {
    input?
        .get("questions")?
        .as_array()?
        .first()?
        .get("question")?
        .as_str()
        .map(str::to_owned)
}
