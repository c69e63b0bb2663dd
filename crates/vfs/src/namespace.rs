//! Operations that change names: mkdir, unlink, rmdir, rename, symlink,
//! link. tmpfs does the work; in an overlay, on the upper layer, with
//! whiteouts for lower names (`overlay.rs`). A plain host mount is
//! read-only (`EROFS`, after the checks Linux makes first).

use std::sync::Arc;

use crate::cred::{self, Cred, Owner, MAY_EXEC, MAY_WRITE};
use crate::file::OpenFile;
use crate::fs_context::FsContext;
use crate::host_write::writable_host;
use crate::mount::Location;
use crate::node::Node;
use crate::notify::{
    NodeKey, IN_ATTRIB, IN_CREATE, IN_DELETE, IN_ISDIR, IN_MOVED_FROM, IN_MOVED_TO, IN_MOVE_SELF,
};
use crate::path::{Last, Parent, PATH_MAX};
use crate::tmpfs::{Inode, NewNode, Tmpfs};
use crate::vfs::Vfs;
use crate::{Errno, VfsResult};

const RENAME_NOREPLACE: u32 = libc::RENAME_NOREPLACE;
const RENAME_EXCHANGE: u32 = libc::RENAME_EXCHANGE;
const RENAME_WHITEOUT: u32 = libc::RENAME_WHITEOUT;

impl Vfs {
    /// For creating `p`'s last name in a file system that cannot: `EEXIST`
    /// if it exists, else `err`.
    fn exists_or(&self, p: &Parent, name: &[u8], err: Errno) -> Errno {
        match self.child(&p.dir, name) {
            Ok(_) => Errno::EEXIST,
            Err(e) if e == Errno::ENOENT => err,
            Err(e) => e,
        }
    }

    /// `EBUSY` if a mount sits on `name` of `dir`: it cannot be removed or
    /// renamed.
    fn not_mounted_on(&self, dir: &Location, name: &[u8]) -> VfsResult<()> {
        match self.mounts.mounted_on(dir, name) {
            Some(_) => Err(Errno::EBUSY),
            None => Ok(()),
        }
    }

    /// The tmpfs directory to remove or rename `name` of `dir` in (an
    /// overlay's upper one, copied up), or the errno for a host or device
    /// directory. Removing or renaming a name of `/proc` is `EPERM` as on
    /// Linux (`ENOENT` if there is no such name); a mount point is `EBUSY`.
    fn tmpfs_dir(&self, dir: &Location, name: &[u8]) -> VfsResult<Arc<Inode>> {
        self.not_mounted_on(dir, name)?;
        if let Some(overlay) = dir.mount.overlay() {
            return overlay.copy_up(&dir.node, false);
        }
        match &dir.node {
            Node::Tmpfs(i) => Ok(i.clone()),
            Node::Host(_) => Err(Errno::EROFS),
            Node::Synth(_) => Err(Errno::EROFS),
            Node::Proc(_) => Err(match self.child(dir, name) {
                Ok(_) => Errno::EPERM,
                Err(e) => e,
            }),
        }
    }

    /// The tmpfs directory to create `name` in: `p`'s directory (an
    /// overlay's upper one, copied up), or the errno for a directory
    /// that cannot have new names. `EEXIST` in an overlay if the lower
    /// layer shows the name.
    pub(crate) fn creatable_dir(&self, p: &Parent, name: &[u8]) -> VfsResult<Arc<Inode>> {
        if let Some(overlay) = p.dir.mount.overlay() {
            return match self.child(&p.dir, name) {
                Ok(_) => Err(Errno::EEXIST),
                Err(e) if e == Errno::ENOENT => overlay.copy_up(&p.dir.node, false),
                Err(e) => Err(e),
            };
        }
        match &p.dir.node {
            Node::Tmpfs(dir) => Ok(dir.clone()),
            // A plain host mount, and the kernel's read-only `/dev` and
            // `/sys` trees.
            Node::Host(_) | Node::Synth(_) => Err(self.exists_or(p, name, Errno::EROFS)),
            // Linux's procfs has no create: the name stays missing.
            Node::Proc(_) => Err(self.exists_or(p, name, Errno::ENOENT)),
        }
    }

