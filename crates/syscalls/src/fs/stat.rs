//! File metadata: the stat family, access checks, readlink.

use trapline_abi::structs::{Stat as StatBuf, Statx, StatxTimestamp};
use trapline_vfs::Stat;

use super::{fs_cred, lookup_base, read_path};
use crate::prelude::*;

fn encode_stat(s: &Stat) -> StatBuf {
    let mut b = StatBuf::zeroed();
    b.st_dev = s.dev;
    b.st_ino = s.ino;
    b.st_nlink = s.nlink;
    b.st_mode = s.mode;
    b.st_uid = s.uid;
    b.st_gid = s.gid;
    b.st_rdev = s.rdev;
    b.st_size = s.size;
    b.st_blksize = s.blksize;
    b.st_blocks = s.blocks;
    b.st_atime = s.atime.sec as u64;
    b.st_atime_nsec = s.atime.nsec as u64;
    b.st_mtime = s.mtime.sec as u64;
    b.st_mtime_nsec = s.mtime.nsec as u64;
    b.st_ctime = s.ctime.sec as u64;
    b.st_ctime_nsec = s.ctime.nsec as u64;
    b
}

/// Stats `path` relative to `dirfd`; an empty path with AT_EMPTY_PATH
/// means the file `dirfd` itself (or the cwd).
fn stat_at(task: &Task, dirfd: Fd, path: &[u8], flags: i32) -> Result<Stat, Errno> {
    if path.is_empty() {
        if flags & libc::AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if dirfd.0 != libc::AT_FDCWD {
            return lock(&task.process.fds).get(dirfd.0)?.stat();
        }
        return stat_at(task, dirfd, b".", flags);
    }
    let base = lookup_base(task, dirfd, path)?;
    let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
    let cred = fs_cred(task);
    let fs = lock(&task.process.fs);
    task.kernel
        .vfs
        .stat(&fs, base.as_deref(), path, follow, &cred)
}

fn put_stat(task: &Task, buf: UserAddr, s: &Stat) -> SysResult {
    write_obj(&task.mem(), buf.0, &encode_stat(s))?;
    Ok(0)
}

syscall! {
    Implemented => fn fstat(task, fd: Fd, statbuf: UserAddr) -> SysResult {
        let s = lock(&task.process.fds).get(fd.0)?.stat()?;
        put_stat(task, statbuf, &s)
    }
}

syscall! {
    Implemented => fn stat(task, filename: UserAddr, statbuf: UserAddr) -> SysResult {
        let path = read_path(task, filename)?;
        let s = stat_at(task, Fd(libc::AT_FDCWD), &path, 0)?;
        put_stat(task, statbuf, &s)
    }
}

syscall! {
    Implemented => fn lstat(task, filename: UserAddr, statbuf: UserAddr) -> SysResult {
        let path = read_path(task, filename)?;
        let s = stat_at(task, Fd(libc::AT_FDCWD), &path, libc::AT_SYMLINK_NOFOLLOW)?;
        put_stat(task, statbuf, &s)
    }
}

const STAT_FLAGS: i32 = libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH | libc::AT_NO_AUTOMOUNT;

syscall! {
    Implemented => fn newfstatat(task, dfd: Fd, filename: UserAddr, statbuf: UserAddr, flag: i32) -> SysResult {
        if flag & !STAT_FLAGS != 0 {
            return Err(Errno::EINVAL);
        }
        let path = read_path(task, filename)?;
        let s = stat_at(task, dfd, &path, flag)?;
        put_stat(task, statbuf, &s)
    }
}

const AT_STATX_SYNC_TYPE: i32 = 0x6000;
const STATX_BASIC_STATS: u32 = 0x7ff;
const STATX_BTIME: u32 = 0x800;
const STATX_MNT_ID: u32 = 0x1000;
const STATX_RESERVED: u32 = 0x8000_0000;

fn ts(t: &trapline_vfs::Timespec) -> StatxTimestamp {
    StatxTimestamp {
        tv_sec: t.sec,
        tv_nsec: t.nsec as u32,
        __reserved: 0,
    }
}

