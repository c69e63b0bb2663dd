//! open, openat, creat, close, close_range.

use super::{fs_cred, lookup_base, nofile, read_path};
use crate::prelude::*;

/// What open, openat and creat lack.
const OPEN_NOTE: &str =
    "O_TMPFILE is refused; host device files, fifos and sockets cannot be written unless they are terminals (EROFS); in a writable bind, fifos open non-blocking and device files are refused (EACCES, nodev)";

/// Opens `path` relative to `dirfd` and installs it as the lowest free fd.
fn do_open(task: &mut Task, dirfd: Fd, path: UserAddr, flags: i32, mode: u32) -> SysResult {
    let path = read_path(task, path)?;
    let base = lookup_base(task, dirfd, &path)?;
    let cred = fs_cred(task);
    let file = {
        let fs = lock(&task.process.fs);
        task.kernel
            .vfs
            .open(&fs, base.as_deref(), &path, flags, mode & 0o7777, &cred)?
    };
    let limit = nofile(task);
    let fd = lock(&task.process.fds).insert(file, flags & libc::O_CLOEXEC != 0, 0, limit)?;
    Ok(fd as u64)
}

syscall! {
    Partial(OPEN_NOTE)
    => fn openat(task, dirfd: Fd, filename: UserAddr, flags: i32, mode: u32) -> SysResult {
        do_open(task, dirfd, filename, flags, mode)
    }
}

syscall! {
    Partial(OPEN_NOTE)
    => fn open(task, filename: UserAddr, flags: i32, mode: u32) -> SysResult {
        do_open(task, Fd(libc::AT_FDCWD), filename, flags, mode)
    }
}

syscall! {
    Partial(OPEN_NOTE)
    => fn creat(task, pathname: UserAddr, mode: u32) -> SysResult {
        let flags = libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC;
        do_open(task, Fd(libc::AT_FDCWD), pathname, flags, mode)
    }
}

syscall! {
    Implemented => fn close(task, fd: Fd) -> SysResult {
        lock(&task.process.fds).remove(fd.0)?;
        Ok(0)
    }
}

const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

syscall! {
    Implemented => fn close_range(task, first: u32, last: u32, flags: u32) -> SysResult {
        if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
            return Err(Errno::EINVAL);
        }
        // The fd table is not shared between processes yet, so UNSHARE has
        // nothing to do.
        lock(&task.process.fds).close_range(first, last, flags & CLOSE_RANGE_CLOEXEC != 0);
        Ok(0)
    }
}
