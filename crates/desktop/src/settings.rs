//! The settings view's form: the fields it edits, read from the config,
//! and written back into the file's own text, so that comments, order and
//! hand edits survive. The file stays the source of truth.

use std::path::Path;

use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, Item, Table, value};

use crate::placement::Corner;
use island_core::config::{ConfigError, DEFAULT_FILE, IslandConfig};

/// What the settings view edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsForm {
    /// Where Island listens; empty for the default. Takes effect at the
    /// next start.
    pub socket_path: String,
    /// Show desktop notifications at all.
    pub notifications_enabled: bool,
    /// Announce finished turns only when they took this long.
    pub turn_complete_min_secs: u64,
    /// Turns finishing this close together are announced together.
    pub burst_window_ms: u64,
    /// Remind once of an approval open this long (0: never).
    pub approval_realert_secs: u64,
    /// Hold finished-turn notices.
    pub do_not_disturb: bool,
    /// Quiet hours, `HH:MM-HH:MM`, or empty.
    #[serde(default)]
    pub quiet_hours: String,
    /// Approval notices while notices are held.
    #[serde(default)]
    pub approvals_in_dnd: island_core::config::ApprovalsInDnd,
    /// Approval notices while the session's terminal is in front.
    #[serde(default)]
    pub when_focused: island_core::config::WhenFocused,
    /// Approval notices while the widget shows the card.
    #[serde(default)]
    pub approvals_with_widget: island_core::config::ApprovalsWithWidget,
    /// The sounds: a theme name or a file's path; empty for none.
    #[serde(default)]
    pub sound_approval: String,
    /// A finished turn's sound.
    #[serde(default)]
    pub sound_finished: String,
    /// An aborted turn's sound.
    #[serde(default)]
    pub sound_aborted: String,
    /// Hide the widget while no session exists.
    pub widget_auto_hide: bool,
    /// Where the widget starts.
    pub widget_corner: Corner,
    /// Start at login.
    pub start_at_login: bool,
}

impl SettingsForm {
    /// The form for a config.
    #[must_use]
    pub fn from_config(config: &IslandConfig) -> Self {
        Self {
            socket_path: config.socket_path.clone(),
            notifications_enabled: config.notifications.enabled,
            turn_complete_min_secs: config.notifications.turn_complete_min_secs,
            burst_window_ms: config.notifications.burst_window_ms,
            approval_realert_secs: config.notifications.approval_realert_secs,
            do_not_disturb: config.notifications.do_not_disturb,
            quiet_hours: config.notifications.quiet_hours.clone(),
            approvals_in_dnd: config.notifications.approvals_in_dnd,
            when_focused: config.notifications.when_focused,
            approvals_with_widget: config.notifications.approvals_with_widget,
            sound_approval: config.notifications.sound_approval.clone(),
            sound_finished: config.notifications.sound_finished.clone(),
            sound_aborted: config.notifications.sound_aborted.clone(),
            widget_auto_hide: config.widget.auto_hide,
            widget_corner: config.widget.corner,
            start_at_login: config.app.start_at_login,
        }
    }
}

/// Writes the form into config text, keeping everything else as it was.
///
/// # Errors
/// [`ConfigError::Invalid`] when the text is not TOML, or the result is
/// not a valid config.
pub fn apply(text: &str, form: &SettingsForm, path: &Path) -> Result<String, ConfigError> {
    edit(text, path, |doc| {
        doc["socket_path"] = value(form.socket_path.trim());
        let n = section(doc, "notifications");
        n["enabled"] = value(form.notifications_enabled);
        n["turn_complete_min_secs"] = value(to_i64(form.turn_complete_min_secs));
        n["burst_window_ms"] = value(to_i64(form.burst_window_ms));
        n["approval_realert_secs"] = value(to_i64(form.approval_realert_secs));
        n["do_not_disturb"] = value(form.do_not_disturb);
        n["quiet_hours"] = value(form.quiet_hours.trim());
        n["approvals_in_dnd"] = value(word(form.approvals_in_dnd));
        n["when_focused"] = value(word(form.when_focused));
        n["approvals_with_widget"] = value(word(form.approvals_with_widget));
        n["sound_approval"] = value(form.sound_approval.trim());
        n["sound_finished"] = value(form.sound_finished.trim());
        n["sound_aborted"] = value(form.sound_aborted.trim());
        let w = section(doc, "widget");
        w["auto_hide"] = value(form.widget_auto_hide);
        w["corner"] = value(corner_name(form.widget_corner));
        section(doc, "app")["start_at_login"] = value(form.start_at_login);
    })
}

