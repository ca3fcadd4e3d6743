//! Claude Code's `settings.json`, and the files of the agents whose hooks
//! are shaped like it (Codex's `hooks.json`, Qwen Code's and Gemini CLI's
//! `settings.json`):
//! `hooks.EVENT` is a list of matcher groups, each with its own list of
//! command hooks. Island adds one group per event it maps and leaves every
//! other group and key as it was (in their order).

use serde_json::{Map, Value, json};

use super::{Agent, Outcome, Problem, command_runs_island_hook, retarget_command};

/// One event Island hooks: its name, whether it takes a tool matcher, a
/// timeout (for the one that waits: over the bridge's 50 s wait), and a
/// status line the agent shows while the hook runs.
type Event = (&'static str, bool, Option<u64>, Option<&'static str>);

/// Claude Code 2.1.328's events that Island maps.
const CLAUDE_EVENTS: [Event; 17] = [
    ("SessionStart", false, None, None),
    ("UserPromptSubmit", false, None, None),
    ("PreToolUse", true, None, None),
    ("PostToolUse", true, None, None),
    ("PostToolUseFailure", true, None, None),
    ("PermissionRequest", true, Some(60), None),
    ("PermissionDenied", true, None, None),
    ("Notification", false, None, None),
    ("SubagentStart", false, None, None),
    ("SubagentStop", false, None, None),
    ("PreCompact", false, None, None),
    ("PostCompact", false, None, None),
    ("Elicitation", false, Some(60), None),
    ("ElicitationResult", false, None, None),
    ("Stop", false, None, None),
    ("StopFailure", false, None, None),
    ("SessionEnd", false, None, None),
];

/// Codex 0.169's hook events that Island maps. Codex runs a
/// `PermissionRequest` hook before it asks in its terminal, and shows the
/// status line meanwhile; it cuts a `SessionEnd` hook at 3 s.
const CODEX_EVENTS: [Event; 11] = [
    ("SessionStart", false, None, None),
    ("UserPromptSubmit", false, None, None),
    ("PreToolUse", true, None, None),
    ("PostToolUse", true, None, None),
    (
        "PermissionRequest",
        true,
        Some(60),
        Some("Asking in Island (the prompt comes here if no answer comes)"),
    ),
    ("SubagentStart", false, None, None),
    ("SubagentStop", false, None, None),
    ("PreCompact", false, None, None),
    ("PostCompact", false, None, None),
    ("Stop", false, None, None),
    ("SessionEnd", false, Some(3), None),
];

/// Qwen Code 0.24's hook events (its `docs/features/hooks.md`) that Island
/// maps.
const QWEN_EVENTS: [Event; 15] = [
    ("SessionStart", false, None, None),
    ("UserPromptSubmit", false, None, None),
    ("PreToolUse", true, None, None),
    ("PostToolUse", true, None, None),
    ("PostToolUseFailure", true, None, None),
    ("PermissionRequest", true, Some(60), None),
    ("PermissionDenied", true, None, None),
    ("Notification", false, None, None),
    ("SubagentStart", false, None, None),
    ("SubagentStop", false, None, None),
    ("PreCompact", false, None, None),
    ("PostCompact", false, None, None),
    ("Stop", false, None, None),
    ("StopFailure", false, None, None),
    ("SessionEnd", false, None, None),
];

/// Gemini CLI 0.61's hook events that Island maps (its timeouts are in
/// milliseconds; none of these waits).
const GEMINI_EVENTS: [Event; 7] = [
    ("SessionStart", false, None, None),
    ("BeforeAgent", false, None, None),
    ("BeforeTool", true, None, None),
    ("AfterTool", true, None, None),
    ("Notification", false, None, None),
    ("AfterAgent", false, None, None),
    ("SessionEnd", false, None, None),
];

/// Factory Droid 0.225's hook events (docs.factory.ai, "Hooks reference",
/// and what the real one ran): no `PermissionRequest`, so none waits; its
/// permission prompt arrives as a `Notification`.
const DROID_EVENTS: [Event; 9] = [
    ("SessionStart", false, None, None),
    ("UserPromptSubmit", false, None, None),
    ("PreToolUse", true, None, None),
    ("PostToolUse", true, None, None),
    ("Notification", false, None, None),
    ("SubagentStop", false, None, None),
    ("PreCompact", false, None, None),
    ("Stop", false, None, None),
    ("SessionEnd", false, None, None),
];

fn events(agent: Agent) -> &'static [Event] {
    match agent {
        Agent::Codex => &CODEX_EVENTS,
        Agent::Qwen => &QWEN_EVENTS,
        Agent::Droid => &DROID_EVENTS,
        Agent::Gemini => &GEMINI_EVENTS,
        _ => &CLAUDE_EVENTS,
    }
}

/// Why Island cannot answer this Claude Code's approvals, if it cannot:
/// Claude asks its `PermissionRequest` hook only in the modes that ask the
/// user, and 2.1.328 starts in "auto" when `settings.json` names no mode.
#[must_use]
pub fn unanswerable_mode(text: &str) -> Option<String> {
    let root = parse(text).ok()?;
    let mode = root
        .get("permissions")
        .and_then(|p| p.get("defaultMode"))
        .and_then(Value::as_str);
    let why = match mode {
        None => "names no permission mode, so Claude Code (2.1.328 and later) starts in \"auto\"",
        Some("auto") => "starts Claude Code in \"auto\" mode",
        Some("bypassPermissions") => "starts Claude Code in \"bypassPermissions\" mode",
        Some(_) => return None,
    };
    Some(format!(
        "it {why}, which asks no PermissionRequest hook: Island shows the sessions but cannot answer their approvals (\"permissions\": {{\"defaultMode\": \"default\"}} lets it)"
    ))
}