    /// `mkdirat`. `mode` before the umask.
    pub fn mkdir(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        mode: u32,
        cred: &Cred,
    ) -> VfsResult<()> {
        let p = self.parent_lookup(ctx, base, path, cred)?;
        let Last::Name(name) = &p.last else {
            return Err(Errno::EEXIST);
        };
        let mode = mode & (0o777 | libc::S_ISVTX) & !ctx.umask();
        if let Some((host, dir)) = writable_host(&p.dir) {
            host.mkdir(dir, name, p.trailing, mode, cred)?;
            self.notify_entry(&p.dir, name, IN_CREATE | IN_ISDIR, 0);
            return Ok(());
        }
        let dir = self.creatable_dir(&p, name)?;
        p.dir
            .mount
            .tmpfs()?
            .create(&dir, name, NewNode::Dir, mode, cred)?;
        self.notify_entry(&p.dir, name, IN_CREATE | IN_ISDIR, 0);
        Ok(())
    }

    /// `mknodat`: a regular file, FIFO, socket or (with `privileged`,
    /// Linux's `CAP_MKNOD`) device node. `mode` holds the type and the
    /// permission bits before the umask; `dev` is the device as the call
    /// encodes it.
    #[allow(clippy::too_many_arguments)]
    pub fn mknod(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        mode: u32,
        dev: u32,
        privileged: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let kind = match mode & libc::S_IFMT {
            0 | libc::S_IFREG => libc::S_IFREG,
            k @ (libc::S_IFCHR | libc::S_IFBLK | libc::S_IFIFO | libc::S_IFSOCK) => k,
            libc::S_IFDIR => return Err(Errno::EPERM),
            _ => return Err(Errno::EINVAL),
        };
        let p = self.parent_lookup(ctx, base, path, cred)?;
        let Last::Name(name) = &p.last else {
            return Err(Errno::EEXIST);
        };
        if p.trailing {
            return Err(self.exists_or(&p, name, Errno::ENOENT));
        }
        let device = kind == libc::S_IFCHR || kind == libc::S_IFBLK;
        if let Some((host, dir)) = writable_host(&p.dir) {
            let perm = mode & 0o7777 & !ctx.umask();
            let rdev = if device { decode_dev(dev) } else { 0 };
            host.mknod(dir, name, kind | perm, rdev, cred)?;
            self.notify_entry(&p.dir, name, IN_CREATE, 0);
            return Ok(());
        }
        let dir = self.creatable_dir(&p, name)?;
        if device && !privileged {
            cred::check(cred, dir.owner(), MAY_WRITE | MAY_EXEC)?;
            return Err(Errno::EPERM);
        }
        let perm = mode & 0o7777 & !ctx.umask();
        let node = match kind {
            libc::S_IFREG => NewNode::File,
            _ => NewNode::Special {
                kind,
                rdev: if device { decode_dev(dev) } else { 0 },
            },
        };
        p.dir.mount.tmpfs()?.create(&dir, name, node, perm, cred)?;
        self.notify_entry(&p.dir, name, IN_CREATE, 0);
        Ok(())
    }

    /// `symlinkat`: a symlink at `path` pointing to `target`.
    pub fn symlink(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        target: &[u8],
        path: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let p = self.parent_lookup(ctx, base, path, cred)?;
        let Last::Name(name) = &p.last else {
            return Err(Errno::EEXIST);
        };
        if p.trailing {
            return Err(self.exists_or(&p, name, Errno::ENOENT));
        }
        if let Some((host, dir)) = writable_host(&p.dir) {
            host.symlink(dir, name, target, cred)?;
            self.notify_entry(&p.dir, name, IN_CREATE, 0);
            return Ok(());
        }
        let dir = self.creatable_dir(&p, name)?;
        p.dir
            .mount
            .tmpfs()?
            .create(&dir, name, NewNode::Symlink(target), 0o777, cred)?;
        self.notify_entry(&p.dir, name, IN_CREATE, 0);
        Ok(())
    }

