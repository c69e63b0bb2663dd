//! An in-memory file system, private to one run (`/tmp`).
//!
//! Directories map names to inodes; regular files keep their bytes in a host
//! memfd each (created on first use), so file data is not on our heap and
//! the kernel can map it into a guest. Changes to the namespace (create,
//! remove, rename, link) are serialised by one lock per file system; lookups
//! and directory reads take only the directory's own lock. Lock order:
//! namespace, then a directory, then an inode's metadata.

use std::collections::{BTreeMap, BTreeSet};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::cred::{self, Cred, Owner, MAY_EXEC, MAY_WRITE};
use crate::dev::{DevFile, DevKind};
use crate::file::{dir_seek, generic_seek, DirEntry, FileOps, OpenFile};
use crate::host::fstat;
use crate::memfd::{add_host_seals, host_memfd, host_seals, F_SEAL_EXEC};
use crate::pipe::{Pipe, PipeEnd};
use crate::stat::{dtype_of_mode, Stat, Timespec};
use crate::{host_errno, lock, Errno, VfsResult};

/// Linux's tmpfs reports 20 bytes per directory entry as a directory's size.
const BOGO_DIRENT_SIZE: i64 = 20;
/// Directory positions 0 and 1 are `.` and `..`; entries' cookies start here.
const FIRST_COOKIE: u64 = 2;
/// The block size of tmpfs nodes: a page.
const PAGE_BLKSIZE: i64 = 4096;

struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
    btime: Timespec,
}

struct Entry {
    cookie: u64,
    inode: Arc<Inode>,
}

struct Dir {
    entries: BTreeMap<Vec<u8>, Entry>,
    /// Entries in creation order: a directory position is a cookie, so
    /// reading continues correctly while entries come and go.
    by_cookie: BTreeMap<u64, Vec<u8>>,
    next_cookie: u64,
    /// The directory holding this one (dead for the root).
    parent: Weak<Inode>,
    name: Vec<u8>,
    /// As the upper layer of an overlay: whether the lower directory at
    /// the same path shows through (a directory copied up), and the lower
    /// names deleted here. A directory made by `mkdir` is opaque.
    merged: bool,
    whiteouts: BTreeSet<Vec<u8>>,
    /// A copied-up directory's size and blocks as the lower layer has
    /// them, which `stat` keeps showing.
    lower_size: Option<(i64, i64)>,
}

enum Data {
    Dir(Mutex<Dir>),
    /// The memfd holding the bytes, created on first write.
    File(OnceLock<OwnedFd>),
    Symlink(Vec<u8>),
    /// A FIFO, socket or device node (`mknod`); a FIFO's pipe is made on
    /// its first open and shared by every opener.
    Special {
        rdev: u64,
        fifo: OnceLock<Arc<Pipe>>,
    },
}

/// A tmpfs inode.
pub(crate) struct Inode {
    ino: u64,
    dev: u64,
    meta: Mutex<Meta>,
    data: Data,
    /// An `O_TMPFILE` file (without `O_EXCL`) that may still get its first
    /// name (Linux's `I_LINKABLE`).
    linkable: AtomicBool,
    /// Extended attributes (`user.*`, `trusted.*`, `security.*`) by name.
    xattrs: Mutex<BTreeMap<Vec<u8>, Vec<u8>>>,
}

/// What `Tmpfs::create` makes.
pub(crate) enum NewNode<'a> {
    File,
    Dir,
    Symlink(&'a [u8]),
    /// `mknod` of a FIFO, socket or device: its file type and device.
    Special {
        kind: u32,
        rdev: u64,
    },
}

/// One tmpfs instance.
pub(crate) struct Tmpfs {
    dev: u64,
    next_ino: AtomicU64,
    ns: Mutex<()>,
    root: Arc<Inode>,
}

fn not_dir() -> Errno {
    Errno::ENOTDIR
}

impl Inode {
    fn dir(&self) -> VfsResult<&Mutex<Dir>> {
        match &self.data {
            Data::Dir(d) => Ok(d),
            _ => Err(not_dir()),
        }
    }

    pub fn owner(&self) -> Owner {
        let m = lock(&self.meta);
        Owner {
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self.data, Data::Dir(_))
    }

    /// Whether it has been removed from the tree (a deleted directory).
    pub fn is_unlinked(&self) -> bool {
        lock(&self.meta).nlink == 0
    }

    fn touch(&self, mtime: bool) {
        let now = Timespec::now();
        let mut m = lock(&self.meta);
        m.ctime = now;
        if mtime {
            m.mtime = now;
        }
    }

    fn memfd(&self) -> Option<&OwnedFd> {
        match &self.data {
            Data::File(f) => f.get(),
            _ => None,
        }
    }

    /// The memfd, created now if the file has none yet.
    fn memfd_or_create(&self) -> VfsResult<&OwnedFd> {
        let Data::File(cell) = &self.data else {
            return Err(Errno::EINVAL);
        };
        if let Some(fd) = cell.get() {
            return Ok(fd);
        }
        let fd = host_memfd(0)?;
        // A racing creator may have won; then ours is dropped.
        let _ = cell.set(fd);
        cell.get().ok_or(Errno::EIO)
    }

    fn size_and_blocks(&self) -> (i64, i64) {
        let (size, blocks, _) = self.size_blocks_blksize();
        (size, blocks)
    }

    /// Size, 512-byte blocks and block size. A file's come from its memfd
    /// (a huge-page memfd has huge blocks).
    fn size_blocks_blksize(&self) -> (i64, i64, i64) {
        match &self.data {
            Data::Dir(d) => {
                let d = lock(d);
                let (size, blocks) = d
                    .lower_size
                    .unwrap_or(((d.entries.len() as i64 + 2) * BOGO_DIRENT_SIZE, 0));
                (size, blocks, PAGE_BLKSIZE)
            }
            Data::Symlink(t) => (t.len() as i64, 0, PAGE_BLKSIZE),
            Data::Special { .. } => (0, 0, PAGE_BLKSIZE),
            Data::File(_) => match self.memfd().map(|fd| fstat(fd.as_fd())) {
                Some(Ok(st)) => (st.st_size, st.st_blocks, st.st_blksize),
                _ => (0, 0, PAGE_BLKSIZE),
            },
        }
    }

