//! The ptrace platform: one traced host process per guest address space,
//! stopped at every system call with `PTRACE_SYSEMU` (the host never runs the
//! guest's call), and `syscall; int3` in the stub to inject host calls.
//!
//! ptrace rule: only the host thread that forked a tracee may trace it, so a
//! [`Tracee`] must stay on the thread that created it (it is `!Send`).

use std::ffi::CString;
use std::marker::PhantomData;

use crate::regs::Regs;
use crate::stub::{StubImage, STUB_PARK, STUB_SPIN, STUB_TRAMPOLINE};
use crate::{PlatformError, Result};

/// Why a guest thread stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// At a system call; the registers hold it (see [`Regs::syscall`]).
    Syscall,
    /// A host signal is about to be delivered to the guest thread: a fault
    /// (SIGSEGV, SIGILL, ...) or one sent from outside (SIGINT from the
    /// terminal). Resume with the signal to deliver it, or 0 to drop it.
    Signal(i32),
    /// The host process exited with this status (only after the kernel let
    /// it, e.g. it killed it).
    Exited(i32),
    /// The host process was killed by this signal.
    Killed(i32),
    /// A ptrace event stop (`PTRACE_EVENT_*`), e.g. a fork the kernel
    /// injected, or the stop of a freshly adopted tracee.
    Event(i32),
}

/// How an injected fork shares the address space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkKind {
    /// A copy-on-write copy (fork).
    Copy,
    /// The same address space (vfork, `CLONE_VM` without a thread).
    SharedMemory,
}

/// One guest thread, stopped or running, traced by the calling host thread.
pub struct Tracee {
    pid: libc::pid_t,
    /// The registers in the tracee differ from the guest's (after an
    /// injection), so the next switch must write them back.
    clobbered: bool,
    /// Signals that arrived while a host call was being injected; the kernel
    /// takes them with [`Tracee::take_pending_signals`].
    pending: Vec<i32>,
    alive: bool,
    _not_send: PhantomData<*const ()>,
}

fn check(ret: libc::c_long, what: &'static str) -> Result<libc::c_long> {
    if ret < 0 {
        Err(PlatformError::last(what))
    } else {
        Ok(ret)
    }
}

