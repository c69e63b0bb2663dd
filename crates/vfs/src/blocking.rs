//! Interruptible blocking inside the kernel.
//!
//! All blocking happens in the kernel, and every blocking wait ends with
//! `EINTR` when a signal for the guest arrives. The vfs does not know what
//! a task or a signal is; the kernel tells it, per host thread, with a
//! hook: [`set_interrupt_check`] installs a function that says whether the
//! guest task this host thread serves has a signal pending. A blocked
//! operation waits on its `Condvar` for at most [`POLL_INTERVAL`] at a
//! time and asks [`interrupted`] when that time passes without the wait
//! ending (an arriving signal does not wake a `Condvar`).
//!
//! A thread without a hook (unit tests, helper threads) is never
//! interrupted.

use std::cell::RefCell;
use std::sync::{Condvar, MutexGuard};
use std::time::{Duration, Instant};

use crate::Errno;

/// How long a blocked operation sleeps before it looks for a signal: the
/// worst-case delay between a signal (Ctrl-C) and the `EINTR`.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

type Check = Box<dyn Fn() -> bool>;

thread_local! {
    static CHECK: RefCell<Option<Check>> = const { RefCell::new(None) };
}

/// Installs the interruption check of the current host thread, replacing
/// any earlier one.
pub fn set_interrupt_check(check: Box<dyn Fn() -> bool>) {
    CHECK.with(|c| *c.borrow_mut() = Some(check));
}

/// Removes the current host thread's interruption check.
pub fn clear_interrupt_check() {
    // Taken out first, then dropped: the check's own drop may not reach
    // back into the cell.
    let old = CHECK.with(|c| c.borrow_mut().take());
    drop(old);
}

/// Whether the guest task served by this host thread has a signal pending
/// that must interrupt a blocking wait. `false` on a thread with no check.
pub fn interrupted() -> bool {
    CHECK.with(|c| match c.try_borrow() {
        Ok(check) => check.as_ref().is_some_and(|f| f()),
        // A check that itself blocks (it never should) is not asked again.
        Err(_) => false,
    })
}

/// One blocking wait, made of as many `Condvar` waits as it takes. It asks
/// [`interrupted`] once per [`POLL_INTERVAL`] at most, so a wait that is
/// woken often (a busy pipe) does not pay for the check each time.
#[derive(Debug)]
pub struct Waiter {
    next_check: Instant,
}

impl Default for Waiter {
    fn default() -> Self {
        Waiter::new()
    }
}

impl Waiter {
    pub fn new() -> Waiter {
        Waiter {
            next_check: Instant::now() + POLL_INTERVAL,
        }
    }

    /// Sleeps on `cv` (releasing `guard`'s lock) until notified or for at
    /// most [`POLL_INTERVAL`]. The caller checks its condition again
    /// afterwards, as with any `Condvar`. The second value is `Err(EINTR)`
    /// when a signal for the guest is pending: the caller then stops
    /// waiting (returning what it already did, if anything).
    pub fn wait<'a, T>(
        &mut self,
        cv: &Condvar,
        guard: MutexGuard<'a, T>,
    ) -> (MutexGuard<'a, T>, Result<(), Errno>) {
        let left = self.next_check.saturating_duration_since(Instant::now());
        let guard = if left.is_zero() {
            guard
        } else {
            match cv.wait_timeout(guard, left) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            }
        };
        let now = Instant::now();
        if now < self.next_check {
            return (guard, Ok(()));
        }
        self.next_check = now + POLL_INTERVAL;
        if interrupted() {
            (guard, Err(Errno::EINTR))
        } else {
            (guard, Ok(()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn no_check_means_never_interrupted() {
        clear_interrupt_check();
        assert!(!interrupted());
    }

    #[test]
    fn the_check_is_per_thread() {
        set_interrupt_check(Box::new(|| true));
        assert!(interrupted());
        let other = std::thread::spawn(interrupted).join().unwrap_or(true);
        assert!(!other);
        clear_interrupt_check();
        assert!(!interrupted());
    }

    #[test]
    fn a_wait_ends_with_eintr_when_interrupted() {
        set_interrupt_check(Box::new(|| true));
        let m = Mutex::new(());
        let cv = Condvar::new();
        let mut w = Waiter::new();
        let start = Instant::now();
        let mut guard = m.lock().unwrap_or_else(|e| e.into_inner());
        let mut result = Ok(());
        for _ in 0..100 {
            let (g, r) = w.wait(&cv, guard);
            guard = g;
            result = r;
            if result.is_err() {
                break;
            }
        }
        drop(guard);
        clear_interrupt_check();
        assert_eq!(result, Err(Errno::EINTR));
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
