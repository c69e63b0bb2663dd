//! Generating signals (Linux's `send_signal`, `prepare_signal`,
//! `complete_signal`): stop signals and SIGCONT cancel each other, ignored
//! signals are discarded unless blocked, standard signals coalesce, a
//! process-directed signal goes to a thread that does not block it, a fatal
//! one ends the whole group at once, and the chosen thread's doorbell rings.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use trapline_abi::signal::{
    SigInfo, CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, SA_NOCLDSTOP,
    SA_NOCLDWAIT,
};
use trapline_abi::Errno;

use super::queue::Queued;
use super::state::{Group, ThreadSignals};
use super::{bit, default_action, handler_ignores, DefaultAction, SIG_DFL, SIG_IGN, STOP_SIGNALS};
use crate::kernel::Kernel;
use crate::process::{lock, Process};
use crate::run::ExitStatus;
use crate::wait::JobEvent;
use crate::Task;

/// Who sends a signal: for permission checks, `si_pid`/`si_uid`, and so
/// that a thread never rings its own doorbell (it looks at its queue
/// before it returns to the guest anyway).
#[derive(Debug, Clone, Copy)]
pub struct Sender {
    pub pid: i32,
    pub tid: i32,
    pub uid: u32,
    pub euid: u32,
    pub sid: i32,
}

impl Sender {
    pub fn of(task: &Task) -> Sender {
        let creds = lock(&task.process.creds);
        Sender {
            pid: task.process.pid,
            tid: task.tid,
            uid: creds.uid,
            euid: creds.euid,
            sid: task.process.sid(),
        }
    }

    /// Linux's `check_kill_permission` for a signal from a process: same
    /// process, matching user ids, or SIGCONT within the session.
    pub fn may_signal(&self, target: &Process, sig: i32) -> bool {
        if target.pid == self.pid || self.euid == 0 {
            return true;
        }
        let t = lock(&target.creds);
        let ok =
            self.euid == t.suid || self.euid == t.uid || self.uid == t.suid || self.uid == t.uid;
        ok || (sig == libc::SIGCONT && target.sid() == self.sid)
    }
}

/// Sends `info` to process `target` (process-directed). `sender` is the
/// sending thread, if a guest thread sends.
pub fn send_to_process(
    kernel: &Kernel,
    target: &Arc<Process>,
    info: SigInfo,
    sender: Option<&Sender>,
) -> Result<(), Errno> {
    send(kernel, target, None, info, sender)
}

/// Sends `info` to thread `tid` of process `target` (thread-directed).
/// `ESRCH` when it has no such live thread.
pub fn send_to_thread(
    kernel: &Kernel,
    target: &Arc<Process>,
    tid: i32,
    info: SigInfo,
    sender: Option<&Sender>,
) -> Result<(), Errno> {
    let thr = match target.sig.thread(tid) {
        Some(t) => t,
        // A thread just created, whose host thread has not started yet.
        None if target.threads.contains(tid) => target.sig.attach(tid, 0),
        None => return Err(Errno::ESRCH),
    };
    send(kernel, target, Some(&thr), info, sender)
}

/// Queues a synchronous fault for thread `thr` of `task` (Linux's
/// `force_sig_info`): if the thread blocks it or ignores it, the signal is
/// unblocked and its action reset to the default, so a fault can never be
/// lost.
pub fn force(task: &mut Task, thr: &ThreadSignals, info: SigInfo) {
    let sig = info.signo;
    {
        let process = task.process.clone();
        let mut actions = lock(&process.signals);
        let mut a = actions.get(sig as usize).unwrap_or_default();
        let blocked = thr.blocked() & bit(sig) != 0;
        if blocked || a.handler == SIG_IGN {
            a.handler = SIG_DFL;
            actions.set(sig as usize, a);
        }
        if blocked {
            super::deliver::set_blocked(task, thr, thr.blocked() & !bit(sig));
        }
    }
    let mut inner = thr.inner();
    let _ = inner.pending.push(info);
    thr.sync_pending(&inner);
}

