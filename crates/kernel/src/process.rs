//! A process (thread group) and the state its threads share.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use trapline_vfs::{FdTable, FsContext};

use crate::creds::Credentials;
use crate::mm::MemoryMap;
use crate::rlimit::Rlimits;
use crate::signal::SignalActions;

/// One guest process. Each piece of state that threads share and change sits
/// behind its own lock, never one big lock (see ARCHITECTURE.md).
pub struct Process {
    pub pid: i32,
    /// The parent's pid; it changes when the parent ends first (orphans go
    /// to pid 1). Read with [`Process::ppid`].
    pub ppid: AtomicI32,
    /// The thread of the parent that is its parent on Linux (the one
    /// that made it, until that one ends): its end sends the
    /// parent-death signal. Read with [`Process::parent_tid`].
    pub parent_tid: AtomicI32,
    /// Process group and session; setpgid/setsid change them. Read with
    /// [`Process::pgid`] and [`Process::sid`].
    pub pgid: AtomicI32,
    pub sid: AtomicI32,
    pub creds: Mutex<Credentials>,
    pub fds: Mutex<FdTable>,
    pub fs: Mutex<FsContext>,
    pub mm: Mutex<MemoryMap>,
    pub rlimits: Mutex<Rlimits>,
    pub signals: Mutex<SignalActions>,
    /// Pending signals and the threads' signal states (`crate::signal`).
    pub sig: crate::signal::ProcessSignals,
    /// The guest path of the running executable (for /proc/self/exe).
    pub exe: Mutex<Vec<u8>>,
    /// argv of the last exec, each string followed by a NUL
    /// (/proc/PID/cmdline).
    pub cmdline: Mutex<Vec<u8>>,
    /// envp of the last exec, each string followed by a NUL
    /// (/proc/PID/environ).
    pub environ: Mutex<Vec<u8>>,
    /// The main thread's name (/proc/PID/comm); the copy of its task's
    /// `prctl.comm` that /proc can reach.
    pub comm: Mutex<Vec<u8>>,
    /// The auxiliary vector of the last exec (/proc/PID/auxv).
    pub auxv: Mutex<Vec<u8>>,
    /// When the process was created, in clock ticks since boot
    /// (/proc/PID/stat).
    pub start_time: u64,
    /// Children, live and ended-but-not-reaped; waiters sleep on
    /// `child_changed` with this lock.
    pub children: Mutex<Vec<Arc<Process>>>,
    pub child_changed: Condvar,
    /// How the process ended; `Some` makes it a zombie until its parent
    /// reaps it.
    pub exit_status: Mutex<Option<crate::ExitStatus>>,
    /// Whether its parent was told of its end (the exit signal queued):
    /// waits report the end only from then on, so a parent never reaps a
    /// child before its SIGCHLD is pending, as on Linux, where the zombie
    /// and the signal appear together.
    pub parent_told: AtomicBool,
    /// A stop or continue its parent's waits have yet to report.
    pub job_event: Mutex<Option<crate::wait::JobEvent>>,
    /// Its parent reaped it (or it was never a zombie): its pid names
    /// nothing any more.
    reaped: AtomicBool,
    /// For a vfork child: true once it exec'd or ended, which releases the
    /// parent (waiting on `vfork_cv`).
    pub vfork_done: Mutex<bool>,
    pub vfork_cv: Condvar,
    /// Whether it exec'd since fork (setpgid on it then gives EACCES).
    pub did_exec: AtomicBool,
    /// Counts its execs (Linux's `self_exec_id`; a child copies it).
    pub exec_id: AtomicU64,
    /// Its parent's `exec_id` when it was made: a parent that exec'd
    /// since gets SIGCHLD whatever `exit_signal` says.
    pub parent_exec_id: AtomicU64,
    /// The signal its parent gets when it ends (clone's `exit_signal`;
    /// SIGCHLD once reparented). With any other, it is a "clone child",
    /// which only `__WALL` and `__WCLONE` waits see. Read with
    /// [`Process::exit_signal`].
    pub exit_signal: AtomicI32,
    /// Its own usage, taken when it ended (its host process is gone after).
    pub usage_at_exit: Mutex<crate::rusage::Usage>,
    /// The usage of its reaped children and their reaped children.
    pub children_usage: Mutex<crate::rusage::Usage>,
    /// Its threads (tasks), and how the group ends (`crate::thread`).
    pub threads: crate::thread::ThreadGroup,
    /// sched_setaffinity's mask, when set (None: every CPU the guest has).
    pub affinity: Mutex<Option<Vec<usize>>>,
    /// Scheduling policy and priority (sched_setscheduler).
    pub sched_policy: Mutex<(i32, i32)>,
    /// The nice value (setpriority).
    pub nice: AtomicI32,
}

/// The state a new process starts with.
pub struct ProcessInit {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    pub creds: Credentials,
    pub fds: FdTable,
    pub fs: FsContext,
    pub mm: MemoryMap,
    pub rlimits: Rlimits,
    pub signals: SignalActions,
}

