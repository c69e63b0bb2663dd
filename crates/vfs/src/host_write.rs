//! Changing a writable bind (`--bind HOST:GUEST`): the guest's writes go
//! to the host directory, and never outside it.
//!
//! The vfs's walk has already found the directory a name is in (following
//! the guest's symlinks in the guest's tree). Here that directory is opened
//! beneath the bind's root (`HostFs::open_rel`: `openat2` with
//! `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`), and the change is one `*at`
//! call on a single name in it: `mkdirat`, `unlinkat`, `renameat2`,
//! `symlinkat`, `linkat`, `openat(O_CREAT | O_EXCL)`. None of those follows
//! a final symlink. Attribute changes act on an `O_PATH` fd of the node
//! itself, through its `/proc/self/fd` link, which names exactly that
//! inode. A guest that swaps a directory for a symlink while we look gets
//! `ELOOP` or changes a name inside the bind, nothing else.
//!
//! The host checks permissions. Trapline runs the call with the calling
//! thread's file-system ids set to the guest's (`AsGuest`), so the host
//! checks what Linux would check for the guest and new files get the
//! guest's owner. That is free in the usual case, where the guest's ids
//! are the invoking user's.

use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, OnceLock};

use crate::attr::TimeUpdate;
use crate::cred::Cred;
use crate::file::FileOps;
use crate::host::{fd_path, fstat, openat_beneath, HostFile, HostFs, HostNode};
use crate::mount::{join_path, FsKind, Location};
use crate::node::Node;
use crate::{host_errno, Errno, VfsResult};

/// The writable host tree `loc` is in, and its node there.
pub(crate) fn writable_host(loc: &Location) -> Option<(&HostFs, &HostNode)> {
    match (&loc.mount.fs, &loc.node) {
        (FsKind::Host(fs), Node::Host(h)) if fs.writable => Some((fs, h)),
        _ => None,
    }
}

/// A name to create or remove, as the host call takes it: with the
/// path's trailing slash kept, so the host applies Linux's rules for it.
fn last_name(name: &[u8], trailing: bool) -> VfsResult<CString> {
    let mut n = name.to_vec();
    if trailing {
        n.push(b'/');
    }
    CString::new(n).map_err(|_| Errno::EINVAL)
}

fn cstring(s: &[u8]) -> VfsResult<CString> {
    CString::new(s).map_err(|_| Errno::EINVAL)
}

/// `Ok` for a host call that returned 0, else its errno.
fn check(r: libc::c_int) -> VfsResult<()> {
    if r < 0 {
        Err(host_errno())
    } else {
        Ok(())
    }
}

/// The directory holding `rel` and its last name; `None` for the root.
fn split_rel(rel: &[u8]) -> Option<(&[u8], &[u8])> {
    let cut = rel.iter().rposition(|&b| b == b'/')?;
    let name = &rel[cut + 1..];
    if name.is_empty() {
        return None;
    }
    Some((if cut == 0 { b"/" } else { &rel[..cut] }, name))
}

impl HostFs {
    /// An `O_PATH` fd of the directory at `rel`, resolved beneath the
    /// root.
    fn dir_fd(&self, rel: &[u8]) -> VfsResult<OwnedFd> {
        self.open_rel(rel, libc::O_PATH | libc::O_DIRECTORY)
    }

    /// An `O_PATH` fd of the node at `rel` itself.
    fn node_fd(&self, rel: &[u8]) -> VfsResult<OwnedFd> {
        self.open_rel(rel, libc::O_PATH)
    }

    /// Opens a node of a writable bind that is not a directory: regular
    /// files and FIFOs for reading and writing (`O_TRUNC` if `trunc`).
    /// Device nodes are refused (`EACCES`, as on a `nodev` mount): a
    /// bind must not become a way to the host's devices.
    pub(crate) fn open_write(
        &self,
        n: &HostNode,
        acc: i32,
        trunc: bool,
    ) -> VfsResult<Arc<dyn FileOps>> {
        let trunc = if trunc { libc::O_TRUNC } else { 0 };
        let writes = acc == libc::O_WRONLY || acc == libc::O_RDWR;
        match n.st.st_mode & libc::S_IFMT {
            libc::S_IFREG => {
                let fd = self.open_rel(&n.rel, acc | trunc)?;
                Ok(Arc::new(HostFile::in_writable_bind(fd, true, writes)))
            }
            // A host FIFO must not block the kernel in open.
            libc::S_IFIFO => {
                let fd = self.open_rel(&n.rel, acc | libc::O_NONBLOCK)?;
                Ok(Arc::new(HostFile::in_writable_bind(fd, false, writes)))
            }
            libc::S_IFCHR | libc::S_IFBLK => Err(Errno::EACCES),
            libc::S_IFLNK => Err(Errno::ELOOP),
            _ => Err(Errno::ENXIO),
        }
    }

