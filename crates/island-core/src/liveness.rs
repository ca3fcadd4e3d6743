//! Whether an agent process Island watches is still the same process: a
//! pid alone is not enough, since the system reuses pids. The start time
//! first seen (or carried in an upstream session's id) must still be the
//! process's own.

use std::collections::HashMap;

/// The start time of each watched agent process, first seen (or known from
/// the session), against pid reuse.
#[derive(Debug, Default)]
pub(crate) struct ProcessStarts(HashMap<u32, u64>);

impl ProcessStarts {
    /// Whether the process behind `pid` is gone: it is not alive, or it
    /// started at another time than the one first seen (`known` from the
    /// session, else what was recorded). `now` is its start time now.
    pub(crate) fn gone(
        &mut self,
        pid: u32,
        alive: bool,
        known: Option<u64>,
        now: Option<u64>,
    ) -> bool {
        if !alive {
            return true;
        }
        let Some(now) = now else {
            return false; // no start times here (not Linux): alive is all we know
        };
        let first = *self.0.entry(pid).or_insert(known.unwrap_or(now));
        first != now
    }

    pub(crate) fn forget(&mut self, pid: u32) {
        self.0.remove(&pid);
    }
}

/// The start time in an upstream session's id, `pid-PID-START`.
pub(crate) fn start_in_id(id: &str, pid: u32) -> Option<u64> {
    id.strip_prefix(&format!("pid-{pid}-"))?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_pid_is_a_gone_process() {
        let mut starts = ProcessStarts::default();
        // First seen alive: recorded, not gone; the same start later: alive.
        assert!(!starts.gone(42, true, None, Some(1000)));
        assert!(!starts.gone(42, true, None, Some(1000)));
        // The pid now belongs to a process started later.
        assert!(starts.gone(42, true, None, Some(5000)));
        // Known from the session id: a different start is gone at once.
        assert!(starts.gone(7, true, Some(10), Some(11)));
        assert!(!starts.gone(8, true, Some(10), Some(10)));
        // Not alive.
        assert!(starts.gone(9, false, None, None));
        // No start time known on this platform: alive counts.
        assert!(!starts.gone(10, true, None, None));
    }

    #[test]
    fn the_start_time_is_read_from_the_session_id() {
        assert_eq!(start_in_id("pid-4242-7788", 4242), Some(7788));
        assert_eq!(start_in_id("pid-4242", 4242), None);
        assert_eq!(start_in_id("pid-42-7788", 4242), None);
        assert_eq!(start_in_id("claude-abc", 4242), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_live_process_keeps_its_start_time_and_a_wrong_one_is_caught() {
        let me = std::process::id();
        let start = crate::platform::process_start_time(me).expect("/proc/self/stat");
        let mut starts = ProcessStarts::default();
        assert!(!starts.gone(me, true, None, crate::platform::process_start_time(me)));
        // A session that says its process started at another time.
        assert!(ProcessStarts::default().gone(me, true, Some(start + 1), Some(start)));
    }
}
