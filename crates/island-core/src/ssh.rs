//! What `island remote` asks of `ssh` and of the remote machine: a host
//! name that cannot turn into an option, and the probe that finds where
//! the remote machine's agents look for Island's socket.

/// A host as `ssh` takes it: no option, no shell characters.
#[must_use]
pub fn plain_host(host: &str) -> Option<&str> {
    (!host.is_empty()
        && !host.starts_with('-')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@:[]".contains(&b)))
    .then_some(host)
}

/// Options every `ssh` of `island remote` gets: a dead link is noticed in
/// under a minute, and a forward that cannot be made is an error.
pub const SSH_OPTIONS: &[&str] = &[
    "-o",
    "ServerAliveInterval=15",
    "-o",
    "ServerAliveCountMax=3",
    "-o",
    "ExitOnForwardFailure=yes",
    "-o",
    "StreamLocalBindUnlink=yes",
];

/// Run on the remote machine as `sh -s -- [replace]`: prints, for each
/// socket path its agents resolve (PROTOCOL section 2: the explicit
/// variable, else `$XDG_RUNTIME_DIR/codewhale/island.sock` (also
/// `/run/user/UID` when a non-login SSH session has no `XDG_RUNTIME_DIR`
/// but the user's login sessions do), and `~/.codewhale/run/island.sock`),
/// one line: `path P` (ready: its directory is the user's, 0700, and any
/// stale socket is gone), `live P` (something listens there, or there is
/// no `ss` to tell; left alone unless `replace`) or `unsafe P` (a directory another user can change, or
/// not a socket: left alone). `sshd` does not replace a stale socket
/// itself unless its own `StreamLocalBindUnlink` is on.
pub const PROBE_SCRIPT: &str = r#"
replace="${1:-}"
uid=$(id -u)
check() {
  p=$1
  d=${p%/*}
  if [ ! -d "$d" ]; then
    (umask 077 && mkdir -p "$d") || { echo "unsafe $p"; return; }
  fi
  if [ ! -O "$d" ] || [ -n "$(find "$d" -maxdepth 0 \( -perm -020 -o -perm -002 \) 2>/dev/null)" ]; then
    echo "unsafe $p"; return
  fi
  if [ -S "$p" ]; then
    # Without ss, a live socket cannot be told from a stale one: live.
    if [ "$replace" != replace ] && { ! command -v ss >/dev/null 2>&1 ||
      [ -n "$(ss -xlH src "$p" 2>/dev/null)" ]; }; then
      echo "live $p"; return
    fi
    rm -f "$p"
  elif [ -e "$p" ] || [ -L "$p" ]; then
    echo "unsafe $p"; return
  fi
  echo "path $p"
}
if [ -n "${CODEWHALE_ISLAND_SOCKET:-}" ]; then
  check "$CODEWHALE_ISLAND_SOCKET"
else
  rt=${XDG_RUNTIME_DIR:-}
  if [ -z "$rt" ] && [ -d "/run/user/$uid" ] && [ -O "/run/user/$uid" ]; then
    rt=/run/user/$uid
  fi
  if [ -n "$rt" ]; then check "$rt/codewhale/island.sock"; fi
  check "${CODEWHALE_HOME:-$HOME/.codewhale}/run/island.sock"
fi
"#;

/// What the probe found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    /// Ready to forward to.
    pub ready: Vec<String>,
    /// Something listens there.
    pub live: Vec<String>,
    /// Not safe to use.
    pub unsafe_paths: Vec<String>,
}

impl Probe {
    /// Reads the probe's output; other lines (a login banner) are skipped.
    #[must_use]
    pub fn parse(output: &str) -> Self {
        let mut probe = Self::default();
        for line in output.lines() {
            let Some((kind, path)) = line.split_once(' ') else {
                continue;
            };
            if !path.starts_with('/') {
                continue;
            }
            let into = match kind {
                "path" => &mut probe.ready,
                "live" => &mut probe.live,
                "unsafe" => &mut probe.unsafe_paths,
                _ => continue,
            };
            into.push(path.to_owned());
        }
        probe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_cannot_become_options_or_shell() {
        assert_eq!(plain_host("me@dev-box.lan"), Some("me@dev-box.lan"));
        assert_eq!(plain_host("[::1]"), Some("[::1]"));
        for bad in ["-oProxyCommand=x", "a b", "h;id", "", "h$(id)"] {
            assert_eq!(plain_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_probe_output_is_read_line_by_line() {
        let probe = Probe::parse(
            "Welcome to the box\npath /run/user/1000/codewhale/island.sock\nlive /home/me/.codewhale/run/island.sock\nunsafe /tmp/x/island.sock\npath relative\n",
        );
        assert_eq!(probe.ready, ["/run/user/1000/codewhale/island.sock"]);
        assert_eq!(probe.live, ["/home/me/.codewhale/run/island.sock"]);
        assert_eq!(probe.unsafe_paths, ["/tmp/x/island.sock"]);
    }
}
