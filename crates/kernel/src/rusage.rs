//! Resource usage of guest processes: CPU time and peak memory, read from
//! the host process behind a guest (its /proc), and the totals of reaped
//! children that getrusage(RUSAGE_CHILDREN), wait4 and times report.

use std::ops::AddAssign;

/// CPU time (µs) and peak resident memory (KiB) of one process.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub utime_us: u64,
    pub stime_us: u64,
    pub maxrss_kb: u64,
}

impl AddAssign for Usage {
    /// Children add up their times; maxrss is the largest one (as Linux).
    fn add_assign(&mut self, o: Usage) {
        self.utime_us += o.utime_us;
        self.stime_us += o.stime_us;
        self.maxrss_kb = self.maxrss_kb.max(o.maxrss_kb);
    }
}

/// The host's clock ticks per second (for /proc's times).
fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .unwrap_or(100)
        .max(1)
}

/// The usage of host process (or thread) `pid` so far; zeros if it is gone.
pub fn of_host(pid: i32) -> Usage {
    let mut u = Usage::default();
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // Fields after the command name (which may hold spaces): state is
        // field 3, utime 14, stime 15.
        if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
            let f: Vec<&str> = rest.split_whitespace().collect();
            let tick_us = 1_000_000 / ticks_per_second();
            let field = |n: usize| {
                f.get(n - 3)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            u.utime_us = field(14) * tick_us;
            u.stime_us = field(15) * tick_us;
        }
    }
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
        u.maxrss_kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
    }
    u
}

/// `struct rusage` (144 bytes): the times as timevals, maxrss, the rest 0.
pub fn rusage_bytes(u: &Usage) -> [u8; 144] {
    let mut b = [0u8; 144];
    let words: [i64; 5] = [
        (u.utime_us / 1_000_000) as i64,
        (u.utime_us % 1_000_000) as i64,
        (u.stime_us / 1_000_000) as i64,
        (u.stime_us % 1_000_000) as i64,
        u.maxrss_kb as i64,
    ];
    for (i, w) in words.iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&w.to_ne_bytes());
    }
    b
}

/// The time since the host booted (`CLOCK_BOOTTIME`): the guest's clocks
/// are the host's (the vDSO reads them natively), so its boot is too.
pub fn since_boot() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    std::time::Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// `since_boot` in clock ticks (/proc/PID/stat's start time).
pub fn ticks_since_boot() -> u64 {
    let d = since_boot();
    d.as_secs() * ticks_per_second() + u64::from(d.subsec_micros()) * ticks_per_second() / 1_000_000
}

/// Microseconds as clock ticks (for times(2)).
pub fn ticks(us: u64) -> u64 {
    us * ticks_per_second() / 1_000_000
}
