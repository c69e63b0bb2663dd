//! open, openat, creat, close, close_range.

use super::{fs_cred, lookup_base, nofile, read_path};
use crate::prelude::*;

/// What open, openat and creat lack.
const OPEN_NOTE: &str =
    "host device files, fifos and sockets cannot be written unless they are terminals (EROFS); in a writable bind, fifos open non-blocking and device files are refused (EACCES, nodev)";

/// Opens `path` relative to `dirfd` and installs it as the lowest free fd.
fn do_open(task: &mut Task, dirfd: Fd, path: UserAddr, flags: i32, mode: u32) -> SysResult {
    do_open_resolve(task, dirfd, path, flags, mode, 0)
}

/// `do_open` with `openat2`'s `RESOLVE_*` flags.
fn do_open_resolve(
    task: &mut Task,
    dirfd: Fd,
    path: UserAddr,
    flags: i32,
    mode: u32,
    resolve: u64,
) -> SysResult {
    let path = read_path(task, path)?;
    // A scoped lookup is anchored at dirfd even for an absolute path.
    let scoped = resolve & (trapline_vfs::RESOLVE_BENEATH | trapline_vfs::RESOLVE_IN_ROOT) != 0;
    let base = if scoped && dirfd.0 != libc::AT_FDCWD {
        lookup_base(task, dirfd, b".")?
    } else {
        lookup_base(task, dirfd, &path)?
    };
    let cred = fs_cred(task);
    let file = {
        let fs = lock(&task.process.fs);
        task.kernel.vfs.open_resolve(
            &fs,
            base.as_deref(),
            &path,
            flags,
            mode & 0o7777,
            resolve,
            &cred,
        )?
    };
    let limit = nofile(task);
    let fd = lock(&task.process.fds).insert(file, flags & libc::O_CLOEXEC != 0, 0, limit)?;
    Ok(fd as u64)
}

syscall! {
    Partial(OPEN_NOTE)
    => fn openat(task, dirfd: Fd, filename: UserAddr, flags: i32, mode: u32) -> SysResult {
        do_open(task, dirfd, filename, flags, mode)
    }
}

/// `struct open_how`'s size in its first version.
const OPEN_HOW_SIZE_VER0: u64 = 24;
/// The open flags `openat2` accepts (it refuses unknown ones, unlike open).
const VALID_OPEN_FLAGS: u64 = (libc::O_ACCMODE
    | libc::O_CREAT
    | libc::O_EXCL
    | libc::O_NOCTTY
    | libc::O_TRUNC
    | libc::O_APPEND
    | libc::O_NONBLOCK
    | libc::O_SYNC
    | libc::O_DSYNC
    | libc::O_ASYNC
    | libc::O_DIRECT
    | libc::O_LARGEFILE
    | libc::O_DIRECTORY
    | libc::O_NOFOLLOW
    | libc::O_NOATIME
    | libc::O_CLOEXEC
    | libc::O_PATH
    | libc::O_TMPFILE) as u64;
const O_PATH_FLAGS: u64 =
    (libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_PATH | libc::O_CLOEXEC) as u64;
const VALID_RESOLVE_FLAGS: u64 = trapline_vfs::RESOLVE_NO_XDEV
    | trapline_vfs::RESOLVE_NO_MAGICLINKS
    | trapline_vfs::RESOLVE_NO_SYMLINKS
    | trapline_vfs::RESOLVE_BENEATH
    | trapline_vfs::RESOLVE_IN_ROOT
    | trapline_vfs::RESOLVE_CACHED;

/// Reads and checks a `struct open_how` of `size` bytes as Linux's
/// `copy_struct_from_user` and `build_open_flags` do: (flags, mode,
/// resolve).
fn read_open_how(task: &Task, how: UserAddr, size: u64) -> Result<(i32, u32, u64), Errno> {
    if size < OPEN_HOW_SIZE_VER0 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    let mut raw = vec![0u8; size as usize];
    task.mem().read(how.0, &mut raw)?;
    if raw[OPEN_HOW_SIZE_VER0 as usize..].iter().any(|&b| b != 0) {
        return Err(Errno::E2BIG);
    }
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&raw[i * 8..i * 8 + 8]);
        u64::from_ne_bytes(w)
    };
    let (flags, mode, resolve) = (word(0), word(1), word(2));
    if flags & !VALID_OPEN_FLAGS != 0 || resolve & !VALID_RESOLVE_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    let scoped = trapline_vfs::RESOLVE_BENEATH | trapline_vfs::RESOLVE_IN_ROOT;
    if resolve & scoped == scoped {
        return Err(Errno::EINVAL);
    }
    let tmpfile = libc::O_TMPFILE as u64;
    let creates = flags & (libc::O_CREAT as u64) != 0 || flags & tmpfile == tmpfile;
    if (creates && mode & !0o7777 != 0) || (!creates && mode != 0) {
        return Err(Errno::EINVAL);
    }
    if flags & (libc::O_PATH as u64) != 0 && flags & !O_PATH_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    let no_io =
        (libc::O_TRUNC | libc::O_CREAT) as u64 | (libc::O_TMPFILE & !libc::O_DIRECTORY) as u64;
    if resolve & trapline_vfs::RESOLVE_CACHED != 0 && flags & no_io != 0 {
        return Err(Errno::EAGAIN);
    }
    Ok((flags as i32, mode as u32, resolve))
}

syscall! {
    Partial(OPEN_NOTE)
    => fn openat2(task, dfd: Fd, filename: UserAddr, how: UserAddr, usize: u64) -> SysResult {
        let (flags, mode, resolve) = read_open_how(task, how, usize)?;
        do_open_resolve(task, dfd, filename, flags, mode, resolve)
    }
}

syscall! {
    Partial(OPEN_NOTE)
    => fn open(task, filename: UserAddr, flags: i32, mode: u32) -> SysResult {
        do_open(task, Fd(libc::AT_FDCWD), filename, flags, mode)
    }
}

syscall! {
    Partial(OPEN_NOTE)
    => fn creat(task, pathname: UserAddr, mode: u32) -> SysResult {
        let flags = libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC;
        do_open(task, Fd(libc::AT_FDCWD), pathname, flags, mode)
    }
}

syscall! {
    Implemented => fn close(task, fd: Fd) -> SysResult {
        lock(&task.process.fds).remove(fd.0)?;
        Ok(0)
    }
}

const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

syscall! {
    Implemented => fn close_range(task, first: u32, last: u32, flags: u32) -> SysResult {
        if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
            return Err(Errno::EINVAL);
        }
        // The fd table is not shared between processes yet, so UNSHARE has
        // nothing to do.
        // The closed files are dropped after the table is unlocked.
        let closed = lock(&task.process.fds).close_range(first, last, flags & CLOSE_RANGE_CLOEXEC != 0);
        drop(closed);
        Ok(0)
    }
}
