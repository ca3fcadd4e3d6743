//! What the test sees of a compositor's session: Sway's tree, the screen
//! through `grim`, and KWin's windows through its scripting API (a script
//! of the test's that prints to KWin's log).

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use super::compositor::Session;

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

impl Session {
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

    /// Every window KWin knows, as its scripting API describes it
    /// (caption, resource class, pid, frame geometry, stacking layer,
    /// taskbar skipping, whether active), read by a script of the test's
    /// that prints to KWin's log.
    pub fn kwin_windows(&self) -> Vec<serde_json::Value> {
        let mark = format!("island-test-{}", unique_token());
        let script = self.work(&format!("{mark}.js"));
        std::fs::write(
            &script,
            format!(
                "const list = workspace.windowList ? workspace.windowList() : workspace.clientList();\n\
                 const active = 'activeWindow' in workspace ? workspace.activeWindow : workspace.activeClient;\n\
                 print('{mark} ' + JSON.stringify(list.map(w => ({{caption: w.caption, class: w.resourceClass, \
                 pid: w.pid, geometry: w.frameGeometry, layer: w.layer, skipTaskbar: w.skipTaskbar, \
                 active: w === active}}))));\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
        let gdbus = |args: &[&str]| {
            let out = self
                .command("gdbus")
                .args(["call", "--session", "--dest", "org.kde.KWin"])
                .args(args)
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let id: String = gdbus(&[
            "--object-path",
            "/Scripting",
            "--method",
            "org.kde.kwin.Scripting.loadScript",
            &script.display().to_string(),
            &mark,
        ])
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
        gdbus(&[
            "--object-path",
            &format!("/{id}"),
            "--method",
            "org.kde.kwin.Script.run",
        ]);
        let line = format!("js: {mark} ");
        let found = island_test_support::poll::value(
            "KWin to run the test's script",
            Duration::from_secs(10),
            || {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                // A line KWin is still writing does not parse yet.
                log.lines()
                    .find_map(|l| l.strip_prefix(&line))
                    .and_then(|json| serde_json::from_str::<Vec<serde_json::Value>>(json).ok())
            },
        );
        gdbus(&[
            "--object-path",
            "/Scripting",
            "--method",
            "org.kde.kwin.Scripting.unloadScript",
            &mark,
        ]);
        found
    }
}

impl Session {
    /// KWin's whole 1280x800 output, through its ScreenShot2 D-Bus
    /// interface (raw 32-bit pixels, blue-green-red-alpha, written to a
    /// pipe).
    pub fn kwin_screenshot(&self) -> Shot {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let conn = zbus::connection::Builder::address(self.bus.address.as_str())
                .build()
                .await
                .unwrap();
            let (read, write) = nix::unistd::pipe().unwrap();
            let reader = std::thread::spawn(move || {
                let mut bytes = Vec::new();
                std::fs::File::from(read).read_to_end(&mut bytes).unwrap();
                bytes
            });
            let options: std::collections::HashMap<&str, zbus::wire::Variant<'_>> =
                std::collections::HashMap::new();
            // The write end goes with the call's body: KWin holds the
            // only one, and closes it when the image is written.
            conn.call_method(
                Some("org.kde.KWin"),
                "/org/kde/KWin/ScreenShot2",
                Some("org.kde.KWin.ScreenShot2"),
                "CaptureArea",
                &(
                    0i32,
                    0i32,
                    1280u32,
                    800u32,
                    options,
                    zbus::wire::Fd::from(write),
                ),
            )
            .await
            .unwrap();
            let bgra = reader.join().unwrap();
            assert_eq!(bgra.len(), 1280 * 800 * 4, "a whole 32-bit image");
            let rgb = bgra
                .chunks_exact(4)
                .flat_map(|p| [p[2], p[1], p[0]])
                .collect();
            Shot {
                width: 1280,
                height: 800,
                rgb,
            }
        })
    }
}

impl Shot {
    /// Writes it as a PNG file (for people to look at).
    pub fn save_png(&self, path: &std::path::Path) {
        let file = std::fs::File::create(path).unwrap();
        let width = u32::try_from(self.width).unwrap();
        let height = u32::try_from(self.height).unwrap();
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&self.rgb)
            .unwrap();
    }
}

/// A token that differs between calls.
fn unique_token() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
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
