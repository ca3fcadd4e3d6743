//! A user's own focus command: the template is split like a shell would
//! split it (quotes respected), each placeholder is replaced inside its own
//! argument, and the program runs without a shell, so a directory with
//! spaces or `;` stays one argument and runs nothing.

use island_protocol::TerminalInfo;

use super::run::{Program, run};
use super::{Desktop, FocusTarget};

/// The program and arguments a template gives for a target.
pub(super) fn expand(
    template: &str,
    target: &FocusTarget,
    terminal: &TerminalInfo,
) -> Result<Program, String> {
    let words = shlex::split(template)
        .ok_or_else(|| format!("the focus command {template:?} has unbalanced quotes"))?;
    let pid = target.pid.map(|p| p.to_string()).unwrap_or_default();
    let values: [(&str, &str); 11] = [
        ("{pid}", &pid),
        ("{tty}", terminal.tty.as_deref().unwrap_or_default()),
        ("{cwd}", target.cwd.as_deref().unwrap_or_default()),
        ("{session_id}", &target.session_id),
        ("{tmux}", terminal.tmux.as_deref().unwrap_or_default()),
        (
            "{tmux_pane}",
            terminal.tmux_pane.as_deref().unwrap_or_default(),
        ),
        (
            "{windowid}",
            terminal.windowid.as_deref().unwrap_or_default(),
        ),
        (
            "{kitty_window_id}",
            terminal.kitty_window_id.as_deref().unwrap_or_default(),
        ),
        (
            "{kitty_listen_on}",
            terminal.kitty_listen_on.as_deref().unwrap_or_default(),
        ),
        (
            "{wezterm_pane}",
            terminal.wezterm_pane.as_deref().unwrap_or_default(),
        ),
        (
            "{term_program}",
            terminal.term_program.as_deref().unwrap_or_default(),
        ),
    ];
    let mut words = words.into_iter().map(|word| {
        // One pass over the template word: a value is never scanned again,
        // so a value holding "{cwd}" stays as it is.
        let mut out = String::new();
        let mut rest = word.as_str();
        'scan: while !rest.is_empty() {
            for (key, value) in &values {
                if let Some(after) = rest.strip_prefix(key) {
                    out.push_str(value);
                    rest = after;
                    continue 'scan;
                }
            }
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
        out
    });
    let name = words
        .next()
        .filter(|n| !n.is_empty())
        .ok_or("the focus command is empty")?;
    Ok(Program {
        name,
        args: words.collect(),
    })
}

pub(super) fn focus(
    template: &str,
    target: &FocusTarget,
    terminal: &TerminalInfo,
    desktop: &Desktop,
) -> Result<(), String> {
    let program = expand(template, target, terminal)?;
    run(&program, desktop, &[]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_stay_inside_their_argument() {
        let target = FocusTarget {
            session_id: "s1".into(),
            pid: Some(42),
            cwd: Some("/home/me/my project; rm -rf ~".into()),
            terminal: None,
            remote: None,
        };
        let terminal = TerminalInfo {
            tmux_pane: Some("%3".into()),
            windowid: Some("{cwd}".into()),
            ..TerminalInfo::default()
        };
        let p = expand(
            "focus-it --pane={tmux_pane} --dir {cwd} 'pid {pid}' {windowid}",
            &target,
            &terminal,
        )
        .expect("valid");
        assert_eq!(p.name, "focus-it");
        assert_eq!(
            p.args,
            [
                "--pane=%3",
                "--dir",
                "/home/me/my project; rm -rf ~",
                "pid 42",
                "{cwd}"
            ]
        );
        assert!(expand("bad 'quote", &target, &terminal).is_err());
        assert!(expand("  ", &target, &terminal).is_err());
    }
}
