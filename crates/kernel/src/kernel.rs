//! The state shared by every task of one Trapline run.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use trapline_platform::stub::StubImage;
use trapline_vfs::{FsView, Vfs};

use crate::process::{lock, Process};
use crate::run::{Dispatcher, SyscallObserver};

/// A live process as /proc finds it.
pub(crate) struct Registered {
    pub process: Weak<Process>,
    /// Its file-system context as /proc reads it, without the context's
    /// own lock (see `trapline_vfs::FsView`).
    pub fs: FsView,
}

/// One Trapline kernel instance.
pub struct Kernel {
    pub vfs: Arc<Vfs>,
    /// The stub every new address space is exec'd from.
    pub stub: StubImage,
    /// The CPUs the guest may use (Trapline's own affinity at start-up,
    /// before it pins its threads).
    pub cpus: Vec<usize>,
    next_pid: AtomicI32,
    /// The live processes by virtual pid, for /proc (see `procfs`).
    pub(crate) processes: Mutex<BTreeMap<i32, Registered>>,
    /// Unimplemented syscall numbers already reported to the user.
    reported: Mutex<HashSet<u64>>,
    /// Where "unimplemented syscall" notes go (stderr, or the trace file).
    notes: Mutex<Box<dyn std::io::Write + Send>>,
    /// The syscall table every task runs with (set once at boot).
    dispatcher: OnceLock<Arc<dyn Dispatcher + Send + Sync>>,
    /// `--trace`: shared by every task's thread (set once at boot, or never).
    observer: OnceLock<Mutex<Box<dyn SyscallObserver + Send>>>,
    /// Round-robin over `cpus` for new tasks' host threads.
    next_cpu: AtomicUsize,
    /// pidfds of the host processes behind forked guests, so that every
    /// one of them is killed when the run ends, even one that was between
    /// two tracer threads (detached, so ptrace's EXITKILL would miss it).
    guest_hosts: Mutex<std::collections::HashMap<i32, std::os::fd::OwnedFd>>,
    /// The futex wait queues of every guest.
    pub futexes: crate::futex::FutexTable,
    /// The host and domain names `uname` gives.
    pub uts: Mutex<crate::uts::Uts>,
    /// The controlling terminal of session 0: its foreground group.
    pub terminal: crate::pgrp::Terminal,
}

impl Kernel {
    pub fn new(vfs: Arc<Vfs>, stub: StubImage) -> Kernel {
        Kernel {
            vfs,
            stub,
            cpus: trapline_platform::cpu::allowed_cpus(),
            next_pid: AtomicI32::new(1),
            processes: Mutex::new(BTreeMap::new()),
            reported: Mutex::new(HashSet::new()),
            notes: Mutex::new(Box::new(std::io::stderr())),
            dispatcher: OnceLock::new(),
            observer: OnceLock::new(),
            next_cpu: AtomicUsize::new(0),
            guest_hosts: Mutex::new(std::collections::HashMap::new()),
            futexes: crate::futex::FutexTable::default(),
            uts: Mutex::new(crate::uts::Uts::from_host()),
            terminal: crate::pgrp::Terminal::default(),
        }
    }

    /// Sets the syscall table (once, at boot).
    pub fn set_dispatcher(&self, d: Arc<dyn Dispatcher + Send + Sync>) {
        let _ = self.dispatcher.set(d);
    }

    /// The syscall table. Panics only if boot forgot to set it (a Trapline
    /// bug, not guest input).
    pub fn dispatcher(&self) -> &Arc<dyn Dispatcher + Send + Sync> {
        self.dispatcher
            .get()
            .expect("the kernel boots with a dispatcher")
    }

    /// Turns on `--trace` (once, at boot).
    pub fn set_observer(&self, o: Box<dyn SyscallObserver + Send>) {
        let _ = self.observer.set(Mutex::new(o));
    }

    /// The `--trace` observer, if tracing.
    pub fn observer(&self) -> Option<&Mutex<Box<dyn SyscallObserver + Send>>> {
        self.observer.get()
    }

