//! fsync, fdatasync.

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
