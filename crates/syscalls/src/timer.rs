//! Timers that send signals: alarm, setitimer/getitimer (ITIMER_REAL,
//! ITIMER_VIRTUAL, ITIMER_PROF) and POSIX timers. The kernel side is `trapline_kernel::signal::timer`.

use std::time::Duration;

use trapline_abi::signal::{
    ITimerSpec, ITimerVal, SigEvent, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID,
};
use trapline_abi::structs::{Timespec, Timeval};
use trapline_kernel::signal::timer::{self, CpuKind, Itimer, Notify, Setting, TimerClock};
use trapline_kernel::signal::NSIG;

use crate::prelude::*;

const ITIMER_REAL: i32 = 0;
const ITIMER_VIRTUAL: i32 = 1;
const ITIMER_PROF: i32 = 2;

fn timeval(d: Duration) -> Timeval {
    Timeval {
        tv_sec: d.as_secs() as i64,
        tv_usec: i64::from(d.subsec_micros()),
    }
}

fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

fn from_timeval(tv: &Timeval) -> Result<Duration, Errno> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000))
}

fn from_timespec(ts: &Timespec) -> Result<Duration, Errno> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

fn itimerval(s: Setting) -> ITimerVal {
    ITimerVal {
        it_interval: timeval(s.interval),
        it_value: timeval(s.value),
    }
}

fn itimerspec(s: Setting) -> ITimerSpec {
    ITimerSpec {
        it_interval: timespec(s.interval),
        it_value: timespec(s.value),
    }
}

/// setitimer's `which`.
fn itimer(which: i32) -> Result<Itimer, Errno> {
    match which {
        ITIMER_REAL => Ok(Itimer::Real),
        ITIMER_VIRTUAL => Ok(Itimer::Virtual),
        ITIMER_PROF => Ok(Itimer::Prof),
        _ => Err(Errno::EINVAL),
    }
}

syscall! {
    Implemented => fn setitimer(task, which: i32, value: UserAddr, ovalue: UserAddr) -> SysResult {
        // A NULL new value disarms, as Linux still allows.
        let new = if value.is_null() {
            Setting::default()
        } else {
            let v: ITimerVal = read_obj(&task.mem(), value.0)?;
            Setting {
                value: from_timeval(&v.it_value)?,
                interval: from_timeval(&v.it_interval)?,
            }
        };
        let which = itimer(which)?;
        let old = timer::set_itimer(&task.kernel, &task.process, which, new);
        if !ovalue.is_null() {
            write_obj(&task.mem(), ovalue.0, &itimerval(old))?;
        }
        Ok(0)
    }
}

