//! Waiting for a condition, not for a fixed time: each check is tried
//! again every 20 ms until it holds or the limit passes, and a failure
//! says what was awaited.
//!
//! `what` is a `&str`, a `String`, or a closure that builds the message
//! only on failure (so it can show the screen or log as it was then).
//! The `*_await` forms take an async check (`async || ...`) for tests
//! whose check itself awaits, such as a WebDriver or D-Bus call.

use std::time::{Duration, Instant};

const EVERY: Duration = Duration::from_millis(20);

/// What a wait was for, said only when it fails.
pub trait Awaited {
    /// The failure message.
    fn describe(&self) -> String;
}

impl Awaited for &str {
    fn describe(&self) -> String {
        (*self).to_owned()
    }
}

impl Awaited for String {
    fn describe(&self) -> String {
        self.clone()
    }
}

impl<F: Fn() -> String> Awaited for F {
    fn describe(&self) -> String {
        self()
    }
}

fn give_up(what: &impl Awaited) -> ! {
    panic!("timed out waiting for {}", what.describe())
}

/// Waits until `check` holds, trying every 20 ms for up to `limit`.
///
/// # Panics
/// When `limit` passes first, naming `what`.
pub fn until(what: impl Awaited, limit: Duration, mut check: impl FnMut() -> bool) {
    value(what, limit, || check().then_some(()));
}

/// Waits until `check` gives a value, trying every 20 ms for up to
/// `limit`, and returns it.
///
/// # Panics
/// When `limit` passes first, naming `what`.
pub fn value<T>(what: impl Awaited, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        if start.elapsed() >= limit {
            give_up(&what);
        }
        std::thread::sleep(EVERY);
    }
}

/// [`until`], on an async runtime.
///
/// # Panics
/// When `limit` passes first, naming `what`.
pub async fn until_async(what: impl Awaited, limit: Duration, mut check: impl FnMut() -> bool) {
    until_await(what, limit, async || check()).await;
}

/// [`until`] with a check that awaits.
///
/// # Panics
/// When `limit` passes first, naming `what`.
pub async fn until_await(
    what: impl Awaited,
    limit: Duration,
    mut check: impl AsyncFnMut() -> bool,
) {
    value_await(what, limit, async || check().await.then_some(())).await;
}

/// [`value`] with a check that awaits.
///
/// # Panics
/// When `limit` passes first, naming `what`.
pub async fn value_await<T>(
    what: impl Awaited,
    limit: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if start.elapsed() >= limit {
            give_up(&what);
        }
        tokio::time::sleep(EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_that_holds_returns_its_value() {
        let mut tries = 0;
        let got = value("three tries", Duration::from_secs(5), || {
            tries += 1;
            (tries == 3).then_some(tries)
        });
        assert_eq!(got, 3);
    }

    #[test]
    #[should_panic(expected = "timed out waiting for the screen: empty")]
    fn a_check_that_never_holds_fails_with_its_message() {
        let screen = "empty";
        until(
            || format!("the screen: {screen}"),
            Duration::from_millis(50),
            || false,
        );
    }

    #[tokio::test]
    async fn an_awaiting_check_is_awaited_each_time() {
        let mut tries = 0;
        until_await("two tries", Duration::from_secs(5), async || {
            tokio::task::yield_now().await;
            tries += 1;
            tries == 2
        })
        .await;
        assert_eq!(tries, 2);
    }
}
