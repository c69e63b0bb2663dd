//! The file family: paths, open files, reads and writes, metadata,
//! directories and descriptors. The vfs crate does the file-system work;
//! these handlers decode arguments and encode results.

mod attr;
mod dir;
mod fd;
mod inotify;
mod link;
mod lock;
mod memfd;
mod open;
mod pipe;
mod rw;
mod space;
mod splice;
mod stat;
mod statfs;
mod sync;
mod xattr;

use std::sync::Arc;

use trapline_vfs::{Cred, OpenFile};

use crate::prelude::*;

/// Linux's PATH_MAX, NUL included.
pub const PATH_MAX: usize = 4096;

/// Reads a path argument: `EFAULT` for a bad pointer, `ENAMETOOLONG` when
/// it does not fit in PATH_MAX.
pub fn read_path(task: &Task, addr: UserAddr) -> Result<Vec<u8>, Errno> {
    task.mem().read_cstring(addr.0, PATH_MAX - 1)
}

/// Where a relative path starts for a `*at` call: `None` for the cwd (or an
/// absolute path), else the directory open as `dirfd`.
pub fn lookup_base(task: &Task, dirfd: Fd, path: &[u8]) -> Result<Option<Arc<OpenFile>>, Errno> {
    if path.first() == Some(&b'/') || dirfd.0 == libc::AT_FDCWD {
        return Ok(None);
    }
    let file = lock(&task.process.fds).get(dirfd.0)?;
    if !path.is_empty() && !file.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(Some(file))
}

/// The credentials file-system checks use.
pub fn fs_cred(task: &Task) -> Cred {
    lock(&task.process.creds).fs_cred()
}

/// The fd limit for new descriptors.
pub fn nofile(task: &Task) -> u64 {
    lock(&task.process.rlimits).nofile()
}
