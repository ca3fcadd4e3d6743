//! Binding Island's socket with every duty of PROTOCOL section 3: a private
//! directory, a 0600 socket from the first moment, symlinks and other files
//! never touched, a live Island detected, a stale socket reclaimed, and on
//! exit the socket removed only if it is still ours.

use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use nix::sys::stat::{Mode, umask};

/// Why Island could not bind its socket. Each message names the path and
/// the fix.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// Another Island answers on this socket.
    #[error("Island is already running (it answers on {0})")]
    AlreadyRunning(PathBuf),
    /// The socket's directory belongs to someone else.
    #[error(
        "{dir} belongs to uid {owner}, not to you (uid {me}); Island will not put its socket there. \
         Remove the directory or set CODEWHALE_ISLAND_SOCKET to a path of your own"
    )]
    DirNotOwned {
        /// The directory.
        dir: PathBuf,
        /// Its owner.
        owner: u32,
        /// The current user.
        me: u32,
    },
    /// The socket's directory is writable by other users.
    #[error(
        "{dir} is writable by other users (mode {mode:o}), so anyone could replace Island's socket; \
         run `chmod 700 {dir}` or set CODEWHALE_ISLAND_SOCKET to another path"
    )]
    DirTooOpen {
        /// The directory.
        dir: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The path's parent is not a directory.
    #[error("{0} is not a directory; choose another socket path")]
    ParentNotDir(PathBuf),
    /// A symbolic link sits at the socket path.
    #[error(
        "{0} is a symbolic link; Island never follows nor deletes it. \
         Remove it yourself if it is yours, or set CODEWHALE_ISLAND_SOCKET to another path"
    )]
    Symlink(PathBuf),
    /// Something other than a socket sits at the socket path.
    #[error(
        "{path} exists and is a {kind}, not a socket; Island never deletes it. \
         Move it away or set CODEWHALE_ISLAND_SOCKET to another path"
    )]
    NotASocket {
        /// The path.
        path: PathBuf,
        /// What is there.
        kind: &'static str,
    },
    /// The path is too long for a socket.
    #[error(transparent)]
    Path(#[from] island_protocol::SocketPathError),
    /// A directory above the socket's is not this user's, or others can
    /// write it.
    #[error(transparent)]
    Untrusted(#[from] island_protocol::trust::TrustError),
    /// A system call failed.
    #[error("cannot {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// On what.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

fn io_err<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> BindError + 'a {
    move |source| BindError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// A bound socket. Dropping it removes the socket file, but only if the file
/// at the path is still the one this process created (same inode).
#[derive(Debug)]
pub struct BoundSocket {
    listener: Option<UnixListener>,
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl BoundSocket {
    /// The socket's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the listener (non-blocking, ready for tokio). The file stays
    /// owned by `self` and is removed when `self` is dropped.
    pub fn take_listener(&mut self) -> Option<UnixListener> {
        self.listener.take()
    }
}

impl Drop for BoundSocket {
    fn drop(&mut self) {
        let ours = std::fs::symlink_metadata(&self.path)
            .map(|m| m.dev() == self.dev && m.ino() == self.ino)
            .unwrap_or(false);
        if ours {
            if let Err(e) = std::fs::remove_file(&self.path) {
                tracing::warn!("cannot remove {}: {e}", self.path.display());
            }
        } else {
            tracing::info!(
                "leaving {} in place: it is no longer the socket this Island created",
                self.path.display()
            );
        }
    }
}

/// Held while the umask is narrowed for a bind.
static UMASK_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Binds `path` with every duty of PROTOCOL section 3.
///
/// Call it before other threads start creating files: it narrows the
/// process umask around `bind(2)` so that the socket is 0600 from the
/// moment it exists.
///
/// # Errors
/// See [`BindError`]; [`BindError::AlreadyRunning`] is the "second start"
/// case, which callers report and exit 0 on.
pub fn bind(path: &Path) -> Result<BoundSocket, BindError> {
    island_protocol::socket_path::check_length(path)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    prepare_dir(dir)?;
    // Every directory above it too: one that another user owns or can
    // write could have Island's renamed away and a listener planted.
    let absolute = std::path::absolute(path).map_err(io_err("resolve", path))?;
    island_protocol::trust::check_ancestors(&absolute, island_protocol::trust::my_uid())?;
    match std::fs::symlink_metadata(path) {
        Ok(meta) => reclaim(path, &meta)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err("inspect", path)(e)),
    }
    // 0600 from the first moment: the socket file takes its mode from the
    // umask at bind(2); a chmod afterwards would leave a window. The umask
    // is the process's, so two binds at once (tests do that) would restore
    // each other's: they take turns.
    let bound = {
        let _turn = UMASK_TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let previous = umask(Mode::from_bits_truncate(0o177));
        let bound = UnixListener::bind(path);
        umask(previous);
        bound
    };
    let listener = bound.map_err(|e| {
        if e.kind() == io::ErrorKind::AddrInUse {
            // Another Island bound it between our check and our bind.
            BindError::AlreadyRunning(path.to_path_buf())
        } else {
            io_err("bind", path)(e)
        }
    })?;
    listener
        .set_nonblocking(true)
        .map_err(io_err("configure", path))?;
    let meta = std::fs::symlink_metadata(path).map_err(io_err("inspect", path))?;
    Ok(BoundSocket {
        listener: Some(listener),
        path: path.to_path_buf(),
        dev: meta.dev(),
        ino: meta.ino(),
    })
}

/// Creates the directory 0700, or checks that it is ours and closed to
/// others.
fn prepare_dir(dir: &Path) -> Result<(), BindError> {
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io_err("create the directory", dir))?;
            // The umask is process-wide, and `bind` narrows it for a moment
            // (see `bind`): a directory made by another thread in that
            // moment would lose its x bit. Set the mode outright.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io_err("set the mode of", dir))?;
            std::fs::metadata(dir).map_err(io_err("inspect", dir))?
        }
        Err(e) => return Err(io_err("inspect", dir)(e)),
    };
    if !meta.is_dir() {
        return Err(BindError::ParentNotDir(dir.to_path_buf()));
    }
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return Err(BindError::DirNotOwned {
            dir: dir.to_path_buf(),
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(BindError::DirTooOpen {
            dir: dir.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Something exists at the path: refuse, report a live Island, or remove a
/// stale socket.
fn reclaim(path: &Path, meta: &std::fs::Metadata) -> Result<(), BindError> {
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(BindError::Symlink(path.to_path_buf()));
    }
    if !kind.is_socket() {
        let kind = if kind.is_dir() {
            "directory"
        } else if kind.is_file() {
            "regular file"
        } else if kind.is_fifo() {
            "named pipe"
        } else {
            "special file"
        };
        return Err(BindError::NotASocket {
            path: path.to_path_buf(),
            kind,
        });
    }
    match UnixStream::connect(path) {
        Ok(_) => Err(BindError::AlreadyRunning(path.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!("removing the stale socket {}", path.display());
            std::fs::remove_file(path).map_err(io_err("remove the stale socket", path))
        }
        Err(e) => Err(io_err("probe", path)(e)),
    }
}