    /// The inode number.
    pub fn ino(&self) -> u64 {
        self.ino
    }

    pub fn stat(&self) -> Stat {
        let (size, blocks, blksize) = self.size_blocks_blksize();
        let m = lock(&self.meta);
        Stat {
            dev: self.dev,
            ino: self.ino,
            mode: m.mode,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: match &self.data {
                Data::Special { rdev, .. } => *rdev,
                _ => 0,
            },
            size,
            blksize,
            blocks,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
            btime: Some(m.btime),
            mnt_id: 0,
        }
    }

    pub fn readlink(&self) -> VfsResult<Vec<u8>> {
        match &self.data {
            Data::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    /// The entry `name` of this directory.
    pub fn lookup(&self, name: &[u8]) -> VfsResult<Arc<Inode>> {
        lock(self.dir()?)
            .entries
            .get(name)
            .map(|e| e.inode.clone())
            .ok_or(Errno::ENOENT)
    }

    /// The directory holding this one; the root is its own parent.
    pub fn parent(self: &Arc<Self>) -> Arc<Inode> {
        match &self.data {
            Data::Dir(d) => lock(d).parent.upgrade().unwrap_or_else(|| self.clone()),
            _ => self.clone(),
        }
    }

    /// The value of extended attribute `name`, if set.
    pub fn xattr(&self, name: &[u8]) -> Option<Vec<u8>> {
        lock(&self.xattrs).get(name).cloned()
    }

    /// Sets extended attribute `name`: `EEXIST` if it exists and `create`,
    /// `ENODATA` if it does not and `replace`.
    pub fn set_xattr(
        &self,
        name: &[u8],
        value: &[u8],
        create: bool,
        replace: bool,
    ) -> VfsResult<()> {
        let mut x = lock(&self.xattrs);
        match (x.contains_key(name), create, replace) {
            (true, true, _) => return Err(Errno::EEXIST),
            (false, _, true) => return Err(Errno::ENODATA),
            _ => {}
        }
        x.insert(name.to_vec(), value.to_vec());
        drop(x);
        self.touch(false);
        Ok(())
    }

    /// Gives a copied-up node the lower node's extended attributes (no
    /// time changes: the copy is the same file).
    pub fn keep_xattrs(&self, attrs: Vec<(Vec<u8>, Vec<u8>)>) {
        lock(&self.xattrs).extend(attrs);
    }

    /// Removes extended attribute `name`: `ENODATA` if it is not set.
    pub fn remove_xattr(&self, name: &[u8]) -> VfsResult<()> {
        lock(&self.xattrs).remove(name).ok_or(Errno::ENODATA)?;
        self.touch(false);
        Ok(())
    }

    /// The names of the extended attributes, each followed by a NUL, in
    /// the order Linux's tmpfs lists them (descending); `trusted.*` ones
    /// only if `trusted`.
    pub fn xattr_names(&self, trusted: bool) -> Vec<u8> {
        let x = lock(&self.xattrs);
        let mut out = Vec::new();
        for name in x.keys().rev() {
            if trusted || !name.starts_with(b"trusted.") {
                out.extend_from_slice(name);
                out.push(0);
            }
        }
        out
    }

    /// A directory's new place after a rename (nothing for other nodes).
    fn set_parent(&self, dir: &Arc<Inode>, name: &[u8]) {
        if let Data::Dir(d) = &self.data {
            let mut d = lock(d);
            d.parent = Arc::downgrade(dir);
            d.name = name.to_vec();
        }
    }

    /// Appends the names from the root to this directory.
    pub fn push_components(self: &Arc<Self>, out: &mut Vec<Vec<u8>>) {
        let mut names = Vec::new();
        let mut cur = self.clone();
        while let Data::Dir(d) = &cur.data {
            let (parent, name) = {
                let d = lock(d);
                (d.parent.upgrade(), d.name.clone())
            };
            match parent {
                Some(p) => {
                    names.push(name);
                    cur = p;
                }
                _ => break,
            }
        }
        out.extend(names.into_iter().rev());
    }

    /// `chmod`: the permission bits, type kept. `EPERM` if the file is
    /// sealed with `F_SEAL_EXEC` and the execute bits would change.
    pub fn set_mode(&self, mode: u32) -> VfsResult<()> {
        let exec_sealed = self
            .memfd()
            .is_some_and(|fd| host_seals(fd).is_ok_and(|s| s & F_SEAL_EXEC != 0));
        let mut m = lock(&self.meta);
        if exec_sealed && (m.mode ^ mode) & 0o111 != 0 {
            return Err(Errno::EPERM);
        }
        m.mode = (m.mode & libc::S_IFMT) | (mode & 0o7777);
        m.ctime = Timespec::now();
        Ok(())
    }

    /// `chown`: `None` leaves an id as it is.
    pub fn set_owner(&self, uid: Option<u32>, gid: Option<u32>, clear_setid: bool) {
        let mut m = lock(&self.meta);
        if let Some(u) = uid {
            m.uid = u;
        }
        if let Some(g) = gid {
            m.gid = g;
        }
        if clear_setid {
            m.mode &= !libc::S_ISUID;
            if m.mode & 0o010 != 0 {
                m.mode &= !libc::S_ISGID;
            }
        }
        m.ctime = Timespec::now();
    }

    /// `utimensat`: `None` leaves a time as it is.
    pub fn set_times(&self, atime: Option<Timespec>, mtime: Option<Timespec>) {
        let mut m = lock(&self.meta);
        if let Some(a) = atime {
            m.atime = a;
        }
        if let Some(t) = mtime {
            m.mtime = t;
        }
        m.ctime = Timespec::now();
    }

    fn is_ancestor_or_self_of(self: &Arc<Self>, other: &Arc<Inode>) -> bool {
        // Parent links never form a cycle: a rename into a descendant is
        // refused by this very check, under the namespace lock.
        let mut cur = other.clone();
        loop {
            if Arc::ptr_eq(self, &cur) {
                return true;
            }
            let p = cur.parent();
            if Arc::ptr_eq(&p, &cur) {
                return false;
            }
            cur = p;
        }
    }
}

/// Linux's `may_create`: a live directory the caller may write and search.
fn may_create(dir: &Inode, cred: &Cred) -> VfsResult<()> {
    if dir.is_unlinked() {
        return Err(Errno::ENOENT);
    }
    cred::check(cred, dir.owner(), MAY_WRITE | MAY_EXEC)
}

/// Linux's `may_delete` for removing `victim` from `dir`.
fn may_delete(dir: &Inode, victim: &Inode, want_dir: bool, cred: &Cred) -> VfsResult<()> {
    let d = dir.owner();
    cred::check(cred, d, MAY_WRITE | MAY_EXEC)?;
    cred::check_sticky(cred, d, victim.owner())?;
    match (want_dir, victim.is_dir()) {
        (true, false) => Err(Errno::ENOTDIR),
        (false, true) => Err(Errno::EISDIR),
        _ => Ok(()),
    }
}

impl Dir {
    fn new(parent: Weak<Inode>, name: Vec<u8>) -> Dir {
        Dir {
            entries: BTreeMap::new(),
            by_cookie: BTreeMap::new(),
            next_cookie: FIRST_COOKIE,
            parent,
            name,
            merged: false,
            whiteouts: BTreeSet::new(),
            lower_size: None,
        }
    }

    fn insert(&mut self, name: &[u8], inode: Arc<Inode>) {
        let cookie = self.next_cookie;
        self.next_cookie += 1;
        self.by_cookie.insert(cookie, name.to_vec());
        self.entries.insert(name.to_vec(), Entry { cookie, inode });
    }

    fn remove(&mut self, name: &[u8]) -> Option<Arc<Inode>> {
        let e = self.entries.remove(name)?;
        self.by_cookie.remove(&e.cookie);
        Some(e.inode)
    }
}

/// The group of a new node in `dir`: the directory's if it is setgid.
fn new_gid(dir: &Inode, cred: &Cred) -> u32 {
    let parent = dir.owner();
    if parent.mode & libc::S_ISGID != 0 {
        parent.gid
    } else {
        cred.gid
    }
}

fn add_nlink(inode: &Inode, delta: i64) {
    let mut m = lock(&inode.meta);
    m.nlink = m.nlink.saturating_add_signed(delta);
}

impl Tmpfs {
    /// A tmpfs whose root has mode 01777 and is owned by root.
    pub fn new(dev: u64) -> Tmpfs {
        let now = Timespec::now();
        let root = Arc::new(Inode {
            ino: 1,
            dev,
            meta: Mutex::new(Meta {
                mode: libc::S_IFDIR | 0o1777,
                uid: 0,
                gid: 0,
                nlink: 2,
                atime: now,
                mtime: now,
                ctime: now,
                btime: now,
            }),
            data: Data::Dir(Mutex::new(Dir::new(Weak::new(), Vec::new()))),
            linkable: AtomicBool::new(false),
            xattrs: Mutex::new(BTreeMap::new()),
        });
        Tmpfs {
            dev,
            next_ino: AtomicU64::new(2),
            ns: Mutex::new(()),
            root,
        }
    }

    pub fn root(&self) -> Arc<Inode> {
        self.root.clone()
    }

    /// The device number of its inodes.
    pub fn dev(&self) -> u64 {
        self.dev
    }

    /// What `statfs` counts as used: inodes (one per name, plus the root,
    /// as Linux's tmpfs counts hard links) and pages of file data.
    pub fn usage(&self) -> (u64, u64) {
        let _ns = lock(&self.ns);
        let mut inodes = 1u64;
        let mut blocks = 0u64;
        let mut seen = std::collections::HashSet::new();
        let mut dirs = vec![self.root.clone()];
        while let Some(dir) = dirs.pop() {
            let children: Vec<Arc<Inode>> = match dir.dir() {
                Ok(d) => lock(d).entries.values().map(|e| e.inode.clone()).collect(),
                Err(_) => continue,
            };
            for child in children {
                inodes += 1;
                if !seen.insert(child.ino) {
                    continue;
                }
                if child.is_dir() {
                    dirs.push(child);
                } else {
                    let (_, b) = child.size_and_blocks();
                    blocks += u64::try_from(b).unwrap_or(0);
                }
            }
        }
        // st_blocks counts 512-byte units.
        (inodes, blocks.div_ceil(8))
    }

    /// Creates `name` in `dir`. `mode` is the permission bits, umask
    /// already applied. `EEXIST`, `ENOENT` (deleted dir), `EACCES`.
    pub fn create(
        &self,
        dir: &Arc<Inode>,
        name: &[u8],
        kind: NewNode<'_>,
        mode: u32,
        cred: &Cred,
    ) -> VfsResult<Arc<Inode>> {
        let _ns = lock(&self.ns);
        let d = dir.dir()?;
        if lock(d).entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        may_create(dir, cred)?;
        let mut mode = mode & 0o7777;
        if dir.owner().mode & libc::S_ISGID != 0 && matches!(kind, NewNode::Dir) {
            mode |= libc::S_ISGID;
        }
        let gid = new_gid(dir, cred);
        let (mode, nlink, data) = match kind {
            NewNode::File => (libc::S_IFREG | mode, 1, Data::File(OnceLock::new())),
            NewNode::Symlink(target) => (libc::S_IFLNK | 0o777, 1, Data::Symlink(target.to_vec())),
            NewNode::Special { kind, rdev } => (
                kind | mode,
                1,
                Data::Special {
                    rdev,
                    fifo: OnceLock::new(),
                },
            ),
            NewNode::Dir => (
                libc::S_IFDIR | mode,
                2,
                Data::Dir(Mutex::new(Dir::new(Arc::downgrade(dir), name.to_vec()))),
            ),
        };
        let inode = self.new_inode(mode, cred.uid, gid, nlink, data);
        lock(d).insert(name, inode.clone());
        if inode.is_dir() {
            add_nlink(dir, 1);
        }
        dir.touch(true);
        Ok(inode)
    }

    /// A new inode numbered in this file system, with every time now.
    fn new_inode(&self, mode: u32, uid: u32, gid: u32, nlink: u64, data: Data) -> Arc<Inode> {
        let now = Timespec::now();
        Arc::new(Inode {
            ino: self.next_ino.fetch_add(1, Ordering::Relaxed),
            dev: self.dev,
            meta: Mutex::new(Meta {
                mode,
                uid,
                gid,
                nlink,
                atime: now,
                mtime: now,
                ctime: now,
                btime: now,
            }),
            data,
            linkable: AtomicBool::new(false),
            xattrs: Mutex::new(BTreeMap::new()),
        })
    }

    /// `O_TMPFILE`: a regular file with no name in `dir`'s file system,
    /// which `link` may name once if `linkable` (no `O_EXCL`). `mode` is
    /// the permission bits, umask applied; `EACCES` unless the caller may
    /// write and search `dir`.
    pub fn create_tmpfile(
        &self,
        dir: &Inode,
        mode: u32,
        linkable: bool,
        cred: &Cred,
    ) -> VfsResult<Arc<Inode>> {
        cred::check(cred, dir.owner(), MAY_WRITE | MAY_EXEC)?;
        let data = Data::File(OnceLock::new());
        let mode = libc::S_IFREG | (mode & 0o7777);
        let inode = self.new_inode(mode, cred.uid, new_gid(dir, cred), 0, data);
        inode.linkable.store(linkable, Ordering::Relaxed);
        Ok(inode)
    }

    /// A regular file with no name (`nlink` 0) owned by `cred`: a memfd
    /// (its data, `memfd`, made already) or an `O_TMPFILE` file.
    pub fn create_unnamed(&self, mode: u32, cred: &Cred, memfd: Option<OwnedFd>) -> Arc<Inode> {
        let data = OnceLock::new();
        if let Some(fd) = memfd {
            let _ = data.set(fd);
        }
        let mode = libc::S_IFREG | (mode & 0o7777);
        self.new_inode(mode, cred.uid, cred.gid, 0, Data::File(data))
    }

    /// A hard link `name` in `dir` to `target`.
    pub fn link(
        &self,
        dir: &Arc<Inode>,
        name: &[u8],
        target: &Arc<Inode>,
        cred: &Cred,
    ) -> VfsResult<()> {
        let _ns = lock(&self.ns);
        let d = dir.dir()?;
        if lock(d).entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        may_create(dir, cred)?;
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        // A file with no name left stays so, but for an O_TMPFILE file's
        // first name.
        if target.is_unlinked() && !target.linkable.swap(false, Ordering::Relaxed) {
            return Err(Errno::ENOENT);
        }
        lock(d).insert(name, target.clone());
        add_nlink(target, 1);
        target.touch(false);
        dir.touch(true);
        Ok(())
    }

    /// `unlink`; `trailing` when the path ended in `/`.
    pub fn unlink(
        &self,
        dir: &Arc<Inode>,
        name: &[u8],
        trailing: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let _ns = lock(&self.ns);
        let d = dir.dir()?;
        let victim = dir.lookup(name)?;
        if trailing {
            return Err(if victim.is_dir() {
                Errno::EISDIR
            } else {
                Errno::ENOTDIR
            });
        }
        may_delete(dir, &victim, false, cred)?;
        lock(d).remove(name);
        add_nlink(&victim, -1);
        victim.touch(false);
        dir.touch(true);
        Ok(())
    }

    pub fn rmdir(&self, dir: &Arc<Inode>, name: &[u8], cred: &Cred) -> VfsResult<()> {
        let _ns = lock(&self.ns);
        let d = dir.dir()?;
        let victim = dir.lookup(name)?;
        may_delete(dir, &victim, true, cred)?;
        if !lock(victim.dir()?).entries.is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        lock(d).remove(name);
        lock(&victim.meta).nlink = 0;
        add_nlink(dir, -1);
        dir.touch(true);
        Ok(())
    }

    /// `renameat2` with `flags` (`RENAME_NOREPLACE`, `RENAME_EXCHANGE` or
    /// `RENAME_WHITEOUT`, valid together as the caller checked), with the
    /// checks of Linux's `do_renameat2`, `vfs_rename` and shmem in their
    /// order. `old_slash` and `new_slash` tell whether the paths ended in
    /// `/`.
    #[allow(clippy::too_many_arguments)]
    pub fn rename(
        &self,
        odir: &Arc<Inode>,
        oname: &[u8],
        ndir: &Arc<Inode>,
        nname: &[u8],
        flags: u32,
        old_slash: bool,
        new_slash: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let exchange = flags & libc::RENAME_EXCHANGE != 0;
        let _ns = lock(&self.ns);
        let od = odir.dir()?;
        let nd = ndir.dir()?;
        let old = odir.lookup(oname)?;
        let new = ndir.lookup(nname).ok();
        if flags & libc::RENAME_NOREPLACE != 0 && new.is_some() {
            return Err(Errno::EEXIST);
        }
        if exchange {
            match &new {
                None => return Err(Errno::ENOENT),
                Some(n) if !n.is_dir() && new_slash => return Err(Errno::ENOTDIR),
                Some(_) => {}
            }
        }
        let is_dir = old.is_dir();
        if !is_dir && (old_slash || (!exchange && new_slash)) {
            return Err(Errno::ENOTDIR);
        }
        if old.is_ancestor_or_self_of(ndir) {
            return Err(Errno::EINVAL);
        }
        if let Some(n) = &new {
            if n.is_dir() && n.is_ancestor_or_self_of(odir) {
                return Err(if exchange {
                    Errno::EINVAL
                } else {
                    Errno::ENOTEMPTY
                });
            }
            if Arc::ptr_eq(n, &old) {
                return Ok(());
            }
        }
        may_delete(odir, &old, is_dir, cred)?;
        match &new {
            None => may_create(ndir, cred)?,
            Some(n) => may_delete(ndir, n, if exchange { n.is_dir() } else { is_dir }, cred)?,
        }
        // A directory changing parents gets a new `..`: it must be writable.
        if !Arc::ptr_eq(odir, ndir) {
            if is_dir {
                cred::check(cred, old.owner(), MAY_WRITE)?;
            }
            if let Some(n) = new.as_ref().filter(|n| exchange && n.is_dir()) {
                cred::check(cred, n.owner(), MAY_WRITE)?;
            }
        }
        if let Some(n) = &new {
            if exchange {
                self.exchange(odir, oname, &old, ndir, nname, n);
                return Ok(());
            }
            if n.is_dir() && !lock(n.dir()?).entries.is_empty() {
                return Err(Errno::ENOTEMPTY);
            }
        }
        lock(od).remove(oname);
        if flags & libc::RENAME_WHITEOUT != 0 {
            // What overlay file systems read as "deleted here".
            let whiteout = self.new_inode(
                libc::S_IFCHR,
                cred.uid,
                new_gid(odir, cred),
                1,
                Data::Special {
                    rdev: 0,
                    fifo: OnceLock::new(),
                },
            );
            lock(od).insert(oname, whiteout);
        }
        if let Some(n) = lock(nd).remove(nname) {
            if n.is_dir() {
                lock(&n.meta).nlink = 0;
                add_nlink(ndir, -1);
            } else {
                add_nlink(&n, -1);
            }
            n.touch(false);
        }
        lock(nd).insert(nname, old.clone());
        old.set_parent(ndir, nname);
        if is_dir && !Arc::ptr_eq(odir, ndir) {
            add_nlink(odir, -1);
            add_nlink(ndir, 1);
        }
        old.touch(false);
        odir.touch(true);
        ndir.touch(true);
        Ok(())
    }

    /// `RENAME_EXCHANGE` once checked: `oname` in `odir` names `new` and
    /// `nname` in `ndir` names `old` (Linux's `simple_rename_exchange`).
    fn exchange(
        &self,
        odir: &Arc<Inode>,
        oname: &[u8],
        old: &Arc<Inode>,
        ndir: &Arc<Inode>,
        nname: &[u8],
        new: &Arc<Inode>,
    ) {
        if let (Ok(od), Ok(nd)) = (odir.dir(), ndir.dir()) {
            lock(od).remove(oname);
            lock(nd).remove(nname);
            lock(od).insert(oname, new.clone());
            lock(nd).insert(nname, old.clone());
        }
        old.set_parent(ndir, nname);
        new.set_parent(odir, oname);
        // A directory swapped with a file across directories moves a `..`.
        if !Arc::ptr_eq(odir, ndir) && old.is_dir() != new.is_dir() {
            let (from, to) = if old.is_dir() {
                (odir, ndir)
            } else {
                (ndir, odir)
            };
            add_nlink(from, -1);
            add_nlink(to, 1);
        }
        old.touch(false);
        new.touch(false);
        odir.touch(true);
        ndir.touch(true);
    }
}

/// Opens an inode: a regular file (truncated first if `trunc`) or a
/// directory.
pub(crate) fn open(inode: &Arc<Inode>, trunc: bool) -> VfsResult<Arc<dyn FileOps>> {
    match &inode.data {
        Data::Dir(_) => Ok(Arc::new(TmpfsDir {
            inode: inode.clone(),
        })),
        Data::File(_) => {
            let f = TmpfsFile {
                inode: inode.clone(),
            };
            if trunc {
                f.truncate(0)?;
            }
            Ok(Arc::new(f))
        }
        Data::Symlink(_) => Err(Errno::ELOOP),
        // FIFOs are opened by `open_fifo`; sockets cannot be opened.
        Data::Special { .. } if inode.owner().mode & libc::S_IFMT == libc::S_IFIFO => {
            Err(Errno::EINVAL)
        }
        Data::Special { rdev, .. } => {
            let kind = DevKind::from_rdev(*rdev).ok_or(Errno::ENXIO)?;
            if inode.owner().mode & libc::S_IFMT != libc::S_IFCHR {
                return Err(Errno::ENXIO);
            }
            Ok(Arc::new(DevFile { kind }))
        }
    }
}

/// Opens a FIFO made by `mknod`: its pipe, made on the first open and
/// shared by every opener, with Linux's rendezvous (a reader waits for a
/// writer and the other way round, unless `O_NONBLOCK`).
pub(crate) fn open_fifo(inode: &Arc<Inode>, flags: i32, path: Vec<u8>) -> VfsResult<Arc<OpenFile>> {
    let Data::Special { fifo, .. } = &inode.data else {
        return Err(Errno::EINVAL);
    };
    let owner = inode.owner();
    let pipe = fifo.get_or_init(|| Arc::new(Pipe::new(owner.uid, owner.gid)));
    let node = inode.clone();
    PipeEnd::open_fifo(pipe, flags, path, Box::new(move || node.stat()))
}

/// `truncate` by path of a regular file.
pub(crate) fn truncate(inode: &Arc<Inode>, len: u64) -> VfsResult<()> {
    TmpfsFile {
        inode: inode.clone(),
    }
    .truncate(len)
}

/// An open regular file.
struct TmpfsFile {
    inode: Arc<Inode>,
}

impl TmpfsFile {
    fn size(&self) -> u64 {
        u64::try_from(self.inode.size_and_blocks().0).unwrap_or(0)
    }

    fn write_at(&self, buf: &[u8], off: Option<u64>) -> VfsResult<(usize, u64)> {
        // The metadata lock makes an append's size and write one step.
        let fd = self.inode.memfd_or_create()?;
        let mut m = lock(&self.inode.meta);
        let off = match off {
            Some(o) => o,
            None => u64::try_from(fstat(fd.as_fd())?.st_size).unwrap_or(0),
        };
        let o = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
        if buf.is_empty() {
            return Ok((0, off));
        }
        // SAFETY: `buf` is readable for `buf.len()` bytes.
        let r = unsafe { libc::pwrite(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), o) };
        let n = usize::try_from(r).map_err(|_| host_errno())?;
        let now = Timespec::now();
        m.mtime = now;
        m.ctime = now;
        Ok((n, off + n as u64))
    }
}

impl FileOps for TmpfsFile {
    fn seekable(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8], pos: &mut u64) -> VfsResult<usize> {
        let n = self.pread(buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }

    fn write(&self, buf: &[u8], pos: &mut u64, append: bool) -> VfsResult<usize> {
        let (n, end) = self.write_at(buf, if append { None } else { Some(*pos) })?;
        if n > 0 {
            *pos = end;
        }
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> VfsResult<usize> {
        let Some(fd) = self.inode.memfd() else {
            return Ok(0);
        };
        let off = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
        // SAFETY: `buf` is writable for `buf.len()` bytes.
        let r = unsafe { libc::pread(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), off) };
        usize::try_from(r).map_err(|_| host_errno())
    }

    fn pwrite(&self, buf: &[u8], off: u64, append: bool) -> VfsResult<usize> {
        self.write_at(buf, if append { None } else { Some(off) })
            .map(|(n, _)| n)
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        match (whence, self.inode.memfd()) {
            // The memfd knows where its holes are. Its own offset is not
            // the guest's position (that is `pos`), so moving it is free.
            (libc::SEEK_DATA | libc::SEEK_HOLE, Some(fd)) => {
                // SAFETY: lseek has no memory arguments; the memfd is ours.
                let r = unsafe { libc::lseek(fd.as_raw_fd(), off, whence) };
                *pos = u64::try_from(r).map_err(|_| host_errno())?;
                Ok(*pos)
            }
            _ => generic_seek(pos, off, whence, self.size()),
        }
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.inode.stat())
    }

