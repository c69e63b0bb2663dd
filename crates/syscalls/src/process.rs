//! Process identity, limits, thread-area setup, exit and execve.

use trapline_abi::structs::Rlimit64;
use trapline_kernel::loader::{self, ExecArgs, MAX_ARG_STRLEN};
use trapline_kernel::mm::TASK_SIZE;
use trapline_kernel::rlimit::Rlimit;
use trapline_kernel::ExitStatus;

use crate::prelude::*;

syscall! { Implemented => fn getpid(task) -> SysResult { Ok(task.process.pid as u64) } }
syscall! { Implemented => fn getppid(task) -> SysResult { Ok(task.process.ppid() as u64) } }
syscall! { Implemented => fn gettid(task) -> SysResult { Ok(task.tid as u64) } }
syscall! { Implemented => fn getuid(task) -> SysResult { Ok(lock(&task.process.creds).uid.into()) } }
syscall! { Implemented => fn geteuid(task) -> SysResult { Ok(lock(&task.process.creds).euid.into()) } }
syscall! { Implemented => fn getgid(task) -> SysResult { Ok(lock(&task.process.creds).gid.into()) } }
syscall! { Implemented => fn getegid(task) -> SysResult { Ok(lock(&task.process.creds).egid.into()) } }
syscall! { Implemented => fn getpgrp(task) -> SysResult { Ok(task.process.pgid() as u64) } }

/// The process `pid` names for a caller: 0 is the caller itself; a
/// thread's tid names its process; a zombie is still there until reaped.
fn find_process(task: &Task, pid: i32) -> Result<std::sync::Arc<trapline_kernel::Process>, Errno> {
    if pid == 0 || pid == task.process.pid {
        return Ok(task.process.clone());
    }
    if pid < 0 {
        return Err(Errno::ESRCH);
    }
    task.kernel
        .process(pid)
        .or_else(|| trapline_kernel::thread::find_task(&task.kernel, pid).map(|(p, _)| p))
        .ok_or(Errno::ESRCH)
}

syscall! {
    Implemented => fn getpgid(task, pid: i32) -> SysResult {
        Ok(find_process(task, pid)?.pgid() as u64)
    }
}

syscall! {
    Implemented => fn getsid(task, pid: i32) -> SysResult {
        Ok(find_process(task, pid)?.sid() as u64)
    }
}

syscall! {
    Implemented => fn setpgid(task, pid: i32, pgid: i32) -> SysResult {
        use std::sync::atomic::Ordering;
        if pgid < 0 {
            return Err(Errno::EINVAL);
        }
        let me = &task.process;
        let target = if pid == 0 || pid == me.pid {
            me.clone()
        } else {
            // Only the caller or one of its children.
            let child = lock(&me.children).iter().find(|c| c.pid == pid).cloned();
            let child = child.ok_or(Errno::ESRCH)?;
            if child.sid() != me.sid() {
                return Err(Errno::EPERM);
            }
            if child.did_exec.load(Ordering::Relaxed) {
                return Err(Errno::EACCES);
            }
            child
        };
        let pgid = if pgid == 0 { target.pid } else { pgid };
        if target.sid() == target.pid {
            return Err(Errno::EPERM); // a session leader keeps its group
        }
        // Joining another group: it must exist in the caller's session.
        if pgid != target.pid {
            let exists = task.kernel.processes_snapshot().iter().any(|p| p.pgid() == pgid && p.sid() == me.sid());
            if !exists {
                return Err(Errno::EPERM);
            }
        }
        target.pgid.store(pgid, Ordering::Relaxed);
        Ok(0)
    }
}

