//! Futexes, for a process with one thread: nobody else can wait or wake,
//! so WAKE finds no waiters and WAIT only checks the value and sleeps out
//! its timeout. Real wait queues come with threads.

use std::time::Duration;

use trapline_abi::structs::Timespec;

use crate::prelude::*;

const FUTEX_WAIT: i32 = 0;
const FUTEX_WAKE: i32 = 1;
const FUTEX_REQUEUE: i32 = 3;
const FUTEX_CMP_REQUEUE: i32 = 4;
const FUTEX_WAKE_OP: i32 = 5;
const FUTEX_WAIT_BITSET: i32 = 9;
const FUTEX_WAKE_BITSET: i32 = 10;
const FUTEX_PRIVATE_FLAG: i32 = 128;
const FUTEX_CLOCK_REALTIME: i32 = 256;

syscall! {
    Partial("single-threaded processes only: WAKE finds no waiters, WAIT returns EAGAIN or sleeps until its timeout; PI futexes give ENOSYS")
    => fn futex(task, uaddr: UserAddr, op: i32, val: u32, utime: UserAddr, _uaddr2: UserAddr, val3: u32) -> SysResult {
        let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
        if !uaddr.0.is_multiple_of(4) {
            return Err(Errno::EINVAL);
        }
        match cmd {
            FUTEX_WAKE | FUTEX_WAKE_BITSET | FUTEX_REQUEUE | FUTEX_CMP_REQUEUE | FUTEX_WAKE_OP => {
                if cmd == FUTEX_WAKE_BITSET && val3 == 0 {
                    return Err(Errno::EINVAL);
                }
                if cmd == FUTEX_CMP_REQUEUE && task.mem().read_u32(uaddr.0)? != val3 {
                    return Err(Errno::EAGAIN);
                }
                task.mem().read_u32(uaddr.0)?;
                Ok(0)
            }
            FUTEX_WAIT | FUTEX_WAIT_BITSET => {
                if cmd == FUTEX_WAIT_BITSET && val3 == 0 {
                    return Err(Errno::EINVAL);
                }
                if task.mem().read_u32(uaddr.0)? != val {
                    return Err(Errno::EAGAIN);
                }
                if utime.is_null() {
                    // Nothing can ever wake a lone thread; Linux would
                    // block until a signal. Signals are not delivered yet.
                    task.kernel.note("trapline: futex wait with no other thread to wake it; the guest would hang");
                    return Err(Errno::EDEADLK);
                }
                let ts: Timespec = read_obj(&task.mem(), utime.0)?;
                if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                    return Err(Errno::EINVAL);
                }
                let d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
                // FUTEX_WAIT takes a relative timeout, WAIT_BITSET an absolute one.
                let wait = if cmd == FUTEX_WAIT {
                    d
                } else {
                    let clock = if op & FUTEX_CLOCK_REALTIME != 0 { libc::CLOCK_REALTIME } else { libc::CLOCK_MONOTONIC };
                    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                    // SAFETY: now is a valid out-pointer.
                    unsafe { libc::clock_gettime(clock, &mut now) };
                    d.saturating_sub(Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
                };
                task.sleep(wait).map_err(|_| Errno::EINTR)?;
                Err(Errno::ETIMEDOUT)
            }
            _ => Err(Errno::ENOSYS),
        }
    }
}
