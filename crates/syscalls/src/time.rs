//! Clocks and sleeping. `clock_gettime`, `gettimeofday` and `time` normally
//! never trap: the guest has the host's vDSO. These handlers serve the calls
//! that do trap (unusual clocks, or programs that make the raw syscall).

use std::time::Duration;

use trapline_abi::structs::{Timespec, Timeval, Timezone};

use crate::prelude::*;

/// Where a guest clock's time comes from.
enum Clock {
    /// A host clock Trapline may read directly (system clocks, and the
    /// guest process's CPU clock, which the host lets any relative read).
    Host(libc::clockid_t),
    /// A guest thread's CPU time: the host only lets a process read its own
    /// threads' clocks, so it comes from /proc/PID/task/TID/schedstat.
    ThreadCpu(i32),
}

/// The clocks a guest may read. Dynamic CPU-clock ids name processes, so only
/// the caller's own are accepted, and rebuilt for its host process: no host
/// pid is ever taken from the guest.
fn guest_clock(task: &Task, clock: i32) -> Result<Clock, Errno> {
    let host = task.tracee.host_pid();
    // A process clock names the host process (its thread group), which a
    // thread other than the first is not.
    let host_process = task.process.sig.host_tgid().unwrap_or(host);
    match clock {
        libc::CLOCK_REALTIME
        | libc::CLOCK_MONOTONIC
        | libc::CLOCK_MONOTONIC_RAW
        | libc::CLOCK_REALTIME_COARSE
        | libc::CLOCK_MONOTONIC_COARSE
        | libc::CLOCK_BOOTTIME
        | libc::CLOCK_TAI => Ok(Clock::Host(clock)),
        // Linux's encoding of a per-process CPU clock: (~pid << 3) | type,
        // with 4 added for a per-thread clock; CPUCLOCK_SCHED is type 2.
        libc::CLOCK_PROCESS_CPUTIME_ID => Ok(Clock::Host(((!host_process) << 3) | 2)),
        libc::CLOCK_THREAD_CPUTIME_ID => Ok(Clock::ThreadCpu(host)),
        c if c < 0 => {
            let (kind, per_thread, pid) = (c & 3, c & 4 != 0, !(c >> 3));
            let own = if per_thread {
                task.tid
            } else {
                task.process.pid
            };
            if kind == 3 || (pid != 0 && pid != own) {
                return Err(Errno::EINVAL);
            }
            if per_thread {
                Ok(Clock::ThreadCpu(host))
            } else {
                Ok(Clock::Host(((!host_process) << 3) | kind))
            }
        }
        _ => Err(Errno::EINVAL),
    }
}

fn host_clock_now(clock: libc::clockid_t) -> Result<Timespec, Errno> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Timespec {
        tv_sec: ts.tv_sec,
        tv_nsec: ts.tv_nsec,
    })
}

fn now(clock: &Clock) -> Result<Timespec, Errno> {
    match *clock {
        Clock::Host(c) => host_clock_now(c),
        Clock::ThreadCpu(tid) => {
            let stat = std::fs::read_to_string(format!("/proc/{tid}/task/{tid}/schedstat"))
                .map_err(|_| Errno::EINVAL)?;
            let ns: i64 = stat
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or(Errno::EINVAL)?;
            Ok(Timespec {
                tv_sec: ns / 1_000_000_000,
                tv_nsec: ns % 1_000_000_000,
            })
        }
    }
}