impl Process {
    pub fn new(init: ProcessInit) -> Process {
        let mut fds = init.fds;
        fds.set_lock_owner(init.pid);
        Process {
            pid: init.pid,
            ppid: AtomicI32::new(init.ppid),
            parent_tid: AtomicI32::new(init.ppid),
            pgid: AtomicI32::new(init.pgid),
            sid: AtomicI32::new(init.sid),
            creds: Mutex::new(init.creds),
            fds: Mutex::new(fds),
            fs: Mutex::new(init.fs),
            mm: Mutex::new(init.mm),
            rlimits: Mutex::new(init.rlimits),
            signals: Mutex::new(init.signals),
            sig: Default::default(),
            exe: Mutex::new(Vec::new()),
            cmdline: Mutex::new(Vec::new()),
            environ: Mutex::new(Vec::new()),
            comm: Mutex::new(Vec::new()),
            auxv: Mutex::new(Vec::new()),
            start_time: crate::rusage::ticks_since_boot(),
            children: Mutex::new(Vec::new()),
            child_changed: Condvar::new(),
            exit_status: Mutex::new(None),
            parent_told: AtomicBool::new(false),
            reaped: AtomicBool::new(false),
            job_event: Mutex::new(None),
            vfork_done: Mutex::new(false),
            vfork_cv: Condvar::new(),
            did_exec: AtomicBool::new(false),
            exec_id: AtomicU64::new(0),
            parent_exec_id: AtomicU64::new(0),
            exit_signal: AtomicI32::new(libc::SIGCHLD),
            usage_at_exit: Mutex::new(Default::default()),
            children_usage: Mutex::new(Default::default()),
            threads: crate::thread::ThreadGroup::default(),
            affinity: Mutex::new(None),
            sched_policy: Mutex::new((0, 0)),
            nice: AtomicI32::new(0),
        }
    }

    /// A child made by fork: a copy of everything the parent has (the fd
    /// table shares the open files, as after `dup`).
    pub fn forked_from(parent: &Process, pid: i32) -> Process {
        let mut fs = lock(&parent.fs).clone();
        fs.set_pid(pid);
        let child = Process::new(ProcessInit {
            pid,
            ppid: parent.pid,
            pgid: parent.pgid(),
            sid: parent.sid(),
            creds: lock(&parent.creds).clone(),
            fds: lock(&parent.fds).clone(),
            fs,
            mm: lock(&parent.mm).clone(),
            rlimits: lock(&parent.rlimits).clone(),
            signals: lock(&parent.signals).clone(),
        });
        *lock(&child.exe) = lock(&parent.exe).clone();
        *lock(&child.cmdline) = lock(&parent.cmdline).clone();
        *lock(&child.environ) = lock(&parent.environ).clone();
        *lock(&child.comm) = lock(&parent.comm).clone();
        *lock(&child.auxv) = lock(&parent.auxv).clone();
        *lock(&child.affinity) = lock(&parent.affinity).clone();
        *lock(&child.sched_policy) = *lock(&parent.sched_policy);
        child
            .nice
            .store(parent.nice.load(Ordering::Relaxed), Ordering::Relaxed);
        let exec_id = parent.exec_id.load(Ordering::Relaxed);
        child.exec_id.store(exec_id, Ordering::Relaxed);
        child.parent_exec_id.store(exec_id, Ordering::Relaxed);
        child
    }

    pub fn exit_signal(&self) -> i32 {
        self.exit_signal.load(Ordering::Relaxed)
    }

    /// Whether it reports its end to its parent with a signal other than
    /// SIGCHLD (Linux's "clone child", for `__WCLONE`).
    pub fn is_clone_child(&self) -> bool {
        self.exit_signal() != libc::SIGCHLD
    }

    pub fn ppid(&self) -> i32 {
        self.ppid.load(Ordering::Relaxed)
    }

    pub fn parent_tid(&self) -> i32 {
        self.parent_tid.load(Ordering::Relaxed)
    }

    pub fn pgid(&self) -> i32 {
        self.pgid.load(Ordering::Relaxed)
    }

    pub fn sid(&self) -> i32 {
        self.sid.load(Ordering::Relaxed)
    }

    /// Whether it ended and was reaped.
    pub fn is_reaped(&self) -> bool {
        self.reaped.load(Ordering::Relaxed)
    }

    /// Marks it reaped (see [`crate::wait::reap`]).
    pub(crate) fn set_reaped(&self) {
        self.reaped.store(true, Ordering::Relaxed);
    }

    /// Releases a parent waiting in vfork (the child exec'd or ended).
    pub fn vfork_release(&self) {
        *lock(&self.vfork_done) = true;
        self.vfork_cv.notify_all();
    }
}

/// Locks a mutex, recovering the data if another thread panicked with it
/// (the kernel keeps running; the data is still consistent per operation).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
