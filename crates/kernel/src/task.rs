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
}

/// What prctl sets on a thread.
#[derive(Debug, Clone, Default)]
pub struct PrctlState {
    /// The thread's name (`comm`): at most 15 bytes.
    pub comm: Vec<u8>,
    pub pdeathsig: i32,
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

/// Whether a host signal that the guest does not ignore is queued for
/// `host_pid`, the host process behind a thread of `process`. What
/// `Task::interrupted` answers, without the `Task`: the vfs's blocking waits
/// ask it through the hook the run loop installs
/// (`trapline_vfs::blocking::set_interrupt_check`).
pub fn guest_signal_pending(host_pid: i32, process: &Process) -> bool {
    let pending = host_pending_signals(host_pid);
    if pending == 0 {
        return false;
    }
    let actions = crate::process::lock(&process.signals);
    (1..=64).any(|sig: usize| {
        pending & (1 << (sig - 1)) != 0
            && actions.get(sig).is_some_and(|a| {
                a.handler != crate::signal::SIG_IGN
                    && !(a.handler == crate::signal::SIG_DFL
                        && crate::signal::default_is_ignore(sig as i32))
            })
    })
}

/// The host signals queued for `host_pid` (bit N-1 for signal N),
/// thread-directed and process-directed, from /proc: what
/// `Tracee::pending_host_signals` reads, by pid, so that any code on the
/// task's host thread can ask. A host process that died under the kernel
/// (killed from outside: a zombie, or gone) counts as SIGKILL pending, so a
/// blocking wait on its behalf ends and the run loop sees the death.
fn host_pending_signals(host_pid: i32) -> u64 {
    const KILLED: u64 = 1 << (libc::SIGKILL - 1);
    let status = match std::fs::read_to_string(format!("/proc/{host_pid}/status")) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return KILLED,
        Err(_) => return 0,
    };
    let mut pending = 0;
    for line in status.lines() {
        if let Some(state) = line.strip_prefix("State:") {
            if matches!(state.trim_start().as_bytes().first(), Some(b'Z' | b'X')) {
                return KILLED;
            }
        } else if let Some(v) = line
            .strip_prefix("SigPnd:")
            .or_else(|| line.strip_prefix("ShdPnd:"))
        {
            pending |= u64::from_str_radix(v.trim(), 16).unwrap_or(0);
        }
    }
    pending
}

impl Task {
    /// Whether a host signal is waiting for this guest thread that the
    /// guest does not ignore: a blocking call must then end with EINTR so
    /// the signal takes effect (Ctrl-C during a sleep or a terminal read).
    pub fn interrupted(&self) -> bool {
        guest_signal_pending(self.tracee.host_pid(), &self.process)
    }

    /// Sleeps for `d` in the kernel on behalf of the guest. Ends early, with
    /// the time left, when a signal for the guest arrives (Trapline's own
    /// no-op handlers interrupt the host sleep; see `interrupted`).
    pub fn sleep(&self, d: std::time::Duration) -> Result<(), std::time::Duration> {
        let deadline = std::time::Instant::now() + d;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            let ts = libc::timespec {
                tv_sec: left.as_secs() as libc::time_t,
                tv_nsec: left.subsec_nanos() as libc::c_long,
            };
            // SAFETY: ts is a valid timespec; no remainder is asked for.
            let r = unsafe { libc::nanosleep(&ts, std::ptr::null_mut()) };
            if r != 0 && self.interrupted() {
                return Err(deadline.saturating_duration_since(std::time::Instant::now()));
            }
        }
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
        let prctl = PrctlState::after_exec(&image.execfn, &PrctlState::default());
        *crate::process::lock(&process.comm) = prctl.comm.clone();
        Task {
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
