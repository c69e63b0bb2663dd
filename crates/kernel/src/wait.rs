//! Ending processes and waiting for them: zombies, reaping, reparenting of
//! orphans to pid 1, and the parent's wait queue.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use trapline_abi::signal::{SigInfo, SI_USER};
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
    crate::pgrp::check_orphaned(kernel, process, None);
    // SIGCHLD to the parent; a parent that ignores it gets no zombie.
    let autoreap = crate::signal::send::child_ended(kernel, process, status);
    if let Some(parent) = kernel.process(process.ppid()) {
        // Taking the lock orders this wake-up after a waiter's check.
        let mut kids = lock(&parent.children);
        process.parent_told.store(true, Ordering::SeqCst);
        if autoreap {
            kids.retain(|c| c.pid != process.pid);
            reap(kernel, process);
        }
        parent.child_changed.notify_all();
    } else {
        process.parent_told.store(true, Ordering::SeqCst);
    }
}

/// The children of `process`, which ended, go to pid 1 (Linux's
/// `forget_original_parent`): they report with SIGCHLD from now on, get
/// their parent-death signal, and those that are zombies already tell
/// their new parent. A process group this leaves orphaned with stopped
/// members gets SIGHUP and SIGCONT.
fn reparent_orphans(kernel: &Kernel, process: &Process) {
    let orphans = std::mem::take(&mut *lock(&process.children));
    if orphans.is_empty() {
        return;
    }
    let Some(init) = kernel.process(1).filter(|i| i.pid != process.pid) else {
        return;
    };
    {
        let mut kids = lock(&init.children);
        for o in &orphans {
            o.ppid.store(1, Ordering::Relaxed);
            o.parent_tid.store(1, Ordering::Relaxed);
            o.exit_signal.store(libc::SIGCHLD, Ordering::Relaxed);
            kids.push(o.clone());
        }
    }
    for o in &orphans {
        send_pdeath_signals(kernel, process, o);
        crate::pgrp::check_orphaned(kernel, o, Some(process));
        let status = *lock(&o.exit_status);
        if let Some(status) = status {
            if crate::signal::send::child_ended(kernel, o, status) {
                lock(&init.children).retain(|c| c.pid != o.pid);
                reap(kernel, o);
            }
        }
    }
    let _kids = lock(&init.children);
    init.child_changed.notify_all();
}

/// Thread `tid` of `process` ended (or an exec ended it) while the
/// process goes on: thread `heir` becomes the parent of the children `tid`
/// made, and they get their parent-death signal (Linux's parent is a
/// thread).
pub fn parent_thread_ended(kernel: &Kernel, process: &Process, tid: i32, heir: i32) {
    let kids: Vec<Arc<Process>> = lock(&process.children)
        .iter()
        .filter(|c| c.parent_tid() == tid)
        .cloned()
        .collect();
    for child in kids {
        child.parent_tid.store(heir, Ordering::Relaxed);
        send_pdeath_signals(kernel, process, &child);
    }
}

/// `child`'s parent thread, of `parent`, ended: each parent-death signal
/// its threads set goes to it, from the parent (`SI_USER`).
fn send_pdeath_signals(kernel: &Kernel, parent: &Process, child: &Arc<Process>) {
    if lock(&child.exit_status).is_some() {
        return;
    }
    let uid = lock(&parent.creds).uid;
    for sig in child.threads.pdeath_signals() {
        let info = SigInfo::from_process(sig, SI_USER, parent.pid, uid);
        let _ = crate::signal::send_to_process(kernel, child, info, None);
    }
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

/// What a wait reports of a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEvent {
    /// It ended; `core` when a core dump is reported (a core-dumping
    /// signal and a non-zero RLIMIT_CORE, as the host would have dumped
    /// one).
    Exited { status: ExitStatus, core: bool },
    /// It stopped with this signal (`WUNTRACED`/`WSTOPPED`).
    Stopped(i32),
    /// SIGCONT resumed it (`WCONTINUED`).
    Continued,
}

/// A stop or continue of a process that its parent has not waited for
/// yet (Linux's `group_exit_code` with `SIGNAL_STOP_STOPPED`, and
/// `SIGNAL_STOP_CONTINUED`): each is reported once, and a new one
/// replaces the last (a stop that was continued is no longer reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEvent {
    Stopped(i32),
    Continued,
}

/// A child as a wait reports it.
#[derive(Debug, Clone, Copy)]
pub struct Reaped {
    pub pid: i32,
    pub uid: u32,
    pub event: ChildEvent,
    /// The child's resource usage (with its own reaped children's); for
    /// a stop or continue only that of its reaped children.
    pub usage: crate::rusage::Usage,
}

