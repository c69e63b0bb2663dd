//! Clocks and sleeping. `clock_gettime`, `gettimeofday` and `time` normally
//! never trap: the guest has the host's vDSO. These handlers serve the calls
//! that do trap (unusual clocks, or programs that make the raw syscall).

use std::time::Duration;

use trapline_abi::structs::{Timespec, Timeval, Timezone};

use crate::prelude::*;

/// The clocks a guest may read. Negative (CPU-clock) ids would name host
/// processes, so they are refused; the CPU-time clocks are translated to the
/// guest's own host process.
fn host_clock(task: &Task, clock: i32) -> Result<libc::clockid_t, Errno> {
    match clock {
        libc::CLOCK_REALTIME
        | libc::CLOCK_MONOTONIC
        | libc::CLOCK_MONOTONIC_RAW
        | libc::CLOCK_REALTIME_COARSE
        | libc::CLOCK_MONOTONIC_COARSE
        | libc::CLOCK_BOOTTIME
        | libc::CLOCK_TAI => Ok(clock),
        libc::CLOCK_PROCESS_CPUTIME_ID | libc::CLOCK_THREAD_CPUTIME_ID => {
            // Linux's encoding of a per-process CPU clock: (~pid << 3) | 2
            // (CPUCLOCK_SCHED), per-thread adds 4.
            let pid = task.tracee.host_pid();
            let per_thread = if clock == libc::CLOCK_THREAD_CPUTIME_ID { 4 } else { 0 };
            Ok(((!pid) << 3) | 2 | per_thread)
        }
        c if c < 0 => cpu_clock(task, c),
        _ => Err(Errno::EINVAL),
    }
}

/// A dynamic CPU clock id (`~pid << 3 | per_thread << 2 | type`), as
/// `clock_getcpuclockid` makes them. Only the caller's own process (pid 0 or
/// its virtual pid) and thread are visible; the id is rebuilt for its host
/// process so no host pid is ever taken from the guest.
fn cpu_clock(task: &Task, clock: i32) -> Result<libc::clockid_t, Errno> {
    let kind = clock & 3;
    let per_thread = clock & 4;
    let pid = !(clock >> 3);
    if kind == 3 {
        return Err(Errno::EINVAL);
    }
    let own = if per_thread != 0 { task.tid } else { task.process.pid };
    if pid != 0 && pid != own {
        return Err(Errno::EINVAL);
    }
    Ok(((!task.tracee.host_pid()) << 3) | per_thread | kind)
}

fn now(clock: libc::clockid_t) -> Result<Timespec, Errno> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: ts is a valid out-pointer.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Timespec { tv_sec: ts.tv_sec, tv_nsec: ts.tv_nsec })
}

syscall! {
    Implemented => fn clock_gettime(task, clock: i32, tp: UserAddr) -> SysResult {
        let ts = now(host_clock(task, clock)?)?;
        write_obj(&task.mem(), tp.0, &ts)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn clock_getres(task, clock: i32, tp: UserAddr) -> SysResult {
        let c = host_clock(task, clock)?;
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
        let ts = now(libc::CLOCK_REALTIME)?;
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
        let ts = now(libc::CLOCK_REALTIME)?;
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

fn duration(ts: &Timespec) -> Duration {
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

syscall! {
    Partial("sleeps the whole time: signals do not interrupt it yet")
    => fn nanosleep(task, req: UserAddr, _rem: UserAddr) -> SysResult {
        let ts = read_timespec(task, req)?;
        std::thread::sleep(duration(&ts));
        Ok(0)
    }
}

syscall! {
    Partial("sleeps the whole time: signals do not interrupt it yet")
    => fn clock_nanosleep(task, clock: i32, flags: i32, req: UserAddr, _rem: UserAddr) -> SysResult {
        let clock = match clock {
            libc::CLOCK_REALTIME | libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME | libc::CLOCK_TAI => clock,
            libc::CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EINVAL),
            _ => return Err(Errno::EINVAL),
        };
        let ts = read_timespec(task, req)?;
        let wait = if flags & libc::TIMER_ABSTIME != 0 {
            let now = now(clock)?;
            duration(&ts).saturating_sub(duration(&now))
        } else {
            duration(&ts)
        };
        std::thread::sleep(wait);
        Ok(0)
    }
}
