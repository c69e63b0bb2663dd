//! Changing attributes: the chmod, chown, truncate and utime families.
//! Host files are changed in the overlay (copied up first), or on the
//! host in a writable bind; other host device files answer `EROFS` and the
//! kernel's device nodes `EPERM`.

use trapline_abi::structs::{Timespec as KernelTimespec, Timeval};
use trapline_vfs::{TimeUpdate, Timespec};

use super::{fs_cred, lookup_base, read_path};
use crate::prelude::*;

// ---- chmod -------------------------------------------------------------

fn do_chmod(task: &Task, dirfd: Fd, filename: UserAddr, mode: u32) -> SysResult {
    let path = read_path(task, filename)?;
    let base = lookup_base(task, dirfd, &path)?;
    let cred = fs_cred(task);
    let fs = lock(&task.process.fs);
    task.kernel
        .vfs
        .chmod(&fs, base.as_deref(), &path, mode & 0o7777, true, &cred)?;
    Ok(0)
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn chmod(task, filename: UserAddr, mode: u32) -> SysResult {
        do_chmod(task, Fd(libc::AT_FDCWD), filename, mode)
    }
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn fchmodat(task, dfd: Fd, filename: UserAddr, mode: u32) -> SysResult {
        do_chmod(task, dfd, filename, mode)
    }
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn fchmod(task, fd: Fd, mode: u32) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        task.kernel.vfs.fchmod(&file, mode & 0o7777, &fs_cred(task))?;
        Ok(0)
    }
}

// ---- chown -------------------------------------------------------------

/// `-1` leaves an id unchanged.
fn id(v: u32) -> Option<u32> {
    (v != u32::MAX).then_some(v)
}

fn do_chown(
    task: &Task,
    dirfd: Fd,
    filename: UserAddr,
    user: u32,
    group: u32,
    flags: i32,
) -> SysResult {
    if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(task, filename)?;
    let cred = fs_cred(task);
    if path.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
        let base = empty_path_base(task, dirfd)?;
        let fs = lock(&task.process.fs);
        task.kernel
            .vfs
            .chown_empty_path(&fs, base.as_deref(), id(user), id(group), &cred)?;
        return Ok(0);
    }
    let base = lookup_base(task, dirfd, &path)?;
    let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
    let fs = lock(&task.process.fs);
    task.kernel.vfs.chown(
        &fs,
        base.as_deref(),
        &path,
        id(user),
        id(group),
        follow,
        &cred,
    )?;
    Ok(0)
}

/// The file an empty path with `AT_EMPTY_PATH` names: `dirfd` (any open
/// file, `O_PATH` too), or the cwd (`None`).
fn empty_path_base(
    task: &Task,
    dirfd: Fd,
) -> Result<Option<std::sync::Arc<trapline_vfs::OpenFile>>, Errno> {
    if dirfd.0 == libc::AT_FDCWD {
        return Ok(None);
    }
    Ok(Some(lock(&task.process.fds).get(dirfd.0)?))
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn chown(task, filename: UserAddr, user: u32, group: u32) -> SysResult {
        do_chown(task, Fd(libc::AT_FDCWD), filename, user, group, 0)
    }
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn lchown(task, filename: UserAddr, user: u32, group: u32) -> SysResult {
        do_chown(task, Fd(libc::AT_FDCWD), filename, user, group, libc::AT_SYMLINK_NOFOLLOW)
    }
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn fchownat(task, dfd: Fd, filename: UserAddr, user: u32, group: u32, flag: i32) -> SysResult {
        do_chown(task, dfd, filename, user, group, flag)
    }
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn fchown(task, fd: Fd, user: u32, group: u32) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        task.kernel.vfs.fchown(&file, id(user), id(group), &fs_cred(task))?;
        Ok(0)
    }
}

// ---- truncate ----------------------------------------------------------

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn truncate(task, path: UserAddr, length: i64) -> SysResult {
        let len = u64::try_from(length).map_err(|_| Errno::EINVAL)?;
        let path = read_path(task, path)?;
        let cred = fs_cred(task);
        let fs = lock(&task.process.fs);
        task.kernel.vfs.truncate(&fs, None, &path, len, &cred)?;
        Ok(0)
    }
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn ftruncate(task, fd: Fd, length: i64) -> SysResult {
        let len = u64::try_from(length).map_err(|_| Errno::EINVAL)?;
        lock(&task.process.fds).get(fd.0)?.truncate(len)?;
        Ok(0)
    }
}

// ---- utimes ------------------------------------------------------------

const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

/// One `utimensat` time; `None` if its nanoseconds are invalid.
fn time_update(t: &KernelTimespec) -> Option<TimeUpdate> {
    match t.tv_nsec {
        UTIME_NOW => Some(TimeUpdate::Now),
        UTIME_OMIT => Some(TimeUpdate::Omit),
        0..=999_999_999 => Some(TimeUpdate::Set(Timespec {
            sec: t.tv_sec,
            nsec: t.tv_nsec,
        })),
        _ => None,
    }
}

/// Where a time change acts.
enum Target {
    /// The open file `fd` (a null path with a real dirfd).
    Fd(Fd),
    /// A path relative to a dirfd.
    Path {
        dirfd: Fd,
        path: Vec<u8>,
        follow: bool,
        empty: bool,
    },
}

