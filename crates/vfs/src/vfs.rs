//! The mount table of one run and the path-based operations on it.

use std::sync::{Arc, Weak};

use crate::cred::{self, Cred, MAY_EXEC, MAY_READ, MAY_WRITE};
use crate::file::{FileOps, OpenFile};
use crate::fs_context::FsContext;
use crate::host::HostFs;
use crate::mount::{FsKind, Location, Mount, MountTable};
use crate::node::{Node, PathOps};
use crate::path::{Found, Last};
use crate::proc::{ProcFs, ProcSource};
use crate::stat::Stat;
use crate::tmpfs::{self, NewNode, Tmpfs};
use crate::{Errno, VfsResult};

/// The made-up device number of the `/tmp` tmpfs.
const TMPFS_DEV: u64 = 0x2a;

/// The mount table and file systems of one Trapline run.
pub struct Vfs {
    pub(crate) mounts: MountTable,
    pub(crate) root: Location,
    /// `/proc` (mounted if the root has a `proc` directory).
    pub(crate) proc: Arc<ProcFs>,
}

impl std::fmt::Debug for Vfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vfs").finish_non_exhaustive()
    }
}

impl Vfs {
    /// The host's `/` read-only, a tmpfs on `/tmp`, `/proc`, the kernel's
    /// devices.
    pub fn new_default() -> VfsResult<Vfs> {
        Vfs::with_host_root(b"/")
    }

    /// Like `new_default`, with the host directory `root` (absolute) as the
    /// guest's `/` (for `--root DIR`).
    pub fn with_host_root(root: &[u8]) -> VfsResult<Vfs> {
        let host = Arc::new(HostFs::new(root));
        let root_node = host.node(b"/")?;
        if root_node.st.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        let root_mount = Arc::new(Mount {
            id: 1,
            fs: FsKind::Host(host.clone()),
            root: Node::Host(root_node),
            mountpoint: None,
        });
        let root = Location {
            mount: root_mount.clone(),
            node: root_mount.root.clone(),
        };
        let mut mounts = MountTable::new(root_mount.clone());

        let tmp = Arc::new(Tmpfs::new(libc::makedev(0, TMPFS_DEV as u32)));
        mounts.add(Arc::new(Mount {
            id: mounts.next_id(),
            fs: FsKind::Tmpfs(tmp.clone()),
            root: Node::Tmpfs(tmp.root()),
            mountpoint: Some((root.clone(), b"tmp".to_vec())),
        }));

        let proc = Arc::new(ProcFs::new());
        match host.node(b"/proc") {
            Ok(dir) if dir.st.st_mode & libc::S_IFMT == libc::S_IFDIR => {
                mounts.add(Arc::new(Mount {
                    id: mounts.next_id(),
                    fs: FsKind::Proc(proc.clone()),
                    root: Node::Proc(proc.root()),
                    mountpoint: Some((root.clone(), b"proc".to_vec())),
                }));
            }
            _ => tracing::debug!("no /proc directory under the host root: /proc not mounted"),
        }

        // /sys: a few of the host's files about its CPUs (`sys.rs`).
        if let Ok(dir) = host.node(b"/sys") {
            if dir.st.st_mode & libc::S_IFMT == libc::S_IFDIR {
                let sys = crate::sys::sysfs();
                mounts.add(Arc::new(Mount {
                    id: mounts.next_id(),
                    root: Node::Synth(sys.root()),
                    fs: FsKind::Synth(sys),
                    mountpoint: Some((root.clone(), b"sys".to_vec())),
                }));
            }
        }

        // /dev: the kernel's tree (`devfs.rs`), a private tmpfs on
        // /dev/shm for POSIX shared memory and semaphores, and the host's
        // pseudo-terminals on /dev/pts.
        match host.node(b"/dev") {
            Ok(dir) if dir.st.st_mode & libc::S_IFMT == libc::S_IFDIR => {
                let devfs = crate::devfs::devfs();
                let dev = Arc::new(Mount {
                    id: mounts.next_id(),
                    root: Node::Synth(devfs.root()),
                    fs: FsKind::Synth(devfs.clone()),
                    mountpoint: Some((root.clone(), b"dev".to_vec())),
                });
                mounts.add(dev.clone());
                let dev_root = Location {
                    mount: dev.clone(),
                    node: Node::Synth(devfs.root()),
                };
                let shm = Arc::new(Tmpfs::new(libc::makedev(0, TMPFS_DEV as u32 + 1)));
                mounts.add(Arc::new(Mount {
                    id: mounts.next_id(),
                    fs: FsKind::Tmpfs(shm.clone()),
                    root: Node::Tmpfs(shm.root()),
                    mountpoint: Some((dev_root.clone(), b"shm".to_vec())),
                }));
                let pts = Arc::new(HostFs::new(b"/dev/pts"));
                match pts.node(b"/") {
                    Ok(dir) if dir.st.st_mode & libc::S_IFMT == libc::S_IFDIR => {
                        mounts.add(Arc::new(Mount {
                            id: mounts.next_id(),
                            fs: FsKind::Host(pts),
                            root: Node::Host(dir),
                            mountpoint: Some((dev_root.clone(), b"pts".to_vec())),
                        }));
                    }
                    _ => tracing::debug!("no host /dev/pts: /dev/pts stays empty"),
                }
            }
            _ => {
                tracing::debug!("no /dev directory under the host root: /dev not mounted")
            }
        }
        Ok(Vfs { mounts, root, proc })
    }