    /// `linkat`: a new name `new` for the file at `old` (a final symlink
    /// in `old` is followed only with `follow`, `AT_SYMLINK_FOLLOW`).
    #[allow(clippy::too_many_arguments)]
    pub fn link(
        &self,
        ctx: &FsContext,
        old_base: Option<&OpenFile>,
        old: &[u8],
        new_base: Option<&OpenFile>,
        new: &[u8],
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let src = self.lookup(ctx, old_base, old, follow, cred)?;
        self.link_loc(ctx, src.loc, new_base, new, cred)
    }

    /// A new name `new` for the node at `src`.
    pub(crate) fn link_loc(
        &self,
        ctx: &FsContext,
        src: Location,
        new_base: Option<&OpenFile>,
        new: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        let p = self.parent_lookup(ctx, new_base, new, cred)?;
        let Last::Name(name) = &p.last else {
            return Err(Errno::EEXIST);
        };
        if p.trailing {
            return Err(self.exists_or(&p, name, Errno::ENOENT));
        }
        if self.child(&p.dir, name).is_ok() {
            return Err(Errno::EEXIST);
        }
        if let Some((host, dir)) = writable_host(&p.dir) {
            match (&src.node, Arc::ptr_eq(&src.mount, &p.dir.mount)) {
                (Node::Host(s), true) => host.link(s, dir, name, cred)?,
                _ => return Err(Errno::EXDEV),
            }
            self.notify_entry(&p.dir, name, IN_CREATE, 0);
            return Ok(());
        }
        let dir = self.creatable_dir(&p, name)?;
        if !Arc::ptr_eq(&src.mount, &p.dir.mount) {
            return Err(Errno::EXDEV);
        }
        let target = match (&src.node, src.mount.overlay()) {
            (Node::Tmpfs(target), _) => target.clone(),
            (n @ Node::Host(_), Some(overlay)) if !n.is_dir() => overlay.copy_up(n, true)?,
            _ => return Err(Errno::EXDEV),
        };
        p.dir.mount.tmpfs()?.link(&dir, name, &target, cred)?;
        self.notify
            .notify(NodeKey::of(&target.stat()), IN_ATTRIB, 0, b"");
        self.notify_entry(&p.dir, name, IN_CREATE, 0);
        Ok(())
    }

    /// `unlinkat` without `AT_REMOVEDIR`.
    pub fn unlink(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        let p = self.parent_lookup(ctx, base, path, cred)?;
        let Last::Name(name) = &p.last else {
            return Err(Errno::EISDIR);
        };
        if let Some((host, dir)) = writable_host(&p.dir) {
            self.not_mounted_on(&p.dir, name)?;
            let watched = self.watched_entry(&p.dir, name);
            host.remove(dir, name, p.trailing, false, cred)?;
            self.notify_removed(&p.dir, name, watched);
            return Ok(());
        }
        let dir = self.tmpfs_dir(&p.dir, name)?;
        let tmpfs = p.dir.mount.tmpfs()?;
        let watched = self.watched_entry(&p.dir, name);
        match self.in_overlay(&p, &dir, name)? {
            Some(Removal::Lower(victim)) => {
                if p.trailing {
                    return Err(if victim.is_dir() {
                        Errno::EISDIR
                    } else {
                        Errno::ENOTDIR
                    });
                }
                may_delete(dir.owner(), &victim, false, cred)?;
                tmpfs.whiteout_lower(&dir, name, false)?
            }
            Some(Removal::Upper { hide, .. }) => hide_lower_while(tmpfs, &dir, name, hide, || {
                tmpfs.unlink(&dir, name, p.trailing, cred)
            })?,
            None => tmpfs.unlink(&dir, name, p.trailing, cred)?,
        }
        self.notify_removed(&p.dir, name, watched);
        Ok(())
    }

