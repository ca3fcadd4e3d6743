//! The `[hooks]` table: parsing inside a real agent config (with a flatten
//! catch-all), validation with clear errors, and the wiring to sinks.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use codewhale_hooks::{
    HookSinksUpstream, HooksConfig, HooksConfigError, SessionInfo, SinkSpec, build_dispatcher,
};
use serde::Deserialize;

/// An agent's config the way the upstream agent declares it: known tables,
/// plus a flatten catch-all for every other top-level key.
#[derive(Debug, Deserialize)]
struct AgentConfig {
    model: Option<String>,
    hooks: Option<HooksConfig>,
    hook_sinks: Option<HookSinksUpstream>,
    #[serde(flatten)]
    other: BTreeMap<String, toml::Value>,
}

fn env(key: &str) -> Option<OsString> {
    match key {
        "HOME" => Some("/home/me".into()),
        "XDG_RUNTIME_DIR" => Some("/run/user/1000".into()),
        _ => None,
    }
}

fn resolve(text: &str) -> Result<Vec<SinkSpec>, HooksConfigError> {
    let config: AgentConfig = toml::from_str(text).unwrap();
    HooksConfig::resolve_with(config.hooks.as_ref(), config.hook_sinks.as_ref(), env)
        .map(|r| r.sinks)
}

#[test]
fn hooks_parses_as_a_nested_table_and_unknown_keys_still_reach_the_catch_all() {
    // The original bug: with a flatten catch-all beside it, `[hooks]` did
    // not parse. Both must work together.
    let text = r#"
model = "gpt-5"
approval_policy = "on-request"

[hooks]
sinks = ["unix-socket", "jsonl", "webhook", "stdout"]
socket_path = "~/island.sock"
jsonl_path = "~/.codewhale/hooks.jsonl"
webhook_url = "https://example.com/hook"

[tui]
theme = "dark"
"#;
    let config: AgentConfig = toml::from_str(text).unwrap();
    assert_eq!(config.model.as_deref(), Some("gpt-5"));
    assert!(config.hooks.is_some());
    assert_eq!(
        config.other.keys().collect::<Vec<_>>(),
        ["approval_policy", "tui"]
    );
    assert!(
        !config.other.contains_key("hooks"),
        "hooks must not fall into the catch-all"
    );
    let sinks = HooksConfig::resolve_with(config.hooks.as_ref(), None, env)
        .unwrap()
        .sinks;
    assert_eq!(
        sinks,
        [
            SinkSpec::UnixSocket {
                path: PathBuf::from("/home/me/island.sock")
            },
            SinkSpec::Jsonl {
                path: PathBuf::from("/home/me/.codewhale/hooks.jsonl")
            },
            SinkSpec::Webhook {
                url: "https://example.com/hook".parse().unwrap()
            },
            SinkSpec::Stdout,
        ]
    );
}

#[test]
fn the_single_valued_form_works() {
    let sinks = resolve("[hooks]\nsink = \"jsonl\"\njsonl_path = \"/var/log/a.jsonl\"\n").unwrap();
    assert_eq!(
        sinks,
        [SinkSpec::Jsonl {
            path: "/var/log/a.jsonl".into()
        }]
    );
}

#[test]
fn no_table_means_the_island_sink_at_the_default_path() {
    assert_eq!(
        resolve("model = \"m\"\n").unwrap(),
        [SinkSpec::UnixSocket {
            path: "/run/user/1000/codewhale/island.sock".into()
        }]
    );
    assert_eq!(
        resolve("[hooks]\nsinks = []\n").unwrap(),
        [],
        "an empty list turns sinks off"
    );
}

