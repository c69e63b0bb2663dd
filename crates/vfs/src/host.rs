//! The host's file system seen through a root directory.
//!
//! A guest path inside this mount (`rel`, always starting with `/`) is the
//! host path `root + rel`. The host's own `/` (the default lower layer,
//! `/proc`'s passthrough files) is reached by absolute host paths: there is
//! nothing outside it to protect. Any other tree (`--root DIR`, `--bind`)
//! is *confined*: Trapline holds an `O_PATH` fd of its root and resolves
//! every `rel` below it with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
//! | RESOLVE_NO_MAGICLINKS)`, so no symlink or `..` on the host, even one a
//! guest makes or moves in while we look, leads outside. (The guest's own
//! symlinks are followed by the vfs's walk, in the guest's tree.)
//!
//! A read-only tree lets only host terminals (`/dev/tty`, `/dev/pts/*`) be
//! opened for writing; every other write is refused before any host call
//! is made. A writable bind changes the host through `host_write.rs`.
//! `host_stdio` wraps the fds Trapline inherited.

use std::collections::VecDeque;
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

use crate::file::{generic_seek, DirEntry, FileOps, OpenFile};
use crate::stat::Stat;
use crate::{host_errno, lock, Errno, VfsResult};

/// The host file system below a root directory.
pub(crate) struct HostFs {
    /// The host directory that is the guest's `/` here; empty for the
    /// host's own `/`.
    root: Vec<u8>,
    /// For a confined tree: an `O_PATH` fd of the root, every path is
    /// resolved beneath.
    beneath: Option<OwnedFd>,
    /// Whether the guest may change it (`--bind HOST:GUEST[:rw]`).
    pub(crate) writable: bool,
}

/// `struct open_how` of `openat2` (the libc crate's cannot be built).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// How every path below a confined root is resolved: never above it, never
/// through a symlink (the last component itself may be one, with
/// `O_NOFOLLOW`), never through `/proc`'s magic links.
const RESOLVE_CONFINED: u64 =
    libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS;

/// `openat2(dir, path, flags, mode)` with `RESOLVE_CONFINED`; `path` is
/// relative.
pub(crate) fn openat_beneath(
    dir: BorrowedFd<'_>,
    path: &CStr,
    flags: i32,
    mode: u32,
) -> VfsResult<OwnedFd> {
    let how = OpenHow {
        flags: (flags | libc::O_CLOEXEC) as u32 as u64,
        mode: u64::from(mode),
        resolve: RESOLVE_CONFINED,
    };
    // SAFETY: `path` is NUL-terminated and `how` is a valid `open_how` of
    // the size we pass, both alive for the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            path.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    if fd < 0 {
        return Err(host_errno());
    }
    // SAFETY: openat2 just returned this fd; nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// The path through `/proc/self/fd` that names exactly the file `fd` is
/// open on (for host calls that take no fd).
pub(crate) fn fd_path(fd: BorrowedFd<'_>) -> CString {
    // A decimal number holds no NUL.
    CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap_or_default()
}

/// A node of the host file system, with the `lstat` its lookup saw.
#[derive(Clone)]
pub(crate) struct HostNode {
    /// Path inside the mount, starting with `/`.
    pub rel: Vec<u8>,
    pub st: libc::stat,
}

impl HostNode {
    pub fn is_file(&self) -> bool {
        self.st.st_mode & libc::S_IFMT == libc::S_IFREG
    }

    pub fn is_dir(&self) -> bool {
        self.st.st_mode & libc::S_IFMT == libc::S_IFDIR
    }
}

fn cstr(path: &[u8]) -> VfsResult<CString> {
    CString::new(path).map_err(|_| Errno::EINVAL)
}

/// A host path for a node, for host calls that take a path: its host path
/// (which must not be followed: the `l` calls), or in a confined tree the
/// `/proc/self/fd` link of an `O_PATH` fd of the node, which names exactly
/// that node and is to be followed (the fd stays open with this).
pub(crate) struct MetaPath {
    pub path: CString,
    pub follow: bool,
    _pin: Option<OwnedFd>,
}

