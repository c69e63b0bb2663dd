//! Delivery: what a task does with its pending signals before it returns
//! to the guest (Linux's `get_signal` and `handle_signal`), the restart of
//! interrupted calls, host signals turned into guest signals, and the
//! kernel's own interruptible waits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use trapline_abi::signal::{
    SigInfo, SA_NODEFER, SA_RESETHAND, SA_RESTART, SI_KERNEL, SI_USER, SS_AUTODISARM,
};
use trapline_abi::Errno;

use super::state::{AltStack, ThreadSignals, DOORBELL, GROUP_EXIT, GROUP_STOP};
use super::{
    bit, default_action, handler_ignores, send, DefaultAction, SigAction, SIG_DFL, SIG_IGN,
};
use crate::process::{lock, Process};
use crate::run::ExitStatus;
use crate::Task;

/// How often a kernel wait looks for host signals (Ctrl-C) that have not
/// reached the kernel's queue yet: they wait on the stopped host thread.
const HOST_CHECK: Duration = Duration::from_millis(50);

/// `__NR_restart_syscall`.
const NR_RESTART_SYSCALL: u64 = 219;

/// The signal state of `task`'s thread (created on first use).
pub fn thread(task: &Task) -> Arc<ThreadSignals> {
    task.process.sig.attach(task.tid, task.signal_mask)
}

/// The signal state of a task that starts running (the run loop): its
/// mask is the task's, its host thread the tracee's.
pub fn attach(task: &Task) -> Arc<ThreadSignals> {
    let thr = thread(task);
    thr.store_blocked(task.signal_mask);
    thr.set_host(task.tracee.host_pid());
    thr
}

/// Runs the restart block an `ERESTART_RESTARTBLOCK` left (what
/// `restart_syscall` does). Without one, the call fails with a plain
/// `EINTR` that nothing restarts.
pub fn run_restart_block(task: &mut Task) -> crate::SysResult {
    let thr = thread(task);
    let f = thr.inner().restart.take();
    match f {
        Some(f) => f(task),
        None => Ok(Errno::EINTR.as_return()),
    }
}

/// Sets the restart block of `task`'s thread, for a handler that returns
/// `ERESTART_RESTARTBLOCK`.
pub fn set_restart_block(task: &Task, f: super::RestartFn) {
    thread(task).inner().restart = Some(f);
}

/// Sets `task`'s blocked mask (SIGKILL and SIGSTOP are never blocked).
/// Process-directed signals the thread now blocks are handed to another
/// thread that does not (Linux's `retarget_shared_pending`).
pub fn set_blocked(task: &mut Task, thr: &ThreadSignals, mask: u64) {
    let old = thr.blocked();
    thr.store_blocked(mask);
    task.signal_mask = thr.blocked();
    let newly = thr.blocked() & !old;
    let shared = task.process.sig.shared_pending() & newly;
    if shared != 0 {
        let g = task.process.sig.group();
        if let Some(t) = g
            .threads
            .iter()
            .find(|t| t.tid() != thr.tid() && shared & !t.blocked() != 0)
        {
            t.ring();
        }
    }
}

/// Whether a blocking call of `task` must end now (with `EINTR` or a
/// restart code): a signal it does not block is pending in the kernel, the
/// group is exiting or stopping, or a host signal (Ctrl-C) that the guest
/// does not ignore waits on its host thread.
pub fn interrupted(task: &Task) -> bool {
    if task.thread.killed() {
        return true;
    }
    match task.process.sig.thread(task.tid) {
        Some(thr) => interrupted_with(&thr, &task.process, task.tracee.host_pid()),
        None => host_pending(task.tracee.host_pid(), &task.process, task.signal_mask),
    }
}

/// [`interrupted`] without the `Task` (the vfs's blocking waits ask it
/// through the hook the run loop installs). Cheap when nothing is pending
/// in the kernel: then one read of /proc for host signals.
pub fn interrupted_with(thr: &ThreadSignals, process: &Process, host_pid: i32) -> bool {
    process.sig.deliverable(thr) || host_pending(host_pid, process, thr.blocked())
}

