//! fallocate: space in files.

use crate::prelude::*;

syscall! {
    Partial("tmpfs and overlay files only (through their memfd, with tmpfs's modes); files in a writable bind give EOPNOTSUPP")
    => fn fallocate(task, fd: Fd, mode: i32, offset: i64, len: i64) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        file.fallocate(mode, offset, len)?;
        Ok(0)
    }
}