syscall! {
    Partial("the new session has no controlling terminal handling yet")
    => fn setsid(task) -> SysResult {
        use std::sync::atomic::Ordering;
        let me = &task.process;
        let pid = me.pid;
        let leads_a_group = task.kernel.processes_snapshot().iter().any(|p| p.pgid() == pid);
        if leads_a_group {
            return Err(Errno::EPERM);
        }
        me.sid.store(pid, Ordering::Relaxed);
        me.pgid.store(pid, Ordering::Relaxed);
        Ok(pid as u64)
    }
}

syscall! {
    Implemented => fn getresuid(task, ruid: UserAddr, euid: UserAddr, suid: UserAddr) -> SysResult {
        let c = lock(&task.process.creds).clone();
        let mem = task.mem();
        write_obj(&mem, ruid.0, &c.uid)?;
        write_obj(&mem, euid.0, &c.euid)?;
        write_obj(&mem, suid.0, &c.suid)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn getresgid(task, rgid: UserAddr, egid: UserAddr, sgid: UserAddr) -> SysResult {
        let c = lock(&task.process.creds).clone();
        let mem = task.mem();
        write_obj(&mem, rgid.0, &c.gid)?;
        write_obj(&mem, egid.0, &c.egid)?;
        write_obj(&mem, sgid.0, &c.sgid)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn getgroups(task, size: i32, list: UserAddr) -> SysResult {
        let groups = lock(&task.process.creds).groups.clone();
        if size < 0 {
            return Err(Errno::EINVAL);
        }
        if size == 0 {
            return Ok(groups.len() as u64);
        }
        if (size as usize) < groups.len() {
            return Err(Errno::EINVAL);
        }
        let bytes: Vec<u8> = groups.iter().flat_map(|g| g.to_ne_bytes()).collect();
        task.mem().write(list.0, &bytes)?;
        Ok(groups.len() as u64)
    }
}

syscall! {
    Implemented => fn set_tid_address(task, tidptr: UserAddr) -> SysResult {
        task.clear_child_tid = tidptr.0;
        Ok(task.tid as u64)
    }
}

syscall! {
    Implemented => fn set_robust_list(task, head: UserAddr, len: usize) -> SysResult {
        // sizeof(struct robust_list_head) on x86_64.
        if len != 24 {
            return Err(Errno::EINVAL);
        }
        task.robust_list = (head.0, len as u64);
        task.thread.set_robust_list(head.0, len as u64);
        Ok(0)
    }
}

syscall! {
    Implemented => fn get_robust_list(task, pid: i32, head_ptr: UserAddr, len_ptr: UserAddr) -> SysResult {
        let (head, _) = if pid == 0 || pid == task.tid {
            task.robust_list
        } else {
            let (_, entry) = trapline_kernel::thread::find_task(&task.kernel, pid).ok_or(Errno::ESRCH)?;
            entry.robust_list()
        };
        // Linux reports sizeof(struct robust_list_head), whatever was set.
        write_obj(&task.mem(), len_ptr.0, &24u64)?;
        write_obj(&task.mem(), head_ptr.0, &head)?;
        Ok(0)
    }
}

const ARCH_SET_GS: i32 = 0x1001;
const ARCH_SET_FS: i32 = 0x1002;
const ARCH_GET_FS: i32 = 0x1003;
const ARCH_GET_GS: i32 = 0x1004;

syscall! {
    Partial("FS and GS bases only; CET and CPUID controls give EINVAL")
    => fn arch_prctl(task, code: i32, addr: UserAddr) -> SysResult {
        match code {
            ARCH_SET_FS | ARCH_SET_GS if addr.0 >= TASK_SIZE => Err(Errno::EPERM),
            ARCH_SET_FS => {
                task.regs.set_fs_base(addr.0);
                Ok(0)
            }
            ARCH_SET_GS => {
                task.regs.set_gs_base(addr.0);
                Ok(0)
            }
            ARCH_GET_FS => write_obj(&task.mem(), addr.0, &task.regs.fs_base()).map(|_| 0),
            ARCH_GET_GS => write_obj(&task.mem(), addr.0, &task.regs.gs_base()).map(|_| 0),
            _ => Err(Errno::EINVAL),
        }
    }
}

fn own_pid(task: &Task, pid: i32) -> Result<(), Errno> {
    if pid == 0 || pid == task.process.pid {
        Ok(())
    } else {
        Err(Errno::ESRCH)
    }
}

syscall! {
    Implemented => fn prlimit64(task, pid: i32, resource: u32, new: UserAddr, old: UserAddr) -> SysResult {
        own_pid(task, pid)?;
        let new_limit = if new.is_null() {
            None
        } else {
            let r: Rlimit64 = read_obj(&task.mem(), new.0)?;
            Some(Rlimit { cur: r.rlim_cur, max: r.rlim_max })
        };
        let privileged = lock(&task.process.creds).euid == 0;
        let mut limits = lock(&task.process.rlimits);
        let current = limits.get(resource)?;
        if let Some(n) = new_limit {
            limits.set(resource, n, privileged)?;
        }
        drop(limits);
        if !old.is_null() {
            let r = Rlimit64 { rlim_cur: current.cur, rlim_max: current.max };
            write_obj(&task.mem(), old.0, &r)?;
        }
        Ok(0)
    }
}

syscall! {
    Implemented => fn getrlimit(task, resource: u32, rlim: UserAddr) -> SysResult {
        let l = lock(&task.process.rlimits).get(resource)?;
        write_obj(&task.mem(), rlim.0, &Rlimit64 { rlim_cur: l.cur, rlim_max: l.max })?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn setrlimit(task, resource: u32, rlim: UserAddr) -> SysResult {
        let r: Rlimit64 = read_obj(&task.mem(), rlim.0)?;
        let privileged = lock(&task.process.creds).euid == 0;
        lock(&task.process.rlimits).set(resource, Rlimit { cur: r.rlim_cur, max: r.rlim_max }, privileged)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn exit(task, status: i32) -> SysResult {
        trapline_kernel::thread::exit_thread(task, status);
        Ok(0)
    }
}

syscall! {
    Implemented => fn exit_group(task, status: i32) -> SysResult {
        trapline_kernel::thread::exit_group(task, ExitStatus::Code(status & 0xff));
        Ok(0)
    }
}

/// Reads a NULL-terminated array of string pointers (argv, envp).
fn read_string_array(task: &Task, addr: UserAddr) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if addr.is_null() {
        return Ok(out);
    }
    let mem = task.mem();
    for i in 0u64.. {
        let p = mem.read_u64(addr.0.checked_add(i * 8).ok_or(Errno::EFAULT)?)?;
        if p == 0 {
            break;
        }
        if out.len() >= loader::MAX_ARG_STRINGS {
            return Err(Errno::E2BIG);
        }
        let s = mem.read_cstring(p, MAX_ARG_STRLEN).map_err(|e| match e {
            Errno::ENAMETOOLONG => Errno::E2BIG,
            e => e,
        })?;
        out.push(s);
    }
    Ok(out)
}

syscall! {
    Partial("set-user-ID bits are not honoured")
    => fn execve(task, filename: UserAddr, argv: UserAddr, envp: UserAddr) -> SysResult {
        do_execveat(task, Fd(libc::AT_FDCWD), filename, argv, envp, 0)
    }
}

syscall! {
    Partial("set-user-ID bits are not honoured, as for execve")
    => fn execveat(task, fd: Fd, filename: UserAddr, argv: UserAddr, envp: UserAddr, flags: i32) -> SysResult {
        do_execveat(task, fd, filename, argv, envp, flags)
    }
}

/// execve and execveat, in Linux's order (≥ 6.8): the name, the
/// executable, then argv and envp.
fn do_execveat(
    task: &mut Task,
    dirfd: Fd,
    filename: UserAddr,
    argv: UserAddr,
    envp: UserAddr,
    flags: i32,
) -> SysResult {
    let path = crate::fs::read_path(task, filename)?;
    if path.is_empty() && flags & libc::AT_EMPTY_PATH == 0 {
        return Err(Errno::ENOENT);
    }
    if flags & !(libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let mut args = open_executable(task, dirfd, path, flags)?;
    args.argv = read_string_array(task, argv)?;
    args.envp = read_string_array(task, envp)?;
    exec(task, args)
}

/// Opens what execveat runs, and names it as Linux does: the path as
/// given when absolute or relative to the cwd, else `/dev/fd/N` or
/// `/dev/fd/N/PATH` (useless after the exec if fd N is close-on-exec).
fn open_executable(task: &Task, dirfd: Fd, path: Vec<u8>, flags: i32) -> Result<ExecArgs, Errno> {
    let cred = crate::fs::fs_cred(task);
    let vfs = &task.kernel.vfs;
    let by_fd = dirfd.0 != libc::AT_FDCWD && path.first() != Some(&b'/');
    let file = if path.is_empty() && by_fd {
        let file = lock(&task.process.fds).get(dirfd.0)?;
        vfs.open_exec_file(&lock(&task.process.fs), &file, &cred)?
    } else {
        let base = crate::fs::lookup_base(task, dirfd, &path)?;
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        let target: &[u8] = if path.is_empty() { b"." } else { &path };
        vfs.open_exec_at(
            &lock(&task.process.fs),
            base.as_deref(),
            target,
            follow,
            &cred,
        )?
    };
    let mut args = ExecArgs::path(path, Vec::new(), Vec::new());
    if by_fd {
        let mut name = format!("/dev/fd/{}", dirfd.0).into_bytes();
        if !args.path.is_empty() {
            name.push(b'/');
            name.extend_from_slice(&args.path);
        }
        args.comm_from_file = args.path.is_empty();
        args.path = name;
        args.path_inaccessible = lock(&task.process.fds).cloexec(dirfd.0).unwrap_or(true);
    }
    args.file = Some(file);
    Ok(args)
}

/// Loads a new program into `task`.
fn exec(task: &mut Task, args: ExecArgs) -> SysResult {
    let creds = lock(&task.process.creds).clone();
    let ids = [creds.uid, creds.euid, creds.gid, creds.egid];
    let stack_limit = lock(&task.process.rlimits).stack();
    let image = {
        let fs = lock(&task.process.fs);
        loader::load(&task.kernel, &fs, &creds.fs_cred(), ids, stack_limit, args)?
    };
    task.commit_exec(image);
    Ok(0)
}

const PR_SET_PDEATHSIG: i32 = 1;
const PR_GET_PDEATHSIG: i32 = 2;
const PR_GET_DUMPABLE: i32 = 3;
const PR_SET_DUMPABLE: i32 = 4;
const PR_GET_KEEPCAPS: i32 = 7;
const PR_SET_KEEPCAPS: i32 = 8;
const PR_SET_NAME: i32 = 15;
const PR_GET_NAME: i32 = 16;
const PR_GET_SECCOMP: i32 = 21;
const PR_CAPBSET_READ: i32 = 23;
const PR_SET_CHILD_SUBREAPER: i32 = 36;
const PR_GET_CHILD_SUBREAPER: i32 = 37;
const PR_SET_NO_NEW_PRIVS: i32 = 38;
const PR_GET_NO_NEW_PRIVS: i32 = 39;
/// The highest capability number Linux 6.1 knows (CAP_CHECKPOINT_RESTORE).
const CAP_LAST_CAP: u64 = 40;

syscall! {
    Partial("names, death signal, dumpable, keepcaps, subreaper, no_new_privs, seccomp mode and capability bounding reads; other options give EINVAL")
    => fn prctl(task, option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> SysResult {
        let p = &mut task.prctl;
        let flag = |v: u64| -> Result<bool, Errno> {
            match v {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(Errno::EINVAL),
            }
        };
        match option {
            PR_SET_PDEATHSIG => {
                if arg2 > 64 {
                    return Err(Errno::EINVAL);
                }
                task.thread.set_pdeathsig(arg2 as i32);
                Ok(0)
            }
            PR_GET_PDEATHSIG => {
                let v = task.thread.pdeathsig();
                write_obj(&task.mem(), arg2, &v).map(|_| 0)
            }
            PR_GET_DUMPABLE => Ok(p.dumpable as u64),
            PR_SET_DUMPABLE => {
                p.dumpable = flag(arg2)?;
                Ok(0)
            }
            PR_GET_KEEPCAPS => Ok(p.keepcaps as u64),
            PR_SET_KEEPCAPS => {
                p.keepcaps = flag(arg2)?;
                Ok(0)
            }
            PR_SET_NAME => {
                let mut name = [0u8; 16];
                // Linux copies 16 bytes and terminates them; a shorter
                // readable string at the end of a page is fine.
                let s = task.mem().read_cstring(arg2, 4096).or_else(|e| match e {
                    Errno::ENAMETOOLONG => {
                        task.mem().read(arg2, &mut name[..15])?;
                        Ok(name[..15].to_vec())
                    }
                    e => Err(e),
                })?;
                task.set_comm(s.into_iter().take(15).collect());
                Ok(0)
            }
            PR_GET_NAME => {
                let mut name = [0u8; 16];
                for (d, s) in name.iter_mut().zip(&task.thread.comm()) {
                    *d = *s;
                }
                task.mem().write(arg2, &name).map(|_| 0)
            }
            PR_GET_SECCOMP => Ok(0),
            PR_CAPBSET_READ => {
                if arg2 > CAP_LAST_CAP {
                    return Err(Errno::EINVAL);
                }
                Ok(1)
            }
            PR_SET_CHILD_SUBREAPER => {
                p.child_subreaper = arg2 != 0;
                Ok(0)
            }
            PR_GET_CHILD_SUBREAPER => {
                let v = p.child_subreaper as i32;
                write_obj(&task.mem(), arg2, &v).map(|_| 0)
            }
            PR_SET_NO_NEW_PRIVS => {
                if arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                    return Err(Errno::EINVAL);
                }
                p.no_new_privs = true;
                Ok(0)
            }
            PR_GET_NO_NEW_PRIVS => {
                if arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                    return Err(Errno::EINVAL);
                }
                Ok(p.no_new_privs as u64)
            }
            _ => Err(Errno::EINVAL),
        }
    }
}

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;

syscall! {
    Partial("CPU times and maxrss; page faults, I/O and context switches read 0")
    => fn getrusage(task, who: i32, ru: UserAddr) -> SysResult {
        use trapline_kernel::rusage::{of_host, rusage_bytes};
        let usage = match who {
            RUSAGE_SELF | RUSAGE_THREAD => of_host(task.tracee.host_pid()),
            RUSAGE_CHILDREN => *lock(&task.process.children_usage),
            _ => return Err(Errno::EINVAL),
        };
        task.mem().write(ru.0, &rusage_bytes(&usage))?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn times(task, tbuf: UserAddr) -> SysResult {
        use trapline_kernel::rusage::{of_host, ticks};
        if !tbuf.is_null() {
            let me = of_host(task.tracee.host_pid());
            let kids = *lock(&task.process.children_usage);
            let t: [u64; 4] = [ticks(me.utime_us), ticks(me.stime_us), ticks(kids.utime_us), ticks(kids.stime_us)];
            let bytes: Vec<u8> = t.iter().flat_map(|v| v.to_ne_bytes()).collect();
            task.mem().write(tbuf.0, &bytes)?;
        }
        // Clock ticks since an arbitrary point: the host's boot, as Linux.
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: ts is a valid out-pointer.
        unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
        Ok(ticks(ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000))
    }
}
