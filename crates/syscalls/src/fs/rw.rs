//! read, write, their vectored and positioned forms, and lseek.

use trapline_abi::structs::Iovec;
use trapline_vfs::OpenFile;

use crate::prelude::*;

/// Linux caps one read or write at this many bytes (MAX_RW_COUNT).
pub(super) const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// How much one read copies through the kernel at once; a longer read
/// returns a short count, which every reader handles.
const READ_CHUNK: usize = 1 << 20;
/// Linux's UIO_MAXIOV.
const IOV_MAX: usize = 1024;

fn file(task: &Task, fd: Fd) -> Result<std::sync::Arc<trapline_vfs::OpenFile>, Errno> {
    lock(&task.process.fds).get(fd.0)
}

/// Reads into guest memory with `read_into`, one chunk through a kernel buffer.
fn read_to_guest(
    task: &Task,
    buf: UserAddr,
    count: u64,
    read_into: impl FnOnce(&mut [u8]) -> Result<usize, Errno>,
) -> SysResult {
    let mut data = vec![0u8; count.min(MAX_RW_COUNT).min(READ_CHUNK as u64) as usize];
    let n = read_into(&mut data)?;
    task.mem().write(buf.0, &data[..n])?;
    Ok(n as u64)
}

/// Writes guest memory with `write_from`, chunk by chunk, until all is
/// written, the file takes less, or an error (after some bytes: their count).
fn write_from_guest(
    task: &Task,
    buf: UserAddr,
    count: u64,
    mut write_from: impl FnMut(&[u8], u64) -> Result<usize, Errno>,
) -> SysResult {
    let count = count.min(MAX_RW_COUNT);
    if count == 0 {
        return write_from(&[], 0).map(|n| n as u64);
    }
    let mut done: u64 = 0;
    let mut data = vec![0u8; count.min(READ_CHUNK as u64) as usize];
    while done < count {
        let n = (count - done).min(data.len() as u64) as usize;
        task.mem().read(buf.0 + done, &mut data[..n]).or_else(|e| {
            if done > 0 {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        match write_from(&data[..n], done) {
            Ok(w) => {
                done += w as u64;
                if w < n {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

syscall! {
    Implemented => fn read(task, fd: Fd, buf: UserAddr, count: u64) -> SysResult {
        let f = file(task, fd)?;
        terminal_read_check(task, &f)?;
        read_to_guest(task, buf, count, |b| f.read(b))
    }
}

/// A read of the controlling terminal from a background process group
/// stops the group with SIGTTIN (or fails with EIO), as Linux's
/// `job_control`.
fn terminal_read_check(task: &Task, f: &OpenFile) -> Result<(), Errno> {
    if f.is_terminal() && f.status_flags() & libc::O_ACCMODE != libc::O_WRONLY {
        trapline_kernel::pgrp::check_terminal_access(task, libc::SIGTTIN)?;
    }
    Ok(())
}

/// A write to a pipe or socket with no reader fails with EPIPE and, as on
/// Linux, also sends the writer SIGPIPE.
pub(super) fn sigpipe_on_epipe(task: &mut Task, result: SysResult) -> SysResult {
    if result == Err(Errno::EPIPE) {
        crate::signal::signal_self(task, libc::SIGPIPE)?;
    }
    result
}

syscall! {
    Implemented => fn write(task, fd: Fd, buf: UserAddr, count: u64) -> SysResult {
        let f = file(task, fd)?;
        let result = write_from_guest(task, buf, count, |b, _| f.write(b));
        sigpipe_on_epipe(task, result)
    }
}

fn check_offset(pos: i64) -> Result<u64, Errno> {
    u64::try_from(pos).map_err(|_| Errno::EINVAL)
}

syscall! {
    Implemented => fn pread64(task, fd: Fd, buf: UserAddr, count: u64, pos: i64) -> SysResult {
        let f = file(task, fd)?;
        let off = check_offset(pos)?;
        read_to_guest(task, buf, count, |b| f.pread(b, off))
    }
}

syscall! {
    Implemented => fn pwrite64(task, fd: Fd, buf: UserAddr, count: u64, pos: i64) -> SysResult {
        let f = file(task, fd)?;
        let off = check_offset(pos)?;
        write_from_guest(task, buf, count, |b, done| f.pwrite(b, off + done))
    }
}

/// Reads and checks an iovec array: `EINVAL` for a bad count or a total
/// that overflows `ssize_t`.
fn read_iovecs(task: &Task, iov: UserAddr, iovcnt: i32) -> Result<Vec<Iovec>, Errno> {
    let n = usize::try_from(iovcnt).map_err(|_| Errno::EINVAL)?;
    if n > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mem = task.mem();
    let mut out = Vec::with_capacity(n);
    let mut total: u64 = 0;
    for i in 0..n {
        let v: Iovec = read_obj(&mem, iov.0.checked_add(i as u64 * 16).ok_or(Errno::EFAULT)?)?;
        total = total
            .checked_add(v.len)
            .filter(|&t| t <= i64::MAX as u64)
            .ok_or(Errno::EINVAL)?;
        out.push(v);
    }
    Ok(out)
}

/// Scatters `data` over the iovecs.
fn scatter(task: &Task, iovs: &[Iovec], data: &[u8]) -> Result<(), Errno> {
    let mut off = 0;
    for v in iovs {
        if off >= data.len() {
            break;
        }
        let n = (v.len as usize).min(data.len() - off);
        task.mem().write(v.base, &data[off..off + n])?;
        off += n;
    }
    Ok(())
}

/// Gathers the iovecs into one buffer (so a write is one write).
fn gather(task: &Task, iovs: &[Iovec]) -> Result<Vec<u8>, Errno> {
    let total: u64 = iovs.iter().map(|v| v.len).sum::<u64>().min(MAX_RW_COUNT);
    let mut data = vec![0u8; total as usize];
    let mut off = 0usize;
    for v in iovs {
        let n = (v.len as usize).min(data.len() - off);
        task.mem().read(v.base, &mut data[off..off + n])?;
        off += n;
    }
    Ok(data)
}

fn iov_total(iovs: &[Iovec]) -> usize {
    iovs.iter()
        .map(|v| v.len)
        .sum::<u64>()
        .min(READ_CHUNK as u64) as usize
}

syscall! {
    Implemented => fn readv(task, fd: Fd, iov: UserAddr, iovcnt: i32) -> SysResult {
        let f = file(task, fd)?;
        terminal_read_check(task, &f)?;
        let iovs = read_iovecs(task, iov, iovcnt)?;
        let mut data = vec![0u8; iov_total(&iovs)];
        let n = f.read(&mut data)?;
        scatter(task, &iovs, &data[..n])?;
        Ok(n as u64)
    }
}

syscall! {
    Implemented => fn writev(task, fd: Fd, iov: UserAddr, iovcnt: i32) -> SysResult {
        let f = file(task, fd)?;
        let iovs = read_iovecs(task, iov, iovcnt)?;
        let data = gather(task, &iovs)?;
        let result = f.write(&data).map(|n| n as u64);
        sigpipe_on_epipe(task, result)
    }
}

syscall! {
    Implemented => fn preadv(task, fd: Fd, iov: UserAddr, iovcnt: i32, pos: i64) -> SysResult {
        let f = file(task, fd)?;
        let off = check_offset(pos)?;
        let iovs = read_iovecs(task, iov, iovcnt)?;
        let mut data = vec![0u8; iov_total(&iovs)];
        let n = f.pread(&mut data, off)?;
        scatter(task, &iovs, &data[..n])?;
        Ok(n as u64)
    }
}

syscall! {
    Implemented => fn pwritev(task, fd: Fd, iov: UserAddr, iovcnt: i32, pos: i64) -> SysResult {
        let f = file(task, fd)?;
        let off = check_offset(pos)?;
        let iovs = read_iovecs(task, iov, iovcnt)?;
        let data = gather(task, &iovs)?;
        Ok(f.pwrite(&data, off)? as u64)
    }
}

syscall! {
    Implemented => fn lseek(task, fd: Fd, offset: i64, whence: u32) -> SysResult {
        let f = file(task, fd)?;
        if whence > 4 {
            return Err(Errno::EINVAL);
        }
        f.seek(offset, whence as i32)
    }
}

/// How much one copy_file_range moves at most (a short count is allowed).
const COPY_CHUNK: usize = 1 << 20;

/// Reads a file offset argument (`loff_t *`): `None` for NULL.
fn read_offset(task: &Task, addr: UserAddr) -> Result<Option<u64>, Errno> {
    if addr.is_null() {
        return Ok(None);
    }
    let off: i64 = read_obj(&task.mem(), addr.0)?;
    u64::try_from(off).map(Some).map_err(|_| Errno::EINVAL)
}

syscall! {
    Partial("copies through the kernel (no reflinks); a short count past 1 MiB per call")
    => fn copy_file_range(task, fd_in: Fd, off_in: UserAddr, fd_out: Fd, off_out: UserAddr, len: u64, flags: u32) -> SysResult {
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        let src = file(task, fd_in)?;
        let dst = file(task, fd_out)?;
        if src.access_mode() == libc::O_WRONLY || dst.access_mode() == libc::O_RDONLY {
            return Err(Errno::EBADF);
        }
        if dst.status_flags() & libc::O_APPEND != 0 {
            return Err(Errno::EBADF);
        }
        if src.is_dir() || dst.is_dir() {
            return Err(Errno::EISDIR);
        }
        let (in_off, out_off) = (read_offset(task, off_in)?, read_offset(task, off_out)?);
        let mut data = vec![0u8; (len.min(COPY_CHUNK as u64)) as usize];
        let n = match in_off {
            Some(o) => src.pread(&mut data, o)?,
            None => src.read(&mut data)?,
        };
        let written = match out_off {
            Some(o) => dst.pwrite(&data[..n], o)?,
            None => dst.write(&data[..n])?,
        };
        if let Some(o) = in_off {
            write_obj(&task.mem(), off_in.0, &((o + written as u64) as i64))?;
        }
        if let Some(o) = out_off {
            write_obj(&task.mem(), off_out.0, &((o + written as u64) as i64))?;
        }
        Ok(written as u64)
    }
}
