//! Other Unix systems (macOS): no start time or cwd is read yet, so
//! one-line sessions are keyed by pid alone there.

/// Not available on this platform.
#[must_use]
pub fn process_start_time(_pid: u32) -> Option<u64> {
    None
}

/// Not available on this platform.
#[must_use]
pub fn process_cwd(_pid: u32) -> Option<String> {
    None
}

/// Not available on this platform.
#[must_use]
pub fn process_parent(_pid: u32) -> Option<u32> {
    None
}

/// Not available on this platform.
#[must_use]
pub fn process_owner(_pid: u32) -> Option<u32> {
    None
}

/// Not known on this platform.
#[must_use]
pub fn process_name(_pid: u32) -> Option<String> {
    None
}

/// Not available on this platform.
#[must_use]
pub fn process_environ(_pid: u32) -> Option<std::collections::HashMap<String, String>> {
    None
}

/// Not available on this platform.
#[must_use]
pub fn process_tty(_pid: u32) -> Option<String> {
    None
}

/// The system's allocator returns freed memory by itself.
pub fn release_freed_memory() {}

/// The system's allocator needs no settings.
pub fn tune_allocator() {}

/// Not available on this platform: the child may outlive its parent.
pub fn end_with_parent(_command: &mut tokio::process::Command) {}

/// A process's arguments: not known on this system.
#[must_use]
pub fn process_args(_pid: u32) -> Option<Vec<String>> {
    None
}

/// The processes this user runs: not known on this system.
#[must_use]
pub fn own_processes() -> Vec<u32> {
    Vec::new()
}