fn send(
    kernel: &Kernel,
    target: &Arc<Process>,
    thread: Option<&Arc<ThreadSignals>>,
    info: SigInfo,
    sender: Option<&Sender>,
) -> Result<(), Errno> {
    let sig = info.signo;
    if sig == 0 {
        return Ok(());
    }
    let ps = &target.sig;
    let continued;
    {
        let actions = lock(&target.signals);
        let action = actions.get(sig as usize).unwrap_or_default();
        let mut g = ps.group();
        if g.exit.is_some() {
            return Ok(());
        }
        continued = prepare_stop_continue(ps, &mut g, sig);
        // Ignored signals are discarded, unless the receiver blocks them
        // (it may install a handler before it unblocks them).
        let receiver_blocks = match thread {
            Some(t) => t.blocked() | t.real_blocked(),
            None => g
                .threads
                .iter()
                .find(|t| t.tid() == target.pid)
                .or(g.threads.first())
                .map_or(0, |t| t.blocked() | t.real_blocked()),
        };
        let unstoppable = sig == libc::SIGKILL || sig == libc::SIGSTOP;
        if !unstoppable && receiver_blocks & bit(sig) == 0 && handler_ignores(&action, sig) {
            drop(g);
            drop(actions);
            if kernel.observer().is_some() {
                ps.trace_ignored(info);
            }
            if continued {
                notify_parent_stop(kernel, target, JobEvent::Continued);
            }
            return Ok(());
        }
        let queued = match thread {
            Some(t) => {
                let mut inner = t.inner();
                let q = inner.pending.push(info);
                t.sync_pending(&inner);
                q
            }
            None => {
                let q = g.shared.push(info);
                ps.sync_shared(&g);
                q
            }
        };
        if queued == Queued::Full {
            return Err(Errno::EAGAIN);
        }
        // Who takes it: the addressed thread, or for the process the
        // sender itself if it is one of its threads, else the next thread
        // (round robin) that does not block it.
        // A stopped group takes nothing but SIGKILL until SIGCONT (Linux's
        // wants_signal): the rest stays pending.
        let stopped = g.stopped.is_some();
        let wants =
            |t: &ThreadSignals| sig == libc::SIGKILL || (!stopped && t.blocked() & bit(sig) == 0);
        let chosen = match thread {
            Some(t) => wants(t).then(|| t.clone()),
            None => {
                let me = sender
                    .filter(|s| s.pid == target.pid)
                    .and_then(|s| g.threads.iter().find(|t| t.tid() == s.tid && wants(t)));
                match me {
                    Some(t) => Some(t.clone()),
                    None => {
                        let n = g.threads.len();
                        let start = g.next_target;
                        let found = (0..n)
                            .map(|i| (start + i) % n.max(1))
                            .find(|&i| wants(&g.threads[i]));
                        if let Some(i) = found {
                            g.next_target = (i + 1) % n.max(1);
                        }
                        found.map(|i| g.threads[i].clone())
                    }
                }
            }
        };
        let fatal = action.handler == SIG_DFL
            && matches!(
                default_action(sig),
                DefaultAction::Terminate | DefaultAction::Core
            );
        // A thread in rt_sigtimedwait for it takes it instead.
        let waited = chosen
            .as_ref()
            .is_some_and(|t| t.real_blocked() & bit(sig) != 0);
        match chosen {
            Some(_) if (fatal && !waited) || sig == libc::SIGKILL => {
                // The whole group ends now: every thread is woken and sees it.
                g.exit = Some(ExitStatus::Signaled(sig));
                g.stopped = None;
                ps.sync_state(&g);
                for t in &g.threads {
                    if sender.is_none_or(|s| s.tid != t.tid() || s.pid != target.pid) {
                        t.ring();
                    }
                }
            }
            Some(t) if sender.is_none_or(|s| s.tid != t.tid() || s.pid != target.pid) => t.ring(),
            _ => {}
        }
    }
    if continued {
        notify_parent_stop(kernel, target, JobEvent::Continued);
    }
    Ok(())
}