syscall! {
    Implemented => fn getitimer(task, which: i32, value: UserAddr) -> SysResult {
        let which = itimer(which)?;
        write_obj(&task.mem(), value.0, &itimerval(timer::get_itimer(&task.process, which)))?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn alarm(task, seconds: u32) -> SysResult {
        let new = Setting { value: Duration::from_secs(seconds.into()), interval: Duration::ZERO };
        let old = timer::set_itimer(&task.kernel, &task.process, Itimer::Real, new).value;
        // Rounded as Linux does: a fraction left counts as a second.
        let mut secs = old.as_secs();
        if (secs == 0 && !old.is_zero()) || old.subsec_micros() >= 500_000 {
            secs += 1;
        }
        Ok(secs)
    }
}

/// The clocks a POSIX timer may run on: the wall clocks, and the CPU-time
/// clocks of the caller's process and of its threads (Linux's encoding of
/// a dynamic CPU clock id: `(~pid << 3) | kind`, plus 4 for a thread).
fn timer_clock(task: &Task, clock: i32) -> Result<TimerClock, Errno> {
    match clock {
        libc::CLOCK_REALTIME | libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME | libc::CLOCK_TAI => {
            Ok(TimerClock::Wall(clock))
        }
        // Waking the system needs CAP_WAKE_ALARM.
        libc::CLOCK_REALTIME_ALARM | libc::CLOCK_BOOTTIME_ALARM => Err(Errno::EPERM),
        libc::CLOCK_PROCESS_CPUTIME_ID => Ok(TimerClock::Process(CpuKind::Sched)),
        libc::CLOCK_THREAD_CPUTIME_ID => Ok(TimerClock::Thread(task.tid)),
        c if c < 0 => {
            let (kind, per_thread, pid) = (c & 3, c & 4 != 0, !(c >> 3));
            let kind = match kind {
                0 => CpuKind::Prof,
                1 => CpuKind::Virt,
                2 => CpuKind::Sched,
                // A clock named by an fd (PTP and other dynamic clocks):
                // they have no timers.
                _ => return Err(Errno::EOPNOTSUPP),
            };
            if per_thread {
                // A thread of the caller's process (0: the caller).
                let tid = if pid == 0 { task.tid } else { pid };
                if !task.process.threads.contains(tid) {
                    return Err(Errno::EINVAL);
                }
                Ok(TimerClock::Thread(tid))
            } else if pid == 0 || pid == task.process.pid {
                Ok(TimerClock::Process(kind))
            } else {
                Err(Errno::EINVAL)
            }
        }
        _ => Err(Errno::EINVAL),
    }
}

syscall! {
    Partial("wall clocks, and the CPU-time clocks of the caller's process and threads (another process's CPU clock gives EINVAL)")
    => fn timer_create(task, clock: i32, sevp: UserAddr, timerid: UserAddr) -> SysResult {
        let clock = timer_clock(task, clock)?;
        // No sigevent: SIGALRM to the process, with the timer's id as value.
        let (notify, id_as_value) = if sevp.is_null() {
            (Notify::Signal { signo: libc::SIGALRM, value: 0, tid: None }, true)
        } else {
            let ev: SigEvent = read_obj(&task.mem(), sevp.0)?;
            let signal_ok = (1..=NSIG as i32).contains(&ev.signo);
            let n = match ev.notify {
                SIGEV_NONE => Notify::None,
                SIGEV_SIGNAL | SIGEV_THREAD if signal_ok => {
                    Notify::Signal { signo: ev.signo, value: ev.value, tid: None }
                }
                n if n == SIGEV_SIGNAL | SIGEV_THREAD_ID && signal_ok => {
                    // The thread must be one of the caller's process.
                    if !task.process.threads.contains(ev.tid) {
                        return Err(Errno::EINVAL);
                    }
                    Notify::Signal { signo: ev.signo, value: ev.value, tid: Some(ev.tid) }
                }
                _ => return Err(Errno::EINVAL),
            };
            (n, false)
        };
        let id = timer::create(&task.process, clock, notify, id_as_value)?;
        if let Err(e) = write_obj(&task.mem(), timerid.0, &id) {
            let _ = timer::delete(&task.process, id);
            return Err(e);
        }
        Ok(0)
    }
}

syscall! {
    Implemented => fn timer_settime(task, timerid: i32, flags: i32, new: UserAddr, old: UserAddr) -> SysResult {
        let spec: ITimerSpec = read_obj(&task.mem(), new.0)?;
        let setting = Setting {
            value: from_timespec(&spec.it_value)?,
            interval: from_timespec(&spec.it_interval)?,
        };
        let absolute = flags & libc::TIMER_ABSTIME != 0;
        let prev = timer::settime(&task.kernel, &task.process, timerid, setting, absolute)?;
        if !old.is_null() {
            write_obj(&task.mem(), old.0, &itimerspec(prev))?;
        }
        Ok(0)
    }
}

syscall! {
    Implemented => fn timer_gettime(task, timerid: i32, setting: UserAddr) -> SysResult {
        let s = timer::gettime(&task.process, timerid)?;
        write_obj(&task.mem(), setting.0, &itimerspec(s))?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn timer_getoverrun(task, timerid: i32) -> SysResult {
        Ok(timer::getoverrun(&task.process, timerid)? as u64)
    }
}

syscall! {
    Implemented => fn timer_delete(task, timerid: i32) -> SysResult {
        timer::delete(&task.process, timerid)?;
        Ok(0)
    }
}
