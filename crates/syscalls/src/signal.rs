//! Signals: dispositions, masks, sending, waiting, alternate stacks and
//! returning from handlers. The kernel side (queues, delivery, frames) is
//! `trapline_kernel::signal`.

use std::time::{Duration, Instant};

use trapline_abi::signal::{SigInfo, StackT, SA_KNOWN, SI_TKILL, SI_USER};
use trapline_kernel::signal::{
    self, bit, deliver, handler_ignores, send_to_process, send_to_thread, Sender, SigAction, NSIG,
    UNBLOCKABLE,
};
use trapline_kernel::Process;

use crate::prelude::*;

/// The size of `sigset_t` the kernel ABI uses (64 signals).
const SIGSET_SIZE: usize = 8;

pub(crate) fn valid_signal(sig: i32) -> bool {
    (0..=NSIG as i32).contains(&sig)
}

syscall! {
    Implemented => fn rt_sigaction(task, sig: i32, act: UserAddr, oact: UserAddr, sigsetsize: usize) -> SysResult {
        if sigsetsize != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        let new: Option<SigAction> = if act.is_null() {
            None
        } else {
            Some(read_obj(&task.mem(), act.0)?)
        };
        if sig < 1 || sig as usize > NSIG || (new.is_some() && bit(sig) & UNBLOCKABLE != 0) {
            return Err(Errno::EINVAL);
        }
        let old = {
            let mut actions = lock(&task.process.signals);
            let old = actions.get(sig as usize).unwrap_or_default();
            if let Some(mut a) = new {
                // Unknown flags are dropped, so that a program can tell
                // what the kernel supports (Linux's UAPI_SA_FLAGS).
                a.flags &= SA_KNOWN;
                a.mask &= !UNBLOCKABLE;
                actions.set(sig as usize, a);
                // Setting a signal to be ignored discards it where pending.
                if handler_ignores(&a, sig) {
                    task.process.sig.flush(bit(sig));
                }
            }
            old
        };
        if !oact.is_null() {
            write_obj(&task.mem(), oact.0, &old)?;
        }
        Ok(0)
    }
}

syscall! {
    Implemented => fn rt_sigprocmask(task, how: i32, set: UserAddr, oset: UserAddr, sigsetsize: usize) -> SysResult {
        if sigsetsize != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        let thr = deliver::thread(task);
        let old = thr.blocked();
        if !set.is_null() {
            let s: u64 = read_obj(&task.mem(), set.0)?;
            let new = match how {
                libc::SIG_BLOCK => old | s,
                libc::SIG_UNBLOCK => old & !s,
                libc::SIG_SETMASK => s,
                _ => return Err(Errno::EINVAL),
            };
            // Newly unblocked pending signals are delivered before the
            // call returns to the guest.
            deliver::set_blocked(task, &thr, new);
        }
        if !oset.is_null() {
            write_obj(&task.mem(), oset.0, &old)?;
        }
        Ok(0)
    }
}

syscall! {
    Implemented => fn rt_sigpending(task, set: UserAddr, sigsetsize: usize) -> SysResult {
        if sigsetsize > SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        let pending = deliver::pending_blocked(task);
        task.mem().write(set.0, &pending.to_ne_bytes()[..sigsetsize])?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn rt_sigsuspend(task, unewset: UserAddr, sigsetsize: usize) -> SysResult {
        if sigsetsize != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        let mask: u64 = read_obj(&task.mem(), unewset.0)?;
        deliver::sigsuspend(task, mask)
    }
}

syscall! {
    Implemented => fn pause(task) -> SysResult {
        deliver::pause(task)
    }
}

syscall! {
    Implemented => fn rt_sigtimedwait(task, uthese: UserAddr, uinfo: UserAddr, uts: UserAddr, sigsetsize: usize) -> SysResult {
        if sigsetsize != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        let set: u64 = read_obj(&task.mem(), uthese.0)?;
        let deadline = if uts.is_null() {
            None
        } else {
            let ts: trapline_abi::structs::Timespec = read_obj(&task.mem(), uts.0)?;
            if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                return Err(Errno::EINVAL);
            }
            let d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
            // A timeout too far away to represent never comes.
            Instant::now().checked_add(d)
        };
        let info = deliver::sigtimedwait(task, set, deadline)?;
        if !uinfo.is_null() {
            write_obj(&task.mem(), uinfo.0, &info)?;
        }
        Ok(info.signo as u64)
    }
}

syscall! {
    Implemented => fn rt_sigreturn(task) -> SysResult {
        signal::sigreturn(task)
    }
}

syscall! {
    Implemented => fn restart_syscall(task) -> SysResult {
        deliver::run_restart_block(task)
    }
}

syscall! {
    Implemented => fn sigaltstack(task, uss: UserAddr, uoss: UserAddr) -> SysResult {
        let new: Option<StackT> = if uss.is_null() {
            None
        } else {
            Some(read_obj(&task.mem(), uss.0)?)
        };
        let thr = deliver::thread(task);
        let old = thr.sigaltstack(new.as_ref(), task.regs.sp())?;
        if !uoss.is_null() {
            write_obj(&task.mem(), uoss.0, &old)?;
        }
        Ok(0)
    }
}

/// A live process (not a zombie) by pid.
fn live(p: &Process) -> bool {
    lock(&p.exit_status).is_none()
}

/// Sends `sig` from `task` to process `target` with the permission check
/// of kill. A zombie takes it and nothing happens.
pub(crate) fn kill_one(
    task: &Task,
    sender: &Sender,
    target: &std::sync::Arc<Process>,
    info: SigInfo,
) -> Result<(), Errno> {
    if !sender.may_signal(target, info.signo) {
        return Err(Errno::EPERM);
    }
    if !live(target) {
        return Ok(());
    }
    send_to_process(&task.kernel, target, info, Some(sender))
}

