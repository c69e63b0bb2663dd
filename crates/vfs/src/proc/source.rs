//! What `/proc` learns from the kernel: the [`ProcSource`] trait and the
//! snapshots it hands out.
//!
//! The vfs formats every file; the kernel only answers questions. The
//! answers are split by cost: [`ProcSource::process`] is asked on every
//! lookup below `/proc/PID` and takes only kernel locks;
//! [`ProcSource::memory`] and [`ProcSource::usage`] read the host's view of
//! the guest's host process (resident pages, CPU time) and are asked only
//! when a file that shows them is opened.

use std::sync::Arc;

use crate::file::OpenFile;
use crate::fs_context::FsView;

/// One open fd of a process.
#[derive(Clone)]
pub struct ProcFd {
    pub fd: i32,
    pub file: Arc<OpenFile>,
    pub cloexec: bool,
}

impl std::fmt::Debug for ProcFd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcFd")
            .field("fd", &self.fd)
            .field("file", &self.file)
            .field("cloexec", &self.cloexec)
            .finish()
    }
}

/// One thread of a process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcThread {
    pub tid: i32,
    /// Its name (at most 15 bytes).
    pub comm: Vec<u8>,
    /// Blocked signals (bit N-1 for signal N).
    pub blocked: u64,
    /// Signals pending for this thread alone.
    pub pending: u64,
}

/// Whether a process is still running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProcLife {
    #[default]
    Alive,
    /// Stopped by a signal (group stop).
    Stopped,
    /// Ended, not yet reaped by its parent.
    Zombie,
}

/// What the files of one process show that the kernel keeps itself.
#[derive(Debug, Clone, Default)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    pub life: ProcLife,
    /// Its threads, ascending by tid (empty for a zombie).
    pub threads: Vec<ProcThread>,
    /// The main thread's name (at most 15 bytes).
    pub comm: Vec<u8>,
    /// Guest path of the executable; empty if none.
    pub exe: Vec<u8>,
    /// Its root, cwd and umask (`None` once it has ended).
    pub fs: Option<FsView>,
    /// argv of the last exec, each string followed by a NUL.
    pub cmdline: Vec<u8>,
    /// envp of the last exec, each string followed by a NUL.
    pub environ: Vec<u8>,
    /// The auxiliary vector of the last exec, as the bytes the program
    /// found on its stack (pairs of u64, ending with `AT_NULL`).
    pub auxv: Vec<u8>,
    /// Real, effective, saved and file-system uid.
    pub uids: [u32; 4],
    /// Real, effective, saved and file-system gid.
    pub gids: [u32; 4],
    pub groups: Vec<u32>,
    /// The open fds, ascending.
    pub fds: Vec<ProcFd>,
    /// Signals ignored (bit N-1 for signal N).
    pub sig_ignored: u64,
    /// Signals with a handler.
    pub sig_caught: u64,
    /// Signals pending for the whole process.
    pub sig_pending: u64,
    /// Soft and hard limits by `RLIMIT_*` number.
    pub limits: Vec<(u64, u64)>,
    /// When it was created, in clock ticks after boot.
    pub start_time: u64,
    pub nice: i32,
    /// The CPUs it may run on.
    pub cpus: Vec<usize>,
}

impl ProcInfo {
    /// The ids of its threads, ascending.
    pub fn tids(&self) -> impl Iterator<Item = i32> + '_ {
        self.threads.iter().map(|t| t.tid)
    }

    /// Its thread `tid`.
    pub fn thread(&self, tid: i32) -> Option<&ProcThread> {
        self.threads.iter().find(|t| t.tid == tid)
    }
}

/// The `/proc/PID/smaps` counters, in kB, in Linux's order.
pub const SMAPS_FIELDS: [&str; 18] = [
    "Rss",
    "Pss",
    "Pss_Dirty",
    "Shared_Clean",
    "Shared_Dirty",
    "Private_Clean",
    "Private_Dirty",
    "Referenced",
    "Anonymous",
    "LazyFree",
    "AnonHugePages",
    "ShmemPmdMapped",
    "FilePmdMapped",
    "Shared_Hugetlb",
    "Private_Hugetlb",
    "Swap",
    "SwapPss",
    "Locked",
];

