//! `/proc`: the kernel's processes as files, and a few system-wide files of
//! the host's `/proc`, read-only.
//!
//! The vfs knows nothing of processes: the kernel registers a
//! [`ProcSource`] (`Vfs::set_proc_source`) that answers which pids exist
//! and what each one's files show ([`ProcInfo`]). `self` and
//! `thread-self` are symlinks to the caller's pid (`FsContext::set_pid`).
//!
//! Of the host's `/proc`, only the names in `PASSTHROUGH` are reachable
//! (and everything below `sys`): no host pid, no `self`, nothing that
//! describes host processes or the host kernel's memory.
//!
//! File contents are made when the file is opened (a snapshot, read with
//! the open file's position). Directory listings are made by `getdents`
//! from position 0, as on Linux, so that `ls /proc/self/fd` sees the fd it
//! reads the directory with. The source is called from lookups,
//! `readlink`, `open` and `getdents`, and must not take a lock a caller of
//! those may hold: the syscalls hold their process's `FsContext` lock
//! across a path walk (see `FsView`), and no process lock across
//! `getdents`.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::cred::{Cred, Owner};
use crate::file::{dir_seek, generic_seek, DirEntry, FileOps};
use crate::fs_context::FsContext;
use crate::host::{HostFs, HostNode};
use crate::stat::{dtype_of_mode, Stat, Timespec};
use crate::{lock, Errno, VfsResult};

/// `f_type` of procfs.
pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;
/// The made-up device number of `/proc`.
const PROC_DEV: u64 = 0x2c;
/// The block size Linux's procfs reports.
const PROC_BLKSIZE: i64 = 1024;

/// The entries of the host's `/proc` a guest may see: system-wide, and
/// nothing about host processes.
const PASSTHROUGH: &[&[u8]] = &[
    b"cpuinfo",
    b"meminfo",
    b"stat",
    b"uptime",
    b"loadavg",
    b"version",
    b"filesystems",
    b"sys",
];

/// One open fd of a process, as `/proc/PID/fd` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcFd {
    pub fd: i32,
    /// What the `fd/N` symlink points to: the file's guest path, or a name
    /// like `pipe:[ino]`.
    pub target: Vec<u8>,
    /// The open file's status flags (`F_GETFL`): the access mode sets the
    /// link's mode, as on Linux.
    pub flags: i32,
}

/// What the files of one process show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    /// Its threads' ids, ascending.
    pub tids: Vec<i32>,
    /// The thread name (at most 15 bytes).
    pub comm: Vec<u8>,
    /// Guest path of the executable; empty if none.
    pub exe: Vec<u8>,
    pub cwd: Vec<u8>,
    pub root: Vec<u8>,
    /// argv of the last exec, each string followed by a NUL.
    pub cmdline: Vec<u8>,
    /// envp of the last exec, each string followed by a NUL.
    pub environ: Vec<u8>,
    pub umask: u32,
    /// Real, effective, saved and file-system uid.
    pub uids: [u32; 4],
    /// Real, effective, saved and file-system gid.
    pub gids: [u32; 4],
    pub groups: Vec<u32>,
    /// The open fds, ascending.
    pub fds: Vec<ProcFd>,
    /// The text of `/proc/PID/maps`.
    pub maps: Vec<u8>,
    /// Total size of the mappings, in bytes.
    pub vsize: u64,
    /// Where the heap starts.
    pub start_brk: u64,
    /// Signals ignored (bit N-1 for signal N).
    pub sig_ignored: u64,
    /// Signals with a handler.
    pub sig_caught: u64,
}

/// Where `/proc` learns about processes: the kernel.
pub trait ProcSource: Send + Sync {
    /// The live pids, ascending.
    fn pids(&self) -> Vec<i32>;
    /// What the files of `pid` show; `None` if there is no such process.
    fn process(&self, pid: i32) -> Option<ProcInfo>;
}

/// A file or directory below a process's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// The directory itself (`PID` or `PID/task/TID`).
    Dir,
    Task,
    Fd,
    FdLink(i32),
    Exe,
    Cwd,
    Root,
    Cmdline,
    Environ,
    Comm,
    Status,
    Stat,
    Maps,
}

