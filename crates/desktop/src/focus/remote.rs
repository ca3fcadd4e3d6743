//! A tmux pane on another machine, selected through the master connection
//! of `island remote` (`ssh -S CONTROL HOST ...`). What the remote agent
//! said about its pane and tmux socket is a claim: only a pane id and a
//! socket path of plain characters ever reach the remote shell, and the
//! control socket must be this user's own.

use island_protocol::TerminalInfo;

use super::run::{Program, run};
use super::{Desktop, RemoteTarget};
use island_core::ssh::plain_host;

/// A pane id as tmux writes it (`%12`).
fn pane_id(pane: &str) -> Option<&str> {
    let digits = pane.strip_prefix('%')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(pane)
}

/// An absolute path of characters no shell treats specially.
fn plain_path(path: &str) -> Option<&str> {
    (path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._+-".contains(&b)))
    .then_some(path)
}

/// The remote shell's script: the pane must exist, then its window and the
/// pane are selected and the most recently active client shows it.
fn script(pane: &str, socket: Option<&str>) -> String {
    let tmux = socket.map_or_else(|| "tmux".to_owned(), |s| format!("tmux -S {s}"));
    format!(
        "{tmux} list-panes -a -F '#{{pane_id}}' | grep -qx '{pane}' || {{ echo 'tmux pane {pane} no longer exists' >&2; exit 3; }}; \
         {tmux} select-window -t '{pane}' && {tmux} select-pane -t '{pane}' || exit 4; \
         c=$({tmux} list-clients -F '#{{client_activity}} #{{client_name}}' | sort -n | tail -n 1 | cut -d' ' -f2-); \
         [ -n \"$c\" ] || {{ echo 'tmux pane {pane} is not shown in any terminal (no client is attached)' >&2; exit 5; }}; \
         {tmux} switch-client -c \"$c\" -t '{pane}'"
    )
}

pub(super) fn select_tmux_pane(
    remote: &RemoteTarget,
    terminal: &TerminalInfo,
    desktop: &Desktop,
) -> Result<(), String> {
    let pane = terminal
        .tmux_pane
        .as_deref()
        .and_then(pane_id)
        .ok_or("the agent's tmux pane is not a pane id")?;
    let socket = match terminal.tmux.as_deref() {
        None => None,
        Some(var) => Some(
            plain_path(var.split(',').next().unwrap_or_default())
                .ok_or("the agent's tmux socket is not a plain path")?,
        ),
    };
    let host = plain_host(&remote.host).ok_or("the host name is not a plain name")?;
    let control = remote
        .control_path
        .as_deref()
        .ok_or("no SSH control connection is known")?;
    island_protocol::trust::check_own_socket(
        std::path::Path::new(control),
        island_protocol::trust::my_uid(),
    )
    .map_err(|e| format!("not using the SSH control socket: {e}"))?;
    let script = script(pane, socket);
    run(
        &Program::new(
            "ssh",
            &[
                "-S",
                control,
                "-o",
                "ControlMaster=no",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=5",
                "--",
                host,
                &script,
            ],
        ),
        desktop,
        &[],
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_claims_reach_the_remote_shell() {
        assert_eq!(pane_id("%12"), Some("%12"));
        for bad in ["%", "12", "%1;reboot", "%1 ", "$(x)"] {
            assert_eq!(pane_id(bad), None, "{bad}");
        }
        assert_eq!(
            plain_path("/tmp/tmux-1000/default"),
            Some("/tmp/tmux-1000/default")
        );
        for bad in ["tmp/x", "/tmp/a b", "/tmp/$(id)", "/tmp/`id`", "/tmp/x;y"] {
            assert_eq!(plain_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_script_names_the_pane_and_socket_it_was_given() {
        let s = script("%3", Some("/tmp/tmux-1001/default"));
        assert!(s.contains("tmux -S /tmp/tmux-1001/default select-pane -t '%3'"));
        assert!(script("%3", None).starts_with("tmux list-panes"));
    }
}