/// Whether a host signal the guest neither blocks nor ignores is queued on
/// host thread `host_pid` (from /proc). The doorbell and SIGSTOP (see
/// [`host_signal`]) do not count. A host process that died under the
/// kernel (killed from outside: a zombie, or gone) counts as SIGKILL, so
/// that a blocking wait on its behalf ends and the run loop sees the death.
fn host_pending(host_pid: i32, process: &Process, blocked: u64) -> bool {
    let status = match std::fs::read_to_string(format!("/proc/{host_pid}/status")) {
        Ok(s) => s,
        Err(e) => return e.kind() == std::io::ErrorKind::NotFound,
    };
    let mut pending = 0;
    for line in status.lines() {
        if let Some(state) = line.strip_prefix("State:") {
            if matches!(state.trim_start().as_bytes().first(), Some(b'Z' | b'X')) {
                return true;
            }
        } else if let Some(v) = line
            .strip_prefix("SigPnd:")
            .or_else(|| line.strip_prefix("ShdPnd:"))
        {
            pending |= u64::from_str_radix(v.trim(), 16).unwrap_or(0);
        }
    }
    let pending = pending & !blocked & !bit(DOORBELL) & !bit(libc::SIGSTOP);
    if pending == 0 {
        return false;
    }
    let actions = lock(&process.signals);
    (1..=64).any(|sig: i32| {
        pending & bit(sig) != 0
            && actions
                .get(sig as usize)
                .is_some_and(|a| !handler_ignores(&a, sig) && !external_stop_dropped(&a, sig))
    })
}

/// Whether `task` is being killed: a fatal signal ends its group, or its
/// thread group is ending otherwise. What a killable (not interruptible)
/// wait looks at, such as vfork's (Linux's `TASK_KILLABLE`).
pub fn fatal_pending(task: &Task) -> bool {
    task.thread.killed() || task.process.sig.state() & GROUP_EXIT != 0
}

