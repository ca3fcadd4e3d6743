//! Unix (Linux and macOS): how the window process gets its pipes to the
//! tray app and nobody else does.

use std::fs::File;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// `island windows`, started from `program` (this very binary): named
/// `island` in the process list, and in a process group of its own, so
/// that a terminal's Ctrl-C reaches the tray app only, which ends the
/// window process in order (it saves the widget's place first).
pub fn window_process_command(program: &std::path::Path) -> Command {
    let mut command = Command::new(program);
    command.arg0("island").arg("windows").process_group(0);
    command
}

/// The pipes to the tray app, taken off stdin and stdout: returned as
/// files that are closed on exec, while fd 0 becomes `/dev/null` and fd 1
/// a copy of stderr. So WebKit's processes, which inherit the standard
/// descriptors, never hold the pipes (they could speak for the user, and
/// Island would not see the window process end while they live), and a
/// stray print cannot corrupt a message.
///
/// # Errors
/// Any failure to duplicate a descriptor.
pub fn take_protocol_pipes() -> std::io::Result<(File, File)> {
    let from_app = File::from(std::io::stdin().as_fd().try_clone_to_owned()?);
    let to_app = File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    let null = File::open("/dev/null")?;
    nix::unistd::dup2_stdin(&null)?;
    nix::unistd::dup2_stdout(std::io::stderr())?;
    Ok((from_app, to_app))
}
