//! Open file descriptions (`OpenFile`) and the operations a file system
//! provides for them (`FileOps`).

use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use crate::mount::Location;
use crate::stat::Stat;
use crate::statfs::{StatFs, ANON_INODE_FS_MAGIC};
use crate::{lock, Errno, VfsResult};

/// One directory entry as `getdents64` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: u64,
    /// The `d_off` to store: the position after this entry.
    pub off: i64,
    /// `DT_*`.
    pub kind: u8,
    pub name: Vec<u8>,
}

impl DirEntry {
    /// The record length of this entry in a `linux_dirent64` buffer.
    pub fn dirent64_len(&self) -> usize {
        // d_ino (8) + d_off (8) + d_reclen (2) + d_type (1) + name + NUL,
        // rounded up to 8.
        (19 + self.name.len() + 1 + 7) & !7
    }
}

/// What a file system does for an open file. Defaults answer what Linux
/// answers for a file without that operation.
pub trait FileOps: Send + Sync {
    /// Whether the file has a position: `pread`/`pwrite`/`lseek` work and
    /// `read`/`write` are serialised under the open file's position lock.
    /// Streams (pipes, sockets, terminals) say no, so a blocking read holds
    /// no lock.
    fn seekable(&self) -> bool {
        false
    }
    /// Reads at `*pos` (ignored by streams) and advances it. Directories
    /// are not read this way (EISDIR).
    fn read(&self, _buf: &mut [u8], _pos: &mut u64) -> VfsResult<usize> {
        Err(if self.is_dir() {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        })
    }
    /// Writes at `*pos`, or at the end when `append`, and leaves `*pos`
    /// after the written bytes.
    fn write(&self, _buf: &[u8], _pos: &mut u64, _append: bool) -> VfsResult<usize> {
        Err(Errno::EINVAL)
    }
    fn pread(&self, _buf: &mut [u8], _off: u64) -> VfsResult<usize> {
        Err(if self.is_dir() {
            Errno::EISDIR
        } else {
            Errno::ESPIPE
        })
    }
    /// Writes at `off`, or at the end when `append` (Linux's `O_APPEND`
    /// rule for `pwrite`).
    fn pwrite(&self, _buf: &[u8], _off: u64, _append: bool) -> VfsResult<usize> {
        Err(Errno::ESPIPE)
    }
    /// `lseek`; `whence` is already known to be 0..=4.
    fn seek(&self, _pos: &mut u64, _off: i64, _whence: i32) -> VfsResult<u64> {
        Err(Errno::ESPIPE)
    }
    fn stat(&self) -> VfsResult<Stat>;
    /// Feeds entries from `*pos` to `sink` until it refuses one (returns
    /// false) or the directory ends; `*pos` is left after the last entry
    /// the sink accepted.
    fn getdents(&self, _pos: &mut u64, _sink: &mut dyn FnMut(&DirEntry) -> bool) -> VfsResult<()> {
        Err(Errno::ENOTDIR)
    }
    /// `ftruncate`.
    fn truncate(&self, _len: u64) -> VfsResult<()> {
        Err(Errno::EINVAL)
    }
    /// `fsync`/`fdatasync`: `EINVAL` for files without one (pipes,
    /// sockets, character devices), as on Linux.
    fn fsync(&self) -> VfsResult<()> {
        Err(Errno::EINVAL)
    }
    /// `fstatfs` of a file outside the mount tree: by default what Linux
    /// reports for an anonymous inode; pipes and sockets answer with
    /// `StatFs::pseudo(PIPEFS_MAGIC)` or `SOCKFS_MAGIC`.
    fn statfs(&self) -> VfsResult<StatFs> {
        Ok(StatFs::pseudo(ANON_INODE_FS_MAGIC))
    }
    /// A host fd whose metadata (extended attributes, file-system
    /// statistics) are this file's: host files and directories.
    fn host_meta_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
    fn is_dir(&self) -> bool {
        false
    }
    /// The pipe this is an end of (how `fcntl` and `ioctl` reach it).
    fn pipe(&self) -> Option<&Arc<crate::pipe::Pipe>> {
        None
    }
    /// The poll(2) events ready now (`POLLIN`, `POLLOUT`, `POLLHUP`,
    /// `POLLERR`): regular files, directories and devices are always ready.
    fn poll(&self) -> i16 {
        libc::POLLIN | libc::POLLOUT | libc::POLLRDNORM | libc::POLLWRNORM
    }
    fn is_terminal(&self) -> bool {
        false
    }
    fn tcgets(&self) -> VfsResult<libc::termios> {
        Err(Errno::ENOTTY)
    }
    fn winsize(&self) -> VfsResult<libc::winsize> {
        Err(Errno::ENOTTY)
    }
    /// A terminal request of `pty::tty_ioctl_arg`: `value` is the argument
    /// for `TtyArg::Value`, `input` the bytes for `TtyArg::In`; returns
    /// the result and the bytes for `TtyArg::Out`.
    fn tty_ioctl(&self, _req: u64, _value: u64, _input: &[u8]) -> VfsResult<(i64, Vec<u8>)> {
        Err(Errno::ENOTTY)
    }
    /// A host fd the kernel can map into the guest (host file or memfd).
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
}

