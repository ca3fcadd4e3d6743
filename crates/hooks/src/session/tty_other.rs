//! No tty names off Unix.

pub(super) fn controlling_tty() -> Option<String> {
    None
}
