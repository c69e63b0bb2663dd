//! `open` with `O_TMPFILE`: a file with no name in a directory's file
//! system, which `linkat` may name later (unless `O_EXCL`).

use std::sync::Arc;

use crate::cred::Cred;
use crate::file::OpenFile;
use crate::fs_context::FsContext;
use crate::mount::{join_path, Location};
use crate::node::Node;
use crate::vfs::Vfs;
use crate::{Errno, VfsResult};

/// `O_TMPFILE` without the `O_DIRECTORY` it comes with.
const TMPFILE_BIT: i32 = libc::O_TMPFILE & !libc::O_DIRECTORY;

/// Whether `open` flags ask for `O_TMPFILE` (or part of it).
pub(crate) fn is_tmpfile(flags: i32) -> bool {
    flags & TMPFILE_BIT != 0
}

impl Vfs {
    /// `open(dir, O_TMPFILE | ...)`, after `O_PATH` had its say. `EINVAL`
    /// for half of `O_TMPFILE`, with `O_CREAT` or read-only; `ENOTDIR`
    /// unless `path` is a directory; `EROFS` on the host, `EOPNOTSUPP`
    /// where the file system has no unnamed files (`/proc`); `EACCES`
    /// unless the caller may write and search the directory.
    pub(crate) fn open_tmpfile(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        flags: i32,
        mode: u32,
        cred: &Cred,
    ) -> VfsResult<Arc<OpenFile>> {
        let mask = libc::O_TMPFILE | libc::O_CREAT;
        if flags & mask != libc::O_TMPFILE || flags & libc::O_ACCMODE == libc::O_RDONLY {
            return Err(Errno::EINVAL);
        }
        let found = self.lookup(ctx, base, path, flags & libc::O_NOFOLLOW == 0, cred)?;
        let dir = &found.loc;
        if !dir.node.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let mode = mode & 0o7777 & !ctx.umask();
        let linkable = flags & libc::O_EXCL == 0;
        let inode = match (&dir.node, dir.mount.overlay()) {
            // In an overlay, the directory's upper copy holds the file.
            (n @ (Node::Tmpfs(_) | Node::Host(_)), Some(overlay)) => {
                let d = overlay.copy_up(n, false)?;
                dir.mount
                    .tmpfs()?
                    .create_tmpfile(&d, mode, linkable, cred)?
            }
            (Node::Tmpfs(d), None) => dir.mount.tmpfs()?.create_tmpfile(d, mode, linkable, cred)?,
            (Node::Host(_), None) => return Err(Errno::EROFS),
            (Node::Synth(_), _) => return Err(Errno::EROFS),
            (Node::Proc(_), _) => return Err(Errno::EOPNOTSUPP),
        };
        // What /proc shows of it, as Linux names it (with " (deleted)"
        // while it has no link).
        let name = format!("#{}", inode.ino()).into_bytes();
        let path = join_path(&found.path(), &name);
        let ops = crate::tmpfs::open(&inode, false)?;
        let loc = Location {
            mount: dir.mount.clone(),
            node: Node::Tmpfs(inode),
        };
        Ok(OpenFile::new(ops, flags, path, Some(loc)))
    }
}
