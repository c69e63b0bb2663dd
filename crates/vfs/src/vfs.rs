//! The mount table of one run and the path-based operations on it.

use std::os::unix::ffi::OsStrExt;
use std::sync::{Arc, Weak};

use crate::cred::{self, Cred, MAY_EXEC, MAY_READ, MAY_WRITE};
use crate::file::{FileOps, OpenFile};
use crate::fs_context::FsContext;
use crate::host_write::writable_host;
use crate::mount::{Location, Mount, MountTable};
use crate::node::{Node, PathOps};
use crate::notify::{Hub, NodeKey, WatchPoint, IN_CREATE, IN_OPEN};
use crate::path::{Found, Last, Walk, RESOLVE_BENEATH, RESOLVE_IN_ROOT};
use crate::proc::{ProcFs, ProcSource};
use crate::setup::MountOptions;
use crate::stat::Stat;
use crate::tmpfs::{self, NewNode};
use crate::{Errno, VfsResult};

/// What `open(O_CREAT)` made of the last name.
enum Made {
    /// It existed.
    Nothing,
    /// A new node, to be opened.
    Node,
    /// A new host file in a writable bind, opened as it was made (a file
    /// made read-only is still open for writing, as on Linux).
    Opened(Arc<dyn FileOps>),
}

/// The mount table and file systems of one Trapline run.
pub struct Vfs {
    pub(crate) mounts: MountTable,
    pub(crate) root: Location,
    /// `/proc`.
    pub(crate) proc: Arc<ProcFs>,
    /// The device number (minor) of the next tmpfs mounted.
    pub(crate) next_tmpfs_dev: u32,
    /// Where memfds live: a tmpfs no path reaches.
    pub(crate) memfd_mount: Arc<Mount>,
    /// inotify's watches.
    pub(crate) notify: Arc<Hub>,
}

impl std::fmt::Debug for Vfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vfs").finish_non_exhaustive()
    }
}

impl Vfs {
    /// The host's `/` read-only under a writable in-memory layer, a tmpfs
    /// on `/tmp`, `/proc`, the kernel's devices.
    pub fn new_default() -> VfsResult<Vfs> {
        Vfs::new(&MountOptions::default()).map_err(|e| e.errno)
    }

