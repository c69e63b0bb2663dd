//! Anonymous inodes: the kernel objects that have an fd but no place in
//! any file system (pidfds today; eventfds, timerfds, signalfds, epoll
//! later). On Linux they all share one inode of `anon_inodefs`: `fstat`
//! shows a mode of `0600` without a file type, and `/proc/PID/fd/N` reads
//! `anon_inode:[KIND]`.

use crate::stat::{Stat, Timespec};

/// The made-up device number of the anonymous-inode file system.
const ANON_INODE_DEV: u64 = 0x0e;
/// The inode every anonymous file shares.
const ANON_INODE_INO: u64 = 1;

/// What `fstat` says of an anonymous file.
pub fn anon_inode_stat() -> Stat {
    Stat {
        dev: ANON_INODE_DEV,
        ino: ANON_INODE_INO,
        mode: 0o600,
        nlink: 1,
        uid: 0,
        gid: 0,
        rdev: 0,
        size: 0,
        blksize: 4096,
        blocks: 0,
        atime: Timespec::default(),
        mtime: Timespec::default(),
        ctime: Timespec::default(),
        btime: None,
        mnt_id: 0,
    }
}

/// The path of an anonymous file of `kind` (`pidfd`, `eventfd`, ...), as
/// `/proc/PID/fd/N` shows it.
pub fn anon_inode_path(kind: &str) -> Vec<u8> {
    format!("anon_inode:[{kind}]").into_bytes()
}
