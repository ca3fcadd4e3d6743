//! Island's own config file: no input may panic.
#![no_main]

use island_core::config::IslandConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = IslandConfig::parse(text, std::path::Path::new("fuzz.toml")) {
        let _ = (config.policy(), config.limits(), config.focus_settings(), config.socket_path());
    }
});
