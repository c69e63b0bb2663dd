//! New names: symlink, symlinkat, link, linkat.

use super::{fs_cred, lookup_base, read_path};
use crate::prelude::*;

fn do_symlink(task: &Task, oldname: UserAddr, newdfd: Fd, newname: UserAddr) -> SysResult {
    let target = read_path(task, oldname)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let path = read_path(task, newname)?;
    let base = lookup_base(task, newdfd, &path)?;
    let cred = fs_cred(task);
    let fs = lock(&task.process.fs);
    task.kernel
        .vfs
        .symlink(&fs, base.as_deref(), &target, &path, &cred)?;
    Ok(0)
}

syscall! {
    Implemented => fn symlink(task, oldname: UserAddr, newname: UserAddr) -> SysResult {
        do_symlink(task, oldname, Fd(libc::AT_FDCWD), newname)
    }
}

syscall! {
    Implemented => fn symlinkat(task, oldname: UserAddr, newdfd: Fd, newname: UserAddr) -> SysResult {
        do_symlink(task, oldname, newdfd, newname)
    }
}

fn do_link(
    task: &Task,
    olddfd: Fd,
    oldname: UserAddr,
    newdfd: Fd,
    newname: UserAddr,
    flags: i32,
) -> SysResult {
    if flags & !(libc::AT_SYMLINK_FOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let cred = fs_cred(task);
    let empty = flags & libc::AT_EMPTY_PATH != 0;
    // Linking an open file by descriptor needs CAP_DAC_READ_SEARCH.
    if empty && !cred.is_root() {
        return Err(Errno::ENOENT);
    }
    let old = read_path(task, oldname)?;
    let new = read_path(task, newname)?;
    let new_base = lookup_base(task, newdfd, &new)?;
    if empty && old.is_empty() {
        let old_base = if olddfd.0 == libc::AT_FDCWD {
            None
        } else {
            Some(lock(&task.process.fds).get(olddfd.0)?)
        };
        let fs = lock(&task.process.fs);
        task.kernel.vfs.link_empty_path(
            &fs,
            old_base.as_deref(),
            new_base.as_deref(),
            &new,
            &cred,
        )?;
        return Ok(0);
    }
    let old_base = lookup_base(task, olddfd, &old)?;
    let follow = flags & libc::AT_SYMLINK_FOLLOW != 0;
    let fs = lock(&task.process.fs);
    task.kernel.vfs.link(
        &fs,
        old_base.as_deref(),
        &old,
        new_base.as_deref(),
        &new,
        follow,
        &cred,
    )?;
    Ok(0)
}

syscall! {
    Implemented => fn link(task, oldname: UserAddr, newname: UserAddr) -> SysResult {
        do_link(task, Fd(libc::AT_FDCWD), oldname, Fd(libc::AT_FDCWD), newname, 0)
    }
}

syscall! {
    Implemented => fn linkat(task, olddfd: Fd, oldname: UserAddr, newdfd: Fd, newname: UserAddr, flags: i32) -> SysResult {
        do_link(task, olddfd, oldname, newdfd, newname, flags)
    }
}
