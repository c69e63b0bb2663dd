//! `/proc`: the kernel's processes as files, and the system-wide files.
//!
//! The vfs knows nothing of processes: the kernel registers a
//! [`ProcSource`] (`Vfs::set_proc_source`) that answers which pids exist
//! and what it knows of each; the files are formatted here (`pid.rs` for a
//! process's directory, `mem.rs` for its memory, `mounts.rs` for its view
//! of the mount table, `system.rs` for the system-wide files). `self` and
//! `thread-self` are symlinks to the caller's pid (`FsContext::set_pid`).
//!
//! Of the host's `/proc`, only the names in `system::PASSTHROUGH` are
//! reachable (and everything below `sys`): no host pid, no `self`, nothing
//! that describes host processes.
//!
//! `fd/N`, `cwd`, `root` and `ns/*` are "magic" links, as on Linux: a path
//! walk through them lands on the object itself, not on a path that names
//! it (`magic_target`), so a pipe, a deleted file or a namespace can be
//! reached through them.
//!
//! File contents are made when the file is opened (a snapshot, read with
//! the open file's position). Directory listings are made by `getdents`
//! from position 0, as on Linux, so that `ls /proc/self/fd` sees the fd it
//! reads the directory with. The source is called from lookups,
//! `readlink`, `open` and `getdents`, and must not take a lock a caller of
//! those may hold: the syscalls hold their process's `FsContext` lock
//! across a path walk (see `FsView`), and no process lock across
//! `getdents`.

mod file;
mod mem;
mod mounts;
mod pid;
mod source;
mod system;

use std::sync::{Arc, Mutex, OnceLock, Weak};

pub use source::{
    Mapping, ProcFd, ProcInfo, ProcLife, ProcMemory, ProcSource, ProcThread, ProcUsage, Resident,
    SystemInfo, SMAPS_FIELDS,
};
pub use system::PID_MAX;

use self::file::{CommFile, NsFile, ProcDir, ProcFile};
use self::pid::{fd_link_mode, Entry, Ns, NS_ENTRIES, PID_ENTRIES};
use crate::cred::{Cred, Owner};
use crate::file::{DirEntry, DirSnapshot, FileOps, OpenFile};
use crate::fs_context::FsContext;
use crate::host::{HostFs, HostNode};
use crate::mount::Location;
use crate::node::Node;
use crate::pipe::{pipe_of, PipeEnd};
use crate::stat::{dtype_of_mode, Stat, Timespec};
use crate::vfs::Vfs;
use crate::{lock, Errno, VfsResult};

/// `f_type` of procfs.
pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;
/// `f_type` of the namespace file system.
pub(crate) const NSFS_MAGIC: i64 = 0x6e73_6673;
/// The made-up device number of `/proc`.
const PROC_DEV: u64 = 0x2c;
/// The made-up device number of the namespace file system.
const NSFS_DEV: u64 = 0x04;
/// The block size Linux's procfs reports.
const PROC_BLKSIZE: i64 = 1024;

#[derive(Clone)]
pub(crate) enum ProcKind {
    /// `/proc` itself.
    Root,
    SelfLink,
    ThreadSelf,
    /// One of the host's files or directories (`system::PASSTHROUGH`).
    Host(HostNode),
    /// `/proc/PID/ENTRY`, or `/proc/PID/task/TID/ENTRY` with a tid.
    Pid {
        pid: i32,
        tid: Option<i32>,
        entry: Entry,
    },
    /// Where `PID/fd/N` leads when the file has no place in the mount
    /// tree (a pipe, the host's stdio): the open file itself.
    Reopen {
        pid: i32,
        fd: i32,
        file: Arc<OpenFile>,
    },
    /// Where `PID/ns/NAME` leads: the namespace.
    Namespace(Ns),
}

/// A node of `/proc`, with the owner its lookup saw.
#[derive(Clone)]
pub(crate) struct ProcNode {
    pub kind: ProcKind,
    mode: u32,
    uid: u32,
    gid: u32,
}

/// When `/proc` appeared: the times of its nodes.
fn born() -> Timespec {
    static BORN: OnceLock<Timespec> = OnceLock::new();
    *BORN.get_or_init(Timespec::now)
}

