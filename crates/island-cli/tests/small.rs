//! The `island` program is small: it runs without any GUI library loaded
//! (what an agent pays for every hook event), and bare `island` hands over
//! to the tray app.

#![allow(clippy::unwrap_used)]

use std::process::Command;

/// The libraries the dynamic loader maps for `program`, as `ldd` lists them.
fn libraries(program: &str) -> Vec<String> {
    let out = Command::new("ldd")
        .arg(program)
        .output()
        .expect("ldd (Debian libc-bin) is on every Debian machine");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn island_links_no_gui_library() {
    let libs = libraries(env!("CARGO_BIN_EXE_island"));
    for gui in [
        "gtk",
        "gdk",
        "webkit",
        "javascriptcore",
        "ayatana",
        "soup",
        "cairo",
        "glib",
    ] {
        assert!(
            !libs.iter().any(|l| l.contains(gui)),
            "island links {gui}: {libs:#?}"
        );
    }
    // The C library, the loader and little else (the GUI binary maps
    // about 170).
    assert!(libs.len() <= 8, "{libs:#?}");
}

#[test]
fn island_answers_its_version_and_says_when_the_app_is_missing() {
    let out = Command::new(env!("CARGO_BIN_EXE_island"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("island "));
    // A copy of `island` alone in a folder, with no `island-app` on PATH:
    // bare `island` says what is missing and how to run without it.
    let dir = tempfile::tempdir().unwrap();
    let alone = dir.path().join("island");
    std::fs::copy(env!("CARGO_BIN_EXE_island"), &alone).unwrap();
    let out = Command::new(&alone)
        .env("PATH", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot start the tray app"), "{stderr}");
    assert!(stderr.contains("island --headless"), "{stderr}");
}
