//! Open file descriptions (`OpenFile`) and the operations a file system
//! provides for them (`FileOps`).

use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::locks::{self, FileKey, FileLocks, LockKind, LockOwner, RecordLock};
use crate::mount::Location;
use crate::notify::{WatchPoint, IN_ACCESS, IN_CLOSE_NOWRITE, IN_CLOSE_WRITE, IN_MODIFY};
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
    /// What `FIONREAD` answers, for files that have an answer of their
    /// own (inotify's queued bytes).
    fn readable_bytes(&self) -> Option<usize> {
        None
    }
    /// The inotify instance, for an inotify file.
    fn inotify(&self) -> Option<&Arc<crate::notify::Inotify>> {
        None
    }
    fn is_dir(&self) -> bool {
        false
    }
    /// The pipe this is an end of (how `fcntl` and `ioctl` reach it).
    fn pipe(&self) -> Option<&Arc<crate::pipe::Pipe>> {
        None
    }
    /// The object behind a file that another crate implements (the
    /// kernel's pidfds), so that its syscalls can find it again.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
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
    /// `fallocate` on a regular file open for writing, its arguments
    /// checked: `EOPNOTSUPP` for a file system without it.
    fn fallocate(&self, _mode: i32, _off: u64, _len: u64) -> VfsResult<()> {
        Err(Errno::EOPNOTSUPP)
    }
    /// Whether `sendfile` and `splice` may read it (Linux's
    /// `splice_read`): files with positions, but for directories.
    fn splice_read(&self) -> bool {
        self.seekable() && !self.is_dir()
    }
    /// `F_GET_SEALS`: only tmpfs files (memfds among them) have seals.
    fn seals(&self) -> VfsResult<u32> {
        Err(Errno::EINVAL)
    }
    /// `F_ADD_SEALS`, the open file's access already checked.
    fn add_seals(&self, _seals: u32) -> VfsResult<()> {
        Err(Errno::EINVAL)
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
    /// The file's locks, once this open file has locked or tested.
    locks: OnceLock<Arc<FileLocks>>,
    /// Where its reads, writes and close raise inotify events (files
    /// opened by path).
    pub(crate) watch: OnceLock<WatchPoint>,
}

/// What a `struct flock` asks for (`F_SETLK`, `F_GETLK` and the `F_OFD_*`
/// commands), as the guest gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockRequest {
    pub l_type: i16,
    pub l_whence: i16,
    pub l_start: i64,
    pub l_len: i64,
    pub l_pid: i32,
}

