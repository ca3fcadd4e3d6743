//! Click-through with real programs: a real tmux server with sessions,
//! windows and panes shown in an xterm, xterm windows under Xvfb with the
//! openbox window manager (checked with `xprop`), and, for what cannot run
//! here (kitty, WezTerm, Sway, Hyprland, macOS), fake executables on PATH
//! that record their arguments (the tests say "fake" in their names).
//!
//! Over 400 lines: every click-through strategy's tests (a real tmux, xterm,
//! kitty and openbox, and the fakes for what cannot run here), which share
//! their helpers.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use island_desktop::focus::{Desktop, FocusOutcome, FocusSettings, FocusTarget, focus, in_front};
use island_protocol::TerminalInfo;

use island_test_support::{poll, screen};

use screen::{Kill, Screen};

/// What a focus in this screen sees of the desktop.
trait ScreenDesktop {
    fn desktop(&self) -> Desktop;
}

impl ScreenDesktop for Screen {
    fn desktop(&self) -> Desktop {
        Desktop {
            display: Some(self.display.clone()),
            path: std::env::var_os("PATH"),
            ..Desktop::default()
        }
    }
}

fn target(pid: Option<u32>, terminal: Option<TerminalInfo>) -> FocusTarget {
    FocusTarget {
        session_id: "s1".into(),
        pid,
        cwd: Some("/home/me/proj".into()),
        terminal,
        remote: None,
    }
}

fn focused(outcome: &FocusOutcome) -> &str {
    match outcome {
        FocusOutcome::Focused { how } => how,
        FocusOutcome::NotFocused { reason } => panic!("not focused: {reason}"),
    }
}

/// Why focusing the session of `pid` in `terminal` (default settings)
/// failed closed on `desktop`.
fn refused(desktop: &Desktop, pid: Option<u32>, terminal: TerminalInfo) -> String {
    not_focused(focus(
        &target(pid, Some(terminal)),
        desktop,
        &FocusSettings::default(),
    ))
}

fn not_focused(outcome: FocusOutcome) -> String {
    match outcome {
        FocusOutcome::NotFocused { reason } => reason,
        FocusOutcome::Focused { how } => panic!("focused ({how}) but should have failed closed"),
    }
}

#[test]
fn x11_raises_the_agents_xterm_and_fails_closed_on_a_closed_window() {
    let screen = Screen::start();
    let dir = tempfile::tempdir().unwrap();
    let (xterm_a, a) = screen.xterm(dir.path(), "one", "sleep 600");
    let (_b_term, b) = screen.xterm(dir.path(), "two", "sleep 600");
    let desktop = screen.desktop();
    // By the agent's own environment (WINDOWID, as an upstream session).
    assert_eq!(
        focused(&focus(
            &target(Some(a), None),
            &desktop,
            &FocusSettings::default()
        )),
        "x11"
    );
    assert_eq!(screen.active_title(), "one");
    assert_eq!(
        focused(&focus(
            &target(Some(b), None),
            &desktop,
            &FocusSettings::default()
        )),
        "x11"
    );
    assert_eq!(screen.active_title(), "two");
    // By _NET_WM_PID of an ancestor, when no WINDOWID is known.
    let by_pid = TerminalInfo {
        term_program: Some("xterm".into()),
        ..TerminalInfo::default()
    };
    assert_eq!(
        focused(&focus(
            &target(Some(a), Some(by_pid)),
            &desktop,
            &FocusSettings::default()
        )),
        "x11"
    );
    assert_eq!(screen.active_title(), "one");
    // The window closes: its id is stale, and nothing else is raised.
    let windowid = island_core::platform::process_environ(a).unwrap()["WINDOWID"].clone();
    assert_eq!(
        focused(&focus(
            &target(Some(b), None),
            &desktop,
            &FocusSettings::default()
        )),
        "x11"
    );
    drop(xterm_a);
    screen.wait("xterm one to close", |s| {
        !s.titles().contains(&"one".to_owned())
    });
    let stale = TerminalInfo {
        windowid: Some(windowid.clone()),
        ..TerminalInfo::default()
    };
    let reason = refused(&desktop, None, stale);
    assert!(
        reason.contains("no longer exists") && reason.contains("/home/me/proj"),
        "{reason}"
    );
    assert_eq!(screen.active_title(), "two", "nothing else was raised");
    // A process with no window at all: no guess either.
    let me = std::process::id();
    let reason = not_focused(focus(
        &target(
            Some(me),
            Some(TerminalInfo {
                term_program: Some("x".into()),
                ..TerminalInfo::default()
            }),
        ),
        &desktop,
        &FocusSettings::default(),
    ));
    assert!(
        reason.contains("no X11 window belongs to the agent"),
        "{reason}"
    );
}

