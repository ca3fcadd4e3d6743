//! macOS: Terminal.app and iTerm2 select the tab whose tty is the agent's,
//! through `osascript`; any other terminal application is activated by
//! name. (Run on macOS only; tested here through a fake `osascript`.)

use island_protocol::TerminalInfo;

use super::Desktop;
use super::run::{Program, run};

/// The AppleScript that selects the tab with `tty` in Terminal.app.
pub(super) fn terminal_app_script(tty: &str) -> String {
    format!(
        "tell application \"Terminal\"\n\
         repeat with w in windows\n\
         repeat with t in tabs of w\n\
         if tty of t is \"{tty}\" then\n\
         set selected of t to true\n\
         set index of w to 1\n\
         activate\n\
         return \"ok\"\n\
         end if\n\
         end repeat\n\
         end repeat\n\
         end tell\n\
         error \"no Terminal tab has tty {tty}\""
    )
}

/// The AppleScript that selects the session with `tty` in iTerm2.
pub(super) fn iterm_script(tty: &str) -> String {
    format!(
        "tell application \"iTerm2\"\n\
         repeat with w in windows\n\
         repeat with t in tabs of w\n\
         repeat with s in sessions of t\n\
         if tty of s is \"{tty}\" then\n\
         select w\n\
         select t\n\
         select s\n\
         activate\n\
         return \"ok\"\n\
         end if\n\
         end repeat\n\
         end repeat\n\
         end repeat\n\
         end tell\n\
         error \"no iTerm2 session has tty {tty}\""
    )
}

pub(super) fn focus(terminal: &TerminalInfo, desktop: &Desktop) -> Result<(), String> {
    let program = terminal.term_program.as_deref().unwrap_or_default();
    let script = match (program, terminal.tty.as_deref()) {
        // The tty comes from the agent; keep it to a plain device path so
        // it cannot close the AppleScript string.
        (_, Some(tty)) if !tty.starts_with("/dev/") || tty.contains(['"', '\\']) => {
            return Err(format!("the tty {tty:?} is not a device path"));
        }
        ("Apple_Terminal", Some(tty)) => terminal_app_script(tty),
        ("iTerm.app", Some(tty)) => iterm_script(tty),
        ("", _) => return Err("the terminal application is not known (no TERM_PROGRAM)".into()),
        (other, _) => format!("tell application \"{}\" to activate", app_name(other)),
    };
    run(&Program::new("osascript", &["-e", &script]), desktop, &[]).map(|_| ())
}

fn app_name(term_program: &str) -> String {
    match term_program {
        "WezTerm" => "WezTerm".into(),
        "vscode" => "Visual Studio Code".into(),
        "ghostty" => "Ghostty".into(),
        other => other
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '.')
            .collect(),
    }
}
