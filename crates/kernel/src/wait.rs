//! Ending processes and waiting for them: zombies, reaping, reparenting of
//! orphans to pid 1, and the parent's wait queue.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use trapline_abi::Errno;

use crate::kernel::Kernel;
use crate::process::{lock, Process};
use crate::run::ExitStatus;
use crate::task::Task;

/// Records that `process` ended: it becomes a zombie for its parent to
/// reap, its vfork parent (if any) is released, its children go to pid 1,
/// its parent gets SIGCHLD and its parent's waiters wake up.
pub fn process_ended(kernel: &Kernel, process: &Arc<Process>, status: ExitStatus) {
    *lock(&process.exit_status) = Some(status);
    process.vfork_release();
    reparent_orphans(kernel, process);
    // SIGCHLD to the parent; a parent that ignores it gets no zombie.
    let autoreap = crate::signal::send::child_ended(kernel, process, status);
    if let Some(parent) = kernel.process(process.ppid()) {
        // Taking the lock orders this wake-up after a waiter's check.
        let mut kids = lock(&parent.children);
        if autoreap {
            kids.retain(|c| c.pid != process.pid);
            reap(kernel, process);
        }
        parent.child_changed.notify_all();
    }
}

/// The children of `process`, which ended, go to pid 1 (Linux's
/// `forget_original_parent`): they report with SIGCHLD from now on, and
/// those that are zombies already tell their new parent.
fn reparent_orphans(kernel: &Kernel, process: &Process) {
    let orphans = std::mem::take(&mut *lock(&process.children));
    if orphans.is_empty() {
        return;
    }
    let Some(init) = kernel.process(1).filter(|i| i.pid != process.pid) else {
        return;
    };
    let mut zombies = Vec::new();
    {
        let mut kids = lock(&init.children);
        for o in orphans {
            o.ppid.store(1, Ordering::Relaxed);
            o.exit_signal.store(libc::SIGCHLD, Ordering::Relaxed);
            if let Some(status) = *lock(&o.exit_status) {
                zombies.push((o.clone(), status));
            }
            kids.push(o);
        }
    }
    for (z, status) in zombies {
        if crate::signal::send::child_ended(kernel, &z, status) {
            lock(&init.children).retain(|c| c.pid != z.pid);
            reap(kernel, &z);
        }
    }
    let _kids = lock(&init.children);
    init.child_changed.notify_all();
}

/// A zombie is gone for good: its pid names nothing any more.
fn reap(kernel: &Kernel, process: &Process) {
    process.set_reaped();
    kernel.unregister_process(process.pid);
}

/// Which children a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitTarget {
    Any,
    Pid(i32),
    Group(i32),
}

/// A child that ended, as a wait reports it.
#[derive(Debug, Clone, Copy)]
pub struct Reaped {
    pub pid: i32,
    pub uid: u32,
    pub status: ExitStatus,
    /// The child's resource usage (with its own reaped children's).
    pub usage: crate::rusage::Usage,
    /// Whether a core dump is reported (core-dumping signal and a non-zero
    /// RLIMIT_CORE, as the host would have dumped one).
    pub core: bool,
}

impl Reaped {
    /// The `int` status wait4 stores.
    pub fn wait_status(&self) -> i32 {
        match self.status {
            ExitStatus::Code(c) => (c & 0xff) << 8,
            ExitStatus::Signaled(s) => s | if self.core { 0x80 } else { 0 },
        }
    }
}

/// Whether child `c` is one a wait with `options` (waitid's `__WALL`
/// and `__WCLONE`) looks at: a child that reports with a signal other than
/// SIGCHLD only for `__WCLONE`, the others only without it; any with
/// `__WALL` (Linux's `eligible_child`).
fn eligible(c: &Process, target: WaitTarget, options: i32) -> bool {
    let picked = match target {
        WaitTarget::Any => true,
        WaitTarget::Pid(p) => c.pid == p,
        WaitTarget::Group(g) => c.pgid() == g,
    };
    picked && (options & WALL != 0 || c.is_clone_child() == (options & WCLONE != 0))
}

/// `__WALL`: wait for every child.
pub const WALL: i32 = 0x4000_0000;
/// `__WCLONE`: wait for "clone children" only.
pub const WCLONE: i32 = 0x8000_0000_u32 as i32;

/// Waits for a child matching `target` to end; `options` are waitid's
/// (`WNOHANG`, `WNOWAIT`, `__WALL`, `__WCLONE`). `Ok(None)` with
/// `WNOHANG` when none has yet; `ECHILD` when there is no such child;
/// `EINTR` when a signal for the guest arrives. With `WNOWAIT` the child
/// stays a zombie.
pub fn wait_child(task: &Task, target: WaitTarget, options: i32) -> Result<Option<Reaped>, Errno> {
    let process = &task.process;
    let keep = options & libc::WNOWAIT != 0;
    let mut kids = lock(&process.children);
    loop {
        if !kids.iter().any(|c| eligible(c, target, options)) {
            return Err(Errno::ECHILD);
        }
        let ended = kids
            .iter()
            .position(|c| eligible(c, target, options) && lock(&c.exit_status).is_some());
        if let Some(i) = ended {
            let child = if keep {
                kids[i].clone()
            } else {
                kids.remove(i)
            };
            let status = lock(&child.exit_status).unwrap_or(ExitStatus::Signaled(libc::SIGKILL));
            if !keep {
                reap(&task.kernel, &child);
            }
            let core_limit = lock(&child.rlimits)
                .get(libc::RLIMIT_CORE)
                .map_or(0, |l| l.cur);
            let core = matches!(status, ExitStatus::Signaled(s) if dumps_core(s)) && core_limit > 0;
            let uid = lock(&child.creds).uid;
            let mut usage = *lock(&child.usage_at_exit);
            usage += *lock(&child.children_usage);
            if !keep {
                *lock(&process.children_usage) += usage;
            }
            return Ok(Some(Reaped {
                pid: child.pid,
                uid,
                status,
                core,
                usage,
            }));
        }
        if options & libc::WNOHANG != 0 {
            return Ok(None);
        }
        // As Linux's do_wait: the children are looked at before a pending
        // signal (a child reaped at once leaves ECHILD, not EINTR).
        if task.interrupted() {
            return Err(Errno::EINTR);
        }
        let (k, _) = process
            .child_changed
            .wait_timeout(kids, Duration::from_millis(50))
            .unwrap_or_else(|e| e.into_inner());
        kids = k;
    }
}

/// Signals whose default action dumps core.
pub fn dumps_core(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGQUIT
            | libc::SIGILL
            | libc::SIGTRAP
            | libc::SIGABRT
            | libc::SIGBUS
            | libc::SIGFPE
            | libc::SIGSEGV
            | libc::SIGSYS
            | libc::SIGXCPU
            | libc::SIGXFSZ
    )
}
