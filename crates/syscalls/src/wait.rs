//! Waiting for children: wait4 and waitid.

use trapline_kernel::run::ExitStatus;
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
    Partial("stopped and continued children are never reported (no job control yet); rusage has CPU times and maxrss only")
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
        let Some(r) = wait_child(task, target, options & WNOHANG != 0, false)? else {
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
const CLD_EXITED: i32 = 1;
const CLD_KILLED: i32 = 2;
const CLD_DUMPED: i32 = 3;

/// The `siginfo_t` waitid fills (128 bytes, SIGCHLD layout).
fn child_siginfo(r: Option<&Reaped>) -> [u8; 128] {
    let mut info = [0u8; 128];
    let Some(r) = r else { return info };
    let (code, status) = match r.status {
        ExitStatus::Code(c) => (CLD_EXITED, c),
        ExitStatus::Signaled(s) => (if r.core { CLD_DUMPED } else { CLD_KILLED }, s),
    };
    let mut put = |off: usize, v: i32| info[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    put(0, libc::SIGCHLD);
    put(8, code);
    put(16, r.pid);
    put(20, r.uid as i32);
    put(24, status);
    info
}

syscall! {
    Partial("P_PIDFD, stopped and continued children are not supported; rusage has CPU times and maxrss only")
    => fn waitid(task, which: i32, upid: i32, infop: UserAddr, options: i32, ru: UserAddr) -> SysResult {
        if options & !(WNOHANG | WNOWAIT | WEXITED | libc::WSTOPPED | WCONTINUED | WNOTHREAD | WCLONE | WALL) != 0
            || options & (WEXITED | libc::WSTOPPED | WCONTINUED) == 0
        {
            return Err(Errno::EINVAL);
        }
        let target = match which {
            P_ALL => WaitTarget::Any,
            P_PID if upid > 0 => WaitTarget::Pid(upid),
            P_PGID if upid == 0 => WaitTarget::Group(task.process.pgid()),
            P_PGID if upid > 0 => WaitTarget::Group(upid),
            _ => return Err(Errno::EINVAL),
        };
        if options & WEXITED == 0 {
            // Only stop/continue events asked for: there are none to report.
            return if options & WNOHANG != 0 { Ok(0) } else { Err(Errno::ECHILD) };
        }
        let r = wait_child(task, target, options & WNOHANG != 0, options & WNOWAIT != 0)?;
        if !infop.is_null() {
            task.mem().write(infop.0, &child_siginfo(r.as_ref()))?;
        }
        if !ru.is_null() {
            task.mem().write(ru.0, &rusage_bytes(&r.map(|r| r.usage).unwrap_or_default()))?;
        }
        Ok(0)
    }
}