    /// The memfd does it, with tmpfs's rules (`EOPNOTSUPP` for the modes
    /// shmem lacks, `EPERM` for seals) and block accounting.
    fn fallocate(&self, mode: i32, off: u64, len: u64) -> VfsResult<()> {
        let fd = self.inode.memfd_or_create()?;
        let (off, len) = (off as i64, len as i64);
        // SAFETY: fallocate has no memory arguments; the memfd is ours.
        if unsafe { libc::fallocate(fd.as_raw_fd(), mode, off, len) } < 0 {
            return Err(host_errno());
        }
        self.inode.touch(true);
        Ok(())
    }

    fn truncate(&self, len: u64) -> VfsResult<()> {
        let len_i = i64::try_from(len).map_err(|_| Errno::EINVAL)?;
        let fd = match self.inode.memfd() {
            Some(fd) => Some(fd),
            None if len > 0 => Some(self.inode.memfd_or_create()?),
            None => None,
        };
        if let Some(fd) = fd {
            // SAFETY: no memory arguments; the memfd is ours.
            if unsafe { libc::ftruncate(fd.as_raw_fd(), len_i) } < 0 {
                return Err(host_errno());
            }
        }
        self.inode.touch(true);
        Ok(())
    }

    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        self.inode.memfd_or_create().ok().map(|fd| fd.as_fd())
    }

    fn seals(&self) -> VfsResult<u32> {
        host_seals(self.inode.memfd_or_create()?)
    }

    fn add_seals(&self, seals: u32) -> VfsResult<()> {
        add_host_seals(self.inode.memfd_or_create()?, seals)
    }

    fn fsync(&self) -> VfsResult<()> {
        Ok(())
    }
}