#[test]
fn upstream_hook_sinks_unix_socket_path_is_read() {
    let sinks = resolve("[hook_sinks]\nunix_socket_path = \"~/up.sock\"\n").unwrap();
    assert_eq!(
        sinks,
        [SinkSpec::UnixSocket {
            path: "/home/me/up.sock".into()
        }]
    );
    // [hooks] socket_path wins over the upstream key when both are set.
    let sinks = resolve(
        "[hooks]\nsink = \"unix-socket\"\nsocket_path = \"/a.sock\"\n[hook_sinks]\nunix_socket_path = \"/b.sock\"\n",
    )
    .unwrap();
    assert_eq!(
        sinks,
        [SinkSpec::UnixSocket {
            path: "/a.sock".into()
        }]
    );
    let sinks =
        resolve("[hooks]\nsink = \"unix-socket\"\n[hook_sinks]\nunix_socket_path = \"/b.sock\"\n")
            .unwrap();
    assert_eq!(
        sinks,
        [SinkSpec::UnixSocket {
            path: "/b.sock".into()
        }]
    );
}

#[test]
fn mistakes_get_errors_that_name_the_fix() {
    let cases = [
        (
            "[hooks]\nsinks = [\"unix-socket\", \"slack\"]\n",
            "[hooks]: unknown sink \"slack\"; valid sinks are: unix-socket, jsonl, webhook, stdout",
        ),
        (
            "[hooks]\nsink = \"webhook\"\n",
            "[hooks]: the webhook sink needs `webhook_url` (for example webhook_url = \"https://example.com/hook\")",
        ),
        (
            "[hooks]\nsink = \"jsonl\"\n",
            "[hooks]: the jsonl sink needs `jsonl_path` (for example jsonl_path = \"~/.codewhale/hooks.jsonl\")",
        ),
        (
            "[hooks]\nsink = \"stdout\"\nsinks = [\"jsonl\"]\n",
            "[hooks]: set either `sink` or `sinks`, not both",
        ),
        (
            "[hooks]\nsinks = [\"stdout\", \"stdout\"]\n",
            "[hooks]: the stdout sink is listed twice",
        ),
        (
            "[hooks]\nsink = \"webhook\"\nwebhook_url = \"ftp://x\"\n",
            "[hooks]: webhook_url \"ftp://x\" is not a valid http or https URL: the scheme is ftp",
        ),
    ];
    for (text, expected) in cases {
        let err = resolve(text).unwrap_err();
        assert_eq!(err.to_string(), expected, "{text}");
    }
    let long = format!("[hooks]\nsocket_path = \"/{}\"\n", "x".repeat(200));
    assert!(
        resolve(&long)
            .unwrap_err()
            .to_string()
            .contains("Unix sockets allow at most")
    );
}

#[test]
fn sink_names_are_forgiving_about_case_and_underscores() {
    assert_eq!(
        resolve("[hooks]\nsinks = [\"Unix_Socket\"]\n").unwrap(),
        [SinkSpec::UnixSocket {
            path: "/run/user/1000/codewhale/island.sock".into()
        }]
    );
}

#[tokio::test]
async fn the_wiring_builds_one_sink_per_entry_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[hooks]\nsinks = [\"jsonl\", \"unix-socket\", \"webhook\", \"stdout\"]\njsonl_path = \"{}\"\nsocket_path = \"{}\"\nwebhook_url = \"http://127.0.0.1:9/\"\n",
        dir.path().join("h.jsonl").display(),
        dir.path().join("i.sock").display()
    );
    let config: AgentConfig = toml::from_str(&text).unwrap();
    let resolved = HooksConfig::resolve_with(config.hooks.as_ref(), None, env).unwrap();
    let hooks = build_dispatcher(&resolved, &SessionInfo::from_environment("test", "0"));
    assert_eq!(
        hooks.sink_names(),
        ["jsonl", "unix-socket", "webhook", "stdout"]
    );
    let hooks = build_dispatcher(
        &HooksConfig::resolve_with(None, None, env).unwrap(),
        &SessionInfo::from_environment("t", "0"),
    );
    assert_eq!(hooks.sink_names(), ["unix-socket"]);
}