/// `F_RDLCK`, `F_WRLCK` or `F_UNLCK` (`None`); `EINVAL` for others.
fn lock_kind(l_type: i16) -> VfsResult<Option<LockKind>> {
    match i32::from(l_type) {
        libc::F_RDLCK => Ok(Some(LockKind::Read)),
        libc::F_WRLCK => Ok(Some(LockKind::Write)),
        libc::F_UNLCK => Ok(None),
        _ => Err(Errno::EINVAL),
    }
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

    /// An anonymous-inode file (`crate::anon`): not made by `open`, so,
    /// as on Linux, only the access mode and `O_NONBLOCK` of `flags` are
    /// kept (no `O_LARGEFILE`).
    pub fn anonymous(ops: Arc<dyn FileOps>, flags: i32, kind: &str) -> Arc<OpenFile> {
        let file = OpenFile::new(ops, 0, crate::anon::anon_inode_path(kind), None);
        file.flags.store(
            flags & (libc::O_ACCMODE | libc::O_NONBLOCK),
            Ordering::Relaxed,
        );
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
            locks: OnceLock::new(),
            watch: OnceLock::new(),
        })
    }

    /// Raises an inotify event for this file, if it was opened by path.
    pub(crate) fn raise(&self, event: u32) {
        if let Some(w) = self.watch.get() {
            w.raise(event);
        }
    }

    pub fn ops(&self) -> &Arc<dyn FileOps> {
        &self.ops
    }

    fn flags(&self) -> i32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Whether it was opened with `O_PATH` (most calls answer `EBADF`).
    pub fn is_path_only(&self) -> bool {
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
        let n = if self.ops.seekable() {
            let mut pos = lock(&self.pos);
            self.ops.read(buf, &mut pos)?
        } else {
            self.ops.read(buf, &mut 0)?
        };
        if n > 0 {
            self.raise(IN_ACCESS);
        }
        Ok(n)
    }

    /// `write`: honours `O_APPEND`; `EBADF` unless writable.
    pub fn write(&self, buf: &[u8]) -> VfsResult<usize> {
        if !self.can_write() {
            return Err(Errno::EBADF);
        }
        let append = self.flags() & libc::O_APPEND != 0;
        let n = if self.ops.seekable() {
            let mut pos = lock(&self.pos);
            self.ops.write(buf, &mut pos, append)?
        } else {
            self.ops.write(buf, &mut 0, append)?
        };
        if n > 0 {
            self.raise(IN_MODIFY);
        }
        Ok(n)
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
        let n = self
            .ops
            .pwrite(buf, off, self.flags() & libc::O_APPEND != 0)?;
        if n > 0 {
            self.raise(IN_MODIFY);
        }
        Ok(n)
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
        self.ops.truncate(len)?;
        self.raise(IN_MODIFY);
        Ok(())
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

    /// Open for reading (Linux's `FMODE_READ`; not for `O_PATH` files).
    pub fn is_readable(&self) -> bool {
        self.can_read()
    }

    /// Open for writing (Linux's `FMODE_WRITE`; not for `O_PATH` files).
    pub fn is_writable(&self) -> bool {
        self.can_write()
    }

    /// Whether it has a position (`pread`/`pwrite` work; Linux's
    /// `FMODE_PREAD`/`FMODE_PWRITE`).
    pub fn is_seekable(&self) -> bool {
        self.ops.seekable()
    }

    /// Whether `sendfile` and `splice` may read from it.
    pub fn can_splice_read(&self) -> bool {
        !self.is_path_only() && self.ops.splice_read()
    }

    /// The position (0 for streams).
    pub fn position(&self) -> u64 {
        *lock(&self.pos)
    }

    /// Sets the position (of a file that has one), as a splice moves it.
    pub fn set_position(&self, pos: u64) {
        *lock(&self.pos) = pos;
    }

    /// `fallocate`, with the checks of Linux's `vfs_fallocate` in its
    /// order: `EINVAL` for a bad offset or length, `EOPNOTSUPP` for an
    /// unknown or ill-formed mode, `EBADF` unless open for writing, then by
    /// file type `ESPIPE` (pipes), `EISDIR`, `ENODEV` (not a regular file),
    /// and `EFBIG` past the largest file size.
    pub fn fallocate(&self, mode: i32, off: i64, len: i64) -> VfsResult<()> {
        use libc::{
            FALLOC_FL_COLLAPSE_RANGE as COLLAPSE, FALLOC_FL_INSERT_RANGE as INSERT,
            FALLOC_FL_KEEP_SIZE as KEEP_SIZE, FALLOC_FL_PUNCH_HOLE as PUNCH,
            FALLOC_FL_UNSHARE_RANGE as UNSHARE, FALLOC_FL_ZERO_RANGE as ZERO,
        };
        /// FALLOC_FL_WRITE_ZEROES (Linux 6.17), not in libc yet.
        const WRITE_ZEROES: i32 = 0x80;
        const MODE_MASK: i32 = PUNCH | COLLAPSE | ZERO | INSERT | UNSHARE | WRITE_ZEROES;
        self.not_path()?;
        if off < 0 || len <= 0 {
            return Err(Errno::EINVAL);
        }
        if mode & !(MODE_MASK | KEEP_SIZE) != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        let well_formed = match mode & MODE_MASK {
            0 | UNSHARE | ZERO => true,
            PUNCH => mode & KEEP_SIZE != 0,
            COLLAPSE | INSERT | WRITE_ZEROES => mode & KEEP_SIZE == 0,
            _ => false,
        };
        if !well_formed {
            return Err(Errno::EOPNOTSUPP);
        }
        if !self.can_write() {
            return Err(Errno::EBADF);
        }
        match self.ops.stat()?.mode & libc::S_IFMT {
            libc::S_IFIFO => return Err(Errno::ESPIPE),
            libc::S_IFDIR => return Err(Errno::EISDIR),
            libc::S_IFREG => {}
            _ => return Err(Errno::ENODEV),
        }
        off.checked_add(len).ok_or(Errno::EFBIG)?;
        self.ops.fallocate(mode, off as u64, len as u64)
    }

    /// `F_GET_SEALS`: `EINVAL` for files that cannot be sealed.
    pub fn seals(&self) -> VfsResult<u32> {
        self.not_path()?;
        self.ops.seals()
    }

    /// `F_ADD_SEALS`: `EPERM` unless open for writing (checked first, as
    /// Linux does), `EINVAL` for files that cannot be sealed.
    pub fn add_seals(&self, seals: u32) -> VfsResult<()> {
        self.not_path()?;
        if !self.can_write() {
            return Err(Errno::EPERM);
        }
        self.ops.add_seals(seals)
    }

    /// Which file this is, for locks.
    fn lock_key(&self) -> VfsResult<FileKey> {
        let st = self.ops.stat()?;
        Ok(FileKey {
            host: self.ops.host_meta_fd().is_some(),
            dev: st.dev,
            ino: st.ino,
        })
    }

    /// The file's locks (kept, so they outlive no open file using them).
    fn locks(&self) -> VfsResult<&Arc<FileLocks>> {
        if let Some(l) = self.locks.get() {
            return Ok(l);
        }
        let l = FileLocks::of(self.lock_key()?);
        Ok(self.locks.get_or_init(|| l))
    }

    /// This open file as a lock owner (flock and OFD locks).
    fn owner_id(&self) -> usize {
        self as *const OpenFile as usize
    }

    /// The process `pid` closed an fd of this file: its record locks on
    /// the file go (Linux's `locks_remove_posix`).
    pub(crate) fn release_process_locks(&self, pid: i32) {
        match self.locks.get() {
            Some(l) => l.release_owner(LockOwner::Process(pid)),
            None => locks::release_process(|| self.lock_key(), pid),
        }
    }

    /// `flock`: `kind` `None` unlocks; `EWOULDBLOCK` when another open
    /// file's lock is in the way and not `wait`. `EBADF` for a file open
    /// neither for reading nor for writing (but for unlocking).
    pub fn flock(&self, kind: Option<LockKind>, wait: bool) -> VfsResult<()> {
        self.not_path()?;
        if kind.is_some() && !self.can_read() && !self.can_write() {
            return Err(Errno::EBADF);
        }
        self.locks()?.flock(self.owner_id(), kind, wait)
    }

    /// The owner and byte range of a record-lock request: the calling
    /// process `pid`, or this open file for the `F_OFD_*` commands
    /// (`pid` `None`), whose `l_pid` must be 0.
    fn record_request(
        &self,
        pid: Option<i32>,
        req: &LockRequest,
    ) -> VfsResult<(LockOwner, Option<LockKind>, u64, u64)> {
        self.not_path()?;
        let pos = *lock(&self.pos);
        let size = if i32::from(req.l_whence) == libc::SEEK_END {
            u64::try_from(self.ops.stat()?.size).unwrap_or(0)
        } else {
            0
        };
        let (start, end) = locks::record_range(req.l_whence, req.l_start, req.l_len, pos, size)?;
        let kind = lock_kind(req.l_type)?;
        let owner = match pid {
            Some(p) => LockOwner::Process(p),
            None => LockOwner::File(self.owner_id()),
        };
        Ok((owner, kind, start, end))
    }

    /// `F_SETLK`/`F_SETLKW` (`pid` the caller) and `F_OFD_SETLK`/
    /// `F_OFD_SETLKW` (`pid` `None`): `EBADF` for a read lock on a file
    /// not open for reading, or a write lock on one not open for writing;
    /// `EAGAIN` when another owner's lock is in the way and not `wait`.
    pub fn set_record_lock(
        &self,
        pid: Option<i32>,
        req: &LockRequest,
        wait: bool,
    ) -> VfsResult<()> {
        let (owner, kind, start, end) = self.record_request(pid, req)?;
        match kind {
            Some(LockKind::Read) if !self.can_read() => return Err(Errno::EBADF),
            Some(LockKind::Write) if !self.can_write() => return Err(Errno::EBADF),
            _ => {}
        }
        if pid.is_none() && req.l_pid != 0 {
            return Err(Errno::EINVAL);
        }
        self.locks()?.set(owner, kind, start, end, wait)
    }

    /// `F_GETLK` (`pid` the caller) and `F_OFD_GETLK` (`pid` `None`): the
    /// first lock in the way of the request, or `None`. `F_GETLK` must ask
    /// for a read or write lock; `F_OFD_GETLK` may ask with `F_UNLCK`,
    /// which finds this open file's own lock.
    pub fn test_record_lock(
        &self,
        pid: Option<i32>,
        req: &LockRequest,
    ) -> VfsResult<Option<RecordLock>> {
        let (owner, kind, start, end) = self.record_request(pid, req)?;
        if pid.is_some() && kind.is_none() {
            return Err(Errno::EINVAL);
        }
        if pid.is_none() && req.l_pid != 0 {
            return Err(Errno::EINVAL);
        }
        Ok(self.locks()?.test(owner, kind, start, end))
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

impl Drop for OpenFile {
    /// The last close: the open file's flock and OFD locks go.
    fn drop(&mut self) {
        if let Some(l) = self.locks.get() {
            l.release_file(self.owner_id());
        }
        if !self.is_path_only() {
            self.raise(if self.can_write() {
                IN_CLOSE_WRITE
            } else {
                IN_CLOSE_NOWRITE
            });
        }
    }
}

/// The entries of a directory made all at once (`/proc`, the kernel's
/// trees, an overlay's merged directories): kept, with a position being
/// an index, so positions stay valid while entries come and go; taken at
/// the first read and again at each read from the start (`rewinddir`).
#[derive(Default)]
pub(crate) struct DirSnapshot(Mutex<Option<Vec<DirEntry>>>);

impl DirSnapshot {
    /// `getdents` from `pos`, with `read` making the entries when a
    /// snapshot is due.
    pub fn getdents(
        &self,
        pos: &mut u64,
        sink: &mut dyn FnMut(&DirEntry) -> bool,
        read: impl FnOnce() -> VfsResult<Vec<DirEntry>>,
    ) -> VfsResult<()> {
        let mut snapshot = lock(&self.0);
        if *pos == 0 || snapshot.is_none() {
            *snapshot = Some(read()?);
        }
        let entries = snapshot.as_deref().unwrap_or_default();
        let start = usize::try_from(*pos).unwrap_or(usize::MAX);
        for (i, e) in entries.iter().enumerate().skip(start) {
            if !sink(e) {
                return Ok(());
            }
            *pos = i as u64 + 1;
        }
        Ok(())
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
