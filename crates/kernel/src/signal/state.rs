//! Who has which signals pending, and who blocks what.
//!
//! [`ProcessSignals`] lives in the [`Process`](crate::Process): the
//! process-directed pending queue, the list of its threads' signal states,
//! and the group's fate (exiting on a fatal signal, stopped). Each thread
//! has a [`ThreadSignals`], shared (`Arc`) between the host thread that
//! serves it and any thread that sends it a signal: its own pending queue,
//! its blocked mask, its alternate stack, the restart block of an
//! interrupted call, and the address of its host thread for the doorbell.
//!
//! The masks and pending sets are mirrored in atomics, so "is a signal
//! deliverable to this thread?" costs three loads and no lock: the run loop
//! asks it after every syscall, and every blocking wait asks it.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use trapline_abi::signal::{SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};

use super::queue::SigQueue;
use crate::process::lock;
use crate::run::ExitStatus;
use crate::{SysResult, Task};

/// What `restart_syscall` runs for a call interrupted with
/// `ERESTART_RESTARTBLOCK` (Linux's `restart_block`): e.g. the rest of a
/// nanosleep.
pub type RestartFn = Box<dyn FnOnce(&mut Task) -> SysResult + Send>;

/// A thread's alternate signal stack (`sigaltstack`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AltStack {
    pub sp: u64,
    pub size: u64,
    /// As set (`SS_AUTODISARM`, or `SS_DISABLE` once reset); 0 at start.
    pub flags: i32,
}

impl AltStack {
    /// Linux's `__on_sig_stack`: `sp` lies in the stack (which grows down).
    pub fn contains(&self, sp: u64) -> bool {
        sp > self.sp && sp.wrapping_sub(self.sp) <= self.size
    }

    /// Linux's `on_sig_stack`: never with `SS_AUTODISARM`.
    pub fn on_stack(&self, sp: u64) -> bool {
        self.flags & SS_AUTODISARM == 0 && self.contains(sp)
    }

    /// Linux's `sas_ss_flags`: `SS_DISABLE`, `SS_ONSTACK` or 0.
    pub fn ss_flags(&self, sp: u64) -> i32 {
        if self.size == 0 {
            SS_DISABLE
        } else if self.on_stack(sp) {
            SS_ONSTACK
        } else {
            0
        }
    }

    /// The state after `SS_AUTODISARM` took effect (`sas_ss_reset`).
    pub fn reset() -> AltStack {
        AltStack {
            sp: 0,
            size: 0,
            flags: SS_DISABLE,
        }
    }
}

/// The part of a thread's signal state that needs its lock.
#[derive(Default)]
pub(crate) struct ThreadInner {
    pub pending: SigQueue,
    pub altstack: AltStack,
    /// The mask to restore after the next handler (rt_sigsuspend,
    /// Linux's `saved_sigmask`).
    pub saved_mask: Option<u64>,
    pub restart: Option<RestartFn>,
}

/// One thread's signal state.
pub struct ThreadSignals {
    /// The virtual tid (it changes when a thread execs and takes the
    /// leader's).
    tid: AtomicI32,
    /// The host thread behind it, `(tgid << 32) | tid`; 0 before it runs.
    host: AtomicU64,
    blocked: AtomicU64,
    /// The mask before rt_sigtimedwait unblocked what it waits for (Linux's
    /// `real_blocked`), 0 otherwise: a signal blocked here is not discarded
    /// as ignored.
    real_blocked: AtomicU64,
    /// Mirror of `inner.pending`'s bits.
    pending: AtomicU64,
    inner: Mutex<ThreadInner>,
    /// Notified when a signal is queued for this thread (or the group
    /// changes state), for the kernel's own signal waits.
    pub(crate) wake: Condvar,
    exited: AtomicBool,
}

impl ThreadSignals {
    fn new(tid: i32, blocked: u64) -> ThreadSignals {
        ThreadSignals {
            tid: AtomicI32::new(tid),
            host: AtomicU64::new(0),
            blocked: AtomicU64::new(blocked & !super::UNBLOCKABLE),
            real_blocked: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            inner: Mutex::new(ThreadInner::default()),
            wake: Condvar::new(),
            exited: AtomicBool::new(false),
        }
    }