/// An open directory.
struct TmpfsDir {
    inode: Arc<Inode>,
}

/// Entries read per directory lock.
const BATCH: usize = 64;

impl TmpfsDir {
    /// Entries from position `pos` on, at most `BATCH`.
    fn batch(&self, pos: u64) -> VfsResult<Vec<DirEntry>> {
        let mut out = Vec::new();
        if pos == 0 {
            out.push(DirEntry {
                ino: self.inode.ino,
                off: 1,
                kind: libc::DT_DIR,
                name: b".".to_vec(),
            });
        }
        if pos <= 1 {
            let parent = self.inode.parent();
            out.push(DirEntry {
                ino: parent.ino,
                off: 2,
                kind: libc::DT_DIR,
                name: b"..".to_vec(),
            });
        }
        let d = lock(self.inode.dir()?);
        for (&cookie, name) in d.by_cookie.range(pos.max(FIRST_COOKIE)..).take(BATCH) {
            let Some(e) = d.entries.get(name) else {
                continue;
            };
            let kind = dtype_of_mode(e.inode.owner().mode);
            let off = i64::try_from(cookie + 1).unwrap_or(i64::MAX);
            out.push(DirEntry {
                ino: e.inode.ino,
                off,
                kind,
                name: name.clone(),
            });
        }
        Ok(out)
    }
}

