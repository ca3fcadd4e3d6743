//! An MCP server's elicitation (it asks the user for input), through
//! Claude Code's `Elicitation` hook, which runs before Claude's own form
//! and may answer it (`action` accept, decline or cancel, and `content`).
//! A form Island can fill in with one click is a card it answers: no
//! fields (a confirmation: approve or deny), or one field of one choice
//! (a string `enum`, titled `oneOf` options, or a boolean), whose options
//! are its answers. Anything else (several fields, free text, a URL to
//! open) is a card to answer in Claude's form.

use island_protocol::{EventEnvelope, ReviewDecision};
use serde_json::{Map, Value, json};

use super::claude_answer::{asked, options_or_deny};

/// One elicitation's approval id, the same for its request and its
/// result, where Claude names the elicitation (`elicitation_id`).
pub(super) fn id(prefix: &str, input: &Value) -> Option<String> {
    let id = input
        .get("elicitation_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())?;
    Some(format!(
        "{prefix}-elicitation-{}",
        super::claude::short_hash(id)
    ))
}

/// A form Island can answer.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Form {
    /// No fields: accept or decline.
    Confirm,
    /// One field, one of these options (label for people, value sent).
    Pick {
        field: String,
        options: Vec<(String, Value)>,
    },
}

/// The form of an `Elicitation` hook's input, if Island can answer it.
pub(super) fn form(input: &Value) -> Option<Form> {
    if input.get("mode").and_then(Value::as_str) == Some("url") {
        return None;
    }
    let empty = Map::new();
    let fields = match input.get("requested_schema") {
        None | Some(Value::Null) => &empty,
        Some(schema) => match schema.get("properties") {
            None => &empty,
            Some(p) => p.as_object()?,
        },
    };
    match fields.iter().collect::<Vec<_>>().as_slice() {
        [] => Some(Form::Confirm),
        [(field, schema)] => {
            let options = options(schema)?;
            Some(Form::Pick {
                field: (*field).clone(),
                options,
            })
        }
        _ => None,
    }
}

/// One field's options: a string `enum` (with `enumNames` as labels, where
/// given), titled `oneOf` options (`const` and `title`), or a boolean.
fn options(schema: &Value) -> Option<Vec<(String, Value)>> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let found: Vec<(String, Value)> = if let Some(values) = schema.get("enum") {
        let names = schema.get("enumNames").and_then(Value::as_array);
        values
            .as_array()?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let name = names.and_then(|n| n.get(i)).and_then(text);
                Some((name.or_else(|| text(v))?, v.clone()))
            })
            .collect::<Option<_>>()?
    } else if let Some(choices) = schema.get("oneOf") {
        choices
            .as_array()?
            .iter()
            .map(|c| {
                let value = c.get("const")?;
                let label = c.get("title").and_then(text).or_else(|| text(value))?;
                Some((label, value.clone()))
            })
            .collect::<Option<_>>()?
    } else if schema.get("type").and_then(Value::as_str) == Some("boolean") {
        vec![("Yes".into(), json!(true)), ("No".into(), json!(false))]
    } else {
        return None;
    };
    distinct_options(found.iter().map(|(l, _)| l)).then_some(found)
}

/// Whether `labels` can be buttons: at least one, each answering one
/// option, and none that reads as Island's own "Deny" beside it.
pub(super) fn distinct_options<'a>(labels: impl Iterator<Item = &'a String>) -> bool {
    let mut seen: Vec<String> = Vec::new();
    for label in labels {
        let key = label.trim().to_lowercase();
        if key.is_empty() || key == "deny" || seen.contains(&key) {
            return false;
        }
        seen.push(key);
    }
    !seen.is_empty()
}

/// The two lines of an elicitation Island answers: the card ("tickets
/// asks (MCP)", its message), and the request whose answers are the
/// options and "Deny" (approve and deny for a confirmation).
pub(super) fn request(
    server: &str,
    message: &str,
    id: String,
    cwd: String,
    form: &Form,
) -> Vec<EventEnvelope> {
    let reason = format!("{server} asks (MCP server)");
    let decisions = match form {
        Form::Confirm => vec![ReviewDecision::Approved, ReviewDecision::Denied],
        Form::Pick { options, .. } => options_or_deny(options.iter().map(|(label, _)| label)),
    };
    asked(id.clone(), id, message, cwd, reason, decisions)
}

/// What Claude reads from an `Elicitation` hook for Island's answer:
/// accept with the chosen option (or nothing, for a confirmation), or
/// decline.
pub(super) fn output(decision: &ReviewDecision, input: &Value) -> Value {
    let accept = |content: Value| json!({ "action": "accept", "content": content });
    let answer = match (decision, form(input)) {
        (ReviewDecision::Approved, Some(Form::Confirm)) => accept(json!({})),
        (ReviewDecision::Chosen { label }, Some(Form::Pick { field, options })) => {
            match options.into_iter().find(|(l, _)| l == label) {
                Some((_, value)) => accept(json!({ field: value })),
                None => json!({ "action": "decline" }),
            }
        }
        _ => json!({ "action": "decline" }),
    };
    let mut out = json!({ "hookEventName": "Elicitation" });
    if let (Some(out), Some(answer)) = (out.as_object_mut(), answer.as_object()) {
        out.extend(answer.clone());
    }
    json!({ "hookSpecificOutput": out })
}