    /// `rmdir`, `unlinkat` with `AT_REMOVEDIR`.
    pub fn rmdir(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        let p = self.parent_lookup(ctx, base, path, cred)?;
        let name = match &p.last {
            Last::Name(n) => n,
            Last::Dot => return Err(Errno::EINVAL),
            Last::DotDot => return Err(Errno::ENOTEMPTY),
            Last::Root => return Err(Errno::EBUSY),
        };
        if let Some((host, dir)) = writable_host(&p.dir) {
            self.not_mounted_on(&p.dir, name)?;
            let watched = self.watched_entry(&p.dir, name);
            host.remove(dir, name, p.trailing, true, cred)?;
            self.notify_removed(&p.dir, name, watched);
            return Ok(());
        }
        let dir = self.tmpfs_dir(&p.dir, name)?;
        let tmpfs = p.dir.mount.tmpfs()?;
        let watched = self.watched_entry(&p.dir, name);
        let removal = self.in_overlay(&p, &dir, name)?;
        if let (Some(removal), Some(overlay)) = (&removal, p.dir.mount.overlay()) {
            let victim = removal.victim();
            may_delete(dir.owner(), victim, true, cred)?;
            if !overlay.is_empty_dir(victim)? {
                return Err(Errno::ENOTEMPTY);
            }
        }
        match removal {
            Some(Removal::Lower(_)) => tmpfs.whiteout_lower(&dir, name, true)?,
            Some(Removal::Upper { hide, .. }) => {
                hide_lower_while(tmpfs, &dir, name, hide, || tmpfs.rmdir(&dir, name, cred))?
            }
            None => tmpfs.rmdir(&dir, name, cred)?,
        }
        self.notify_removed(&p.dir, name, watched);
        Ok(())
    }

    /// `renameat`.
    #[allow(clippy::too_many_arguments)]
    pub fn rename(
        &self,
        ctx: &FsContext,
        old_base: Option<&OpenFile>,
        old: &[u8],
        new_base: Option<&OpenFile>,
        new: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        self.rename_flags(ctx, old_base, old, new_base, new, 0, cred)
    }

    /// `renameat2`: `flags` may hold `RENAME_NOREPLACE`, `RENAME_EXCHANGE`
    /// (not with the others) and `RENAME_WHITEOUT` (see
    /// [`check_rename_flags`]).
    #[allow(clippy::too_many_arguments)]
    pub fn rename_flags(
        &self,
        ctx: &FsContext,
        old_base: Option<&OpenFile>,
        old: &[u8],
        new_base: Option<&OpenFile>,
        new: &[u8],
        flags: u32,
        cred: &Cred,
    ) -> VfsResult<()> {
        check_rename_flags(flags)?;
        let op = self.parent_lookup(ctx, old_base, old, cred)?;
        let np = self.parent_lookup(ctx, new_base, new, cred)?;
        if !Arc::ptr_eq(&op.dir.mount, &np.dir.mount) {
            return Err(Errno::EXDEV);
        }
        let Last::Name(oname) = &op.last else {
            return Err(Errno::EBUSY);
        };
        let Last::Name(nname) = &np.last else {
            return Err(if flags & RENAME_NOREPLACE != 0 {
                Errno::EEXIST
            } else {
                Errno::EBUSY
            });
        };
        if let (Some((host, odir)), Some((_, ndir))) =
            (writable_host(&op.dir), writable_host(&np.dir))
        {
            self.not_mounted_on(&op.dir, oname)?;
            self.not_mounted_on(&np.dir, nname)?;
            let (ot, nt) = (op.trailing, np.trailing);
            let moved = self.watched_entry(&op.dir, oname);
            let replaced = self.watched_entry(&np.dir, nname);
            host.rename(odir, oname, ot, ndir, nname, nt, flags, cred)?;
            self.notify_moved(&op.dir, oname, &np.dir, nname, moved, replaced);
            return Ok(());
        }
        let odir = self.tmpfs_dir(&op.dir, oname)?;
        let ndir = self.tmpfs_dir(&np.dir, nname)?;
        let moved = self.watched_entry(&op.dir, oname);
        let replaced = self.watched_entry(&np.dir, nname);
        let tmpfs = op.dir.mount.tmpfs()?;
        let exchange = flags & RENAME_EXCHANGE != 0;
        let hide = match self.in_overlay(&op, &odir, oname)? {
            Some(removal) => {
                if self.prepare_overlay_rename(&op, removal.victim(), &np, nname, flags)? {
                    return Ok(());
                }
                // After an exchange the old name still has a node.
                removal.hides_lower() && !exchange
            }
            None => false,
        };
        hide_lower_while(tmpfs, &odir, oname, hide, || {
            tmpfs.rename(
                &odir,
                oname,
                &ndir,
                nname,
                flags,
                op.trailing,
                np.trailing,
                cred,
            )
        })?;
        self.notify_moved(&op.dir, oname, &np.dir, nname, moved, replaced);
        Ok(())
    }