/// `rel` without its leading slashes: a path relative to the root.
pub(crate) fn below_root(rel: &[u8]) -> &[u8] {
    let start = rel.iter().position(|&b| b != b'/').unwrap_or(rel.len());
    &rel[start..]
}

/// The host terminals (by device number) the guest may open for writing:
/// those Trapline runs on (its controlling terminal, its stdio) and the
/// pseudo-terminals the guest made through `/dev/ptmx`. Not the host's
/// other terminals.
fn guest_terminals() -> &'static Mutex<Vec<u64>> {
    static TERMINALS: std::sync::OnceLock<Mutex<Vec<u64>>> = std::sync::OnceLock::new();
    TERMINALS.get_or_init(|| {
        let mut ttys = Vec::new();
        // The controlling terminal: tty_nr, field 7 of our own stat.
        if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
            let tty_nr = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(4))
                .and_then(|f| f.parse::<u32>().ok())
                .unwrap_or(0);
            if tty_nr != 0 {
                let major = (tty_nr >> 8) & 0xfff;
                let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
                ttys.push(libc::makedev(major, minor));
            }
        }
        for fd in 0..3 {
            // SAFETY: fds 0-2 are only inspected.
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            // SAFETY: isatty only inspects the fd.
            if unsafe { libc::isatty(fd.as_raw_fd()) } == 1 {
                if let Ok(st) = fstat(fd) {
                    ttys.push(st.st_rdev);
                }
            }
        }
        Mutex::new(ttys)
    })
}

/// Lets the guest write to the host terminal `rdev` (a pty it made).
pub(crate) fn allow_terminal(rdev: u64) {
    let mut ttys = lock(guest_terminals());
    if !ttys.contains(&rdev) {
        ttys.push(rdev);
    }
}

impl HostFs {
    /// `root` is an absolute host directory; `/` or empty for the host's
    /// own root.
    pub fn new(root: &[u8]) -> HostFs {
        let mut root = root.to_vec();
        while root.last() == Some(&b'/') {
            root.pop();
        }
        HostFs {
            root,
            beneath: None,
            writable: false,
        }
    }

