//! Whether Codex trusts Island's hooks. Codex runs a hook from
//! `hooks.json` only once its user trusted it, and keeps that in the
//! `config.toml` beside it: `[hooks.state."PATH:EVENT:GROUP:HANDLER"]`
//! with the hook's `trusted_hash` (PATH is `hooks.json`'s, EVENT the
//! event's snake_case name, GROUP and HANDLER the hook's places in its
//! lists). Island never writes that; it only reads whether the user did.
//! Codex itself checks the hash.

use std::path::Path;

use serde_json::Value;

use super::Agent;

/// Island's hooks in `hooks_json`, and how many of them the user trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trust {
    /// Island's hooks in the file.
    pub hooks: usize,
    /// Those with a trusted hash in `config.toml`.
    pub trusted: usize,
}

impl Trust {
    /// Every hook of Island's is trusted.
    #[must_use]
    pub fn complete(self) -> bool {
        self.hooks > 0 && self.trusted == self.hooks
    }
}

/// Reads `hooks_json` and the `config.toml` beside it.
#[must_use]
pub fn codex_trust(hooks_json: &Path) -> Trust {
    let keys = island_keys(hooks_json);
    let state = std::fs::read_to_string(hooks_json.with_file_name("config.toml"))
        .ok()
        .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok());
    let trusted = keys
        .iter()
        .filter(|key| {
            state
                .as_ref()
                .and_then(|doc| doc.get("hooks")?.get("state")?.get(key.as_str()))
                .and_then(|entry| entry.get("trusted_hash"))
                .is_some()
        })
        .count();
    Trust {
        hooks: keys.len(),
        trusted,
    }
}

/// The `hooks.state` keys of Island's hooks in the file.
fn island_keys(hooks_json: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(hooks_json) else {
        return Vec::new();
    };
    let Ok(root) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    let Some(events) = root.get("hooks").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for (event, groups) in events {
        for (g, group) in groups.as_array().into_iter().flatten().enumerate() {
            let handlers = group.get("hooks").and_then(Value::as_array);
            for (h, handler) in handlers.into_iter().flatten().enumerate() {
                let ours = handler
                    .get("command")
                    .and_then(Value::as_str)
                    .is_some_and(|c| super::command_runs_island_hook(c, Agent::Codex));
                if ours {
                    keys.push(format!(
                        "{}:{}:{g}:{h}",
                        hooks_json.display(),
                        snake_case(event)
                    ));
                }
            }
        }
    }
    keys
}

/// `PreToolUse` as Codex names it in its keys: `pre_tool_use`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_islands_hooks_count_and_each_needs_its_own_trust() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path().join("hooks.json");
        std::fs::write(
            &hooks,
            r#"{"hooks": {
                "PreToolUse": [{"matcher": "*", "hooks": [
                    {"type": "command", "command": "my-check"},
                    {"type": "command", "command": "island hook codex"}]}],
                "SessionEnd": [{"hooks": [{"type": "command", "command": "island hook codex"}]}]
            }}"#,
        )
        .unwrap();
        assert_eq!(snake_case("UserPromptSubmit"), "user_prompt_submit");
        assert_eq!(
            codex_trust(&hooks),
            Trust {
                hooks: 2,
                trusted: 0
            }
        );
        let path = hooks.display();
        // The user's own hook trusted, and one of Island's: not complete.
        std::fs::write(
            dir.path().join("config.toml"),
            format!(
                "[hooks.state.\"{path}:pre_tool_use:0:0\"]\ntrusted_hash = \"sha256:a\"\n\
                 [hooks.state.\"{path}:pre_tool_use:0:1\"]\ntrusted_hash = \"sha256:b\"\n"
            ),
        )
        .unwrap();
        let partly = codex_trust(&hooks);
        assert_eq!(
            partly,
            Trust {
                hooks: 2,
                trusted: 1
            }
        );
        assert!(!partly.complete());
        let mut config = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
        config.push_str(&format!(
            "[hooks.state.\"{path}:session_end:0:0\"]\ntrusted_hash = \"sha256:c\"\n"
        ));
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        assert!(codex_trust(&hooks).complete());
    }
}