    /// The node `name` of `dir` is, with whether it is a directory and
    /// its link count, if anyone watches anything (for the events of its
    /// removal or move).
    fn watched_entry(&self, dir: &Location, name: &[u8]) -> Option<(NodeKey, bool, u64)> {
        if self.notify.idle() {
            return None;
        }
        let st = self.child(dir, name).ok()?.node.stat();
        Some((
            NodeKey::of(&st),
            st.mode & libc::S_IFMT == libc::S_IFDIR,
            st.nlink,
        ))
    }

    /// Tells `dir`'s watches that `event` happened to its entry `name`.
    pub(crate) fn notify_entry(&self, dir: &Location, name: &[u8], event: u32, cookie: u32) {
        if !self.notify.idle() {
            self.notify
                .notify(NodeKey::of_loc(dir), event, cookie, name);
        }
    }

    /// The events of removing `victim` (`watched_entry`) from `dir`.
    fn notify_removed(&self, dir: &Location, name: &[u8], victim: Option<(NodeKey, bool, u64)>) {
        let Some((key, is_dir, nlink)) = victim else {
            return;
        };
        // Linux's order: the link count, the node's end, the entry's.
        if !is_dir {
            self.notify.notify(key, IN_ATTRIB, 0, b"");
        }
        if is_dir || nlink <= 1 {
            self.notify.gone(key);
        }
        self.notify_entry(dir, name, IN_DELETE | if is_dir { IN_ISDIR } else { 0 }, 0);
    }

    /// The events of a rename: `IN_MOVED_FROM` and `IN_MOVED_TO` with one
    /// cookie, `IN_MOVE_SELF`, and the end of a replaced node.
    fn notify_moved(
        &self,
        odir: &Location,
        oname: &[u8],
        ndir: &Location,
        nname: &[u8],
        moved: Option<(NodeKey, bool, u64)>,
        replaced: Option<(NodeKey, bool, u64)>,
    ) {
        let Some((key, is_dir, _)) = moved else {
            return;
        };
        let isdir = if is_dir { IN_ISDIR } else { 0 };
        let cookie = self.notify.cookie();
        self.notify_entry(odir, oname, IN_MOVED_FROM | isdir, cookie);
        self.notify_entry(ndir, nname, IN_MOVED_TO | isdir, cookie);
        self.notify.notify(key, IN_MOVE_SELF, 0, b"");
        if let Some((old, old_dir, nlink)) = replaced {
            if old != key && (old_dir || nlink <= 1) {
                self.notify.gone(old);
            }
        }
    }

    /// For removing `name` of `p`'s directory (whose upper directory is
    /// `dir`) in an overlay: where the name is. `None` outside overlays.
    fn in_overlay(&self, p: &Parent, dir: &Inode, name: &[u8]) -> VfsResult<Option<Removal>> {
        let Some(overlay) = p.dir.mount.overlay() else {
            return Ok(None);
        };
        Ok(Some(match self.child(&p.dir, name)?.node {
            victim @ Node::Host(_) => Removal::Lower(victim),
            victim => Removal::Upper {
                hide: overlay.lower_has(dir, &p.dir.node, name),
                victim,
            },
        }))
    }