    /// A tree the guest must not leave: the host directory (or file)
    /// `root`, held open from now on; `writable` for a read-write bind.
    pub fn confined(root: &[u8], writable: bool) -> VfsResult<HostFs> {
        let mut fs = HostFs::new(root);
        let path = cstr(if fs.root.is_empty() { b"/" } else { &fs.root })?;
        // SAFETY: `path` is NUL-terminated. The user's own path may go
        // through symlinks; what is below it may not.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(host_errno());
        }
        // SAFETY: `fd` was just returned by open and is ours alone.
        fs.beneath = Some(unsafe { OwnedFd::from_raw_fd(fd) });
        fs.writable = writable;
        Ok(fs)
    }

    /// The host directory shown as `/` (empty for the host's `/`).
    pub fn root(&self) -> &[u8] {
        &self.root
    }

    /// The host path of the node at `rel`.
    pub(crate) fn host_path(&self, rel: &[u8]) -> Vec<u8> {
        if self.root.is_empty() {
            return rel.to_vec();
        }
        let mut p = self.root.clone();
        if rel != b"/" {
            p.extend_from_slice(rel);
        }
        p
    }

    /// Opens the node at `rel` itself (never following it if it is a
    /// symlink) with `flags`, which create nothing.
    pub(crate) fn open_rel(&self, rel: &[u8], flags: i32) -> VfsResult<OwnedFd> {
        // openat2 refuses O_PATH with any flag it ignores.
        let flags = if flags & libc::O_PATH != 0 {
            flags | libc::O_CLOEXEC
        } else {
            flags | libc::O_CLOEXEC | libc::O_NOCTTY
        };
        let Some(root) = &self.beneath else {
            let p = cstr(&self.host_path(rel))?;
            // SAFETY: `p` is NUL-terminated; the flags never create.
            let fd = unsafe { libc::open(p.as_ptr(), flags | libc::O_NOFOLLOW) };
            if fd < 0 {
                return Err(host_errno());
            }
            // SAFETY: `fd` was just returned by open and is ours alone.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
        };
        let inside = below_root(rel);
        if inside.is_empty() {
            // The root itself, which may be a file: reopened through its
            // fd's magic link, which names exactly that file.
            let p = fd_path(root.as_fd());
            // SAFETY: `p` is NUL-terminated; the flags never create.
            let fd = unsafe { libc::open(p.as_ptr(), flags) };
            if fd < 0 {
                return Err(host_errno());
            }
            // SAFETY: `fd` was just returned by open and is ours alone.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
        }
        openat_beneath(root.as_fd(), &cstr(inside)?, flags | libc::O_NOFOLLOW, 0)
    }

    /// A path naming the node at `rel` for host calls that take no fd.
    pub(crate) fn meta_path(&self, rel: &[u8]) -> VfsResult<MetaPath> {
        if !self.is_confined() {
            return Ok(MetaPath {
                path: cstr(&self.host_path(rel))?,
                follow: false,
                _pin: None,
            });
        }
        let pin = self.open_rel(rel, libc::O_PATH)?;
        Ok(MetaPath {
            path: fd_path(pin.as_fd()),
            follow: true,
            _pin: Some(pin),
        })
    }

    /// The host's `statfs` of the file system the node at `rel` is on.
    pub(crate) fn statfs(&self, rel: &[u8]) -> VfsResult<crate::StatFs> {
        if self.is_confined() {
            return crate::statfs::host_fstatfs(self.open_rel(rel, libc::O_PATH)?.as_fd());
        }
        crate::statfs::host_statfs(&self.host_path(rel))
    }

    /// Whether paths are resolved beneath a root fd.
    pub(crate) fn is_confined(&self) -> bool {
        self.beneath.is_some()
    }

    pub fn lstat(&self, rel: &[u8]) -> VfsResult<libc::stat> {
        if self.is_confined() {
            return fstat(self.open_rel(rel, libc::O_PATH)?.as_fd());
        }
        let p = cstr(&self.host_path(rel))?;
        // SAFETY: an all-zero `stat` is a valid value of this plain C struct.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `p` is a NUL-terminated path and `st` a valid out-pointer
        // for the duration of the call.
        let r = unsafe {
            libc::fstatat(
                libc::AT_FDCWD,
                p.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if r < 0 {
            return Err(host_errno());
        }
        Ok(st)
    }

    pub fn node(&self, rel: &[u8]) -> VfsResult<HostNode> {
        Ok(HostNode {
            rel: rel.to_vec(),
            st: self.lstat(rel)?,
        })
    }

    pub fn child(&self, dir: &HostNode, name: &[u8]) -> VfsResult<HostNode> {
        let mut rel = dir.rel.clone();
        if rel != b"/" {
            rel.push(b'/');
        }
        rel.extend_from_slice(name);
        self.node(&rel)
    }

    /// The parent directory (the root is its own parent).
    pub fn parent(&self, n: &HostNode) -> VfsResult<HostNode> {
        let cut = n.rel.iter().rposition(|&b| b == b'/').unwrap_or(0);
        let rel = if cut == 0 {
            b"/".to_vec()
        } else {
            n.rel[..cut].to_vec()
        };
        self.node(&rel)
    }

    pub fn readlink(&self, n: &HostNode) -> VfsResult<Vec<u8>> {
        // Confined: the link itself, opened beneath the root, read with an
        // empty path.
        let (link, p) = if self.is_confined() {
            (
                Some(self.open_rel(&n.rel, libc::O_PATH)?),
                CString::default(),
            )
        } else {
            (None, cstr(&self.host_path(&n.rel))?)
        };
        let dir = link.as_ref().map_or(libc::AT_FDCWD, |fd| fd.as_raw_fd());
        let mut buf = vec![0u8; 4096];
        loop {
            // SAFETY: `p` is NUL-terminated and `buf` is writable for
            // `buf.len()` bytes; `dir` is AT_FDCWD or an fd we hold.
            let r =
                unsafe { libc::readlinkat(dir, p.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
            let n = usize::try_from(r).map_err(|_| host_errno())?;
            if n < buf.len() {
                buf.truncate(n);
                return Ok(buf);
            }
            if buf.len() >= 1 << 16 {
                return Err(Errno::ENAMETOOLONG);
            }
            buf.resize(buf.len() * 2, 0);
        }
    }

    /// The whole contents of a host file (for `/proc`'s files, made by
    /// the host kernel as they are read).
    pub fn read_all(&self, n: &HostNode) -> VfsResult<Vec<u8>> {
        let fd = self.open_rel(&n.rel, libc::O_RDONLY)?;
        let mut out = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: `chunk` is writable for its length.
            let r = unsafe { libc::read(fd.as_raw_fd(), chunk.as_mut_ptr().cast(), chunk.len()) };
            match usize::try_from(r) {
                Ok(0) => return Ok(out),
                Ok(k) => out.extend_from_slice(&chunk[..k]),
                Err(_) if host_errno() == Errno::EINTR => {}
                Err(_) => return Err(host_errno()),
            }
        }
    }

    /// Whether the guest may write to this node: anything in a writable
    /// bind (where `open_write` refuses devices, as `nodev` does), else
    /// only the host terminals it holds (`guest_terminals`).
    pub fn writable(&self, n: &HostNode) -> bool {
        self.writable
            || (n.st.st_mode & libc::S_IFMT == libc::S_IFCHR
                && lock(guest_terminals()).contains(&n.st.st_rdev))
    }

    /// Opens a node for the guest. `write` is only honoured for terminals
    /// (the caller has already refused other writes with `EROFS`).
    pub fn open(&self, n: &HostNode, acc: i32, write: bool) -> VfsResult<Arc<dyn FileOps>> {
        self.open_with(n, acc, write, false)
    }

    /// `open`, and in a writable bind, where anything but a directory is
    /// opened by `open_write`, truncating with `trunc` (`O_TRUNC`).
    pub fn open_with(
        &self,
        n: &HostNode,
        acc: i32,
        write: bool,
        trunc: bool,
    ) -> VfsResult<Arc<dyn FileOps>> {
        if self.writable && n.st.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return self.open_write(n, acc, trunc);
        }
        match n.st.st_mode & libc::S_IFMT {
            libc::S_IFSOCK => Err(Errno::ENXIO),
            libc::S_IFDIR => {
                let fd = self.open_rel(&n.rel, libc::O_RDONLY | libc::O_DIRECTORY)?;
                Ok(Arc::new(HostDir {
                    fd,
                    cursor: Mutex::new(DirCursor::default()),
                }))
            }
            fmt => {
                let terminal = write && self.writable(n);
                let mut flags = if terminal && acc != libc::O_RDONLY {
                    if acc == libc::O_WRONLY {
                        libc::O_WRONLY
                    } else {
                        libc::O_RDWR
                    }
                } else if write {
                    return Err(Errno::EROFS);
                } else {
                    libc::O_RDONLY
                };
                if fmt == libc::S_IFIFO {
                    // A host FIFO must not block the kernel in open.
                    flags |= libc::O_NONBLOCK;
                }
                let fd = self.open_rel(&n.rel, flags)?;
                let file = HostFile::new(fd, fmt == libc::S_IFREG || fmt == libc::S_IFBLK, false);
                if terminal && !file.terminal {
                    return Err(Errno::EROFS);
                }
                Ok(Arc::new(file))
            }
        }
    }
}

/// Where a host file's position lives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Io {
    /// A file we opened: the open file's position, `pread`/`pwrite`.
    Positioned,
    /// An inherited stdio file: the host fd's own offset, which the
    /// host processes sharing it also move.
    HostOffset,
    /// No position: terminals, pipes, sockets, other character devices.
    Stream,
}