/// One mapping of an address space, as `maps` and `smaps` show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    /// `PROT_*`.
    pub prot: i32,
    pub shared: bool,
    pub offset: u64,
    /// Device and inode of a mapped file (0 otherwise).
    pub dev: u64,
    pub ino: u64,
    /// A file's guest path, `[heap]`, `[stack]`, `[vdso]`...; empty for
    /// anonymous memory.
    pub name: Vec<u8>,
    /// The counters of `SMAPS_FIELDS`, in kB.
    pub usage: [u64; SMAPS_FIELDS.len()],
    /// `THPeligible`.
    pub thp_eligible: bool,
    /// `VmFlags`' two-letter names, each followed by a space.
    pub vm_flags: String,
}

impl Mapping {
    /// Its length in kB.
    pub fn size_kb(&self) -> u64 {
        (self.end - self.start) >> 10
    }

    /// The counter named `field` (one of `SMAPS_FIELDS`).
    pub fn counter(&self, field: &str) -> u64 {
        SMAPS_FIELDS
            .iter()
            .position(|f| *f == field)
            .map_or(0, |i| self.usage[i])
    }
}

/// Resident memory of a whole address space, in kB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resident {
    pub anon: u64,
    pub file: u64,
    pub shmem: u64,
    /// The highest resident set size so far.
    pub hwm: u64,
    /// The largest address space so far.
    pub peak_vm: u64,
    pub locked: u64,
    pub pinned: u64,
    pub page_tables: u64,
    pub swap: u64,
}

/// The address space of a process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcMemory {
    /// Its mappings, ascending, merged as Linux would merge them.
    pub maps: Vec<Mapping>,
    /// Where the heap starts.
    pub start_brk: u64,
    /// Resident memory, as the host counts it for the guest's host
    /// process.
    pub resident: Resident,
}

/// CPU use and scheduling state of a process (or one thread).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcUsage {
    /// `R` (running guest code), `S` (in a system call), `T` (stopped),
    /// `Z` (ended).
    pub state: u8,
    /// User and system time, and that of its waited-for children, in
    /// clock ticks.
    pub utime: u64,
    pub stime: u64,
    pub cutime: u64,
    pub cstime: u64,
    pub minflt: u64,
    pub majflt: u64,
    /// The CPU it last ran on.
    pub processor: i32,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
}

/// What the system-wide files show of the kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemInfo {
    /// `uname`'s nodename and domainname.
    pub hostname: Vec<u8>,
    pub domainname: Vec<u8>,
    /// `uname`'s release and version.
    pub release: String,
    pub version: String,
    /// The pid handed out last.
    pub last_pid: i32,
    /// Tasks created since boot (threads included, as Linux counts).
    pub forks: u64,
    /// Live tasks, and how many of them run guest code now.
    pub tasks: usize,
    pub running: usize,
    /// The largest pid.
    pub pid_max: i32,
}

/// Where `/proc` learns about processes: the kernel.
pub trait ProcSource: Send + Sync {
    /// The live pids (zombies included), ascending.
    fn pids(&self) -> Vec<i32>;
    /// What the files of `pid` show; `None` if there is no such process.
    fn process(&self, pid: i32) -> Option<ProcInfo>;
    /// The address space of `pid` (`None` for a zombie or a missing pid);
    /// with `counters`, each mapping's `smaps` counters too (slower).
    fn memory(&self, pid: i32, counters: bool) -> Option<ProcMemory>;
    /// CPU use of `pid`, or of its thread `tid`.
    fn usage(&self, pid: i32, tid: Option<i32>) -> Option<ProcUsage>;
    /// The kernel's system-wide state.
    fn system(&self) -> SystemInfo;
    /// Renames thread `tid` of process `pid` (a write to its `comm`);
    /// `ESRCH` if it is gone.
    fn set_comm(&self, pid: i32, tid: i32, comm: &[u8]) -> Result<(), crate::Errno>;
}
