//! Waiting for a condition, not for a fixed time: each check is tried
//! again every few milliseconds until it holds or the limit passes, and a
//! failure says what was awaited.

use std::time::{Duration, Instant};

/// Waits until `check` holds, trying every 20 ms for up to `limit`.
///
/// # Panics
/// When `limit` passes first, naming `what`.
pub fn until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `check` gives a value, trying every 20 ms for up to
/// `limit`, and returns it.
///
/// # Panics
/// When `limit` passes first, naming `what`.
pub fn value<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// [`until`], on an async runtime.
///
/// # Panics
/// When `limit` passes first, naming `what`.
pub async fn until_async(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
