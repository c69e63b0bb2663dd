//! Creating processes and threads: fork, vfork, clone and clone3.
//!
//! A process: the host forks the guest's host process (an injected
//! `clone`, so the host does copy-on-write), and the new host process gets
//! its own host thread as tracer (ptrace's rule: one tracer thread per
//! tracee). The parent's tracer hands the child over detached and stopped
//! (`Tracee::fork`), the new thread adopts it (`Tracee::adopt`), sets the
//! guest registers and runs it like any task.
//!
//! A thread (`CLONE_THREAD`): the same, with an injected host clone that
//! makes a host thread in the same host process (`Tracee::clone_thread`:
//! handed over spinning, not stopped, as a SIGSTOP would stop the whole
//! group). The new task shares the `Process`, has its own virtual tid (from
//! the pid space), signal mask and `clear_child_tid`. The guest's tid
//! pointers are never given to the host: the kernel writes virtual tids.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use trapline_abi::Errno;
use trapline_platform::memory::write_obj;
use trapline_platform::{cpu, ForkKind, Regs, Tracee};

use crate::kernel::Kernel;
use crate::process::{lock, Process};
use crate::run::ExitStatus;
use crate::task::{PrctlState, Task};
use crate::thread::{self, ThreadEntry};

/// What the guest asked of clone/clone3/fork/vfork, already validated.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloneRequest {
    pub flags: u64,
    /// The signal the parent gets when the child ends (SIGCHLD usually).
    pub exit_signal: i32,
    /// The child's stack pointer (0: the parent's).
    pub stack: u64,
    pub parent_tid: u64,
    pub child_tid: u64,
    pub tls: u64,
    /// Where `CLONE_PIDFD` stores the new pidfd.
    pub pidfd: u64,
}

const CLONE_VM: u64 = libc::CLONE_VM as u64;
const CLONE_VFORK: u64 = libc::CLONE_VFORK as u64;
const CLONE_SETTLS: u64 = libc::CLONE_SETTLS as u64;
const CLONE_PARENT_SETTID: u64 = libc::CLONE_PARENT_SETTID as u64;
const CLONE_CHILD_SETTID: u64 = libc::CLONE_CHILD_SETTID as u64;
const CLONE_CHILD_CLEARTID: u64 = libc::CLONE_CHILD_CLEARTID as u64;
const CLONE_THREAD: u64 = libc::CLONE_THREAD as u64;
const CLONE_PIDFD: u64 = libc::CLONE_PIDFD as u64;
const CLONE_PARENT: u64 = libc::CLONE_PARENT as u64;
const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;

/// Everything the child's host thread needs to start.
struct ChildStart {
    kernel: Arc<Kernel>,
    process: Arc<Process>,
    entry: Arc<ThreadEntry>,
    /// The virtual tid of the new task (its pid for a process).
    tid: i32,
    host_pid: i32,
    regs: Regs,
    signal_mask: u64,
    prctl: PrctlState,
    req: CloneRequest,
}