/// A host file that is not a directory.
pub(crate) struct HostFile {
    fd: OwnedFd,
    io: Io,
    terminal: bool,
    regular: bool,
    /// A file of a writable bind opened for writing: writes, `ftruncate`
    /// and `fsync` go to the host.
    writable: bool,
}

impl HostFile {
    fn new(fd: OwnedFd, seekable: bool, stdio: bool) -> HostFile {
        // SAFETY: isatty only inspects the fd, which `fd` keeps open.
        let terminal = unsafe { libc::isatty(fd.as_raw_fd()) } == 1;
        let io = match (seekable, stdio) {
            (false, _) => Io::Stream,
            (true, false) => Io::Positioned,
            (true, true) => Io::HostOffset,
        };
        HostFile {
            fd,
            io,
            terminal,
            regular: seekable,
            writable: false,
        }
    }

    /// A file of a writable bind, open for writing if `writable`.
    pub(crate) fn in_writable_bind(fd: OwnedFd, regular: bool, writable: bool) -> HostFile {
        HostFile {
            writable,
            ..HostFile::new(fd, regular, false)
        }
    }

    /// Writes at `off`, or at the end of the file with `append` (one host
    /// call, `RWF_APPEND`, so appends from several writers never mix).
    /// Gives the count written and, with `track`, the position after the
    /// written bytes (for `write`; `pwrite` moves no position).
    fn write_positioned(
        &self,
        buf: &[u8],
        off: u64,
        append: bool,
        track: bool,
    ) -> VfsResult<(usize, u64)> {
        let off = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
        let iov = libc::iovec {
            iov_base: buf.as_ptr() as *mut libc::c_void,
            iov_len: buf.len(),
        };
        // A tracked append moves the host fd's own offset (offset -1),
        // which then tells where it ended; nothing else uses that offset
        // but `lseek(SEEK_END/DATA/HOLE)`, which sets it first.
        let (at, flags) = match (append, track) {
            (true, true) => (-1, libc::RWF_APPEND),
            (true, false) => (0, libc::RWF_APPEND),
            (false, _) => (off, 0),
        };
        // SAFETY: one iovec over `buf`, readable for `buf.len()` bytes.
        let n = ret(unsafe { libc::pwritev2(self.raw(), &iov, 1, at, flags) })?;
        let end = if append && track {
            // SAFETY: lseek has no memory arguments; the offset is ours.
            let r = unsafe { libc::lseek(self.raw(), 0, libc::SEEK_CUR) };
            u64::try_from(r).map_err(|_| host_errno())?
        } else {
            off as u64 + n as u64
        };
        Ok((n, end))
    }

