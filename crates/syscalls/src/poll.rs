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

/// The timeout of ppoll and pselect6: `None` (wait for ever) for a null
/// pointer, `EINVAL` for a negative or unnormalised `timespec`.
fn read_timeout(task: &Task, tsp: UserAddr) -> Result<Option<Duration>, Errno> {
    if tsp.is_null() {
        return Ok(None);
    }
    let ts: Timespec = read_obj(&task.mem(), tsp.0)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)))
}

syscall! {
    Partial("as poll; the signal mask is applied for the wait")
    => fn ppoll(task, ufds: UserAddr, nfds: u64, tsp: UserAddr, sigmask: UserAddr, sigsetsize: usize) -> SysResult {
        let timeout = read_timeout(task, tsp)?;
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

/// The fd_set words of one select set (`None` for a NULL pointer).
fn read_set(task: &Task, addr: UserAddr, nfds: usize) -> Result<Option<Vec<u64>>, Errno> {
    if addr.is_null() {
        return Ok(None);
    }
    let mut bytes = vec![0u8; nfds.div_ceil(64) * 8];
    task.mem().read(addr.0, &mut bytes)?;
    Ok(Some(
        bytes
            .chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap_or([0; 8])))
            .collect(),
    ))
}

fn write_set(task: &Task, addr: UserAddr, set: &Option<Vec<u64>>) -> Result<(), Errno> {
    if let Some(words) = set {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        task.mem().write(addr.0, &bytes)?;
    }
    Ok(())
}

/// Linux's select: ready bits in place of the asked ones; EBADF for a
/// closed fd in any set; `timeout` None waits for ever. Returns the count
/// and the time left.
fn do_select(
    task: &mut Task,
    nfds: i32,
    sets: [UserAddr; 3],
    timeout: Option<Duration>,
) -> Result<(u64, Duration), Errno> {
    let n = usize::try_from(nfds).map_err(|_| Errno::EINVAL)?;
    let n = n.min(lock(&task.process.rlimits).nofile().min(1 << 20) as usize);
    let asked = [
        read_set(task, sets[0], n)?,
        read_set(task, sets[1], n)?,
        read_set(task, sets[2], n)?,
    ];
    let want = |set: &Option<Vec<u64>>, fd: usize| {
        set.as_ref()
            .is_some_and(|w| w[fd / 64] & (1 << (fd % 64)) != 0)
    };
    let masks = [
        libc::POLLIN | libc::POLLHUP | libc::POLLERR,
        libc::POLLOUT | libc::POLLERR,
        libc::POLLPRI,
    ];
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut pause = Duration::from_millis(1);
    loop {
        let mut found: [Option<Vec<u64>>; 3] =
            asked.clone().map(|s| s.map(|w| vec![0u64; w.len()]));
        let mut count = 0u64;
        {
            let table = lock(&task.process.fds);
            for fd in 0..n {
                if !(0..3).any(|i| want(&asked[i], fd)) {
                    continue;
                }
                let file = table.get(fd as i32).map_err(|_| Errno::EBADF)?;
                let ev = file.poll();
                for i in 0..3 {
                    if want(&asked[i], fd) && ev & masks[i] != 0 {
                        if let Some(w) = found[i].as_mut() {
                            w[fd / 64] |= 1 << (fd % 64);
                        }
                        count += 1;
                    }
                }
            }
        }
        let left = deadline.map_or(Duration::MAX, |d| {
            d.saturating_duration_since(Instant::now())
        });
        if count > 0 || left.is_zero() {
            for (i, set) in found.iter().enumerate() {
                write_set(task, sets[i], set)?;
            }
            return Ok((count, left));
        }
        if task.sleep(left.min(pause)).is_err() {
            return Err(Errno::EINTR);
        }
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

syscall! {
    Partial("readiness as poll: pipes, host terminals and pipes, and files; sockets and other event sources come later")
    => fn select(task, n: i32, inp: UserAddr, outp: UserAddr, exp: UserAddr, tvp: UserAddr) -> SysResult {
        let timeout = if tvp.is_null() {
            None
        } else {
            let tv: trapline_abi::structs::Timeval = read_obj(&task.mem(), tvp.0)?;
            if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
                return Err(Errno::EINVAL);
            }
            Some(Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000))
        };
        let (count, left) = do_select(task, n, [inp, outp, exp], timeout)?;
        if !tvp.is_null() {
            // Linux writes back the time not slept.
            let tv = trapline_abi::structs::Timeval { tv_sec: left.as_secs() as i64, tv_usec: i64::from(left.subsec_micros()) };
            write_obj(&task.mem(), tvp.0, &tv)?;
        }
        Ok(count)
    }
}

syscall! {
    Partial("as poll; the signal mask is applied for the wait")
    => fn pselect6(task, n: i32, inp: UserAddr, outp: UserAddr, exp: UserAddr, tsp: UserAddr, sig: UserAddr) -> SysResult {
        let timeout = read_timeout(task, tsp)?;
        // The sixth argument points to { const sigset_t *ss; size_t ss_len; }.
        let saved = task.signal_mask;
        if !sig.is_null() {
            let ss = task.mem().read_u64(sig.0)?;
            let len = task.mem().read_u64(sig.0 + 8)?;
            if ss != 0 {
                if len != 8 {
                    return Err(Errno::EINVAL);
                }
                let m = task.mem().read_u64(ss)?;
                task.signal_mask = m & !((1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1)));
            }
        }
        let r = do_select(task, n, [inp, outp, exp], timeout);
        task.signal_mask = saved;
        let (count, left) = r?;
        if !tsp.is_null() {
            let ts = Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) };
            write_obj(&task.mem(), tsp.0, &ts)?;
        }
        Ok(count)
    }
}
