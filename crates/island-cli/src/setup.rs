//! `island setup AGENT`: shows the change to the agent's config file, asks
//! (or takes `--yes`), then writes it with a backup. The work is
//! `island_agents::setup`'s; this is the conversation.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use island_agents::setup::{self, Agent};

/// Runs `island setup` (no async runtime: it asks on the terminal).
///
/// # Errors
/// A file that cannot be read, parsed, changed safely or written; it is
/// left as it was.
pub fn run(agent: Agent, yes: bool, undo: bool, file: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let path = match file {
        Some(path) => path,
        None => {
            let home = directories::BaseDirs::new()
                .context("no home directory known; name the file with --file")?;
            agent.config_path(home.home_dir(), |k| std::env::var(k).ok())
        }
    };
    let exe = std::env::current_exe().context("cannot tell where this program is")?;
    // Hooks always run the small `island` (no GUI libraries), even when
    // the tray app's binary ran this.
    let exe = if exe.file_name().is_some_and(|n| n == "island-app") {
        exe.with_file_name("island")
    } else {
        exe
    };
    let program = setup::hook_program(std::env::var_os("PATH").as_deref(), &exe)?;
    if program != "island" {
        println!(
            "Note: `island` is not on PATH, so the hook runs {program}; run this again if \
             that file moves."
        );
    }
    let edit = setup::plan(agent, &path, &program, undo)?;
    for note in &edit.notes {
        println!("Note: {note}");
    }
    if edit.is_empty() {
        let what = if undo {
            "has no Island hook"
        } else {
            "already runs Island's hook"
        };
        println!("{} {what}; nothing to change.", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", edit.diff());
    if !yes && !consent(&path)? {
        println!("Nothing was changed.");
        return Ok(ExitCode::FAILURE);
    }
    let backup = setup::apply(&edit)?;
    match backup {
        Some(backup) => println!(
            "Changed {}; the file as it was is kept in {}.",
            path.display(),
            backup.display()
        ),
        None => println!("Wrote {}.", path.display()),
    }
    if !undo && agent == Agent::Codex {
        // Codex runs no hook its user has not trusted; Island does not
        // trust them on the user's behalf.
        println!(
            "Codex runs these hooks once you trust them: the next time you start codex it \
             says hooks need review; choose \"Trust all and continue\" (or review them, or \
             later run /hooks and press t on each). Until then Codex skips them without a \
             word. `island doctor` says whether they are trusted."
        );
    } else if !undo {
        println!(
            "Island hears from {} from its next start; `island doctor` checks it.",
            agent.title()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; with none to ask on, the answer is no.
fn consent(path: &Path) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        eprintln!("island setup: not applied: pass --yes to apply it without asking");
        return Ok(false);
    }
    confirm(&format!("Apply this change to {}? [y/N] ", path.display()))
}

/// Asks a yes-or-no question on the terminal; anything but yes is no.
pub(crate) fn confirm(question: &str) -> anyhow::Result<bool> {
    print!("{question}");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