    /// The CPU for a new task's host thread: tasks are spread over the CPUs
    /// the guest may use, each with its tracer on the same CPU.
    pub fn next_cpu(&self) -> usize {
        let i = self.next_cpu.fetch_add(1, Ordering::Relaxed);
        self.cpus
            .get(i % self.cpus.len().max(1))
            .copied()
            .unwrap_or(0)
    }

    /// Every registered process (live and zombie), for scans such as
    /// process-group lookups.
    pub fn processes_snapshot(&self) -> Vec<Arc<Process>> {
        lock(&self.processes)
            .values()
            .filter_map(|r| r.process.upgrade())
            .collect()
    }

    /// Remembers the host process behind a forked guest (see
    /// `guest_hosts`). A pidfd, not the pid: the pid may be reused once
    /// the process is gone.
    pub fn track_host_process(&self, host_pid: i32) {
        // SAFETY: pidfd_open returns a new fd we own, or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, host_pid, 0) };
        if let Ok(fd) = i32::try_from(fd) {
            if fd >= 0 {
                use std::os::fd::FromRawFd;
                // SAFETY: a fresh fd nobody else owns.
                let owned = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
                lock(&self.guest_hosts).insert(host_pid, owned);
            }
        }
    }

    /// Forgets a host process that ended.
    pub fn untrack_host_process(&self, host_pid: i32) {
        lock(&self.guest_hosts).remove(&host_pid);
    }

    /// Kills every tracked guest host process (the run is over).
    pub fn kill_all_guests(&self) {
        use std::os::fd::AsRawFd;
        for fd in lock(&self.guest_hosts).values() {
            // SAFETY: signal through a pidfd we own; a dead process gives ESRCH.
            unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    fd.as_raw_fd(),
                    libc::SIGKILL,
                    std::ptr::null::<u8>(),
                    0,
                )
            };
        }
    }

    /// A process by virtual pid, live or zombie.
    pub fn process(&self, pid: i32) -> Option<Arc<Process>> {
        lock(&self.processes)
            .get(&pid)
            .and_then(|r| r.process.upgrade())
    }

    /// Sends the user-facing notes (unimplemented calls) somewhere else.
    pub fn set_notes(&self, sink: Box<dyn std::io::Write + Send>) {
        if let Ok(mut n) = self.notes.lock() {
            *n = sink;
        }
    }

    /// A fresh virtual pid (the first process is 1).
    pub fn alloc_pid(&self) -> i32 {
        self.next_pid.fetch_add(1, Ordering::Relaxed)
    }

    /// The pid handed out last (0 before the first).
    pub fn last_pid(&self) -> i32 {
        self.next_pid.load(Ordering::Relaxed) - 1
    }

    /// Makes a new process visible in /proc (as `/proc/PID`). Call it once
    /// the process exists, without holding its `fs` lock; a process that is
    /// dropped disappears by itself. Register again after replacing the
    /// process's whole `FsContext`.
    pub fn register_process(&self, process: &Arc<Process>) {
        let fs = lock(&process.fs).view();
        lock(&self.processes).insert(
            process.pid,
            Registered {
                process: Arc::downgrade(process),
                fs,
            },
        );
    }

    /// Removes a process from /proc (when it is reaped).
    pub fn unregister_process(&self, pid: i32) {
        lock(&self.processes).remove(&pid);
    }

    /// Tells the user, once per syscall number, that the guest called
    /// something Trapline does not implement.
    pub fn report_unimplemented(&self, nr: u64, name: &str) {
        let first = self
            .reported
            .lock()
            .map(|mut s| s.insert(nr))
            .unwrap_or(false);
        if first {
            self.note(&format!(
                "trapline: unimplemented syscall {name} (nr {nr}) returned ENOSYS"
            ));
        }
    }

    /// Writes one line for the user.
    pub fn note(&self, line: &str) {
        if let Ok(mut n) = self.notes.lock() {
            let _ = writeln!(n, "{line}");
            let _ = n.flush();
        }
    }
}