fn parse(text: &str) -> Result<Map<String, Value>, Problem> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str(text) {
        Ok(Value::Object(root)) => Ok(root),
        Ok(_) => Err(Problem::Conflict("the file is not a JSON object".into())),
        Err(e) => Err(Problem::Parse("JSON", e.to_string())),
    }
}

fn print(root: Map<String, Value>) -> Result<String, Problem> {
    serde_json::to_string_pretty(&Value::Object(root))
        .map(|text| text + "\n")
        .map_err(|e| Problem::Parse("JSON", e.to_string()))
}

fn is_ours(hook: &Value, agent: Agent) -> bool {
    hook.get("command")
        .and_then(Value::as_str)
        .is_some_and(|c| command_runs_island_hook(c, agent))
}

fn group_has_ours(group: &Value, agent: Agent) -> bool {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .is_some_and(|hooks| hooks.iter().any(|h| is_ours(h, agent)))
}

pub(super) fn configured(text: &str, agent: Agent) -> bool {
    let Ok(root) = parse(text) else {
        return false;
    };
    root.get("hooks")
        .and_then(Value::as_object)
        .is_some_and(|hooks| {
            hooks
                .values()
                .filter_map(Value::as_array)
                .flatten()
                .any(|g| group_has_ours(g, agent))
        })
}

/// Said when the file's own layout is not the one it is written back in.
fn layout_note(text: &str, root: &Map<String, Value>) -> Result<Vec<String>, Problem> {
    if text.trim().is_empty() || print(root.clone())? == text {
        return Ok(Vec::new());
    }
    Ok(vec![
        "the file is written back in the usual JSON layout (two-space indent), \
         so the diff shows lines whose layout changed"
            .to_owned(),
    ])
}

/// Points Island's hooks whose program is gone at `program`.
fn retarget_all(hooks: &mut Map<String, Value>, program: &str, agent: Agent) {
    for group in hooks.values_mut().filter_map(Value::as_array_mut).flatten() {
        let Some(list) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
            continue;
        };
        for hook in list {
            let new = hook
                .get("command")
                .and_then(Value::as_str)
                .and_then(|c| retarget_command(c, agent, program));
            if let Some(new) = new {
                hook["command"] = Value::String(new);
            }
        }
    }
}

pub(super) fn add(text: &str, program: &str, agent: Agent) -> Outcome {
    let mut root = parse(text)?;
    let notes = layout_note(text, &root)?;
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(hooks) = hooks else {
        return Err(Problem::Conflict(
            "`hooks` is not an object; fix it by hand first".into(),
        ));
    };
    let command = format!(
        "{} {}",
        super::shell_word(program)?,
        agent.hook_words().join(" ")
    );
    retarget_all(hooks, program, agent);
    for &(event, tools, timeout, status) in events(agent) {
        let groups = hooks
            .entry(event)
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(groups) = groups else {
            return Err(Problem::Conflict(format!(
                "`hooks.{event}` is not a list; fix it by hand first"
            )));
        };
        if groups.iter().any(|g| group_has_ours(g, agent)) {
            continue;
        }
        let mut hook = json!({"type": "command", "command": command});
        if let Some(secs) = timeout {
            hook["timeout"] = json!(secs);
        }
        if let Some(status) = status {
            hook["statusMessage"] = json!(status);
        }
        let group = if tools {
            json!({"matcher": "*", "hooks": [hook]})
        } else {
            json!({"hooks": [hook]})
        };
        groups.push(group);
    }
    let after = print(root)?;
    // Nothing to add: the file stays as it is, layout and all.
    if parse(text)? == parse(&after)? {
        return Ok((text.to_owned(), Vec::new()));
    }
    Ok((after, notes))
}

pub(super) fn remove(text: &str, agent: Agent) -> Outcome {
    let mut root = parse(text)?;
    let notes = layout_note(text, &root)?;
    let Some(Value::Object(hooks)) = root.get_mut("hooks") else {
        return Ok((text.to_owned(), Vec::new()));
    };
    // Events whose lists Island emptied; a list that was empty before stays.
    let mut emptied = Vec::new();
    let mut changed = false;
    for (event, groups) in hooks.iter_mut() {
        let Value::Array(groups) = groups else {
            continue;
        };
        let before = groups.len();
        for group in groups.iter_mut() {
            if let Some(Value::Array(list)) = group.get_mut("hooks") {
                let len = list.len();
                list.retain(|h| !is_ours(h, agent));
                if list.len() != len {
                    changed = true;
                    // A group left with no hook was Island's.
                    if list.is_empty() {
                        *group = Value::Null;
                    }
                }
            }
        }
        groups.retain(|g| !g.is_null());
        if before > 0 && groups.is_empty() {
            emptied.push(event.clone());
        }
    }
    if !changed {
        return Ok((text.to_owned(), Vec::new()));
    }
    for event in emptied {
        hooks.shift_remove(&event);
    }
    if hooks.is_empty() {
        root.shift_remove("hooks");
    }
    Ok((print(root)?, notes))
}

#[cfg(test)]
#[path = "claude_tests.rs"]
mod tests;
