//! Linux: `/proc/<pid>/stat` and `/proc/<pid>/cwd`.

/// The process start time in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`), which tells a reused pid from the original.
#[must_use]
pub fn process_start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses; the
    // fields after it start past the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The process's working directory, when it is readable (same user).
#[must_use]
pub fn process_cwd(pid: u32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/cwd"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(process_start_time(me).is_some_and(|t| t > 0));
        let cwd = std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .ok();
        assert_eq!(process_cwd(me), cwd);
        assert!(super::super::process_alive(me));
        assert_eq!(process_start_time(u32::MAX), None);
    }
}