/// The entries of a process's (or a thread's) directory, in Linux's order.
const PID_ENTRIES: &[(&[u8], Entry)] = &[
    (b"task", Entry::Task),
    (b"fd", Entry::Fd),
    (b"environ", Entry::Environ),
    (b"status", Entry::Status),
    (b"comm", Entry::Comm),
    (b"cmdline", Entry::Cmdline),
    (b"stat", Entry::Stat),
    (b"maps", Entry::Maps),
    (b"cwd", Entry::Cwd),
    (b"root", Entry::Root),
    (b"exe", Entry::Exe),
];

impl Entry {
    fn name(self) -> Option<&'static [u8]> {
        PID_ENTRIES
            .iter()
            .find(|(_, e)| *e == self)
            .map(|(n, _)| *n)
    }

    /// Type and permission bits (for fd links, those of a read-write fd).
    fn mode(self) -> u32 {
        match self {
            Entry::Dir | Entry::Task => libc::S_IFDIR | 0o555,
            Entry::Fd => libc::S_IFDIR | 0o500,
            Entry::FdLink(_) => libc::S_IFLNK | 0o700,
            Entry::Exe | Entry::Cwd | Entry::Root => libc::S_IFLNK | 0o777,
            Entry::Environ => libc::S_IFREG | 0o400,
            Entry::Comm => libc::S_IFREG | 0o644,
            Entry::Cmdline | Entry::Status | Entry::Stat | Entry::Maps => libc::S_IFREG | 0o444,
        }
    }
}

/// The mode of the `fd/N` link of a file open with `flags`: Linux gives
/// read and search to the owner for a readable file, write and search for
/// a writable one.
fn fd_link_mode(flags: i32) -> u32 {
    let perms = match flags & (libc::O_ACCMODE | libc::O_PATH) {
        f if f & libc::O_PATH != 0 => 0,
        libc::O_RDONLY => 0o500,
        libc::O_WRONLY => 0o300,
        _ => 0o700,
    };
    libc::S_IFLNK | perms
}

#[derive(Clone)]
pub(crate) enum ProcKind {
    /// `/proc` itself.
    Root,
    SelfLink,
    ThreadSelf,
    /// One of the host's files or directories (`PASSTHROUGH`).
    Host(HostNode),
    /// `/proc/PID/ENTRY`, or `/proc/PID/task/TID/ENTRY` with a tid.
    Pid {
        pid: i32,
        tid: Option<i32>,
        entry: Entry,
    },
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

    /// Whether this is a "magic link" (`/proc/PID/{exe,cwd,root,fd/N}`):
    /// a symlink of `/proc` other than `self` and `thread-self`, which
    /// `RESOLVE_NO_MAGICLINKS` refuses to follow.
    pub fn is_magic_link(&self) -> bool {
        matches!(self.kind, ProcKind::Pid { .. }) && self.mode & libc::S_IFMT == libc::S_IFLNK
    }

