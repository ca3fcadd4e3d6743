//! Tests of the Claude-shaped settings files.

#![allow(clippy::unwrap_used)]

mod mode_tests {
    use super::super::unanswerable_mode;

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

mod main_tests {
    use super::super::*;
    use crate::setup::Agent;

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
        let (added, _) = add(THEIRS, "island", Agent::Claude).unwrap();
        let root: Value = serde_json::from_str(&added).unwrap();
        let pre = root["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre.len(), 2);
        assert_eq!(pre[0]["hooks"][0]["command"], "~/bin/check-bash");
        assert_eq!(pre[1]["matcher"], "*");
        assert_eq!(pre[1]["hooks"][0]["command"], "island hook claude");
        assert_eq!(root["hooks"]["Stop"][0]["hooks"][0]["command"], "say done");
        // The two that wait for Island outlast its 50 s wait.
        for waits in ["PermissionRequest", "Elicitation"] {
            assert_eq!(
                root["hooks"][waits][0]["hooks"][0]["timeout"], 60,
                "{waits}"
            );
        }
        assert_eq!(root["permissions"]["allow"][0], "Bash(npm test)");
        // Keys keep their order: model, hooks, permissions.
        let keys: Vec<&String> = root.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["model", "hooks", "permissions"]);
        assert!(configured(&added, Agent::Claude) && !configured(THEIRS, Agent::Claude));
        // Again: nothing more.
        assert_eq!(
            add(&added, "/usr/bin/island", Agent::Claude).unwrap().0,
            added
        );
        // Undo gives back the file as it was.
        assert_eq!(remove(&added, Agent::Claude).unwrap().0, THEIRS);
        assert_eq!(remove(THEIRS, Agent::Claude).unwrap().0, THEIRS);
    }

    #[test]
    fn an_island_hook_sharing_a_group_with_theirs_goes_alone() {
        let text = r#"{"hooks": {"Stop": [{"hooks": [
            {"type": "command", "command": "say done"},
            {"type": "command", "command": "/opt/island/island hook claude --wait-secs 20"}
        ]}]}}"#;
        assert!(configured(text, Agent::Claude));
        let (removed, _) = remove(text, Agent::Claude).unwrap();
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
        let (added, notes) = add(text, "/usr/bin/island", Agent::Claude).unwrap();
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
        let (removed, _) = remove(&added, Agent::Claude).unwrap();
        let root: Value = serde_json::from_str(&removed).unwrap();
        assert_eq!(
            root["hooks"]["Stop"][0]["hooks"][0]["command"],
            "island hook claude && say done"
        );
        // In a compact file with nothing to add, not a byte changes.
        let compact =
            serde_json::to_string(&serde_json::from_str::<Value>(&added).unwrap()).unwrap();
        assert_eq!(
            add(&compact, "/usr/bin/island", Agent::Claude).unwrap().0,
            compact
        );
    }

    #[test]
    fn files_it_cannot_change_safely_are_refused() {
        assert!(matches!(
            add("{ nope", "island", Agent::Claude),
            Err(Problem::Parse(..))
        ));
        assert!(matches!(
            add("[]", "island", Agent::Claude),
            Err(Problem::Conflict(_))
        ));
        assert!(matches!(
            add(r#"{"hooks": []}"#, "island", Agent::Claude),
            Err(Problem::Conflict(_))
        ));
        assert!(matches!(
            add(r#"{"hooks": {"Stop": {}}}"#, "island", Agent::Claude),
            Err(Problem::Conflict(_))
        ));
        // A missing or empty file is a new one.
        let (added, _) = add("", "island", Agent::Claude).unwrap();
        assert!(configured(&added, Agent::Claude));
        assert_eq!(remove(&added, Agent::Claude).unwrap().0, "{}\n");
    }

    #[test]
    fn codex_and_qwen_get_their_own_commands_events_and_files_kept_apart() {
        let (codex, _) = add("", "island", Agent::Codex).unwrap();
        let root: Value = serde_json::from_str(&codex).unwrap();
        let permission = &root["hooks"]["PermissionRequest"][0]["hooks"][0];
        assert_eq!(permission["command"], "island hook codex");
        assert_eq!(permission["timeout"], 60);
        assert!(
            permission["statusMessage"]
                .as_str()
                .unwrap()
                .contains("Island")
        );
        assert_eq!(root["hooks"]["SessionEnd"][0]["hooks"][0]["timeout"], 3);
        assert!(
            root["hooks"].get("Notification").is_none(),
            "Codex has none"
        );
        assert!(configured(&codex, Agent::Codex) && !configured(&codex, Agent::Claude));
        let (qwen, _) = add("", "island", Agent::Qwen).unwrap();
        let root: Value = serde_json::from_str(&qwen).unwrap();
        assert_eq!(
            root["hooks"]["PermissionRequest"][0]["hooks"][0]["command"],
            "island hook claude --agent qwen-code"
        );
        assert!(root["hooks"].get("Elicitation").is_none());
        assert!(configured(&qwen, Agent::Qwen) && !configured(&qwen, Agent::Claude));
        // Claude's hooks in the same file are not Qwen's, and stay.
        let (claude, _) = add("", "island", Agent::Claude).unwrap();
        assert!(!configured(&claude, Agent::Qwen));
        assert_eq!(remove(&claude, Agent::Qwen).unwrap().0, claude);
        assert_eq!(remove(&qwen, Agent::Qwen).unwrap().0, "{}\n");
        // Droid: its own events (no PermissionRequest), its own --agent.
        let (droid, _) = add("", "island", Agent::Droid).unwrap();
        let root: Value = serde_json::from_str(&droid).unwrap();
        assert_eq!(
            root["hooks"]["Notification"][0]["hooks"][0]["command"],
            "island hook claude --agent droid"
        );
        assert!(root["hooks"].get("PermissionRequest").is_none());
        assert!(configured(&droid, Agent::Droid) && !configured(&droid, Agent::Qwen));
        assert_eq!(remove(&droid, Agent::Droid).unwrap().0, "{}\n");
    }

    #[test]
    fn droids_settings_are_under_its_home_override() {
        let home = std::path::Path::new("/home/me");
        let none = |_: &str| None;
        assert_eq!(
            Agent::Droid.config_path(home, none),
            home.join(".factory/settings.json")
        );
        let set = |k: &str| (k == "FACTORY_HOME_OVERRIDE").then(|| "/srv/me".to_owned());
        assert_eq!(
            Agent::Droid.config_path(home, set),
            std::path::Path::new("/srv/me/.factory/settings.json")
        );
    }
}
