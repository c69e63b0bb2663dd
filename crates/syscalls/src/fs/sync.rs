//! fsync, fdatasync, sync, syncfs, sync_file_range, readahead.

use crate::prelude::*;

/// `EBADF` for `O_PATH` files, `EINVAL` for files without data to flush
/// (pipes, sockets, character devices).
fn do_fsync(task: &Task, fd: Fd) -> SysResult {
    lock(&task.process.fds).get(fd.0)?.fsync()?;
    Ok(0)
}

syscall! {
    Implemented => fn fsync(task, fd: Fd) -> SysResult {
        do_fsync(task, fd)
    }
}

syscall! {
    Implemented => fn fdatasync(task, fd: Fd) -> SysResult {
        do_fsync(task, fd)
    }
}

syscall! {
    // Nothing to flush: file data lives in memory (tmpfs, the overlay's
    // upper layer) or on the read-only host.
    Implemented => fn sync(task) -> SysResult {
        let _ = task;
        Ok(0)
    }
}

syscall! {
    Implemented => fn syncfs(task, fd: Fd) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        if file.is_path_only() {
            return Err(Errno::EBADF);
        }
        Ok(0)
    }
}

/// `sync_file_range`'s flags: SYNC_FILE_RANGE_WAIT_BEFORE, _WRITE,
/// _WAIT_AFTER.
const SYNC_FILE_RANGE_FLAGS: u32 = 7;

syscall! {
    Implemented => fn sync_file_range(task, fd: Fd, offset: i64, nbytes: i64, flags: u32) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        if file.is_path_only() {
            return Err(Errno::EBADF);
        }
        let end = offset.checked_add(nbytes);
        if flags & !SYNC_FILE_RANGE_FLAGS != 0 || offset < 0 || end.is_none_or(|e| e < 0) || nbytes < 0 {
            return Err(Errno::EINVAL);
        }
        match file.stat()?.file_type() {
            libc::S_IFREG | libc::S_IFBLK | libc::S_IFDIR | libc::S_IFLNK => Ok(0),
            _ => Err(Errno::ESPIPE),
        }
    }
}

syscall! {
    // The data is in memory already: the advice has nothing to do.
    Implemented => fn readahead(task, fd: Fd, offset: i64, count: u64) -> SysResult {
        let _ = offset;
        let file = lock(&task.process.fds).get(fd.0)?;
        if file.is_path_only() || file.access_mode() == libc::O_WRONLY {
            return Err(Errno::EBADF);
        }
        if file.stat()?.file_type() != libc::S_IFREG || i64::try_from(count).is_err() {
            return Err(Errno::EINVAL);
        }
        Ok(0)
    }
}