impl FileOps for TmpfsDir {
    fn seekable(&self) -> bool {
        true
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        dir_seek(pos, off, whence)
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.inode.stat())
    }

    fn fsync(&self) -> VfsResult<()> {
        Ok(())
    }

    fn getdents(&self, pos: &mut u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> VfsResult<()> {
        loop {
            let batch = self.batch(*pos)?;
            if batch.is_empty() {
                return Ok(());
            }
            for e in &batch {
                if !sink(e) {
                    return Ok(());
                }
                *pos = e.off as u64;
            }
        }
    }

    fn is_dir(&self) -> bool {
        true
    }
}

/// Inode numbers of files made in an overlay's upper layer start here, far
/// above any lower file system's, so that no two files of the overlay
/// share a device and inode number (which `tar` and `cp -a` read as a
/// hard link).
const UPPER_FIRST_INO: u64 = 1 << 48;

/// The attributes a node copied up from an overlay's lower layer keeps:
/// its identity (device and inode number), owner, mode, link count and
/// times.
pub(crate) struct CopiedMeta {
    pub size: i64,
    pub blocks: i64,
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
}

impl CopiedMeta {
    pub fn from_host(st: &libc::stat) -> CopiedMeta {
        let s = Stat::from_host(st);
        CopiedMeta {
            size: s.size,
            blocks: s.blocks,
            dev: s.dev,
            ino: s.ino,
            mode: s.mode,
            uid: s.uid,
            gid: s.gid,
            nlink: s.nlink,
            atime: s.atime,
            mtime: s.mtime,
            ctime: s.ctime,
        }
    }

