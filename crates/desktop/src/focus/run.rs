//! Running the programs the strategies use: no shell, a timeout, and the
//! program's own error text in the outcome.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Desktop;

/// A program and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The executable, looked up on `PATH`.
    pub name: String,
    /// Its arguments, passed as they are.
    pub args: Vec<String>,
}

impl Program {
    /// A program with arguments.
    #[must_use]
    pub fn new(name: &str, args: &[&str]) -> Self {
        Self {
            name: name.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }
}

const TIMEOUT: Duration = Duration::from_secs(5);

/// Runs a program; its stdout on success, a reason otherwise.
pub(super) fn run(
    program: &Program,
    desktop: &Desktop,
    env: &[(&str, &str)],
) -> Result<String, String> {
    let mut command = Command::new(&program.name);
    command
        .args(&program.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = &desktop.path {
        command.env("PATH", path);
    }
    if let Some(display) = &desktop.display {
        command.env("DISPLAY", display);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{} is not installed", program.name),
        _ => format!("cannot run {}: {e}", program.name),
    })?;
    // Read the pipes on their own threads: a program that fills a pipe
    // would otherwise never exit, and one that leaves a child holding the
    // pipe (an opener, a launcher) would block the read for ever.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        if let Some(mut pipe) = pipe {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text); // best effort: the status decides
                let _ = tx.send(text); // the caller may have stopped waiting
            });
        }
        rx
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIMEOUT => {
                // It hangs: stop it, and say so.
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not answer in {} s",
                    program.name,
                    TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for {}: {e}", program.name)),
        }
    };
    let grace = Duration::from_millis(500);
    let out = stdout.recv_timeout(grace).unwrap_or_default();
    let err = stderr.recv_timeout(grace).unwrap_or_default();
    if status.success() {
        Ok(out)
    } else {
        let detail = err.trim();
        Err(if detail.is_empty() {
            format!("{} failed ({status})", program.name)
        } else {
            format!("{} failed: {detail}", program.name)
        })
    }
}