/// Linux's `do_utimes` after the times were read: `times` `None` means
/// both now; a `None` time had invalid nanoseconds, which Linux reports
/// (`EINVAL`) after the lookup.
fn do_utimes(task: &Task, target: Target, times: Option<[Option<TimeUpdate>; 2]>) -> SysResult {
    let cred = fs_cred(task);
    let (atime, mtime) = match times {
        None => (Some(TimeUpdate::Now), Some(TimeUpdate::Now)),
        Some([a, m]) => (a, m),
    };
    match target {
        Target::Fd(fd) => {
            let file = lock(&task.process.fds).get(fd.0)?;
            if file.status_flags() & libc::O_PATH != 0 {
                return Err(Errno::EBADF);
            }
            let (Some(a), Some(m)) = (atime, mtime) else {
                return Err(Errno::EINVAL);
            };
            task.kernel.vfs.futimens(&file, a, m, &cred)?;
        }
        Target::Path {
            dirfd,
            path,
            follow,
            empty,
        } => {
            if empty && path.is_empty() {
                let base = empty_path_base(task, dirfd)?;
                let (Some(a), Some(m)) = (atime, mtime) else {
                    return Err(Errno::EINVAL);
                };
                let fs = lock(&task.process.fs);
                task.kernel
                    .vfs
                    .utimens_empty_path(&fs, base.as_deref(), a, m, &cred)?;
                return Ok(0);
            }
            let base = lookup_base(task, dirfd, &path)?;
            let fs = lock(&task.process.fs);
            let (Some(a), Some(m)) = (atime, mtime) else {
                // The lookup's errors come first.
                task.kernel
                    .vfs
                    .stat(&fs, base.as_deref(), &path, follow, &cred)?;
                return Err(Errno::EINVAL);
            };
            task.kernel
                .vfs
                .utimens(&fs, base.as_deref(), &path, a, m, follow, &cred)?;
        }
    }
    Ok(0)
}

/// The target of a `*utime*` call by `dirfd` and a path pointer that may
/// be null (then the call acts on `dirfd` itself, unless it is AT_FDCWD).
fn utimes_target(task: &Task, dirfd: Fd, filename: UserAddr, flags: i32) -> Result<Target, Errno> {
    if filename.is_null() && dirfd.0 != libc::AT_FDCWD {
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        return Ok(Target::Fd(dirfd));
    }
    if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(task, filename)?;
    Ok(Target::Path {
        dirfd,
        path,
        follow: flags & libc::AT_SYMLINK_NOFOLLOW == 0,
        empty: flags & libc::AT_EMPTY_PATH != 0,
    })
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn utimensat(task, dfd: Fd, filename: UserAddr, utimes: UserAddr, flags: i32) -> SysResult {
        let times = if utimes.is_null() {
            None
        } else {
            let t: [KernelTimespec; 2] = read_obj(&task.mem(), utimes.0)?;
            // Nothing to do: Linux does not even look at the path.
            if t[0].tv_nsec == UTIME_OMIT && t[1].tv_nsec == UTIME_OMIT {
                return Ok(0);
            }
            Some([time_update(&t[0]), time_update(&t[1])])
        };
        let target = utimes_target(task, dfd, filename, flags)?;
        do_utimes(task, target, times)
    }
}

/// `futimesat` and `utimes`: microseconds, checked before the lookup.
fn do_futimesat(task: &Task, dirfd: Fd, filename: UserAddr, utimes: UserAddr) -> SysResult {
    let times = if utimes.is_null() {
        None
    } else {
        let t: [Timeval; 2] = read_obj(&task.mem(), utimes.0)?;
        let mut out = [None; 2];
        for (o, tv) in out.iter_mut().zip(t.iter()) {
            if !(0..1_000_000).contains(&tv.tv_usec) {
                return Err(Errno::EINVAL);
            }
            *o = Some(TimeUpdate::Set(Timespec {
                sec: tv.tv_sec,
                nsec: tv.tv_usec * 1000,
            }));
        }
        Some(out)
    };
    let target = utimes_target(task, dirfd, filename, 0)?;
    do_utimes(task, target, times)
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn futimesat(task, dfd: Fd, filename: UserAddr, utimes: UserAddr) -> SysResult {
        do_futimesat(task, dfd, filename, utimes)
    }
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn utimes(task, filename: UserAddr, times: UserAddr) -> SysResult {
        do_futimesat(task, Fd(libc::AT_FDCWD), filename, times)
    }
}

syscall! {
    Partial("host device files, fifos and sockets cannot be changed (EROFS) but in a writable bind")
    => fn utime(task, filename: UserAddr, times: UserAddr) -> SysResult {
        let times = if times.is_null() {
            None
        } else {
            // struct utimbuf { time_t actime; time_t modtime; }
            let t: [i64; 2] = read_obj(&task.mem(), times.0)?;
            let set = |sec| Some(TimeUpdate::Set(Timespec { sec, nsec: 0 }));
            Some([set(t[0]), set(t[1])])
        };
        let target = utimes_target(task, Fd(libc::AT_FDCWD), filename, 0)?;
        do_utimes(task, target, times)
    }
}
