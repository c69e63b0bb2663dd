//! sendfile, splice and tee: moving bytes between files in the kernel.
//!
//! Linux moves page references; Trapline copies through a kernel buffer,
//! but keeps Linux's rules for what may be read or written this way, for
//! how much one call moves (a splice into a pipe fills the room it has,
//! a splice out of one takes what is there) and for blocking. Bytes are
//! taken out of a pipe only once written elsewhere.

use std::sync::Arc;

use trapline_vfs::{blocking, pipe_of, OpenFile, Pipe};

use super::rw::{sigpipe_on_epipe, MAX_RW_COUNT};
use crate::prelude::*;

/// The kernel buffer of one copy between two regular files.
const CHUNK: u64 = 1 << 20;
/// The flags splice and tee know (`SPLICE_F_MOVE NONBLOCK MORE GIFT`).
const SPLICE_F_ALL: u32 = 0x0f;
const SPLICE_F_NONBLOCK: u32 = 0x02;

fn file(task: &Task, fd: Fd) -> Result<Arc<OpenFile>, Errno> {
    lock(&task.process.fds).get(fd.0)
}

/// Linux's `rw_verify_area` for a transfer of `len` bytes at `pos`.
fn verify_area(pos: i64, len: u64) -> Result<u64, Errno> {
    let end = i64::try_from(len).ok().and_then(|l| pos.checked_add(l));
    match (u64::try_from(pos), end) {
        (Ok(p), Some(_)) => Ok(p),
        _ => Err(Errno::EINVAL),
    }
}

/// Reads a `loff_t *` argument: `None` for NULL.
fn read_off(task: &Task, addr: UserAddr) -> Result<Option<i64>, Errno> {
    if addr.is_null() {
        return Ok(None);
    }
    read_obj(&task.mem(), addr.0).map(Some)
}

fn write_off(task: &Task, addr: UserAddr, off: u64) -> Result<(), Errno> {
    write_obj(&task.mem(), addr.0, &(off as i64))
}

