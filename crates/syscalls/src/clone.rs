//! Process and thread creation: fork, vfork, clone and clone3. Flags are
//! checked with Linux's rules; anything Trapline cannot do yet is EINVAL,
//! never silently ignored.

use trapline_kernel::fork::{self, CloneRequest};

use crate::prelude::*;

const CSIGNAL: u64 = 0xff;
const CLONE_VM: u64 = libc::CLONE_VM as u64;
const CLONE_FS: u64 = libc::CLONE_FS as u64;
const CLONE_FILES: u64 = libc::CLONE_FILES as u64;
const CLONE_SYSVSEM: u64 = libc::CLONE_SYSVSEM as u64;
const CLONE_SIGHAND: u64 = libc::CLONE_SIGHAND as u64;
const CLONE_PIDFD: u64 = libc::CLONE_PIDFD as u64;
const CLONE_VFORK: u64 = libc::CLONE_VFORK as u64;
const CLONE_PARENT: u64 = libc::CLONE_PARENT as u64;
const CLONE_THREAD: u64 = libc::CLONE_THREAD as u64;
const CLONE_NEWNS: u64 = libc::CLONE_NEWNS as u64;
const CLONE_SETTLS: u64 = libc::CLONE_SETTLS as u64;
const CLONE_PARENT_SETTID: u64 = libc::CLONE_PARENT_SETTID as u64;
const CLONE_CHILD_CLEARTID: u64 = libc::CLONE_CHILD_CLEARTID as u64;
const CLONE_CHILD_SETTID: u64 = libc::CLONE_CHILD_SETTID as u64;
const CLONE_DETACHED: u64 = libc::CLONE_DETACHED as u64;
const CLONE_UNTRACED: u64 = libc::CLONE_UNTRACED as u64;
const CLONE_NEWUSER: u64 = libc::CLONE_NEWUSER as u64;
const CLONE_NEWPID: u64 = libc::CLONE_NEWPID as u64;
const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// What a thread shares with its creator, as Trapline does it: everything
/// (pthread_create's flags). SysV semaphore undo lists do not exist yet,
/// so sharing them is trivially honoured.
const THREAD_SHARING: u64 = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;

/// The flags Trapline carries out today.
const SUPPORTED: u64 = THREAD_SHARING
    | CLONE_SYSVSEM
    | CLONE_VM
    | CLONE_VFORK
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CLONE_PIDFD
    | CLONE_PARENT
    | CLONE_CLEAR_SIGHAND;

