//! Whom a socket path and a listener belong to (PROTOCOL section 5d, "Trust
//! on both ends"). Shared by Island's bind, its command-line clients and
//! hook bridges, and the agent-side sink, so that every end applies one
//! rule:
//!
//! - every directory on the way to the socket belongs to this user or to
//!   root, and nobody else can write it, unless it is sticky (like `/tmp`)
//!   and the next step on the way is this user's (or root's): then nobody
//!   else can rename or replace that step;
//! - symbolic links on the way are followed only when the link itself sits
//!   in such a directory, and the path it leads to passes the same rule;
//! - whatever listens on the socket runs as this user (`SO_PEERCRED` on
//!   Linux, `getpeereid` on macOS).

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

/// Why a path or a listener is not trusted.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A directory on the way belongs to someone else.
    #[error(
        "{path} belongs to uid {owner}, not to you (uid {me}) nor root; it could be swapped under the socket. \
         Set CODEWHALE_ISLAND_SOCKET to a path of your own"
    )]
    NotOwned {
        /// The step.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// This user.
        me: u32,
    },
    /// A directory on the way can be written by others.
    #[error(
        "{path} can be written by other users (mode {mode:o}), so the socket under it could be replaced; \
         run `chmod go-w {path}` or set CODEWHALE_ISLAND_SOCKET to a path of your own"
    )]
    Writable {
        /// The step.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The listener runs as another user.
    #[error("the socket {path} is served by uid {owner}, not by you (uid {me}); nothing was sent")]
    ForeignListener {
        /// The socket.
        path: PathBuf,
        /// The listener's uid.
        owner: u32,
        /// This user.
        me: u32,
    },
    /// The file is not a socket, or is a link.
    #[error("{0} is not a socket of yours (a link, another kind of file, or another user's)")]
    NotOwnSocket(PathBuf),
    /// The path is relative or too deep in links.
    #[error("{0} is not an absolute path without link loops")]
    BadPath(PathBuf),
    /// A step could not be read.
    #[error("cannot check {path}: {source}")]
    Io {
        /// The step.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// This process's effective uid.
#[must_use]
pub fn my_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// Checks every directory on the way to `path` (not `path` itself), for
/// the user `me`. See the module's rule.
///
/// # Errors
/// See [`TrustError`].
pub fn check_ancestors(path: &Path, me: u32) -> Result<(), TrustError> {
    let parent = path.parent().unwrap_or(Path::new("/"));
    walk(parent, me, 0)
}

/// Checks the directories on the way to `path` and `path` itself: a
/// socket (not a link) owned by `me`. For sockets named by an agent, such
/// as a tmux server's: only the user's own are used.
///
/// # Errors
/// See [`TrustError`].
pub fn check_own_socket(path: &Path, me: u32) -> Result<(), TrustError> {
    check_ancestors(path, me)?;
    let meta = std::fs::symlink_metadata(path).map_err(|source| TrustError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.file_type().is_socket() || meta.uid() != me {
        return Err(TrustError::NotOwnSocket(path.to_path_buf()));
    }
    Ok(())
}

/// Checks that the listener at the other end of `stream` runs as `me`.
///
/// # Errors
/// [`TrustError::ForeignListener`], or [`TrustError::Io`] when the
/// credentials cannot be read.
pub fn check_listener(
    stream: &impl std::os::fd::AsFd,
    path: &Path,
    me: u32,
) -> Result<(), TrustError> {
    let owner = peer_uid(stream).map_err(|source| TrustError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if owner == me {
        Ok(())
    } else {
        Err(TrustError::ForeignListener {
            path: path.to_path_buf(),
            owner,
            me,
        })
    }
}

/// When the listener on the other end is `sshd`, Island's socket is an SSH
/// forward (`island remote`) and Island runs on another machine: this
/// machine's name, for the hello's `host`. `None` otherwise, and where the
/// system does not tell (only Linux does here).
#[must_use]
pub fn forwarded_from_here(stream: &impl std::os::fd::AsFd) -> Option<String> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let pid = nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)
            .ok()?
            .pid();
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        if !matches!(name.trim_end(), "sshd" | "sshd-session") {
            return None;
        }
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = stream;
        None
    }
}

/// The peer's uid of a connected Unix stream.
///
/// # Errors
/// When the system refuses to tell.
pub fn peer_uid(stream: &impl std::os::fd::AsFd) -> std::io::Result<u32> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let uid = nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)
        .map(|c| c.uid());
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let uid = nix::unistd::getpeereid(stream).map(|(uid, _)| uid.as_raw());
    uid.map_err(std::io::Error::from)
}

const MAX_LINKS: u32 = 16;

