//! pidfd_open, pidfd_send_signal, pidfd_getfd: process file descriptors
//! (`trapline_kernel::pidfd`). `CLONE_PIDFD` is in `clone.rs`,
//! `waitid(P_PIDFD)` in `wait.rs`.

use std::sync::Arc;

use trapline_abi::signal::{SigInfo, SI_TKILL, SI_USER};
use trapline_kernel::signal::Sender;
use trapline_kernel::{pidfd, Process};

use crate::prelude::*;
use crate::signal::{kill_one, valid_signal};

/// pidfd_open's one flag: `waitid` on the pidfd does not block.
const PIDFD_NONBLOCK: u32 = libc::O_NONBLOCK as u32;

/// The process behind the caller's fd `fd`: `EBADF` unless it is a pidfd.
pub(crate) fn pidfd_process(task: &Task, fd: i32) -> Result<Arc<Process>, Errno> {
    let file = lock(&task.process.fds).get(fd)?;
    pidfd::process_of(&file)
}

/// The same, with the file's `O_NONBLOCK` (for waitid).
pub(crate) fn pidfd_process_nonblock(task: &Task, fd: i32) -> Result<(Arc<Process>, bool), Errno> {
    let file = lock(&task.process.fds).get(fd)?;
    let nonblock = file.status_flags() & libc::O_NONBLOCK != 0;
    Ok((pidfd::process_of(&file)?, nonblock))
}

/// Installs a new open file at the lowest free fd, close-on-exec.
fn install_cloexec(task: &Task, file: Arc<trapline_vfs::OpenFile>) -> SysResult {
    let limit = lock(&task.process.rlimits).nofile();
    let fd = lock(&task.process.fds).insert(file, true, 0, limit)?;
    Ok(fd as u64)
}

syscall! {
    Partial("process pidfds; PIDFD_THREAD (a pidfd for one thread) gives EINVAL")
    => fn pidfd_open(task, pid: i32, flags: u32) -> SysResult {
        if flags & !PIDFD_NONBLOCK != 0 || pid <= 0 {
            return Err(Errno::EINVAL);
        }
        let Some(process) = task.kernel.process(pid) else {
            // A thread that is not its group's leader has no process pidfd
            // (Linux ≥ 6.9 says ENOENT).
            return Err(if trapline_kernel::thread::find_task(&task.kernel, pid).is_some() {
                Errno::ENOENT
            } else {
                Errno::ESRCH
            });
        };
        install_cloexec(task, pidfd::open(&process, flags as i32))
    }
}

syscall! {
    Partial("flags must be 0 (Linux 6.1); PIDFD_SIGNAL_THREAD and the other newer flags give EINVAL")
    => fn pidfd_send_signal(task, fd: i32, sig: i32, uinfo: UserAddr, flags: u32) -> SysResult {
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        let target = pidfd_process(task, fd)?;
        let sender = Sender::of(task);
        let info = if uinfo.is_null() {
            SigInfo::from_process(sig, SI_USER, sender.pid, sender.uid)
        } else {
            let info: SigInfo = read_obj(&task.mem(), uinfo.0)?;
            if info.signo != sig {
                return Err(Errno::EINVAL);
            }
            // Only a process's main thread may pretend to be the kernel,
            // or kill(), to itself.
            if (info.code >= 0 || info.code == SI_TKILL) && task.tid != target.pid {
                return Err(Errno::EPERM);
            }
            info
        };
        if target.is_reaped() {
            return Err(Errno::ESRCH);
        }
        if !valid_signal(sig) {
            return Err(Errno::EINVAL);
        }
        kill_one(task, &sender, &target, info)?;
        Ok(0)
    }
}

/// Linux's `ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS)` as far as
/// Trapline's credentials go: root, or the same real ids as every id of
/// the target.
fn may_attach(task: &Task, target: &Process) -> bool {
    if target.pid == task.process.pid {
        return true;
    }
    let me = lock(&task.process.creds).clone();
    if me.euid == 0 {
        return true;
    }
    let t = lock(&target.creds);
    [t.uid, t.euid, t.suid].iter().all(|&u| u == me.uid)
        && [t.gid, t.egid, t.sgid].iter().all(|&g| g == me.gid)
}

syscall! {
    Implemented => fn pidfd_getfd(task, pidfd: i32, fd: i32, flags: u32) -> SysResult {
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        let target = pidfd_process(task, pidfd)?;
        // A process that ended has no files left (Linux ≥ 6.x: ESRCH).
        if lock(&target.exit_status).is_some() {
            return Err(Errno::ESRCH);
        }
        if !may_attach(task, &target) {
            return Err(Errno::EPERM);
        }
        let file = lock(&target.fds).get(fd)?;
        install_cloexec(task, file)
    }
}