/// Linux's consistency rules (kernel/fork.c, kernel_clone and
/// copy_process), then Trapline's own limits.
fn check(req: &CloneRequest) -> Result<(), Errno> {
    let flags = req.flags;
    // The pidfd and the parent's tid cannot share a word (old clone
    // stores the pidfd at parent_tid, so it cannot have both).
    if flags & CLONE_PIDFD != 0 && flags & CLONE_PARENT_SETTID != 0 && req.pidfd == req.parent_tid {
        return Err(Errno::EINVAL);
    }
    if flags & (CLONE_NEWNS | CLONE_FS) == (CLONE_NEWNS | CLONE_FS)
        || flags & (CLONE_NEWUSER | CLONE_FS) == (CLONE_NEWUSER | CLONE_FS)
        || (flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0)
        || (flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0)
        || (flags & CLONE_THREAD != 0 && flags & (CLONE_NEWUSER | CLONE_NEWPID) != 0)
        || (flags & CLONE_PIDFD != 0 && flags & (CLONE_DETACHED | CLONE_THREAD) != 0)
    {
        return Err(Errno::EINVAL);
    }
    if flags & !(SUPPORTED | CSIGNAL) != 0 {
        return Err(Errno::EINVAL);
    }
    // A thread shares all of its process's state, and only a thread shares
    // fs, files and signal handlers: a thread with its own fd table, or a
    // process sharing one, is not supported yet.
    let sharing = flags & (CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD);
    if sharing != 0 && (flags & THREAD_SHARING != THREAD_SHARING || flags & CLONE_VFORK != 0) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

syscall! {
    Partial("processes, and threads sharing everything (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD); partial sharing and namespaces give EINVAL")
    => fn clone(task, flags: u64, newsp: u64, parent_tidptr: u64, child_tidptr: u64, tls: u64) -> SysResult {
        // The old clone takes the low 32 bits of its flags.
        let flags = flags & 0xffff_ffff;
        let req = CloneRequest {
            flags: flags & !CSIGNAL,
            exit_signal: (flags & CSIGNAL) as i32,
            stack: newsp,
            parent_tid: parent_tidptr,
            child_tid: child_tidptr,
            tls,
            // Old clone stores the pidfd where the parent's tid would go.
            pidfd: parent_tidptr,
        };
        check(&req)?;
        fork::fork(task, req).map(|pid| pid as u64)
    }
}

/// `struct clone_args` (clone3), up to CLONE_ARGS_SIZE_VER2.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

// SAFETY: eleven u64 fields, no padding; any bit pattern is valid.
unsafe impl Plain for CloneArgs {}

const CLONE_ARGS_SIZE_VER0: usize = 64;

syscall! {
    Partial("as clone, and CLONE_CLEAR_SIGHAND; set_tid and CLONE_INTO_CGROUP give EINVAL")
    => fn clone3(task, uargs: UserAddr, size: usize) -> SysResult {
        let known = std::mem::size_of::<CloneArgs>();
        if size < CLONE_ARGS_SIZE_VER0 {
            return Err(Errno::EINVAL);
        }
        if size > 4096 {
            return Err(Errno::E2BIG);
        }
        let mut bytes = vec![0u8; size];
        task.mem().read(uargs.0, &mut bytes)?;
        // A newer caller's extra fields must be zero (copy_struct_from_user).
        if bytes.iter().skip(known).any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
        let mut a = CloneArgs::default();
        let n = size.min(known);
        a.as_bytes_mut()[..n].copy_from_slice(&bytes[..n]);
        if a.exit_signal > 64 || a.set_tid != 0 || a.set_tid_size != 0 {
            return Err(Errno::EINVAL);
        }
        // clone3_args_valid: the CSIGNAL bits and CLONE_DETACHED mean
        // nothing here; handlers cannot be both shared and cleared.
        if a.flags & (CSIGNAL | CLONE_DETACHED | CLONE_INTO_CGROUP) != 0
            || a.flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND) == CLONE_SIGHAND | CLONE_CLEAR_SIGHAND
        {
            return Err(Errno::EINVAL);
        }
        // Neither a thread nor a sibling (CLONE_PARENT) chooses the signal
        // its parent gets when it ends.
        if a.flags & (CLONE_THREAD | CLONE_PARENT) != 0 && a.exit_signal != 0 {
            return Err(Errno::EINVAL);
        }
        if (a.stack == 0) != (a.stack_size == 0) {
            return Err(Errno::EINVAL);
        }
        let req = CloneRequest {
            flags: a.flags,
            exit_signal: a.exit_signal as i32,
            // clone3 gives the lowest address; the stack grows down from
            // its end.
            stack: a.stack.wrapping_add(a.stack_size),
            parent_tid: a.parent_tid,
            child_tid: a.child_tid,
            tls: a.tls,
            pidfd: a.pidfd,
        };
        check(&req)?;
        fork::fork(task, req).map(|pid| pid as u64)
    }
}

syscall! {
    Implemented => fn fork(task) -> SysResult {
        let req = CloneRequest { exit_signal: libc::SIGCHLD, ..CloneRequest::default() };
        fork::fork(task, req).map(|pid| pid as u64)
    }
}

syscall! {
    Implemented => fn vfork(task) -> SysResult {
        let req = CloneRequest { flags: CLONE_VM | CLONE_VFORK, exit_signal: libc::SIGCHLD, ..CloneRequest::default() };
        fork::fork(task, req).map(|pid| pid as u64)
    }
}
