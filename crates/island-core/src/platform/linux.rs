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

/// The parent of a process (field 4 of `/proc/<pid>/stat`).
#[must_use]
pub fn process_parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace()
        .nth(1)?
        .parse()
        .ok()
        .filter(|p| *p != 0)
}

/// The user a process runs as (the owner of `/proc/<pid>`).
#[must_use]
pub fn process_owner(pid: u32) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}"))
        .ok()
        .map(|m| m.uid())
}

/// A process's command name (`/proc/<pid>/comm`).
#[must_use]
pub fn process_name(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|n| n.trim_end().to_owned())
}

/// A process's arguments (`/proc/<pid>/cmdline`), its program first.
#[must_use]
pub fn process_args(pid: u32) -> Option<Vec<String>> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

/// The processes this user runs now.
#[must_use]
pub fn own_processes() -> Vec<u32> {
    use std::os::unix::fs::MetadataExt;
    let me = island_protocol::trust::my_uid();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            (e.metadata().ok()?.uid() == me).then_some(pid)
        })
        .collect()
}

/// A process's environment, when it is readable and the process runs as
/// this user (root could read anyone's; another user's is no evidence).
#[must_use]
pub fn process_environ(pid: u32) -> Option<std::collections::HashMap<String, String>> {
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(format!("/proc/{pid}")).ok()?.uid();
    if owner != island_protocol::trust::my_uid() {
        return None;
    }
    let raw = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter_map(|kv| {
                let kv = String::from_utf8_lossy(kv);
                let (k, v) = kv.split_once('=')?;
                Some((k.to_owned(), v.to_owned()))
            })
            .collect(),
    )
}

/// The tty a process runs on, from its standard streams.
#[must_use]
pub fn process_tty(pid: u32) -> Option<String> {
    (0..3).find_map(|fd| {
        let target = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
        let text = target.to_string_lossy().into_owned();
        (text.starts_with("/dev/pts/") || text.starts_with("/dev/tty")).then_some(text)
    })
}

/// Gives the pages that freed memory left behind back to the system. A
/// connection storm grows every allocator arena, and glibc keeps what was
/// freed in the middle of an arena; `malloc_trim` returns those pages.
#[cfg(target_env = "gnu")]
#[allow(unsafe_code)]
pub fn release_freed_memory() {
    // SAFETY: malloc_trim only walks the allocator's own arenas, under
    // their locks; any thread may call it at any time.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}

/// Other C libraries return freed memory by themselves.
#[cfg(not(target_env = "gnu"))]
pub fn release_freed_memory() {}

/// Sets glibc's allocator up for a long-lived server whose load comes in
/// storms: one arena (a thread arena's top is never trimmed by
/// `malloc_trim`, so each worker's arena kept what a storm grew), and
/// fixed trim and mmap thresholds of 128 KiB (glibc raises them as large
/// blocks come and go, up to 32 MiB, and then keeps freed memory). Called
/// before the runtime's threads start. Measured with the storm bench:
/// memory held after a storm +0.1 MiB over before instead of +1 MiB.
#[cfg(target_env = "gnu")]
#[allow(unsafe_code)]
pub fn tune_allocator() {
    use nix::libc::{M_ARENA_MAX, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, mallopt};
    // SAFETY: mallopt only sets the allocator's own parameters, under its
    // lock; a value it refuses leaves the default.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
        mallopt(M_TRIM_THRESHOLD, 128 * 1024);
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Other C libraries have no such settings.
#[cfg(not(target_env = "gnu"))]
pub fn tune_allocator() {}

/// Makes the child that `command` starts get SIGTERM when the thread that
/// starts it ends (`PR_SET_PDEATHSIG`): `island remote`'s `ssh` must not
/// outlive it however it ends, or the remote socket stays taken.
pub fn end_with_parent(command: &mut tokio::process::Command) {
    // SAFETY: the closure runs in the child between fork and exec, and
    // calls only prctl(2), which is async-signal-safe; it touches no
    // memory of the parent.
    #[allow(unsafe_code)]
    unsafe {
        command.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
                .map_err(std::io::Error::from)
        });
    }
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
        assert_eq!(
            process_parent(me),
            Some(std::os::unix::process::parent_id())
        );
        let env = process_environ(me).expect("own environment");
        assert_eq!(env.get("PATH").cloned(), std::env::var("PATH").ok());
    }
}