/// kill's group cases: every process matching `pick`; `ESRCH` when none
/// does, else success if any send succeeded (else the last error).
fn kill_many(
    task: &Task,
    sender: &Sender,
    info: SigInfo,
    pick: impl Fn(&Process) -> bool,
) -> SysResult {
    let mut found = false;
    let mut ok = false;
    let mut last = Errno::ESRCH;
    for p in task.kernel.processes_snapshot() {
        if !pick(&p) {
            continue;
        }
        found = true;
        match kill_one(task, sender, &p, info) {
            Ok(()) => ok = true,
            Err(e) => last = e,
        }
    }
    match (found, ok) {
        (false, _) => Err(Errno::ESRCH),
        (true, true) => Ok(0),
        (true, false) => Err(last),
    }
}

syscall! {
    Implemented => fn kill(task, pid: i32, sig: i32) -> SysResult {
        if !valid_signal(sig) {
            return Err(Errno::EINVAL);
        }
        let sender = Sender::of(task);
        let info = SigInfo::from_process(sig, SI_USER, sender.pid, sender.uid);
        match pid {
            p if p > 0 => {
                // A pid, or the tid of any thread of the process.
                let target = task
                    .kernel
                    .process(p)
                    .or_else(|| trapline_kernel::thread::find_task(&task.kernel, p).map(|(proc, _)| proc))
                    .ok_or(Errno::ESRCH)?;
                kill_one(task, &sender, &target, info)?;
                Ok(0)
            }
            0 => {
                let g = task.process.pgid();
                kill_many(task, &sender, info, |p| p.pgid() == g)
            }
            -1 => {
                let me = task.process.pid;
                kill_many(task, &sender, info, |p| p.pid > 1 && p.pid != me)
            }
            i32::MIN => Err(Errno::ESRCH),
            p => kill_many(task, &sender, info, |q| q.pgid() == -p),
        }
    }
}

/// tkill and tgkill: a signal to one thread (`tgid` 0: any process).
fn send_to_tid(task: &Task, tgid: i32, tid: i32, info: SigInfo) -> SysResult {
    let (process, _) = trapline_kernel::thread::find_task(&task.kernel, tid).ok_or(Errno::ESRCH)?;
    if tgid > 0 && process.pid != tgid {
        return Err(Errno::ESRCH);
    }
    if !valid_signal(info.signo) {
        return Err(Errno::EINVAL);
    }
    let sender = Sender::of(task);
    if !sender.may_signal(&process, info.signo) {
        return Err(Errno::EPERM);
    }
    match send_to_thread(&task.kernel, &process, tid, info, Some(&sender)) {
        // A thread that just ended took it with it.
        Ok(()) | Err(Errno::ESRCH) => Ok(0),
        Err(e) => Err(e),
    }
}

syscall! {
    Implemented => fn tgkill(task, tgid: i32, pid: i32, sig: i32) -> SysResult {
        if tgid <= 0 || pid <= 0 {
            return Err(Errno::EINVAL);
        }
        let info = SigInfo::from_process(sig, SI_TKILL, task.process.pid, lock(&task.process.creds).uid);
        send_to_tid(task, tgid, pid, info)
    }
}

syscall! {
    Implemented => fn tkill(task, pid: i32, sig: i32) -> SysResult {
        if pid <= 0 {
            return Err(Errno::EINVAL);
        }
        let info = SigInfo::from_process(sig, SI_TKILL, task.process.pid, lock(&task.process.creds).uid);
        send_to_tid(task, 0, pid, info)
    }
}

/// Reads a `siginfo_t` a guest wants to send with sigqueue. A guest may
/// not pretend to be the kernel or kill()/tkill() for another process
/// (`EPERM`), as on Linux.
fn queued_info(task: &Task, sig: i32, uinfo: UserAddr, target_pid: i32) -> Result<SigInfo, Errno> {
    let mut info: SigInfo = read_obj(&task.mem(), uinfo.0)?;
    info.signo = sig;
    if (info.code >= 0 || info.code == SI_TKILL) && target_pid != task.tid {
        return Err(Errno::EPERM);
    }
    Ok(info)
}

syscall! {
    Implemented => fn rt_sigqueueinfo(task, tgid: i32, sig: i32, uinfo: UserAddr) -> SysResult {
        let info = queued_info(task, sig, uinfo, tgid)?;
        let target = if tgid > 0 { task.kernel.process(tgid) } else { None }.ok_or(Errno::ESRCH)?;
        if !valid_signal(sig) {
            return Err(Errno::EINVAL);
        }
        let sender = Sender::of(task);
        kill_one(task, &sender, &target, info)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn rt_tgsigqueueinfo(task, tgid: i32, tid: i32, sig: i32, uinfo: UserAddr) -> SysResult {
        if tid <= 0 || tgid <= 0 {
            return Err(Errno::EINVAL);
        }
        let info = queued_info(task, sig, uinfo, tid)?;
        send_to_tid(task, tgid, tid, info)
    }
}

/// Sends `sig` to the calling thread itself, as the kernel does for
/// SIGPIPE (`SI_USER` from the caller). 0 only checks.
pub(crate) fn signal_self(task: &mut Task, sig: i32) -> SysResult {
    if !valid_signal(sig) {
        return Err(Errno::EINVAL);
    }
    let sender = Sender::of(task);
    let info = SigInfo::from_process(sig, SI_USER, sender.pid, sender.uid);
    let process = task.process.clone();
    deliver::thread(task);
    send_to_thread(&task.kernel, &process, task.tid, info, Some(&sender))?;
    Ok(0)
}