    /// `open(O_CREAT)` of a missing `name` in `dir`: a new regular file,
    /// opened with the access mode of `flags`. Exclusive, so it never
    /// follows a symlink someone put there meanwhile (`EEXIST`: the
    /// caller looks again).
    pub(crate) fn create_file(
        &self,
        dir: &HostNode,
        name: &[u8],
        flags: i32,
        mode: u32,
        cred: &Cred,
    ) -> VfsResult<(HostNode, Arc<dyn FileOps>)> {
        let acc = flags & libc::O_ACCMODE;
        let parent = self.dir_fd(&dir.rel)?;
        let c = cstring(name)?;
        let how = acc | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_NOCTTY;
        let fd = AsGuest::run(cred, || openat_beneath(parent.as_fd(), &c, how, mode))?;
        let node = HostNode {
            rel: join_path(&dir.rel, name),
            st: fstat(fd.as_fd())?,
        };
        let writes = acc == libc::O_WRONLY || acc == libc::O_RDWR;
        Ok((node, Arc::new(HostFile::in_writable_bind(fd, true, writes))))
    }

    /// `mkdirat`; `mode` with the umask applied.
    pub(crate) fn mkdir(
        &self,
        dir: &HostNode,
        name: &[u8],
        trailing: bool,
        mode: u32,
        cred: &Cred,
    ) -> VfsResult<()> {
        let parent = self.dir_fd(&dir.rel)?;
        let c = last_name(name, trailing)?;
        AsGuest::run(cred, || {
            // SAFETY: `c` is NUL-terminated; `parent` is open.
            check(unsafe { libc::mkdirat(parent.as_raw_fd(), c.as_ptr(), mode) })
        })
    }

    /// `mknodat`: a regular file, FIFO, socket or device node `name` in
    /// `dir` (`mode` with its type and the umask applied); the host
    /// decides who may make device nodes.
    pub(crate) fn mknod(
        &self,
        dir: &HostNode,
        name: &[u8],
        mode: u32,
        rdev: u64,
        cred: &Cred,
    ) -> VfsResult<()> {
        let parent = self.dir_fd(&dir.rel)?;
        let c = cstring(name)?;
        AsGuest::run(cred, || {
            // SAFETY: `c` is NUL-terminated; `parent` is open.
            check(unsafe { libc::mknodat(parent.as_raw_fd(), c.as_ptr(), mode, rdev) })
        })
    }

    /// `symlinkat`: `name` in `dir` pointing to `target`.
    pub(crate) fn symlink(
        &self,
        dir: &HostNode,
        name: &[u8],
        target: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        let parent = self.dir_fd(&dir.rel)?;
        let (c, t) = (cstring(name)?, cstring(target)?);
        AsGuest::run(cred, || {
            // SAFETY: both strings are NUL-terminated; `parent` is open.
            check(unsafe { libc::symlinkat(t.as_ptr(), parent.as_raw_fd(), c.as_ptr()) })
        })
    }

    /// `linkat`: a new name `name` in `dir` for the node `src` of the same
    /// tree (itself, not what it points to if it is a symlink).
    pub(crate) fn link(
        &self,
        src: &HostNode,
        dir: &HostNode,
        name: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        // The root of the tree is a directory (or a bound file, which has
        // no directory to take a new name).
        let Some((src_dir, src_name)) = split_rel(&src.rel) else {
            return Err(Errno::EPERM);
        };
        let from = self.dir_fd(src_dir)?;
        let to = self.dir_fd(&dir.rel)?;
        let (s, c) = (cstring(src_name)?, cstring(name)?);
        AsGuest::run(cred, || {
            // SAFETY: both strings are NUL-terminated; the fds are open.
            check(unsafe {
                libc::linkat(from.as_raw_fd(), s.as_ptr(), to.as_raw_fd(), c.as_ptr(), 0)
            })
        })
    }

