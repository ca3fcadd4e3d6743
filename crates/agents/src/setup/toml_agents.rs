//! The TOML configs: Codex's `notify` program and the CodeWhale TUI's
//! `[[hooks.hooks]]` command hooks. Edited with `toml_edit`, so comments,
//! order and layout of everything else stay as written.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value, value};

use super::{
    Agent, Outcome, Problem, command_runs_island_hook, retarget, retarget_command, runs_island_hook,
};

/// The CodeWhale events Island listens to. `session_end` is left out: the
/// session ends with the TUI's process, and a hook run while it exits
/// could outlive it.
pub(crate) const CODEWHALE_EVENTS: [&str; 3] = ["session_start", "message_submit", "turn_end"];

fn parse(text: &str) -> Result<DocumentMut, Problem> {
    text.parse::<DocumentMut>()
        .map_err(|e| Problem::Parse("TOML", e.to_string()))
}

fn unchanged(text: &str) -> Outcome {
    Ok((text.to_owned(), Vec::new()))
}

fn notify_is_ours(item: &Item) -> bool {
    item.as_array().is_some_and(|words| {
        let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
        runs_island_hook(&words, Agent::Codex)
    })
}

pub(super) fn codex_configured(text: &str) -> bool {
    parse(text)
        .ok()
        .and_then(|doc| doc.get("notify").map(notify_is_ours))
        .unwrap_or(false)
}

pub(super) fn codex_add(text: &str, program: &str) -> Outcome {
    let mut doc = parse(text)?;
    match doc.get_mut("notify") {
        Some(item) if notify_is_ours(item) => {
            let words: Vec<String> = item
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let Some(new) = retarget(&words, Agent::Codex, program) else {
                return unchanged(text);
            };
            if let Some(first) = item.as_array_mut().and_then(|a| a.get_mut(0)) {
                let decor = first.decor().clone();
                *first = Value::from(new[0].as_str());
                *first.decor_mut() = decor;
            }
            return Ok((doc.to_string(), Vec::new()));
        }
        Some(item) => {
            let theirs = item.to_string();
            return Err(Problem::Conflict(format!(
                "`notify = {}` is already set. Codex runs one notify program, and Island does \
                 not replace yours: remove it, or have your program also run \
                 `island hook codex \"$1\"`, then run this again",
                theirs.trim()
            )));
        }
        None => {}
    }
    let mut words = toml_edit::Array::new();
    for word in [program, "hook", "codex"] {
        words.push(word);
    }
    doc.insert("notify", value(words));
    Ok((doc.to_string(), Vec::new()))
}

pub(super) fn codex_remove(text: &str) -> Outcome {
    let mut doc = parse(text)?;
    if !doc.get("notify").is_some_and(notify_is_ours) {
        return unchanged(text);
    }
    doc.remove("notify");
    Ok((doc.to_string(), Vec::new()))
}

fn hook_is_ours(table: &Table) -> bool {
    table
        .get("command")
        .and_then(Item::as_str)
        .is_some_and(|c| command_runs_island_hook(c, Agent::Codewhale))
}

fn codewhale_hooks(doc: &DocumentMut) -> Option<&ArrayOfTables> {
    doc.get("hooks")?.get("hooks")?.as_array_of_tables()
}

pub(super) fn codewhale_configured(text: &str) -> bool {
    parse(text)
        .ok()
        .is_some_and(|doc| codewhale_hooks(&doc).is_some_and(|list| list.iter().any(hook_is_ours)))
}

pub(super) fn codewhale_add(text: &str, program: &str) -> Outcome {
    let mut doc = parse(text)?;
    let mut notes = Vec::new();
    if doc.get("hooks").is_none() {
        let mut table = Table::new();
        table.insert("enabled", value(true));
        doc.insert("hooks", Item::Table(table));
    }
    let Some(hooks) = doc.get_mut("hooks").and_then(Item::as_table_mut) else {
        return Err(Problem::Conflict(
            "`hooks` is not a `[hooks]` table; write it as one first".into(),
        ));
    };
    if hooks.get("enabled").and_then(Item::as_bool) == Some(false) {
        notes.push(
            "`[hooks] enabled = false` switches every CodeWhale hook off, Island's too; \
             set it to true when you want them"
                .to_owned(),
        );
    }
    let list = hooks
        .entry("hooks")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
    let Some(list) = list.as_array_of_tables_mut() else {
        return Err(Problem::Conflict(
            "`hooks.hooks` is not written as `[[hooks.hooks]]` tables; write it so first".into(),
        ));
    };
    let mut added = false;
    for entry in list.iter_mut() {
        let new = entry
            .get("command")
            .and_then(Item::as_str)
            .and_then(|c| retarget_command(c, Agent::Codewhale, program));
        if let Some(new) = new {
            entry.insert("command", value(new));
            added = true;
        }
    }
    let program = super::shell_word(program)?;
    for event in CODEWHALE_EVENTS {
        let have = list
            .iter()
            .any(|t| t.get("event").and_then(Item::as_str) == Some(event) && hook_is_ours(t));
        if have {
            continue;
        }
        let mut entry = Table::new();
        entry.insert("name", value(format!("island-{}", event.replace('_', "-"))));
        entry.insert("event", value(event));
        entry.insert(
            "command",
            value(format!("{program} hook codewhale {event}")),
        );
        // Observers only: never delays the TUI, never steers it.
        entry.insert("background", value(true));
        entry.insert("timeout_secs", value(10));
        list.push(entry);
        added = true;
    }
    if !added {
        return Ok((text.to_owned(), notes));
    }
    Ok((doc.to_string(), notes))
}