/// Waits until a signal is deliverable to `task` (or a host signal for it
/// is pending), or until `deadline`. Returns false on timeout. The wait
/// wakes at once when a signal is queued for the thread.
pub fn wait_for_signal(task: &Task, deadline: Option<Instant>) -> bool {
    let thr = thread(task);
    let ps = &task.process.sig;
    let host = task.tracee.host_pid();
    let mut next_host_check = Instant::now() + HOST_CHECK;
    loop {
        let mut inner = thr.inner();
        loop {
            if ps.deliverable(&thr) || task.thread.killed() {
                return true;
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return false;
            }
            if now >= next_host_check {
                break;
            }
            let until = deadline.map_or(next_host_check, |d| d.min(next_host_check));
            inner = match thr.wake.wait_timeout(inner, until - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        drop(inner);
        if host_pending(host, &task.process, thr.blocked()) {
            return true;
        }
        next_host_check = Instant::now() + HOST_CHECK;
    }
}

/// Sleeps for `d` on behalf of the guest; ends early, with the time left,
/// when a signal for the guest arrives.
pub fn sleep(task: &Task, d: Duration) -> Result<(), Duration> {
    // A time too far to represent is never reached.
    let deadline = Instant::now().checked_add(d);
    if wait_for_signal(task, deadline) {
        Err(deadline.map_or(d, |dl| dl.saturating_duration_since(Instant::now())))
    } else {
        Ok(())
    }
}

/// Takes the first pending signal of `thr` in `allowed` (its own queue
/// first, then the process's), as rt_sigtimedwait does.
pub fn dequeue(task: &Task, thr: &ThreadSignals, allowed: u64) -> Option<SigInfo> {
    let ps = &task.process.sig;
    let mut g = ps.group();
    let mut inner = thr.inner();
    let info = match inner.pending.next(!allowed) {
        Some(s) => inner.pending.take(s),
        None => {
            let s = g.shared.next(!allowed)?;
            g.shared.take(s)
        }
    };
    thr.sync_pending(&inner);
    ps.sync_shared(&g);
    info
}

/// Ends every thread of `process` with `status` (a fatal signal; also
/// usable by exit_group): each thread's tracer sees it at its next stop or
/// wait and ends its task. `except` is the calling thread, which ends
/// itself.
pub fn group_exit(process: &Process, status: ExitStatus, except: Option<i32>) {
    let ps = &process.sig;
    let mut g = ps.group();
    if g.exit.is_none() {
        g.exit = Some(status);
    }
    g.stopped = None;
    ps.sync_state(&g);
    for t in &g.threads {
        if Some(t.tid()) != except {
            t.ring();
        }
    }
}

/// Rewinds a syscall the handler interrupted (`code`, a restart code) so
/// that it runs again when the guest resumes: `rip` back over `syscall`,
/// `rax` the call's number again (or `restart_syscall`'s). Signal delivery
/// may then turn it into `EINTR` instead (see [`before_resume`]).
pub fn rewind(task: &mut Task, code: Errno) {
    let r = task.regs.user_regs_mut();
    r.rip = r.rip.wrapping_sub(2);
    r.rax = if code == Errno::ERESTART_RESTARTBLOCK {
        NR_RESTART_SYSCALL
    } else {
        r.orig_rax
    };
}

/// The host signals that are faults the guest thread caused itself.
fn is_fault(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP | libc::SIGSYS
    )
}

/// Whether a stop signal from outside is dropped: with its default action
/// it would stop the guest inside Trapline, where no shell's job control
/// can see or continue it (Trapline itself does not stop).
fn external_stop_dropped(action: &SigAction, sig: i32) -> bool {
    action.handler == SIG_DFL && default_action(sig) == DefaultAction::Stop
}

/// A host signal reached the guest's host thread (a signal-delivery stop,
/// or one that arrived during an injected call, then without `info`).
/// The doorbell only means "look at the queue". A fault becomes a forced
/// signal for this thread, with the host's siginfo (`si_code`, `si_addr`).
/// A signal from outside (Ctrl-C) becomes a process-directed signal from
/// nobody in the sandbox (`si_pid` 0).
pub fn host_signal(task: &mut Task, thr: &ThreadSignals, sig: i32, stopped_at_it: bool) {
    if sig == DOORBELL || sig == libc::SIGSTOP || !(1..=64).contains(&sig) {
        // SIGSTOP: the stop that hands a forked process to its tracer, or
        // one from outside, which Trapline does not pass on.
        return;
    }
    let mut info = SigInfo::kernel(sig);
    if stopped_at_it {
        if let Ok(bytes) = task.tracee.siginfo_bytes() {
            use trapline_abi::Plain;
            info.as_bytes_mut().copy_from_slice(&bytes);
            info.signo = sig;
        }
    }
    if is_fault(sig) && info.code > 0 {
        send::force(task, thr, info);
        return;
    }
    if info.code <= 0 {
        // Sent by a host process: outside the sandbox, so no pid.
        let uid = info.uid();
        info = SigInfo::from_process(sig, SI_USER, 0, uid);
    }
    // What the terminal generates (Ctrl-C, Ctrl-\, Ctrl-Z, a resize)
    // reaches every guest host process: it is for the terminal's
    // foreground group only. In a group a guest shell put in the
    // foreground, a stop is that shell's to see and continue.
    let mut job_control = false;
    if info.code == SI_KERNEL
        && matches!(
            sig,
            libc::SIGINT | libc::SIGQUIT | libc::SIGTSTP | libc::SIGWINCH
        )
    {
        let fg = task.kernel.terminal.foreground();
        if !crate::pgrp::Terminal::controls(&task.process) || task.process.pgid() != fg {
            return;
        }
        job_control = fg != 0;
    }
    let action = lock(&task.process.signals)
        .get(sig as usize)
        .unwrap_or_default();
    if !job_control && external_stop_dropped(&action, sig) {
        task.kernel.note(&format!(
            "trapline: {} from outside ignored: job control stops are not supported",
            super::name(sig)
        ));
        return;
    }
    // The host chose this thread: it takes the signal if it does not block
    // it (no doorbell to itself).
    let me = send::Sender::of(task);
    let _ = send::send_to_process(&task.kernel, &task.process.clone(), info, Some(&me));
}

/// Takes the next signal to deliver to `thr` with its action, applying
/// `SA_RESETHAND` (the action is reset when the handler is chosen).
fn dequeue_for_delivery(task: &Task, thr: &ThreadSignals) -> Option<(SigInfo, SigAction)> {
    let mut actions = lock(&task.process.signals);
    let info = dequeue(task, thr, !thr.blocked())?;
    let sig = info.signo;
    let action = actions.get(sig as usize).unwrap_or_default();
    if action.handler > SIG_IGN && action.flags & SA_RESETHAND != 0 {
        actions.set(
            sig as usize,
            SigAction {
                handler: SIG_DFL,
                ..action
            },
        );
    }
    Some((info, action))
}

/// Runs before `task` returns to the guest: delivers what is pending
/// (Linux's loop on exit to user mode). Default actions are taken here
/// (ignore, stop, continue, terminate); a handler gets a signal frame, and
/// more signals may stack theirs above it. `interrupted` holds the restart
/// code of a syscall that was rewound ([`rewind`]); the first handler
/// decides with `SA_RESTART` whether it runs again or returns `EINTR`.
/// Returns how the process ends, if a signal ends it.
pub fn before_resume(
    task: &mut Task,
    thr: &ThreadSignals,
    interrupted: &mut Option<Errno>,
) -> Option<ExitStatus> {
    let process = task.process.clone();
    let ps = &process.sig;
    if let Some(o) = task.kernel.observer() {
        for info in ps.take_traced_ignored() {
            lock(o).signal(task, &info);
        }
    }
    let mut delivered = false;
    // Bounded: each round takes a signal off a queue or waits out a stop.
    for _ in 0..4 * super::NSIG {
        if !ps.deliverable(thr) {
            break;
        }
        let state = ps.state();
        if state & GROUP_EXIT != 0 {
            return Some(
                ps.exit_status()
                    .unwrap_or(ExitStatus::Signaled(libc::SIGKILL)),
            );
        }
        if state & GROUP_STOP != 0 {
            park(task, thr);
            continue;
        }
        let Some((info, action)) = dequeue_for_delivery(task, thr) else {
            break;
        };
        let sig = info.signo;
        if let Some(o) = task.kernel.observer() {
            lock(o).signal(task, &info);
        }
        if action.handler == SIG_IGN {
            continue;
        }
        if action.handler == SIG_DFL {
            match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Continue => continue,
                DefaultAction::Stop => {
                    group_stop(task, thr, sig);
                    continue;
                }
                DefaultAction::Terminate | DefaultAction::Core => {
                    let status = ExitStatus::Signaled(sig);
                    group_exit(&process, status, Some(task.tid));
                    return Some(status);
                }
            }
        }
        if let Some(code) = interrupted.take() {
            let restart = match code {
                Errno::ERESTARTNOINTR => true,
                Errno::ERESTARTSYS | Errno::EINTR => action.flags & SA_RESTART != 0,
                _ => false,
            };
            if !restart {
                let r = task.regs.user_regs_mut();
                r.rip = r.rip.wrapping_add(2);
                r.rax = Errno::EINTR.as_return();
            }
        }
        let oldmask = thr.inner().saved_mask.take().unwrap_or(thr.blocked());
        match super::frame::setup(task, thr, &info, &action, oldmask) {
            Ok(()) => {
                let mut mask = thr.blocked() | action.mask;
                if action.flags & SA_NODEFER == 0 {
                    mask |= bit(sig);
                }
                set_blocked(task, thr, mask);
                let mut inner = thr.inner();
                if inner.altstack.flags & SS_AUTODISARM != 0 {
                    inner.altstack = AltStack::reset();
                }
                delivered = true;
            }
            Err(_) => force_sigsegv(task, thr, sig),
        }
    }
    if !delivered {
        // A host signal (Ctrl-C) that interrupted the call is still on its
        // way: the host stops the thread with it before the guest runs an
        // instruction, and the call's restart rule and the mask saved by
        // rt_sigsuspend wait for it.
        if interrupted.is_some() && host_pending(task.tracee.host_pid(), &process, thr.blocked()) {
            return None;
        }
        let saved = thr.inner().saved_mask.take();
        if let Some(m) = saved {
            set_blocked(task, thr, m);
        }
    }
    *interrupted = None;
    None
}

