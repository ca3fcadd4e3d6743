//! The approval history: every approval's life, one JSON line each, in
//! `$XDG_STATE_HOME/island/history.jsonl` (0600, in a 0700 directory).
//! Prompts and outputs are never in it; the command is, since it is what
//! was approved, unless `[history] record_commands = false`. When the file
//! would pass `max_bytes` it becomes `history.1.jsonl` (replacing the one
//! before), so at most twice that is kept.
//!
//! The reducer says what to record ([`Entry`], as an effect); [`Log`]
//! appends it; [`read`] and [`Query`] serve `island history`.

use std::io::Write;
use std::path::{Path, PathBuf};

use island_protocol::{DecisionSource, ReviewDecision, Timestamp};
use serde::{Deserialize, Serialize};

/// Who closed an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnsweredBy {
    /// The widget's buttons.
    Widget,
    /// The tray menu.
    Tray,
    /// A notification's buttons.
    Notification,
    /// `island approve` / `island deny`.
    Cli,
    /// The agent's own prompt, in its terminal.
    Terminal,
    /// The agent itself: it withdrew the request, or nobody answered in
    /// its time.
    Agent,
}

impl AnsweredBy {
    /// Where an answer Island sent came from.
    #[must_use]
    pub fn from_source(source: DecisionSource) -> Self {
        match source {
            DecisionSource::Widget => Self::Widget,
            DecisionSource::Tray => Self::Tray,
            DecisionSource::Notification => Self::Notification,
            DecisionSource::Cli => Self::Cli,
            DecisionSource::Terminal | DecisionSource::Unknown => Self::Terminal,
        }
    }

    /// The name people read.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Widget => "widget",
            Self::Tray => "tray",
            Self::Notification => "notification",
            Self::Cli => "command line",
            Self::Terminal => "terminal",
            Self::Agent => "agent",
        }
    }
}

/// One approval, from request to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was asked.
    pub requested_at: Timestamp,
    /// When it closed.
    pub closed_at: Timestamp,
    /// How long it waited (ms).
    pub waited_ms: i64,
    /// The agent's name.
    #[serde(default)]
    pub agent: Option<String>,
    /// The session.
    pub session: String,
    /// Its project.
    pub project: String,
    /// The machine, when it is not this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The approval's id.
    pub approval: String,
    /// What it would run (absent with `record_commands = false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Where.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Who closed it.
    pub answered_by: AnsweredBy,
    /// How: `approved`, `approved_for_session`, `denied`, `abort`,
    /// `cancelled`, `timed_out`, or `unknown` (answered in the terminal in
    /// a way the agent does not report).
    pub decision: String,
}

/// The wire name of a decision Island sent.
#[must_use]
pub fn decision_name(decision: &ReviewDecision) -> String {
    serde_json::to_value(decision)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// `[history]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Keep the history at all.
    pub enabled: bool,
    /// Keep the commands that were approved or denied.
    pub record_commands: bool,
    /// The file's size before it rotates (twice this is kept).
    pub max_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            record_commands: true,
            max_bytes: 1024 * 1024,
        }
    }
}

/// Where the history lives: `$XDG_STATE_HOME/island`, else
/// `~/.local/state/island`.
#[must_use]
pub fn default_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".local/state")))
        .map(|d| d.join("island"))
}

const FILE: &str = "history.jsonl";
const ROTATED: &str = "history.1.jsonl";

/// Appends entries, rotating by size.
#[derive(Debug)]
pub struct Log {
    dir: PathBuf,
    settings: Settings,
}

impl Log {
    /// A log in `dir` (created 0700 when first written).
    #[must_use]
    pub fn new(dir: PathBuf, settings: Settings) -> Self {
        Self { dir, settings }
    }

    /// New settings (from the settings view).
    pub fn set(&mut self, settings: Settings) {
        self.settings = settings;
    }

    /// Appends one entry.
    ///
    /// # Errors
    /// When the directory or the file cannot be written.
    pub fn append(&self, entry: &Entry) -> std::io::Result<()> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        if !self.settings.enabled {
            return Ok(());
        }
        let mut entry = entry.clone();
        if !self.settings.record_commands {
            entry.command = None;
        }
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let path = self.dir.join(FILE);
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        if size > 0 && size + line.len() as u64 > self.settings.max_bytes {
            std::fs::rename(&path, self.dir.join(ROTATED))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)?;
        // A file made by someone's hand with a wider mode is narrowed.
        let meta = file.metadata()?;
        if meta.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(&line)
    }
}