    /// Whether this is a host file shown through (read-only) rather than
    /// one the kernel makes.
    pub fn is_passthrough(&self) -> bool {
        matches!(self.kind, ProcKind::Host(_))
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
                    e => out.extend(e.name().map(<[u8]>::to_vec)),
                }
            }
        }
    }

    /// A stable inode number: 1 for `/proc`, the host's for host files, a
    /// hash of the path for the rest.
    fn ino(&self) -> u64 {
        match &self.kind {
            ProcKind::Root => 1,
            ProcKind::Host(h) => h.st.st_ino,
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
        if let ProcKind::Host(h) = &self.kind {
            let mut st = Stat::from_host(&h.st);
            st.dev = PROC_DEV;
            return st;
        }
        let t = born();
        let nlink = match &self.kind {
            ProcKind::Pid {
                entry: Entry::Dir,
                tid: None,
                ..
            } => 4,
            ProcKind::Pid {
                entry: Entry::Dir | Entry::Task,
                ..
            } => 3,
            _ if self.mode & libc::S_IFMT == libc::S_IFDIR => 2,
            _ => 1,
        };
        let size = match &self.kind {
            ProcKind::Pid {
                entry: Entry::FdLink(_),
                ..
            } => 64,
            _ => 0,
        };
        Stat {
            dev: PROC_DEV,
            ino: self.ino(),
            mode: self.mode,
            nlink,
            uid: self.uid,
            gid: self.gid,
            rdev: 0,
            size,
            blksize: PROC_BLKSIZE,
            blocks: 0,
            atime: t,
            mtime: t,
            ctime: t,
            btime: None,
            mnt_id: 0,
        }
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
                        if PASSTHROUGH.contains(&name) {
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
            ProcKind::Pid {
                pid,
                tid,
                entry: Entry::Dir,
            } => {
                let entry = PID_ENTRIES
                    .iter()
                    .find(|(n, e)| *n == name && !(tid.is_some() && *e == Entry::Task))
                    .map(|(_, e)| *e)
                    .ok_or(Errno::ENOENT)?;
                Ok(ProcNode::pid_node(*pid, *tid, entry, uid, gid))
            }
            ProcKind::Pid {
                pid,
                tid: None,
                entry: Entry::Task,
            } => {
                let t = parse_id(name).ok_or(Errno::ENOENT)?;
                if !self.info(*pid)?.tids.contains(&t) {
                    return Err(Errno::ENOENT);
                }
                Ok(ProcNode::pid_node(*pid, Some(t), Entry::Dir, uid, gid))
            }
            ProcKind::Pid {
                pid,
                tid,
                entry: Entry::Fd,
            } => {
                let n = parse_id(name).ok_or(Errno::ENOENT)?;
                let info = self.info(*pid)?;
                let fd = info.fds.iter().find(|f| f.fd == n).ok_or(Errno::ENOENT)?;
                let mut node = ProcNode::pid_node(*pid, *tid, Entry::FdLink(n), uid, gid);
                node.mode = fd_link_mode(fd.flags);
                Ok(node)
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
                (_, _) => ProcNode::pid_node(*pid, *tid, Entry::Dir, uid, gid),
            }),
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
            ProcKind::Pid { pid, entry, .. } => {
                // Linux's ptrace_may_access: the process's own user or root.
                let link = matches!(
                    entry,
                    Entry::Exe | Entry::Cwd | Entry::Root | Entry::FdLink(_)
                );
                if !link {
                    return Err(Errno::EINVAL);
                }
                if !cred.is_root() && cred.uid != n.uid {
                    return Err(Errno::EACCES);
                }
                let info = self.info(*pid)?;
                let target = match entry {
                    Entry::Exe => info.exe,
                    Entry::Cwd => info.cwd,
                    Entry::Root => info.root,
                    Entry::FdLink(fd) => info
                        .fds
                        .into_iter()
                        .find(|f| f.fd == *fd)
                        .map(|f| f.target)
                        .unwrap_or_default(),
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

    /// Opens a node for reading: a snapshot of its contents.
    pub fn open(self: &Arc<Self>, n: &ProcNode, ctx: &FsContext) -> VfsResult<Arc<dyn FileOps>> {
        let st = n.stat();
        let dir = |st: Stat| -> VfsResult<Arc<dyn FileOps>> {
            Ok(Arc::new(ProcDir {
                fs: self.clone(),
                node: n.clone(),
                entries: Mutex::new(Vec::new()),
                st,
            }))
        };
        match &n.kind {
            ProcKind::Host(h) => self.host.open(h, libc::O_RDONLY, false),
            ProcKind::Root => dir(st),
            ProcKind::SelfLink | ProcKind::ThreadSelf => Err(Errno::ELOOP),
            ProcKind::Pid { pid, tid, entry } => {
                let info = self.info(*pid)?;
                let (pid, tid) = (*pid, *tid);
                let file = |data: Vec<u8>| -> VfsResult<Arc<dyn FileOps>> {
                    Ok(Arc::new(ProcFile {
                        data,
                        st: st.clone(),
                    }))
                };
                match entry {
                    Entry::Dir | Entry::Task | Entry::Fd => dir(st.clone()),
                    Entry::Exe | Entry::Cwd | Entry::Root | Entry::FdLink(_) => Err(Errno::ELOOP),
                    Entry::Cmdline => file(info.cmdline),
                    Entry::Environ => file(info.environ),
                    Entry::Comm => {
                        let mut c = info.comm;
                        c.push(b'\n');
                        file(c)
                    }
                    Entry::Status => file(status(&info, tid.unwrap_or(pid), ctx.pid() == pid)),
                    Entry::Stat => file(stat(&info, tid.unwrap_or(pid), ctx.pid() == pid)),
                    Entry::Maps => file(info.maps),
                }
            }
        }
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
        for name in PASSTHROUGH {
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

    /// The entries of a process directory, its `task` or its `fd`.
    fn dir_entries(&self, dir: &ProcNode, info: &ProcInfo) -> Vec<DirEntry> {
        let mut out = vec![dir.dirent(b".", 1)];
        if let Ok(up) = self.parent(dir) {
            out.push(up.dirent(b"..", 2));
        }
        let ProcKind::Pid { pid, tid, entry } = &dir.kind else {
            return out;
        };
        let (uid, gid) = (dir.uid, dir.gid);
        match entry {
            Entry::Dir => {
                for (name, e) in PID_ENTRIES {
                    if tid.is_some() && *e == Entry::Task {
                        continue;
                    }
                    let n = ProcNode::pid_node(*pid, *tid, *e, uid, gid);
                    out.push(n.dirent(name, out.len() + 1));
                }
            }
            Entry::Task => {
                for t in &info.tids {
                    let n = ProcNode::pid_node(*pid, Some(*t), Entry::Dir, uid, gid);
                    out.push(n.dirent(&id_name(*t), out.len() + 1));
                }
            }
            Entry::Fd => {
                for f in &info.fds {
                    let n = ProcNode::pid_node(*pid, *tid, Entry::FdLink(f.fd), uid, gid);
                    out.push(n.dirent(&id_name(f.fd), out.len() + 1));
                }
            }
            _ => {}
        }
        out
    }
}

/// `Name` in `status`: Linux escapes newlines and backslashes.
fn escaped_name(comm: &[u8]) -> String {
    let mut s = String::new();
    for &b in comm {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\\' => s.push_str("\\\\"),
            _ => s.push(char::from(b)),
        }
    }
    s
}

/// The state letter: the reader itself is running; the kernel does not
/// track the others', which are most likely stopped in a system call.
fn state(running: bool) -> (char, &'static str) {
    if running {
        ('R', "running")
    } else {
        ('S', "sleeping")
    }
}

/// `/proc/PID/status`: the lines whose values the kernel knows.
fn status(info: &ProcInfo, tid: i32, running: bool) -> Vec<u8> {
    let (letter, word) = state(running);
    let ids = |v: &[u32; 4]| format!("{}\t{}\t{}\t{}", v[0], v[1], v[2], v[3]);
    let mut groups = String::new();
    for (i, g) in info.groups.iter().enumerate() {
        if i > 0 {
            groups.push(' ');
        }
        groups.push_str(&g.to_string());
    }
    format!(
        "Name:\t{}\nUmask:\t{:04o}\nState:\t{letter} ({word})\nTgid:\t{}\nNgid:\t0\nPid:\t{tid}\n\
         PPid:\t{}\nTracerPid:\t0\nUid:\t{}\nGid:\t{}\nGroups:\t{groups} \nNStgid:\t{}\n\
         NSpid:\t{tid}\nNSpgid:\t{}\nNSsid:\t{}\nThreads:\t{}\nSigIgn:\t{:016x}\n\
         SigCgt:\t{:016x}\n",
        escaped_name(&info.comm),
        info.umask,
        info.pid,
        info.ppid,
        ids(&info.uids),
        ids(&info.gids),
        info.pid,
        info.pgid,
        info.sid,
        info.tids.len().max(1),
        info.sig_ignored,
        info.sig_caught,
    )
    .into_bytes()
}

/// `/proc/PID/stat`: Linux's 52 fields; what the kernel does not track
/// (times, faults, addresses of the image) is 0.
fn stat(info: &ProcInfo, tid: i32, running: bool) -> Vec<u8> {
    let (letter, _) = state(running);
    let mut out = format!("{tid} (").into_bytes();
    out.extend_from_slice(&info.comm);
    let threads = info.tids.len().max(1);
    // Fields 4 to 52: ppid pgrp session tty_nr tpgid flags minflt cminflt
    // majflt cmajflt utime stime cutime cstime priority nice num_threads
    // itrealvalue starttime vsize rss rsslim startcode endcode startstack
    // kstkesp kstkeip signal blocked sigignore sigcatch wchan nswap cnswap
    // exit_signal processor rt_priority policy delayacct_blkio_ticks
    // guest_time cguest_time start_data end_data start_brk arg_start
    // arg_end env_start env_end exit_code.
    let fields: [String; 49] = [
        info.ppid.to_string(),
        info.pgid.to_string(),
        info.sid.to_string(),
        "0".into(),
        "-1".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "20".into(),
        "0".into(),
        threads.to_string(),
        "0".into(),
        "0".into(),
        info.vsize.to_string(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        info.sig_ignored.to_string(),
        info.sig_caught.to_string(),
        "0".into(),
        "0".into(),
        "0".into(),
        libc::SIGCHLD.to_string(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        info.start_brk.to_string(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0".into(),
    ];
    out.extend_from_slice(format!(") {letter} {}\n", fields.join(" ")).as_bytes());
    out
}

/// An open `/proc` file: the bytes made at open time.
struct ProcFile {
    data: Vec<u8>,
    st: Stat,
}

impl FileOps for ProcFile {
    fn seekable(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8], pos: &mut u64) -> VfsResult<usize> {
        let n = self.pread(buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }

    fn write(&self, _buf: &[u8], _pos: &mut u64, _append: bool) -> VfsResult<usize> {
        Err(Errno::EINVAL)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> VfsResult<usize> {
        let start = usize::try_from(off)
            .unwrap_or(usize::MAX)
            .min(self.data.len());
        let n = buf.len().min(self.data.len() - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        Ok(n)
    }

    fn pwrite(&self, _buf: &[u8], _off: u64, _append: bool) -> VfsResult<usize> {
        Err(Errno::EINVAL)
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        match whence {
            libc::SEEK_SET | libc::SEEK_CUR | libc::SEEK_END => {
                generic_seek(pos, off, whence, self.data.len() as u64)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.st.clone())
    }

    fn statfs(&self) -> VfsResult<crate::StatFs> {
        Ok(proc_statfs())
    }
}

/// An open `/proc` directory: its entries as they were when read from
/// position 0; the position is an index.
struct ProcDir {
    fs: Arc<ProcFs>,
    node: ProcNode,
    entries: Mutex<Vec<DirEntry>>,
    st: Stat,
}

impl FileOps for ProcDir {
    fn seekable(&self) -> bool {
        true
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        dir_seek(pos, off, whence)
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.st.clone())
    }

    fn getdents(&self, pos: &mut u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> VfsResult<()> {
        let mut entries = lock(&self.entries);
        if *pos == 0 || entries.is_empty() {
            *entries = self.fs.entries(&self.node)?;
        }
        let start = usize::try_from(*pos).unwrap_or(usize::MAX);
        for (i, e) in entries.iter().enumerate().skip(start) {
            if !sink(e) {
                return Ok(());
            }
            *pos = i as u64 + 1;
        }
        Ok(())
    }

    fn is_dir(&self) -> bool {
        true
    }

    fn statfs(&self) -> VfsResult<crate::StatFs> {
        Ok(proc_statfs())
    }
}

/// What `statfs` reports for `/proc`.
pub(crate) fn proc_statfs() -> crate::StatFs {
    let mut st = crate::StatFs::pseudo(PROC_SUPER_MAGIC);
    st.flags |= crate::statfs::ST_RELATIME;
    st
}