    fn raw(&self) -> i32 {
        self.fd.as_raw_fd()
    }
}

fn ret(r: isize) -> VfsResult<usize> {
    usize::try_from(r).map_err(|_| host_errno())
}

impl FileOps for HostFile {
    /// The host's own answer (terminals and pipes Trapline inherited).
    fn poll(&self) -> i16 {
        let mut p = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN | libc::POLLOUT | libc::POLLPRI,
            revents: 0,
        };
        // SAFETY: one valid pollfd, no waiting.
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        if n < 0 {
            0
        } else {
            p.revents
        }
    }
    fn seekable(&self) -> bool {
        self.io != Io::Stream
    }

    fn read(&self, buf: &mut [u8], pos: &mut u64) -> VfsResult<usize> {
        if self.io == Io::Positioned {
            let n = self.pread(buf, *pos)?;
            *pos += n as u64;
            return Ok(n);
        }
        // SAFETY: `buf` is writable for `buf.len()` bytes.
        ret(unsafe { libc::read(self.raw(), buf.as_mut_ptr().cast(), buf.len()) })
    }

    fn write(&self, buf: &[u8], pos: &mut u64, append: bool) -> VfsResult<usize> {
        if self.io == Io::Positioned {
            // Files we open by path are writable only in a writable bind.
            if !self.writable {
                return Err(Errno::EBADF);
            }
            let (n, end) = self.write_positioned(buf, *pos, append, true)?;
            *pos = end;
            return Ok(n);
        }
        // SAFETY: `buf` is readable for `buf.len()` bytes. O_APPEND, if
        // any, is the host fd's own.
        let n = ret(unsafe { libc::write(self.raw(), buf.as_ptr().cast(), buf.len()) })?;
        *pos += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> VfsResult<usize> {
        let off = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
        // SAFETY: `buf` is writable for `buf.len()` bytes.
        ret(unsafe { libc::pread(self.raw(), buf.as_mut_ptr().cast(), buf.len(), off) })
    }

    fn pwrite(&self, buf: &[u8], off: u64, append: bool) -> VfsResult<usize> {
        if self.io == Io::Positioned && self.writable {
            return self
                .write_positioned(buf, off, append, false)
                .map(|(n, _)| n);
        }
        if self.io != Io::HostOffset {
            return Err(Errno::EBADF);
        }
        let off = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
        // SAFETY: `buf` is readable for `buf.len()` bytes.
        ret(unsafe { libc::pwrite(self.raw(), buf.as_ptr().cast(), buf.len(), off) })
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        if self.io == Io::Positioned && matches!(whence, libc::SEEK_SET | libc::SEEK_CUR) {
            return generic_seek(pos, off, whence, 0);
        }
        // SAFETY: lseek has no memory arguments. For positioned files the
        // host offset is private to us and only used to compute SEEK_END,
        // SEEK_DATA and SEEK_HOLE.
        let r = unsafe { libc::lseek(self.raw(), off, whence) };
        let r = u64::try_from(r).map_err(|_| host_errno())?;
        *pos = r;
        Ok(r)
    }

    fn stat(&self) -> VfsResult<Stat> {
        fstat(self.fd.as_fd()).map(|st| Stat::from_host(&st))
    }

    fn truncate(&self, len: u64) -> VfsResult<()> {
        let ours = self.io == Io::HostOffset || self.writable;
        if !ours || !self.regular {
            return Err(Errno::EINVAL);
        }
        let len = i64::try_from(len).map_err(|_| Errno::EINVAL)?;
        // SAFETY: no memory arguments; this is an inherited stdio file or
        // one of a writable bind.
        if unsafe { libc::ftruncate(self.raw(), len) } < 0 {
            return Err(host_errno());
        }
        Ok(())
    }

    fn fsync(&self) -> VfsResult<()> {
        // Files we open by path are written only in a writable bind, so
        // otherwise there is nothing to flush; other files (stdio,
        // terminals, FIFOs) get the host's answer, EINVAL for streams.
        if self.io == Io::Positioned && !self.writable {
            return Ok(());
        }
        // SAFETY: no memory arguments.
        if unsafe { libc::fsync(self.raw()) } < 0 {
            return Err(host_errno());
        }
        Ok(())
    }

    fn host_meta_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd.as_fd())
    }

    fn is_terminal(&self) -> bool {
        self.terminal
    }

    fn tcgets(&self) -> VfsResult<libc::termios> {
        if !self.terminal {
            return Err(Errno::ENOTTY);
        }
        // SAFETY: an all-zero termios is a valid value of this C struct.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: TCGETS writes one termios to the pointer we pass.
        if unsafe { libc::ioctl(self.raw(), libc::TCGETS, &mut t) } < 0 {
            return Err(host_errno());
        }
        Ok(t)
    }

    fn winsize(&self) -> VfsResult<libc::winsize> {
        if !self.terminal {
            return Err(Errno::ENOTTY);
        }
        let mut w = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCGWINSZ writes one winsize to the pointer we pass.
        if unsafe { libc::ioctl(self.raw(), libc::TIOCGWINSZ, &mut w) } < 0 {
            return Err(host_errno());
        }
        Ok(w)
    }

    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        self.regular.then(|| self.fd.as_fd())
    }

    /// The host's answer to a terminal request (`pty::tty_ioctl_arg`
    /// decides which, and the size of their arguments).
    fn tty_ioctl(&self, req: u64, value: u64, input: &[u8]) -> VfsResult<(i64, Vec<u8>)> {
        use crate::pty::TtyArg;
        if !self.terminal {
            return Err(Errno::ENOTTY);
        }
        let shape = crate::pty::tty_ioctl_arg(req).ok_or(Errno::ENOTTY)?;
        let mut buf = match shape {
            TtyArg::In(n) | TtyArg::Out(n) => vec![0u8; n],
            TtyArg::None | TtyArg::Value => Vec::new(),
        };
        if let TtyArg::In(n) = shape {
            let k = n.min(input.len());
            buf[..k].copy_from_slice(&input[..k]);
        }
        let arg = match shape {
            TtyArg::Value => value as libc::c_ulong,
            TtyArg::None => 0,
            // The buffer is as long as the request reads or writes.
            _ => buf.as_mut_ptr() as libc::c_ulong,
        };
        // SAFETY: `arg` is a value or points to a buffer as large as the
        // request's argument (`tty_ioctl_arg`).
        let r = unsafe { libc::ioctl(self.raw(), req, arg) };
        if r < 0 {
            return Err(host_errno());
        }
        if req == libc::TIOCGPTN {
            // The guest made this pty: it may open its other side.
            let n = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
            if let Ok(st) = HostFs::new(b"/dev/pts").lstat(format!("/{n}").as_bytes()) {
                allow_terminal(st.st_rdev);
            }
        }
        let out = if matches!(shape, TtyArg::Out(_)) {
            buf
        } else {
            Vec::new()
        };
        Ok((i64::from(r), out))
    }
}