    /// What an overlay checks and does before a rename: a lower or merged
    /// directory is not moved (`EXDEV`); a lower file is copied up; a
    /// lower node being replaced is checked as Linux checks the target.
    /// With `RENAME_EXCHANGE` both names move. `victim` is the node the
    /// old name stands for. True if both names are the same node: nothing
    /// to do.
    fn prepare_overlay_rename(
        &self,
        op: &Parent,
        victim: &Node,
        np: &Parent,
        nname: &[u8],
        flags: u32,
    ) -> VfsResult<bool> {
        let Some(overlay) = op.dir.mount.overlay() else {
            return Ok(false);
        };
        let moves_lower_dir = |n: &Node| match n {
            Node::Host(h) => h.st.st_mode & libc::S_IFMT == libc::S_IFDIR,
            Node::Tmpfs(i) => i.is_merged(),
            _ => false,
        };
        let old = Location {
            mount: op.dir.mount.clone(),
            node: victim.clone(),
        };
        if moves_lower_dir(&old.node) {
            return Err(Errno::EXDEV);
        }
        if flags & RENAME_EXCHANGE != 0 {
            let new = self.child(&np.dir, nname)?;
            if moves_lower_dir(&new.node) {
                return Err(Errno::EXDEV);
            }
            overlay.copy_up(&new.node, true)?;
        } else if let Ok(new) = self.child(&np.dir, nname) {
            if flags & RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if old.same(&new) {
                return Ok(true);
            }
            match (old.node.is_dir(), new.node.is_dir()) {
                (false, true) => return Err(Errno::EISDIR),
                (true, false) => return Err(Errno::ENOTDIR),
                (true, true) if !overlay.is_empty_dir(&new.node)? => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
        }
        overlay.copy_up(&old.node, true)?;
        Ok(false)
    }
}

/// The device number `mknod` passes (Linux's `new_decode_dev`) as
/// `stat` reports it.
fn decode_dev(dev: u32) -> u64 {
    let major = (dev & 0xfff00) >> 8;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    libc::makedev(major, minor)
}

/// Where a name to remove from an overlay is.
enum Removal {
    /// Only in the lower layer: the node there.
    Lower(Node),
    /// In the upper layer: the node there; `hide`: the lower layer has
    /// the name too.
    Upper { victim: Node, hide: bool },
}

impl Removal {
    /// The node the name stands for.
    fn victim(&self) -> &Node {
        match self {
            Removal::Lower(victim) | Removal::Upper { victim, .. } => victim,
        }
    }

    fn hides_lower(&self) -> bool {
        match self {
            Removal::Lower(_) => true,
            Removal::Upper { hide, .. } => *hide,
        }
    }
}

/// Runs `remove`, which takes `name` out of the upper directory `dir`;
/// with `hide`, a whiteout is put in place first, so no reader ever sees
/// the lower name come back, and taken away again if `remove` fails.
fn hide_lower_while(
    tmpfs: &Tmpfs,
    dir: &Inode,
    name: &[u8],
    hide: bool,
    remove: impl FnOnce() -> VfsResult<()>,
) -> VfsResult<()> {
    let had = hide && tmpfs.add_whiteout(dir, name)?;
    let r = remove();
    if r.is_err() && hide && !had {
        tmpfs.drop_whiteout(dir, name);
    }
    r
}

/// Linux's `may_delete` for a node of the lower layer.
fn may_delete(dir: Owner, victim: &Node, want_dir: bool, cred: &Cred) -> VfsResult<()> {
    cred::check(cred, dir, MAY_WRITE | MAY_EXEC)?;
    cred::check_sticky(cred, dir, victim.owner())?;
    match (want_dir, victim.is_dir()) {
        (true, false) => Err(Errno::ENOTDIR),
        (false, true) => Err(Errno::EISDIR),
        _ => Ok(()),
    }
}

/// `renameat2`'s flags: `EINVAL` for unknown ones and for
/// `RENAME_EXCHANGE` with `RENAME_NOREPLACE` or `RENAME_WHITEOUT`. Linux
/// checks them before it looks at the paths.
pub fn check_rename_flags(flags: u32) -> VfsResult<()> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_EXCHANGE != 0 && flags & (RENAME_NOREPLACE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}