/// A pid, tid or fd as a directory name: decimal without a sign or
/// leading zeros, as Linux's `name_to_int` takes it.
fn parse_id(name: &[u8]) -> Option<i32> {
    if name.is_empty() || name.len() > 10 || (name.len() > 1 && name[0] == b'0') {
        return None;
    }
    if !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

fn id_name(id: i32) -> Vec<u8> {
    id.to_string().into_bytes()
}

/// `fmt::Write` into a byte buffer.
pub(crate) struct Bytes<'a>(pub &'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl ProcNode {
    fn new(kind: ProcKind, mode: u32, uid: u32, gid: u32) -> ProcNode {
        ProcNode {
            kind,
            mode,
            uid,
            gid,
        }
    }

    fn pid_node(pid: i32, tid: Option<i32>, entry: Entry, uid: u32, gid: u32) -> ProcNode {
        ProcNode::new(ProcKind::Pid { pid, tid, entry }, entry.mode(), uid, gid)
    }

    pub fn owner(&self) -> Owner {
        match &self.kind {
            ProcKind::Host(h) => Owner {
                mode: h.st.st_mode,
                uid: h.st.st_uid,
                gid: h.st.st_gid,
            },
            _ => Owner {
                mode: self.mode,
                uid: self.uid,
                gid: self.gid,
            },
        }
    }

    /// Whether this is a "magic link" (`/proc/PID/{exe,cwd,root,fd/N,ns/*}`):
    /// a symlink of `/proc` other than `self` and `thread-self`, which
    /// `RESOLVE_NO_MAGICLINKS` refuses to follow.
    pub fn is_magic_link(&self) -> bool {
        matches!(self.kind, ProcKind::Pid { .. }) && self.mode & libc::S_IFMT == libc::S_IFLNK
    }

    /// Whether it may be opened for writing, before its mode is checked:
    /// the host's sysctl settings cannot be changed (`EROFS`, or `EACCES`
    /// for a read-only one, as Linux); other files may be opened (the
    /// write itself then fails, as on Linux, unless it is `comm`).
    pub fn check_writable(&self) -> VfsResult<()> {
        match &self.kind {
            ProcKind::Host(h) if h.rel.starts_with(b"/sys/") => Err(if h.st.st_mode & 0o200 != 0 {
                Errno::EROFS
            } else {
                Errno::EACCES
            }),
            _ => Ok(()),
        }
    }

    pub fn same(&self, other: &ProcNode) -> bool {
        match (&self.kind, &other.kind) {
            (ProcKind::Root, ProcKind::Root)
            | (ProcKind::SelfLink, ProcKind::SelfLink)
            | (ProcKind::ThreadSelf, ProcKind::ThreadSelf) => true,
            (ProcKind::Host(a), ProcKind::Host(b)) => a.rel == b.rel,
            (
                ProcKind::Pid { pid, tid, entry },
                ProcKind::Pid {
                    pid: p2,
                    tid: t2,
                    entry: e2,
                },
            ) => pid == p2 && tid == t2 && entry == e2,
            (ProcKind::Reopen { file: a, .. }, ProcKind::Reopen { file: b, .. }) => {
                Arc::ptr_eq(a, b)
            }
            (ProcKind::Namespace(a), ProcKind::Namespace(b)) => a.ino() == b.ino(),
            _ => false,
        }
    }

    /// Appends the path components from `/proc` to this node.
    pub fn push_components(&self, out: &mut Vec<Vec<u8>>) {
        match &self.kind {
            ProcKind::Root => {}
            ProcKind::SelfLink => out.push(b"self".to_vec()),
            ProcKind::ThreadSelf => out.push(b"thread-self".to_vec()),
            ProcKind::Host(h) => out.extend(
                h.rel
                    .split(|&b| b == b'/')
                    .filter(|c| !c.is_empty())
                    .map(<[u8]>::to_vec),
            ),
            ProcKind::Pid { pid, tid, entry } => {
                out.push(id_name(*pid));
                if let Some(t) = tid {
                    out.push(b"task".to_vec());
                    out.push(id_name(*t));
                }
                match entry {
                    Entry::Dir => {}
                    Entry::FdLink(fd) => {
                        out.push(b"fd".to_vec());
                        out.push(id_name(*fd));
                    }
                    Entry::FdInfo(fd) => {
                        out.push(b"fdinfo".to_vec());
                        out.push(id_name(*fd));
                    }
                    Entry::NsLink(ns) => {
                        out.push(b"ns".to_vec());
                        out.push(ns.name().to_vec());
                    }
                    e => out.extend(e.name().map(<[u8]>::to_vec)),
                }
            }
            ProcKind::Reopen { pid, fd, .. } => {
                out.extend([id_name(*pid), b"fd".to_vec(), id_name(*fd)]);
            }
            ProcKind::Namespace(ns) => out.push(ns.target()),
        }
    }

    /// A stable inode number: 1 for `/proc`, the host's for host files, a
    /// hash of the path for the rest.
    fn ino(&self) -> u64 {
        match &self.kind {
            ProcKind::Root => 1,
            ProcKind::Host(h) => h.st.st_ino,
            ProcKind::Namespace(ns) => ns.ino(),
            _ => {
                let mut comps = Vec::new();
                self.push_components(&mut comps);
                // FNV-1a over the components.
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for c in &comps {
                    for &b in c.iter().chain(std::iter::once(&b'/')) {
                        h ^= u64::from(b);
                        h = h.wrapping_mul(0x0100_0000_01b3);
                    }
                }
                (h >> 2).max(2)
            }
        }
    }

    pub fn stat(&self) -> Stat {
        let t = born();
        let mut st = Stat {
            dev: PROC_DEV,
            ino: self.ino(),
            mode: self.mode,
            nlink: 1,
            uid: self.uid,
            gid: self.gid,
            rdev: 0,
            size: 0,
            blksize: PROC_BLKSIZE,
            blocks: 0,
            atime: t,
            mtime: t,
            ctime: t,
            btime: None,
            mnt_id: 0,
        };
        match &self.kind {
            ProcKind::Host(h) => {
                st = Stat::from_host(&h.st);
                st.dev = PROC_DEV;
            }
            ProcKind::Reopen { file, .. } => {
                if let Ok(s) = file.stat() {
                    st = s;
                }
            }
            ProcKind::Namespace(_) => {
                st.dev = NSFS_DEV;
                st.blksize = 4096;
            }
            ProcKind::Pid {
                entry: Entry::Dir,
                tid: None,
                ..
            } => st.nlink = 4,
            ProcKind::Pid {
                entry: Entry::Dir | Entry::Task,
                ..
            } => st.nlink = 3,
            ProcKind::Pid {
                entry: Entry::FdLink(_),
                ..
            } => st.size = 64,
            _ if self.mode & libc::S_IFMT == libc::S_IFDIR => st.nlink = 2,
            _ => {}
        }
        st
    }

    fn dirent(&self, name: &[u8], off: usize) -> DirEntry {
        DirEntry {
            ino: self.ino(),
            off: off as i64,
            kind: dtype_of_mode(self.owner().mode),
            name: name.to_vec(),
        }
    }
}

/// Where a magic link leads.
enum Magic {
    /// A place in the mount tree.
    Loc(Location),
    /// A node of `/proc` made for the purpose.
    Node(ProcNode),
}

/// The `/proc` file system of one run.
pub(crate) struct ProcFs {
    /// The host's `/proc`, for `PASSTHROUGH`.
    host: HostFs,
    source: Mutex<Option<Weak<dyn ProcSource>>>,
}

impl ProcFs {
    pub fn new() -> ProcFs {
        ProcFs {
            host: HostFs::new(b"/proc"),
            source: Mutex::new(None),
        }
    }

    pub fn set_source(&self, source: Weak<dyn ProcSource>) {
        *lock(&self.source) = Some(source);
    }

    fn source(&self) -> Option<Arc<dyn ProcSource>> {
        lock(&self.source).as_ref().and_then(Weak::upgrade)
    }

    fn pids(&self) -> Vec<i32> {
        self.source().map(|s| s.pids()).unwrap_or_default()
    }

    /// The process `pid`, or `ENOENT`.
    fn info(&self, pid: i32) -> VfsResult<ProcInfo> {
        self.source()
            .and_then(|s| s.process(pid))
            .ok_or(Errno::ENOENT)
    }

    /// The session of process `pid` (`None` without one: before the first
    /// process, or in tests without a kernel).
    pub fn session_of(&self, pid: i32) -> Option<i32> {
        if pid <= 0 {
            return None;
        }
        self.source()?.process(pid).map(|p| p.sid)
    }

    fn memory(&self, pid: i32, counters: bool) -> Option<ProcMemory> {
        self.source().and_then(|s| s.memory(pid, counters))
    }

    fn usage(&self, pid: i32, tid: Option<i32>) -> Option<ProcUsage> {
        self.source().and_then(|s| s.usage(pid, tid))
    }

    fn system(&self) -> SystemInfo {
        self.source().map(|s| s.system()).unwrap_or_default()
    }

    fn set_comm(&self, pid: i32, tid: i32, comm: &[u8]) -> VfsResult<()> {
        self.source()
            .ok_or(Errno::ESRCH)
            .and_then(|s| s.set_comm(pid, tid, comm))
    }

    pub fn root(&self) -> ProcNode {
        ProcNode::new(ProcKind::Root, libc::S_IFDIR | 0o555, 0, 0)
    }

    fn host_entry(&self, name: &[u8]) -> VfsResult<ProcNode> {
        let h = self.host.node(&[&b"/"[..], name].concat())?;
        Ok(ProcNode::new(ProcKind::Host(h), 0, 0, 0))
    }

    /// The entry `name` of directory `dir`.
    pub fn child(&self, dir: &ProcNode, name: &[u8]) -> VfsResult<ProcNode> {
        let (uid, gid) = (dir.uid, dir.gid);
        let ProcKind::Pid { pid, tid, entry } = &dir.kind else {
            return self.root_or_host_child(dir, name);
        };
        let (pid, tid) = (*pid, *tid);
        let entry = match entry {
            Entry::Dir => Entry::named(name, tid.is_some()).ok_or(Errno::ENOENT)?,
            Entry::Task if tid.is_none() => {
                let t = parse_id(name).ok_or(Errno::ENOENT)?;
                if self.info(pid)?.thread(t).is_none() {
                    return Err(Errno::ENOENT);
                }
                return Ok(ProcNode::pid_node(pid, Some(t), Entry::Dir, uid, gid));
            }
            Entry::Fd | Entry::FdInfoDir => {
                let n = parse_id(name).ok_or(Errno::ENOENT)?;
                let info = self.info(pid)?;
                let fd = info.fds.iter().find(|f| f.fd == n).ok_or(Errno::ENOENT)?;
                if *entry == Entry::FdInfoDir {
                    Entry::FdInfo(n)
                } else {
                    let mut node = ProcNode::pid_node(pid, tid, Entry::FdLink(n), uid, gid);
                    node.mode = fd_link_mode(fd.file.status_flags());
                    return Ok(node);
                }
            }
            Entry::NsDir => NS_ENTRIES
                .iter()
                .find(|ns| ns.name() == name)
                .map(|ns| Entry::NsLink(*ns))
                .ok_or(Errno::ENOENT)?,
            _ => return Err(Errno::ENOTDIR),
        };
        Ok(ProcNode::pid_node(pid, tid, entry, uid, gid))
    }

    /// The entry `name` of `/proc` itself or of a host directory.
    fn root_or_host_child(&self, dir: &ProcNode, name: &[u8]) -> VfsResult<ProcNode> {
        match &dir.kind {
            ProcKind::Root => {
                let link = libc::S_IFLNK | 0o777;
                match name {
                    b"self" => Ok(ProcNode::new(ProcKind::SelfLink, link, 0, 0)),
                    b"thread-self" => Ok(ProcNode::new(ProcKind::ThreadSelf, link, 0, 0)),
                    _ => {
                        if let Some(pid) = parse_id(name) {
                            let info = self.info(pid)?;
                            return Ok(ProcNode::pid_node(
                                pid,
                                None,
                                Entry::Dir,
                                info.uids[1],
                                info.gids[1],
                            ));
                        }
                        if system::PASSTHROUGH.contains(&name) {
                            return self.host_entry(name);
                        }
                        Err(Errno::ENOENT)
                    }
                }
            }
            ProcKind::Host(h) => {
                if h.st.st_mode & libc::S_IFMT != libc::S_IFDIR {
                    return Err(Errno::ENOTDIR);
                }
                Ok(ProcNode::new(
                    ProcKind::Host(self.host.child(h, name)?),
                    0,
                    0,
                    0,
                ))
            }
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// The directory holding `n` (`/proc` is its own parent).
    pub fn parent(&self, n: &ProcNode) -> VfsResult<ProcNode> {
        let (uid, gid) = (n.uid, n.gid);
        match &n.kind {
            ProcKind::Root | ProcKind::SelfLink | ProcKind::ThreadSelf => Ok(self.root()),
            ProcKind::Host(h) => {
                let up = self.host.parent(h)?;
                if up.rel == b"/" {
                    Ok(self.root())
                } else {
                    Ok(ProcNode::new(ProcKind::Host(up), 0, 0, 0))
                }
            }
            ProcKind::Pid { pid, tid, entry } => Ok(match (tid, entry) {
                (None, Entry::Dir) => self.root(),
                (Some(_), Entry::Dir) => ProcNode::pid_node(*pid, None, Entry::Task, uid, gid),
                (_, Entry::FdLink(_)) => ProcNode::pid_node(*pid, *tid, Entry::Fd, uid, gid),
                (_, Entry::FdInfo(_)) => ProcNode::pid_node(*pid, *tid, Entry::FdInfoDir, uid, gid),
                (_, Entry::NsLink(_)) => ProcNode::pid_node(*pid, *tid, Entry::NsDir, uid, gid),
                (_, _) => ProcNode::pid_node(*pid, *tid, Entry::Dir, uid, gid),
            }),
            ProcKind::Reopen { pid, .. } => Ok(ProcNode::pid_node(*pid, None, Entry::Fd, uid, gid)),
            ProcKind::Namespace(_) => Ok(self.root()),
        }
    }

    /// Linux's `ptrace_may_access` for a process's private links: its own
    /// user or root.
    fn may_look(n: &ProcNode, cred: &Cred) -> VfsResult<()> {
        if cred.is_root() || cred.uid == n.uid {
            Ok(())
        } else {
            Err(Errno::EACCES)
        }
    }

    /// The target of a symlink.
    pub fn readlink(&self, n: &ProcNode, ctx: &FsContext, cred: &Cred) -> VfsResult<Vec<u8>> {
        let me = ctx.pid();
        match &n.kind {
            ProcKind::SelfLink if me > 0 => Ok(id_name(me)),
            ProcKind::ThreadSelf if me > 0 => Ok(format!("{me}/task/{me}").into_bytes()),
            ProcKind::SelfLink | ProcKind::ThreadSelf => Err(Errno::ENOENT),
            ProcKind::Host(h) if h.st.st_mode & libc::S_IFMT == libc::S_IFLNK => {
                self.host.readlink(h)
            }
            ProcKind::Pid { pid, entry, .. } if entry.is_private_link() => {
                Self::may_look(n, cred)?;
                let info = self.info(*pid)?;
                let target = match entry {
                    Entry::Exe => info.exe,
                    Entry::Cwd => info.fs.map(|f| f.cwd_path()).unwrap_or_default(),
                    Entry::Root => info.fs.map(|f| f.root_path()).unwrap_or_default(),
                    Entry::FdLink(fd) => info
                        .fds
                        .iter()
                        .find(|f| f.fd == *fd)
                        .map(|f| pid::fd_target(&f.file))
                        .unwrap_or_default(),
                    Entry::NsLink(ns) => ns.target(),
                    _ => Vec::new(),
                };
                if target.is_empty() {
                    return Err(Errno::ENOENT);
                }
                Ok(target)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// Where the magic link `n` leads, if it is one (`fd/N`, `cwd`, `root`,
    /// `ns/*`). `exe` is followed by its path.
    fn magic(&self, n: &ProcNode, cred: &Cred) -> VfsResult<Option<Magic>> {
        let ProcKind::Pid { pid, entry, .. } = &n.kind else {
            return Ok(None);
        };
        if !matches!(
            entry,
            Entry::FdLink(_) | Entry::Cwd | Entry::Root | Entry::NsLink(_)
        ) {
            return Ok(None);
        }
        Self::may_look(n, cred)?;
        let info = self.info(*pid)?;
        let magic = match entry {
            Entry::FdLink(fd) => {
                let f = info.fds.iter().find(|f| f.fd == *fd).ok_or(Errno::ENOENT)?;
                match &f.file.loc {
                    Some(loc) => Magic::Loc(loc.clone()),
                    None => {
                        let st = f.file.stat()?;
                        let kind = ProcKind::Reopen {
                            pid: *pid,
                            fd: *fd,
                            file: f.file.clone(),
                        };
                        Magic::Node(ProcNode::new(kind, st.mode, st.uid, st.gid))
                    }
                }
            }
            Entry::NsLink(ns) => Magic::Node(ProcNode::new(
                ProcKind::Namespace(*ns),
                libc::S_IFREG | 0o444,
                0,
                0,
            )),
            _ => {
                let fs = info.fs.ok_or(Errno::ENOENT)?;
                let (cwd, root) = fs.locations();
                Magic::Loc(if *entry == Entry::Cwd { cwd } else { root })
            }
        };
        Ok(Some(magic))
    }

    /// A new open file description of the file behind a `Reopen` node,
    /// opened with `flags`: another end of a pipe, or the host file
    /// reopened (`ENXIO` for what cannot be reopened, as Linux says for
    /// sockets).
    fn reopen(&self, file: &OpenFile, flags: i32) -> VfsResult<Arc<OpenFile>> {
        // An open by path gets O_LARGEFILE, whatever the file.
        let large = trapline_abi::raw::general::O_LARGEFILE as i32;
        if let Some(pipe) = pipe_of(file) {
            let keep = libc::O_ACCMODE | libc::O_NONBLOCK | libc::O_APPEND;
            return Ok(PipeEnd::open(&pipe, (flags & keep) | large));
        }
        crate::host::reopen_host(file, flags | large)
    }

    /// Opens a node for reading: a snapshot of its contents.
    pub fn open(
        self: &Arc<Self>,
        n: &ProcNode,
        ctx: &FsContext,
        vfs: &Vfs,
    ) -> VfsResult<Arc<dyn FileOps>> {
        let st = n.stat();
        let file = |data: Vec<u8>| -> VfsResult<Arc<dyn FileOps>> {
            Ok(Arc::new(ProcFile {
                data,
                st: st.clone(),
                write_error: Errno::EINVAL,
            }))
        };
        match &n.kind {
            ProcKind::Host(h) => {
                let data = system::kernel_file(&h.rel, || self.system());
                let regular = h.st.st_mode & libc::S_IFMT == libc::S_IFREG;
                match data {
                    // The files at the top are read whole now, as Linux
                    // makes them at open; writing them is EIO.
                    None if !regular || h.rel.starts_with(b"/sys/") => {
                        self.host.open(h, libc::O_RDONLY, false)
                    }
                    data => {
                        let data = match data {
                            Some(d) => d,
                            None => self.host.read_all(h)?,
                        };
                        Ok(Arc::new(ProcFile {
                            data,
                            st,
                            write_error: Errno::EIO,
                        }))
                    }
                }
            }
            ProcKind::Root => self.dir(n),
            ProcKind::SelfLink | ProcKind::ThreadSelf => Err(Errno::ELOOP),
            ProcKind::Reopen { .. } => Err(Errno::ENXIO),
            ProcKind::Namespace(_) => Ok(Arc::new(NsFile { st })),
            ProcKind::Pid { pid, tid, entry } => {
                self.open_pid(n, *pid, *tid, *entry, ctx, vfs, file)
            }
        }
    }

    /// Opens an entry of a process's directory.
    #[allow(clippy::too_many_arguments)]
    fn open_pid(
        self: &Arc<Self>,
        n: &ProcNode,
        pid: i32,
        tid: Option<i32>,
        entry: Entry,
        ctx: &FsContext,
        vfs: &Vfs,
        file: impl Fn(Vec<u8>) -> VfsResult<Arc<dyn FileOps>>,
    ) -> VfsResult<Arc<dyn FileOps>> {
        let info = self.info(pid)?;
        let thread = tid
            .and_then(|t| info.thread(t))
            .or_else(|| info.thread(pid))
            .cloned()
            .unwrap_or_else(|| ProcThread {
                tid: tid.unwrap_or(pid),
                comm: info.comm.clone(),
                ..ProcThread::default()
            });
        let reader = ctx.pid() == pid && tid.is_none_or(|t| t == pid);
        let root = info.fs.as_ref().map(|f| f.root_path());
        let mem = |counters| self.memory(pid, counters).ok_or(Errno::ESRCH);
        match entry {
            Entry::Dir | Entry::Task | Entry::Fd | Entry::FdInfoDir | Entry::NsDir => self.dir(n),
            Entry::Exe | Entry::Cwd | Entry::Root | Entry::FdLink(_) | Entry::NsLink(_) => {
                Err(Errno::ELOOP)
            }
            Entry::Cmdline => file(info.cmdline),
            Entry::Environ => file(info.environ),
            Entry::Auxv => file(info.auxv),
            Entry::Comm => {
                let mut data = thread.comm;
                data.push(b'\n');
                Ok(Arc::new(CommFile {
                    file: ProcFile {
                        data,
                        st: n.stat(),
                        write_error: Errno::EINVAL,
                    },
                    fs: self.clone(),
                    pid,
                    tid: thread.tid,
                    own: ctx.pid() == pid,
                }))
            }
            Entry::Status => {
                let (m, u) = (self.memory(pid, false), self.usage(pid, tid));
                file(pid::status(&info, &thread, m.as_ref(), u.as_ref(), reader))
            }
            Entry::Stat => {
                let (m, u) = (self.memory(pid, false), self.usage(pid, tid));
                file(pid::stat(&info, &thread, m.as_ref(), u.as_ref(), reader))
            }
            Entry::Limits => file(pid::limits(&info)),
            Entry::Statm => file(mem::statm(&mem(false)?, &info.exe)),
            Entry::Maps => file(mem::maps(&mem(false)?)),
            Entry::Smaps => file(mem::smaps(&mem(true)?)),
            Entry::SmapsRollup => file(mem::smaps_rollup(&mem(true)?)),
            Entry::Mounts => file(mounts::mounts(vfs, &root.ok_or(Errno::ENOENT)?)),
            Entry::MountInfo => file(mounts::mountinfo(vfs, &root.ok_or(Errno::ENOENT)?)),
            Entry::Cgroup => file(pid::cgroup()),
            Entry::FdInfo(fd) => {
                let f = info.fds.iter().find(|f| f.fd == fd).ok_or(Errno::ENOENT)?;
                file(pid::fdinfo(&f.file, f.cloexec))
            }
        }
    }

    fn dir(self: &Arc<Self>, n: &ProcNode) -> VfsResult<Arc<dyn FileOps>> {
        Ok(Arc::new(ProcDir {
            fs: self.clone(),
            node: n.clone(),
            entries: DirSnapshot::default(),
            st: n.stat(),
        }))
    }

    /// The entries of directory `dir` now.
    fn entries(&self, dir: &ProcNode) -> VfsResult<Vec<DirEntry>> {
        match &dir.kind {
            ProcKind::Root => Ok(self.root_entries(dir)),
            ProcKind::Pid { pid, .. } => Ok(self.dir_entries(dir, &self.info(*pid)?)),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// `.`, `..`, the host's entries, `self`, `thread-self`, the pids.
    fn root_entries(&self, root: &ProcNode) -> Vec<DirEntry> {
        let mut out = vec![root.dirent(b".", 1), root.dirent(b"..", 2)];
        for name in system::PASSTHROUGH {
            if let Ok(n) = self.host_entry(name) {
                out.push(n.dirent(name, out.len() + 1));
            }
        }
        for name in [&b"self"[..], b"thread-self"] {
            if let Ok(n) = self.child(root, name) {
                out.push(n.dirent(name, out.len() + 1));
            }
        }
        for pid in self.pids() {
            let n = ProcNode::pid_node(pid, None, Entry::Dir, 0, 0);
            let name = id_name(pid);
            out.push(n.dirent(&name, out.len() + 1));
        }
        out
    }

    /// The entries of a process directory, its `task`, `fd`, `fdinfo` or
    /// `ns`.
    fn dir_entries(&self, dir: &ProcNode, info: &ProcInfo) -> Vec<DirEntry> {
        let mut out = vec![dir.dirent(b".", 1)];
        if let Ok(up) = self.parent(dir) {
            out.push(up.dirent(b"..", 2));
        }
        let ProcKind::Pid { pid, tid, entry } = &dir.kind else {
            return out;
        };
        let (pid, tid) = (*pid, *tid);
        let (uid, gid) = (dir.uid, dir.gid);
        let mut push = |name: &[u8], e: Entry| {
            let n = ProcNode::pid_node(pid, tid, e, uid, gid);
            out.push(n.dirent(name, out.len() + 1));
        };
        match entry {
            Entry::Dir => {
                for (name, e) in PID_ENTRIES {
                    if !(tid.is_some() && *e == Entry::Task) {
                        push(name, *e);
                    }
                }
            }
            Entry::Task => {
                for t in info.tids() {
                    let n = ProcNode::pid_node(pid, Some(t), Entry::Dir, uid, gid);
                    out.push(n.dirent(&id_name(t), out.len() + 1));
                }
            }
            Entry::Fd | Entry::FdInfoDir => {
                for f in &info.fds {
                    let e = if *entry == Entry::Fd {
                        Entry::FdLink(f.fd)
                    } else {
                        Entry::FdInfo(f.fd)
                    };
                    push(&id_name(f.fd), e);
                }
            }
            Entry::NsDir => {
                for ns in NS_ENTRIES {
                    push(ns.name(), Entry::NsLink(ns));
                }
            }
            _ => {}
        }
        out
    }
}

impl Vfs {
    /// Where the `/proc` link `link` leads when it is a magic one (see the
    /// module's doc); `None` for an ordinary symlink.
    pub(crate) fn magic_target(&self, link: &Location, cred: &Cred) -> VfsResult<Option<Location>> {
        let Node::Proc(p) = &link.node else {
            return Ok(None);
        };
        Ok(match link.mount.proc()?.magic(p, cred)? {
            None => None,
            Some(Magic::Loc(loc)) => Some(loc),
            Some(Magic::Node(node)) => Some(Location {
                mount: link.mount.clone(),
                node: Node::Proc(node),
            }),
        })
    }

    /// `open` of a node reached through a magic `fd/N` link whose file has
    /// no place in the mount tree: a new open file description of it.
    pub(crate) fn proc_reopen(
        &self,
        loc: &Location,
        flags: i32,
        cred: &Cred,
    ) -> VfsResult<Option<Arc<OpenFile>>> {
        let Node::Proc(
            node @ ProcNode {
                kind: ProcKind::Reopen { file, .. },
                ..
            },
        ) = &loc.node
        else {
            return Ok(None);
        };
        let want = match flags & libc::O_ACCMODE {
            libc::O_RDONLY => crate::cred::MAY_READ,
            libc::O_WRONLY => crate::cred::MAY_WRITE,
            _ => crate::cred::MAY_READ | crate::cred::MAY_WRITE,
        };
        crate::cred::check(cred, node.owner(), want)?;
        loc.mount.proc()?.reopen(file, flags).map(Some)
    }
}

/// What `statfs` reports for `/proc`.
pub(crate) fn proc_statfs() -> crate::StatFs {
    let mut st = crate::StatFs::pseudo(PROC_SUPER_MAGIC);
    st.flags |= crate::statfs::ST_RELATIME;
    st
}
