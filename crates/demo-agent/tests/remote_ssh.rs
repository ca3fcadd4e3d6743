//! `island remote` against a real OpenSSH server on loopback: its own host
//! key, its own authorized key, and an unprivileged "remote" user with its
//! own home and no runtime dir (as a non-login SSH session has). The demo
//! agent runs on the "remote" as that user, over ssh, with no
//! configuration: it finds the forwarded socket by the protocol's own
//! resolution, its approval is answered here with `island approve`, and
//! when the SSH link is killed its session shows `disconnected` and comes
//! back by itself. A second remote user cannot reach the forwarded socket.
//!
//! Runs as root (to start sshd and make the users); the static `island`
//! comes from `ISLAND_BIN` (scripts/test builds it). Without either it says
//! so and passes, except in CI, where it fails.
//!
//! Over 400 lines: one real OpenSSH server and its users serve every case
//! of `island remote`; apart, each file would start its own.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use island_test_support::poll::{until, value};

use island_test_support::screen;

/// The tests share the remote users' homes: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

const REMOTE: &str = "island-remote";
const OTHER: &str = "island-remote2";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program).args(args).output().unwrap()
}

fn ensure_user(name: &str) -> (u32, PathBuf) {
    if !run("id", &["-u", name]).status.success() {
        assert!(
            run("useradd", &["-m", "-s", "/bin/sh", name])
                .status
                .success(),
            "useradd {name}"
        );
    }
    // Not locked (sshd refuses a locked account), and no password.
    assert!(run("usermod", &["-p", "*", name]).status.success());
    let uid = String::from_utf8(run("id", &["-u", name]).stdout).unwrap();
    let home = PathBuf::from(format!("/home/{name}"));
    (uid.trim().parse().unwrap(), home)
}

fn chown_r(path: &Path, user: &str) {
    assert!(
        run(
            "chown",
            &["-R", &format!("{user}:{user}"), path.to_str().unwrap()]
        )
        .status
        .success()
    );
}

/// Debian's own python3 as `user` (the remote machine's other users and
/// processes), running `script` with `path` as its argument.
fn python_as(user: &str, script: &str, path: &Path) -> std::process::Output {
    run(
        "setpriv",
        &[
            "--reuid",
            user,
            "--regid",
            user,
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            script,
            path.to_str().unwrap(),
        ],
    )
}

/// Lines of a child's stderr, as they come.
fn lines_of(stderr: ChildStderr) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

fn wait_line(rx: &Receiver<String>, what: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(what) => return line,
            Ok(_) => {}
            Err(e) => panic!("no line with {what:?} within {within:?} ({e})"),
        }
    }
}

struct World {
    dir: tempfile::TempDir,
    island: PathBuf,
    socket: PathBuf,
    ssh_config: PathBuf,
}

/// Ends every process of the remote users (sshd sessions, tmux) and
/// waits until they are gone.
fn end_remote_processes() {
    for user in [REMOTE, OTHER] {
        let _ = run("pkill", &["-KILL", "-u", user]);
        until(
            format!("the processes of {user} to end"),
            Duration::from_secs(10),
            || !run("pgrep", &["-u", user]).status.success(),
        );
    }
}

impl Drop for World {
    fn drop(&mut self) {
        end_remote_processes();
    }
}