    fn meta(&self) -> Meta {
        Meta {
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            nlink: self.nlink,
            atime: self.atime,
            mtime: self.mtime,
            ctime: self.ctime,
            btime: self.ctime,
        }
    }
}

/// An upper directory's contents, for merging with the lower one.
pub(crate) struct Listing {
    pub whiteouts: BTreeSet<Vec<u8>>,
    pub entries: Vec<(Vec<u8>, Arc<Inode>)>,
}

/// What an overlay needs of its upper layer's inodes.
impl Inode {
    /// Device and inode number.
    pub fn identity(&self) -> (u64, u64) {
        (self.dev, self.ino)
    }

    /// Whether this directory shows the lower directory at its path
    /// through (it was copied up, not made by `mkdir`).
    pub fn is_merged(&self) -> bool {
        self.dir().is_ok_and(|d| lock(d).merged)
    }

    /// Whether `name` was deleted from the lower layer here.
    pub fn is_whiteout(&self, name: &[u8]) -> bool {
        self.dir().is_ok_and(|d| lock(d).whiteouts.contains(name))
    }

    /// The lower names deleted here and the upper entries, in creation
    /// order.
    pub fn listing(&self) -> VfsResult<Listing> {
        let d = lock(self.dir()?);
        let entries = d
            .by_cookie
            .values()
            .filter_map(|name| Some((name.clone(), d.entries.get(name)?.inode.clone())))
            .collect();
        Ok(Listing {
            whiteouts: d.whiteouts.clone(),
            entries,
        })
    }

