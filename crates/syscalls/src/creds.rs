//! Changing credentials: the set*uid and set*gid families and setgroups,
//! with Linux's permission rules inside the sandbox (euid 0 holds
//! CAP_SETUID and CAP_SETGID). The host process's ids never change.

use trapline_kernel::creds::Credentials;

use crate::prelude::*;

/// Runs a change of the credentials. As Linux's `commit_creds`, a change
/// of the effective or file-system ids clears the calling thread's
/// parent-death signal.
fn change<R>(task: &Task, f: impl FnOnce(&mut Credentials) -> R) -> R {
    let mut c = lock(&task.process.creds);
    let before = (c.euid, c.egid, c.fsuid, c.fsgid);
    let r = f(&mut c);
    if (c.euid, c.egid, c.fsuid, c.fsgid) != before {
        task.thread.set_pdeathsig(0);
    }
    r
}

/// The most supplementary groups Linux allows (NGROUPS_MAX).
const NGROUPS_MAX: usize = 65536;

syscall! { Implemented => fn setuid(task, uid: u32) -> SysResult { change(task, |c| c.set_uid(uid)).map(|_| 0) } }
syscall! { Implemented => fn setgid(task, gid: u32) -> SysResult { change(task, |c| c.set_gid(gid)).map(|_| 0) } }
syscall! { Implemented => fn setreuid(task, ruid: u32, euid: u32) -> SysResult { change(task, |c| c.set_re_uid(ruid, euid)).map(|_| 0) } }
syscall! { Implemented => fn setregid(task, rgid: u32, egid: u32) -> SysResult { change(task, |c| c.set_re_gid(rgid, egid)).map(|_| 0) } }
syscall! {
    Implemented => fn setresuid(task, ruid: u32, euid: u32, suid: u32) -> SysResult {
        change(task, |c| c.set_res_uid(ruid, euid, suid)).map(|_| 0)
    }
}
syscall! {
    Implemented => fn setresgid(task, rgid: u32, egid: u32, sgid: u32) -> SysResult {
        change(task, |c| c.set_res_gid(rgid, egid, sgid)).map(|_| 0)
    }
}
syscall! { Implemented => fn setfsuid(task, uid: u32) -> SysResult { Ok(change(task, |c| c.set_fs_uid(uid)).into()) } }
syscall! { Implemented => fn setfsgid(task, gid: u32) -> SysResult { Ok(change(task, |c| c.set_fs_gid(gid)).into()) } }

syscall! {
    Implemented => fn setgroups(task, size: i32, list: UserAddr) -> SysResult {
        let n = usize::try_from(size).map_err(|_| Errno::EINVAL)?;
        if n > NGROUPS_MAX {
            return Err(Errno::EINVAL);
        }
        let mut bytes = vec![0u8; n * 4];
        task.mem().read(list.0, &mut bytes)?;
        let groups = bytes.chunks_exact(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect();
        change(task, |c| c.set_groups(groups)).map(|_| 0)
    }
}