impl Tracee {
    /// Forks a host process that execs the stub and stops before its first
    /// instruction. The child inherits the calling thread's CPU affinity.
    pub fn spawn(stub: &StubImage) -> Result<Tracee> {
        // Everything the child needs is prepared before fork: between fork
        // and exec only async-signal-safe calls are allowed.
        let arg0 = CString::new("trapline-stub").unwrap_or_default();
        let argv = [arg0.as_ptr(), std::ptr::null()];
        let envp: [*const libc::c_char; 1] = [std::ptr::null()];
        let empty = c"";
        let stub_fd = stub.raw_fd();

        // SAFETY: fork has no memory-safety preconditions; the child only
        // makes async-signal-safe calls and never returns into Rust code.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(PlatformError::last("fork"));
        }
        if pid == 0 {
            // SAFETY: child side of fork: raw syscalls only, then _exit.
            unsafe {
                libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
                // The guest must get default dispositions for the signals
                // Trapline itself handles (a handler would be reset by exec
                // anyway, an ignored signal would not).
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGQUIT, libc::SIG_DFL);
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                libc::syscall(
                    libc::SYS_execveat,
                    stub_fd,
                    empty.as_ptr(),
                    argv.as_ptr(),
                    envp.as_ptr(),
                    libc::AT_EMPTY_PATH,
                );
                libc::_exit(127);
            }
        }
        let mut tracee = Tracee {
            pid,
            clobbered: false,
            pending: Vec::new(),
            alive: true,
            _not_send: PhantomData,
        };
        // The exec under PTRACE_TRACEME stops the child with SIGTRAP.
        match tracee.wait()? {
            Stop::Signal(libc::SIGTRAP) => {}
            other => {
                return Err(PlatformError::Unexpected(format!(
                    "stub did not stop at exec: {other:?}"
                )))
            }
        }
        // SAFETY: pid is our stopped tracee; SETOPTIONS takes the options in data.
        check(
            unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, OPTIONS as libc::c_long) },
            "PTRACE_SETOPTIONS",
        )?;
        Ok(tracee)
    }

    /// Takes over a host process or thread another tracer thread handed
    /// over with [`Tracee::fork`] (detached, stopped) or
    /// [`Tracee::clone_thread`] (detached, blocked in `pause`): seizes it
    /// from the calling thread, which becomes its only tracer, and waits
    /// for its stop. Its registers must be set before it runs (`switch`
    /// writes them).
    pub fn adopt(host_pid: i32) -> Result<Tracee> {
        // SAFETY: SEIZE of our own (stopped) descendant with our options.
        check(
            unsafe { libc::ptrace(libc::PTRACE_SEIZE, host_pid, 0, OPTIONS as libc::c_long) },
            "PTRACE_SEIZE",
        )?;
        let mut tracee = Tracee {
            pid: host_pid,
            clobbered: true,
            pending: Vec::new(),
            alive: true,
            _not_send: PhantomData,
        };
        // Stopped or spinning: interrupt it either way; it reports a
        // PTRACE_EVENT_STOP trap (a second one, if any, is skipped by the
        // run loop).
        // SAFETY: INTERRUPT of the tracee we just seized.
        check(
            unsafe { libc::ptrace(libc::PTRACE_INTERRUPT, host_pid, 0, 0) },
            "PTRACE_INTERRUPT",
        )?;
        match tracee.wait()? {
            Stop::Event(_) | Stop::Signal(_) => Ok(tracee),
            other => Err(PlatformError::Unexpected(format!(
                "adopted process did not stop: {other:?}"
            ))),
        }
    }

    /// Makes the guest's host process fork (injected, with the kernel's
    /// flags) and hands the new host process over, detached and stopped,
    /// for another host thread to [`adopt`](Tracee::adopt). Returns its host
    /// pid. The child's registers are whatever the host left; the adopter
    /// sets the guest's.
    pub fn fork(&mut self, regs: &Regs, kind: ForkKind) -> Result<i32> {
        // CLONE_PARENT makes Trapline the new process's host parent, so
        // the tracer that ends it also reaps it (the guest's own host
        // process never waits on the host).
        let shared = if kind == ForkKind::SharedMemory {
            libc::CLONE_VM
        } else {
            0
        };
        let flags = (libc::CLONE_PARENT | shared | libc::SIGCHLD) as u64;
        let (nr, args) = (libc::SYS_clone, [flags, 0]);
        let mut child = None;
        let ret = self.inject_with(regs, nr, &args, &mut |tracee, event| {
            if matches!(
                event,
                libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE
            ) {
                child = Some(tracee.event_message()? as i32);
            }
            Ok(())
        })?;
        let child = match child {
            Some(c) => c,
            None => {
                return Err(PlatformError::Unexpected(format!(
                    "injected fork returned {ret} without a fork event"
                )))
            }
        };
        // The new process starts traced by this thread, stopped (a
        // signal-delivery or an event stop, depending on how this tracee was
        // attached). Park it on the stub's spin loop, queue a SIGSTOP (which
        // takes effect before it runs a single instruction), and detach: it
        // stays stopped, or at worst spins, until its adopter seizes it.
        park_and_detach(child, true)?;
        Ok(child)
    }

    /// Makes the guest's host process start a new host thread (an
    /// injected `clone` with the kernel's own flags: `CLONE_VM|CLONE_THREAD|
    /// CLONE_SIGHAND|CLONE_FS|CLONE_FILES|CLONE_SYSVSEM`, never the guest's
    /// tid pointers) and hands it over, parked on the stub's spin loop and
    /// detached, for another host thread to [`adopt`](Tracee::adopt).
    /// Returns its host tid. Its registers are the adopter's to set.
    ///
    /// A SIGSTOP would stop the whole thread group, so a thread is handed
    /// over running: blocked in the stub's `pause()` loop (`STUB_PARK`;
    /// spinning would take the CPU its creator and adopter need) until its
    /// adopter seizes and interrupts it. The adopter's registers have
    /// `orig_rax` = -1, so the interrupted `pause` is not restarted.
    pub fn clone_thread(&mut self, regs: &Regs) -> Result<i32> {
        let flags = (libc::CLONE_VM
            | libc::CLONE_THREAD
            | libc::CLONE_SIGHAND
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SYSVSEM) as u64;
        // A zero stack: the new thread runs nothing but the park loop,
        // which touches no memory, until its adopter sets its registers.
        let (nr, args) = (libc::SYS_clone, [flags, 0]);
        let mut child = None;
        let ret = self.inject_with(regs, nr, &args, &mut |tracee, event| {
            if event == libc::PTRACE_EVENT_CLONE {
                child = Some(tracee.event_message()? as i32);
            }
            Ok(())
        })?;
        let Some(child) = child else {
            return Err(PlatformError::Unexpected(format!(
                "injected thread clone returned {ret} without a clone event"
            )));
        };
        park_and_detach(child, false)?;
        Ok(child)
    }

    /// Ends this guest thread's host thread alone (an injected `exit`, not
    /// `exit_group`) and reaps it; the rest of its thread group runs on.
    /// The host reports a thread-group leader's end only once every other
    /// thread of its group has ended, so for the leader this returns then.
    pub fn exit_thread(&mut self, regs: &Regs) -> Result<()> {
        if !self.alive {
            return Ok(());
        }
        let mut raw = regs.raw;
        raw.rip = STUB_TRAMPOLINE;
        raw.rax = libc::SYS_exit as u64;
        raw.rdi = 0;
        raw.orig_rax = u64::MAX;
        self.set_regs(&raw)?;
        self.clobbered = true;
        // SAFETY: pid is our stopped tracee; CONT runs the injected exit.
        let resumed = unsafe { libc::ptrace(libc::PTRACE_CONT, self.pid, 0, 0) };
        if resumed < 0 {
            // It was killed under us: it is dying anyway.
            // SAFETY: sends SIGKILL to our own tracee's thread group.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
        }
        while self.alive {
            match self.wait()? {
                Stop::Exited(_) | Stop::Killed(_) => break,
                // Nothing else may run in this thread now: resume it into
                // its exit, dropping any signal.
                _ => {
                    // SAFETY: pid is our stopped tracee.
                    unsafe { libc::ptrace(libc::PTRACE_CONT, self.pid, 0, 0) };
                }
            }
        }
        Ok(())
    }

    fn event_message(&self) -> Result<u64> {
        let mut msg: libc::c_ulong = 0;
        // SAFETY: msg is a valid out-pointer.
        check(
            unsafe { libc::ptrace(libc::PTRACE_GETEVENTMSG, self.pid, 0, &mut msg as *mut _) },
            "PTRACE_GETEVENTMSG",
        )?;
        Ok(msg)
    }

    /// The host pid of this guest thread (never shown to the guest).
    pub fn host_pid(&self) -> i32 {
        self.pid
    }

    /// Reads the registers of the stopped thread.
    pub fn get_regs(&self, regs: &mut Regs) -> Result<()> {
        // SAFETY: regs.raw is a valid user_regs_struct for the kernel to fill.
        check(
            unsafe { libc::ptrace(libc::PTRACE_GETREGS, self.pid, 0, &mut regs.raw as *mut _) },
            "PTRACE_GETREGS",
        )?;
        regs.dirty = false;
        regs.rax_dirty = false;
        Ok(())
    }

    fn set_regs(&self, raw: &libc::user_regs_struct) -> Result<()> {
        // SAFETY: raw points to a valid user_regs_struct the kernel only reads.
        check(
            unsafe { libc::ptrace(libc::PTRACE_SETREGS, self.pid, 0, raw as *const _) },
            "PTRACE_SETREGS",
        )?;
        Ok(())
    }

    /// Writes only `rax` (a syscall's result): cheaper than PTRACE_SETREGS.
    fn poke_rax(&self, value: u64) -> Result<()> {
        const RAX_OFFSET: usize = std::mem::offset_of!(libc::user_regs_struct, rax);
        // SAFETY: POKEUSER writes one word at a valid user_regs_struct offset.
        check(
            unsafe {
                libc::ptrace(
                    libc::PTRACE_POKEUSER,
                    self.pid,
                    RAX_OFFSET,
                    value as libc::c_long,
                )
            },
            "PTRACE_POKEUSER",
        )?;
        Ok(())
    }

    /// Runs the guest thread until its next stop: writes back `regs` if the
    /// kernel changed them, resumes with `PTRACE_SYSEMU` (delivering `signal`
    /// if non-zero), waits, and reads the registers once at a syscall stop.
    ///
    /// This is the hot path: for a syscall like getppid it makes exactly
    /// four host calls (POKEUSER of rax, SYSEMU, waitpid, GETREGS).
    pub fn switch(&mut self, regs: &mut Regs, signal: i32) -> Result<Stop> {
        if regs.dirty || self.clobbered {
            self.set_regs(&regs.raw)?;
            self.clobbered = false;
        } else if regs.rax_dirty {
            self.poke_rax(regs.raw.rax)?;
        }
        regs.dirty = false;
        regs.rax_dirty = false;
        // SAFETY: pid is our stopped tracee; data is the signal to deliver.
        check(
            unsafe { libc::ptrace(libc::PTRACE_SYSEMU, self.pid, 0, signal as libc::c_long) },
            "PTRACE_SYSEMU",
        )?;
        let stop = self.wait()?;
        if stop == Stop::Syscall {
            self.get_regs(regs)?;
        }
        Ok(stop)
    }

    fn wait(&mut self) -> Result<Stop> {
        let mut status = 0;
        loop {
            // SAFETY: status is a valid out-pointer; we wait only for our tracee.
            let r = unsafe { libc::waitpid(self.pid, &mut status, libc::__WALL) };
            if r >= 0 {
                break;
            }
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return Err(PlatformError::last("waitpid"));
            }
        }
        Ok(if libc::WIFSTOPPED(status) {
            let sig = libc::WSTOPSIG(status);
            let event = status >> 16;
            if sig == libc::SIGTRAP | 0x80 {
                Stop::Syscall
            } else if event != 0 {
                Stop::Event(event)
            } else {
                Stop::Signal(sig)
            }
        } else if libc::WIFEXITED(status) {
            self.alive = false;
            Stop::Exited(libc::WEXITSTATUS(status))
        } else {
            self.alive = false;
            Stop::Killed(libc::WTERMSIG(status))
        })
    }

    /// Makes the host execute system call `nr` with `args` in this guest
    /// thread's address space and returns its raw result (negative errno on
    /// failure). The guest's registers are restored at the next switch.
    ///
    /// The kernel computes and validates every argument: this is how the
    /// host acts on a guest (map memory, ...), never by running the guest's
    /// own call.
    pub fn inject(&mut self, regs: &Regs, nr: i64, args: &[u64]) -> Result<i64> {
        self.inject_with(regs, nr, args, &mut |_, event| {
            Err(PlatformError::Unexpected(format!(
                "ptrace event {event} while injecting syscall {nr}"
            )))
        })
    }

    /// [`inject`](Tracee::inject), with `on_event` called for each ptrace
    /// event stop on the way (a fork's).
    fn inject_with(
        &mut self,
        regs: &Regs,
        nr: i64,
        args: &[u64],
        on_event: &mut dyn FnMut(&Tracee, i32) -> Result<()>,
    ) -> Result<i64> {
        let mut raw = regs.raw;
        raw.rip = STUB_TRAMPOLINE;
        raw.rax = nr as u64;
        raw.orig_rax = u64::MAX;
        let a = |i: usize| args.get(i).copied().unwrap_or(0);
        raw.rdi = a(0);
        raw.rsi = a(1);
        raw.rdx = a(2);
        raw.r10 = a(3);
        raw.r8 = a(4);
        raw.r9 = a(5);
        self.set_regs(&raw)?;
        self.clobbered = true;
        let mut signal = 0;
        loop {
            // SAFETY: pid is our stopped tracee; CONT runs it to the int3
            // after the injected syscall.
            check(
                unsafe { libc::ptrace(libc::PTRACE_CONT, self.pid, 0, signal as libc::c_long) },
                "PTRACE_CONT",
            )?;
            match self.wait()? {
                Stop::Signal(libc::SIGTRAP) => break,
                Stop::Signal(sig) if is_fault(sig) => {
                    return Err(PlatformError::Unexpected(format!(
                        "signal {sig} while injecting syscall {nr}"
                    )))
                }
                Stop::Signal(sig) => {
                    // Not ours to deliver now: the kernel decides later.
                    self.pending.push(sig);
                    signal = 0;
                }
                Stop::Event(event) => {
                    on_event(self, event)?;
                    signal = 0;
                }
                Stop::Syscall => {
                    return Err(PlatformError::Unexpected(
                        "syscall stop in injection".into(),
                    ))
                }
                Stop::Exited(_) | Stop::Killed(_) => return Err(PlatformError::Gone(self.pid)),
            }
        }
        let mut after = Regs::zeroed();
        self.get_regs(&mut after)?;
        Ok(after.raw.rax as i64)
    }

    /// Host signals that arrived during injections, oldest first.
    pub fn take_pending_signals(&mut self) -> Vec<i32> {
        std::mem::take(&mut self.pending)
    }

    /// The signal information of a signal stop (fault address, sender).
    pub fn siginfo(&self) -> Result<libc::siginfo_t> {
        // SAFETY: siginfo_t is plain data; the kernel fills it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our stopped tracee; info is a valid out-pointer.
        check(
            unsafe { libc::ptrace(libc::PTRACE_GETSIGINFO, self.pid, 0, &mut info as *mut _) },
            "PTRACE_GETSIGINFO",
        )?;
        Ok(info)
    }

    /// The signal information of a signal stop, as the 128 bytes of Linux's
    /// `siginfo_t` (for the kernel's own typed copy).
    pub fn siginfo_bytes(&self) -> Result<[u8; 128]> {
        let info = self.siginfo()?;
        // SAFETY: siginfo_t is 128 bytes of plain data (checked at compile
        // time by transmute's size rule).
        Ok(unsafe { std::mem::transmute::<libc::siginfo_t, [u8; 128]>(info) })
    }

    /// The host's auxiliary vector of the stub (for the vDSO address).
    pub fn host_auxv(&self) -> Result<Vec<(u64, u64)>> {
        let bytes = std::fs::read(format!("/proc/{}/auxv", self.pid)).map_err(|source| {
            PlatformError::Host {
                what: "reading the stub's auxv",
                source,
            }
        })?;
        Ok(bytes
            .chunks_exact(16)
            .map(|c| {
                let mut k = [0u8; 8];
                let mut v = [0u8; 8];
                k.copy_from_slice(&c[..8]);
                v.copy_from_slice(&c[8..]);
                (u64::from_ne_bytes(k), u64::from_ne_bytes(v))
            })
            .take_while(|&(k, _)| k != 0)
            .collect())
    }

    /// The host signals queued for this guest thread (bit N-1 for signal
    /// N), thread-directed and process-directed, from /proc. The guest is
    /// stopped, so they wait until it resumes; the kernel uses this to
    /// decide whether a blocking call was interrupted for the guest.
    pub fn pending_host_signals(&self) -> u64 {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", self.pid)) else {
            return 0;
        };
        status
            .lines()
            .filter_map(|l| {
                l.strip_prefix("SigPnd:")
                    .or_else(|| l.strip_prefix("ShdPnd:"))
            })
            .filter_map(|v| u64::from_str_radix(v.trim(), 16).ok())
            .fold(0, |a, b| a | b)
    }

    /// Kills the host process behind this guest thread and reaps it.
    pub fn kill(&mut self) {
        if !self.alive {
            return;
        }
        // SAFETY: kill and waitpid on our own child.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
        }
        while self.alive {
            if self.wait().is_err() {
                break;
            }
        }
        self.alive = false;
    }
}