fn tmux(socket: &Path, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tmux {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn tmux_selects_the_pane_switches_the_client_and_raises_its_terminal() {
    let screen = Screen::start();
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("tmux.sock");
    tmux(
        &socket,
        &[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "one",
            "-x",
            "120",
            "-y",
            "40",
        ],
    );
    tmux(&socket, &["new-window", "-t", "one"]);
    tmux(&socket, &["split-window", "-t", "one:1"]);
    tmux(&socket, &["new-session", "-d", "-s", "two"]);
    let panes = tmux(
        &socket,
        &[
            "list-panes",
            "-a",
            "-F",
            "#{pane_id} #{session_name}:#{window_index}.#{pane_index}",
        ],
    );
    let pane = panes
        .lines()
        .find(|l| l.ends_with("one:1.0"))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    let server_pid = tmux(&socket, &["display-message", "-p", "#{pid}"]);
    // The user's terminal shows session "two"; another window is in front.
    let (_host, _) = screen.xterm(
        dir.path(),
        "host",
        &format!("tmux -S '{}' attach -t two", socket.display()),
    );
    let (_other, _) = screen.xterm(dir.path(), "other", "sleep 600");
    assert_eq!(screen.active_title(), "other");
    let terminal = TerminalInfo {
        tmux: Some(format!("{},{server_pid},0", socket.display())),
        tmux_pane: Some(pane.clone()),
        ..TerminalInfo::default()
    };
    let desktop = screen.desktop();
    let how = focus(
        &target(None, Some(terminal.clone())),
        &desktop,
        &FocusSettings::default(),
    );
    assert_eq!(focused(&how), "tmux+x11");
    assert_eq!(
        tmux(&socket, &["list-clients", "-F", "#{client_session}"]),
        "one",
        "the client now shows the session"
    );
    assert_eq!(
        tmux(
            &socket,
            &[
                "display-message",
                "-p",
                "-t",
                "one",
                "#{window_index}.#{pane_index}"
            ]
        ),
        "1.0"
    );
    assert_eq!(
        screen.active_title(),
        "host",
        "the terminal hosting the client is in front"
    );
    // A stale pane: nothing is switched, and the reason says which pane.
    tmux(&socket, &["kill-pane", "-t", &pane]);
    let reason = refused(&desktop, None, terminal);
    assert!(
        reason.starts_with(&format!("tmux pane {pane} no longer exists")),
        "{reason}"
    );
    let _ = Command::new("tmux")
        .arg("-S")
        .arg(&socket)
        .arg("kill-server")
        .status();
}

/// A fake program that records its arguments, one per line, in
/// `<name>.argv` beside itself, and prints `stdout`.
fn fake(bin: &Path, name: &str, stdout: &str) -> PathBuf {
    let path = bin.join(name);
    let record = bin.join(format!("{name}.argv"));
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\nprintf '%s' '{stdout}'\n",
        record.display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A process another test forked while the script was open for writing
    // holds that descriptor until it execs, and running the script then
    // fails with ETXTBSY (seen once: Hyprland's fake "failed", so the next
    // pid was tried). Those children exec within moments.
    std::thread::sleep(Duration::from_millis(100));
    record
}

fn argv(record: &Path) -> Vec<String> {
    std::fs::read_to_string(record)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn fake_desktop(bin: &Path) -> Desktop {
    Desktop {
        path: Some(bin.as_os_str().to_owned()),
        ..Desktop::default()
    }
}

#[test]
fn kitty_fake_gets_the_exact_focus_window_command() {
    let bin = tempfile::tempdir().unwrap();
    let record = fake(bin.path(), "kitty", "");
    // kitty's socket must be a real socket of this user.
    let sock = bin.path().join("kitty.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let listen = format!("unix:{}", sock.display());
    let terminal = TerminalInfo {
        kitty_window_id: Some("7".into()),
        kitty_listen_on: Some(listen.clone()),
        ..TerminalInfo::default()
    };
    let outcome = focus(
        &target(None, Some(terminal)),
        &fake_desktop(bin.path()),
        &FocusSettings::default(),
    );
    assert_eq!(focused(&outcome), "kitty");
    assert_eq!(
        argv(&record),
        ["@", "--to", &listen, "focus-window", "--match", "id:7"]
    );
}

#[test]
fn wezterm_fake_and_sway_fake_get_the_exact_commands() {
    let bin = tempfile::tempdir().unwrap();
    let me = std::process::id();
    let wez = fake(bin.path(), "wezterm", "");
    // Asked to focus, then for its tree, which says the window is focused
    // (src-tauri/tests/wayland_desktop.rs runs the real Sway); this fake
    // keeps every call.
    let tree = format!(r#"{{"nodes":[{{"focused":true,"pid":{me}}}]}}"#);
    let sway = bin.path().join("swaymsg.calls");
    std::fs::write(
        bin.path().join("swaymsg"),
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nprintf '%s' '{tree}'\n",
            sway.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        bin.path().join("swaymsg"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100)); // as in `fake`
    let terminal = TerminalInfo {
        wezterm_pane: Some("12".into()),
        ..TerminalInfo::default()
    };
    let desktop = Desktop {
        swaysock: Some("/run/user/1000/sway-ipc.sock".into()),
        ..fake_desktop(bin.path())
    };
    let outcome = focus(
        &target(Some(me), Some(terminal)),
        &desktop,
        &FocusSettings::default(),
    );
    assert_eq!(focused(&outcome), "wezterm+sway");
    assert_eq!(argv(&wez), ["cli", "activate-pane", "--pane-id", "12"]);
    assert_eq!(
        std::fs::read_to_string(&sway).unwrap(),
        format!("[pid={me}] focus\n-t get_tree -r\n"),
        "focused, then checked"
    );
}

/// Whether the agent's window is in front, as Hyprland says (a fake: it is
/// not packaged for Debian 12) and Sway's tree is read (the real Sway is in
/// src-tauri/tests/wayland.rs), with a WezTerm pane (fake) too.
#[test]
fn sway_fake_hyprland_fake_and_wezterm_fake_say_whether_the_agent_is_in_front() {
    let me = std::process::id();
    let ask = |tool: &str, stdout: &str, terminal: Option<TerminalInfo>, extra: &[(&str, &str)]| {
        let bin = tempfile::tempdir().unwrap();
        let record = fake(bin.path(), tool, stdout);
        for (name, out) in extra {
            fake(bin.path(), name, out);
        }
        let mut desktop = fake_desktop(bin.path());
        if tool == "swaymsg" || extra.iter().any(|(n, _)| *n == "swaymsg") {
            desktop.swaysock = Some("/run/user/1000/sway-ipc.sock".into());
        }
        if tool == "hyprctl" {
            desktop.hyprland = Some("abc".into());
        }
        (
            in_front(&target(Some(me), terminal), &desktop),
            argv(&record),
        )
    };
    let tree = |pid: u32| {
        format!(
            r#"{{"nodes":[{{"nodes":[{{"focused":false,"pid":1}},{{"focused":true,"pid":{pid}}}]}}],"floating_nodes":[]}}"#
        )
    };
    let (front, args) = ask("swaymsg", &tree(me), None, &[]);
    assert_eq!(front, Some(true));
    assert_eq!(args, ["-t", "get_tree", "-r"]);
    assert_eq!(ask("swaymsg", &tree(1), None, &[]).0, Some(false));
    let (front, args) = ask("hyprctl", &format!(r#"{{"pid":{me}}}"#), None, &[]);
    assert_eq!(front, Some(true));
    assert_eq!(args, ["activewindow", "-j"]);
    assert_eq!(ask("hyprctl", r#"{"pid":1}"#, None, &[]).0, Some(false));
    // WezTerm: the pane must be the focused one of a client, and then the
    // window the focused one.
    let pane = || {
        Some(TerminalInfo {
            wezterm_pane: Some("12".into()),
            ..TerminalInfo::default()
        })
    };
    let sway = tree(me);
    let (front, args) = ask(
        "wezterm",
        r#"[{"focused_pane_id":12}]"#,
        pane(),
        &[("swaymsg", &sway)],
    );
    assert_eq!(front, Some(true));
    assert_eq!(args, ["cli", "list-clients", "--format", "json"]);
    let other = ask(
        "wezterm",
        r#"[{"focused_pane_id":3}]"#,
        pane(),
        &[("swaymsg", &sway)],
    );
    assert_eq!(other.0, Some(false));
    // What cannot be read is "cannot tell", never "in front".
    assert_eq!(ask("swaymsg", "not json", None, &[]).0, None);
}

#[test]
fn hyprland_fake_gets_focuswindow_by_pid_and_its_refusal_fails_closed() {
    let bin = tempfile::tempdir().unwrap();
    let record = fake(bin.path(), "hyprctl", "ok");
    let desktop = Desktop {
        hyprland: Some("abc_123".into()),
        ..fake_desktop(bin.path())
    };
    let me = std::process::id();
    let terminal = TerminalInfo {
        term_program: Some("foot".into()),
        ..TerminalInfo::default()
    };
    let outcome = focus(
        &target(Some(me), Some(terminal.clone())),
        &desktop,
        &FocusSettings::default(),
    );
    assert_eq!(focused(&outcome), "hyprland");
    assert_eq!(
        argv(&record),
        ["dispatch", "focuswindow", &format!("pid:{me}")]
    );
    fake(bin.path(), "hyprctl", "No such window found");
    let reason = refused(&desktop, Some(me), terminal);
    assert!(reason.contains("Hyprland has no window"), "{reason}");
}

#[test]
fn osascript_fake_selects_terminal_app_and_iterm_tabs_by_tty() {
    let bin = tempfile::tempdir().unwrap();
    let record = fake(bin.path(), "osascript", "ok");
    let desktop = Desktop {
        macos: true,
        ..fake_desktop(bin.path())
    };
    let apple = TerminalInfo {
        term_program: Some("Apple_Terminal".into()),
        tty: Some("/dev/ttys003".into()),
        ..TerminalInfo::default()
    };
    assert_eq!(
        focused(&focus(
            &target(None, Some(apple)),
            &desktop,
            &FocusSettings::default()
        )),
        "macos"
    );
    let args = argv(&record);
    assert_eq!(args[0], "-e");
    let script = args[1..].join("\n");
    assert!(
        script.starts_with("tell application \"Terminal\""),
        "{script}"
    );
    assert!(
        script.contains("if tty of t is \"/dev/ttys003\" then"),
        "{script}"
    );
    let iterm = TerminalInfo {
        term_program: Some("iTerm.app".into()),
        tty: Some("/dev/ttys004".into()),
        ..TerminalInfo::default()
    };
    assert_eq!(
        focused(&focus(
            &target(None, Some(iterm)),
            &desktop,
            &FocusSettings::default()
        )),
        "macos"
    );
    let script = argv(&record)[1..].join("\n");
    assert!(
        script.starts_with("tell application \"iTerm2\"")
            && script.contains("tty of s is \"/dev/ttys004\""),
        "{script}"
    );
    let other = TerminalInfo {
        term_program: Some("WezTerm".into()),
        ..TerminalInfo::default()
    };
    assert_eq!(
        focused(&focus(
            &target(None, Some(other)),
            &desktop,
            &FocusSettings::default()
        )),
        "macos"
    );
    assert_eq!(
        argv(&record),
        ["-e", "tell application \"WezTerm\" to activate"]
    );
    let hostile = TerminalInfo {
        term_program: Some("Apple_Terminal".into()),
        tty: Some("/dev/x\" & do shell script \"rm".into()),
        ..TerminalInfo::default()
    };
    let reason = refused(&desktop, None, hostile);
    assert!(reason.contains("is not a device path"), "{reason}");
}

#[test]
fn a_custom_command_fake_gets_each_value_as_one_argument_without_a_shell() {
    let bin = tempfile::tempdir().unwrap();
    let record = fake(bin.path(), "my-focus", "");
    let settings = FocusSettings {
        command: Some("my-focus --cwd {cwd} --pane={tmux_pane} '{session_id} in {tty}'".into()),
    };
    let mut t = target(
        Some(4242),
        Some(TerminalInfo {
            tmux_pane: Some("%3".into()),
            tty: Some("/dev/pts/9".into()),
            ..TerminalInfo::default()
        }),
    );
    t.cwd = Some("/home/me/my project; touch /tmp/pwned".into());
    assert_eq!(
        focused(&focus(&t, &fake_desktop(bin.path()), &settings)),
        "command"
    );
    assert_eq!(
        argv(&record),
        [
            "--cwd",
            "/home/me/my project; touch /tmp/pwned",
            "--pane=%3",
            "s1 in /dev/pts/9"
        ]
    );
    let missing = FocusSettings {
        command: Some("no-such-focus-program {pid}".into()),
    };
    let reason = not_focused(focus(&t, &fake_desktop(bin.path()), &missing));
    assert!(
        reason.contains("no-such-focus-program is not installed"),
        "{reason}"
    );
}

#[test]
fn gnome_on_wayland_and_no_desktop_say_so_clearly() {
    let gnome = Desktop {
        wayland: Some("wayland-0".into()),
        current_desktop: Some("ubuntu:GNOME".into()),
        ..Desktop::default()
    };
    let terminal = TerminalInfo {
        term_program: Some("gnome-terminal".into()),
        ..TerminalInfo::default()
    };
    let reason = refused(&gnome, Some(std::process::id()), terminal.clone());
    assert!(
        reason.contains("GNOME on Wayland lets no program raise another's window"),
        "{reason}"
    );
    assert!(
        reason.ends_with("the session's directory is /home/me/proj"),
        "{reason}"
    );
    let reason = refused(&Desktop::default(), Some(std::process::id()), terminal);
    assert!(reason.contains("no way to reach the desktop"), "{reason}");
}

#[test]
fn kitty_for_real_under_xvfb_selects_the_agents_tab() {
    let screen = Screen::start();
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("unix:{}", dir.path().join("kitty.sock").display());
    let _kitty = Kill(
        Command::new("kitty")
            .args([
                "-o",
                "allow_remote_control=yes",
                "--listen-on",
                &listen,
                "sleep",
                "600",
            ])
            .env("DISPLAY", &screen.display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kitty is installed by scripts/test"),
    );
    let ls = || -> serde_json::Value {
        let out = Command::new("kitty")
            .args(["@", "--to", &listen, "ls"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    };
    screen.wait("kitty's remote control", |_| ls().is_array());
    // A second tab takes the front; the agent runs in the first window.
    let out = Command::new("kitty")
        .args(["@", "--to", &listen, "launch", "--type=tab", "sleep", "600"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let active_tab_window = |tree: &serde_json::Value| -> Option<u64> {
        tree[0]["tabs"]
            .as_array()?
            .iter()
            .find(|t| t["is_focused"] == true)?["windows"][0]["id"]
            .as_u64()
    };
    assert_ne!(active_tab_window(&ls()), Some(1));
    let terminal = TerminalInfo {
        kitty_window_id: Some("1".into()),
        kitty_listen_on: Some(listen.clone()),
        ..TerminalInfo::default()
    };
    let desktop = Desktop {
        display: Some(screen.display.clone()),
        path: std::env::var_os("PATH"),
        ..Desktop::default()
    };
    assert_eq!(
        focused(&focus(
            &target(None, Some(terminal)),
            &desktop,
            &FocusSettings::default()
        )),
        "kitty"
    );
    assert_eq!(
        active_tab_window(&ls()),
        Some(1),
        "the agent's tab is in front"
    );
    // kitty says the agent's window is in front now, and not once another
    // tab takes the front.
    let agent_tab = TerminalInfo {
        kitty_window_id: Some("1".into()),
        kitty_listen_on: Some(listen.clone()),
        ..TerminalInfo::default()
    };
    screen.wait("kitty's OS window focused", |_| {
        ls()[0]["is_focused"] == true
    });
    assert_eq!(
        in_front(&target(None, Some(agent_tab.clone())), &desktop),
        Some(true)
    );
    let out = Command::new("kitty")
        .args(["@", "--to", &listen, "launch", "--type=tab", "sleep", "600"])
        .output()
        .unwrap();
    assert!(out.status.success());
    screen.wait("the new tab in front", |_| {
        active_tab_window(&ls()) != Some(1)
    });
    assert_eq!(
        in_front(&target(None, Some(agent_tab)), &desktop),
        Some(false)
    );
    // A window id kitty no longer has fails closed.
    let gone = TerminalInfo {
        kitty_window_id: Some("99".into()),
        kitty_listen_on: Some(listen),
        ..TerminalInfo::default()
    };
    let reason = refused(&desktop, None, gone);
    assert!(reason.starts_with("kitty window 99:"), "{reason}");
}

#[test]
fn a_custom_command_whose_child_keeps_the_pipe_open_does_not_hang() {
    let bin = tempfile::tempdir().unwrap();
    // Like an opener that starts a long-lived program and returns at once.
    let path = bin.path().join("opener");
    std::fs::write(&path, "#!/bin/sh\nsleep 30 &\nexit 0\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let settings = FocusSettings {
        command: Some("opener {cwd}".into()),
    };
    let started = Instant::now();
    let outcome = focus(&target(Some(1), None), &fake_desktop(bin.path()), &settings);
    assert_eq!(focused(&outcome), "command");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

/// Runs `python3 -c script ARGS` as uid 65534 (nobody) with its stdin
/// piped: the script ends when the test closes it.
fn as_nobody(script: &str, args: &[&str]) -> Child {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test runs a program as uid 65534 with setpriv and must run as root (CI does)"
    );
    Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "/usr/bin/python3",
            "-c",
            script,
        ])
        .args(args)
        .stdin(Stdio::piped())
        .spawn()
        .expect("setpriv (util-linux) and python3 are installed by scripts/test")
}

/// A listener of uid 65534 at ADDRESS (a path, or "@name" for Linux's
/// abstract sockets) that writes "ready" to READY once it listens.
const NOBODY_LISTENS: &str = "
import socket,sys
a=sys.argv[1]
s=socket.socket(socket.AF_UNIX)
s.bind('\\0'+a[1:] if a.startswith('@') else a)
s.listen(8)
open(sys.argv[2],'w').write('ready')
sys.stdin.read()
";

fn wait_file(path: &Path) {
    poll::until(
        || format!("{path:?} to appear"),
        Duration::from_secs(20),
        || path.exists(),
    );
}

/// A shared, world-writable (sticky) folder, as /tmp is.
fn shared_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    dir
}

#[test]
fn a_tmux_server_of_another_user_is_never_spoken_to() {
    // A real tmux server run by uid 65534, named by a hello. A tmux client
    // obeys its server, so Island must not even list its panes: the tmux
    // on PATH is a recording wrapper around the real one.
    let shared = shared_dir();
    let socket = shared.path().join("theirs");
    let status = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "tmux",
            "-S",
        ])
        .arg(&socket)
        .args(["new-session", "-d", "sleep", "600"])
        .env("HOME", shared.path())
        .status()
        .unwrap();
    assert!(status.success());
    let _server = KillTmux(socket.clone());
    let bin = tempfile::tempdir().unwrap();
    let record = bin.path().join("tmux.argv");
    let wrapper = bin.path().join("tmux");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec /usr/bin/tmux \"$@\"\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let terminal = TerminalInfo {
        tmux: Some(format!("{},1,0", socket.display())),
        tmux_pane: Some("%0".into()),
        ..TerminalInfo::default()
    };
    let reason = refused(&fake_desktop(bin.path()), None, terminal);
    assert!(reason.contains("not using the tmux server"), "{reason}");
    assert!(
        !record.exists(),
        "tmux was run: {:?}",
        std::fs::read_to_string(&record)
    );
}

/// Kills a tmux server by its socket when dropped.
struct KillTmux(PathBuf);

impl Drop for KillTmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.0)
            .arg("kill-server")
            .status();
    }
}

#[test]
fn kitty_fake_is_never_pointed_at_tcp_a_descriptor_or_another_users_socket() {
    let bin = tempfile::tempdir().unwrap();
    let record = fake(bin.path(), "kitty", "");
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    tcp.set_nonblocking(true).unwrap();
    let port = tcp.local_addr().unwrap().port();
    let shared = shared_dir();
    let path_sock = shared.path().join("kitty-theirs");
    let abstract_name = format!("@island-test-kitty-{}", std::process::id());
    let ready1 = shared.path().join("ready1");
    let ready2 = shared.path().join("ready2");
    let mut theirs_path = as_nobody(
        NOBODY_LISTENS,
        &[path_sock.to_str().unwrap(), ready1.to_str().unwrap()],
    );
    let mut theirs_abstract =
        as_nobody(NOBODY_LISTENS, &[&abstract_name, ready2.to_str().unwrap()]);
    wait_file(&ready1);
    wait_file(&ready2);
    for listen_on in [
        format!("tcp:127.0.0.1:{port}"),
        "fd:3".to_owned(),
        format!("unix:{}", path_sock.display()),
        format!("unix:{abstract_name}"),
    ] {
        let terminal = TerminalInfo {
            kitty_window_id: Some("7".into()),
            kitty_listen_on: Some(listen_on.clone()),
            ..TerminalInfo::default()
        };
        let reason = refused(&fake_desktop(bin.path()), None, terminal);
        assert!(reason.contains("kitty window 7"), "{listen_on}: {reason}");
        assert!(!record.exists(), "kitty was run for {listen_on}");
    }
    assert_eq!(
        tcp.accept().map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::WouldBlock),
        "Island opened a TCP connection where a hello said"
    );
    drop(theirs_path.stdin.take());
    drop(theirs_abstract.stdin.take());
    theirs_path.wait().unwrap();
    theirs_abstract.wait().unwrap();
}

#[test]
fn wezterm_fake_is_never_given_another_users_socket() {
    let bin = tempfile::tempdir().unwrap();
    let record = fake(bin.path(), "wezterm", "");
    let shared = shared_dir();
    let sock = shared.path().join("wez-theirs");
    let ready = shared.path().join("ready");
    let mut theirs = as_nobody(
        NOBODY_LISTENS,
        &[sock.to_str().unwrap(), ready.to_str().unwrap()],
    );
    wait_file(&ready);
    let terminal = TerminalInfo {
        wezterm_pane: Some("12".into()),
        wezterm_unix_socket: Some(sock.display().to_string()),
        ..TerminalInfo::default()
    };
    let reason = refused(&fake_desktop(bin.path()), None, terminal);
    assert!(reason.contains("WezTerm pane 12"), "{reason}");
    assert!(!record.exists(), "wezterm was run");
    drop(theirs.stdin.take());
    theirs.wait().unwrap();
}

#[test]
fn kitty_fake_takes_the_agents_own_environment_over_the_hellos_claims() {
    // The agent process says where its kitty is; the hello claims
    // otherwise (TCP, another window). The process wins.
    let bin = tempfile::tempdir().unwrap();
    let record = fake(bin.path(), "kitty", "");
    let sock = bin.path().join("kitty.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let listen = format!("unix:{}", sock.display());
    let agent = Kill(
        Command::new("sleep")
            .arg("600")
            .env("KITTY_WINDOW_ID", "3")
            .env("KITTY_LISTEN_ON", &listen)
            .spawn()
            .unwrap(),
    );
    // Until it has exec'd, the child is a copy of this test, environment
    // and all.
    let comm = format!("/proc/{}/comm", agent.0.id());
    poll::until("sleep to start", Duration::from_secs(10), || {
        std::fs::read_to_string(&comm).unwrap_or_default().trim() == "sleep"
    });
    let claimed = TerminalInfo {
        kitty_window_id: Some("9".into()),
        kitty_listen_on: Some("tcp:127.0.0.1:9".into()),
        ..TerminalInfo::default()
    };
    let outcome = focus(
        &target(Some(agent.0.id()), Some(claimed)),
        &fake_desktop(bin.path()),
        &FocusSettings::default(),
    );
    assert_eq!(focused(&outcome), "kitty");
    assert_eq!(
        argv(&record),
        ["@", "--to", &listen, "focus-window", "--match", "id:3"]
    );
}