/// Walks `dir` from the root down, checking each step; a link is checked
/// where it sits, then its target is walked in turn.
fn walk(dir: &Path, me: u32, links: u32) -> Result<(), TrustError> {
    if !dir.is_absolute() || links > MAX_LINKS {
        return Err(TrustError::BadPath(dir.to_path_buf()));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TrustError::Io { path, source }
    };
    let mut at = PathBuf::from("/");
    check_dir_meta(&at, &std::fs::metadata(&at).map_err(io(&at))?, me)?;
    for part in dir.components() {
        match part {
            Component::RootDir | Component::CurDir => continue,
            Component::ParentDir => {
                at.pop();
                continue;
            }
            Component::Prefix(_) => return Err(TrustError::BadPath(dir.to_path_buf())),
            Component::Normal(name) => at.push(name),
        }
        let meta = std::fs::symlink_metadata(&at).map_err(io(&at))?;
        owned(&at, &meta, me)?;
        if meta.file_type().is_symlink() {
            // The link sits in a checked directory and is ours or root's:
            // nobody else can change it. Where it leads is walked anew.
            let target = std::fs::read_link(&at).map_err(io(&at))?;
            let base = at.parent().unwrap_or(Path::new("/")).to_path_buf();
            let resolved = base.join(target);
            walk(&resolved, me, links + 1)?;
            at = std::fs::canonicalize(&resolved).map_err(io(&resolved))?;
            continue;
        }
        check_dir_meta(&at, &meta, me)?;
    }
    Ok(())
}

/// Writable by group or others.
fn loose(meta: &std::fs::Metadata) -> bool {
    meta.mode() & 0o022 != 0
}

fn owned(path: &Path, meta: &std::fs::Metadata, me: u32) -> Result<(), TrustError> {
    if meta.uid() == me || meta.uid() == 0 {
        Ok(())
    } else {
        Err(TrustError::NotOwned {
            path: path.to_path_buf(),
            owner: meta.uid(),
            me,
        })
    }
}

/// A directory on the way: ours or root's, and either closed to others or
/// sticky. Below a sticky one, the next step is checked for its owner like
/// every step, and being ours (or root's) is what keeps others from
/// renaming or replacing it.
fn check_dir_meta(path: &Path, meta: &std::fs::Metadata, me: u32) -> Result<(), TrustError> {
    owned(path, meta, me)?;
    let sticky = meta.mode() & 0o1000 != 0;
    if loose(meta) && !sticky {
        return Err(TrustError::Writable {
            path: path.to_path_buf(),
            mode: meta.mode() & 0o7777,
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_private_directory_under_tmp_is_trusted() {
        let dir = tempfile::tempdir().unwrap();
        chmod(dir.path(), 0o700);
        check_ancestors(&dir.path().join("island.sock"), my_uid()).unwrap();
    }

    #[test]
    fn a_directory_others_can_write_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("codewhale");
        std::fs::create_dir(&inner).unwrap();
        chmod(dir.path(), 0o777);
        let err = check_ancestors(&inner.join("island.sock"), my_uid()).unwrap_err();
        assert!(matches!(err, TrustError::Writable { .. }), "{err}");
        assert!(err.to_string().contains("chmod go-w"), "{err}");
    }

    #[test]
    fn a_sticky_directory_is_trusted_when_the_next_step_is_ours() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("codewhale");
        std::fs::create_dir(&inner).unwrap();
        chmod(&inner, 0o700);
        chmod(dir.path(), 0o1777);
        check_ancestors(&inner.join("island.sock"), my_uid()).unwrap();
    }

    #[test]
    fn a_link_is_followed_only_through_trusted_places() {
        let dir = tempfile::tempdir().unwrap();
        chmod(dir.path(), 0o700);
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        check_ancestors(&link.join("island.sock"), my_uid()).unwrap();
        chmod(&real, 0o777);
        let err = check_ancestors(&link.join("island.sock"), my_uid()).unwrap_err();
        assert!(matches!(err, TrustError::Writable { .. }), "{err}");
    }

    #[test]
    fn relative_paths_are_refused() {
        let err = check_ancestors(Path::new("run/island.sock"), my_uid()).unwrap_err();
        assert!(matches!(err, TrustError::BadPath(_)), "{err}");
    }

    #[test]
    fn another_users_step_is_refused_even_below_a_sticky_directory() {
        assert!(
            nix::unistd::geteuid().is_root(),
            "this test gives a directory to uid 65534 and must run as root (CI does)"
        );
        let dir = tempfile::tempdir().unwrap();
        chmod(dir.path(), 0o1777);
        let theirs = dir.path().join("codewhale");
        std::fs::create_dir(&theirs).unwrap();
        chmod(&theirs, 0o700);
        nix::unistd::chown(&theirs, Some(65534.into()), Some(65534.into())).unwrap();
        let err = check_ancestors(&theirs.join("island.sock"), my_uid()).unwrap_err();
        assert!(
            matches!(err, TrustError::NotOwned { owner: 65534, .. }),
            "{err}"
        );
    }
}