syscall! {
    Implemented => fn clock_gettime(task, clock: i32, tp: UserAddr) -> SysResult {
        let ts = now(&guest_clock(task, clock)?)?;
        write_obj(&task.mem(), tp.0, &ts)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn clock_getres(task, clock: i32, tp: UserAddr) -> SysResult {
        let c = match guest_clock(task, clock)? {
            Clock::Host(c) => c,
            Clock::ThreadCpu(_) => libc::CLOCK_THREAD_CPUTIME_ID,
        };
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: ts is a valid out-pointer.
        unsafe { libc::clock_getres(c, &mut ts) };
        if !tp.is_null() {
            write_obj(&task.mem(), tp.0, &Timespec { tv_sec: ts.tv_sec, tv_nsec: ts.tv_nsec })?;
        }
        Ok(0)
    }
}

syscall! {
    Implemented => fn gettimeofday(task, tv: UserAddr, tz: UserAddr) -> SysResult {
        let ts = host_clock_now(libc::CLOCK_REALTIME)?;
        if !tv.is_null() {
            let v = Timeval { tv_sec: ts.tv_sec, tv_usec: ts.tv_nsec / 1000 };
            write_obj(&task.mem(), tv.0, &v)?;
        }
        if !tz.is_null() {
            write_obj(&task.mem(), tz.0, &Timezone { tz_minuteswest: 0, tz_dsttime: 0 })?;
        }
        Ok(0)
    }
}

syscall! {
    Implemented => fn time(task, tloc: UserAddr) -> SysResult {
        let ts = host_clock_now(libc::CLOCK_REALTIME)?;
        if !tloc.is_null() {
            write_obj(&task.mem(), tloc.0, &ts.tv_sec)?;
        }
        Ok(ts.tv_sec as u64)
    }
}

/// Reads and checks a relative or absolute sleep time.
fn read_timespec(task: &Task, addr: UserAddr) -> Result<Timespec, Errno> {
    let ts: Timespec = read_obj(&task.mem(), addr.0)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(ts)
}

/// Sleeps until `deadline`. When a signal interrupts, writes the time left
/// to `rem` (if given) and ends with `ERESTART_RESTARTBLOCK`, as Linux's
/// relative sleeps do: a handler makes it EINTR; otherwise restart_syscall
/// sleeps the rest (this same function, with the same deadline).
fn sleep_until(task: &mut Task, deadline: std::time::Instant, rem: UserAddr) -> SysResult {
    let left = deadline.saturating_duration_since(std::time::Instant::now());
    match task.sleep(left) {
        Ok(()) => Ok(0),
        Err(left) => {
            if !rem.is_null() {
                let ts = Timespec {
                    tv_sec: left.as_secs() as i64,
                    tv_nsec: i64::from(left.subsec_nanos()),
                };
                write_obj(&task.mem(), rem.0, &ts)?;
            }
            trapline_kernel::signal::deliver::set_restart_block(
                task,
                Box::new(move |task: &mut Task| sleep_until(task, deadline, rem)),
            );
            Err(Errno::ERESTART_RESTARTBLOCK)
        }
    }
}

/// A relative sleep of `d`.
fn interruptible_sleep(task: &mut Task, d: Duration, rem: UserAddr) -> SysResult {
    match std::time::Instant::now().checked_add(d) {
        Some(deadline) => sleep_until(task, deadline, rem),
        // Too far to represent: sleeps until a signal.
        None => {
            while task.sleep(Duration::from_secs(3600)).is_ok() {}
            Err(Errno::ERESTARTNOHAND)
        }
    }
}

fn duration(ts: &Timespec) -> Duration {
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

syscall! {
    Implemented => fn nanosleep(task, req: UserAddr, rem: UserAddr) -> SysResult {
        let ts = read_timespec(task, req)?;
        interruptible_sleep(task, duration(&ts), rem)
    }
}

syscall! {
    Implemented => fn clock_nanosleep(task, clock: i32, flags: i32, req: UserAddr, rem: UserAddr) -> SysResult {
        let clock = match clock {
            libc::CLOCK_REALTIME | libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME | libc::CLOCK_TAI => clock,
            libc::CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EINVAL),
            _ => return Err(Errno::EINVAL),
        };
        let ts = read_timespec(task, req)?;
        if flags & libc::TIMER_ABSTIME != 0 {
            let now = host_clock_now(clock)?;
            // An absolute sleep is simply restarted (the deadline is read
            // again): nothing to write back.
            return task.sleep(duration(&ts).saturating_sub(duration(&now))).map(|_| 0).map_err(|_| Errno::ERESTARTNOHAND);
        }
        interruptible_sleep(task, duration(&ts), rem)
    }
}
