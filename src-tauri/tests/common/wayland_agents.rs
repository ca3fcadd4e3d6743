//! Agents and Island as the Wayland session's user: this build's
//! binaries, `island` commands, sessions over their own connections, and
//! waiting for what Island's and the agent's logs say.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use island_test_support::poll;

use super::Running;
use super::compositor::Session;

/// A binary of this workspace's build, next to `island-app`.
pub fn built(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_island-app")).with_file_name(name);
    assert!(
        path.is_file(),
        "{} is missing: build the workspace (scripts/test does)",
        path.display()
    );
    path
}

/// This build's `island` and `island-app`, copied where the user can run
/// them (bare `island` runs the `island-app` beside it); both paths.
pub fn install_tray_app(s: &Session) -> (PathBuf, PathBuf) {
    let app = s.install(Path::new(env!("CARGO_BIN_EXE_island-app")));
    (s.install(&super::island()), app)
}

/// `island ARGS --socket WORK/run/island.sock` as the user, with `config`
/// (its text) as Island's config file.
pub fn start_island(
    s: &Session,
    island: &Path,
    args: &[&str],
    config: &str,
    stderr: Stdio,
) -> Running {
    let file = s.work("config.toml");
    std::fs::write(&file, config).unwrap();
    Running(
        s.command(island)
            .args(args)
            .arg("--socket")
            .arg(s.work("run/island.sock"))
            .env("ISLAND_CONFIG", &file)
            .stderr(stderr)
            .spawn()
            .unwrap(),
    )
}

/// `island ARGS` as the user; its standard output.
pub fn island(sway: &Session, bin: &Path, args: &[&str]) -> String {
    let out = sway.command(bin).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// An agent's session over its own connection, as the user: a Python
/// process that writes `lines` and holds the connection until its stdin
/// closes (killed when dropped).
pub fn session(sway: &Session, socket: &Path, lines: &[String]) -> Running {
    let script = "import socket, sys\n\
                  s = socket.socket(socket.AF_UNIX)\n\
                  s.connect(sys.argv[1])\n\
                  for line in sys.stdin:\n    s.sendall(line.encode())\n";
    let mut child = sway
        .command("/usr/bin/python3")
        .args(["-c", script])
        .arg(socket)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.as_mut().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    stdin.flush().unwrap();
    Running(child)
}

/// A turn of the session `agent` holds (see [`session`]).
pub fn turn(agent: &mut Running, turn: &str) {
    super::write_turn(agent.0.stdin.as_mut().unwrap(), turn);
}

/// Waits until the agent's log says an approval was answered from `from`.
pub fn wait_answered(log: &Path, from: &str) {
    let needle = format!("(from {from})");
    poll::until(
        format!("an answer {needle}"),
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(log)
                .unwrap_or_default()
                .contains(&needle)
        },
    );
}