    /// Tells `/proc` where processes come from: the kernel, once it
    /// exists (a `Weak`, since the kernel holds the vfs). Until then, and
    /// once the kernel is gone, `/proc` shows no process.
    pub fn set_proc_source(&self, source: Weak<dyn ProcSource>) {
        self.proc.set_source(source);
    }

    /// The guest path of a host path, if the host root shows it.
    pub(crate) fn guest_path_of_host(&self, host_path: &[u8]) -> Option<Vec<u8>> {
        let Node::Host(_) = &self.root.node else {
            return None;
        };
        let prefix = self.root.mount.host().ok()?.root();
        let rest = host_path.strip_prefix(prefix)?;
        if rest.is_empty() {
            return Some(b"/".to_vec());
        }
        rest.starts_with(b"/").then(|| rest.to_vec())
    }

    /// Whether the guest may write to the node: the host is read-only
    /// (`EROFS`) but for its terminals; `/proc` decides for its own files
    /// (`ProcNode::check_writable`).
    pub(crate) fn check_writable(&self, loc: &Location) -> VfsResult<()> {
        let ok = match &loc.node {
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
        match &loc.node {
            Node::Host(h) => loc.mount.host()?.open(h, acc, write),
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
        if flags & libc::O_TMPFILE == libc::O_TMPFILE {
            return Err(Errno::EOPNOTSUPP);
        }
        let flags = if flags & libc::O_PATH != 0 {
            flags & (libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_PATH | libc::O_CLOEXEC)
        } else {
            flags
        };
        if flags & libc::O_CREAT != 0 && flags & libc::O_DIRECTORY != 0 {
            return Err(Errno::EINVAL);
        }
        let start = self.start_for(ctx, base, path)?;
        let (found, created) = if flags & libc::O_CREAT != 0 {
            self.open_create(ctx, start, path, flags, mode, cred, &mut 0)?
        } else {
            (
                self.lookup_at(
                    ctx,
                    start,
                    path,
                    flags & libc::O_NOFOLLOW == 0,
                    cred,
                    &mut 0,
                )?,
                false,
            )
        };
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
        let trunc = flags & libc::O_TRUNC != 0 && ft == libc::S_IFREG && !created;
        let ops = self.open_node(ctx, loc, acc, acc != libc::O_RDONLY, trunc)?;
        Ok(OpenFile::new(ops, flags, path, Some(found.loc)))
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
        depth: &mut u32,
    ) -> VfsResult<(Found, bool)> {
        let p = self.walk_parent(ctx, start, path, cred, depth)?;
        let Last::Name(name) = p.last else {
            return Err(Errno::EISDIR);
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
                            return Ok((Found { parent: None, loc }, false));
                        }
                        let (start, target) = self.link_start(ctx, &p.dir, &child, cred, depth)?;
                        return self.open_create(ctx, start, &target, flags, mode, cred, depth);
                    }
                    return Ok((
                        Found {
                            parent: Some((p.dir, name)),
                            loc: child,
                        },
                        false,
                    ));
                }
                Err(e) if e == Errno::ENOENT => {
                    let inode = match &p.dir.node {
                        Node::Host(_) => return Err(Errno::EROFS),
                        // Linux's procfs has no create: the name stays
                        // missing.
                        Node::Proc(_) => return Err(Errno::ENOENT),
                        Node::Synth(_) => return Err(Errno::EROFS),
                        Node::Tmpfs(dir) => {
                            let m = mode & 0o7777 & !ctx.umask();
                            match p
                                .dir
                                .mount
                                .tmpfs()?
                                .create(dir, &name, NewNode::File, m, cred)
                            {
                                Ok(i) => i,
                                Err(e) if e == Errno::EEXIST && !excl => continue,
                                Err(e) => return Err(e),
                            }
                        }
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
                        true,
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
        let found = self.lookup(ctx, None, path, true, cred)?;
        if found.loc.node.file_type() != libc::S_IFREG {
            return Err(Errno::EACCES);
        }
        cred::check(cred, found.loc.node.owner(), MAY_EXEC)?;
        let ops = self.open_node(ctx, &found.loc, libc::O_RDONLY, false, false)?;
        let path = found.path();
        Ok(OpenFile::new(ops, libc::O_RDONLY, path, Some(found.loc)))
    }
}