/// The status flags `F_SETFL` may change.
const SETFL_MASK: i32 =
    libc::O_APPEND | libc::O_NONBLOCK | libc::O_ASYNC | libc::O_DIRECT | libc::O_NOATIME;

/// The `f_flags` Linux keeps from `open` flags: creation flags and
/// `O_CLOEXEC` dropped, `O_LARGEFILE` added (64-bit).
pub(crate) fn file_flags(flags: i32) -> i32 {
    let dropped = libc::O_CREAT | libc::O_EXCL | libc::O_NOCTTY | libc::O_TRUNC | libc::O_CLOEXEC;
    // The kernel's O_LARGEFILE: libc's is 0 on 64-bit user space.
    (flags & !dropped) | trapline_abi::raw::general::O_LARGEFILE as i32
}

/// An open file description: shared by fds made with `dup` and by `fork`.
pub struct OpenFile {
    ops: Arc<dyn FileOps>,
    flags: AtomicI32,
    pos: Mutex<u64>,
    path: Vec<u8>,
    /// Where it is in the mount tree, for `*at` lookups, `fchdir` and
    /// `stat`'s mount id. `None` for pipes, sockets and host stdio.
    pub(crate) loc: Option<Location>,
}

impl std::fmt::Debug for OpenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenFile")
            .field("path", &String::from_utf8_lossy(&self.path))
            .field(
                "flags",
                &format_args!("{:#o}", self.flags.load(Ordering::Relaxed)),
            )
            .finish()
    }
}

impl OpenFile {
    /// An open file for `ops` (pipes, sockets, ...): `flags` as given to
    /// `open` (access mode and status flags). Unlike files opened by path,
    /// these do not get `O_LARGEFILE` (Linux's `pipe2` and `socket` do
    /// not set it).
    pub fn from_ops(ops: Arc<dyn FileOps>, flags: i32, path: Vec<u8>) -> Arc<OpenFile> {
        let file = OpenFile::new(ops, flags, path, None);
        let large = trapline_abi::raw::general::O_LARGEFILE as i32;
        if flags & large == 0 {
            file.flags.fetch_and(!large, Ordering::Relaxed);
        }
        file
    }

    pub(crate) fn new(
        ops: Arc<dyn FileOps>,
        flags: i32,
        path: Vec<u8>,
        loc: Option<Location>,
    ) -> Arc<OpenFile> {
        Arc::new(OpenFile {
            ops,
            flags: AtomicI32::new(file_flags(flags)),
            pos: Mutex::new(0),
            path,
            loc,
        })
    }

    pub fn ops(&self) -> &Arc<dyn FileOps> {
        &self.ops
    }

    fn flags(&self) -> i32 {
        self.flags.load(Ordering::Relaxed)
    }

    pub(crate) fn is_path_only(&self) -> bool {
        self.flags() & libc::O_PATH != 0
    }

    fn can_read(&self) -> bool {
        let acc = self.access_mode();
        !self.is_path_only() && (acc == libc::O_RDONLY || acc == libc::O_RDWR)
    }

    fn can_write(&self) -> bool {
        let acc = self.access_mode();
        !self.is_path_only() && (acc == libc::O_WRONLY || acc == libc::O_RDWR)
    }