/// A frame could not be built (bad stack, no restorer): the thread gets
/// SIGSEGV, at its default action if it was SIGSEGV's frame that failed.
pub(crate) fn force_sigsegv(task: &mut Task, thr: &ThreadSignals, sig: i32) {
    if sig == libc::SIGSEGV {
        let mut actions = lock(&task.process.signals);
        let a = actions.get(sig as usize).unwrap_or_default();
        actions.set(
            sig as usize,
            SigAction {
                handler: SIG_DFL,
                ..a
            },
        );
    }
    send::force(task, thr, SigInfo::kernel(libc::SIGSEGV));
}

/// The group stops (a stop signal at its default action): the parent is
/// told, every thread parks until SIGCONT or SIGKILL.
fn group_stop(task: &mut Task, thr: &ThreadSignals, sig: i32) {
    let ps = &task.process.sig;
    {
        let mut g = ps.group();
        if g.exit.is_some() {
            return;
        }
        g.stopped = Some(sig);
        ps.sync_state(&g);
        for t in &g.threads {
            if t.tid() != thr.tid() {
                t.ring();
            }
        }
    }
    send::notify_parent_stop(
        &task.kernel,
        &task.process,
        crate::wait::JobEvent::Stopped(sig),
    );
    park(task, thr);
}

