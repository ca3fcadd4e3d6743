//! `island setup AGENT`: adds Island's hook to an agent's own config file,
//! or with `undo` takes it out again. [`plan`] reads the file and works
//! out the new text without writing anything; the caller shows
//! [`Edit::diff`], asks, and then [`apply`] writes it atomically after
//! keeping a backup. What the user wrote is never replaced: other hooks
//! stay, a setting Island would have to overwrite is refused with the
//! reason, and a file changed meanwhile is left alone.

mod agent;
pub(crate) mod claude;
mod codex_trust;
mod opencode;
mod toml_agents;

use std::path::{Path, PathBuf};

pub use agent::Agent;
pub use codex_trust::{Trust, codex_trust};

/// Whether a hook command runs `island hook AGENT` (any path to `island`,
/// plain arguments after it). A command that goes on with shell operators
/// (`island hook claude && say done`) is the user's, not Island's.
pub(crate) fn runs_island_hook(words: &[&str], agent: Agent) -> bool {
    // Operators, substitutions, and a second line; a program path may
    // still say `$HOME`.
    const SHELL: [char; 9] = [';', '|', '&', '>', '<', '`', '(', ')', '\n'];
    let (hook_name, flavor) = agent.hook();
    match words {
        [program, hook, name, rest @ ..] => {
            Path::new(program).file_name().and_then(|n| n.to_str()) == Some("island")
                && *hook == "hook"
                && *name == hook_name
                && !program.contains(SHELL)
                && rest.iter().all(|w| !w.contains(SHELL) && !w.contains('$'))
                && flavor_of(rest) == flavor
        }
        _ => false,
    }
}

/// The `--agent` a hook command passes (`island hook claude --agent
/// qwen-code`); none for Claude Code's own name, its default.
fn flavor_of<'a>(rest: &[&'a str]) -> Option<&'a str> {
    rest.iter()
        .enumerate()
        .find_map(|(i, w)| match w.strip_prefix("--agent=") {
            Some(v) => Some(v),
            None if *w == "--agent" => rest.get(i + 1).copied(),
            None => None,
        })
        // `qwen` and `qwen-code` name one agent, as `island hook` reads them.
        .map(|name| crate::bridge::claude::Flavor::named(name).map_or(name, |f| f.agent))
        .filter(|name| *name != "claude-code")
}

/// [`runs_island_hook`] for a command line a shell runs.
pub(crate) fn command_runs_island_hook(command: &str, agent: Agent) -> bool {
    // `shlex` reads a newline as a space: a second line is the user's.
    if command.trim().contains('\n') {
        return false;
    }
    let words = shlex::split(command).unwrap_or_default();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    runs_island_hook(&words, agent)
}

/// An Island hook whose program is a full path that is gone (Island was
/// moved or rebuilt elsewhere): the same hook, run by `program`.
pub(crate) fn retarget(words: &[&str], agent: Agent, program: &str) -> Option<Vec<String>> {
    let old = *words.first()?;
    let stale = Path::new(old).is_absolute() && !Path::new(old).exists();
    if !runs_island_hook(words, agent) || !stale || old == program {
        return None;
    }
    let mut new = vec![program.to_owned()];
    new.extend(words[1..].iter().map(|w| (*w).to_owned()));
    Some(new)
}

/// [`retarget`] for a command line a shell runs.
pub(crate) fn retarget_command(command: &str, agent: Agent, program: &str) -> Option<String> {
    let words = shlex::split(command)?;
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let new = retarget(&words, agent, program)?;
    shlex::try_join(new.iter().map(String::as_str)).ok()
}

/// How an agent should run Island: `island` when an executable of that
/// name is on `path` (the `PATH` variable), else `exe`, this program's
/// full path.
///
/// # Errors
/// `exe` is not UTF-8 (it could not be written in a config file).
pub fn hook_program(path: Option<&std::ffi::OsStr>, exe: &Path) -> Result<String, SetupError> {
    let on_path = path.is_some_and(|paths| {
        std::env::split_paths(paths).any(|dir| is_executable(&dir.join("island")))
    });
    if on_path {
        return Ok("island".to_owned());
    }
    exe.to_str().map(str::to_owned).ok_or_else(|| {
        SetupError::Conflict(
            exe.to_owned(),
            "this program's path is not UTF-8; put `island` on PATH".into(),
        )
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `program` as one word of a shell command line.
pub(crate) fn shell_word(program: &str) -> Result<String, Problem> {
    shlex::try_quote(program)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| Problem::Conflict(format!("cannot write {program:?} in a command: {e}")))
}

/// Why a config file cannot be changed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The file is not valid JSON or TOML; it is left as it is.
    #[error("{0} is not valid {1}, so it is left as it is: {2}")]
    Parse(PathBuf, &'static str, String),
    /// The file holds something Island would have to overwrite.
    #[error("{0}: {1}")]
    Conflict(PathBuf, String),
    /// The file changed between reading and writing.
    #[error("{0} changed while this ran; it is left as it is, run the command again")]
    Changed(PathBuf),
    /// The file could not be written (nothing was changed).
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
}

/// A change to one config file, worked out but not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The file.
    pub path: PathBuf,
    /// Its text now; `None` when it does not exist.
    pub before: Option<String>,
    /// Its text after the change.
    pub after: String,
    /// Things the user should know that the change does not do.
    pub notes: Vec<String>,
    /// The change takes the file away (it was Island's alone).
    pub delete: bool,
}

impl Edit {
    /// Whether there is nothing to write.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.before.as_deref() == Some(self.after.as_str())
            || (self.before.is_none() && self.after.is_empty())
    }

    /// The change as a unified diff, the way `diff -u` shows it.
    #[must_use]
    pub fn diff(&self) -> String {
        let name = self.path.display().to_string();
        let before = self.before.as_deref().unwrap_or("");
        let old_name = if self.before.is_some() {
            name.clone()
        } else {
            "/dev/null".to_owned()
        };
        similar::TextDiff::from_lines(before, self.after.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &name)
            .to_string()
    }
}