    /// `unlinkat`, with `AT_REMOVEDIR` for `rmdir`.
    pub(crate) fn remove(
        &self,
        dir: &HostNode,
        name: &[u8],
        trailing: bool,
        rmdir: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let parent = self.dir_fd(&dir.rel)?;
        let c = last_name(name, trailing)?;
        let flags = if rmdir { libc::AT_REMOVEDIR } else { 0 };
        AsGuest::run(cred, || {
            // SAFETY: `c` is NUL-terminated; `parent` is open.
            check(unsafe { libc::unlinkat(parent.as_raw_fd(), c.as_ptr(), flags) })
        })
    }

    /// `renameat2` within the tree, with the guest's flags.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rename(
        &self,
        odir: &HostNode,
        oname: &[u8],
        otrailing: bool,
        ndir: &HostNode,
        nname: &[u8],
        ntrailing: bool,
        flags: u32,
        cred: &Cred,
    ) -> VfsResult<()> {
        let from = self.dir_fd(&odir.rel)?;
        let to = self.dir_fd(&ndir.rel)?;
        let (o, n) = (last_name(oname, otrailing)?, last_name(nname, ntrailing)?);
        AsGuest::run(cred, || {
            // SAFETY: both strings are NUL-terminated; the fds are open.
            check(unsafe {
                libc::renameat2(
                    from.as_raw_fd(),
                    o.as_ptr(),
                    to.as_raw_fd(),
                    n.as_ptr(),
                    flags,
                )
            })
        })
    }

    /// Runs `f` on the `/proc/self/fd` path of the node `n` itself: the
    /// file `held` is open on if given, else `n` opened now.
    fn on_node<T>(
        &self,
        n: &HostNode,
        held: Option<BorrowedFd<'_>>,
        cred: &Cred,
        f: impl FnOnce(&CStr) -> VfsResult<T>,
    ) -> VfsResult<T> {
        let opened;
        let fd = match held {
            Some(fd) => fd,
            None => {
                opened = self.node_fd(&n.rel)?;
                opened.as_fd()
            }
        };
        let path = fd_path(fd);
        AsGuest::run(cred, || f(&path))
    }

    pub(crate) fn chmod(
        &self,
        n: &HostNode,
        held: Option<BorrowedFd<'_>>,
        mode: u32,
        cred: &Cred,
    ) -> VfsResult<()> {
        self.on_node(n, held, cred, |p| {
            // SAFETY: `p` is NUL-terminated.
            check(unsafe { libc::chmod(p.as_ptr(), mode) })
        })
    }

    /// `None` leaves an id as it is.
    pub(crate) fn chown(
        &self,
        n: &HostNode,
        held: Option<BorrowedFd<'_>>,
        uid: Option<u32>,
        gid: Option<u32>,
        cred: &Cred,
    ) -> VfsResult<()> {
        let (u, g) = (uid.unwrap_or(u32::MAX), gid.unwrap_or(u32::MAX));
        // The magic link is the node itself, a symlink included.
        self.on_node(n, held, cred, |p| {
            // SAFETY: `p` is NUL-terminated.
            check(unsafe { libc::chown(p.as_ptr(), u, g) })
        })
    }

    pub(crate) fn utimens(
        &self,
        n: &HostNode,
        held: Option<BorrowedFd<'_>>,
        atime: TimeUpdate,
        mtime: TimeUpdate,
        cred: &Cred,
    ) -> VfsResult<()> {
        let ts = |t: TimeUpdate| match t {
            TimeUpdate::Omit => libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
            TimeUpdate::Now => libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            },
            TimeUpdate::Set(t) => libc::timespec {
                tv_sec: t.sec,
                tv_nsec: t.nsec,
            },
        };
        let times = [ts(atime), ts(mtime)];
        self.on_node(n, held, cred, |p| {
            // SAFETY: `p` is NUL-terminated and `times` two timespecs.
            check(unsafe { libc::utimensat(libc::AT_FDCWD, p.as_ptr(), times.as_ptr(), 0) })
        })
    }

    /// `truncate` by path.
    pub(crate) fn truncate(&self, n: &HostNode, len: u64, cred: &Cred) -> VfsResult<()> {
        let len = i64::try_from(len).map_err(|_| Errno::EINVAL)?;
        let fd = AsGuest::run(cred, || {
            self.open_rel(&n.rel, libc::O_WRONLY | libc::O_NONBLOCK)
        })?;
        // SAFETY: no memory arguments; the fd is ours.
        check(unsafe { libc::ftruncate(fd.as_raw_fd(), len) })
    }

    /// `setxattr`; `value` `None` for `removexattr`.
    pub(crate) fn set_xattr(
        &self,
        n: &HostNode,
        name: &[u8],
        value: Option<&[u8]>,
        flags: i32,
        cred: &Cred,
    ) -> VfsResult<()> {
        let c = cstring(name)?;
        self.on_node(n, None, cred, |p| {
            check(match value {
                // SAFETY: the strings are NUL-terminated and `v` is
                // readable for `v.len()` bytes.
                Some(v) => unsafe {
                    libc::setxattr(p.as_ptr(), c.as_ptr(), v.as_ptr().cast(), v.len(), flags)
                },
                // SAFETY: the strings are NUL-terminated.
                None => unsafe { libc::removexattr(p.as_ptr(), c.as_ptr()) },
            })
        })
    }
}

