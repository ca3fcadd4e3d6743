//! Rate-limited error logging, so that a sink failing on every event (a full
//! disk, a dead endpoint) logs once in a while with a count, not per event.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct RateLimitedLog {
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimitedLog {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            state: Mutex::new(State::default()),
        }
    }

    /// Logs a warning unless one was logged less than `interval` ago; the
    /// next warning that gets through says how many were suppressed.
    pub(crate) fn warn(&self, sink: &str, what: &dyn std::fmt::Display) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let now = Instant::now();
        if state
            .last
            .is_some_and(|last| now.duration_since(last) < self.interval)
        {
            state.suppressed += 1;
            return;
        }
        let suppressed = std::mem::take(&mut state.suppressed);
        state.last = Some(now);
        drop(state);
        if suppressed > 0 {
            tracing::warn!(
                sink,
                suppressed,
                "{what} ({suppressed} similar errors suppressed)"
            );
        } else {
            tracing::warn!(sink, "{what}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_once_per_interval_and_counts_the_rest() {
        let log = RateLimitedLog::new(Duration::from_secs(3600));
        for _ in 0..5 {
            log.warn("test", &"disk full");
        }
        let state = log.state.lock().expect("not poisoned");
        assert_eq!(state.suppressed, 4);
        assert!(state.last.is_some());
    }
}
