//! inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch.

use super::{fs_cred, nofile, read_path};
use crate::prelude::*;

fn do_init(task: &mut Task, flags: i32) -> SysResult {
    if flags & !(libc::IN_CLOEXEC | libc::IN_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = task.kernel.vfs.inotify_init(flags & libc::IN_NONBLOCK);
    let limit = nofile(task);
    let fd = lock(&task.process.fds).insert(file, flags & libc::IN_CLOEXEC != 0, 0, limit)?;
    Ok(fd as u64)
}

syscall! {
    Implemented => fn inotify_init(task) -> SysResult {
        do_init(task, 0)
    }
}

syscall! {
    Implemented => fn inotify_init1(task, flags: i32) -> SysResult {
        do_init(task, flags)
    }
}

syscall! {
    Partial("events come from the guest's own changes: changes the host makes to its files are not seen")
    => fn inotify_add_watch(task, fd: Fd, pathname: UserAddr, mask: u32) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        let path = read_path(task, pathname)?;
        let cred = fs_cred(task);
        let fs = lock(&task.process.fs);
        let wd = task
            .kernel
            .vfs
            .inotify_add_watch(&fs, &file, &path, mask, &cred)?;
        Ok(wd as u64)
    }
}

syscall! {
    Implemented => fn inotify_rm_watch(task, fd: Fd, wd: i32) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        let inst = file.ops().inotify().ok_or(Errno::EINVAL)?.clone();
        inst.rm_watch(wd)?;
        Ok(0)
    }
}