/// Waits while the group is stopped (and not exiting).
fn park(task: &Task, thr: &ThreadSignals) {
    let ps = &task.process.sig;
    let mut inner = thr.inner();
    loop {
        let s = ps.state();
        if s & GROUP_STOP == 0 || s & GROUP_EXIT != 0 || task.thread.killed() {
            return;
        }
        inner = match thr.wake.wait_timeout(inner, HOST_CHECK) {
            Ok((g, _)) => g,
            Err(p) => p.into_inner().0,
        };
    }
}

/// `rt_sigsuspend`: waits with `mask` as the blocked mask until a signal is
/// delivered; the handler's frame restores the old mask (Linux's
/// `saved_sigmask`). Always ends with `ERESTARTNOHAND` (`EINTR` once a
/// handler ran).
pub fn sigsuspend(task: &mut Task, mask: u64) -> crate::SysResult {
    let thr = thread(task);
    let old = thr.blocked();
    // A suspend run again internally (its signal went to another thread)
    // keeps the mask saved the first time.
    thr.inner().saved_mask.get_or_insert(old);
    set_blocked(task, &thr, mask);
    while !wait_for_signal(task, None) {}
    Err(Errno::ERESTARTNOHAND)
}

/// `pause`: waits until a signal is delivered.
pub fn pause(task: &Task) -> crate::SysResult {
    while !wait_for_signal(task, None) {}
    Err(Errno::ERESTARTNOHAND)
}

/// `rt_sigtimedwait`: takes a pending signal of `set`, waiting for one
/// until `deadline` if none is pending (`EAGAIN` then). While it waits,
/// the signals of `set` count as unblocked, so that they wake it.
pub fn sigtimedwait(
    task: &mut Task,
    set: u64,
    deadline: Option<Instant>,
) -> Result<SigInfo, Errno> {
    let thr = thread(task);
    let set = set & !super::UNBLOCKABLE;
    if let Some(info) = dequeue(task, &thr, set) {
        return Ok(info);
    }
    if deadline.is_some_and(|d| d <= Instant::now()) {
        return Err(Errno::EAGAIN);
    }
    let old = thr.blocked();
    thr.set_real_blocked(old);
    thr.store_blocked(old & !set);
    let woken = wait_for_signal(task, deadline);
    thr.store_blocked(old);
    thr.set_real_blocked(0);
    if let Some(info) = dequeue(task, &thr, set) {
        return Ok(info);
    }
    if woken {
        Err(Errno::ERESTARTNOHAND)
    } else {
        Err(Errno::EAGAIN)
    }
}

/// `rt_sigpending`: the pending signals the thread blocks.
pub fn pending_blocked(task: &Task) -> u64 {
    let thr = thread(task);
    (thr.pending() | task.process.sig.shared_pending()) & thr.blocked()
}
