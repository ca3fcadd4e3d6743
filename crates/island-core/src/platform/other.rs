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
