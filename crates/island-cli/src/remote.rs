//! `island remote HOST`: a remote machine's agents report to this Island.
//!
//! One `ssh` master connection (the user's own `ssh`, config, keys and
//! agent) carries everything: a probe finds the socket paths the remote
//! agents resolve and readies them, Island is told which local `ssh`
//! process the forwarded connections will come from, and then the paths
//! are forwarded (`ssh -O forward -R REMOTE:LOCAL`) to this Island's
//! socket. No port is opened anywhere: `sshd` creates the remote socket
//! 0600 and only the remote user reaches it. When the link drops, it is
//! made again with backoff; Ctrl-C (or SIGTERM) ends it cleanly.

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use island_core::client;
use island_core::ssh::{PROBE_SCRIPT, Probe, SSH_OPTIONS, plain_host};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

/// A line on stderr; a terminal that went away (its window closed) is no
/// reason to stop short of closing the link properly.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// The first wait after a drop, and the longest.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A link that lasted this long starts the backoff over.
const STABLE: Duration = Duration::from_secs(60);

/// What one `island remote` keeps.
struct RemoteForward<'a> {
    host: &'a str,
    ssh_args: &'a [String],
    /// This Island's socket, where the forwards lead.
    local: PathBuf,
    /// The master connection's control socket.
    control: PathBuf,
}

