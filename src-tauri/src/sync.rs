//! Locks shared by the tray app and its window process.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// A panic while a lock was held leaves plain data behind, still usable.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