impl Drop for Tracee {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Hands over a host process or thread that the calling thread traces
/// and that is at its first stop after an injected clone, and detaches
/// it. A process (`stop`) is parked on the stub's spin loop with a SIGSTOP
/// queued, so that it stays stopped until it is adopted. A *thread* must
/// not get one (SIGSTOP stops its whole thread group): it is parked in the
/// stub's `pause()` loop instead, blocked.
fn park_and_detach(child: i32, stop: bool) -> Result<()> {
    let mut status = 0;
    // SAFETY: waiting for our auto-attached tracee.
    let r = unsafe { libc::waitpid(child, &mut status, libc::__WALL) };
    if r < 0 {
        return Err(PlatformError::last("waitpid for a new clone"));
    }
    if !libc::WIFSTOPPED(status) {
        // The whole guest was killed meanwhile.
        return Err(PlatformError::Gone(child));
    }
    let mut regs = Regs::zeroed();
    let parked = Tracee {
        pid: child,
        clobbered: false,
        pending: Vec::new(),
        alive: false,
        _not_send: PhantomData,
    };
    parked.get_regs(&mut regs)?;
    regs.raw.rip = if stop { STUB_SPIN } else { STUB_PARK };
    regs.raw.orig_rax = u64::MAX;
    parked.set_regs(&regs.raw)?;
    if stop {
        // SAFETY: signal to our own stopped tracee.
        unsafe { libc::syscall(libc::SYS_tgkill, child, child, libc::SIGSTOP) };
    }
    // SAFETY: detach of our own stopped tracee, with no signal delivered
    // (the initial SIGSTOP of an auto-attached clone is dropped).
    check(
        unsafe { libc::ptrace(libc::PTRACE_DETACH, child, 0, 0) },
        "PTRACE_DETACH",
    )?;
    Ok(())
}

/// The ptrace options of every tracee: syscall stops marked, guests killed
/// with Trapline, and forks the kernel injects reported (the child is then
/// handed to its own tracer thread).
const OPTIONS: i32 = libc::PTRACE_O_TRACESYSGOOD
    | libc::PTRACE_O_EXITKILL
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACECLONE;

fn is_fault(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE
    )
}
