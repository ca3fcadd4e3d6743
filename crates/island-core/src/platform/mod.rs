//! What the operating system tells about a peer process. One file per
//! platform, chosen here once.

#[cfg(target_os = "linux")]
#[path = "linux.rs"]
mod imp;
#[cfg(not(target_os = "linux"))]
#[path = "other.rs"]
mod imp;

pub use imp::{
    process_cwd, process_environ, process_name, process_parent, process_start_time, process_tty,
};

/// A process and its ancestors, nearest first (at most 64, against loops).
#[must_use]
pub fn ancestry(pid: u32) -> Vec<u32> {
    let mut chain = vec![pid];
    while let Some(parent) = chain.last().copied().and_then(process_parent) {
        if parent <= 1 || chain.len() >= 64 || chain.contains(&parent) {
            break;
        }
        chain.push(parent);
    }
    chain
}

/// Whether a process exists (it may belong to another user).
#[must_use]
pub fn process_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
        Ok(()) => true,
        Err(e) => e == nix::errno::Errno::EPERM,
    }
}

/// The agent that ran a hook: the first ancestor of `pid` (its parent
/// first) that is not a shell, since agents run hook commands through
/// `sh -c`. Falls back to the parent.
#[must_use]
pub fn hook_agent(pid: u32) -> Option<u32> {
    const SHELLS: [&str; 7] = ["sh", "bash", "dash", "zsh", "fish", "ksh", "env"];
    let chain = ancestry(pid);
    let parents = chain.get(1..).unwrap_or_default();
    parents
        .iter()
        .copied()
        .find(|p| process_name(*p).is_some_and(|n| !SHELLS.contains(&n.as_str())))
        .or_else(|| parents.first().copied())
}
