//! Real Wayland desktops for the tests: Sway 1.7 on its headless backend
//! (pixman renderer, no input devices) and KDE's KWin 5.27 on its virtual
//! one, each with a session bus of its own and the programs a user runs
//! there (foot, kitty, grim, swaymsg, Island), all as an unprivileged
//! user: Sway refuses to run as root, and Island refuses peers of another
//! uid, so everything of the session runs as that user (`setpriv`). The
//! test itself (root) reads the screen and Sway's tree through the same
//! user's programs, asks KWin through its scripting API, and joins the
//! session bus, which lets root in.
//!
//! Over 400 lines: two desktops, their user and the readers every Wayland
//! test shares, kept together so that each starts them one way.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use island_test_support::poll;

use super::{Running, SessionBus};

/// The unprivileged user the Wayland session runs as.
pub const USER: &str = "island-wl";

/// One compositor's session, gone when dropped.
pub struct Session {
    // Dropped in this order: the compositor, then its bus, then the files.
    compositor: Running,
    pub bus: SessionBus,
    /// The user's home, runtime directory and binaries live here.
    pub dir: tempfile::TempDir,
    pub uid: u32,
    pub gid: u32,
    /// `WAYLAND_DISPLAY`.
    pub wayland: String,
    /// `SWAYSOCK` (Sway only).
    pub swaysock: Option<PathBuf>,
    /// `XDG_CURRENT_DESKTOP`.
    pub desktop: &'static str,
    /// The compositor's standard error.
    pub log: PathBuf,
    /// `DISPLAY` and `XAUTHORITY` of its Xwayland (GNOME's mutter only).
    pub xwayland: Option<(String, PathBuf)>,
}

/// Makes the user once (a system user without a home of its own).
fn ensure_user() -> (u32, u32) {
    static MADE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _made = MADE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let id = |flag: &str| {
        Command::new("id")
            .args([flag, USER])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
    };
    if id("-u").is_none() {
        assert!(
            nix::unistd::geteuid().is_root(),
            "the Wayland tests run Sway as the user {USER}, which only root can make and become (CI runs as root)"
        );
        // Another test binary may make it at the same moment (the loser
        // finds the password file locked): tried again until it exists.
        poll::until(
            || format!("useradd {USER} to succeed"),
            Duration::from_secs(20),
            || {
                if id("-u").is_some() {
                    return true;
                }
                let _ = Command::new("useradd")
                    .args([
                        "--system",
                        "--no-create-home",
                        "--shell",
                        "/usr/sbin/nologin",
                        USER,
                    ])
                    .status();
                false
            },
        );
    }
    (id("-u").unwrap(), id("-g").unwrap())
}

