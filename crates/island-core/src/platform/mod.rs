//! What the operating system tells about a peer process. One file per
//! platform, chosen here once.

#[cfg(target_os = "linux")]
#[path = "linux.rs"]
mod imp;
#[cfg(not(target_os = "linux"))]
#[path = "other.rs"]
mod imp;

pub use imp::{
    end_with_parent, own_processes, process_args, process_cwd, process_environ, process_name,
    process_owner, process_parent, process_start_time, process_tty, release_freed_memory,
    tune_allocator,
};

/// Checks that `pid` is an `ssh` process of this user and a child of
/// `registrar`, the process asking (where the system tells), and gives its
/// start time: what `island remote` registers as the peer of a forward's
/// connections. Being its child keeps anything that reaches Island through
/// a forward (whose peer is an `ssh`) from registering one itself.
///
/// # Errors
/// Why it is not one.
pub fn own_ssh_process(pid: u32, registrar: Option<u32>) -> Result<Option<u64>, String> {
    if !process_alive(pid) {
        return Err(format!("process {pid} does not exist"));
    }
    if let Some(parent) = process_parent(pid) {
        if Some(parent) != registrar {
            return Err(format!(
                "process {pid} was not started by the process that registers it"
            ));
        }
    }
    if let Some(owner) = process_owner(pid) {
        if owner != island_protocol::trust::my_uid() {
            return Err(format!("process {pid} belongs to uid {owner}"));
        }
    }
    if let Some(name) = process_name(pid) {
        if name != "ssh" {
            return Err(format!("process {pid} is {name}, not ssh"));
        }
    }
    Ok(process_start_time(pid))
}

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
    // Walked one parent at a time and only as far as needed: a hook runs
    // for every tool call, and each step reads `/proc`.
    let first = process_parent(pid).filter(|p| *p > 1)?;
    let mut seen = vec![pid];
    let mut current = first;
    while seen.len() < 64 && !seen.contains(&current) {
        if process_name(current).is_some_and(|n| !SHELLS.contains(&n.as_str())) {
            return Some(current);
        }
        seen.push(current);
        match process_parent(current) {
            Some(parent) if parent > 1 => current = parent,
            _ => break,
        }
    }
    Some(first)
}

/// Whether `pid` is Codex's managed app-server daemon (`codex app-server
/// ... --managed-daemon`), which runs the hooks of every Codex TUI of this
/// user and outlives them.
#[must_use]
pub fn is_codex_daemon(pid: u32) -> bool {
    process_args(pid).is_some_and(|args| {
        args.iter().any(|a| a == "app-server") && args.iter().any(|a| a == "--managed-daemon")
    })
}

/// The Codex TUI a hook run by the daemon speaks for: this user's one
/// `codex` process working in `cwd` that is not an app server. `None` when
/// there is none, or more than one (which of them asked cannot be told).
#[must_use]
pub fn codex_front_end(cwd: &str) -> Option<u32> {
    let mut found = own_processes().into_iter().filter(|pid| {
        process_name(*pid).as_deref() == Some("codex")
            && process_cwd(*pid).as_deref() == Some(cwd)
            && process_args(*pid).is_some_and(|args| !args.iter().any(|a| a == "app-server"))
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::BufRead;

    /// A hook runs under `sh -c` under more shells: its agent is the first
    /// ancestor that is not one, here this test process.
    #[test]
    fn the_hook_agent_is_the_first_ancestor_that_is_not_a_shell() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sh -c 'echo $$; read _; true'; true"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("sh");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the inner shell's pid");
        let inner: u32 = line.trim().parse().expect("a pid");
        assert_eq!(super::hook_agent(inner), Some(std::process::id()));
        // A process whose parent is not a shell: the parent itself.
        let mut cat = std::process::Command::new("cat")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("cat");
        assert_eq!(super::hook_agent(cat.id()), Some(std::process::id()));
        drop(cat.stdin.take());
        assert!(cat.wait().expect("cat ends").success());
        drop(child.stdin.take());
        assert!(child.wait().expect("sh ends").success());
    }
}