    /// Fills a new regular file with the bytes of the host file `src`.
    pub fn fill_from(&self, src: BorrowedFd<'_>) -> VfsResult<()> {
        let dst = self.memfd_or_create()?;
        loop {
            // SAFETY: sendfile copies between two fds we hold; a null
            // offset uses and advances `src`'s own position.
            let r = unsafe {
                libc::sendfile(
                    dst.as_raw_fd(),
                    src.as_raw_fd(),
                    std::ptr::null_mut(),
                    1 << 30,
                )
            };
            match r {
                0 => return Ok(()),
                n if n > 0 => continue,
                _ => return Err(host_errno()),
            }
        }
    }
}

impl Tmpfs {
    /// The upper layer of an overlay whose lower root has the attributes
    /// `root`: its root mirrors them and shows the lower root through.
    pub fn new_upper(root: &CopiedMeta) -> Tmpfs {
        let mut dir = Dir::new(Weak::new(), Vec::new());
        dir.merged = true;
        dir.lower_size = Some((root.size, root.blocks));
        let root = Arc::new(Inode {
            ino: root.ino,
            dev: root.dev,
            meta: Mutex::new(root.meta()),
            data: Data::Dir(Mutex::new(dir)),
            linkable: AtomicBool::new(false),
            xattrs: Mutex::new(BTreeMap::new()),
        });
        Tmpfs {
            dev: root.dev,
            next_ino: AtomicU64::new(UPPER_FIRST_INO),
            ns: Mutex::new(()),
            root,
        }
    }

    /// Inserts the copy of a lower node as `name` in `dir`: no time
    /// changes and no link count changes, since the merged directory
    /// already showed it. A directory is made merged. An empty file;
    /// `Inode::fill_from` gives it its bytes.
    pub fn insert_copy(
        &self,
        dir: &Arc<Inode>,
        name: &[u8],
        kind: NewNode<'_>,
        copied: &CopiedMeta,
    ) -> VfsResult<Arc<Inode>> {
        let _ns = lock(&self.ns);
        let d = dir.dir()?;
        if lock(d).entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let mut meta = copied.meta();
        let data = match kind {
            NewNode::File => {
                meta.nlink = 1;
                Data::File(OnceLock::new())
            }
            NewNode::Symlink(target) => Data::Symlink(target.to_vec()),
            NewNode::Special { rdev, .. } => Data::Special {
                rdev,
                fifo: OnceLock::new(),
            },
            NewNode::Dir => {
                let mut sub = Dir::new(Arc::downgrade(dir), name.to_vec());
                sub.merged = true;
                sub.lower_size = Some((copied.size, copied.blocks));
                Data::Dir(Mutex::new(sub))
            }
        };
        let inode = Arc::new(Inode {
            ino: copied.ino,
            dev: copied.dev,
            meta: Mutex::new(meta),
            data,
            linkable: AtomicBool::new(false),
            xattrs: Mutex::new(BTreeMap::new()),
        });
        lock(d).insert(name, inode.clone());
        Ok(inode)
    }

    /// Records that `name` of `dir` is deleted from the lower layer.
    /// Returns whether it already was.
    pub fn add_whiteout(&self, dir: &Inode, name: &[u8]) -> VfsResult<bool> {
        let _ns = lock(&self.ns);
        Ok(!lock(dir.dir()?).whiteouts.insert(name.to_vec()))
    }

