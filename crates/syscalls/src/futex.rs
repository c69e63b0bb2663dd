//! futex(2): argument decoding and Linux's order of checks; the wait
//! queues are the kernel's (`trapline_kernel::futex`).

use std::time::{Duration, Instant};

use trapline_abi::structs::Timespec;
use trapline_kernel::futex::{FutexKey, FUTEX_BITSET_MATCH_ANY};

use crate::prelude::*;

const FUTEX_WAIT: i32 = 0;
const FUTEX_WAKE: i32 = 1;
const FUTEX_REQUEUE: i32 = 3;
const FUTEX_CMP_REQUEUE: i32 = 4;
const FUTEX_WAKE_OP: i32 = 5;
const FUTEX_LOCK_PI: i32 = 6;
const FUTEX_WAIT_BITSET: i32 = 9;
const FUTEX_WAKE_BITSET: i32 = 10;
const FUTEX_WAIT_REQUEUE_PI: i32 = 11;
const FUTEX_LOCK_PI2: i32 = 13;
const FUTEX_PRIVATE_FLAG: i32 = 128;
const FUTEX_CLOCK_REALTIME: i32 = 256;

/// When a wait given `ts` ends: `None` for never (no timeout, or one too
/// far away to matter). FUTEX_WAIT takes a relative time, the others an
/// absolute one on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME,
/// CLOCK_REALTIME.
fn deadline(ts: &Timespec, relative: bool, realtime: bool) -> Result<Option<Instant>, Errno> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    let t = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    let wait = if relative {
        t
    } else {
        let clock = if realtime {
            libc::CLOCK_REALTIME
        } else {
            libc::CLOCK_MONOTONIC
        };
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: now is a valid out-pointer.
        unsafe { libc::clock_gettime(clock, &mut now) };
        let now = Duration::new(
            now.tv_sec.max(0) as u64,
            now.tv_nsec.clamp(0, 999_999_999) as u32,
        );
        t.saturating_sub(now)
    };
    Ok(Instant::now().checked_add(wait))
}

syscall! {
    Partial("PI futexes give ENOSYS; WAKE_OP's update is atomic only against other futex calls, not against guest threads running at the same time")
    => fn futex(task, uaddr: UserAddr, op: i32, val: u32, utime: UserAddr, uaddr2: UserAddr, val3: u32) -> SysResult {
        let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
        let shared = op & FUTEX_PRIVATE_FLAG == 0;
        let realtime = op & FUTEX_CLOCK_REALTIME != 0;
        // The timeout is read and checked first (Linux's syscall entry).
        let has_timeout = matches!(
            cmd,
            FUTEX_WAIT | FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI
        );
        let until = if has_timeout && !utime.is_null() {
            let ts: Timespec = read_obj(&task.mem(), utime.0)?;
            deadline(&ts, cmd == FUTEX_WAIT, realtime)?
        } else {
            None
        };
        if realtime && !matches!(cmd, FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI | FUTEX_LOCK_PI2) {
            return Err(Errno::ENOSYS);
        }
        // The count argument of the requeue and wake-op calls shares the
        // timeout's register.
        let val2 = utime.0 as u32 as i32;
        let table = &task.kernel.futexes;
        match cmd {
            FUTEX_WAIT | FUTEX_WAIT_BITSET => {
                let bitset = if cmd == FUTEX_WAIT { FUTEX_BITSET_MATCH_ANY } else { val3 };
                if bitset == 0 {
                    return Err(Errno::EINVAL);
                }
                let key = FutexKey::new(task, uaddr.0, shared)?;
                table.wait(task, key, val, bitset, until)?;
                Ok(0)
            }
            FUTEX_WAKE | FUTEX_WAKE_BITSET => {
                let bitset = if cmd == FUTEX_WAKE { FUTEX_BITSET_MATCH_ANY } else { val3 };
                if bitset == 0 {
                    return Err(Errno::EINVAL);
                }
                let key = FutexKey::new(task, uaddr.0, shared)?;
                if shared {
                    // A shared key needs the page (Linux: EFAULT if unmapped).
                    task.mem().read_u32(uaddr.0)?;
                }
                Ok(table.wake(key, val as i32, bitset) as u64)
            }
            FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
                let (nr_wake, nr_requeue) = (val as i32, val2);
                if nr_wake < 0 || nr_requeue < 0 {
                    return Err(Errno::EINVAL);
                }
                let key1 = FutexKey::new(task, uaddr.0, shared)?;
                let key2 = FutexKey::new(task, uaddr2.0, shared)?;
                if shared {
                    task.mem().read_u32(uaddr.0)?;
                    task.mem().read_u32(uaddr2.0)?;
                }
                let cmp = (cmd == FUTEX_CMP_REQUEUE).then_some(val3);
                Ok(table.requeue(task, key1, key2, nr_wake, nr_requeue, cmp)? as u64)
            }
            FUTEX_WAKE_OP => {
                let key1 = FutexKey::new(task, uaddr.0, shared)?;
                let key2 = FutexKey::new(task, uaddr2.0, shared)?;
                if shared {
                    task.mem().read_u32(uaddr.0)?;
                }
                Ok(table.wake_op(task, key1, key2, val as i32, val2, val3)? as u64)
            }
            // The PI family is not implemented; FUTEX_FD went away in
            // Linux 2.6.26.
            _ => Err(Errno::ENOSYS),
        }
    }
}

const MEMBARRIER_CMD_QUERY: i32 = 0;
/// The commands that make sense without rseq, which Trapline does not
/// support (GLOBAL, GLOBAL_EXPEDITED and its registration,
/// PRIVATE_EXPEDITED and SYNC_CORE with their registrations).
const MEMBARRIER_SUPPORTED: i32 = 1 | 2 | 4 | 8 | 16 | 32 | 64;

syscall! {
    Partial("carried out by the host in the guest's host process (all its threads share it); the rseq commands give EINVAL")
    => fn membarrier(task, cmd: i32, flags: u32, cpu_id: i32) -> SysResult {
        if cmd == MEMBARRIER_CMD_QUERY {
            if flags != 0 {
                return Err(Errno::EINVAL);
            }
            let host = task.inject(libc::SYS_membarrier, &[0, 0, 0])?;
            return match Errno::from_return(host as u64) {
                Some(e) => Err(e),
                None => Ok(host as u64 & MEMBARRIER_SUPPORTED as u64),
            };
        }
        if flags != 0 || cmd & MEMBARRIER_SUPPORTED != cmd || cmd.count_ones() != 1 {
            return Err(Errno::EINVAL);
        }
        // The host checks registrations (EPERM) and runs the barrier on
        // every thread of the guest's host process.
        let r = task.inject(libc::SYS_membarrier, &[cmd as u64, 0, cpu_id as u32 as u64])?;
        match Errno::from_return(r as u64) {
            Some(e) => Err(e),
            None => Ok(r as u64),
        }
    }
}
