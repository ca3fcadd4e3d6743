//! The controlling terminal on Unix: the tty behind stdin, stdout or stderr.

pub(super) fn controlling_tty() -> Option<String> {
    [
        nix::unistd::ttyname(std::io::stdin()),
        nix::unistd::ttyname(std::io::stdout()),
        nix::unistd::ttyname(std::io::stderr()),
    ]
    .into_iter()
    .find_map(Result::ok)
    .map(|p| p.to_string_lossy().into_owned())
}
