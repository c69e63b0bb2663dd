//! poll and ppoll: readiness of fds, waited for inside the kernel.
//!
//! Readiness comes from each file (`FileOps::poll`). Waiting is a loop that
//! re-checks with a growing pause (1 ms up to 20 ms) and ends early when a
//! signal for the guest arrives, like every blocking wait in the kernel;
//! wake-ups from the files themselves are a later refinement.

use std::time::{Duration, Instant};

use trapline_abi::structs::Timespec;

use crate::prelude::*;

/// `struct pollfd`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
struct PollFd {
    fd: i32,
    events: i16,
    revents: i16,
}

// SAFETY: an i32 and two i16s, 8 bytes, no padding.
unsafe impl Plain for PollFd {}

/// Fills in `revents`; returns how many fds are ready.
fn check(task: &Task, fds: &mut [PollFd]) -> usize {
    let table = lock(&task.process.fds);
    let mut ready = 0;
    for p in fds.iter_mut() {
        p.revents = if p.fd < 0 {
            0
        } else {
            match table.get(p.fd) {
                Ok(f) => f.poll() & (p.events | libc::POLLERR | libc::POLLHUP),
                Err(_) => libc::POLLNVAL,
            }
        };
        if p.revents != 0 {
            ready += 1;
        }
    }
    ready
}

/// The common part of poll and ppoll; `timeout` None waits for ever.
fn do_poll(task: &mut Task, ufds: UserAddr, nfds: u64, timeout: Option<Duration>) -> SysResult {
    if nfds > lock(&task.process.rlimits).nofile() {
        return Err(Errno::EINVAL);
    }
    let n = nfds as usize;
    let mut bytes = vec![0u8; n * 8];
    task.mem().read(ufds.0, &mut bytes)?;
    let mut fds: Vec<PollFd> = bytes
        .chunks_exact(8)
        .map(|c| PollFd {
            fd: i32::from_ne_bytes([c[0], c[1], c[2], c[3]]),
            events: i16::from_ne_bytes([c[4], c[5]]),
            revents: 0,
        })
        .collect();
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut pause = Duration::from_millis(1);
    let ready = loop {
        let ready = check(task, &mut fds);
        let expired = deadline.is_some_and(|d| Instant::now() >= d);
        if ready > 0 || expired {
            break ready;
        }
        let left = deadline.map_or(pause, |d| {
            d.saturating_duration_since(Instant::now()).min(pause)
        });
        if task.sleep(left).is_err() {
            return Err(Errno::EINTR);
        }
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let out: Vec<u8> = fds.iter().flat_map(|p| p.as_bytes().to_vec()).collect();
    task.mem().write(ufds.0, &out)?;
    Ok(ready as u64)
}

syscall! {
    Partial("readiness of pipes, host terminals and pipes, and files; sockets, eventfds and other event sources come later")
    => fn poll(task, ufds: UserAddr, nfds: u64, timeout_msecs: i32) -> SysResult {
        let timeout = u64::try_from(timeout_msecs).ok().map(Duration::from_millis);
        do_poll(task, ufds, nfds, timeout)
    }
}

syscall! {
    Partial("as poll; the signal mask is applied for the wait")
    => fn ppoll(task, ufds: UserAddr, nfds: u64, tsp: UserAddr, sigmask: UserAddr, sigsetsize: usize) -> SysResult {
        let timeout = if tsp.is_null() {
            None
        } else {
            let ts: Timespec = read_obj(&task.mem(), tsp.0)?;
            if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                return Err(Errno::EINVAL);
            }
            Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
        };
        let saved = task.signal_mask;
        if !sigmask.is_null() {
            if sigsetsize != 8 {
                return Err(Errno::EINVAL);
            }
            let m: u64 = read_obj(&task.mem(), sigmask.0)?;
            task.signal_mask = m & !((1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1)));
        }
        let r = do_poll(task, ufds, nfds, timeout);
        task.signal_mask = saved;
        r
    }
}
