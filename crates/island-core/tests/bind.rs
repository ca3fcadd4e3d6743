//! Every bind duty of PROTOCOL section 3, against the real filesystem.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::Path;

use island_core::bind::{BindError, bind};

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn creates_a_private_directory_and_a_socket_that_is_0600_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/codewhale/island.sock");
    let bound = bind(&path).unwrap();
    assert_eq!(mode(&dir.path().join("run/codewhale")), 0o700);
    assert_eq!(mode(&path), 0o600);
    drop(bound);
    assert!(!path.exists(), "removed on exit");
}

#[test]
fn refuses_a_directory_others_can_write_and_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = bind(&run.join("island.sock")).unwrap_err();
    assert!(
        matches!(err, BindError::DirTooOpen { mode: 0o777, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("chmod 700 {}", run.display())),
        "{err}"
    );
}

#[test]
fn refuses_a_directory_of_another_user() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    let me = nix::unistd::geteuid();
    let other = if me.is_root() { 65534 } else { 0 };
    if me.is_root() {
        nix::unistd::chown(&run, Some(nix::unistd::Uid::from_raw(other)), None).unwrap();
    }
    // Not root: "/" belongs to root and stands in for a foreign directory.
    let target = if me.is_root() {
        run.join("island.sock")
    } else {
        Path::new("/island-test.sock").to_path_buf()
    };
    let err = bind(&target).unwrap_err();
    assert!(
        matches!(err, BindError::DirNotOwned { owner, .. } if owner == other),
        "{err}"
    );
    assert!(err.to_string().contains("CODEWHALE_ISLAND_SOCKET"), "{err}");
}

#[test]
fn never_follows_nor_deletes_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, "precious").unwrap();
    let path = dir.path().join("island.sock");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let err = bind(&path).unwrap_err();
    assert!(matches!(err, BindError::Symlink(_)), "{err}");
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still there"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
}

#[test]
fn never_deletes_a_regular_file_or_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    std::fs::write(&path, "not a socket").unwrap();
    let err = bind(&path).unwrap_err();
    assert!(
        matches!(
            err,
            BindError::NotASocket {
                kind: "regular file",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a socket");
    let sub = dir.path().join("sub.sock");
    std::fs::create_dir(&sub).unwrap();
    assert!(matches!(
        bind(&sub).unwrap_err(),
        BindError::NotASocket {
            kind: "directory",
            ..
        }
    ));
    assert!(sub.is_dir());
}

#[test]
fn a_live_island_is_detected_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    let first = bind(&path).unwrap();
    let err = bind(&path).unwrap_err();
    assert!(matches!(err, BindError::AlreadyRunning(_)), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "Island is already running (it answers on {})",
            path.display()
        )
    );
    assert!(path.exists(), "the live socket stays");
    drop(first);
}

#[test]
fn a_stale_socket_is_reclaimed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    // A socket whose owner died: the file stays, nobody accepts.
    drop(UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let bound = bind(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    drop(bound);
}

#[test]
fn on_exit_the_socket_is_removed_only_if_it_is_still_ours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("island.sock");
    let bound = bind(&path).unwrap();
    let ours = std::fs::metadata(&path).unwrap().ino();
    // Someone replaced it (another Island after a restart, say).
    std::fs::remove_file(&path).unwrap();
    let _other = UnixListener::bind(&path).unwrap();
    assert_ne!(std::fs::metadata(&path).unwrap().ino(), ours);
    drop(bound);
    assert!(
        path.exists(),
        "another process's socket is not ours to remove"
    );
}

#[test]
fn a_path_too_long_for_a_socket_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x".repeat(120));
    let err = bind(&path).unwrap_err();
    assert!(
        err.to_string().contains("Unix sockets allow at most"),
        "{err}"
    );
}
