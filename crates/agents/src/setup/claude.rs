//! Claude Code's `settings.json`: `hooks.EVENT` is a list of matcher
//! groups, each with its own list of command hooks. Island adds one group
//! per event it maps and leaves every other group and key as it was (in
//! their order).

use serde_json::{Map, Value, json};

use super::{Agent, Outcome, Problem, command_runs_island_hook, retarget_command};

/// The events Island maps: name, whether it takes a tool matcher, and a
/// timeout for the one that waits (over the bridge's 50 s wait).
const EVENTS: [(&str, bool, Option<u64>); 17] = [
    ("SessionStart", false, None),
    ("UserPromptSubmit", false, None),
    ("PreToolUse", true, None),
    ("PostToolUse", true, None),
    ("PostToolUseFailure", true, None),
    ("PermissionRequest", true, Some(60)),
    ("PermissionDenied", true, None),
    ("Notification", false, None),
    ("SubagentStart", false, None),
    ("SubagentStop", false, None),
    ("PreCompact", false, None),
    ("PostCompact", false, None),
    ("Elicitation", false, None),
    ("ElicitationResult", false, None),
    ("Stop", false, None),
    ("StopFailure", false, None),
    ("SessionEnd", false, None),
];

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

fn is_ours(hook: &Value) -> bool {
    hook.get("command")
        .and_then(Value::as_str)
        .is_some_and(|c| command_runs_island_hook(c, Agent::Claude))
}

fn group_has_ours(group: &Value) -> bool {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .is_some_and(|hooks| hooks.iter().any(is_ours))
}

pub(super) fn configured(text: &str) -> bool {
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
                .any(group_has_ours)
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
fn retarget_all(hooks: &mut Map<String, Value>, program: &str) {
    for group in hooks.values_mut().filter_map(Value::as_array_mut).flatten() {
        let Some(list) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
            continue;
        };
        for hook in list {
            let new = hook
                .get("command")
                .and_then(Value::as_str)
                .and_then(|c| retarget_command(c, Agent::Claude, program));
            if let Some(new) = new {
                hook["command"] = Value::String(new);
            }
        }
    }
}

