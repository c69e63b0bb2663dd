//! Directories: listing, the cwd, creating and removing names.

use super::{fs_cred, lookup_base, read_path};
use crate::prelude::*;

/// What rename and renameat lack.
const RENAME_NOTE: &str = "a directory of the host's tree cannot be moved (EXDEV, as Linux's overlayfs says without redirect_dir); mv copies it instead";

syscall! {
    Implemented => fn getdents64(task, fd: Fd, dirent: UserAddr, count: u32) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        let entries = file.getdents(count as usize)?;
        let mut buf = Vec::with_capacity(count as usize);
        for e in &entries {
            let reclen = e.dirent64_len();
            let start = buf.len();
            buf.extend_from_slice(&e.ino.to_ne_bytes());
            buf.extend_from_slice(&e.off.to_ne_bytes());
            buf.extend_from_slice(&(reclen as u16).to_ne_bytes());
            buf.push(e.kind);
            buf.extend_from_slice(&e.name);
            buf.resize(start + reclen, 0);
        }
        task.mem().write(dirent.0, &buf)?;
        Ok(buf.len() as u64)
    }
}

syscall! {
    Implemented => fn getcwd(task, buf: UserAddr, size: u64) -> SysResult {
        let mut path = lock(&task.process.fs).cwd_path().into_bytes();
        path.push(0);
        if path.len() as u64 > size {
            return Err(Errno::ERANGE);
        }
        task.mem().write(buf.0, &path)?;
        Ok(path.len() as u64)
    }
}

syscall! {
    Implemented => fn chdir(task, filename: UserAddr) -> SysResult {
        let path = read_path(task, filename)?;
        let cred = fs_cred(task);
        let mut fs = lock(&task.process.fs);
        task.kernel.vfs.chdir(&mut fs, None, &path, &cred)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn fchdir(task, fd: Fd) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        let mut fs = lock(&task.process.fs);
        task.kernel.vfs.fchdir(&mut fs, &file)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn chroot(task, filename: UserAddr) -> SysResult {
        let path = read_path(task, filename)?;
        let cred = fs_cred(task);
        // CAP_SYS_CHROOT: root in the sandbox.
        let privileged = lock(&task.process.creds).euid == 0;
        let mut fs = lock(&task.process.fs);
        task.kernel.vfs.chroot(&mut fs, &path, privileged, &cred)?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn umask(task, mask: u32) -> SysResult {
        Ok(lock(&task.process.fs).set_umask(mask & 0o777) as u64)
    }
}

fn do_mknod(task: &Task, dirfd: Fd, filename: UserAddr, mode: u32, dev: u32) -> SysResult {
    let path = read_path(task, filename)?;
    let base = lookup_base(task, dirfd, &path)?;
    let cred = fs_cred(task);
    // CAP_MKNOD: root in the sandbox.
    let privileged = lock(&task.process.creds).euid == 0;
    let fs = lock(&task.process.fs);
    task.kernel
        .vfs
        .mknod(&fs, base.as_deref(), &path, mode, dev, privileged, &cred)?;
    Ok(0)
}

syscall! {
    Implemented => fn mknod(task, filename: UserAddr, mode: u32, dev: u32) -> SysResult {
        do_mknod(task, Fd(libc::AT_FDCWD), filename, mode, dev)
    }
}

syscall! {
    Implemented => fn mknodat(task, dfd: Fd, filename: UserAddr, mode: u32, dev: u32) -> SysResult {
        do_mknod(task, dfd, filename, mode, dev)
    }
}

fn do_mkdir(task: &Task, dirfd: Fd, pathname: UserAddr, mode: u32) -> SysResult {
    let path = read_path(task, pathname)?;
    let base = lookup_base(task, dirfd, &path)?;
    let cred = fs_cred(task);
    let fs = lock(&task.process.fs);
    task.kernel
        .vfs
        .mkdir(&fs, base.as_deref(), &path, mode & 0o7777, &cred)?;
    Ok(0)
}

syscall! {
    Implemented => fn mkdir(task, pathname: UserAddr, mode: u32) -> SysResult {
        do_mkdir(task, Fd(libc::AT_FDCWD), pathname, mode)
    }
}

syscall! {
    Implemented => fn mkdirat(task, dfd: Fd, pathname: UserAddr, mode: u32) -> SysResult {
        do_mkdir(task, dfd, pathname, mode)
    }
}

fn do_unlink(task: &Task, dirfd: Fd, pathname: UserAddr, flags: i32) -> SysResult {
    if flags & !libc::AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(task, pathname)?;
    let base = lookup_base(task, dirfd, &path)?;
    let cred = fs_cred(task);
    let fs = lock(&task.process.fs);
    if flags & libc::AT_REMOVEDIR != 0 {
        task.kernel.vfs.rmdir(&fs, base.as_deref(), &path, &cred)?;
    } else {
        task.kernel.vfs.unlink(&fs, base.as_deref(), &path, &cred)?;
    }
    Ok(0)
}

syscall! {
    Implemented => fn unlink(task, pathname: UserAddr) -> SysResult {
        do_unlink(task, Fd(libc::AT_FDCWD), pathname, 0)
    }
}

syscall! {
    Implemented => fn unlinkat(task, dfd: Fd, pathname: UserAddr, flag: i32) -> SysResult {
        do_unlink(task, dfd, pathname, flag)
    }
}

syscall! {
    Implemented => fn rmdir(task, pathname: UserAddr) -> SysResult {
        do_unlink(task, Fd(libc::AT_FDCWD), pathname, libc::AT_REMOVEDIR)
    }
}

fn do_rename(
    task: &Task,
    olddfd: Fd,
    oldname: UserAddr,
    newdfd: Fd,
    newname: UserAddr,
    flags: u32,
) -> SysResult {
    // Linux looks at the flags before the paths.
    trapline_vfs::check_rename_flags(flags)?;
    let old = read_path(task, oldname)?;
    let new = read_path(task, newname)?;
    let old_base = lookup_base(task, olddfd, &old)?;
    let new_base = lookup_base(task, newdfd, &new)?;
    let cred = fs_cred(task);
    let fs = lock(&task.process.fs);
    task.kernel.vfs.rename_flags(
        &fs,
        old_base.as_deref(),
        &old,
        new_base.as_deref(),
        &new,
        flags,
        &cred,
    )?;
    Ok(0)
}

syscall! {
    Partial(RENAME_NOTE)
    => fn rename(task, oldname: UserAddr, newname: UserAddr) -> SysResult {
        do_rename(task, Fd(libc::AT_FDCWD), oldname, Fd(libc::AT_FDCWD), newname, 0)
    }
}

syscall! {
    Partial(RENAME_NOTE)
    => fn renameat(task, olddfd: Fd, oldname: UserAddr, newdfd: Fd, newname: UserAddr) -> SysResult {
        do_rename(task, olddfd, oldname, newdfd, newname, 0)
    }
}

syscall! {
    Partial("a directory of the host's tree cannot be moved in the overlay (EXDEV, as Linux's overlayfs without redirect_dir; mv copies it)")
    => fn renameat2(task, olddfd: Fd, oldname: UserAddr, newdfd: Fd, newname: UserAddr, flags: u32) -> SysResult {
        do_rename(task, olddfd, oldname, newdfd, newname, flags)
    }
}
