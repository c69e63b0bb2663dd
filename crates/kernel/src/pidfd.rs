//! pidfds: files that name a process (`pidfd_open`, `CLONE_PIDFD`).
//!
//! A pidfd holds its process, so that it keeps naming the same one
//! whatever happens to the pid: it can signal it (`pidfd_send_signal`),
//! take a copy of one of its fds (`pidfd_getfd`), wait for it
//! (`waitid(P_PIDFD)`, when it is a child) and poll for its end. Like
//! Linux's, it is an anonymous inode (`anon_inode:[pidfd]`), open
//! read-write and close-on-exec.

use std::sync::Arc;

use trapline_vfs::{anon_inode_stat, FileOps, OpenFile, Stat, VfsResult};

use crate::process::{lock, Process};

/// The file behind a pidfd.
pub struct PidFd {
    process: Arc<Process>,
}

impl FileOps for PidFd {
    fn stat(&self) -> VfsResult<Stat> {
        Ok(anon_inode_stat())
    }

    /// Readable once the process has ended (as `waitid` would see it);
    /// hung up once it has been reaped too (Linux ≥ 6.9).
    fn poll(&self) -> i16 {
        let p = &self.process;
        let mut ev = 0;
        if lock(&p.exit_status).is_some() {
            ev |= libc::POLLIN | libc::POLLRDNORM;
        }
        if p.is_reaped() {
            ev |= libc::POLLHUP;
        }
        ev
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// A new open pidfd for `process` (`flags`: 0 or `O_NONBLOCK`, which makes
/// `waitid` on it fail with `EAGAIN` rather than block).
pub fn open(process: &Arc<Process>, flags: i32) -> Arc<OpenFile> {
    let ops = Arc::new(PidFd {
        process: process.clone(),
    });
    OpenFile::anonymous(ops, libc::O_RDWR | flags, "pidfd")
}

/// The process a pidfd names; `EBADF` for any other file.
pub fn process_of(file: &OpenFile) -> Result<Arc<Process>, trapline_abi::Errno> {
    file.ops()
        .as_any()
        .and_then(|a| a.downcast_ref::<PidFd>())
        .map(|p| p.process.clone())
        .ok_or(trapline_abi::Errno::EBADF)
}
