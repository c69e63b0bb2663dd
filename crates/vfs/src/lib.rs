//! The file systems a guest sees: the mount tree and the path walk, open
//! file descriptions and fd tables, and the file systems themselves — the
//! host's root (read-only passthrough), a private tmpfs on `/tmp`, `/proc`
//! (the kernel's processes, through `ProcSource`, and a few system-wide
//! files of the host's), and the fixed trees `/sys` (the host's CPUs) and
//! `/dev` (the kernel's own devices, the controlling terminal, the host's
//! pseudo-terminals).
//!
//! This crate knows nothing of the syscall ABI: handlers decode arguments
//! and call `Vfs`, `OpenFile` and `FdTable`; errors are Linux errnos.

mod anon;
mod attr;
pub mod blocking;
mod cred;
mod dev;
mod devfs;
mod fd_table;
mod file;
mod fs_context;
mod host;
mod host_write;
mod locks;
mod memfd;
mod mount;
mod namespace;
mod node;
mod notify;
mod overlay;
mod path;
mod persist;
mod pipe;
mod proc;
mod pty;
mod setup;
mod stat;
mod statfs;
mod synth;
mod sys;
mod tmpfile;
mod tmpfs;
mod vfs;
mod xattr;

#[cfg(test)]
mod tests;

use std::sync::{Mutex, MutexGuard};

pub use anon::{anon_inode_path, anon_inode_stat};
pub use attr::TimeUpdate;
pub use cred::{
    guest_capabilities, host_capabilities, Capabilities, Cred, MAY_EXEC, MAY_READ, MAY_WRITE,
};
pub use fd_table::FdTable;
pub use file::{generic_seek, DirEntry, FileOps, LockRequest, OpenFile};
pub use fs_context::{FsContext, FsView};
pub use host::host_stdio;
pub use locks::{LockKind, LockOwner, RecordLock, OFFSET_MAX};
pub use memfd::{check_memfd_flags, MFD_CLOEXEC, MFD_NAME_MAX_LEN};
pub use namespace::check_rename_flags;
pub use notify::Inotify;
pub use path::{
    RESOLVE_BENEATH, RESOLVE_CACHED, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS,
    RESOLVE_NO_XDEV,
};
pub use pipe::{new_pipe, pipe_of, Pipe, PipeEnd, PIPE_BUF, PIPE_DEF_SIZE, PIPE_MAX_SIZE};
pub use proc::{
    Mapping, ProcFd, ProcInfo, ProcLife, ProcMemory, ProcSource, ProcThread, ProcUsage, Resident,
    SystemInfo, PID_MAX, PROC_SUPER_MAGIC, SMAPS_FIELDS,
};
pub use pty::{tty_ioctl_arg, TtyArg};
pub use setup::{MountError, MountOptions, UserMount};
pub use stat::{dtype_of_mode, Stat, Timespec};
pub use statfs::{
    StatFs, ANON_INODE_FS_MAGIC, PIPEFS_MAGIC, SOCKFS_MAGIC, ST_RDONLY, ST_RELATIME, ST_VALID,
    TMPFS_MAGIC,
};
pub use trapline_abi::Errno;
pub use vfs::Vfs;
pub use xattr::{XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_MAX, XATTR_REPLACE, XATTR_SIZE_MAX};

pub type VfsResult<T> = Result<T, Errno>;

/// Locks a mutex; a panic elsewhere while it was held does not make the
/// data unusable here.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The errno of the host call that just failed.
pub(crate) fn host_errno() -> Errno {
    Errno(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    )
}
