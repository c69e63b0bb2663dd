//! File-system statistics, as `statfs`/`fstatfs` report them.
//!
//! Host nodes report the host's numbers with `ST_RDONLY` added (the guest
//! cannot write there) but in a writable bind; the kernel's devices report the host's `/dev`; the
//! tmpfs reports what a default `mount -t tmpfs` does on Linux (half of the
//! RAM in pages and as many inodes); files outside the mount tree report a
//! pseudo file system (`FileOps::statfs`).

use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd};

use crate::cred::Cred;
use crate::file::OpenFile;
use crate::fs_context::FsContext;
use crate::mount::{FsKind, Location};
use crate::node::Node;
use crate::path::NAME_MAX;
use crate::tmpfs::Tmpfs;
use crate::vfs::Vfs;
use crate::{host_errno, Errno, VfsResult};

/// `f_type` of a tmpfs.
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
/// `f_type` of Linux's anonymous inodes (eventfd, epoll, timerfd, ...).
pub const ANON_INODE_FS_MAGIC: i64 = 0x0904_1934;
/// `f_type` of pipes.
pub const PIPEFS_MAGIC: i64 = 0x5049_5045;
/// `f_type` of sockets.
pub const SOCKFS_MAGIC: i64 = 0x534F_434B;

/// `f_flags`: mounted read-only.
pub const ST_RDONLY: i64 = 0x0001;
/// `f_flags`: Linux sets it in every answer ("f_flags is valid").
pub const ST_VALID: i64 = 0x0020;
/// `f_flags`: the `relatime` mount option, Linux's default.
pub const ST_RELATIME: i64 = 0x1000;

const PAGE_SIZE: i64 = 4096;

/// The answer of `statfs`, independent of the guest's struct layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatFs {
    pub f_type: i64,
    pub bsize: i64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub fsid: [i32; 2],
    pub namelen: i64,
    pub frsize: i64,
    pub flags: i64,
}

impl StatFs {
    /// What Linux's `simple_statfs` reports for an in-kernel file system
    /// with magic `f_type` (pipes, sockets, anonymous inodes).
    pub fn pseudo(f_type: i64) -> StatFs {
        StatFs {
            f_type,
            bsize: PAGE_SIZE,
            blocks: 0,
            bfree: 0,
            bavail: 0,
            files: 0,
            ffree: 0,
            fsid: [0, 0],
            namelen: NAME_MAX as i64,
            frsize: PAGE_SIZE,
            flags: ST_VALID,
        }
    }

    fn from_host(st: &HostStatfs) -> StatFs {
        StatFs {
            f_type: st.f_type,
            bsize: st.f_bsize,
            blocks: st.f_blocks,
            bfree: st.f_bfree,
            bavail: st.f_bavail,
            files: st.f_files,
            ffree: st.f_ffree,
            fsid: st.f_fsid,
            namelen: st.f_namelen,
            frsize: st.f_frsize,
            flags: st.f_flags,
        }
    }
}

/// The host kernel's `struct statfs` on x86_64 (the libc crate's hides
/// `f_flags` among its spares), filled by the raw system calls.
#[repr(C)]
#[derive(Default)]
struct HostStatfs {
    f_type: i64,
    f_bsize: i64,
    f_blocks: u64,
    f_bfree: u64,
    f_bavail: u64,
    f_files: u64,
    f_ffree: u64,
    f_fsid: [i32; 2],
    f_namelen: i64,
    f_frsize: i64,
    f_flags: i64,
    f_spare: [i64; 4],
}

/// The host's `statfs` of a host path.
pub(crate) fn host_statfs(path: &[u8]) -> VfsResult<StatFs> {
    let p = CString::new(path).map_err(|_| Errno::EINVAL)?;
    let mut st = HostStatfs::default();
    // SAFETY: `p` is NUL-terminated and `st` is a valid out-pointer to a
    // struct of the kernel's `struct statfs` layout.
    if unsafe { libc::syscall(libc::SYS_statfs, p.as_ptr(), &mut st as *mut HostStatfs) } < 0 {
        return Err(host_errno());
    }
    Ok(StatFs::from_host(&st))
}

/// The host's `fstatfs` of a host fd.
pub(crate) fn host_fstatfs(fd: BorrowedFd<'_>) -> VfsResult<StatFs> {
    let mut st = HostStatfs::default();
    // SAFETY: `st` is a valid out-pointer to a struct of the kernel's
    // `struct statfs` layout; the fd is open for the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_fstatfs,
            fd.as_raw_fd(),
            &mut st as *mut HostStatfs,
        )
    };
    if r < 0 {
        return Err(host_errno());
    }
    Ok(StatFs::from_host(&st))
}

/// The host's RAM in pages.
fn total_ram_pages() -> u64 {
    // SAFETY: an all-zero `sysinfo` is a valid value of this C struct.
    let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: `si` is a valid out-pointer.
    if unsafe { libc::sysinfo(&mut si) } < 0 {
        return 0;
    }
    let bytes = si.totalram.saturating_mul(u64::from(si.mem_unit.max(1)));
    bytes / PAGE_SIZE as u64
}

/// A default tmpfs: `size` and `nr_inodes` half of the RAM in pages.
fn tmpfs_statfs(fs: &Tmpfs) -> StatFs {
    let limit = total_ram_pages() / 2;
    let (inodes, pages) = fs.usage();
    let free = limit.saturating_sub(pages);
    let dev = fs.dev();
    StatFs {
        f_type: TMPFS_MAGIC,
        bsize: PAGE_SIZE,
        blocks: limit,
        bfree: free,
        bavail: free,
        files: limit,
        ffree: limit.saturating_sub(inodes),
        fsid: [dev as u32 as i32, (dev >> 32) as u32 as i32],
        namelen: NAME_MAX as i64,
        frsize: PAGE_SIZE,
        flags: ST_VALID | ST_RELATIME,
    }
}

/// The statistics of the file system `loc` is on.
fn statfs_loc(loc: &Location) -> VfsResult<StatFs> {
    match (&loc.mount.fs, &loc.node) {
        (FsKind::Host(fs), Node::Host(h)) => {
            let mut st = fs.statfs(&h.rel)?;
            if !fs.writable {
                st.flags |= ST_RDONLY;
            }
            Ok(st)
        }
        // An overlay reports the lower file system the node is on (or the
        // lower root's, for a node only in the upper layer): programs
        // compare what `/` says with what they see natively.
        (FsKind::Overlay(fs), node) => {
            let rel = crate::overlay::OverlayFs::rel(node);
            fs.lower().statfs(&rel).or_else(|_| fs.lower().statfs(b"/"))
        }
        (FsKind::Tmpfs(fs), _) => Ok(tmpfs_statfs(fs)),
        (FsKind::Proc(_), _) => Ok(crate::proc::proc_statfs()),
        (FsKind::Synth(fs), _) => Ok(fs.statfs()),
        _ => Err(Errno::EIO),
    }
}

impl Vfs {
    /// `statfs`: the statistics of the file system holding `path` (a
    /// final symlink is followed).
    pub fn statfs(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        cred: &Cred,
    ) -> VfsResult<StatFs> {
        let found = self.lookup(ctx, base, path, true, cred)?;
        statfs_loc(&found.loc)
    }
}

impl OpenFile {
    /// `fstatfs`; works on `O_PATH` files too, as on Linux.
    pub fn statfs(&self) -> VfsResult<StatFs> {
        if let Some(loc) = &self.loc {
            return statfs_loc(loc);
        }
        match self.ops().host_meta_fd() {
            Some(fd) => host_fstatfs(fd),
            None => self.ops().statfs(),
        }
    }
}