    pub fn tid(&self) -> i32 {
        self.tid.load(SeqCst)
    }

    /// Follows the task's tid (after an exec from a non-leader thread).
    pub fn set_tid(&self, tid: i32) {
        if self.tid() != tid {
            self.tid.store(tid, SeqCst);
        }
    }

    pub(crate) fn inner(&self) -> MutexGuard<'_, ThreadInner> {
        lock(&self.inner)
    }

    /// The host thread behind this guest thread, as `(tgid, tid)`.
    pub fn host(&self) -> Option<(i32, i32)> {
        let h = self.host.load(SeqCst);
        (h != 0).then_some(((h >> 32) as i32, h as u32 as i32))
    }

    /// Refreshes the pending mirror after a change of `inner.pending`.
    pub(crate) fn sync_pending(&self, inner: &ThreadInner) {
        self.pending.store(inner.pending.bits(), SeqCst);
    }

    pub fn blocked(&self) -> u64 {
        self.blocked.load(SeqCst)
    }

    pub(crate) fn store_blocked(&self, mask: u64) {
        self.blocked.store(mask & !super::UNBLOCKABLE, SeqCst);
    }

    pub(crate) fn real_blocked(&self) -> u64 {
        self.real_blocked.load(SeqCst)
    }

    pub(crate) fn set_real_blocked(&self, mask: u64) {
        self.real_blocked.store(mask, SeqCst);
    }

    /// The signals pending for this thread alone.
    pub fn pending(&self) -> u64 {
        self.pending.load(SeqCst)
    }

    pub fn is_exited(&self) -> bool {
        self.exited.load(SeqCst)
    }

    /// The thread's alternate signal stack.
    pub fn altstack(&self) -> AltStack {
        self.inner().altstack
    }

    pub fn set_altstack(&self, a: AltStack) {
        self.inner().altstack = a;
    }

    /// The host thread behind this guest thread (thread group id, thread
    /// id), once it runs.
    pub fn host_ids(&self) -> Option<(i32, i32)> {
        let host = self.host.load(SeqCst);
        (host != 0).then_some(((host >> 32) as i32, host as u32 as i32))
    }

    /// Records the host thread now behind this guest thread (it changes at
    /// exec). Cheap when unchanged.
    pub fn set_host(&self, host_tid: i32) {
        let cur = self.host.load(SeqCst);
        if cur as u32 as i32 == host_tid && cur != 0 {
            return;
        }
        let tgid = host_tgid(host_tid).unwrap_or(host_tid);
        self.host.store(
            ((tgid as u32 as u64) << 32) | host_tid as u32 as u64,
            SeqCst,
        );
    }

    /// Rings the doorbell: makes the host thread behind this guest thread
    /// stop (if it is running guest code, its tracer sees a SIGURG stop and
    /// looks at the kernel's queue), and wakes the kernel's own waits.
    pub fn ring(&self) {
        {
            // Taking the lock orders the notification after a waiter's check.
            let _g = self.inner();
            self.wake.notify_all();
        }
        let host = self.host.load(SeqCst);
        if host == 0 || self.is_exited() {
            return;
        }
        let (tgid, tid) = ((host >> 32) as i32, host as u32 as i32);
        // SAFETY: tgkill has no memory-safety preconditions. The pair
        // (tgid, tid) names a host thread Trapline created; a stale one
        // fails with ESRCH, which is harmless.
        unsafe {
            libc::syscall(libc::SYS_tgkill, tgid, tid, DOORBELL);
        }
    }
}

/// The host signal used as the doorbell. The guest's host process never
/// gets it for any other reason (its own signals are the kernel's), so a
/// SIGURG stop only means "look at the queue".
pub const DOORBELL: i32 = libc::SIGURG;

/// The thread-group id of a host thread, from /proc.
fn host_tgid(tid: i32) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// A group state bit: a fatal signal is ending every thread.
pub(crate) const GROUP_EXIT: u32 = 1;
/// A group state bit: the process is stopped (SIGSTOP and friends).
pub(crate) const GROUP_STOP: u32 = 2;