/// Every entry kept in `dir`, oldest first; lines that do not parse are
/// skipped and counted.
#[must_use]
pub fn read(dir: &Path) -> (Vec<Entry>, usize) {
    let mut entries = Vec::new();
    let mut bad = 0;
    for name in [ROTATED, FILE] {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str(line) {
                Ok(entry) => entries.push(entry),
                Err(_) => bad += 1,
            }
        }
    }
    (entries, bad)
}

/// `island history`'s filters.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only entries closed at or after this time (ms).
    pub since_ms: Option<i64>,
    /// Only this session.
    pub session: Option<String>,
}

impl Query {
    /// Whether an entry passes.
    #[must_use]
    pub fn keeps(&self, entry: &Entry) -> bool {
        self.since_ms
            .is_none_or(|since| entry.closed_at.unix_millis() >= since)
            && self.session.as_ref().is_none_or(|s| *s == entry.session)
    }
}

/// `30s`, `15m`, `2h`, `7d` as milliseconds.
///
/// # Errors
/// A text that is none of those.
pub fn parse_age(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not an age like 30s, 15m, 2h or 7d"))?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("{text:?} is not an age like 30s, 15m, 2h or 7d")),
    };
    Ok(n.saturating_mul(unit_ms))
}

/// An entry as people read it, on one line.
#[must_use]
pub fn describe(entry: &Entry) -> String {
    use crate::display::safe;
    let when = entry.closed_at.to_string();
    let project = match &entry.host {
        Some(host) => format!("{} on {}", safe(&entry.project), safe(host)),
        None => safe(&entry.project),
    };
    let what = entry
        .command
        .as_deref()
        .map_or_else(|| "(command not recorded)".to_owned(), safe);
    format!(
        "{} {:<20} by {:<12} after {:<8} {project}: {what}",
        when.get(..19).unwrap_or(&when),
        entry.decision,
        entry.answered_by.as_str(),
        crate::tracker::notices::duration(entry.waited_ms),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn entry(n: i64) -> Entry {
        Entry {
            requested_at: Timestamp::from_unix_millis(1_800_000_000_000 + n).unwrap(),
            closed_at: Timestamp::from_unix_millis(1_800_000_005_000 + n).unwrap(),
            waited_ms: 5_000,
            agent: Some("codewhale".into()),
            session: format!("s{}", n % 2),
            project: "api".into(),
            host: None,
            approval: format!("ap-{n}"),
            command: Some("cargo test".into()),
            cwd: Some("/src/api".into()),
            answered_by: AnsweredBy::Widget,
            decision: "approved".into(),
        }
    }

    #[test]
    fn the_log_is_private_rotates_by_size_and_reads_back_in_order() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state/island");
        let log = Log::new(
            state.clone(),
            Settings {
                max_bytes: 1500,
                ..Settings::default()
            },
        );
        for n in 0..12 {
            log.append(&entry(n)).unwrap();
        }
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&state.join(FILE)), 0o600);
        assert!(std::fs::metadata(state.join(FILE)).unwrap().len() <= 1500);
        assert!(std::fs::metadata(state.join(ROTATED)).unwrap().len() <= 1500);
        let (entries, bad) = read(&state);
        assert_eq!(bad, 0);
        // The oldest went with the second rotation; the rest are in order.
        let ids: Vec<&str> = entries.iter().map(|e| e.approval.as_str()).collect();
        assert_eq!(ids.last(), Some(&"ap-11"));
        assert!(ids.len() < 12 && ids.len() >= 6, "{ids:?}");
        assert!(
            ids.windows(2)
                .all(|w| w[0] < w[1] || w[0].len() < w[1].len())
        );
    }

    #[test]
    fn commands_are_left_out_when_asked_and_bad_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::new(
            dir.path().to_path_buf(),
            Settings {
                record_commands: false,
                ..Settings::default()
            },
        );
        log.append(&entry(1)).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(FILE))
            .unwrap();
        file.write_all(b"not json\n").unwrap();
        let (entries, bad) = read(dir.path());
        assert_eq!((entries.len(), bad), (1, 1));
        assert_eq!(entries[0].command, None);
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(!text.contains("cargo test"));
    }

    #[test]
    fn ages_and_filters() {
        assert_eq!(parse_age("90s"), Ok(90_000));
        assert_eq!(parse_age("2h"), Ok(7_200_000));
        assert!(parse_age("2 weeks").is_err());
        let q = Query {
            since_ms: Some(1_800_000_005_003),
            session: Some("s1".into()),
        };
        let kept: Vec<String> = (0..6)
            .map(entry)
            .filter(|e| q.keeps(e))
            .map(|e| e.approval)
            .collect();
        assert_eq!(kept, ["ap-3", "ap-5"]);
    }
}