pub(super) fn add(text: &str, program: &str) -> Outcome {
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
    let command = format!("{} hook claude", super::shell_word(program)?);
    retarget_all(hooks, program);
    for (event, tools, timeout) in EVENTS {
        let groups = hooks
            .entry(event)
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(groups) = groups else {
            return Err(Problem::Conflict(format!(
                "`hooks.{event}` is not a list; fix it by hand first"
            )));
        };
        if groups.iter().any(group_has_ours) {
            continue;
        }
        let mut hook = json!({"type": "command", "command": command});
        if let Some(secs) = timeout {
            hook["timeout"] = json!(secs);
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

pub(super) fn remove(text: &str) -> Outcome {
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
                list.retain(|h| !is_ours(h));
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
mod mode_tests {
    use super::unanswerable_mode;

    #[test]
    fn only_modes_that_ask_the_user_let_island_answer() {
        assert!(unanswerable_mode("{}").is_some_and(|w| w.contains("auto")));
        assert!(unanswerable_mode(r#"{"permissions":{"defaultMode":"auto"}}"#).is_some());
        assert!(
            unanswerable_mode(r#"{"permissions":{"defaultMode":"bypassPermissions"}}"#).is_some()
        );
        assert!(unanswerable_mode(r#"{"permissions":{"defaultMode":"default"}}"#).is_none());
        assert!(unanswerable_mode(r#"{"permissions":{"defaultMode":"acceptEdits"}}"#).is_none());
        assert!(unanswerable_mode("not json").is_none());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const THEIRS: &str = r#"{
  "model": "opus",
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "~/bin/check-bash"
          }
        ]
      }
    ],
    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "say done"
          }
        ]
      }
    ]
  },
  "permissions": {
    "allow": [
      "Bash(npm test)"
    ]
  }
}
"#;

    #[test]
    fn adding_keeps_every_other_hook_and_key_and_is_done_once() {
        let (added, _) = add(THEIRS, "island").unwrap();
        let root: Value = serde_json::from_str(&added).unwrap();
        let pre = root["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre.len(), 2);
        assert_eq!(pre[0]["hooks"][0]["command"], "~/bin/check-bash");
        assert_eq!(pre[1]["matcher"], "*");
        assert_eq!(pre[1]["hooks"][0]["command"], "island hook claude");
        assert_eq!(root["hooks"]["Stop"][0]["hooks"][0]["command"], "say done");
        assert_eq!(
            root["hooks"]["PermissionRequest"][0]["hooks"][0]["timeout"],
            60
        );
        assert_eq!(root["permissions"]["allow"][0], "Bash(npm test)");
        // Keys keep their order: model, hooks, permissions.
        let keys: Vec<&String> = root.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["model", "hooks", "permissions"]);
        assert!(configured(&added) && !configured(THEIRS));
        // Again: nothing more.
        assert_eq!(add(&added, "/usr/bin/island").unwrap().0, added);
        // Undo gives back the file as it was.
        assert_eq!(remove(&added).unwrap().0, THEIRS);
        assert_eq!(remove(THEIRS).unwrap().0, THEIRS);
    }

    #[test]
    fn an_island_hook_sharing_a_group_with_theirs_goes_alone() {
        let text = r#"{"hooks": {"Stop": [{"hooks": [
            {"type": "command", "command": "say done"},
            {"type": "command", "command": "/opt/island/island hook claude --wait-secs 20"}
        ]}]}}"#;
        assert!(configured(text));
        let (removed, _) = remove(text).unwrap();
        let root: Value = serde_json::from_str(&removed).unwrap();
        assert_eq!(
            root["hooks"]["Stop"][0]["hooks"].as_array().unwrap().len(),
            1
        );
        assert_eq!(root["hooks"]["Stop"][0]["hooks"][0]["command"], "say done");
    }

    #[test]
    fn a_moved_island_is_pointed_at_again_and_shell_lines_are_theirs() {
        let text = r#"{"hooks": {"Stop": [{"hooks": [
            {"type": "command", "command": "/gone/target/debug/island hook claude"},
            {"type": "command", "command": "island hook claude && say done"}
        ]}]}}"#;
        let (added, notes) = add(text, "/usr/bin/island").unwrap();
        let root: Value = serde_json::from_str(&added).unwrap();
        assert_eq!(
            root["hooks"]["Stop"][0]["hooks"][0]["command"],
            "/usr/bin/island hook claude"
        );
        assert_eq!(
            root["hooks"]["Stop"][0]["hooks"][1]["command"],
            "island hook claude && say done"
        );
        assert_eq!(root["hooks"]["Stop"].as_array().unwrap().len(), 1);
        assert_eq!(notes.len(), 1, "the layout changes: {notes:?}");
        // Undo takes Island's out and leaves theirs.
        let (removed, _) = remove(&added).unwrap();
        let root: Value = serde_json::from_str(&removed).unwrap();
        assert_eq!(
            root["hooks"]["Stop"][0]["hooks"][0]["command"],
            "island hook claude && say done"
        );
        // In a compact file with nothing to add, not a byte changes.
        let compact =
            serde_json::to_string(&serde_json::from_str::<Value>(&added).unwrap()).unwrap();
        assert_eq!(add(&compact, "/usr/bin/island").unwrap().0, compact);
    }

    #[test]
    fn files_it_cannot_change_safely_are_refused() {
        assert!(matches!(add("{ nope", "island"), Err(Problem::Parse(..))));
        assert!(matches!(add("[]", "island"), Err(Problem::Conflict(_))));
        assert!(matches!(
            add(r#"{"hooks": []}"#, "island"),
            Err(Problem::Conflict(_))
        ));
        assert!(matches!(
            add(r#"{"hooks": {"Stop": {}}}"#, "island"),
            Err(Problem::Conflict(_))
        ));
        // A missing or empty file is a new one.
        let (added, _) = add("", "island").unwrap();
        assert!(configured(&added));
        assert_eq!(remove(&added).unwrap().0, "{}\n");
    }
}
