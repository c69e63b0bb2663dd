//! A task: one guest thread, the host thread that serves it, and its state.

use std::sync::Arc;

use trapline_platform::{ProcessMemory, Regs, Tracee};

use crate::kernel::Kernel;
use crate::process::Process;
use crate::run::ExitStatus;

pub struct Task {
    /// The virtual thread id (equal to the pid for the main thread).
    pub tid: i32,
    pub process: Arc<Process>,
    pub kernel: Arc<Kernel>,
    /// The host thread that runs this guest thread.
    pub tracee: Tracee,
    /// The guest's registers at the current stop.
    pub regs: Regs,
    /// The blocked-signal mask (bookkeeping).
    pub signal_mask: u64,
    /// `set_tid_address`'s pointer, cleared and woken at thread exit.
    pub clear_child_tid: u64,
    /// `set_robust_list`'s head and length.
    pub robust_list: (u64, u64),
    /// Set by exit/exit_group: the run loop stops after this call.
    pub exit: Option<ExitStatus>,
    /// Per-thread settings of prctl.
    pub prctl: PrctlState,
    /// Its place in its process's thread group (`crate::thread`).
    pub thread: Arc<crate::thread::ThreadEntry>,
}

/// What prctl sets on a thread (the parent-death signal, which other
/// threads read, is in its `ThreadEntry`).
#[derive(Debug, Clone, Default)]
pub struct PrctlState {
    /// The thread's name (`comm`): at most 15 bytes.
    pub comm: Vec<u8>,
    pub no_new_privs: bool,
    pub dumpable: bool,
    pub keepcaps: bool,
    pub child_subreaper: bool,
}

impl PrctlState {
    /// The state of a thread that just exec'd `exe`, the path as given to
    /// exec (comm is its basename).
    pub fn after_exec(exe: &[u8], previous: &PrctlState) -> PrctlState {
        let base = exe.rsplit(|&b| b == b'/').next().unwrap_or(exe);
        PrctlState {
            comm: base.iter().take(15).copied().collect(),
            dumpable: true,
            ..previous.clone()
        }
    }
}

impl Task {
    /// Names the thread (`comm`): its prctl state, the copy /proc reads,
    /// and the process's name when it is the main thread.
    pub fn set_comm(&mut self, comm: Vec<u8>) {
        self.thread.set_comm(&comm);
        if self.tid == self.process.pid {
            *crate::process::lock(&self.process.comm) = comm.clone();
        }
        self.prctl.comm = comm;
    }

    /// The thread's prctl state, with its name as it is now (another
    /// thread of the process may have renamed it through
    /// `/proc/PID/task/TID/comm`).
    pub fn prctl_now(&self) -> PrctlState {
        PrctlState {
            comm: self.thread.comm(),
            ..self.prctl.clone()
        }
    }

    /// Whether a blocking call of this task must end now: a signal it does
    /// not block is pending (in the kernel, or as a host signal such as
    /// Ctrl-C not yet taken in), or the task must end (its thread group is
    /// ending, or another thread exec'd). See `signal::interrupted`.
    pub fn interrupted(&self) -> bool {
        crate::signal::interrupted(self)
    }

    /// Sleeps for `d` in the kernel on behalf of the guest. Ends early, with
    /// the time left, when a signal for the guest arrives (or the task must
    /// end); see `signal::sleep`.
    pub fn sleep(&self, d: std::time::Duration) -> Result<(), std::time::Duration> {
        crate::signal::sleep(self, d)
    }

    /// The guest memory of this task's address space.
    pub fn mem(&self) -> ProcessMemory {
        ProcessMemory::new(self.tracee.host_pid())
    }

    /// Asks the host to run syscall `nr` in this task's address space, with
    /// arguments the kernel chose (see `platform::Tracee::inject`).
    pub fn inject(&mut self, nr: i64, args: &[u64]) -> Result<i64, trapline_abi::Errno> {
        self.tracee.inject(&self.regs, nr, args).map_err(|e| {
            tracing::warn!("injecting syscall {nr} failed: {e}");
            trapline_abi::Errno::EFAULT
        })
    }
}

impl Task {
    /// The first task of a new process, running `image`.
    pub fn from_image(
        kernel: Arc<Kernel>,
        process: Arc<Process>,
        image: crate::loader::Image,
    ) -> Task {
        *crate::process::lock(&process.mm) = image.map;
        *crate::process::lock(&process.exe) = image.exe;
        *crate::process::lock(&process.cmdline) = image.cmdline;
        *crate::process::lock(&process.environ) = image.environ;
        *crate::process::lock(&process.auxv) = image.auxv;
        let prctl = PrctlState::after_exec(&image.execfn, &PrctlState::default());
        *crate::process::lock(&process.comm) = prctl.comm.clone();
        let thread = process.threads.first(process.pid);
        thread.set_comm(&prctl.comm);
        Task {
            thread,
            tid: process.pid,
            process,
            kernel,
            tracee: image.tracee,
            regs: image.regs,
            signal_mask: 0,
            clear_child_tid: 0,
            robust_list: (0, 0),
            exit: None,
            prctl,
        }
    }
}