pub(crate) fn fstat(fd: BorrowedFd<'_>) -> VfsResult<libc::stat> {
    // SAFETY: an all-zero `stat` is a valid value of this plain C struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid out-pointer; the fd is open for the call.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        return Err(host_errno());
    }
    Ok(st)
}

/// Entries read from the host but not yet handed to the guest.
#[derive(Default)]
struct DirCursor {
    pending: VecDeque<DirEntry>,
    /// The position before `pending`'s first entry (where the guest is).
    at: u64,
    /// Whether the host fd is positioned to continue after `pending`.
    valid: bool,
}

/// A host directory: entries from the host's `getdents64`, with the host's
/// `d_off` cookies as positions.
pub(crate) struct HostDir {
    fd: OwnedFd,
    cursor: Mutex<DirCursor>,
}

const DIRENT_BUF: usize = 32 * 1024;

/// Parses a `getdents64` buffer.
fn parse_dirents(buf: &[u8], out: &mut VecDeque<DirEntry>) {
    let mut i = 0usize;
    while i + 19 <= buf.len() {
        let u64_at = |o: usize| {
            buf.get(o..o + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_ne_bytes)
        };
        let (Some(ino), Some(off)) = (u64_at(i), u64_at(i + 8)) else {
            break;
        };
        let reclen = usize::from(u16::from_ne_bytes([buf[i + 16], buf[i + 17]]));
        if reclen < 20 || i + reclen > buf.len() {
            break;
        }
        let kind = buf[i + 18];
        let raw = &buf[i + 19..i + reclen];
        let len = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        out.push_back(DirEntry {
            ino,
            off: off as i64,
            kind,
            name: raw[..len].to_vec(),
        });
        i += reclen;
    }
}

