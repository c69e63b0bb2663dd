//! Changing attributes: mode, owner, times, size. Only tmpfs nodes can be
//! changed, host nodes an overlay copies up, and those of a writable bind
//! (on the host, `host_write.rs`); other host nodes are read-only
//! (`EROFS`) and the kernel's device and `/proc` nodes are fixed (`EPERM`).

use std::os::fd::BorrowedFd;
use std::sync::Arc;

use crate::cred::{self, Cred, MAY_WRITE};
use crate::file::OpenFile;
use crate::fs_context::FsContext;
use crate::host_write::writable_host;
use crate::mount::Location;
use crate::node::Node;
use crate::notify::{NodeKey, IN_ATTRIB};
use crate::path::Found;
use crate::stat::Timespec;
use crate::tmpfs::{self, Inode};
use crate::vfs::Vfs;
use crate::{Errno, VfsResult};

/// One time of `utimensat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUpdate {
    /// `UTIME_OMIT`: leave it.
    Omit,
    /// `UTIME_NOW`.
    Now,
    Set(Timespec),
}

/// Why the node cannot be changed, if it cannot: host nodes are
/// read-only (`EROFS`) unless an overlay copies them up; the kernel's
/// device and `/proc` nodes are fixed (`EPERM`).
fn check_changeable(loc: &Location) -> VfsResult<()> {
    match &loc.node {
        Node::Tmpfs(_) => Ok(()),
        Node::Host(_) if loc.mount.overlay().is_some() || writable_host(loc).is_some() => Ok(()),
        Node::Host(_) | Node::Synth(_) => Err(Errno::EROFS),
        Node::Proc(_) => Err(Errno::EPERM),
    }
}

/// The tmpfs inode to change: in an overlay, a lower node is copied up
/// first (after the caller's permission checks, which read the same
/// owner and mode either way).
fn changeable(loc: &Location) -> VfsResult<Arc<Inode>> {
    check_changeable(loc)?;
    match (&loc.node, loc.mount.overlay()) {
        (Node::Tmpfs(i), _) => Ok(i.clone()),
        (n, Some(overlay)) => overlay.copy_up(n, true),
        _ => Err(Errno::EROFS),
    }
}

/// The host fd of an open file whose attributes are changed, if it has
/// one: a writable bind changes the file it is open on, even renamed or
/// deleted since.
type Held<'a> = Option<BorrowedFd<'a>>;

fn held(file: &OpenFile) -> Held<'_> {
    file.ops().host_meta_fd()
}

fn file_loc(file: &OpenFile) -> VfsResult<&Location> {
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    file.loc.as_ref().ok_or(Errno::EPERM)
}

fn chmod_loc(loc: &Location, fd: Held, mode: u32, cred: &Cred) -> VfsResult<()> {
    check_changeable(loc)?;
    let owner = loc.node.owner();
    if !cred.is_root() && cred.uid != owner.uid {
        return Err(Errno::EPERM);
    }
    let mut mode = mode & 0o7777;
    if !cred.is_root() && !cred.in_group(owner.gid) {
        mode &= !libc::S_ISGID;
    }
    if let Some((host, h)) = writable_host(loc) {
        return host.chmod(h, fd, mode, cred);
    }
    changeable(loc)?.set_mode(mode)
}

fn chown_loc(
    loc: &Location,
    fd: Held,
    uid: Option<u32>,
    gid: Option<u32>,
    cred: &Cred,
) -> VfsResult<()> {
    check_changeable(loc)?;
    let owner = loc.node.owner();
    if !cred.is_root() {
        let uid_ok = uid.is_none_or(|u| u == owner.uid) && (uid.is_none() || cred.uid == owner.uid);
        let gid_ok =
            gid.is_none_or(|g| cred.uid == owner.uid && (g == owner.gid || cred.in_group(g)));
        if !uid_ok || !gid_ok {
            return Err(Errno::EPERM);
        }
    }
    if let Some((host, h)) = writable_host(loc) {
        return host.chown(h, fd, uid, gid, cred);
    }
    let not_dir = owner.mode & libc::S_IFMT != libc::S_IFDIR;
    changeable(loc)?.set_owner(uid, gid, not_dir && (uid.is_some() || gid.is_some()));
    Ok(())
}

fn utimens_loc(
    loc: &Location,
    fd: Held,
    atime: TimeUpdate,
    mtime: TimeUpdate,
    cred: &Cred,
) -> VfsResult<()> {
    if atime == TimeUpdate::Omit && mtime == TimeUpdate::Omit {
        return Ok(());
    }
    check_changeable(loc)?;
    let owner = loc.node.owner();
    let is_owner = cred.is_root() || cred.uid == owner.uid;
    if !is_owner {
        // Only "both now" (or no times at all) is allowed to a writer who
        // is not the owner; Linux treats any other combination, even now
        // and omit, as an explicit time (ATTR_TIMES_SET).
        let only_now = atime == TimeUpdate::Now && mtime == TimeUpdate::Now;
        if !only_now {
            return Err(Errno::EPERM);
        }
        cred::check(cred, owner, MAY_WRITE)?;
    }
    if let Some((host, h)) = writable_host(loc) {
        return host.utimens(h, fd, atime, mtime, cred);
    }
    let now = Timespec::now();
    let pick = |t: TimeUpdate| match t {
        TimeUpdate::Omit => None,
        TimeUpdate::Now => Some(now),
        TimeUpdate::Set(t) => Some(t),
    };
    changeable(loc)?.set_times(pick(atime), pick(mtime));
    Ok(())
}