/// Creates a child process of `task`'s and returns its pid. With
/// `CLONE_VFORK` the caller waits until the child execs or ends.
pub fn fork(task: &mut Task, req: CloneRequest) -> Result<i32, Errno> {
    if req.flags & CLONE_THREAD != 0 {
        return clone_thread(task, req);
    }
    let kind = if req.flags & CLONE_VM != 0 {
        ForkKind::SharedMemory
    } else {
        ForkKind::Copy
    };
    // Siblings of init would have no parent in the namespace to reap them.
    if req.flags & CLONE_PARENT != 0 && task.process.pid == 1 {
        return Err(Errno::EINVAL);
    }
    let pid = task.kernel.alloc_pid();
    // The child's state is a copy of the parent's now; a pidfd goes to
    // the parent alone.
    let child = Arc::new(Process::forked_from(&task.process, pid));
    child.exit_signal.store(req.exit_signal, Ordering::Relaxed);
    child.parent_tid.store(task.tid, Ordering::Relaxed);
    if req.flags & CLONE_CLEAR_SIGHAND != 0 {
        // Handled signals start at their default (ignored ones stay).
        lock(&child.signals).reset_for_exec();
    }
    let pidfd = if req.flags & CLONE_PIDFD != 0 {
        Some(install_pidfd(task, &child, req.pidfd)?)
    } else {
        None
    };
    let host_pid = match task.tracee.fork(&task.regs, kind) {
        Ok(p) => p,
        Err(e) => {
            task.kernel
                .note(&format!("trapline: fork failed on the host: {e}"));
            if let Some(fd) = pidfd {
                let file = lock(&task.process.fds).remove(fd);
                drop(file);
            }
            return Err(Errno::EAGAIN);
        }
    };
    task.kernel.track_host_process(host_pid);
    let entry = child.threads.first(pid);
    task.kernel.register_process(&child);
    if req.flags & CLONE_PARENT != 0 {
        adopt_as_sibling(task, &child);
    } else {
        lock(&task.process.children).push(child.clone());
    }
    if req.flags & CLONE_PARENT_SETTID != 0 {
        // Linux ignores a failed write here.
        let _ = write_obj(&task.mem(), req.parent_tid, &pid);
    }
    let mut regs = task.regs.for_child();
    if req.stack != 0 {
        regs.set_sp(req.stack);
    }
    if req.flags & CLONE_SETTLS != 0 {
        regs.set_fs_base(req.tls);
    }
    let start = ChildStart {
        kernel: task.kernel.clone(),
        process: child.clone(),
        entry: entry.clone(),
        tid: pid,
        host_pid,
        regs,
        signal_mask: task.signal_mask,
        prctl: task.prctl_now(),
        req,
    };
    let spawned = std::thread::Builder::new()
        .name(format!("trapline-pid-{pid}"))
        .spawn(move || child_main(start));
    if spawned.is_err() {
        // SAFETY: kill of the host process we just created.
        unsafe { libc::kill(host_pid, libc::SIGKILL) };
        thread::finish(
            &task.kernel,
            &child,
            &entry,
            ExitStatus::Signaled(libc::SIGKILL),
        );
        return Err(Errno::EAGAIN);
    }
    if req.flags & CLONE_VFORK != 0 {
        wait_for_vfork_child(task, &child);
    }
    Ok(pid)
}

/// `CLONE_PARENT`: `child` becomes a child of the caller's parent, and
/// reports its end as the caller will (its exit signal and parent's exec
/// id), as on Linux. A parent that ended meanwhile has passed its children
/// to pid 1, and so does this one.
fn adopt_as_sibling(task: &Task, child: &Arc<Process>) {
    let me = &task.process;
    child.exit_signal.store(me.exit_signal(), Ordering::Relaxed);
    child
        .parent_exec_id
        .store(me.parent_exec_id.load(Ordering::Relaxed), Ordering::Relaxed);
    child.parent_tid.store(me.parent_tid(), Ordering::Relaxed);
    let parent = task.kernel.process(me.ppid());
    if let Some(parent) = parent {
        let mut kids = lock(&parent.children);
        // process_ended sets the status before it takes the children: if
        // it is not set yet, that take will find this child too.
        if lock(&parent.exit_status).is_none() {
            child.ppid.store(parent.pid, Ordering::Relaxed);
            kids.push(child.clone());
            return;
        }
    }
    if let Some(init) = task.kernel.process(1) {
        child.ppid.store(1, Ordering::Relaxed);
        child.parent_tid.store(1, Ordering::Relaxed);
        child.exit_signal.store(libc::SIGCHLD, Ordering::Relaxed);
        lock(&init.children).push(child.clone());
    }
}

/// `CLONE_PIDFD`: a pidfd for `child` in the parent's table
/// (close-on-exec), its number stored at `addr`. As on Linux, a full
/// table or a bad address fails the clone before the child exists.
fn install_pidfd(task: &Task, child: &Arc<Process>, addr: u64) -> Result<i32, Errno> {
    let file = crate::pidfd::open(child, 0);
    let limit = lock(&task.process.rlimits).nofile();
    let mut fds = lock(&task.process.fds);
    let fd = fds.insert(file, true, 0, limit)?;
    if let Err(e) = write_obj(&task.mem(), addr, &fd) {
        let file = fds.remove(fd);
        drop(fds);
        drop(file);
        return Err(e);
    }
    Ok(fd)
}

/// The parent of a vfork sleeps until the child execs or ends (not
/// interruptible, as on Linux, except by a signal that ends the parent).
fn wait_for_vfork_child(task: &Task, child: &Process) {
    let mut done = lock(&child.vfork_done);
    while !*done {
        let (d, _) = child
            .vfork_cv
            .wait_timeout(done, std::time::Duration::from_millis(50))
            .unwrap_or_else(|e| e.into_inner());
        done = d;
        // Killable only: a handled signal waits until the child let go of
        // the memory it shares with this parent.
        if !*done && crate::signal::deliver::fatal_pending(task) {
            return;
        }
    }
}