    fn not_path(&self) -> VfsResult<()> {
        if self.is_path_only() {
            Err(Errno::EBADF)
        } else {
            Ok(())
        }
    }

    /// `read`: uses and advances the position; `EBADF` unless readable.
    pub fn read(&self, buf: &mut [u8]) -> VfsResult<usize> {
        if !self.can_read() {
            return Err(Errno::EBADF);
        }
        if self.ops.seekable() {
            let mut pos = lock(&self.pos);
            self.ops.read(buf, &mut pos)
        } else {
            self.ops.read(buf, &mut 0)
        }
    }

    /// `write`: honours `O_APPEND`; `EBADF` unless writable.
    pub fn write(&self, buf: &[u8]) -> VfsResult<usize> {
        if !self.can_write() {
            return Err(Errno::EBADF);
        }
        let append = self.flags() & libc::O_APPEND != 0;
        if self.ops.seekable() {
            let mut pos = lock(&self.pos);
            self.ops.write(buf, &mut pos, append)
        } else {
            self.ops.write(buf, &mut 0, append)
        }
    }

    /// `pread64`: `EINVAL` for offsets past `i64::MAX`, `ESPIPE` on streams.
    pub fn pread(&self, buf: &mut [u8], off: u64) -> VfsResult<usize> {
        if i64::try_from(off).is_err() {
            return Err(Errno::EINVAL);
        }
        self.not_path()?;
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        if !self.can_read() {
            return Err(Errno::EBADF);
        }
        self.ops.pread(buf, off)
    }

    /// `pwrite64`; with `O_APPEND` it appends, as Linux does.
    pub fn pwrite(&self, buf: &[u8], off: u64) -> VfsResult<usize> {
        if i64::try_from(off).is_err() {
            return Err(Errno::EINVAL);
        }
        self.not_path()?;
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        if !self.can_write() {
            return Err(Errno::EBADF);
        }
        self.ops
            .pwrite(buf, off, self.flags() & libc::O_APPEND != 0)
    }

    /// `lseek`: `SEEK_SET/CUR/END/DATA/HOLE`.
    pub fn seek(&self, off: i64, whence: i32) -> VfsResult<u64> {
        self.not_path()?;
        if !(libc::SEEK_SET..=libc::SEEK_HOLE).contains(&whence) {
            return Err(Errno::EINVAL);
        }
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        let mut pos = lock(&self.pos);
        self.ops.seek(&mut pos, off, whence)
    }

    /// `fstat`; works on `O_PATH` files too.
    pub fn stat(&self) -> VfsResult<Stat> {
        let mut st = self.ops.stat()?;
        if let Some(loc) = &self.loc {
            st.mnt_id = loc.mount.id;
        }
        Ok(st)
    }

    /// Feeds directory entries from the position to `fits` until it
    /// refuses one (that entry is not consumed: the next call starts with
    /// it) or the directory ends. Entries include `.` and `..`.
    pub fn getdents_with(&self, fits: &mut dyn FnMut(&DirEntry) -> bool) -> VfsResult<()> {
        self.not_path()?;
        if !self.ops.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let mut pos = lock(&self.pos);
        self.ops.getdents(&mut pos, fits)
    }

    /// The entries whose `linux_dirent64` records fit in `max_bytes`, all
    /// consumed. Empty at the end of the directory; `EINVAL` if the next
    /// entry alone does not fit (what `getdents64` answers).
    pub fn getdents(&self, max_bytes: usize) -> VfsResult<Vec<DirEntry>> {
        let mut out = Vec::new();
        let mut used = 0usize;
        let mut refused = false;
        self.getdents_with(&mut |e| {
            let len = e.dirent64_len();
            if used + len > max_bytes {
                refused = true;
                return false;
            }
            used += len;
            out.push(e.clone());
            true
        })?;
        if out.is_empty() && refused {
            return Err(Errno::EINVAL);
        }
        Ok(out)
    }

    /// `ftruncate`: `EINVAL` unless open for writing (Linux's answer).
    pub fn truncate(&self, len: u64) -> VfsResult<()> {
        self.not_path()?;
        if i64::try_from(len).is_err() || !self.can_write() {
            return Err(Errno::EINVAL);
        }
        self.ops.truncate(len)
    }