syscall! {
    Implemented => fn statx(task, dfd: Fd, filename: UserAddr, flags: i32, mask: u32, buffer: UserAddr) -> SysResult {
        if flags & !(STAT_FLAGS | AT_STATX_SYNC_TYPE) != 0
            || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
            || mask & STATX_RESERVED != 0
        {
            return Err(Errno::EINVAL);
        }
        let path = read_path(task, filename)?;
        let s = stat_at(task, dfd, &path, flags)?;
        let mut x = Statx::zeroed();
        x.stx_mask = STATX_BASIC_STATS | STATX_MNT_ID | if s.btime.is_some() { STATX_BTIME } else { 0 };
        x.stx_blksize = s.blksize as u32;
        x.stx_nlink = s.nlink as u32;
        x.stx_uid = s.uid;
        x.stx_gid = s.gid;
        x.stx_mode = s.mode as u16;
        x.stx_ino = s.ino;
        x.stx_size = s.size as u64;
        x.stx_blocks = s.blocks as u64;
        x.stx_atime = ts(&s.atime);
        x.stx_mtime = ts(&s.mtime);
        x.stx_ctime = ts(&s.ctime);
        if let Some(b) = &s.btime {
            x.stx_btime = ts(b);
        }
        x.stx_rdev_major = libc::major(s.rdev);
        x.stx_rdev_minor = libc::minor(s.rdev);
        x.stx_dev_major = libc::major(s.dev);
        x.stx_dev_minor = libc::minor(s.dev);
        x.stx_mnt_id = s.mnt_id;
        write_obj(&task.mem(), buffer.0, &x)?;
        Ok(0)
    }
}

fn do_access(task: &Task, dirfd: Fd, filename: UserAddr, mode: i32, flags: i32) -> SysResult {
    if mode & !(libc::R_OK | libc::W_OK | libc::X_OK) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & !(libc::AT_EACCESS | libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(task, filename)?;
    let base = lookup_base(task, dirfd, &path)?;
    let creds = lock(&task.process.creds).clone();
    // access(2) checks with the real ids unless AT_EACCESS.
    let effective = flags & libc::AT_EACCESS != 0;
    let mut cred = creds.fs_cred();
    if !effective {
        cred.uid = creds.uid;
        cred.gid = creds.gid;
    }
    let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
    let fs = lock(&task.process.fs);
    task.kernel
        .vfs
        .access(&fs, base.as_deref(), &path, mode, follow, effective, &cred)?;
    Ok(0)
}

syscall! {
    Implemented => fn access(task, filename: UserAddr, mode: i32) -> SysResult {
        do_access(task, Fd(libc::AT_FDCWD), filename, mode, 0)
    }
}

syscall! {
    Implemented => fn faccessat(task, dfd: Fd, filename: UserAddr, mode: i32) -> SysResult {
        do_access(task, dfd, filename, mode, 0)
    }
}

syscall! {
    Implemented => fn faccessat2(task, dfd: Fd, filename: UserAddr, mode: i32, flags: i32) -> SysResult {
        do_access(task, dfd, filename, mode, flags)
    }
}

fn do_readlink(task: &Task, dirfd: Fd, path: UserAddr, buf: UserAddr, bufsiz: i32) -> SysResult {
    let path = read_path(task, path)?;
    if bufsiz <= 0 {
        return Err(Errno::EINVAL);
    }
    let base = lookup_base(task, dirfd, &path)?;
    let cred = fs_cred(task);
    let target = {
        let fs = lock(&task.process.fs);
        task.kernel
            .vfs
            .readlink(&fs, base.as_deref(), &path, &cred)?
    };
    let n = target.len().min(bufsiz as usize);
    task.mem().write(buf.0, &target[..n])?;
    Ok(n as u64)
}

syscall! {
    Implemented => fn readlink(task, path: UserAddr, buf: UserAddr, bufsiz: i32) -> SysResult {
        do_readlink(task, Fd(libc::AT_FDCWD), path, buf, bufsiz)
    }
}

syscall! {
    Implemented => fn readlinkat(task, dfd: Fd, path: UserAddr, buf: UserAddr, bufsiz: i32) -> SysResult {
        do_readlink(task, dfd, path, buf, bufsiz)
    }
}