impl Vfs {
    /// `fchmodat`; `follow` false (`AT_SYMLINK_NOFOLLOW`) on a symlink is
    /// `EOPNOTSUPP`, as on Linux.
    pub fn chmod(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        mode: u32,
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let found = self.lookup(ctx, base, path, follow, cred)?;
        if found.loc.node.is_symlink() {
            return Err(Errno::EOPNOTSUPP);
        }
        chmod_loc(&found.loc, None, mode, cred)?;
        self.attrib_changed(&found);
        Ok(())
    }

    pub fn fchmod(&self, file: &OpenFile, mode: u32, cred: &Cred) -> VfsResult<()> {
        chmod_loc(file_loc(file)?, held(file), mode, cred)?;
        file.raise(IN_ATTRIB);
        Ok(())
    }

    /// `IN_ATTRIB` for the node found by a path.
    fn attrib_changed(&self, found: &Found) {
        if self.notify.idle() {
            return;
        }
        self.notify
            .notify(NodeKey::of_loc(&found.loc), IN_ATTRIB, 0, b"");
        if let Some((dir, name)) = &found.parent {
            self.notify_entry(dir, name, IN_ATTRIB, 0);
        }
    }

    /// `fchownat`; `None` for an id of -1.
    #[allow(clippy::too_many_arguments)]
    pub fn chown(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        uid: Option<u32>,
        gid: Option<u32>,
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let found = self.lookup(ctx, base, path, follow, cred)?;
        chown_loc(&found.loc, None, uid, gid, cred)?;
        self.attrib_changed(&found);
        Ok(())
    }

    pub fn fchown(
        &self,
        file: &OpenFile,
        uid: Option<u32>,
        gid: Option<u32>,
        cred: &Cred,
    ) -> VfsResult<()> {
        chown_loc(file_loc(file)?, held(file), uid, gid, cred)?;
        file.raise(IN_ATTRIB);
        Ok(())
    }

    /// `utimensat` by path.
    #[allow(clippy::too_many_arguments)]
    pub fn utimens(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        atime: TimeUpdate,
        mtime: TimeUpdate,
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let found = self.lookup(ctx, base, path, follow, cred)?;
        utimens_loc(&found.loc, None, atime, mtime, cred)?;
        self.attrib_changed(&found);
        Ok(())
    }

    /// `futimens`.
    pub fn futimens(
        &self,
        file: &OpenFile,
        atime: TimeUpdate,
        mtime: TimeUpdate,
        cred: &Cred,
    ) -> VfsResult<()> {
        utimens_loc(file_loc(file)?, held(file), atime, mtime, cred)?;
        file.raise(IN_ATTRIB);
        Ok(())
    }

    /// Where an `*at` call with `AT_EMPTY_PATH` and an empty path acts:
    /// the file open as `base` (`O_PATH` files too), or the cwd.
    fn empty_path_loc(&self, ctx: &FsContext, base: Option<&OpenFile>) -> VfsResult<Location> {
        match base {
            None => Ok(ctx.cwd.clone()),
            Some(f) => f.loc.clone().ok_or(Errno::EPERM),
        }
    }

    /// `fchownat(dirfd, "", ..., AT_EMPTY_PATH)`: `base` (or the cwd).
    pub fn chown_empty_path(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        uid: Option<u32>,
        gid: Option<u32>,
        cred: &Cred,
    ) -> VfsResult<()> {
        chown_loc(&self.empty_path_loc(ctx, base)?, None, uid, gid, cred)
    }

    /// `utimensat(dirfd, "", ..., AT_EMPTY_PATH)`: `base` (or the cwd).
    pub fn utimens_empty_path(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        atime: TimeUpdate,
        mtime: TimeUpdate,
        cred: &Cred,
    ) -> VfsResult<()> {
        utimens_loc(&self.empty_path_loc(ctx, base)?, None, atime, mtime, cred)
    }

    /// `linkat(dirfd, "", ..., AT_EMPTY_PATH)`: a new name for the file
    /// open as `old_base` (or the cwd, which as a directory gives `EPERM`).
    pub fn link_empty_path(
        &self,
        ctx: &FsContext,
        old_base: Option<&OpenFile>,
        new_base: Option<&OpenFile>,
        new: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        let src = self.empty_path_loc(ctx, old_base)?;
        self.link_loc(ctx, src, new_base, new, cred)
    }

    /// `truncate` by path (`ftruncate` is `OpenFile::truncate`).
    pub fn truncate(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        len: u64,
        cred: &Cred,
    ) -> VfsResult<()> {
        if i64::try_from(len).is_err() {
            return Err(Errno::EINVAL);
        }
        let found = self.lookup(ctx, base, path, true, cred)?;
        let loc = &found.loc;
        match loc.node.file_type() {
            libc::S_IFDIR => return Err(Errno::EISDIR),
            libc::S_IFREG => {}
            _ => return Err(Errno::EINVAL),
        }
        check_changeable(loc)?;
        cred::check(cred, loc.node.owner(), MAY_WRITE)?;
        if let Some((host, h)) = writable_host(loc) {
            return host.truncate(h, len, cred);
        }
        let inode = match (&loc.node, loc.mount.overlay()) {
            // Truncating to nothing needs none of the lower bytes.
            (n @ Node::Host(_), Some(overlay)) => overlay.copy_up(n, len > 0)?,
            _ => changeable(loc)?,
        };
        tmpfs::truncate(&inode, len)
    }
}