    /// Undoes `add_whiteout` (after the removal it prepared failed).
    pub fn drop_whiteout(&self, dir: &Inode, name: &[u8]) {
        let _ns = lock(&self.ns);
        if let Ok(d) = dir.dir() {
            lock(d).whiteouts.remove(name);
        }
    }

    /// Deletes `name`, found only in the lower layer, from `dir`: a
    /// whiteout, and the changes a removal makes to the directory.
    pub fn whiteout_lower(&self, dir: &Inode, name: &[u8], was_dir: bool) -> VfsResult<()> {
        {
            let _ns = lock(&self.ns);
            lock(dir.dir()?).whiteouts.insert(name.to_vec());
        }
        if was_dir {
            add_nlink(dir, -1);
        }
        dir.touch(true);
        Ok(())
    }
}

/// An inode as an upper layer kept on disk (`persist.rs`) saves it and
/// puts it back: its identity, attributes and what it holds (but for a
/// file's bytes, which stay in its memfd, and a directory's entries).
pub(crate) struct Image {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
    pub btime: Timespec,
    pub kind: ImageKind,
}

pub(crate) enum ImageKind {
    File,
    Symlink(Vec<u8>),
    /// A FIFO, socket or device node (`mknod`, whiteouts).
    Special {
        rdev: u64,
    },
    Dir {
        merged: bool,
        whiteouts: BTreeSet<Vec<u8>>,
        lower_size: Option<(i64, i64)>,
    },
}

/// What `persist.rs` needs of an inode.
impl Inode {
    pub fn image(&self) -> Image {
        let kind = match &self.data {
            Data::File(_) => ImageKind::File,
            Data::Symlink(t) => ImageKind::Symlink(t.clone()),
            Data::Special { rdev, .. } => ImageKind::Special { rdev: *rdev },
            Data::Dir(d) => {
                let d = lock(d);
                ImageKind::Dir {
                    merged: d.merged,
                    whiteouts: d.whiteouts.clone(),
                    lower_size: d.lower_size,
                }
            }
        };
        let m = lock(&self.meta);
        Image {
            dev: self.dev,
            ino: self.ino,
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            nlink: m.nlink,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
            btime: m.btime,
            kind,
        }
    }

    /// A regular file's bytes, if it has any.
    pub fn data(&self) -> Option<BorrowedFd<'_>> {
        self.memfd().map(|fd| fd.as_fd())
    }

    /// A regular file's memfd, made now if it has none, to fill.
    pub fn data_to_fill(&self) -> VfsResult<BorrowedFd<'_>> {
        self.memfd_or_create().map(|fd| fd.as_fd())
    }

    fn restore_meta(&self, image: &Image) {
        let mut m = lock(&self.meta);
        *m = Meta {
            mode: image.mode,
            uid: image.uid,
            gid: image.gid,
            nlink: image.nlink,
            atime: image.atime,
            mtime: image.mtime,
            ctime: image.ctime,
            btime: image.btime,
        };
    }
}

fn restore_dir(d: &mut Dir, kind: &ImageKind) {
    if let ImageKind::Dir {
        merged,
        whiteouts,
        lower_size,
    } = kind
    {
        d.merged = *merged;
        d.whiteouts = whiteouts.clone();
        d.lower_size = *lower_size;
    }
}

/// Putting a saved upper layer back (`persist.rs`).
impl Tmpfs {
    /// Gives the root the saved attributes and directory state (its
    /// identity is the lower root's, as at every start).
    pub fn restore_root(&self, image: &Image) -> VfsResult<()> {
        self.root.restore_meta(image);
        restore_dir(&mut lock(self.root.dir()?), &image.kind);
        Ok(())
    }

    /// Puts the saved inode `image` back as `name` in `dir`, exactly as it
    /// was (times and link count included); a file without its bytes.
    pub fn restore(&self, dir: &Arc<Inode>, name: &[u8], image: &Image) -> VfsResult<Arc<Inode>> {
        let _ns = lock(&self.ns);
        let d = dir.dir()?;
        if lock(d).entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let data = match &image.kind {
            ImageKind::File => Data::File(OnceLock::new()),
            ImageKind::Symlink(t) => Data::Symlink(t.clone()),
            ImageKind::Special { rdev } => Data::Special {
                rdev: *rdev,
                fifo: OnceLock::new(),
            },
            ImageKind::Dir { .. } => {
                let mut sub = Dir::new(Arc::downgrade(dir), name.to_vec());
                restore_dir(&mut sub, &image.kind);
                Data::Dir(Mutex::new(sub))
            }
        };
        let inode = Arc::new(Inode {
            ino: image.ino,
            dev: image.dev,
            meta: Mutex::new(Meta {
                mode: 0,
                uid: 0,
                gid: 0,
                nlink: 0,
                atime: Timespec::default(),
                mtime: Timespec::default(),
                ctime: Timespec::default(),
                btime: Timespec::default(),
            }),
            data,
            linkable: AtomicBool::new(false),
            xattrs: Mutex::new(BTreeMap::new()),
        });
        inode.restore_meta(image);
        // New files of this run must not take a restored inode number.
        if image.dev == self.dev && image.ino >= UPPER_FIRST_INO {
            self.next_ino.fetch_max(image.ino + 1, Ordering::Relaxed);
        }
        lock(d).insert(name, inode.clone());
        Ok(inode)
    }

    /// Another name `name` in `dir` for a restored file (a hard link; the
    /// link count was restored with the file).
    pub fn restore_link(&self, dir: &Arc<Inode>, name: &[u8], inode: &Arc<Inode>) -> VfsResult<()> {
        let _ns = lock(&self.ns);
        let d = dir.dir()?;
        if inode.is_dir() || lock(d).entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        lock(d).insert(name, inode.clone());
        Ok(())
    }
}