/// Creates a thread in `task`'s process and returns its tid.
fn clone_thread(task: &mut Task, req: CloneRequest) -> Result<i32, Errno> {
    let host_tid = task.tracee.clone_thread(&task.regs).map_err(|e| {
        if !task.thread.killed() {
            task.kernel.note(&format!(
                "trapline: thread creation failed on the host: {e}"
            ));
        }
        Errno::EAGAIN
    })?;
    let tid = task.kernel.alloc_pid();
    // A group that is ending takes no new thread; the new host thread,
    // spinning, ends with the host process.
    let entry = task.process.threads.register(tid, Some(&task.thread))?;
    let mem = task.mem();
    // The memory is shared: both writes are done before the thread runs.
    // Linux ignores failed writes here.
    if req.flags & CLONE_PARENT_SETTID != 0 {
        let _ = write_obj(&mem, req.parent_tid, &tid);
    }
    if req.flags & CLONE_CHILD_SETTID != 0 {
        let _ = write_obj(&mem, req.child_tid, &tid);
    }
    let mut regs = task.regs.for_child();
    if req.stack != 0 {
        regs.set_sp(req.stack);
    }
    if req.flags & CLONE_SETTLS != 0 {
        regs.set_fs_base(req.tls);
    }
    let prctl = task.prctl_now();
    let start = ChildStart {
        kernel: task.kernel.clone(),
        process: task.process.clone(),
        entry: entry.clone(),
        tid,
        host_pid: host_tid,
        regs,
        signal_mask: task.signal_mask,
        prctl,
        req,
    };
    let spawned = std::thread::Builder::new()
        .name(format!("trapline-tid-{tid}"))
        .spawn(move || child_main(start));
    if spawned.is_err() {
        // The new host thread spins untraced and cannot be ended alone:
        // the process cannot go on.
        task.kernel
            .note("trapline: no host thread for a new guest thread; ending the process");
        // SAFETY: kill of the guest's own host process.
        unsafe { libc::kill(host_tid, libc::SIGKILL) };
        thread::finish(
            &task.kernel,
            &task.process,
            &entry,
            ExitStatus::Signaled(libc::SIGKILL),
        );
        return Err(Errno::EAGAIN);
    }
    Ok(tid)
}

/// The new task's host thread: adopt the host process or thread, become
/// its task, run it, and report its end.
fn child_main(start: ChildStart) {
    let cpu = start.kernel.next_cpu();
    cpu::pin_current_thread(cpu);
    let tracee = match Tracee::adopt(start.host_pid) {
        Ok(t) => t,
        Err(e) => {
            // Gone already when its group was killed meanwhile.
            if !start.entry.killed() {
                start
                    .kernel
                    .note(&format!("trapline: cannot take over a new task: {e}"));
            }
            // SAFETY: kill of the host process this thread was to serve.
            unsafe { libc::kill(start.host_pid, libc::SIGKILL) };
            thread::finish(
                &start.kernel,
                &start.process,
                &start.entry,
                ExitStatus::Signaled(libc::SIGKILL),
            );
            return;
        }
    };
    cpu::pin_process(start.host_pid, cpu);
    let tid = start.tid;
    let mut task = Task {
        tid,
        process: start.process,
        kernel: start.kernel,
        tracee,
        regs: start.regs,
        signal_mask: start.signal_mask,
        clear_child_tid: 0,
        robust_list: (0, 0),
        exit: None,
        prctl: start.prctl,
        thread: start.entry,
    };
    task.thread.set_comm(&task.prctl.comm);
    let thread = start.req.flags & CLONE_THREAD != 0;
    if !thread && start.req.flags & CLONE_CHILD_SETTID != 0 {
        let _ = write_obj(&task.mem(), start.req.child_tid, &tid);
    }
    if start.req.flags & CLONE_CHILD_CLEARTID != 0 {
        task.clear_child_tid = start.req.child_tid;
    }
    let kernel = task.kernel.clone();
    thread::run_to_end(task);
    if !thread {
        kernel.untrack_host_process(start.host_pid);
    }
}