    pub fn fsync(&self) -> VfsResult<()> {
        self.not_path()?;
        self.ops.fsync()
    }

    /// `TCGETS`: `ENOTTY` unless a host terminal.
    pub fn ioctl_tcgets(&self) -> VfsResult<libc::termios> {
        self.not_path()?;
        self.ops.tcgets()
    }

    /// `TIOCGWINSZ`: `ENOTTY` unless a host terminal.
    pub fn ioctl_winsize(&self) -> VfsResult<libc::winsize> {
        self.not_path()?;
        self.ops.winsize()
    }

    pub fn is_terminal(&self) -> bool {
        !self.is_path_only() && self.ops.is_terminal()
    }

    /// A host fd the kernel can map into the guest: a host file or a tmpfs
    /// file's memfd.
    pub fn host_fd_for_mmap(&self) -> Option<BorrowedFd<'_>> {
        if self.is_path_only() {
            return None;
        }
        self.ops.host_fd()
    }

    /// What `F_GETFL` returns: access mode and status flags.
    pub fn status_flags(&self) -> i32 {
        self.flags()
    }

    /// `F_SETFL`: only `O_APPEND O_NONBLOCK O_ASYNC O_DIRECT O_NOATIME` are
    /// taken from `flags`; the rest stays.
    pub fn set_status_flags(&self, flags: i32) {
        let _ = self
            .flags
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some((old & !SETFL_MASK) | (flags & SETFL_MASK))
            });
    }

    /// `O_RDONLY`, `O_WRONLY` or `O_RDWR` (or 3, which Linux allows).
    pub fn access_mode(&self) -> i32 {
        self.flags() & libc::O_ACCMODE
    }

    /// The absolute guest path it was opened by (symlinks resolved).
    pub fn path(&self) -> &[u8] {
        &self.path
    }

    /// A terminal request (see `FileOps::tty_ioctl`).
    pub fn tty_ioctl(&self, req: u64, value: u64, input: &[u8]) -> VfsResult<(i64, Vec<u8>)> {
        self.ops.tty_ioctl(req, value, input)
    }

    /// The file position (`/proc/PID/fdinfo`).
    pub fn position(&self) -> u64 {
        *lock(&self.pos)
    }

    /// The id of the mount it was opened on (0 for pipes, sockets and
    /// the host's stdio).
    pub fn mount_id(&self) -> u64 {
        self.loc.as_ref().map_or(0, |l| l.mount.id)
    }

    /// Whether its file was removed from the tree since it was opened.
    pub fn is_unlinked(&self) -> bool {
        matches!(&self.loc, Some(l) if matches!(&l.node, crate::node::Node::Tmpfs(i) if i.is_unlinked()))
    }

    /// The poll(2) events ready on this file now.
    pub fn poll(&self) -> i16 {
        self.ops.poll()
    }

    pub fn is_dir(&self) -> bool {
        self.ops.is_dir()
    }
}

/// `lseek` on a directory: positions are getdents cookies, so only
/// `SEEK_SET` and `SEEK_CUR` mean something.
pub(crate) fn dir_seek(pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
    match whence {
        libc::SEEK_SET | libc::SEEK_CUR => generic_seek(pos, off, whence, 0),
        _ => Err(Errno::EINVAL),
    }
}

/// `lseek` for a file of `size` bytes with the position in `*pos`.
pub fn generic_seek(pos: &mut u64, off: i64, whence: i32, size: u64) -> VfsResult<u64> {
    let size = i64::try_from(size).map_err(|_| Errno::EINVAL)?;
    let cur = i64::try_from(*pos).map_err(|_| Errno::EINVAL)?;
    let new = match whence {
        libc::SEEK_SET => Some(off),
        libc::SEEK_CUR => cur.checked_add(off),
        libc::SEEK_END => size.checked_add(off),
        libc::SEEK_DATA => {
            if off < 0 || off >= size {
                return Err(Errno::ENXIO);
            }
            Some(off)
        }
        libc::SEEK_HOLE => {
            if off < 0 || off >= size {
                return Err(Errno::ENXIO);
            }
            Some(size)
        }
        _ => None,
    };
    match new {
        Some(n) if n >= 0 => {
            *pos = n as u64;
            Ok(*pos)
        }
        _ => Err(Errno::EINVAL),
    }
}
