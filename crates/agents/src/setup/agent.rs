//! The agents `island setup` knows: each one's name, the `island hook`
//! command it runs, and where its config file is.

use std::path::{Path, PathBuf};

use super::{claude, opencode, toml_agents};

/// The agents `island setup` knows. With the `cli` feature, each is a
/// command-line value named as [`Agent::name`] spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Agent {
    /// Claude Code: `~/.claude/settings.json`, one hook per event.
    Claude,
    /// Codex CLI's own hooks: `$CODEX_HOME/hooks.json`, Claude-shaped.
    Codex,
    /// Codex CLI before its hooks: `notify` in `$CODEX_HOME/config.toml`.
    CodexNotify,
    /// The CodeWhale TUI: `[[hooks.hooks]]` in `$CODEWHALE_HOME/config.toml`.
    Codewhale,
    /// Qwen Code: `$QWEN_HOME/settings.json`, Claude Code's hooks.
    Qwen,
    /// Gemini CLI: `~/.gemini/settings.json`, hooks shaped like Claude's.
    Gemini,
    /// opencode: Island's plugin, `~/.config/opencode/plugin/island.js`.
    Opencode,
    /// Factory Droid: `~/.factory/settings.json`, Claude Code's hooks
    /// without `PermissionRequest`.
    Droid,
}

impl Agent {
    /// Every agent, in the order `island doctor` lists them.
    pub const ALL: [Agent; 8] = [
        Agent::Claude,
        Agent::Codex,
        Agent::CodexNotify,
        Agent::Gemini,
        Agent::Opencode,
        Agent::Qwen,
        Agent::Droid,
        Agent::Codewhale,
    ];

    /// The agent's name, as `island setup` spells it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::CodexNotify => "codex-notify",
            Agent::Codewhale => "codewhale",
            Agent::Qwen => "qwen",
            Agent::Gemini => "gemini",
            Agent::Opencode => "opencode",
            Agent::Droid => "droid",
        }
    }

    /// The `island hook` command it runs: the hook's name, and the
    /// `--agent` it passes.
    #[must_use]
    pub fn hook(self) -> (&'static str, Option<&'static str>) {
        match self {
            Agent::Claude => ("claude", None),
            Agent::Codex | Agent::CodexNotify => ("codex", None),
            Agent::Codewhale => ("codewhale", None),
            Agent::Qwen => ("claude", Some("qwen-code")),
            Agent::Droid => ("claude", Some("droid")),
            Agent::Gemini => ("gemini", None),
            Agent::Opencode => ("opencode", None),
        }
    }

    /// The hook command's words after the program.
    #[must_use]
    pub fn hook_words(self) -> Vec<&'static str> {
        let (name, flavor) = self.hook();
        let mut words = vec!["hook", name];
        if let Some(flavor) = flavor {
            words.extend(["--agent", flavor]);
        }
        words
    }

    /// The agent's name for people.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Agent::Claude => "Claude Code",
            Agent::Codex => "Codex CLI",
            Agent::CodexNotify => "Codex CLI's notify",
            Agent::Codewhale => "the CodeWhale TUI",
            Agent::Qwen => "Qwen Code",
            Agent::Gemini => "Gemini CLI",
            Agent::Opencode => "opencode",
            Agent::Droid => "Factory Droid",
        }
    }

    /// The agent's config file, as the agent itself finds it: `env` looks
    /// up an environment variable (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`,
    /// `CODEWHALE_HOME`, `QWEN_HOME`; `GEMINI_CLI_HOME` and
    /// `FACTORY_HOME_OVERRIDE` stand for the home the `.gemini` or
    /// `.factory` folder is in, `XDG_CONFIG_HOME` for `~/.config`),
    /// else the file is under `home`.
    #[must_use]
    pub fn config_path(self, home: &Path, env: impl Fn(&str) -> Option<String>) -> PathBuf {
        let (var, dir, file) = match self {
            Agent::Gemini => ("GEMINI_CLI_HOME", "", ".gemini/settings.json"),
            Agent::Opencode => ("XDG_CONFIG_HOME", ".config", "opencode/plugin/island.js"),
            Agent::Claude => ("CLAUDE_CONFIG_DIR", ".claude", "settings.json"),
            Agent::Codex => ("CODEX_HOME", ".codex", "hooks.json"),
            Agent::CodexNotify => ("CODEX_HOME", ".codex", "config.toml"),
            Agent::Codewhale => ("CODEWHALE_HOME", ".codewhale", "config.toml"),
            Agent::Qwen => ("QWEN_HOME", ".qwen", "settings.json"),
            Agent::Droid => ("FACTORY_HOME_OVERRIDE", "", ".factory/settings.json"),
        };
        env(var)
            .filter(|v| !v.is_empty())
            .map_or_else(|| home.join(dir), PathBuf::from)
            .join(file)
    }

    /// Whether the config text already runs Island's hook for this agent.
    #[must_use]
    pub fn is_configured(self, text: &str) -> bool {
        match self {
            Agent::Claude | Agent::Codex | Agent::Qwen | Agent::Gemini | Agent::Droid => {
                claude::configured(text, self)
            }
            Agent::CodexNotify => toml_agents::codex_configured(text),
            Agent::Opencode => opencode::configured(text),
            Agent::Codewhale => toml_agents::codewhale_configured(text),
        }
    }
}