impl HostDir {
    fn host_seek(&self, off: i64, whence: i32) -> VfsResult<u64> {
        // SAFETY: lseek has no memory arguments.
        let r = unsafe { libc::lseek(self.fd.as_raw_fd(), off, whence) };
        u64::try_from(r).map_err(|_| host_errno())
    }

    fn fill(&self, cur: &mut DirCursor) -> VfsResult<()> {
        let mut buf = vec![0u8; DIRENT_BUF];
        // SAFETY: getdents64 writes at most `buf.len()` bytes into `buf`.
        let r = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                self.fd.as_raw_fd(),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        let n = usize::try_from(r).map_err(|_| host_errno())?;
        parse_dirents(&buf[..n.min(buf.len())], &mut cur.pending);
        Ok(())
    }
}

impl FileOps for HostDir {
    fn seekable(&self) -> bool {
        true
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        let mut cur = lock(&self.cursor);
        let new = match whence {
            libc::SEEK_SET | libc::SEEK_CUR => {
                let mut p = *pos;
                let target = generic_seek(&mut p, off, whence, 0)?;
                self.host_seek(target as i64, libc::SEEK_SET)?
            }
            _ => self.host_seek(off, whence)?,
        };
        *cur = DirCursor {
            pending: VecDeque::new(),
            at: new,
            valid: true,
        };
        *pos = new;
        Ok(new)
    }

    fn stat(&self) -> VfsResult<Stat> {
        fstat(self.fd.as_fd()).map(|st| Stat::from_host(&st))
    }

    fn fsync(&self) -> VfsResult<()> {
        Ok(())
    }