    /// Like `new_default`, with the host directory `root` (absolute) as the
    /// guest's `/` (for `--root DIR`).
    pub fn with_host_root(root: &[u8]) -> VfsResult<Vfs> {
        let root = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(root));
        let opts = MountOptions {
            root: Some(root),
            ..MountOptions::default()
        };
        Vfs::new(&opts).map_err(|e| e.errno)
    }

    /// Tells `/proc` where processes come from: the kernel, once it
    /// exists (a `Weak`, since the kernel holds the vfs). Until then, and
    /// once the kernel is gone, `/proc` shows no process.
    pub fn set_proc_source(&self, source: Weak<dyn ProcSource>) {
        self.proc.set_source(source);
    }

    /// The guest path of a host path, if the host root shows it.
    pub(crate) fn guest_path_of_host(&self, host_path: &[u8]) -> Option<Vec<u8>> {
        let prefix = self.root.mount.host().ok()?.root();
        let rest = host_path.strip_prefix(prefix)?;
        if rest.is_empty() {
            return Some(b"/".to_vec());
        }
        rest.starts_with(b"/").then(|| rest.to_vec())
    }

    /// Whether the guest may write to the node: a plain host mount is
    /// read-only (`EROFS`) but for its terminals, an overlay copies up
    /// regular files; `/proc` decides for its own files
    /// (`ProcNode::check_writable`).
    pub(crate) fn check_writable(&self, loc: &Location) -> VfsResult<()> {
        let ok = match &loc.node {
            // The overlay copies files and directories up to change them.
            Node::Host(h) if loc.mount.overlay().is_some() && (h.is_file() || h.is_dir()) => true,
            Node::Host(h) => loc.mount.host().is_ok_and(|fs| fs.writable(h)),
            Node::Tmpfs(_) => true,
            Node::Proc(p) => return p.check_writable(),
            // A read-only mount, whose device nodes may still be written.
            Node::Synth(s) => s.device().is_some(),
        };
        if ok {
            Ok(())
        } else {
            Err(Errno::EROFS)
        }
    }

    /// Opens a node found by a lookup.
    fn open_node(
        &self,
        ctx: &FsContext,
        loc: &Location,
        acc: i32,
        write: bool,
        trunc: bool,
    ) -> VfsResult<Arc<dyn FileOps>> {
        if let Some(overlay) = loc.mount.overlay() {
            match &loc.node {
                n if n.is_dir() => return overlay.open_dir(n),
                // A lower file is copied up to be written, without its
                // bytes if they are about to go.
                n @ Node::Host(h) if (write || trunc) && h.is_file() => {
                    return tmpfs::open(&overlay.copy_up(n, !trunc)?, trunc)
                }
                _ => {}
            }
        }
        match &loc.node {
            Node::Host(h) => loc.mount.host()?.open_with(h, acc, write, trunc),
            Node::Tmpfs(i) => tmpfs::open(i, trunc),
            Node::Proc(p) => loc.mount.proc()?.open(p, ctx, self),
            Node::Synth(s) if s.device().is_some() => self.open_device(ctx, s, acc),
            Node::Synth(s) => s.open(),
        }
    }

    /// `openat`. `mode` is the creation mode before the umask, which is
    /// applied here.
    pub fn open(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        flags: i32,
        mode: u32,
        cred: &Cred,
    ) -> VfsResult<Arc<OpenFile>> {
        self.open_resolve(ctx, base, path, flags, mode, 0, cred)
    }

    /// `openat2`: `open` with the lookup restricted by `RESOLVE_*` flags
    /// (checked by the caller).
    #[allow(clippy::too_many_arguments)]
    pub fn open_resolve(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        flags: i32,
        mode: u32,
        resolve: u64,
        cred: &Cred,
    ) -> VfsResult<Arc<OpenFile>> {
        let walk = &mut Walk {
            resolve,
            ..Walk::default()
        };
        if resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) != 0 {
            walk.anchor = Some(self.start_for(ctx, base, b".")?);
        }
        let flags = if flags & libc::O_PATH != 0 {
            flags & (libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_PATH | libc::O_CLOEXEC)
        } else {
            flags
        };
        if crate::tmpfile::is_tmpfile(flags) {
            return self.open_tmpfile(ctx, base, path, flags, mode, cred);
        }
        if flags & libc::O_CREAT != 0 && flags & libc::O_DIRECTORY != 0 {
            return Err(Errno::EINVAL);
        }
        let start = match (path.first(), &walk.anchor) {
            (Some(b'/'), Some(anchor)) if resolve & RESOLVE_IN_ROOT != 0 => anchor.clone(),
            (Some(b'/'), Some(_)) => return Err(Errno::EXDEV),
            _ => self.start_for(ctx, base, path)?,
        };
        let (found, made) = if flags & libc::O_CREAT != 0 {
            self.open_create(ctx, start, path, flags, mode, cred, walk)?
        } else {
            (
                self.lookup_at(ctx, start, path, flags & libc::O_NOFOLLOW == 0, cred, walk)?,
                Made::Nothing,
            )
        };
        let created = !matches!(made, Made::Nothing);
        let loc = &found.loc;
        let path = found.path();
        let ft = loc.node.file_type();
        if flags & libc::O_DIRECTORY != 0 && ft != libc::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        if flags & libc::O_PATH != 0 {
            let ops = Arc::new(PathOps { loc: loc.clone() });
            return Ok(OpenFile::new(ops, flags, path, Some(found.loc)));
        }
        if ft == libc::S_IFLNK {
            return Err(Errno::ELOOP);
        }
        if let Some(file) = self.proc_reopen(loc, flags, cred)? {
            return Ok(file);
        }
        let acc = flags & libc::O_ACCMODE;
        let mut want = match acc {
            libc::O_RDONLY => MAY_READ,
            libc::O_WRONLY => MAY_WRITE,
            _ => MAY_READ | MAY_WRITE,
        };
        if flags & libc::O_TRUNC != 0 {
            want |= MAY_WRITE;
        }
        let write = want & MAY_WRITE != 0;
        if ft == libc::S_IFDIR && (flags & libc::O_CREAT != 0 || write) {
            return Err(Errno::EISDIR);
        }
        if !created {
            if write {
                self.check_writable(loc)?;
            }
            cred::check(cred, loc.node.owner(), want)?;
        }
        if let (libc::S_IFIFO, Node::Tmpfs(i)) = (ft, &loc.node) {
            return tmpfs::open_fifo(i, flags, path);
        }
        let trunc = flags & libc::O_TRUNC != 0 && ft == libc::S_IFREG && !created;
        let ops = match made {
            Made::Opened(ops) => ops,
            _ => self.open_node(ctx, loc, acc, acc != libc::O_RDONLY, trunc)?,
        };
        let is_dir = ft == libc::S_IFDIR;
        let parent = found
            .parent
            .as_ref()
            .map(|(dir, name)| (NodeKey::of_loc(dir), name.clone()));
        if created {
            if let Some((dir, name)) = &found.parent {
                self.notify_entry(dir, name, IN_CREATE, 0);
            }
        }
        let file = OpenFile::new(ops, flags, path, Some(found.loc.clone()));
        let watch = WatchPoint {
            hub: self.notify.clone(),
            key: NodeKey::of_loc(&found.loc),
            parent,
            is_dir,
        };
        watch.raise(IN_OPEN);
        let _ = file.watch.set(watch);
        Ok(file)
    }

    /// The lookup of `open` with `O_CREAT`: creates the last component if
    /// it is missing (following a final symlink to create its target).
    #[allow(clippy::too_many_arguments)]
    fn open_create(
        &self,
        ctx: &FsContext,
        start: Location,
        path: &[u8],
        flags: i32,
        mode: u32,
        cred: &Cred,
        walk: &mut Walk,
    ) -> VfsResult<(Found, Made)> {
        let p = self.walk_parent(ctx, start, path, cred, walk)?;
        let name = match &p.last {
            Last::Name(name) => name.clone(),
            _ => return Err(Errno::EISDIR),
        };
        if p.trailing {
            return Err(Errno::EISDIR);
        }
        let excl = flags & libc::O_EXCL != 0;
        // A racing creator can make a create fail with EEXIST; look again.
        for _ in 0..4 {
            match self.child(&p.dir, &name) {
                Ok(child) => {
                    if excl {
                        return Err(Errno::EEXIST);
                    }
                    if child.node.is_symlink() && flags & libc::O_NOFOLLOW == 0 {
                        if let Some(loc) = self.magic_target(&child, cred)? {
                            return Ok((Found { parent: None, loc }, Made::Nothing));
                        }
                        let (start, target) = self.link_start(ctx, &p.dir, &child, cred, walk)?;
                        return self.open_create(ctx, start, &target, flags, mode, cred, walk);
                    }
                    return Ok((
                        Found {
                            parent: Some((p.dir, name)),
                            loc: child,
                        },
                        Made::Nothing,
                    ));
                }
                Err(e) if e == Errno::ENOENT => {
                    let m = mode & 0o7777 & !ctx.umask();
                    if let Some((host, dir)) = writable_host(&p.dir) {
                        let (node, ops) = match host.create_file(dir, &name, flags, m, cred) {
                            Ok(made) => made,
                            Err(e) if e == Errno::EEXIST && !excl => continue,
                            Err(e) => return Err(e),
                        };
                        let loc = Location {
                            mount: p.dir.mount.clone(),
                            node: Node::Host(node),
                        };
                        let parent = Some((p.dir, name));
                        return Ok((Found { parent, loc }, Made::Opened(ops)));
                    }
                    let dir = self.creatable_dir(&p, &name)?;
                    let tmpfs = p.dir.mount.tmpfs()?;
                    let inode = match tmpfs.create(&dir, &name, NewNode::File, m, cred) {
                        Ok(i) => i,
                        Err(e) if e == Errno::EEXIST && !excl => continue,
                        Err(e) => return Err(e),
                    };
                    let loc = Location {
                        mount: p.dir.mount.clone(),
                        node: Node::Tmpfs(inode),
                    };
                    return Ok((
                        Found {
                            parent: Some((p.dir, name)),
                            loc,
                        },
                        Made::Node,
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        Err(Errno::EEXIST)
    }

    /// `stat`/`lstat`/`newfstatat`/`statx` by path.
    pub fn stat(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<Stat> {
        let found = self.lookup(ctx, base, path, follow, cred)?;
        Self::stat_found(&found)
    }

    fn stat_found(found: &Found) -> VfsResult<Stat> {
        let loc = &found.loc;
        let mut st = match &loc.node {
            // A node reached by name was just looked up; `.`, `..` and the
            // root may be older.
            Node::Host(h) if found.parent.is_none() => {
                Stat::from_host(&loc.mount.host()?.lstat(&h.rel)?)
            }
            n => n.stat(),
        };
        st.mnt_id = loc.mount.id;
        Ok(st)
    }

    /// `faccessat2`. `cred` is the credential to check with: the caller
    /// passes the real ids for `access` and the effective ones for
    /// `AT_EACCESS` (`use_effective`), since `Cred` holds one set.
    #[allow(clippy::too_many_arguments)]
    pub fn access(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        mode: i32,
        follow: bool,
        use_effective: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let _ = use_effective;
        if mode & !(libc::R_OK | libc::W_OK | libc::X_OK) != 0 {
            return Err(Errno::EINVAL);
        }
        let found = self.lookup(ctx, base, path, follow, cred)?;
        if mode == libc::F_OK {
            return Ok(());
        }
        if mode & libc::W_OK != 0 {
            self.check_writable(&found.loc)?;
        }
        cred::check(cred, found.loc.node.owner(), mode as u32)
    }

    /// `readlinkat`: the target of a symlink, `EINVAL` for anything else.
    pub fn readlink(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        cred: &Cred,
    ) -> VfsResult<Vec<u8>> {
        let found = self.lookup(ctx, base, path, false, cred)?;
        if !found.loc.node.is_symlink() {
            return Err(Errno::EINVAL);
        }
        self.readlink_loc(ctx, &found.loc, cred)
    }

    /// `chdir`.
    pub fn chdir(
        &self,
        ctx: &mut FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        cred: &Cred,
    ) -> VfsResult<()> {
        let found = self.lookup(ctx, base, path, true, cred)?;
        if !found.loc.node.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        cred::check(cred, found.loc.node.owner(), MAY_EXEC)?;
        ctx.set_cwd(found.loc);
        Ok(())
    }

    /// `chroot`: `privileged` says whether the caller may (Linux's
    /// `CAP_SYS_CHROOT`), which is checked after the lookup, as on Linux.
    /// The cwd stays where it is, possibly outside the new root.
    pub fn chroot(
        &self,
        ctx: &mut FsContext,
        path: &[u8],
        privileged: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let found = self.lookup(ctx, None, path, true, cred)?;
        if !found.loc.node.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        cred::check(cred, found.loc.node.owner(), MAY_EXEC)?;
        if !privileged {
            return Err(Errno::EPERM);
        }
        ctx.set_root(found.loc);
        Ok(())
    }

    /// `fchdir` (no permission check: the signature carries no
    /// credentials; Linux would check search permission).
    pub fn fchdir(&self, ctx: &mut FsContext, dir: &OpenFile) -> VfsResult<()> {
        match &dir.loc {
            Some(loc) if loc.node.is_dir() => {
                ctx.set_cwd(loc.clone());
                Ok(())
            }
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Resolves an executable for `execve`: a regular file the caller may
    /// execute (`EACCES` otherwise), opened `O_RDONLY`; its `path()` is the
    /// absolute guest path.
    pub fn open_exec(&self, ctx: &FsContext, path: &[u8], cred: &Cred) -> VfsResult<Arc<OpenFile>> {
        self.open_exec_at(ctx, None, path, true, cred)
    }

    /// `execveat`: as [`open_exec`](Self::open_exec), relative to `base`
    /// (`None`: the cwd). Without `follow` (`AT_SYMLINK_NOFOLLOW`) a
    /// final symlink is `ELOOP`.
    pub fn open_exec_at(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<Arc<OpenFile>> {
        let found = self.lookup(ctx, base, path, follow, cred)?;
        if found.loc.node.file_type() == libc::S_IFLNK {
            return Err(Errno::ELOOP);
        }
        let path = found.path();
        self.exec_open(ctx, found.loc, path, cred)
    }

    /// `execveat(AT_EMPTY_PATH)`: the file `file` is open on (an `O_PATH`
    /// fd will do). Files outside the mount tree (pipes, sockets) are
    /// `EACCES`.
    pub fn open_exec_file(
        &self,
        ctx: &FsContext,
        file: &OpenFile,
        cred: &Cred,
    ) -> VfsResult<Arc<OpenFile>> {
        let loc = file.loc.clone().ok_or(Errno::EACCES)?;
        self.exec_open(ctx, loc, file.path().to_vec(), cred)
    }

    fn exec_open(
        &self,
        ctx: &FsContext,
        loc: Location,
        path: Vec<u8>,
        cred: &Cred,
    ) -> VfsResult<Arc<OpenFile>> {
        if loc.node.file_type() != libc::S_IFREG {
            return Err(Errno::EACCES);
        }
        cred::check(cred, loc.node.owner(), MAY_EXEC)?;
        let ops = self.open_node(ctx, &loc, libc::O_RDONLY, false, false)?;
        Ok(OpenFile::new(ops, libc::O_RDONLY, path, Some(loc)))
    }
}
