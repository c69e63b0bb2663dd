//! Signal dispositions and masks (bookkeeping; delivery to guest handlers
//! is not implemented yet).

use trapline_kernel::signal::{SigAction, NSIG};

use crate::prelude::*;

/// The size of `sigset_t` the kernel ABI uses (64 signals).
const SIGSET_SIZE: usize = 8;

/// Signals that can be neither caught, blocked nor ignored.
fn unblockable() -> u64 {
    (1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1))
}

syscall! {
    Partial("dispositions are recorded, but signals are not yet delivered to guest handlers")
    => fn rt_sigaction(task, sig: i32, act: UserAddr, oact: UserAddr, sigsetsize: usize) -> SysResult {
        if sigsetsize != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        if sig < 1 || sig as usize > NSIG {
            return Err(Errno::EINVAL);
        }
        let new: Option<SigAction> = if act.is_null() {
            None
        } else {
            if sig == libc::SIGKILL || sig == libc::SIGSTOP {
                return Err(Errno::EINVAL);
            }
            let mut a: SigAction = read_obj(&task.mem(), act.0)?;
            a.mask &= !unblockable();
            Some(a)
        };
        let old = lock(&task.process.signals).get(sig as usize).unwrap_or_default();
        if !oact.is_null() {
            write_obj(&task.mem(), oact.0, &old)?;
        }
        if let Some(a) = new {
            lock(&task.process.signals).set(sig as usize, a);
        }
        Ok(0)
    }
}

syscall! {
    Partial("the mask is recorded, but signals are not yet delivered to guest handlers")
    => fn rt_sigprocmask(task, how: i32, set: UserAddr, oset: UserAddr, sigsetsize: usize) -> SysResult {
        if sigsetsize != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        let old = task.signal_mask;
        if !set.is_null() {
            let s: u64 = read_obj(&task.mem(), set.0)?;
            let new = match how {
                libc::SIG_BLOCK => old | s,
                libc::SIG_UNBLOCK => old & !s,
                libc::SIG_SETMASK => s,
                _ => return Err(Errno::EINVAL),
            };
            task.signal_mask = new & !unblockable();
        }
        if !oset.is_null() {
            write_obj(&task.mem(), oset.0, &old)?;
        }
        Ok(0)
    }
}

/// Sends `sig` to the calling process itself: 0 only checks, an ignored
/// signal is dropped, anything else takes its default action (delivery to
/// guest handlers is not implemented yet).
pub(crate) fn signal_self(task: &mut Task, sig: i32) -> SysResult {
    if !(0..=NSIG as i32).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    if sig == 0 {
        return Ok(0);
    }
    let action = lock(&task.process.signals)
        .get(sig as usize)
        .unwrap_or_default();
    let blocked = task.signal_mask & (1 << (sig - 1)) != 0;
    if action.handler == trapline_kernel::signal::SIG_IGN
        || (action.handler == trapline_kernel::signal::SIG_DFL
            && trapline_kernel::signal::default_is_ignore(sig))
    {
        return Ok(0);
    }
    if blocked {
        task.kernel.note(&format!(
            "trapline: {} is blocked; pending signals are not kept yet, so it is dropped",
            trapline_kernel::signal::name(sig)
        ));
        return Ok(0);
    }
    if action.handler > trapline_kernel::signal::SIG_IGN {
        task.kernel.note(&format!(
            "trapline: {} has a guest handler, but signal delivery is not implemented yet; taking the default action",
            trapline_kernel::signal::name(sig)
        ));
    }
    task.exit = Some(trapline_kernel::ExitStatus::Signaled(sig));
    Ok(0)
}

syscall! {
    Partial("only the calling process itself (other pids: ESRCH); guest handlers are not run yet")
    => fn kill(task, pid: i32, sig: i32) -> SysResult {
        let me = task.process.pid;
        if pid == me || pid == 0 || pid == -1 || pid == -task.process.pgid() {
            signal_self(task, sig)
        } else {
            Err(Errno::ESRCH)
        }
    }
}

syscall! {
    Partial("only the calling thread itself (others: ESRCH); guest handlers are not run yet")
    => fn tgkill(task, tgid: i32, pid: i32, sig: i32) -> SysResult {
        if tgid <= 0 || pid <= 0 {
            return Err(Errno::EINVAL);
        }
        if tgid != task.process.pid || pid != task.tid {
            return Err(Errno::ESRCH);
        }
        signal_self(task, sig)
    }
}

syscall! {
    Partial("only the calling thread itself (others: ESRCH); guest handlers are not run yet")
    => fn tkill(task, pid: i32, sig: i32) -> SysResult {
        if pid <= 0 {
            return Err(Errno::EINVAL);
        }
        if pid != task.tid {
            return Err(Errno::ESRCH);
        }
        signal_self(task, sig)
    }
}
