//! Where the socket lives (PROTOCOL section 2). One resolution function,
//! shared by the agent crate and Island, so that both agree with zero
//! configuration.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable that overrides the default socket path.
pub const SOCKET_ENV: &str = "CODEWHALE_ISLAND_SOCKET";

/// Environment variable naming the codewhale home (default `~/.codewhale`).
pub const HOME_ENV: &str = "CODEWHALE_HOME";

/// Size of `sun_path` in `struct sockaddr_un`, terminating NUL included.
pub const SUN_PATH_LEN: usize = if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)) {
    104
} else {
    108
};

/// Why no usable socket path was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocketPathError {
    /// The path does not fit in `sun_path`.
    #[error(
        "socket path {path} is {len} bytes, but Unix sockets allow at most {max} bytes here; \
         set {SOCKET_ENV} or socket_path to a shorter path"
    )]
    TooLong {
        /// The path.
        path: String,
        /// Its length in bytes.
        len: usize,
        /// The longest path that fits.
        max: usize,
    },
    /// The path needs the home directory and none is known.
    #[error("cannot find the home directory to expand {0}; set HOME or give an absolute path")]
    NoHome(String),
    /// An explicit path was given but empty.
    #[error("the socket path is empty")]
    Empty,
}

/// Resolves the socket path from the process environment.
///
/// # Errors
/// See [`SocketPathError`].
pub fn resolve_socket_path(explicit: Option<&Path>) -> Result<PathBuf, SocketPathError> {
    resolve_socket_path_with(explicit, |key| std::env::var_os(key))
}

/// Resolves the socket path with `lookup` as the environment, in the order of
/// PROTOCOL section 2: explicit path, `CODEWHALE_ISLAND_SOCKET`,
/// `$XDG_RUNTIME_DIR/codewhale/island.sock`, then
/// `<codewhale home>/run/island.sock`. Never a shared `/tmp` default.
///
/// # Errors
/// See [`SocketPathError`].
pub fn resolve_socket_path_with(
    explicit: Option<&Path>,
    lookup: impl Fn(&str) -> Option<OsString>,
) -> Result<PathBuf, SocketPathError> {
    let var = |key: &str| lookup(key).filter(|v| !v.is_empty());
    let home = || var("HOME").map(PathBuf::from).or_else(home_from_os);
    let path = if let Some(path) = explicit {
        if path.as_os_str().is_empty() {
            return Err(SocketPathError::Empty);
        }
        expand_tilde(path, home)?
    } else if let Some(path) = var(SOCKET_ENV) {
        expand_tilde(Path::new(&path), home)?
    } else if let Some(runtime) = var("XDG_RUNTIME_DIR").filter(|d| Path::new(d).is_absolute()) {
        PathBuf::from(runtime).join("codewhale").join("island.sock")
    } else {
        let codewhale_home = match var(HOME_ENV) {
            Some(dir) => expand_tilde(Path::new(&dir), home)?,
            None => home()
                .ok_or_else(|| SocketPathError::NoHome("~/.codewhale".into()))?
                .join(".codewhale"),
        };
        codewhale_home.join("run").join("island.sock")
    };
    check_length(&path)?;
    Ok(path)
}

/// Expands a leading `~/` (or a bare `~`) with `home`.
///
/// # Errors
/// [`SocketPathError::NoHome`] when the path needs a home and none is known.
pub fn expand_tilde(
    path: &Path,
    home: impl FnOnce() -> Option<PathBuf>,
) -> Result<PathBuf, SocketPathError> {
    let Ok(rest) = path.strip_prefix("~") else {
        return Ok(path.to_path_buf());
    };
    let home = home().ok_or_else(|| SocketPathError::NoHome(path.display().to_string()))?;
    Ok(if rest.as_os_str().is_empty() {
        home
    } else {
        home.join(rest)
    })
}

/// Checks that a path fits in `sun_path` with its terminating NUL.
///
/// # Errors
/// [`SocketPathError::TooLong`] otherwise.
pub fn check_length(path: &Path) -> Result<(), SocketPathError> {
    let len = path.as_os_str().len();
    let max = SUN_PATH_LEN - 1;
    if len > max {
        return Err(SocketPathError::TooLong {
            path: path.display().to_string(),
            len,
            max,
        });
    }
    Ok(())
}

fn home_from_os() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn explicit_path_wins_and_expands_tilde() {
        let got = resolve_socket_path_with(
            Some(Path::new("~/s/island.sock")),
            env(&[("HOME", "/home/me"), (SOCKET_ENV, "/elsewhere.sock")]),
        );
        assert_eq!(got, Ok(PathBuf::from("/home/me/s/island.sock")));
    }

    #[test]
    fn environment_variable_comes_second() {
        let got = resolve_socket_path_with(
            None,
            env(&[
                (SOCKET_ENV, "~/x.sock"),
                ("HOME", "/h"),
                ("XDG_RUNTIME_DIR", "/run/user/1"),
            ]),
        );
        assert_eq!(got, Ok(PathBuf::from("/h/x.sock")));
    }

    #[test]
    fn runtime_dir_comes_third() {
        let got = resolve_socket_path_with(
            None,
            env(&[("XDG_RUNTIME_DIR", "/run/user/1000"), ("HOME", "/h")]),
        );
        assert_eq!(
            got,
            Ok(PathBuf::from("/run/user/1000/codewhale/island.sock"))
        );
    }

    #[test]
    fn empty_or_relative_runtime_dir_is_ignored() {
        for dir in ["", "relative/dir"] {
            let got =
                resolve_socket_path_with(None, env(&[("XDG_RUNTIME_DIR", dir), ("HOME", "/h")]));
            assert_eq!(
                got,
                Ok(PathBuf::from("/h/.codewhale/run/island.sock")),
                "{dir:?}"
            );
        }
    }

    #[test]
    fn codewhale_home_comes_last() {
        let got = resolve_socket_path_with(None, env(&[(HOME_ENV, "~/cw"), ("HOME", "/h")]));
        assert_eq!(got, Ok(PathBuf::from("/h/cw/run/island.sock")));
    }

    #[test]
    fn never_a_shared_tmp_default() -> Result<(), SocketPathError> {
        let path = resolve_socket_path_with(None, env(&[("HOME", "/home/me")]))?;
        assert!(!path.starts_with("/tmp"), "{}", path.display());
        Ok(())
    }

    #[test]
    fn too_long_is_a_clear_error_not_a_truncation() {
        let long = format!("/{}", "d".repeat(SUN_PATH_LEN));
        let err = resolve_socket_path_with(Some(Path::new(&long)), env(&[]));
        let Err(err) = err else {
            panic!("a {}-byte path must be refused", long.len());
        };
        let text = err.to_string();
        assert!(text.contains(&format!("is {} bytes", long.len())), "{text}");
        assert!(text.contains(SOCKET_ENV), "{text}");
        // The longest path that fits is accepted.
        let fits = format!("/{}", "d".repeat(SUN_PATH_LEN - 2));
        assert!(resolve_socket_path_with(Some(Path::new(&fits)), env(&[])).is_ok());
    }

    #[test]
    fn tilde_without_home_is_an_error_naming_the_path() {
        let err = expand_tilde(Path::new("~/a.sock"), || None);
        assert_eq!(err, Err(SocketPathError::NoHome("~/a.sock".into())));
    }
}