    fn host_meta_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd.as_fd())
    }

    fn getdents(&self, pos: &mut u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> VfsResult<()> {
        let mut cur = lock(&self.cursor);
        if !cur.valid || cur.at != *pos {
            let off = i64::try_from(*pos).map_err(|_| Errno::EINVAL)?;
            self.host_seek(off, libc::SEEK_SET)?;
            *cur = DirCursor {
                pending: VecDeque::new(),
                at: *pos,
                valid: true,
            };
        }
        loop {
            if cur.pending.is_empty() {
                self.fill(&mut cur)?;
                if cur.pending.is_empty() {
                    return Ok(());
                }
            }
            let Some(e) = cur.pending.front() else {
                return Ok(());
            };
            if !sink(e) {
                return Ok(());
            }
            let next = e.off as u64;
            cur.pending.pop_front();
            cur.at = next;
            *pos = next;
        }
    }

    fn is_dir(&self) -> bool {
        true
    }
}

/// Wraps one of the host's stdio fds (dup'd by the caller) as an open
/// file: reads and writes go to the host fd (its own offset, shared with
/// the host processes that share it), `fstat` is the host's, terminals
/// answer `TCGETS`/`TIOCGWINSZ`. Its name (`/proc/PID/fd/N`, `ttyname`) is
/// the host's (`/dev/pts/3`, `pipe:[1234]`, a path), as the same program
/// run natively would see it; `path` is the fallback.
pub fn host_stdio(fd: OwnedFd, flags: i32, path: Vec<u8>) -> Arc<OpenFile> {
    let seekable = match fstat(fd.as_fd()) {
        Ok(st) => matches!(st.st_mode & libc::S_IFMT, libc::S_IFREG | libc::S_IFBLK),
        Err(_) => false,
    };
    let proc_link = HostNode {
        rel: format!("/proc/self/fd/{}", fd.as_raw_fd()).into_bytes(),
        // SAFETY: an all-zero `stat` is a valid value of this C struct;
        // `readlink` does not look at it.
        st: unsafe { std::mem::zeroed() },
    };
    let path = match HostFs::new(b"/").readlink(&proc_link) {
        Ok(name) if !name.is_empty() => name,
        _ => path,
    };
    OpenFile::from_ops(Arc::new(HostFile::new(fd, seekable, true)), flags, path)
}

/// A new open file description of a host file the guest has open without
/// a place in the mount tree (its stdio), for `open("/proc/self/fd/N")`:
/// the host reopens it through Trapline's own `/proc`. A regular file (or
/// directory) may be reopened for writing only if the guest could write to
/// it already: the host's files stay read-only otherwise.
pub(crate) fn reopen_host(file: &OpenFile, flags: i32) -> VfsResult<Arc<OpenFile>> {
    let fd = file.ops().host_meta_fd().ok_or(Errno::ENXIO)?;
    let st = fstat(fd)?;
    let acc = flags & libc::O_ACCMODE;
    let plain = matches!(st.st_mode & libc::S_IFMT, libc::S_IFREG | libc::S_IFDIR);
    if plain && acc != libc::O_RDONLY && file.access_mode() == libc::O_RDONLY {
        return Err(Errno::EROFS);
    }
    let keep = libc::O_ACCMODE | libc::O_APPEND | libc::O_NONBLOCK | libc::O_TRUNC;
    let path = cstr(format!("/proc/self/fd/{}", fd.as_raw_fd()).as_bytes())?;
    // SAFETY: `path` is NUL-terminated; the flags never create a file.
    let raw = unsafe {
        libc::open(
            path.as_ptr(),
            (flags & keep) | libc::O_CLOEXEC | libc::O_NOCTTY,
        )
    };
    if raw < 0 {
        return Err(host_errno());
    }
    // SAFETY: `raw` was just returned by open and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    Ok(host_stdio(fd, flags, file.path().to_vec()))
}

/// Opens the host terminal device at `path` (`/dev/tty`, `/dev/ptmx`)
/// with access mode `acc`, never as a controlling terminal of Trapline.
pub(crate) fn open_terminal(path: &[u8], acc: i32) -> VfsResult<Arc<dyn FileOps>> {
    let p = cstr(path)?;
    // SAFETY: `p` is NUL-terminated; the flags never create a file.
    let raw = unsafe { libc::open(p.as_ptr(), acc | libc::O_CLOEXEC | libc::O_NOCTTY) };
    if raw < 0 {
        return Err(host_errno());
    }
    // SAFETY: `raw` was just returned by open and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    Ok(Arc::new(HostFile::new(fd, false, false)))
}