impl RemoteForward<'_> {
    /// `ssh` with the control socket, the user's options and the host.
    fn ssh(&self, extra: &[&str]) -> Command {
        let mut command = Command::new("ssh");
        command
            .arg("-S")
            .arg(&self.control)
            .args(extra)
            .args(self.ssh_args)
            .arg("--")
            .arg(self.host);
        command
    }

    fn master(&self) -> std::io::Result<Child> {
        let mut options = vec!["-M", "-N", "-o", "ControlPersist=no"];
        options.extend_from_slice(SSH_OPTIONS);
        let mut command = self.ssh(&options);
        island_core::platform::end_with_parent(&mut command);
        command.kill_on_drop(true).spawn()
    }

    /// The master answers on its control socket.
    async fn ready(&self, master: &mut Child) -> anyhow::Result<()> {
        let mut wait = Duration::from_millis(50);
        loop {
            if let Some(status) = master.try_wait()? {
                bail!("ssh to {} ended ({status})", self.host);
            }
            let check = self
                .ssh(&["-O", "check"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await?;
            if check.success() {
                return Ok(());
            }
            // Authentication may take the user a while: no deadline, the
            // master's own end is the failure.
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(500));
        }
    }

    /// Runs the probe through the master.
    async fn probe(&self, replace: bool) -> anyhow::Result<Probe> {
        run_probe(self.ssh(&["-o", "ControlMaster=no"]), self.host, replace).await
    }

    async fn forward(&self, remote: &str) -> anyhow::Result<()> {
        let spec = format!("{remote}:{}", self.local.display());
        let out = self
            .ssh(&["-O", "forward", "-R", &spec])
            .stdin(Stdio::null())
            .output()
            .await?;
        if !out.status.success() {
            bail!(
                "ssh could not forward {remote} on {}: {}",
                self.host,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    async fn stop(&self, master: &mut Child) {
        let _ = self
            .ssh(&["-O", "exit"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        let _ = master.kill().await;
    }
}

/// Why one connection ended.
enum Ended {
    /// The user stopped it.
    Stopped,
    /// The link dropped after it was up.
    Dropped,
}

pub async fn run(
    socket: &Path,
    host: &str,
    print_config: bool,
    replace: bool,
    ssh_args: &[String],
) -> anyhow::Result<ExitCode> {
    let host =
        plain_host(host).with_context(|| format!("{host:?} is not a host name ssh takes"))?;
    let local = std::path::absolute(socket)?;
    if print_config {
        return print_ssh_config(host, &local, ssh_args).await;
    }
    // Before any ssh: without an Island here there is nothing to forward to.
    client::status(&local)
        .await
        .with_context(|| format!("no Island answers at {}; start it first", local.display()))?;
    let control = local.with_file_name(format!("remote-{}.ctl", std::process::id()));
    let link = RemoteForward {
        host,
        ssh_args,
        local,
        control,
    };
    // Ctrl-C, SIGTERM or SIGHUP: the master is closed properly
    // (`ssh -O exit`) wherever it is.
    let (stop_tx, mut stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop_signal().await;
        let _ = stop_tx.send(true);
    });
    let mut backoff = FIRST_BACKOFF;
    let mut first = true;
    loop {
        let started = Instant::now();
        let result = connect_once(&link, replace || !first, &mut stop).await;
        let _ = std::fs::remove_file(&link.control);
        match result {
            Ok(Ended::Stopped) => {
                say!("island remote: stopped; agents on {host} no longer reach Island");
                return Ok(ExitCode::SUCCESS);
            }
            Ok(Ended::Dropped) => {}
            // The first try says what is wrong and stops: a typo in the
            // host, no key, no Island here.
            Err(e) if first => return Err(e),
            Err(e) => say!("island remote: {e:#}"),
        }
        first = false;
        if started.elapsed() >= STABLE {
            backoff = FIRST_BACKOFF;
        }
        say!(
            "island remote: the link to {host} is down; trying again in {} s",
            backoff.as_secs()
        );
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stop.wait_for(|stopped| *stopped) => {
                say!("island remote: stopped");
                return Ok(ExitCode::SUCCESS);
            }
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One master connection, from start to drop.
async fn connect_once(
    link: &RemoteForward<'_>,
    replace: bool,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Ended> {
    let _ = std::fs::remove_file(&link.control);
    let mut master = link.master().context("cannot run ssh")?;
    let result = tokio::select! {
        r = serve(link, &mut master, replace) => r,
        _ = stop.wait_for(|stopped| *stopped) => Ok(Ended::Stopped),
    };
    link.stop(&mut master).await;
    result
}

async fn serve(
    link: &RemoteForward<'_>,
    master: &mut Child,
    replace: bool,
) -> anyhow::Result<Ended> {
    link.ready(master).await?;
    let probe = link.probe(replace).await?;
    for path in &probe.unsafe_paths {
        say!(
            "island remote: not using {path} on {}: its directory is not yours alone, or it is not a socket",
            link.host
        );
    }
    if !probe.live.is_empty() {
        bail!(
            "something already listens at {} on {} (an Island there, or another island remote; or it has no `ss` to tell a stale socket from a live one); stop it, or use --replace",
            probe.live.join(" and "),
            link.host
        );
    }
    if probe.ready.is_empty() {
        bail!("no socket path on {} can be used", link.host);
    }
    let ssh_pid = master.id().context("ssh ended")?;
    let request = island_protocol::RemoteRequest {
        host: link.host.to_owned(),
        ssh_pid,
        control_path: Some(link.control.display().to_string()),
    };
    let mut lease = client::register_forward(&link.local, request.clone())
        .await
        .with_context(|| format!("cannot reach Island at {}", link.local.display()))?;
    for path in &probe.ready {
        link.forward(path).await?;
    }
    say!(
        "island remote: agents on {} now report to this Island ({} -> {})",
        link.host,
        probe.ready.join(", "),
        link.local.display()
    );
    loop {
        tokio::select! {
            status = master.wait() => {
                let status = status?;
                say!("island remote: ssh to {} ended ({status})", link.host);
                return Ok(Ended::Dropped);
            }
            () = lease.closed() => {
                // Island restarted (or stopped): tell the new one, while
                // the forwards stay up.
                lease = reregister(link, &request, master).await?;
            }
        }
    }
}

/// Registers again with a restarted Island, with backoff, for as long as
/// the master lives.
async fn reregister(
    link: &RemoteForward<'_>,
    request: &island_protocol::RemoteRequest,
    master: &mut Child,
) -> anyhow::Result<client::ForwardLease> {
    let mut wait = Duration::from_millis(100);
    loop {
        if let Some(status) = master.try_wait()? {
            bail!("ssh to {} ended ({status})", link.host);
        }
        match client::register_forward(&link.local, request.clone()).await {
            Ok(lease) => return Ok(lease),
            Err(e) => tracing::debug!("Island is not back yet: {e}"),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(MAX_BACKOFF);
    }
}

/// Runs the probe (`PROBE_SCRIPT` on the remote's `sh`) with `ssh`, a
/// command that already names the host.
async fn run_probe(mut ssh: Command, host: &str, replace: bool) -> anyhow::Result<Probe> {
    let mut child = ssh
        .args(["sh", "-s", "--"])
        .args(replace.then_some("replace"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot run ssh")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(PROBE_SCRIPT.as_bytes()).await?;
    }
    let out = child.wait_with_output().await?;
    if !out.status.success() {
        bail!("the probe on {host} failed ({})", out.status);
    }
    Ok(Probe::parse(&String::from_utf8_lossy(&out.stdout)))
}

async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) {
        (Ok(mut int), Ok(mut term), Ok(mut hup)) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

/// `--print-config`: the probe (a plain `ssh`, nothing forwarded) finds the
/// remote paths, then the lines for `~/.ssh/config` are printed.
async fn print_ssh_config(
    host: &str,
    local: &Path,
    ssh_args: &[String],
) -> anyhow::Result<ExitCode> {
    let mut ssh = Command::new("ssh");
    ssh.args(ssh_args).arg("--").arg(host);
    let probe = run_probe(ssh, host, false).await?;
    let mut paths = probe.ready;
    paths.extend(probe.live);
    if paths.is_empty() {
        bail!("no socket path on {host} can be used");
    }
    println!("Host {host}");
    for path in &paths {
        println!("    RemoteForward {path} {}", local.display());
    }
    println!("    StreamLocalBindUnlink yes");
    println!("    ExitOnForwardFailure yes");
    println!("    ServerAliveInterval 15");
    println!("    ServerAliveCountMax 3");
    say!(
        "# For these lines, {host}'s sshd_config also needs `StreamLocalBindUnlink yes`:\n\
         # sshd replaces a socket left by a dropped connection only then (island remote\n\
         # removes it itself). Sessions arriving this way name their host themselves."
    );
    Ok(ExitCode::SUCCESS)
}