/// Copies up to `len` bytes of `src` at `*pos` into `dst`'s position, a
/// chunk at a time, until the end of `src`, a short write or a signal.
fn file_to_file(src: &OpenFile, pos: &mut u64, dst: &OpenFile, len: u64) -> Result<u64, Errno> {
    if dst.status_flags() & libc::O_APPEND != 0 || !src.can_splice_read() {
        return Err(Errno::EINVAL);
    }
    let mut buf = vec![0u8; len.min(CHUNK) as usize];
    let mut done = 0u64;
    while done < len {
        let want = (len - done).min(CHUNK) as usize;
        let step = src.pread(&mut buf[..want], *pos).and_then(|n| {
            let w = if n == 0 { 0 } else { dst.write(&buf[..n])? };
            Ok((n, w))
        });
        let (n, w) = match step {
            Ok(v) => v,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        *pos += w as u64;
        done += w as u64;
        if n == 0 || w < n || blocking::interrupted() {
            break;
        }
    }
    Ok(done)
}

/// Fills the room of pipe `dst` (waiting for some) with up to `len` bytes
/// of `src` at `*pos` (Linux's `splice_file_to_pipe`).
fn file_to_pipe(
    src: &OpenFile,
    pos: &mut u64,
    dst: &Pipe,
    len: u64,
    nonblock: bool,
) -> Result<u64, Errno> {
    let room = dst.wait_room(nonblock)?;
    if !src.can_splice_read() {
        return Err(Errno::EINVAL);
    }
    let mut buf = vec![0u8; len.min(room as u64) as usize];
    let n = src.pread(&mut buf, *pos)?;
    if n == 0 {
        return Ok(0);
    }
    let w = dst.write(&buf[..n], true, false)?;
    *pos += w as u64;
    Ok(w as u64)
}

/// Writes up to `len` bytes of what pipe `src` holds (waiting for some)
/// to `dst` at `off`, or at its position; only what was written leaves
/// the pipe.
fn pipe_to_file(
    src: &Pipe,
    dst: &OpenFile,
    off: Option<&mut u64>,
    len: u64,
    nonblock: bool,
) -> Result<u64, Errno> {
    if !src.wait_data(nonblock)? {
        return Ok(0);
    }
    let mut buf = vec![0u8; len.min(src.available() as u64) as usize];
    let n = src.peek(&mut buf);
    let w = match off {
        Some(o) => {
            let w = dst.pwrite(&buf[..n], *o)?;
            *o += w as u64;
            w
        }
        None => dst.write(&buf[..n])?,
    };
    src.consume(w);
    Ok(w as u64)
}

/// Moves (`splice`) or copies (`tee`, `keep`) up to `len` bytes from pipe
/// `src` into pipe `dst`, waiting for data in one and room in the other.
fn pipe_to_pipe(
    src: &Pipe,
    dst: &Pipe,
    len: u64,
    nonblock: bool,
    keep: bool,
) -> Result<u64, Errno> {
    let has_data = src.wait_data(nonblock)?;
    let room = dst.wait_room(nonblock)?;
    if !has_data {
        return Ok(0);
    }
    let mut buf = vec![0u8; len.min(room as u64).min(src.available() as u64) as usize];
    let n = src.peek(&mut buf);
    let w = dst.write(&buf[..n], true, false)?;
    if !keep {
        src.consume(w);
    }
    Ok(w as u64)
}

fn nonblocking(file: &OpenFile) -> bool {
    file.status_flags() & libc::O_NONBLOCK != 0
}

/// sendfile without the offset pointer's copy-in and copy-out.
fn do_sendfile(
    task: &Task,
    out_fd: Fd,
    in_fd: Fd,
    off: Option<i64>,
    count: u64,
) -> Result<(u64, Option<u64>), Errno> {
    let src = file(task, in_fd)?;
    if !src.is_readable() {
        return Err(Errno::EBADF);
    }
    if off.is_some() && !src.is_seekable() {
        return Err(Errno::ESPIPE);
    }
    let start = match off {
        Some(o) => o,
        None => src.position() as i64,
    };
    let mut pos = verify_area(start, count)?;
    let count = count.min(MAX_RW_COUNT);
    let dst = file(task, out_fd)?;
    if !dst.is_writable() {
        return Err(Errno::EBADF);
    }
    let moved = match pipe_of(&dst) {
        Some(pipe) => file_to_pipe(&src, &mut pos, &pipe, count, nonblocking(&dst))?,
        None => file_to_file(&src, &mut pos, &dst, count)?,
    };
    match off {
        Some(_) => Ok((moved, Some(pos))),
        None => {
            if moved > 0 {
                src.set_position(pos);
            }
            Ok((moved, None))
        }
    }
}

syscall! {
    Partial("copies through the kernel (no page sharing)")
    => fn sendfile(task, out_fd: Fd, in_fd: Fd, offset: UserAddr, count: u64) -> SysResult {
        let off = read_off(task, offset)?;
        let result = do_sendfile(task, out_fd, in_fd, off, count);
        // The offset is written back whatever happened, as on Linux.
        if let (Some(o), Ok((_, new))) = (off, &result) {
            write_off(task, offset, new.unwrap_or(o as u64))?;
        }
        let result = result.map(|(n, _)| n);
        sigpipe_on_epipe(task, result)
    }
}

/// splice between two open files, offsets already read.
fn do_splice(
    src: &OpenFile,
    off_in: Option<&mut u64>,
    dst: &OpenFile,
    off_out: Option<&mut u64>,
    len: u64,
    flags: u32,
) -> Result<u64, Errno> {
    if !src.is_readable() || !dst.is_writable() {
        return Err(Errno::EBADF);
    }
    let nonblock = flags & SPLICE_F_NONBLOCK != 0;
    match (pipe_of(src), pipe_of(dst)) {
        (Some(ip), Some(op)) => {
            if Arc::ptr_eq(&ip, &op) {
                return Err(Errno::EINVAL);
            }
            let nb = nonblock || nonblocking(src) || nonblocking(dst);
            pipe_to_pipe(&ip, &op, len, nb, false)
        }
        (Some(ip), None) => {
            if off_out.is_some() && !dst.is_seekable() {
                return Err(Errno::EINVAL);
            }
            if dst.status_flags() & libc::O_APPEND != 0 {
                return Err(Errno::EINVAL);
            }
            let at = off_out
                .as_deref()
                .copied()
                .unwrap_or_else(|| dst.position());
            verify_area(at as i64, len)?;
            pipe_to_file(&ip, dst, off_out, len, nonblock || nonblocking(src))
        }
        (None, Some(op)) => {
            if off_in.is_some() && !src.is_seekable() {
                return Err(Errno::EINVAL);
            }
            let mut pos = off_in.as_deref().copied().unwrap_or_else(|| src.position());
            verify_area(pos as i64, len)?;
            let moved = file_to_pipe(src, &mut pos, &op, len, nonblock || nonblocking(dst))?;
            match off_in {
                Some(o) => *o = pos,
                None => src.set_position(pos),
            }
            Ok(moved)
        }
        (None, None) => Err(Errno::EINVAL),
    }
}

/// Reads a splice offset argument: `ESPIPE` for a pipe's, `EFAULT` for a
/// bad pointer; a negative one is kept for `rw_verify_area` (`EINVAL`).
fn splice_off(task: &Task, file: &OpenFile, addr: UserAddr) -> Result<Option<u64>, Errno> {
    if addr.is_null() {
        return Ok(None);
    }
    if pipe_of(file).is_some() {
        return Err(Errno::ESPIPE);
    }
    Ok(read_off(task, addr)?.map(|o| o as u64))
}

syscall! {
    Partial("copies through the kernel (no page sharing); SPLICE_F_MOVE and SPLICE_F_GIFT change nothing, as on Linux today")
    => fn splice(task, fd_in: Fd, off_in: UserAddr, fd_out: Fd, off_out: UserAddr, len: u64, flags: u32) -> SysResult {
        if len == 0 {
            return Ok(0);
        }
        if flags & !SPLICE_F_ALL != 0 {
            return Err(Errno::EINVAL);
        }
        let src = file(task, fd_in)?;
        let dst = file(task, fd_out)?;
        let pipes = (pipe_of(&src).is_some(), pipe_of(&dst).is_some());
        if (pipes.0 && !off_in.is_null()) || (pipes.1 && !off_out.is_null()) {
            return Err(Errno::ESPIPE);
        }
        let mut o_out = splice_off(task, &dst, off_out)?;
        let mut o_in = splice_off(task, &src, off_in)?;
        let len = len.min(MAX_RW_COUNT);
        let result = do_splice(&src, o_in.as_mut(), &dst, o_out.as_mut(), len, flags);
        if result.is_ok() {
            if let Some(o) = o_out {
                write_off(task, off_out, o)?;
            }
            if let Some(o) = o_in {
                write_off(task, off_in, o)?;
            }
        }
        sigpipe_on_epipe(task, result)
    }
}

syscall! {
    Partial("copies through the kernel (no page sharing)")
    => fn tee(task, fdin: Fd, fdout: Fd, len: u64, flags: u32) -> SysResult {
        if flags & !SPLICE_F_ALL != 0 {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(0);
        }
        let src = file(task, fdin)?;
        let dst = file(task, fdout)?;
        if !src.is_readable() || !dst.is_writable() {
            return Err(Errno::EBADF);
        }
        let result = match (pipe_of(&src), pipe_of(&dst)) {
            (Some(ip), Some(op)) if !Arc::ptr_eq(&ip, &op) => {
                let nb = flags & SPLICE_F_NONBLOCK != 0 || nonblocking(&src) || nonblocking(&dst);
                pipe_to_pipe(&ip, &op, len.min(MAX_RW_COUNT), nb, true)
            }
            _ => Err(Errno::EINVAL),
        };
        sigpipe_on_epipe(task, result)
    }
}