pub(super) fn codewhale_remove(text: &str) -> Outcome {
    let mut doc = parse(text)?;
    let Some(hooks) = doc.get_mut("hooks").and_then(Item::as_table_mut) else {
        return unchanged(text);
    };
    let Some(list) = hooks
        .get_mut("hooks")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return unchanged(text);
    };
    let len = list.len();
    list.retain(|t| !hook_is_ours(t));
    if list.len() == len {
        return unchanged(text);
    }
    if list.is_empty() {
        hooks.remove("hooks");
    }
    // `[hooks]` holding nothing but the switch Island turned on goes too.
    let only_switch =
        hooks.len() == 1 && hooks.get("enabled").and_then(Item::as_bool) == Some(true);
    if hooks.is_empty() || only_switch {
        doc.remove("hooks");
    }
    Ok((doc.to_string(), Vec::new()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CODEX: &str =
        "# my Codex\nmodel = \"o3\"  # fast enough\n\n[tui]\nnotifications = true\n";

    #[test]
    fn codex_notify_is_added_once_and_taken_out_again() {
        let (added, _) = codex_add(CODEX, "island").unwrap();
        assert!(
            added.contains("notify = [\"island\", \"hook\", \"codex\"]"),
            "{added}"
        );
        assert!(added.starts_with("# my Codex\nmodel = \"o3\"  # fast enough\n"));
        assert!(added.contains("[tui]\nnotifications = true\n"));
        // `notify` is a top-level key: it must come before `[tui]`.
        assert!(added.find("notify") < added.find("[tui]"));
        assert!(codex_configured(&added) && !codex_configured(CODEX));
        assert_eq!(codex_add(&added, "island").unwrap().0, added);
        assert_eq!(codex_remove(&added).unwrap().0, CODEX);
        assert_eq!(codex_remove(CODEX).unwrap().0, CODEX);
    }

    #[test]
    fn a_moved_island_is_pointed_at_again() {
        let codex = "notify = [\"/gone/island\", \"hook\", \"codex\"]  # mine\n";
        let (added, _) = codex_add(codex, "/usr/bin/island").unwrap();
        assert_eq!(
            added,
            "notify = [\"/usr/bin/island\", \"hook\", \"codex\"]  # mine\n"
        );
        let codewhale = "[[hooks.hooks]]\nevent = \"turn_end\"\ncommand = \"/gone/island hook codewhale turn_end\"\n";
        let (added, _) = codewhale_add(codewhale, "island").unwrap();
        assert!(
            added.contains("command = \"island hook codewhale turn_end\"\n"),
            "{added}"
        );
        assert!(!added.contains("/gone/"), "{added}");
    }

    #[test]
    fn another_codex_notify_program_is_never_replaced() {
        let theirs = "notify = [\"notify-send\", \"Codex\"]\n";
        let Err(Problem::Conflict(why)) = codex_add(theirs, "island") else {
            panic!("replaced their notify");
        };
        assert!(why.contains("notify-send"), "{why}");
        assert_eq!(codex_remove(theirs).unwrap().0, theirs);
        assert!(matches!(
            codex_add("notify = [", "island"),
            Err(Problem::Parse(..))
        ));
    }

    const CODEWHALE: &str = r#"model = "deepseek-chat"

[hooks]
enabled = true
default_timeout_secs = 20

# Say when a turn ends.
[[hooks.hooks]]
name = "announce"
event = "turn_end"
command = "say turn done"
"#;

    #[test]
    fn codewhale_hooks_are_appended_after_theirs_and_removed_alone() {
        let (added, notes) = codewhale_add(CODEWHALE, "island").unwrap();
        assert!(notes.is_empty());
        assert!(added.starts_with(CODEWHALE), "{added}");
        let doc: toml::Table = toml::from_str(&added).unwrap();
        let list = doc["hooks"]["hooks"].as_array().unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[0]["command"].as_str(), Some("say turn done"));
        let events: Vec<&str> = list[1..]
            .iter()
            .map(|h| h["event"].as_str().unwrap())
            .collect();
        assert_eq!(events, CODEWHALE_EVENTS);
        assert_eq!(
            list[3]["command"].as_str(),
            Some("island hook codewhale turn_end")
        );
        assert_eq!(list[3]["background"].as_bool(), Some(true));
        assert!(codewhale_configured(&added) && !codewhale_configured(CODEWHALE));
        assert_eq!(codewhale_add(&added, "island").unwrap().0, added);
        assert_eq!(codewhale_remove(&added).unwrap().0, CODEWHALE);
    }

    #[test]
    fn a_new_codewhale_hooks_table_is_switched_on_and_goes_with_undo() {
        let (added, _) = codewhale_add("model = \"x\"\n", "/opt/island").unwrap();
        assert!(added.contains("[hooks]\nenabled = true\n"), "{added}");
        assert!(added.contains("command = \"/opt/island hook codewhale message_submit\""));
        assert_eq!(codewhale_remove(&added).unwrap().0, "model = \"x\"\n");
        // Switched off by the user: said, not changed.
        let off = "[hooks]\nenabled = false\n";
        let (added, notes) = codewhale_add(off, "island").unwrap();
        assert!(added.contains("enabled = false") && notes.len() == 1);
        assert!(matches!(
            codewhale_add("hooks = 3\n", "island"),
            Err(Problem::Conflict(_))
        ));
    }
}
