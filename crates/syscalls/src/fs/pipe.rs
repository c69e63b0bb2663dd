//! pipe, pipe2.

use std::sync::Arc;

use trapline_vfs::{new_pipe, OpenFile};

use super::{fs_cred, nofile};
use crate::prelude::*;

/// The flags pipe2 takes. Linux also takes `O_NOTIFICATION_PIPE` (watch
/// queues), which Trapline refuses with EINVAL.
const PIPE2_FLAGS: i32 = libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_DIRECT;

/// Creates a pipe and stores its read and write fds at `fds`. As on Linux,
/// the fds exist only if the copy succeeds: the table stays locked from
/// installing them to the copy, and a bad pointer takes them back.
fn do_pipe2(task: &Task, fds: UserAddr, flags: i32) -> SysResult {
    if flags & !PIPE2_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    let cred = fs_cred(task);
    let (read_end, write_end) = new_pipe(cred.uid, cred.gid, flags);
    let cloexec = flags & libc::O_CLOEXEC != 0;
    let limit = nofile(task);
    // Ends taken back on failure are closed after the table is unlocked.
    let mut undo: Vec<Arc<OpenFile>> = Vec::new();
    let result = {
        let mut table = lock(&task.process.fds);
        match table.insert(read_end, cloexec, 0, limit) {
            Err(e) => Err(e),
            Ok(rfd) => match table.insert(write_end, cloexec, 0, limit) {
                Err(e) => {
                    undo.extend(table.remove(rfd).ok());
                    Err(e)
                }
                Ok(wfd) => {
                    let mut pair = [0u8; 8];
                    pair[..4].copy_from_slice(&rfd.to_ne_bytes());
                    pair[4..].copy_from_slice(&wfd.to_ne_bytes());
                    match task.mem().write(fds.0, &pair) {
                        Ok(()) => Ok(0),
                        Err(e) => {
                            undo.extend(table.remove(rfd).ok());
                            undo.extend(table.remove(wfd).ok());
                            Err(e)
                        }
                    }
                }
            },
        }
    };
    drop(undo);
    result
}

syscall! {
    Implemented => fn pipe(task, fildes: UserAddr) -> SysResult {
        do_pipe2(task, fildes, 0)
    }
}

syscall! {
    Partial("O_NOTIFICATION_PIPE (watch queues) gives EINVAL")
    => fn pipe2(task, fildes: UserAddr, flags: i32) -> SysResult {
        do_pipe2(task, fildes, flags)
    }
}
