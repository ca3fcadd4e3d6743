//! `island remote install HOST`: this `island` (one static file that loads
//! no library) is copied to the remote machine's `~/.local/bin`, and the
//! remote's own `island setup AGENT` puts its hook into each agent's
//! config there, showing the change and asking as it does here. `--undo`
//! takes the hooks and the file out again.

use std::io::IsTerminal;
use std::process::{ExitCode, Stdio};

use anyhow::{Context, bail};
use island_core::ssh::plain_host;
use tokio::process::Command;

use island_agents::setup::Agent;

/// Where the copy goes, relative to the remote home.
const REMOTE_BIN: &str = ".local/bin/island";

fn ssh(host: &str, ssh_args: &[String], tty: bool) -> Command {
    let mut command = Command::new("ssh");
    if tty {
        command.arg("-t");
    }
    command.args(ssh_args).arg("--").arg(host);
    command
}

async fn remote_output(host: &str, ssh_args: &[String], script: &str) -> anyhow::Result<String> {
    let out = ssh(host, ssh_args, false)
        .arg(script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .await
        .context("cannot run ssh")?;
    if !out.status.success() {
        bail!("on {host}, `{script}` failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Whether an ELF file asks for a dynamic loader (`PT_INTERP`): such a
/// file would need the remote to have the same libraries.
fn needs_loader(elf: &[u8]) -> bool {
    let u16_at = |at: usize| {
        elf.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        elf.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |at: usize| {
        elf.get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
    };
    // 64-bit little-endian ELF only; anything else is not this build.
    if elf.get(..6) != Some(b"\x7fELF\x02\x01") {
        return true;
    }
    let (Some(phoff), Some(size), Some(count)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38)) else {
        return true;
    };
    let Ok(phoff) = usize::try_from(phoff) else {
        return true;
    };
    (0..usize::from(count)).any(|i| u32_at(phoff + i * usize::from(size)) == Some(3))
}

pub async fn run(
    host: &str,
    agents: &[Agent],
    yes: bool,
    undo: bool,
    ssh_args: &[String],
) -> anyhow::Result<ExitCode> {
    let host =
        plain_host(host).with_context(|| format!("{host:?} is not a host name ssh takes"))?;
    if !yes && !std::io::stdin().is_terminal() {
        bail!(
            "island remote install asks before it changes {host}: run it in a terminal, or add --yes"
        );
    }
    let system = remote_output(host, ssh_args, "uname -sm").await?;
    let here = format!("Linux {}", std::env::consts::ARCH);
    if system != here {
        bail!("{host} runs {system}; this island is built for {here}");
    }
    let agents: Vec<&str> = if agents.is_empty() {
        let found = remote_output(
            host,
            ssh_args,
            "for a in claude:.claude codex:${CODEX_HOME:-.codex}/config.toml codewhale:${CODEWHALE_HOME:-.codewhale}/config.toml; do [ -e \"${a#*:}\" ] && printf '%s ' \"${a%%:*}\"; done; true",
        )
        .await?;
        found
            .split_whitespace()
            .map(|a| match a {
                "claude" => "claude",
                "codex" => "codex",
                _ => "codewhale",
            })
            .collect()
    } else {
        agents.iter().map(|a| a.name()).collect()
    };
    if undo {
        return uninstall(host, &agents, yes, ssh_args).await;
    }
    let exe = std::env::current_exe().context("cannot tell where this program is")?;
    let bytes = std::fs::read(&exe).with_context(|| format!("cannot read {}", exe.display()))?;
    if needs_loader(&bytes) {
        bail!(
            "{} is linked dynamically, so it may not run on {host}; copy the static build (scripts/build-island)",
            exe.display()
        );
    }
    if agents.is_empty() {
        eprintln!(
            "island remote install: no agent's config was found on {host}; copying island only (add --agent NAME)"
        );
    }
    let then = if agents.is_empty() {
        String::new()
    } else {
        let setups: Vec<String> = agents.iter().map(|a| format!("island setup {a}")).collect();
        format!(", then runs there: {}", setups.join(", "))
    };
    println!(
        "This copies {} ({:.1} MiB) to {host}:~/{REMOTE_BIN}{then}",
        exe.display(),
        bytes.len() as f64 / 1_048_576.0,
    );
    if !yes && !crate::setup::confirm("Go on? [y/N] ")? {
        println!("Nothing was changed.");
        return Ok(ExitCode::SUCCESS);
    }
    copy(host, &bytes, ssh_args).await?;
    let version = remote_output(host, ssh_args, &format!("~/{REMOTE_BIN} --version")).await?;
    println!("{host}: {version} in ~/{REMOTE_BIN}");
    let failed = !remote_setup(host, ssh_args, &agents, yes, false).await?;
    println!(
        "Then run `island remote {host}` here: agents there report to this Island while it runs."
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the remote's own `island setup AGENT` (or `--undo`) for each
/// agent; it shows its change and asks on the user's terminal (`ssh -t`),
/// unless `yes`. Whether every one succeeded.
async fn remote_setup(
    host: &str,
    ssh_args: &[String],
    agents: &[&str],
    yes: bool,
    undo: bool,
) -> anyhow::Result<bool> {
    let flags = format!(
        "{}{}",
        if undo { " --undo" } else { "" },
        if yes { " --yes" } else { "" }
    );
    let mut all = true;
    for agent in agents {
        let mut command = ssh(host, ssh_args, !yes);
        command.arg(format!("~/{REMOTE_BIN} setup {agent}{flags}"));
        let status = command.status().await.context("cannot run ssh")?;
        if !status.success() {
            eprintln!(
                "island remote install: island setup {agent}{flags} on {host} failed ({status})"
            );
            all = false;
        }
    }
    Ok(all)
}

async fn copy(host: &str, bytes: &[u8], ssh_args: &[String]) -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut child = ssh(host, ssh_args, false)
        .arg(format!(
            "umask 077 && mkdir -p ~/.local/bin && cat > ~/{REMOTE_BIN}.partial && chmod 700 ~/{REMOTE_BIN}.partial && mv -f ~/{REMOTE_BIN}.partial ~/{REMOTE_BIN}"
        ))
        .stdin(Stdio::piped())
        .spawn()
        .context("cannot run ssh")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(bytes).await?;
    }
    let status = child.wait().await?;
    if !status.success() {
        bail!("copying island to {host} failed ({status})");
    }
    Ok(())
}

async fn uninstall(
    host: &str,
    agents: &[&str],
    yes: bool,
    ssh_args: &[String],
) -> anyhow::Result<ExitCode> {
    let present = remote_output(
        host,
        ssh_args,
        &format!("[ -x ~/{REMOTE_BIN} ] && echo yes || echo no"),
    )
    .await?;
    if present != "yes" {
        println!("{host} has no ~/{REMOTE_BIN}; nothing to take out.");
        return Ok(ExitCode::SUCCESS);
    }
    if !remote_setup(host, ssh_args, agents, yes, true).await? {
        eprintln!("~/{REMOTE_BIN} stays on {host}, since a hook may still name it.");
        return Ok(ExitCode::FAILURE);
    }
    remote_output(host, ssh_args, &format!("rm -f ~/{REMOTE_BIN}")).await?;
    println!("Took ~/{REMOTE_BIN} out of {host}.");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dynamic_elf_is_told_from_a_static_one() {
        let me = std::fs::read(std::env::current_exe().unwrap_or_default()).unwrap_or_default();
        // A test binary is linked dynamically.
        assert!(needs_loader(&me));
        assert!(needs_loader(b"#!/bin/sh\n"));
    }
}
