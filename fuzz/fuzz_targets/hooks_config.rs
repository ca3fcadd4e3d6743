//! The agent's `[hooks]` table, inside a config with a flatten catch-all:
//! no input may panic, and resolving never panics either.
#![no_main]

use std::collections::BTreeMap;

use codewhale_hooks::{HookSinksUpstream, HooksConfig};
use libfuzzer_sys::fuzz_target;

#[derive(serde::Deserialize)]
struct AgentConfig {
    hooks: Option<HooksConfig>,
    hook_sinks: Option<HookSinksUpstream>,
    #[serde(flatten)]
    _other: BTreeMap<String, toml::Value>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = toml::from_str::<AgentConfig>(text) else { return };
    let env = |k: &str| (k == "HOME").then(|| std::ffi::OsString::from("/home/fuzz"));
    let _ = HooksConfig::resolve_with(config.hooks.as_ref(), config.hook_sinks.as_ref(), env);
});
