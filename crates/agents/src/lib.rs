//! Island's integrations with the agents people already run, apart from
//! the engine (`island-core`): their hooks turned into PROTOCOL lines, the
//! setup that writes Island into their config files, and `island doctor`,
//! which checks all of it on this desktop.
//!
//! # Layout
//!
//! - [`bridge`]: agents' own hooks (Claude Code and the agents with its
//!   hooks: Codex, Qwen Code; Gemini CLI; the CodeWhale TUI), and the
//!   events of Island's opencode plugin, as PROTOCOL lines, delivered to
//!   Island.
//! - [`setup`]: `island setup AGENT`: Island's hook in the agent's config
//!   file, shown as a diff, asked, backed up, undone.
//! - [`doctor`]: `island doctor`'s checks.

pub mod bridge;
pub mod doctor;
pub mod setup;