impl World {
    fn island(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.island)
            .args(args)
            .arg("--socket")
            .arg(&self.socket)
            .output()
            .unwrap()
    }

    fn status(&self) -> serde_json::Value {
        let out = self.island(&["status", "--json"]);
        assert!(out.status.success(), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["snapshot"].clone()
    }

    /// Waits until a session passes `test`, and returns it.
    fn session_where(
        &self,
        what: &str,
        test: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        value(what, Duration::from_secs(60), || {
            self.status()["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| test(s))
                .cloned()
        })
    }

    /// `island remote ARGS --socket S -- -F CONFIG`.
    fn island_remote(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.island)
            .arg("remote")
            .args(args)
            .arg("--socket")
            .arg(&self.socket)
            .arg("--")
            .arg("-F")
            .arg(&self.ssh_config)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn ssh(&self) -> Command {
        let mut c = Command::new("ssh");
        c.arg("-F").arg(&self.ssh_config).arg("remote-box");
        c
    }
}

fn start() -> Option<(World, Killed)> {
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    let island = std::env::var_os("ISLAND_BIN").map(PathBuf::from);
    let sshd = Path::new("/usr/sbin/sshd").exists();
    let (true, Some(island), true) = (root, island, sshd) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the SSH test: root {root}, ISLAND_BIN and /usr/sbin/sshd (openssh-server) needed"
        );
        eprintln!("skipped: needs root, ISLAND_BIN (scripts/build-island) and openssh-server");
        return None;
    };
    let (_, home) = ensure_user(REMOTE);
    ensure_user(OTHER);
    // Nothing of an earlier run may still hold the remote socket.
    end_remote_processes();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for key in ["host_key", "client_key"] {
        let out = run(
            "ssh-keygen",
            &[
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-f",
                d.join(key).to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{out:?}");
    }
    // The remote user's home as a fresh machine has it.
    for leftover in [
        ".codewhale",
        ".local",
        ".ssh",
        ".claude",
        "island-demo-agent",
    ] {
        let _ = std::fs::remove_dir_all(home.join(leftover));
        let _ = std::fs::remove_file(home.join(leftover));
    }
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::copy(d.join("client_key.pub"), home.join(".ssh/authorized_keys")).unwrap();
    std::fs::set_permissions(home.join(".ssh"), std::fs::Permissions::from_mode(0o700)).unwrap();
    chown_r(&home.join(".ssh"), REMOTE);
    // A port nobody uses now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        d.join("sshd_config"),
        format!(
            "ListenAddress 127.0.0.1:{port}\nHostKey {}\nPidFile none\nUsePAM no\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             AuthorizedKeysFile .ssh/authorized_keys\nAllowUsers {REMOTE} {OTHER}\n",
            d.join("host_key").display()
        ),
    )
    .unwrap();
    std::fs::create_dir_all("/run/sshd").unwrap();
    let sshd = Killed(
        Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    until("sshd to listen", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    std::fs::write(
        d.join("ssh_config"),
        format!(
            "Host remote-box\n  HostName 127.0.0.1\n  Port {port}\n  User {REMOTE}\n  IdentityFile {}\n  IdentitiesOnly yes\n  BatchMode yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n",
            d.join("client_key").display()
        ),
    )
    .unwrap();
    let world = World {
        socket: d.join("run/island.sock"),
        ssh_config: d.join("ssh_config"),
        island,
        dir,
    };
    Some((world, sshd))
}

fn headless(world: &World, display: Option<&str>) -> Killed {
    let mut command = Command::new(&world.island);
    if let Some(display) = display {
        command.env("DISPLAY", display);
    }
    let island = Killed(
        command
            .args(["--headless", "--no-notifications", "--socket"])
            .arg(&world.socket)
            .env("ISLAND_CONFIG", world.dir.path().join("config.toml"))
            .env("XDG_STATE_HOME", world.dir.path().join("state"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    until("Island to come up", Duration::from_secs(20), || {
        world.island(&["status"]).status.success()
    });
    island
}

fn remote(world: &World) -> (Killed, Receiver<String>) {
    let mut child = Command::new(&world.island)
        .args(["remote", "remote-box", "--socket"])
        .arg(&world.socket)
        .arg("--")
        .arg("-F")
        .arg(&world.ssh_config)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(child.stderr.take().unwrap());
    (Killed(child), lines)
}

/// The `ssh` that `island remote` runs.
fn ssh_child_of(pid: u32) -> u32 {
    use island_core::platform::{own_processes, process_name, process_parent};
    value(
        "the ssh under island remote",
        Duration::from_secs(10),
        || {
            own_processes().into_iter().find(|child| {
                process_parent(*child) == Some(pid)
                    && process_name(*child).as_deref() == Some("ssh")
            })
        },
    )
}

#[test]
fn a_remote_agent_reports_over_ssh_is_answered_here_and_comes_back_after_a_drop() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some((world, _sshd)) = start() else {
        return;
    };
    // With no Island here it says so before any ssh, and a host that
    // would be a shell or an option is refused.
    let none = world.island_remote(&["remote-box"]);
    assert!(!none.status.success());
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("no Island answers"),
        "{none:?}"
    );
    let _island = headless(&world, None);
    let bad = world.island_remote(&["box;touch /tmp/owned"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not a host name ssh takes"),
        "{bad:?}"
    );
    let (remote_cli, remote_lines) = remote(&world);
    wait_line(
        &remote_lines,
        "now report to this Island",
        Duration::from_secs(30),
    );

    // sshd made the remote end: the remote user's own, 0600, in a 0700
    // directory `island remote` made (no XDG_RUNTIME_DIR there).
    let home = PathBuf::from(format!("/home/{REMOTE}"));
    let forwarded = home.join(".codewhale/run/island.sock");
    let meta = std::fs::symlink_metadata(&forwarded).unwrap();
    let (uid, _) = ensure_user(REMOTE);
    assert_eq!(meta.uid(), uid);
    assert_eq!(meta.mode() & 0o777, 0o600);
    let dir_meta = std::fs::metadata(forwarded.parent().unwrap()).unwrap();
    assert_eq!(dir_meta.mode() & 0o777, 0o700);

    // Another user there cannot connect to it.
    let other = python_as(
        OTHER,
        "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])",
        &forwarded,
    );
    assert!(!other.status.success());
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("PermissionError"),
        "{other:?}"
    );

    // What reaches Island through the forward cannot register a forward
    // of its own (its peer is ssh, which did not start that ssh): Island
    // closes it without a welcome.
    let ssh = ssh_child_of(remote_cli.0.id());
    let script = format!(
        "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); \
         s.sendall(b'{{\"remote\":{{\"host\":\"evil\",\"ssh_pid\":{ssh}}}}}\\n'); \
         print(repr(s.recv(4096)))"
    );
    let forged = python_as(REMOTE, &script, &forwarded);
    assert!(forged.status.success(), "{forged:?}");
    assert_eq!(String::from_utf8_lossy(&forged.stdout).trim(), "b''");
    // Nor read this machine's sessions, answer its approvals or ask for
    // a terminal: every control request through the forward is closed
    // unanswered.
    for request in [
        r#"{"status":{}}"#,
        r#"{"watch":{}}"#,
        r#"{"decide":{"approval_id":"x","decision":{"type":"approved"}}}"#,
        r#"{"focus":{"waiting":true}}"#,
    ] {
        let script = format!(
            "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); \
             s.sendall(b'{}\\n'); print(repr(s.recv(4096)))",
            request.replace('"', "\\\"")
        );
        let out = python_as(REMOTE, &script, &forwarded);
        assert!(out.status.success(), "{request}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "b''",
            "{request} answered through the forward"
        );
    }

    // The demo agent on the remote, as the remote user, over ssh, with no
    // configuration at all.
    let demo = home.join("island-demo-agent");
    std::fs::copy(env!("CARGO_BIN_EXE_island-demo-agent"), &demo).unwrap();
    chown_r(&demo, REMOTE);
    let mut agent = world
        .ssh()
        .args([
            "./island-demo-agent",
            "--sessions",
            "1",
            "--speed",
            "4",
            "--approval-every",
            "1",
            "--abort-every",
            "0",
            "--approval-timeout",
            "300",
            "--seed",
            "5",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let agent_lines = lines_of(agent.stderr.take().unwrap());
    let agent = Killed(agent);

    let waiting = world.session_where("a remote approval", |s| {
        s["host"] == "remote-box" && !s["approvals"].as_array().unwrap().is_empty()
    });
    let id = waiting["id"].as_str().unwrap().to_owned();
    let approval = waiting["approvals"][0]["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = world.island(&["approve", &format!("{id}/{approval}")]);
    assert!(answer.status.success(), "{answer:?}");
    wait_line(
        &agent_lines,
        &format!("approval {approval}: Approve (from"),
        Duration::from_secs(30),
    );
    // The plain status names the host too.
    let text = String::from_utf8(world.island(&["status"]).stdout).unwrap();
    assert!(text.contains("on remote-box"), "{text}");

    // The link drops (its ssh is killed): the session shows disconnected,
    // then island remote makes the link again and the agent re-attaches.
    let ssh = ssh_child_of(remote_cli.0.id());
    assert!(run("kill", &["-9", &ssh.to_string()]).status.success());
    world.session_where("disconnected", |s| {
        s["id"] == id.as_str() && s["state"] == "disconnected"
    });
    wait_line(&remote_lines, "trying again", Duration::from_secs(30));
    wait_line(
        &remote_lines,
        "now report to this Island",
        Duration::from_secs(60),
    );
    let back = world.session_where("back with a new approval", |s| {
        s["id"] == id.as_str()
            && s["host"] == "remote-box"
            && s["approvals"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["approval_id"] != approval.as_str())
    });
    let again = back["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["approval_id"] != approval.as_str())
        .unwrap()["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = world.island(&["deny", &format!("{id}/{again}")]);
    assert!(answer.status.success(), "{answer:?}");
    wait_line(
        &agent_lines,
        &format!("approval {again}: Deny (from"),
        Duration::from_secs(30),
    );
    drop(agent);

    // island remote install: the static island goes to ~/.local/bin there,
    // and the remote's own `island setup claude` writes Claude's hooks; the
    // hook it wrote, run there the way Claude Code runs it, reports a
    // session here.
    let out = world.island_remote(&["install", "remote-box", "--agent", "claude", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    let copied = home.join(".local/bin/island");
    assert_eq!(
        std::fs::metadata(&copied).unwrap().len(),
        std::fs::metadata(&world.island).unwrap().len()
    );
    let hook = claude_hook(&home, "SessionStart").expect("setup wrote the SessionStart hook");
    assert_eq!(hook, format!("{} hook claude", copied.display()));
    run_remote_hook(&world, &hook, "remote-1");
    world.session_where("the remote Claude session", |s| {
        s["id"] == "claude-remote-1" && s["host"] == "remote-box" && s["agent"] == "claude-code"
    });

    // Stopped by the user: it says so and exits 0, and the session it
    // carried shows disconnected.
    let pid = remote_cli.0.id().to_string();
    assert!(run("kill", &["-INT", &pid]).status.success());
    let mut remote_cli = remote_cli;
    let status = remote_cli.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    world.session_where("disconnected after the stop", |s| {
        s["id"] == "claude-remote-1" && s["state"] == "disconnected"
    });
    // The remote end stops listening once sshd has seen the link close.
    until(
        "the remote end to stop listening",
        Duration::from_secs(20),
        || std::os::unix::net::UnixStream::connect(&forwarded).is_err(),
    );

    // The ~/.ssh/config lines `--print-config` gives, used by a plain ssh
    // (no island remote, so Island was told of no forward): the hook says
    // itself which machine it runs on, since the socket's listener is sshd.
    let printed = world.island_remote(&["remote-box", "--print-config"]);
    assert!(printed.status.success(), "{printed:?}");
    let printed = String::from_utf8(printed.stdout).unwrap();
    assert!(
        printed.contains(&format!("RemoteForward {} ", forwarded.display())),
        "{printed}"
    );
    let config = std::fs::read_to_string(&world.ssh_config).unwrap();
    let lines: String = printed
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(
        world.dir.path().join("ssh_config_printed"),
        format!("{config}{lines}"),
    )
    .unwrap();
    // A plain sshd leaves the old socket (its StreamLocalBindUnlink is
    // off), but the probe of --print-config took it away.
    assert!(!forwarded.exists(), "{printed}");
    let _plain = Killed(
        Command::new("ssh")
            .arg("-F")
            .arg(world.dir.path().join("ssh_config_printed"))
            .args(["-N", "remote-box"])
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    until(
        "the printed forward to come up",
        Duration::from_secs(20),
        || std::os::unix::net::UnixStream::connect(&forwarded).is_ok(),
    );
    run_remote_hook(&world, &hook, "remote-2");
    let here = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    world.session_where("a session naming its own host", |s| {
        s["id"] == "claude-remote-2" && s["host"] == here.trim()
    });

    // --undo takes the hooks and the copy out again.
    let out = world.island_remote(&[
        "install",
        "remote-box",
        "--agent",
        "claude",
        "--yes",
        "--undo",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(!copied.exists());
    assert_eq!(claude_hook(&home, "SessionStart"), None);
}

/// The command of Island's hook for `event` in the remote Claude settings.
fn claude_hook(home: &Path, event: &str) -> Option<String> {
    let settings = std::fs::read_to_string(home.join(".claude/settings.json")).ok()?;
    let settings: serde_json::Value = serde_json::from_str(&settings).unwrap();
    settings["hooks"][event]
        .as_array()?
        .iter()
        .flat_map(|m| m["hooks"].as_array().cloned().unwrap_or_default())
        .filter_map(|h| h["command"].as_str().map(str::to_owned))
        .find(|c| c.contains("island"))
}

/// Runs a hook command on the remote, as Claude Code runs it: through the
/// shell, with the event's JSON on standard input.
fn run_remote_hook(world: &World, command: &str, session: &str) {
    use std::io::Write;
    let mut hook = world
        .ssh()
        .arg(command)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let payload = format!(
        r#"{{"session_id":"{session}","transcript_path":"/home/{REMOTE}/t.jsonl","cwd":"/home/{REMOTE}/api","hook_event_name":"SessionStart","source":"startup"}}"#
    );
    hook.stdin
        .take()
        .unwrap()
        .write_all(payload.as_bytes())
        .unwrap();
    assert!(hook.wait().unwrap().success());
}

/// The remote user's tmux (default server), through ssh.
fn remote_tmux(world: &World, args: &str) -> String {
    let out = world.ssh().arg(format!("tmux {args}")).output().unwrap();
    assert!(out.status.success(), "tmux {args}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn click_through_selects_the_remote_tmux_pane_and_raises_the_terminal_running_ssh() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some((world, _sshd)) = start() else {
        return;
    };
    let home = PathBuf::from(format!("/home/{REMOTE}"));
    let screen = screen::Screen::start();
    let _island = headless(&world, Some(&screen.display));
    // `island remote` runs in an xterm, as a user starts it.
    let command = format!(
        "{} remote remote-box --socket {} -- -F {}",
        world.island.display(),
        world.socket.display(),
        world.ssh_config.display()
    );
    let (_ssh_term, _) = screen.xterm(world.dir.path(), "ssh-term", &command);
    let forwarded = home.join(".codewhale/run/island.sock");
    screen.wait("the forward", |_| {
        std::os::unix::net::UnixStream::connect(&forwarded).is_ok()
    });

    // On the remote: a tmux session whose second window runs the agent,
    // shown by a tmux client in another local xterm (over its own ssh);
    // the first window is the one shown.
    let demo = home.join("island-demo-agent");
    std::fs::copy(env!("CARGO_BIN_EXE_island-demo-agent"), &demo).unwrap();
    chown_r(&demo, REMOTE);
    let _ = world.ssh().arg("tmux kill-server").output();
    remote_tmux(&world, "new-session -d -s agents -n shell 'sleep 600'");
    remote_tmux(
        &world,
        "new-window -d -t agents -n agent './island-demo-agent --sessions 1 --speed 0.2 --approval-every 0 --abort-every 0 --seed 9'",
    );
    let view = format!(
        "ssh -F {} -t remote-box tmux attach -t agents",
        world.ssh_config.display()
    );
    let (_view_term, _) = screen.xterm(world.dir.path(), "tmux-view", &view);
    screen.wait("the tmux client", |_| {
        !remote_tmux(&world, "list-clients -F '#{client_name}'")
            .trim()
            .is_empty()
    });
    let (_other, _) = screen.xterm(world.dir.path(), "other", "sleep 600");
    screen.wait("the other xterm in front", |s| s.active_title() == "other");
    let agent_pane = remote_tmux(&world, "list-panes -a -F '#{pane_id} #{window_name}'")
        .lines()
        .find_map(|l| l.strip_suffix(" agent").map(str::to_owned))
        .unwrap();

    let session = world.session_where("the agent in remote tmux", |s| s["host"] == "remote-box");
    let id = session["id"].as_str().unwrap();
    let out = world.island(&["focus", id]);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("ssh-tmux") && said.contains("x11"), "{said}");
    // The terminal running ssh is in front, and the remote client shows
    // the agent's pane.
    screen.wait("the ssh xterm in front", |s| s.active_title() == "ssh-term");
    let shown = remote_tmux(&world, "display-message -p -t agents '#{pane_id}'");
    assert_eq!(shown.trim(), agent_pane);

    // A pane that is gone fails closed, and says where.
    remote_tmux(&world, &format!("kill-pane -t {agent_pane}"));
    let out = world.island(&["focus", id]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("on remote-box") && said.contains("no longer exists"),
        "{said}"
    );
    let _ = world.ssh().arg("tmux kill-server").output();
}