/// Trapline's own file-system ids, which the calling thread goes back to.
struct OwnIds {
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
}

fn own_ids() -> &'static OwnIds {
    static OWN: OnceLock<OwnIds> = OnceLock::new();
    OWN.get_or_init(|| {
        // SAFETY: no arguments; these cannot fail.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        let mut groups = vec![0 as libc::gid_t; 65536];
        // SAFETY: `groups` is writable for its length in gids.
        let n = unsafe { libc::getgroups(groups.len() as i32, groups.as_mut_ptr()) };
        groups.truncate(usize::try_from(n).unwrap_or(0));
        OwnIds { uid, gid, groups }
    })
}

/// While alive, the calling thread's file-system uid, gid and groups are
/// the guest's. Set with the raw system calls, which change only the
/// calling thread (glibc's `setgroups` would change every thread).
struct AsGuest {
    groups: bool,
}

impl AsGuest {
    /// Runs `f` with the guest's ids: the host then checks permissions
    /// and gives ownership as Linux would for the guest. `EPERM` if
    /// Trapline cannot take the guest's ids.
    fn run<T>(cred: &Cred, f: impl FnOnce() -> VfsResult<T>) -> VfsResult<T> {
        let own = own_ids();
        let same_groups = {
            let mut a = cred.groups.clone();
            let mut b = own.groups.clone();
            a.sort_unstable();
            b.sort_unstable();
            a == b
        };
        if cred.uid == own.uid && cred.gid == own.gid && same_groups {
            return f();
        }
        let _guard = AsGuest::enter(cred, !same_groups)?;
        f()
    }

    fn enter(cred: &Cred, groups: bool) -> VfsResult<AsGuest> {
        // Restores whatever was changed, also on the error paths below.
        let guard = AsGuest { groups };
        if groups {
            // SAFETY: the list is readable for its length in gids; the raw
            // call changes only this thread.
            let r = unsafe {
                libc::syscall(libc::SYS_setgroups, cred.groups.len(), cred.groups.as_ptr())
            };
            if r < 0 {
                return Err(Errno::EPERM);
            }
        }
        // SAFETY: setfsgid/setfsuid take ids only and change this thread;
        // they answer the previous id, so a second call (-1 changes
        // nothing) tells whether the first took effect.
        unsafe {
            libc::syscall(libc::SYS_setfsgid, cred.gid);
            libc::syscall(libc::SYS_setfsuid, cred.uid);
            let gid_now = libc::syscall(libc::SYS_setfsgid, u32::MAX) as u32;
            let uid_now = libc::syscall(libc::SYS_setfsuid, u32::MAX) as u32;
            if (uid_now, gid_now) != (cred.uid, cred.gid) {
                return Err(Errno::EPERM);
            }
        }
        Ok(guard)
    }
}

impl Drop for AsGuest {
    fn drop(&mut self) {
        let own = own_ids();
        // SAFETY: as in `enter`: ids and a readable list of gids, for
        // this thread only. Trapline's own ids are always allowed back.
        unsafe {
            libc::syscall(libc::SYS_setfsuid, own.uid);
            libc::syscall(libc::SYS_setfsgid, own.gid);
            if self.groups {
                libc::syscall(libc::SYS_setgroups, own.groups.len(), own.groups.as_ptr());
            }
        }
    }
}
