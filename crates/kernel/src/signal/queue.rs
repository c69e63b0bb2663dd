//! A queue of pending signals with their `siginfo_t` (Linux's `struct
//! sigpending`): a standard signal is pending at most once (a second one
//! coalesces into the first), real-time signals queue, each with its info.

use std::collections::VecDeque;

use trapline_abi::signal::{SigInfo, SIGRTMIN};

use super::bit;

/// Signals dequeued first, before lower-numbered ones (Linux's
/// `SYNCHRONOUS_MASK`): the faults a thread caused itself.
const SYNCHRONOUS: u64 = bit(libc::SIGSEGV)
    | bit(libc::SIGBUS)
    | bit(libc::SIGILL)
    | bit(libc::SIGTRAP)
    | bit(libc::SIGFPE)
    | bit(libc::SIGSYS);

/// How many signals one queue holds at most (Linux's default
/// RLIMIT_SIGPENDING is in the thousands; a guest that queues more gets
/// EAGAIN from sigqueue).
pub const MAX_QUEUED: usize = 4096;

#[derive(Debug, Default, Clone)]
pub struct SigQueue {
    /// Bit N-1 set while signal N is pending.
    bits: u64,
    items: VecDeque<SigInfo>,
}

/// What happened to a signal put on a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    Added,
    /// A standard signal already pending: merged into it.
    Coalesced,
    /// The queue is full (real-time signals only).
    Full,
}

impl SigQueue {
    pub fn bits(&self) -> u64 {
        self.bits
    }

    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    pub fn has(&self, sig: i32) -> bool {
        self.bits & bit(sig) != 0
    }

    /// Adds `info` (its `signo` in 1..=64).
    pub fn push(&mut self, info: SigInfo) -> Queued {
        let sig = info.signo;
        if sig < SIGRTMIN && self.has(sig) {
            return Queued::Coalesced;
        }
        if self.items.len() >= MAX_QUEUED {
            return Queued::Full;
        }
        self.items.push_back(info);
        self.bits |= bit(sig);
        Queued::Added
    }

    /// The signal Linux would dequeue next among those not in `blocked`:
    /// synchronous faults first, then the lowest number.
    pub fn next(&self, blocked: u64) -> Option<i32> {
        let mut x = self.bits & !blocked;
        if x == 0 {
            return None;
        }
        if x & SYNCHRONOUS != 0 {
            x &= SYNCHRONOUS;
        }
        Some(x.trailing_zeros() as i32 + 1)
    }

    /// Removes the oldest instance of `sig` and returns its info.
    pub fn take(&mut self, sig: i32) -> Option<SigInfo> {
        let i = self.items.iter().position(|s| s.signo == sig)?;
        let info = self.items.remove(i)?;
        if !self.items.iter().any(|s| s.signo == sig) {
            self.bits &= !bit(sig);
        }
        Some(info)
    }

    /// Discards every pending signal in `mask`.
    pub fn flush(&mut self, mask: u64) {
        if self.bits & mask == 0 {
            return;
        }
        self.items.retain(|s| bit(s.signo) & mask == 0);
        self.bits &= !mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(sig: i32) -> SigInfo {
        SigInfo::kernel(sig)
    }

    #[test]
    fn standard_signals_coalesce_realtime_queue() {
        let mut q = SigQueue::default();
        assert_eq!(q.push(info(libc::SIGUSR1)), Queued::Added);
        assert_eq!(q.push(info(libc::SIGUSR1)), Queued::Coalesced);
        assert_eq!(q.push(info(40)), Queued::Added);
        assert_eq!(q.push(info(40)), Queued::Added);
        assert!(q.take(libc::SIGUSR1).is_some());
        assert!(!q.has(libc::SIGUSR1));
        assert!(q.take(40).is_some());
        assert!(q.has(40));
        assert!(q.take(40).is_some());
        assert!(q.is_empty());
    }

    #[test]
    fn faults_first_then_lowest() {
        let mut q = SigQueue::default();
        q.push(info(libc::SIGUSR2));
        q.push(info(libc::SIGINT));
        q.push(info(libc::SIGSEGV));
        assert_eq!(q.next(0), Some(libc::SIGSEGV));
        assert_eq!(q.next(bit(libc::SIGSEGV)), Some(libc::SIGINT));
        q.flush(bit(libc::SIGINT) | bit(libc::SIGSEGV));
        assert_eq!(q.next(0), Some(libc::SIGUSR2));
        assert_eq!(q.next(bit(libc::SIGUSR2)), None);
    }
}
