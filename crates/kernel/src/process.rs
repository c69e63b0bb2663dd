//! A process (thread group) and the state its threads share.

use std::sync::Mutex;

use trapline_vfs::{FdTable, FsContext};

use crate::creds::Credentials;
use crate::mm::MemoryMap;
use crate::rlimit::Rlimits;
use crate::signal::SignalActions;

/// One guest process. Each piece of state that threads share and change sits
/// behind its own lock, never one big lock (see ARCHITECTURE.md).
pub struct Process {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    pub creds: Mutex<Credentials>,
    pub fds: Mutex<FdTable>,
    pub fs: Mutex<FsContext>,
    pub mm: Mutex<MemoryMap>,
    pub rlimits: Mutex<Rlimits>,
    pub signals: Mutex<SignalActions>,
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
}

/// Locks a mutex, recovering the data if another thread panicked with it
/// (the kernel keeps running; the data is still consistent per operation).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