/// A directory `uid` owns, mode `mode`.
fn owned_dir(path: &Path, uid: u32, gid: u32, mode: u32) {
    std::fs::create_dir_all(path).unwrap();
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

impl Session {
    /// Sway with one 1280x800 output, answering on its IPC socket.
    pub fn sway() -> Self {
        Self::sway_with_outputs(1)
    }

    /// Sway with `outputs` 1280x800 outputs side by side (HEADLESS-1 on
    /// the left).
    pub fn sway_with_outputs(outputs: u32) -> Self {
        Self::start("sway", |d, compositor| {
            let mut config = String::new();
            for n in 1..=outputs {
                config += &format!(
                    "output HEADLESS-{n} resolution 1280x800 position {} 0 bg #205080 solid_color\n",
                    (n - 1) * 1280
                );
            }
            config += "xwayland disable\ndefault_border none\n";
            std::fs::write(d.join("sway.conf"), config).unwrap();
            compositor
                .arg("-c")
                .arg(d.join("sway.conf"))
                .env("WLR_BACKENDS", "headless")
                .env("WLR_HEADLESS_OUTPUTS", outputs.to_string())
                .env("WLR_RENDERER", "pixman")
                .env("WLR_LIBINPUT_NO_DEVICES", "1");
        })
    }

    /// KWin on its virtual backend, 1280x800, without Xwayland, on the
    /// session bus (where its scripting API is).
    pub fn kwin() -> Self {
        Self::start("kwin_wayland", |_, compositor| {
            compositor
                .args(["--virtual", "--width", "1280", "--height", "800"])
                .args(["--socket", "wayland-kwin", "--no-lockscreen"])
                .env("QT_QPA_PLATFORM", "offscreen")
                // Its screenshot interface is only for programs KWin
                // trusts; this test compositor lets the test take them.
                .env("KWIN_SCREENSHOT_NO_PERMISSION_CHECKS", "1");
        })
    }

    /// GNOME's mutter 43, headless with a 1280x800 virtual monitor and
    /// its Xwayland (GNOME has no layer shell).
    pub fn mutter() -> Self {
        let mut session = Self::start("mutter", |_, compositor| {
            compositor
                .args(["--headless", "--wayland", "--virtual-monitor", "1280x800"])
                .args(["--wayland-display", "wayland-mutter"])
                .env("XDG_CURRENT_DESKTOP", "GNOME");
        });
        // "Using public X11 display :N"; its cookie is in the runtime dir.
        let mut display = None;
        session.wait("mutter's Xwayland", |s| {
            let log = std::fs::read_to_string(&s.log).unwrap_or_default();
            log.contains("Using public X11 display")
        });
        let log = std::fs::read_to_string(&session.log).unwrap();
        if let Some(rest) = log.split("Using public X11 display ").nth(1) {
            display = rest.split(',').next().map(str::to_owned);
        }
        let runtime = session.dir.path().join("runtime");
        let cookie = std::fs::read_dir(&runtime)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains(".mutter-Xwaylandauth."))
            .expect("mutter's Xwayland cookie");
        session.xwayland = Some((display.expect("mutter's X11 display"), cookie));
        session
    }

    /// GNOME's mutter without Xwayland (`--no-x11`): no layer shell and
    /// no X11 either.
    pub fn mutter_without_xwayland() -> Self {
        Self::start("mutter", |_, compositor| {
            compositor
                .args([
                    "--headless",
                    "--wayland",
                    "--no-x11",
                    "--virtual-monitor",
                    "1280x800",
                ])
                .args(["--wayland-display", "wayland-mutter"])
                .env("XDG_CURRENT_DESKTOP", "GNOME");
        })
    }

    fn start(program: &str, configure: impl FnOnce(&Path, &mut Command)) -> Self {
        let (uid, gid) = ensure_user();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        owned_dir(d, uid, gid, 0o755);
        for sub in ["home", "bin", "work"] {
            owned_dir(&d.join(sub), uid, gid, 0o755);
        }
        owned_dir(&d.join("runtime"), uid, gid, 0o700);
        // A session bus of the user's that lets root (the test) in too.
        let bus_socket = d.join("runtime/bus");
        std::fs::write(
            d.join("bus.conf"),
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>unix:path={}</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\"><allow user=\"*\"/>\
                 <allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>\
                 <allow own=\"*\"/></policy></busconfig>\n",
                bus_socket.display()
            ),
        )
        .unwrap();
        let mut daemon = as_user(uid, gid, "dbus-daemon");
        daemon
            .arg(format!("--config-file={}", d.join("bus.conf").display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let bus = SessionBus::start_with(daemon);
        let log = d.join("compositor.log");
        // KWin's binary carries a file capability that an unprivileged
        // container may not grant; a copy runs without it.
        let binary = match program {
            "kwin_wayland" => {
                let to = d.join("bin/kwin_wayland");
                std::fs::copy("/usr/bin/kwin_wayland", &to).expect(
                    "kwin_wayland (Debian package kwin-wayland) must be installed: scripts/test installs it",
                );
                to
            }
            other => PathBuf::from(other),
        };
        let mut compositor = as_user(uid, gid, &binary);
        compositor
            .env("HOME", d.join("home"))
            .env("XDG_RUNTIME_DIR", d.join("runtime"))
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        configure(d, &mut compositor);
        let compositor =
            Running(compositor.spawn().unwrap_or_else(|e| {
                panic!("{program} does not run ({e}): scripts/test installs it")
            }));
        let runtime = d.join("runtime");
        let (wayland, swaysock) = poll::value(
            || {
                format!(
                    "{program} to start: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            },
            Duration::from_secs(30),
            || {
                let names: Vec<String> = std::fs::read_dir(&runtime)
                    .map(|entries| {
                        entries
                            .filter_map(Result::ok)
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                let wayland = names
                    .iter()
                    .find(|n| n.starts_with("wayland-") && !n.ends_with(".lock"))?;
                let ipc = names.iter().find(|n| n.starts_with("sway-ipc."));
                (program != "sway" || ipc.is_some())
                    .then(|| (wayland.clone(), ipc.map(|i| runtime.join(i))))
            },
        );
        let session = Self {
            compositor,
            bus,
            dir,
            uid,
            gid,
            wayland,
            swaysock,
            desktop: match program {
                "sway" => "sway",
                "mutter" => "GNOME",
                _ => "KDE",
            },
            log,
            xwayland: None,
        };
        if program == "kwin_wayland" {
            session.wait("KWin on the session bus", |s| {
                s.command("gdbus")
                    .args(["call", "--session", "--dest", "org.freedesktop.DBus"])
                    .args(["--object-path", "/org/freedesktop/DBus"])
                    .args([
                        "--method",
                        "org.freedesktop.DBus.GetNameOwner",
                        "org.kde.KWin",
                    ])
                    .output()
                    .is_ok_and(|o| o.status.success())
            });
        }
        if session.swaysock.is_some() {
            session.wait("Sway's IPC", |s| {
                s.command("swaymsg")
                    .args(["-t", "get_version"])
                    .output()
                    .is_ok_and(|o| o.status.success())
            });
        }
        session
    }

    /// A program run as the user in this session.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let d = self.dir.path();
        let mut command = as_user(self.uid, self.gid, program);
        command
            .current_dir(d.join("work"))
            .env("HOME", d.join("home"))
            .env("XDG_RUNTIME_DIR", d.join("runtime"))
            .env("XDG_CONFIG_HOME", d.join("home/.config"))
            .env("XDG_STATE_HOME", d.join("home/.local/state"))
            .env("XDG_CURRENT_DESKTOP", self.desktop)
            .env("WAYLAND_DISPLAY", &self.wayland)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .env("ISLAND_LOG", "debug");
        if let Some(sock) = &self.swaysock {
            command.env("SWAYSOCK", sock);
        }
        if let Some((display, cookie)) = &self.xwayland {
            command.env("DISPLAY", display).env("XAUTHORITY", cookie);
        }
        command
    }

    /// A copy of `program` the user may run (root's build directory is
    /// not readable to others).
    pub fn install(&self, program: &Path) -> PathBuf {
        let to = self
            .dir
            .path()
            .join("bin")
            .join(program.file_name().unwrap());
        std::fs::copy(program, &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
        to
    }

    /// A file in the user's work directory, written by root and readable.
    pub fn work(&self, name: &str) -> PathBuf {
        self.dir.path().join("work").join(name)
    }

    /// A terminal (`foot` on Sway; `kitty` on KWin, where foot 1.13
    /// crashes on the virtual output) titled `title` running `command` in
    /// `sh`; the shell's pid (the command's, after `exec`).
    pub fn terminal(&self, title: &str, command: &str) -> (Running, u32) {
        let pidfile = self.work(&format!("{title}.pid"));
        let script = format!("echo $$ > '{}'; exec {command}", pidfile.display());
        let program = if self.swaysock.is_some() {
            "foot"
        } else {
            "kitty"
        };
        let child = self
            .command(program)
            .args(["--title", title, "sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} does not run ({e}): scripts/test installs it"));
        let terminal = Running(child);
        self.wait(&format!("{program} {title}"), |s| {
            pidfile.exists()
                && if s.swaysock.is_some() {
                    s.windows().iter().any(|w| w["name"] == title)
                } else {
                    s.kwin_windows().iter().any(|w| w["caption"] == title)
                }
        });
        let pid = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        (terminal, pid)
    }

    /// The title of the focused window.
    pub fn focused(&self) -> Option<String> {
        if self.swaysock.is_none() {
            return self
                .kwin_windows()
                .into_iter()
                .find(|w| w["active"] == true)
                .and_then(|w| w["caption"].as_str().map(str::to_owned));
        }
        self.windows()
            .into_iter()
            .find(|w| w["focused"] == true)
            .and_then(|w| w["name"].as_str().map(str::to_owned))
    }

    /// Waits for `check`, up to 30 s.
    pub fn wait(&self, what: &str, check: impl Fn(&Self) -> bool) {
        poll::until(what, Duration::from_secs(30), || check(self));
    }
}

/// `program` as the user, through `setpriv` (which executes it: the
/// child's pid is the program's).
fn as_user(uid: u32, gid: u32, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new("setpriv");
    command
        .arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .args(["--clear-groups", "--"])
        .arg(program)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "C.UTF-8");
    command
}
