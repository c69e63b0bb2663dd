//! Operations that change names: mkdir, unlink, rmdir, rename, symlink,
//! link. The host is read-only (`EROFS`, after the checks Linux makes
//! first); tmpfs does the work.

use std::sync::Arc;

use crate::cred::Cred;
use crate::file::OpenFile;
use crate::fs_context::FsContext;
use crate::mount::Location;
use crate::node::Node;
use crate::path::{Last, Parent, PATH_MAX};
use crate::tmpfs::{Inode, NewNode};
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

    /// The tmpfs directory `p` is in, or the errno for a host/device dir.
    /// Removing or renaming a name of `/proc` is `EPERM` as on Linux
    /// (`ENOENT` if there is no such name).
    fn tmpfs_dir<'a>(&self, dir: &'a Location, name: &[u8]) -> VfsResult<&'a Arc<Inode>> {
        match &dir.node {
            Node::Tmpfs(i) => Ok(i),
            Node::Host(_) => Err(Errno::EROFS),
            Node::Synth(_) => Err(Errno::EROFS),
            Node::Proc(_) => Err(match self.child(dir, name) {
                Ok(_) => Errno::EPERM,
                Err(e) => e,
            }),
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
        match &p.dir.node {
            Node::Tmpfs(dir) => {
                let mode = mode & (0o777 | libc::S_ISVTX) & !ctx.umask();
                p.dir
                    .mount
                    .tmpfs()?
                    .create(dir, name, NewNode::Dir, mode, cred)
                    .map(drop)
            }
            Node::Host(_) | Node::Synth(_) => Err(self.exists_or(&p, name, Errno::EROFS)),
            Node::Proc(_) => Err(self.exists_or(&p, name, Errno::ENOENT)),
        }
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
        match &p.dir.node {
            Node::Tmpfs(dir) => p
                .dir
                .mount
                .tmpfs()?
                .create(dir, name, NewNode::Symlink(target), 0o777, cred)
                .map(drop),
            Node::Host(_) | Node::Synth(_) => Err(self.exists_or(&p, name, Errno::EROFS)),
            Node::Proc(_) => Err(self.exists_or(&p, name, Errno::ENOENT)),
        }
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
        let dir = match &p.dir.node {
            Node::Tmpfs(dir) => dir,
            Node::Host(_) | Node::Synth(_) => return Err(self.exists_or(&p, name, Errno::EROFS)),
            Node::Proc(_) => return Err(self.exists_or(&p, name, Errno::ENOENT)),
        };
        if self.child(&p.dir, name).is_ok() {
            return Err(Errno::EEXIST);
        }
        if !Arc::ptr_eq(&src.mount, &p.dir.mount) {
            return Err(Errno::EXDEV);
        }
        match &src.node {
            Node::Tmpfs(target) => p.dir.mount.tmpfs()?.link(dir, name, target, cred),
            _ => Err(Errno::EXDEV),
        }
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
        let dir = self.tmpfs_dir(&p.dir, name)?;
        p.dir.mount.tmpfs()?.unlink(dir, name, p.trailing, cred)
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
        let dir = self.tmpfs_dir(&p.dir, name)?;
        p.dir.mount.tmpfs()?.rmdir(dir, name, cred)
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

    /// `renameat2`: `flags` 0 or `RENAME_NOREPLACE`; `RENAME_EXCHANGE`
    /// and `RENAME_WHITEOUT` are not supported (`EINVAL`).
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
        if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
            return Err(Errno::EINVAL);
        }
        if flags & (RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
            return Err(Errno::EINVAL);
        }
        let op = self.parent_lookup(ctx, old_base, old, cred)?;
        let np = self.parent_lookup(ctx, new_base, new, cred)?;
        if !Arc::ptr_eq(&op.dir.mount, &np.dir.mount) {
            return Err(Errno::EXDEV);
        }
        let Last::Name(oname) = &op.last else {
            return Err(Errno::EBUSY);
        };
        let Last::Name(nname) = &np.last else {
            return Err(Errno::EBUSY);
        };
        let odir = self.tmpfs_dir(&op.dir, oname)?;
        let ndir = self.tmpfs_dir(&np.dir, nname)?;
        let noreplace = flags & RENAME_NOREPLACE != 0;
        op.dir.mount.tmpfs()?.rename(
            odir,
            oname,
            ndir,
            nname,
            noreplace,
            op.trailing,
            np.trailing,
            cred,
        )
    }
}