/// Sets only do not disturb (the tray's check item).
///
/// # Errors
/// As [`apply`].
pub fn apply_do_not_disturb(text: &str, on: bool, path: &Path) -> Result<String, ConfigError> {
    edit(text, path, |doc| {
        section(doc, "notifications")["do_not_disturb"] = value(on);
    })
}

/// Reads the config file (the defaults if it is missing), changes it with
/// `change`, checks the result and replaces the file atomically.
///
/// # Errors
/// See [`ConfigError`]. The file is unchanged on any error.
pub fn save(
    path: &Path,
    change: impl FnOnce(&str) -> Result<String, ConfigError>,
) -> Result<IslandConfig, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DEFAULT_FILE.to_owned(),
        Err(source) => return Err(io_error("read", path, source)),
    };
    let new_text = change(&text)?;
    let config = IslandConfig::parse(&new_text, path)?;
    // A config kept elsewhere and linked here (dotfile managers) is
    // written where it lives; the link stays.
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let path = target.as_path();
    island_core::atomic::write(path, &new_text).map_err(|e| io_error("write", path, e))?;
    Ok(config)
}

fn edit(
    text: &str,
    path: &Path,
    change: impl FnOnce(&mut DocumentMut),
) -> Result<String, ConfigError> {
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| ConfigError::Invalid {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
    change(&mut doc);
    let out = doc.to_string();
    IslandConfig::parse(&out, path)?;
    Ok(out)
}

/// The table `name`, created at the end of the file if it is missing (or
/// replaced if a hand edit made it something else).
fn section<'a>(doc: &'a mut DocumentMut, name: &str) -> &'a mut Table {
    let item = doc.entry(name).or_insert_with(|| Item::Table(Table::new()));
    if let Some(inline) = item.as_inline_table() {
        // `notifications = { ... }` by hand: the same keys, as a table.
        *item = Item::Table(inline.clone().into_table());
    }
    if !item.is_table() {
        *item = Item::Table(Table::new());
    }
    match item {
        Item::Table(table) => table,
        // Made a table just above.
        _ => unreachable!("a table was just put here"),
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A setting's word as the file spells it (its serde name).
fn word(setting: impl Serialize) -> String {
    serde_json::to_value(setting)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn corner_name(corner: Corner) -> &'static str {
    match corner {
        Corner::Auto => "auto",
        Corner::TopRight => "top-right",
        Corner::TopLeft => "top-left",
        Corner::BottomRight => "bottom-right",
        Corner::BottomLeft => "bottom-left",
    }
}

fn io_error(what: &'static str, path: &Path, source: std::io::Error) -> ConfigError {
    ConfigError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SettingsForm {
        SettingsForm::from_config(&IslandConfig::default())
    }

    #[test]
    fn every_field_lands_and_comments_survive() -> Result<(), ConfigError> {
        let path = Path::new("config.toml");
        let new = SettingsForm {
            socket_path: " /run/user/1/x.sock ".into(),
            notifications_enabled: false,
            turn_complete_min_secs: 42,
            burst_window_ms: 7,
            approval_realert_secs: 0,
            do_not_disturb: true,
            quiet_hours: "22:30-07:00".into(),
            approvals_in_dnd: island_core::config::ApprovalsInDnd::Hold,
            when_focused: island_core::config::WhenFocused::Hold,
            approvals_with_widget: island_core::config::ApprovalsWithWidget::Silent,
            sound_approval: "bell".into(),
            sound_finished: "/usr/share/sounds/done.oga".into(),
            sound_aborted: String::new(),
            widget_auto_hide: false,
            widget_corner: Corner::BottomLeft,
            start_at_login: true,
        };
        let text = apply(DEFAULT_FILE, &new, path)?;
        let config = IslandConfig::parse(&text, path)?;
        let mut expected = new.clone();
        expected.socket_path = "/run/user/1/x.sock".into();
        assert_eq!(SettingsForm::from_config(&config), expected);
        assert!(text.contains("# Announce a finished turn only when"));
        assert!(text.contains("# Where the widget starts before you drag it"));
        // Untouched settings keep their values.
        assert_eq!(config.limits, IslandConfig::default().limits);
        // Quiet hours the reducer could not read are refused, with why.
        let bad = SettingsForm {
            quiet_hours: "after dinner".into(),
            ..form()
        };
        match apply(DEFAULT_FILE, &bad, path) {
            Err(refused) => assert!(refused.to_string().contains("quiet_hours"), "{refused}"),
            Ok(text) => panic!("took quiet hours it cannot read: {text}"),
        }
        Ok(())
    }

    #[test]
    fn hand_edits_and_missing_sections_are_handled() -> Result<(), ConfigError> {
        let path = Path::new("config.toml");
        let hand = "# mine\n[focus]\ncommand = \"wmctrl -a x\" # keep\n";
        let text = apply(hand, &form(), path)?;
        // The comment stays with the table it was written above.
        assert!(text.contains("# mine\n[focus]"));
        assert!(text.contains("command = \"wmctrl -a x\" # keep"));
        assert_eq!(
            IslandConfig::parse(&text, path)?,
            IslandConfig {
                focus: island_core::config::FocusConfig {
                    command: "wmctrl -a x".into()
                },
                ..IslandConfig::default()
            }
        );
        let dnd = apply_do_not_disturb(&text, true, path)?;
        assert!(
            IslandConfig::parse(&dnd, path)?
                .notifications
                .do_not_disturb
        );
        Ok(())
    }

    #[test]
    fn inline_tables_and_linked_files_keep_their_values() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let real = dir.path().join("dotfiles/island.toml");
        std::fs::create_dir_all(real.parent().ok_or("no parent")?)?;
        std::fs::write(
            &real,
            "notifications = { mute_all = true, errors = false }\n",
        )?;
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&real, &link)?;
        let config = save(&link, |t| apply_do_not_disturb(t, true, &link))?;
        assert!(config.notifications.do_not_disturb);
        assert!(config.notifications.mute_all, "kept from the inline table");
        assert!(!config.notifications.errors, "kept from the inline table");
        assert!(std::fs::symlink_metadata(&link)?.file_type().is_symlink());
        assert!(std::fs::read_to_string(&real)?.contains("do_not_disturb = true"));
        Ok(())
    }

    #[test]
    fn broken_files_are_refused_and_left_alone() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[notifications\n")?;
        let err = save(&path, |t| apply(t, &form(), &path));
        assert!(matches!(err, Err(ConfigError::Invalid { .. })), "{err:?}");
        assert_eq!(std::fs::read_to_string(&path)?, "[notifications\n");
        // A value of the wrong type elsewhere is refused too.
        std::fs::write(&path, "[limits]\nmax_connections = \"many\"\n")?;
        assert!(save(&path, |t| apply(t, &form(), &path)).is_err());
        // A missing file starts from the commented defaults.
        let fresh = dir.path().join("new/config.toml");
        let config = save(&fresh, |t| apply_do_not_disturb(t, true, &fresh))?;
        assert!(config.notifications.do_not_disturb);
        assert!(std::fs::read_to_string(&fresh)?.contains("# Island's settings."));
        Ok(())
    }
}
