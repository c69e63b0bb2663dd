//! Waiting for children: wait4 and waitid.

use trapline_kernel::rusage::rusage_bytes;
use trapline_kernel::wait::{wait_child, Reaped, WaitTarget};

use crate::prelude::*;

const WNOHANG: i32 = libc::WNOHANG;
const WUNTRACED: i32 = libc::WUNTRACED;
const WCONTINUED: i32 = libc::WCONTINUED;
const WEXITED: i32 = libc::WEXITED;
const WNOWAIT: i32 = libc::WNOWAIT;
const WNOTHREAD: i32 = 0x2000_0000;
const WALL: i32 = 0x4000_0000;
const WCLONE: i32 = 0x8000_0000_u32 as i32;

syscall! {
    Partial("__WNOTHREAD is ignored; rusage has CPU times and maxrss only, and none of a stopped or continued child's own")
    => fn wait4(task, upid: i32, stat_addr: UserAddr, options: i32, ru: UserAddr) -> SysResult {
        if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WCLONE | WALL) != 0 {
            return Err(Errno::EINVAL);
        }
        let target = match upid {
            i32::MIN => return Err(Errno::ESRCH),
            -1 => WaitTarget::Any,
            0 => WaitTarget::Group(task.process.pgid()),
            p if p < 0 => WaitTarget::Group(-p),
            p => WaitTarget::Pid(p),
        };
        // WUNTRACED is waitid's WSTOPPED.
        let Some(r) = wait_child(task, target, options | WEXITED)? else {
            return Ok(0);
        };
        if !stat_addr.is_null() {
            write_obj(&task.mem(), stat_addr.0, &r.wait_status())?;
        }
        if !ru.is_null() {
            task.mem().write(ru.0, &rusage_bytes(&r.usage))?;
        }
        Ok(r.pid as u64)
    }
}

const P_ALL: i32 = 0;
const P_PID: i32 = 1;
const P_PGID: i32 = 2;
const P_PIDFD: i32 = 3;

/// The fields of `siginfo_t` waitid stores, as Linux does: `si_signo`,
/// `si_errno` and `si_code`, then `si_pid`, `si_uid` and `si_status`
/// (all zero when no child was waited for); the rest is left alone.
fn write_child_siginfo(task: &Task, infop: UserAddr, r: Option<&Reaped>) -> Result<(), Errno> {
    let (signo, code, pid, uid, status) = match r {
        None => (0, 0, 0, 0, 0),
        Some(r) => {
            let (code, status) = r.code_and_status();
            (libc::SIGCHLD, code, r.pid, r.uid as i32, status)
        }
    };
    let words = |v: &[i32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_ne_bytes()).collect() };
    let mem = task.mem();
    mem.write(infop.0, &words(&[signo, 0, code]))?;
    mem.write(infop.0.wrapping_add(16), &words(&[pid, uid, status]))?;
    Ok(())
}

syscall! {
    Partial("__WNOTHREAD is ignored; rusage as wait4's")
    => fn waitid(task, which: i32, upid: i32, infop: UserAddr, options: i32, ru: UserAddr) -> SysResult {
        if options & !(WNOHANG | WNOWAIT | WEXITED | libc::WSTOPPED | WCONTINUED | WNOTHREAD | WCLONE | WALL) != 0
            || options & (WEXITED | libc::WSTOPPED | WCONTINUED) == 0
        {
            return Err(Errno::EINVAL);
        }
        // A pidfd opened with O_NONBLOCK makes the wait not block, and
        // "nothing yet" is then EAGAIN.
        let mut nonblock = false;
        let target = match which {
            P_ALL => WaitTarget::Any,
            P_PID if upid > 0 => WaitTarget::Pid(upid),
            P_PGID if upid == 0 => WaitTarget::Group(task.process.pgid()),
            P_PGID if upid > 0 => WaitTarget::Group(upid),
            P_PIDFD if upid >= 0 => {
                let (process, nb) = crate::pidfd::pidfd_process_nonblock(task, upid)?;
                nonblock = nb;
                WaitTarget::Pid(process.pid)
            }
            _ => return Err(Errno::EINVAL),
        };
        let wait_options = if nonblock { options | WNOHANG } else { options };
        let r = wait_child(task, target, wait_options)?;
        if let Some(r) = &r {
            if !ru.is_null() {
                task.mem().write(ru.0, &rusage_bytes(&r.usage))?;
            }
        }
        if !infop.is_null() {
            write_child_siginfo(task, infop, r.as_ref())?;
        }
        if r.is_none() && nonblock && options & WNOHANG == 0 {
            return Err(Errno::EAGAIN);
        }
        Ok(0)
    }
}
