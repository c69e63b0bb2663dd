//! The state shared by every task of one Trapline run.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use trapline_platform::stub::StubImage;
use trapline_vfs::Vfs;

/// One Trapline kernel instance.
pub struct Kernel {
    pub vfs: Arc<Vfs>,
    /// The stub every new address space is exec'd from.
    pub stub: StubImage,
    /// When this kernel booted (for sysinfo's uptime).
    pub boot_time: Instant,
    /// The CPUs the guest may use (Trapline's own affinity at start-up,
    /// before it pins its threads).
    pub cpus: Vec<usize>,
    next_pid: AtomicI32,
    /// Unimplemented syscall numbers already reported to the user.
    reported: Mutex<HashSet<u64>>,
    /// Where "unimplemented syscall" notes go (stderr, or the trace file).
    notes: Mutex<Box<dyn std::io::Write + Send>>,
}

impl Kernel {
    pub fn new(vfs: Arc<Vfs>, stub: StubImage) -> Kernel {
        Kernel {
            vfs,
            stub,
            boot_time: Instant::now(),
            cpus: trapline_platform::cpu::allowed_cpus(),
            next_pid: AtomicI32::new(1),
            reported: Mutex::new(HashSet::new()),
            notes: Mutex::new(Box::new(std::io::stderr())),
        }
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

    /// Tells the user, once per syscall number, that the guest called
    /// something Trapline does not implement.
    pub fn report_unimplemented(&self, nr: u64, name: &str) {
        let first = self.reported.lock().map(|mut s| s.insert(nr)).unwrap_or(false);
        if first {
            self.note(&format!("trapline: unimplemented syscall {name} (nr {nr}) returned ENOSYS"));
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