/// Linux's `prepare_signal` for stop signals and SIGCONT: each cancels
/// the pending others, and SIGCONT resumes a stopped group. Returns whether
/// the group was resumed.
fn prepare_stop_continue(ps: &super::ProcessSignals, g: &mut Group, sig: i32) -> bool {
    let flush = |g: &mut Group, mask: u64| {
        g.shared.flush(mask);
        for t in &g.threads {
            let mut inner = t.inner();
            inner.pending.flush(mask);
            t.sync_pending(&inner);
        }
    };
    if bit(sig) & STOP_SIGNALS != 0 {
        flush(g, bit(libc::SIGCONT));
        ps.sync_shared(g);
        false
    } else if sig == libc::SIGCONT {
        flush(g, STOP_SIGNALS);
        ps.sync_shared(g);
        let was_stopped = g.stopped.take().is_some();
        if was_stopped {
            ps.sync_state(g);
            for t in &g.threads {
                let _inner = t.inner();
                t.wake.notify_all();
            }
        }
        was_stopped
    } else {
        false
    }
}

/// Tells `process`'s parent that it stopped or continued: SIGCHLD with
/// `CLD_STOPPED`/`CLD_CONTINUED` unless the parent set `SA_NOCLDSTOP`,
/// and the event for its waits (`WUNTRACED`, `WCONTINUED`).
pub(crate) fn notify_parent_stop(kernel: &Kernel, process: &Process, event: JobEvent) {
    let (code, status) = match event {
        JobEvent::Stopped(sig) => (CLD_STOPPED, sig),
        JobEvent::Continued => (CLD_CONTINUED, libc::SIGCONT),
    };
    let Some(parent) = kernel.process(process.ppid()) else {
        *lock(&process.job_event) = Some(event);
        return;
    };
    // Under the lock waiters check with, the event and the signal come
    // together: a wait that reports the event returns with the signal
    // pending, and one the signal interrupts finds the event.
    let _kids = lock(&parent.children);
    *lock(&process.job_event) = Some(event);
    let act = lock(&parent.signals)
        .get(libc::SIGCHLD as usize)
        .unwrap_or_default();
    if act.flags & SA_NOCLDSTOP == 0 && act.handler != SIG_IGN {
        let uid = lock(&process.creds).uid;
        let info = SigInfo::child(libc::SIGCHLD, code, process.pid, uid, status);
        let _ = send_to_process(kernel, &parent, info, None);
    }
    parent.child_changed.notify_all();
}

/// A child ended: sends its parent its exit signal (SIGCHLD, or what
/// clone asked for; SIGCHLD again if the parent exec'd since) with
/// `CLD_EXITED`, `CLD_KILLED` or `CLD_DUMPED`, its pid, uid and status.
/// Returns whether the child must be reaped at once instead of becoming a
/// zombie: its signal is SIGCHLD and the parent's SIGCHLD is `SIG_IGN` or
/// has `SA_NOCLDWAIT` (then `SIG_IGN` sends nothing), as Linux's
/// `do_notify_parent`.
pub fn child_ended(kernel: &Kernel, child: &Process, status: ExitStatus) -> bool {
    let Some(parent) = kernel.process(child.ppid()) else {
        return false;
    };
    if parent.pid == child.pid {
        return false;
    }
    let (code, value) = match status {
        ExitStatus::Code(c) => (CLD_EXITED, c & 0xff),
        ExitStatus::Signaled(s) => {
            let core_limit = lock(&child.rlimits)
                .get(libc::RLIMIT_CORE)
                .map_or(0, |l| l.cur);
            let core = crate::wait::dumps_core(s) && core_limit > 0;
            (if core { CLD_DUMPED } else { CLD_KILLED }, s)
        }
    };
    let mut sig = child.exit_signal();
    let parent_exec_id = parent.exec_id.load(Ordering::Relaxed);
    if sig != libc::SIGCHLD && child.parent_exec_id.load(Ordering::Relaxed) != parent_exec_id {
        sig = libc::SIGCHLD;
    }
    let act = lock(&parent.signals)
        .get(libc::SIGCHLD as usize)
        .unwrap_or_default();
    let autoreap =
        sig == libc::SIGCHLD && (act.handler == SIG_IGN || act.flags & SA_NOCLDWAIT != 0);
    if sig == libc::SIGCHLD && act.handler == SIG_IGN {
        sig = 0;
    }
    if (1..=super::NSIG as i32).contains(&sig) {
        let uid = lock(&child.creds).uid;
        let info = SigInfo::child(sig, code, child.pid, uid, value);
        let _ = send_to_process(kernel, &parent, info, None);
    }
    autoreap
}
