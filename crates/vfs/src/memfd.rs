//! `memfd_create` and file seals.
//!
//! A memfd is a tmpfs file with no name, on a tmpfs of its own that no path
//! reaches (Linux's internal shm mount). Its data is a host memfd like any
//! tmpfs file's, created at once with the guest's flags
//! (`MFD_ALLOW_SEALING`, `MFD_HUGETLB` and a page size, `MFD_EXEC`,
//! `MFD_NOEXEC_SEAL`). The seals live on that host memfd: the host
//! enforces them on every write, truncation, `fallocate` and mapping the
//! kernel makes for the guest, including the mappings' own rules
//! (`F_SEAL_WRITE` is `EBUSY` while a shared writable mapping exists), which
//! the kernel could not see otherwise. A tmpfs file's host memfd is made
//! without `MFD_ALLOW_SEALING`, so it answers `F_SEAL_SEAL`, as a Linux
//! tmpfs file does.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;

use trapline_abi::raw::general as g;

use crate::cred::Cred;
use crate::file::OpenFile;
use crate::mount::{FsKind, Location, Mount};
use crate::node::Node;
use crate::tmpfs::Tmpfs;
use crate::vfs::Vfs;
use crate::{host_errno, Errno, VfsResult};

/// `memfd_create` flags.
pub const MFD_CLOEXEC: u32 = g::MFD_CLOEXEC;
const MFD_ALLOW_SEALING: u32 = g::MFD_ALLOW_SEALING;
const MFD_HUGETLB: u32 = g::MFD_HUGETLB;
const MFD_NOEXEC_SEAL: u32 = g::MFD_NOEXEC_SEAL;
const MFD_EXEC: u32 = g::MFD_EXEC;
const MFD_ALL_FLAGS: u32 =
    MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
/// The huge page size (log2) a `MFD_HUGETLB` call may encode.
const MFD_HUGE_FLAGS: u32 = g::MFD_HUGE_MASK << g::MFD_HUGE_SHIFT;
/// The longest memfd name: `NAME_MAX` less the `memfd:` prefix.
pub const MFD_NAME_MAX_LEN: usize = 249;

pub(crate) const F_SEAL_EXEC: u32 = g::F_SEAL_EXEC;

/// The hidden tmpfs memfds live on, mounted nowhere. Linux's internal shm
/// mount is usually the first anonymous device, 0:1.
pub(crate) fn memfd_mount() -> Arc<Mount> {
    let fs = Arc::new(Tmpfs::new(libc::makedev(0, 1)));
    Arc::new(Mount {
        id: 0,
        root: Node::Tmpfs(fs.root()),
        fs: FsKind::Tmpfs(fs),
        mountpoint: None,
    })
}

/// Linux's `sanitize_flags`: `EINVAL` for unknown flags (a page size only
/// with `MFD_HUGETLB`) and for `MFD_EXEC` with `MFD_NOEXEC_SEAL`. Checked
/// before the name is read, as Linux does.
pub fn check_memfd_flags(flags: u32) -> VfsResult<()> {
    let allowed = if flags & MFD_HUGETLB != 0 {
        MFD_ALL_FLAGS | MFD_HUGE_FLAGS
    } else {
        MFD_ALL_FLAGS
    };
    if flags & !allowed != 0 || flags & (MFD_EXEC | MFD_NOEXEC_SEAL) == MFD_EXEC | MFD_NOEXEC_SEAL {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// A host memfd with `flags` (`MFD_CLOEXEC` added: it is the kernel's).
pub(crate) fn host_memfd(flags: u32) -> VfsResult<OwnedFd> {
    // SAFETY: the name is a NUL-terminated literal; no other pointers.
    let raw = unsafe { libc::memfd_create(c"trapline-memfd".as_ptr(), flags | MFD_CLOEXEC) };
    if raw < 0 {
        return Err(host_errno());
    }
    // SAFETY: `raw` was just returned by memfd_create and is ours.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

fn fcntl(fd: &OwnedFd, cmd: u32, arg: u32) -> VfsResult<u32> {
    // SAFETY: F_GET_SEALS and F_ADD_SEALS take an integer, no pointer.
    let r = unsafe { libc::fcntl(fd.as_raw_fd(), cmd as i32, arg as libc::c_int) };
    u32::try_from(r).map_err(|_| host_errno())
}

/// The seals of a host memfd.
pub(crate) fn host_seals(fd: &OwnedFd) -> VfsResult<u32> {
    fcntl(fd, g::F_GET_SEALS, 0)
}

/// Adds seals to a host memfd: the host checks the bits (`EINVAL`),
/// `F_SEAL_SEAL` (`EPERM`) and writable mappings (`EBUSY`).
pub(crate) fn add_host_seals(fd: &OwnedFd, seals: u32) -> VfsResult<()> {
    fcntl(fd, g::F_ADD_SEALS, seals).map(drop)
}

impl Vfs {
    /// `memfd_create` with flags already checked by `check_memfd_flags` and
    /// a name of at most `MFD_NAME_MAX_LEN` bytes: an open file (read and
    /// write) of a new unnamed file owned by `cred`, which `/proc` shows as
    /// `/memfd:NAME (deleted)`.
    pub fn memfd_create(&self, name: &[u8], flags: u32, cred: &Cred) -> VfsResult<Arc<OpenFile>> {
        let data = host_memfd(flags & !MFD_CLOEXEC)?;
        // The host decided the mode (0777, or 0666 with MFD_NOEXEC_SEAL or
        // its vm.memfd_noexec setting).
        let mode = crate::host::fstat(data.as_fd())?.st_mode & 0o7777;
        let fs = self.memfd_mount.tmpfs()?;
        let inode = fs.create_unnamed(mode, cred, Some(data));
        let mut path = b"/memfd:".to_vec();
        // `/proc` adds " (deleted)": the file has no link.
        path.extend_from_slice(name);
        let loc = Location {
            mount: self.memfd_mount.clone(),
            node: Node::Tmpfs(inode.clone()),
        };
        let ops = crate::tmpfs::open(&inode, false)?;
        Ok(OpenFile::new(ops, libc::O_RDWR, path, Some(loc)))
    }
}