/// The part of a process's signal state that needs its lock.
#[derive(Default)]
pub(crate) struct Group {
    pub shared: SigQueue,
    pub threads: Vec<Arc<ThreadSignals>>,
    pub exit: Option<ExitStatus>,
    /// The signal that stopped the group, while stopped.
    pub stopped: Option<i32>,
    /// Where the search for a thread to take a process-directed signal
    /// starts (round robin, as Linux's `curr_target`).
    pub next_target: usize,
}

/// One process's signal state (its dispositions are `Process::signals`).
#[derive(Default)]
pub struct ProcessSignals {
    /// Mirror of `group.shared`'s bits.
    shared: AtomicU64,
    /// `GROUP_EXIT` | `GROUP_STOP`.
    state: AtomicU32,
    group: Mutex<Group>,
    /// alarm/setitimer and POSIX timers.
    pub(crate) timers: Mutex<super::timer::ProcessTimers>,
    /// Signals discarded as ignored while `--trace` is on: a traced Linux
    /// process keeps them for its tracer to see (strace shows them), and
    /// the trace shows them at the next resume of a thread.
    traced_ignored: Mutex<Vec<trapline_abi::signal::SigInfo>>,
    has_traced_ignored: AtomicBool,
}

impl ProcessSignals {
    pub(crate) fn group(&self) -> MutexGuard<'_, Group> {
        lock(&self.group)
    }

    pub(crate) fn sync_shared(&self, g: &Group) {
        self.shared.store(g.shared.bits(), SeqCst);
    }

    pub(crate) fn sync_state(&self, g: &Group) {
        let mut s = 0;
        if g.exit.is_some() {
            s |= GROUP_EXIT;
        }
        if g.stopped.is_some() {
            s |= GROUP_STOP;
        }
        self.state.store(s, SeqCst);
    }

    /// Keeps an ignored signal for the trace (see `traced_ignored`).
    pub(crate) fn trace_ignored(&self, info: trapline_abi::signal::SigInfo) {
        lock(&self.traced_ignored).push(info);
        self.has_traced_ignored.store(true, SeqCst);
    }

    /// The ignored signals kept for the trace, taken.
    pub(crate) fn take_traced_ignored(&self) -> Vec<trapline_abi::signal::SigInfo> {
        if !self.has_traced_ignored.swap(false, SeqCst) {
            return Vec::new();
        }
        std::mem::take(&mut *lock(&self.traced_ignored))
    }

    /// The signals pending for the whole process.
    pub fn shared_pending(&self) -> u64 {
        self.shared.load(SeqCst)
    }

    /// Whether the group is stopped (a stop signal, until SIGCONT).
    pub fn is_stopped(&self) -> bool {
        self.state() & GROUP_STOP != 0
    }

    pub(crate) fn state(&self) -> u32 {
        self.state.load(SeqCst)
    }

    /// The signal state of thread `tid`, if it is alive.
    pub fn thread(&self, tid: i32) -> Option<Arc<ThreadSignals>> {
        self.group()
            .threads
            .iter()
            .find(|t| t.tid() == tid)
            .cloned()
    }

    /// The signal state of thread `tid`, created with `blocked` as its
    /// mask if it has none yet. It stays until the thread ends
    /// ([`detach`](Self::detach)).
    pub fn attach(&self, tid: i32, blocked: u64) -> Arc<ThreadSignals> {
        let mut g = self.group();
        if let Some(t) = g.threads.iter().find(|t| t.tid() == tid) {
            return t.clone();
        }
        let t = Arc::new(ThreadSignals::new(tid, blocked));
        g.threads.push(t.clone());
        t
    }

    /// Thread `thr` ended: its private pending signals go with it;
    /// process-directed ones stay for the others (and are retargeted).
    pub fn detach(&self, thr: &Arc<ThreadSignals>) {
        let mut g = self.group();
        if let Some(i) = g.threads.iter().position(|t| Arc::ptr_eq(t, thr)) {
            let t = g.threads.remove(i);
            t.exited.store(true, SeqCst);
        }
        let shared = g.shared.bits();
        if shared != 0 {
            if let Some(t) = g.threads.iter().find(|t| shared & !t.blocked() != 0) {
                t.ring();
            }
        }
    }

    /// Discards the pending signals in `mask`, process-directed and every
    /// thread's (rt_sigaction setting a signal to be ignored).
    pub fn flush(&self, mask: u64) {
        let mut g = self.group();
        g.shared.flush(mask);
        self.sync_shared(&g);
        for t in &g.threads {
            let mut inner = t.inner();
            inner.pending.flush(mask);
            t.sync_pending(&inner);
        }
    }

    /// The host process behind the guest process now (any running
    /// thread's host thread group).
    pub fn host_tgid(&self) -> Option<i32> {
        self.group()
            .threads
            .iter()
            .find_map(|t| t.host().map(|(tgid, _)| tgid))
    }

    /// The tids of the live threads.
    pub fn tids(&self) -> Vec<i32> {
        self.group().threads.iter().map(|t| t.tid()).collect()
    }

    /// How the group is ending, if a fatal signal (or exit_group through
    /// [`super::deliver::group_exit`]) decided it.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        if self.state() & GROUP_EXIT == 0 {
            return None;
        }
        self.group().exit
    }

    /// Whether `thr` has something to do before it may return to the
    /// guest: a signal pending that it does not block, or the group
    /// exiting or stopped. Lock-free.
    pub fn deliverable(&self, thr: &ThreadSignals) -> bool {
        (thr.pending() | self.shared_pending()) & !thr.blocked() != 0 || self.state() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trapline_abi::signal::StackT;
    use trapline_abi::Errno;

    #[test]
    fn sigaltstack_follows_linux() {
        let ps = ProcessSignals::default();
        let t = ps.attach(1, 0);
        let sp = 0x7000_0000;
        let old = t.sigaltstack(None, sp).unwrap_or_default();
        assert_eq!(old.ss_flags, SS_DISABLE);
        let small = StackT {
            ss_sp: 0x1000,
            ss_size: 1024,
            ..StackT::default()
        };
        assert_eq!(t.sigaltstack(Some(&small), sp), Err(Errno::ENOMEM));
        let bad = StackT {
            ss_flags: 77,
            ..small
        };
        assert_eq!(t.sigaltstack(Some(&bad), sp), Err(Errno::EINVAL));
        let good = StackT {
            ss_sp: 0x1000,
            ss_size: 0x10000,
            ..StackT::default()
        };
        assert!(t.sigaltstack(Some(&good), sp).is_ok());
        // On it: EPERM, and the query says SS_ONSTACK.
        let on = 0x1000 + 0x8000;
        assert_eq!(t.sigaltstack(Some(&good), on), Err(Errno::EPERM));
        let other = StackT {
            ss_size: 0x20000,
            ..good
        };
        assert_eq!(t.sigaltstack(Some(&other), on), Err(Errno::EPERM));
        assert_eq!(t.sigaltstack(None, on).map(|s| s.ss_flags), Ok(SS_ONSTACK));
        // SS_AUTODISARM: never "on" it.
        let auto = StackT {
            ss_flags: SS_AUTODISARM,
            ..good
        };
        assert!(t.sigaltstack(Some(&auto), sp).is_ok());
        assert!(!t.altstack().on_stack(on));
        assert_eq!(
            t.sigaltstack(None, on).map(|s| s.ss_flags),
            Ok(SS_AUTODISARM)
        );
    }

    #[test]
    fn deliverable_sees_both_queues_and_the_mask() {
        use trapline_abi::signal::SigInfo;
        let ps = ProcessSignals::default();
        let t = ps.attach(1, super::super::bit(libc::SIGUSR1));
        assert!(!ps.deliverable(&t));
        {
            let mut g = ps.group();
            g.shared.push(SigInfo::kernel(libc::SIGUSR1));
            ps.sync_shared(&g);
        }
        assert!(!ps.deliverable(&t));
        t.store_blocked(0);
        assert!(ps.deliverable(&t));
        ps.flush(super::super::bit(libc::SIGUSR1));
        assert!(!ps.deliverable(&t));
    }
}
