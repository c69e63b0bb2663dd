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

/// `_LINUX_CAPABILITY_VERSION_1` (one 32-bit set) and `_2`/`_3` (two).
const CAPABILITY_VERSION_1: u32 = 0x1998_0330;
const CAPABILITY_VERSION_2: u32 = 0x2007_1026;
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;

syscall! {
    Implemented => fn capget(task, header: UserAddr, dataptr: UserAddr) -> SysResult {
        let mem = task.mem();
        let version: u32 = read_obj(&mem, header.0)?;
        let words = match version {
            CAPABILITY_VERSION_1 => 1,
            CAPABILITY_VERSION_2 | CAPABILITY_VERSION_3 => 2,
            _ => {
                // Linux tells the caller the version it prefers; a probe
                // (no data pointer) is then no error.
                write_obj(&mem, header.0, &CAPABILITY_VERSION_3)?;
                return if dataptr.0 == 0 { Ok(0) } else { Err(Errno::EINVAL) };
            }
        };
        if dataptr.0 == 0 {
            return Ok(0);
        }
        let pid: i32 = read_obj(&mem, header.0 + 4)?;
        if pid < 0 {
            return Err(Errno::EINVAL);
        }
        let creds = if pid == 0 || pid == task.process.pid {
            lock(&task.process.creds).clone()
        } else {
            let process = task.kernel.process(pid).ok_or(Errno::ESRCH)?;
            let creds = lock(&process.creds).clone();
            creds
        };
        let caps = trapline_vfs::guest_capabilities(creds.uid, creds.euid, creds.suid);
        // struct __user_cap_data_struct { effective, permitted, inheritable }
        // per 32-bit word.
        let mut data = Vec::with_capacity(words * 12);
        for w in 0..words {
            for set in [caps.effective, caps.permitted, caps.inheritable] {
                data.extend_from_slice(&((set >> (32 * w)) as u32).to_ne_bytes());
            }
        }
        mem.write(dataptr.0, &data)?;
        Ok(0)
    }
}