/// Works out the change that adds Island's hook to `agent`'s config file
/// at `path` (or with `undo`, takes it out). `program` is how the agent
/// should call Island: `island` when it is on `PATH`, else a full path.
///
/// # Errors
/// See [`SetupError`]; nothing is written either way.
pub fn plan(agent: Agent, path: &Path, program: &str, undo: bool) -> Result<Edit, SetupError> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && std::fs::canonicalize(path).is_err() {
        return Err(SetupError::Conflict(
            path.to_owned(),
            "it is a link to a file that does not exist; fix or remove the link first".into(),
        ));
    }
    let before = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(SetupError::Read(path.to_owned(), e)),
    };
    let text = before.as_deref().unwrap_or("");
    let conflict = |why: String| SetupError::Conflict(path.to_owned(), why);
    let outcome = match (agent, undo) {
        (Agent::Claude | Agent::Codex | Agent::Qwen | Agent::Gemini | Agent::Droid, false) => {
            claude::add(text, program, agent)
        }
        (Agent::Claude | Agent::Codex | Agent::Qwen | Agent::Gemini | Agent::Droid, true) => {
            claude::remove(text, agent)
        }
        (Agent::Opencode, false) => opencode::add(text, program),
        (Agent::Opencode, true) => opencode::remove(text),
        (Agent::CodexNotify, false) => toml_agents::codex_add(text, program),
        (Agent::CodexNotify, true) => toml_agents::codex_remove(text),
        (Agent::Codewhale, false) => toml_agents::codewhale_add(text, program),
        (Agent::Codewhale, true) => toml_agents::codewhale_remove(text),
    };
    let (after, notes) = match outcome {
        Ok(done) => done,
        Err(Problem::Parse(format, why)) => {
            return Err(SetupError::Parse(path.to_owned(), format, why));
        }
        Err(Problem::Conflict(why)) => return Err(conflict(why)),
    };
    // Undoing in a file that does not exist changes nothing.
    let after = if before.is_none() && undo {
        String::new()
    } else {
        after
    };
    // Island's own file (opencode's plugin) goes, rather than stay empty.
    let delete = undo && agent == Agent::Opencode && before.is_some() && after.is_empty();
    Ok(Edit {
        path: path.to_owned(),
        before,
        after,
        notes,
        delete,
    })
}

/// What a transform can run into.
#[derive(Debug)]
pub(crate) enum Problem {
    /// The text does not parse (`"JSON"` or `"TOML"`, and why).
    Parse(&'static str, String),
    /// Island would have to overwrite something.
    Conflict(String),
}

/// A transform's result: the new text and notes for the user.
pub(crate) type Outcome = Result<(String, Vec<String>), Problem>;

/// Writes the edit: first a copy of the file as it was (returned), then
/// the new text, atomically, where a linked file really lives. The file
/// must still hold what [`plan`] read.
///
/// # Errors
/// See [`SetupError`]; on any error the file is as it was.
pub fn apply(edit: &Edit) -> Result<Option<PathBuf>, SetupError> {
    let path = edit.path.as_path();
    let now = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(SetupError::Read(path.to_owned(), e)),
    };
    if now != edit.before {
        return Err(SetupError::Changed(path.to_owned()));
    }
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let write_error = |e| SetupError::Write(target.clone(), e);
    let backup = match &edit.before {
        Some(_) => Some(backup(&target).map_err(write_error)?),
        None => None,
    };
    if edit.delete {
        // The name goes, not a file it may link to.
        std::fs::remove_file(path).map_err(write_error)?;
    } else {
        island_core::atomic::write(&target, &edit.after).map_err(write_error)?;
    }
    Ok(backup)
}

/// Copies the file next to itself as `NAME.island-backup-SECONDS`, 0600.
fn backup(path: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for n in 0..100 {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!(".{n}")
        };
        let copy = path.with_file_name(format!("{name}.island-backup-{seconds}{suffix}"));
        // 0600 from the moment it exists: an agent's settings may hold
        // keys, and a copy must not be more open than this user's own.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&copy)
        {
            Ok(mut out) => {
                let mut from = std::fs::File::open(path)?;
                std::io::copy(&mut from, &mut out)?;
                out.sync_all()?;
                return Ok(copy);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "too many backups in one second",
    ))
}
