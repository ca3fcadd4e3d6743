//! Linux: GTK needs an X11 or Wayland display; the tray icons are the
//! coloured ones (panels do not tint SNI icons).

use island_core::tracker::TrayState;

/// SNI hosts show the image as it is.
pub const TEMPLATE_ICONS: bool = false;

/// The widget is a small 2D page, drawn without GL: WebKit's GL
/// compositing, and GDK's probe of GL visuals (which the first GTK program
/// on a display runs), each load a GL driver into Island (with Mesa's
/// software rasteriser, LLVM: about 30 MiB) for nothing the widget draws.
/// Measured in `scripts/bench-memory`. Values the user set are kept.
#[allow(unsafe_code)]
pub fn prepare_webkit() {
    for (var, value) in [
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ("GDK_GL", "disable"),
    ] {
        if std::env::var_os(var).is_none() {
            // SAFETY: called first thing in `app::run` and
            // `window_process::run`, before the async runtime, GTK or anything
            // else has started a thread, so nothing reads the environment
            // concurrently.
            unsafe { std::env::set_var(var, value) };
        }
    }
}

/// Whether GTK can open a display. Tauri panics when it cannot, so this is
/// asked first, and the answer is a sentence for people.
pub fn check_display() -> Result<(), String> {
    let x11 = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
    let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
    if !x11 && !wayland {
        return Err("no display: neither DISPLAY nor WAYLAND_DISPLAY is set".into());
    }
    // GTK initialises once per process; Tauri's later call finds it done.
    gtk::init().map_err(|e| format!("cannot open the display: {e}"))
}

/// The PNG for a tray state.
pub fn tray_icon(state: TrayState) -> &'static [u8] {
    match state {
        TrayState::Idle => include_bytes!("../../../icons/tray/idle@2x.png"),
        TrayState::Working => include_bytes!("../../../icons/tray/working@2x.png"),
        TrayState::NeedsYou => include_bytes!("../../../icons/tray/attention@2x.png"),
        TrayState::Error => include_bytes!("../../../icons/tray/error@2x.png"),
    }
}

/// The autostart plugin writes `~/.config/autostart/Island.desktop` but
/// creates only the last directory: on a fresh account `~/.config` may
/// not exist yet.
pub fn prepare_autostart() -> std::io::Result<()> {
    match directories::BaseDirs::new() {
        Some(dirs) => std::fs::create_dir_all(dirs.home_dir().join(".config")),
        None => Ok(()),
    }
}

/// This program, to start its window process: the file that runs now,
/// even if a package upgrade has replaced or removed it on disk since.
pub fn own_executable() -> std::io::Result<std::path::PathBuf> {
    Ok(std::path::PathBuf::from("/proc/self/exe"))
}

/// Libraries the tray app (and headless Island) map but never run: Tauri
/// links WebKit into every process of this binary, and only the window
/// process uses it.
const UNUSED_HERE: [&str; 3] = [
    "libwebkit2gtk-4.1.so",
    "libjavascriptcoregtk-4.1.so",
    "libflite",
];

/// Gives back the pages of [`UNUSED_HERE`] that loading them brought in
/// (symbol tables, relocations, speech voices: about 17 MiB), so that a
/// hidden Island stays light. A page needed after all is read in again.
/// Measured in `scripts/bench-memory`.
#[allow(unsafe_code)]
pub fn release_unused_libraries() {
    let maps = match std::fs::read_to_string("/proc/self/maps") {
        Ok(maps) => maps,
        Err(e) => {
            tracing::debug!("cannot read /proc/self/maps: {e}");
            return;
        }
    };
    let mut released = 0usize;
    for line in maps.lines() {
        // "start-end perms offset dev inode path"
        let mut fields = line.split_whitespace();
        let (Some(range), Some(path)) = (fields.next(), fields.nth(4)) else {
            continue;
        };
        let name = path.rsplit('/').next().unwrap_or_default();
        if !UNUSED_HERE.iter().any(|lib| name.starts_with(lib)) {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        let Some(addr) = std::ptr::NonNull::new(start as *mut std::ffi::c_void) else {
            continue;
        };
        let len = end.saturating_sub(start);
        // SAFETY: MADV_PAGEOUT only asks the kernel to reclaim the pages
        // of a mapping this process has (listed in its own maps); their
        // contents stay the same, read in again on the next access.
        let advised =
            unsafe { nix::sys::mman::madvise(addr, len, nix::sys::mman::MmapAdvise::MADV_PAGEOUT) };
        match advised {
            Ok(()) => released += len,
            Err(e) => tracing::debug!("madvise {path}: {e}"),
        }
    }
    tracing::debug!(
        "released {} KiB of unused library mappings",
        released / 1024
    );
}
