//! A real Wayland desktop for the tests: Sway 1.7 on its headless backend
//! (pixman renderer, no input devices), a session bus of its own, and the
//! programs a user runs there (foot, grim, swaymsg, Island), all as an
//! unprivileged user: Sway refuses to run as root, and Island refuses
//! peers of another uid, so everything of the session runs as that user
//! (`setpriv`). The test itself (root) reads the screen and the tree
//! through the same user's programs, and joins the session bus, which
//! lets root in.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Running, SessionBus};

/// The unprivileged user the Wayland session runs as.
pub const USER: &str = "island-wl";

/// One Sway session, gone when dropped.
pub struct Sway {
    // Dropped in this order: the compositor, then its bus, then the files.
    sway: Running,
    pub bus: SessionBus,
    /// The user's home, runtime directory and binaries live here.
    pub dir: tempfile::TempDir,
    pub uid: u32,
    pub gid: u32,
    /// `WAYLAND_DISPLAY`.
    pub wayland: String,
    /// `SWAYSOCK`.
    pub swaysock: PathBuf,
}

/// A screenshot: width, height and RGB bytes.
pub struct Shot {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl Shot {
    /// Whether the rectangle (x, y, w, h) is the same in both shots.
    pub fn same_in(&self, other: &Self, (x, y, w, h): (usize, usize, usize, usize)) -> bool {
        (y..y + h).all(|row| {
            let start = (row * self.width + x) * 3;
            self.rgb[start..start + w * 3] == other.rgb[start..start + w * 3]
        })
    }
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
        let made = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                USER,
            ])
            .status()
            .unwrap();
        assert!(
            made.success() || id("-u").is_some(),
            "useradd {USER} failed"
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

impl Sway {
    /// Starts Sway with one 1280x800 output, and waits until it answers.
    pub fn start() -> Self {
        let (uid, gid) = ensure_user();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        owned_dir(d, uid, gid, 0o755);
        for sub in ["home", "bin", "work"] {
            owned_dir(&d.join(sub), uid, gid, 0o755);
        }
        owned_dir(&d.join("runtime"), uid, gid, 0o700);
        std::fs::write(
            d.join("sway.conf"),
            "output HEADLESS-1 resolution 1280x800 bg #205080 solid_color\n\
             xwayland disable\ndefault_border none\n",
        )
        .unwrap();
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
        let log = std::fs::File::create(d.join("sway.log")).unwrap();
        let sway = as_user(uid, gid, "sway")
            .arg("-c")
            .arg(d.join("sway.conf"))
            .env("HOME", d.join("home"))
            .env("XDG_RUNTIME_DIR", d.join("runtime"))
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("WLR_BACKENDS", "headless")
            .env("WLR_RENDERER", "pixman")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("sway (Debian package sway) must be installed: scripts/test installs it");
        let sway = Running(sway);
        let runtime = d.join("runtime");
        let start = Instant::now();
        let (wayland, swaysock) = loop {
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
                .find(|n| n.starts_with("wayland-") && !n.ends_with(".lock"));
            let ipc = names.iter().find(|n| n.starts_with("sway-ipc."));
            if let (Some(w), Some(i)) = (wayland, ipc) {
                break (w.clone(), runtime.join(i));
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "Sway did not start: {}",
                std::fs::read_to_string(d.join("sway.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let sway = Self {
            sway,
            bus,
            dir,
            uid,
            gid,
            wayland,
            swaysock,
        };
        sway.wait("Sway's IPC", |s| {
            s.command("swaymsg")
                .args(["-t", "get_version"])
                .output()
                .is_ok_and(|o| o.status.success())
        });
        sway
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
            .env("XDG_CURRENT_DESKTOP", "sway")
            .env("WAYLAND_DISPLAY", &self.wayland)
            .env("SWAYSOCK", &self.swaysock)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .env("ISLAND_LOG", "debug");
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

    /// `swaymsg -t get_tree`.
    pub fn tree(&self) -> serde_json::Value {
        let out = self
            .command("swaymsg")
            .args(["-t", "get_tree", "-r"])
            .output()
            .unwrap();
        assert!(out.status.success(), "swaymsg get_tree failed");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Every window (view) of the tree.
    pub fn windows(&self) -> Vec<serde_json::Value> {
        fn walk(node: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
            if node["pid"].is_u64() {
                out.push(node.clone());
            }
            for key in ["nodes", "floating_nodes"] {
                for child in node[key].as_array().into_iter().flatten() {
                    walk(child, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.tree(), &mut out);
        out
    }

    /// The whole output, through `grim`.
    pub fn screenshot(&self) -> Shot {
        let out = self
            .command("grim")
            .args(["-t", "ppm", "-"])
            .output()
            .expect("grim (Debian package grim) must be installed: scripts/test installs it");
        assert!(out.status.success(), "grim failed");
        parse_ppm(&out.stdout)
    }

    /// A `foot` terminal titled `title` running `command` in `sh`; the
    /// shell's pid (the command's, after `exec`).
    pub fn foot(&self, title: &str, command: &str) -> (Running, u32) {
        let pidfile = self.work(&format!("{title}.pid"));
        let script = format!("echo $$ > '{}'; exec {command}", pidfile.display());
        let child = self
            .command("foot")
            .args(["--title", title, "sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("foot (Debian package foot) must be installed: scripts/test installs it");
        let foot = Running(child);
        self.wait(&format!("foot {title}"), |s| {
            pidfile.exists() && s.windows().iter().any(|w| w["name"] == title)
        });
        let pid = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        (foot, pid)
    }

    /// The title of the focused window.
    pub fn focused(&self) -> Option<String> {
        self.windows()
            .into_iter()
            .find(|w| w["focused"] == true)
            .and_then(|w| w["name"].as_str().map(str::to_owned))
    }

    /// Waits for `check`, up to 30 s.
    pub fn wait(&self, what: &str, check: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !check(self) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
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

fn parse_ppm(bytes: &[u8]) -> Shot {
    // "P6\n<w> <h>\n<max>\n" then the pixels.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P6", "grim's PPM");
    let (width, height): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let mut rgb = Vec::new();
    (&bytes[at + 1..]).read_to_end(&mut rgb).unwrap();
    assert_eq!(rgb.len(), width * height * 3, "a whole screenshot");
    Shot { width, height, rgb }
}