impl Reaped {
    /// The `int` status wait4 stores.
    pub fn wait_status(&self) -> i32 {
        match self.event {
            ChildEvent::Exited {
                status: ExitStatus::Code(c),
                ..
            } => (c & 0xff) << 8,
            ChildEvent::Exited {
                status: ExitStatus::Signaled(s),
                core,
            } => s | if core { 0x80 } else { 0 },
            ChildEvent::Stopped(s) => (s << 8) | 0x7f,
            ChildEvent::Continued => 0xffff,
        }
    }

    /// waitid's `si_code` (`CLD_*`) and `si_status`.
    pub fn code_and_status(&self) -> (i32, i32) {
        use trapline_abi::signal::{
            CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED,
        };
        match self.event {
            ChildEvent::Exited {
                status: ExitStatus::Code(c),
                ..
            } => (CLD_EXITED, c),
            ChildEvent::Exited {
                status: ExitStatus::Signaled(s),
                core,
            } => (if core { CLD_DUMPED } else { CLD_KILLED }, s),
            ChildEvent::Stopped(s) => (CLD_STOPPED, s),
            ChildEvent::Continued => (CLD_CONTINUED, libc::SIGCONT),
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

/// Waits for a child matching `target` to end, stop or continue;
/// `options` are waitid's (`WEXITED`, `WSTOPPED`, `WCONTINUED`,
/// `WNOHANG`, `WNOWAIT`, `__WALL`, `__WCLONE`; wait4 adds `WEXITED`).
/// `Ok(None)` with `WNOHANG` when nothing is to be reported yet; `ECHILD`
/// when there is no such child; `EINTR` when a signal for the guest
/// arrives. With `WNOWAIT` the child stays a zombie, and a stop or
/// continue stays to be reported.
pub fn wait_child(task: &Task, target: WaitTarget, options: i32) -> Result<Option<Reaped>, Errno> {
    let process = &task.process;
    let mut kids = lock(&process.children);
    loop {
        if !kids.iter().any(|c| eligible(c, target, options)) {
            return Err(Errno::ECHILD);
        }
        // As Linux's do_wait: the first child with something to report.
        let found = kids
            .iter()
            .enumerate()
            .filter(|(_, c)| eligible(c, target, options))
            .find_map(|(i, c)| take_event(c, options).map(|e| (i, e)));
        if let Some((i, event)) = found {
            let child = kids[i].clone();
            if matches!(event, ChildEvent::Exited { .. }) && options & libc::WNOWAIT == 0 {
                kids.remove(i);
                drop(kids);
                reap(&task.kernel, &child);
                let usage = lifetime_usage(&child);
                *lock(&process.children_usage) += usage;
                return Ok(Some(reaped(&child, event, usage)));
            }
            let usage = match event {
                ChildEvent::Exited { .. } => lifetime_usage(&child),
                _ => *lock(&child.children_usage),
            };
            return Ok(Some(reaped(&child, event, usage)));
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

/// What `child` has to report to a wait with `options`, in Linux's order
/// (an end, then a stop, then a continue). A stop or continue is taken
/// off the child unless `WNOWAIT`.
fn take_event(child: &Process, options: i32) -> Option<ChildEvent> {
    if let Some(status) = *lock(&child.exit_status) {
        if options & libc::WEXITED == 0 || !child.parent_told.load(Ordering::SeqCst) {
            return None;
        }
        let core_limit = lock(&child.rlimits)
            .get(libc::RLIMIT_CORE)
            .map_or(0, |l| l.cur);
        let core = matches!(status, ExitStatus::Signaled(s) if dumps_core(s)) && core_limit > 0;
        return Some(ChildEvent::Exited { status, core });
    }
    let mut job = lock(&child.job_event);
    let event = match *job {
        Some(JobEvent::Stopped(sig)) if options & libc::WSTOPPED != 0 => ChildEvent::Stopped(sig),
        Some(JobEvent::Continued) if options & libc::WCONTINUED != 0 => ChildEvent::Continued,
        _ => return None,
    };
    if options & libc::WNOWAIT == 0 {
        *job = None;
    }
    Some(event)
}

/// A child's own usage at its end, with that of its reaped children.
fn lifetime_usage(child: &Process) -> crate::rusage::Usage {
    let mut usage = *lock(&child.usage_at_exit);
    usage += *lock(&child.children_usage);
    usage
}

fn reaped(child: &Process, event: ChildEvent, usage: crate::rusage::Usage) -> Reaped {
    Reaped {
        pid: child.pid,
        uid: lock(&child.creds).uid,
        event,
        usage,
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
