//! Keeping a guest thread on the CPU of the host thread that serves it.
//!
//! A ptrace round trip between two CPUs costs about six times one on the same
//! CPU on these machines, because waking an idle vCPU is slow (see
//! ARCHITECTURE.md). The tracer pins itself to one CPU before it forks the
//! stub; the stub inherits the mask, so tracer and guest share that CPU.

/// The CPUs this host thread may run on.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity writes at most
    // size_of::<cpu_set_t>() bytes into it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return vec![0];
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

/// Pins the calling host thread to `cpu`. Failure only costs speed, so it is
/// reported, not fatal.
pub fn pin_current_thread(cpu: usize) -> bool {
    // SAFETY: as above; sched_setaffinity(0) affects only the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// The CPU the calling thread runs on now.
pub fn current_cpu() -> usize {
    // SAFETY: sched_getcpu has no preconditions.
    let c = unsafe { libc::sched_getcpu() };
    usize::try_from(c).unwrap_or(0)
}

/// Pins a host process (a guest's, which the calling thread traces) to
/// `cpu`, like its tracer.
pub fn pin_process(pid: i32, cpu: usize) -> bool {
    // SAFETY: as above, for another process we are allowed to control.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}
