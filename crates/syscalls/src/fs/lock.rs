//! Advisory locks: flock, and fcntl's record-lock commands (called from
//! `fcntl` in `fd.rs`). The vfs keeps the locks (`trapline_vfs::locks`).

use trapline_abi::structs::Flock;
use trapline_vfs::{LockKind, LockOwner, LockRequest, OpenFile, RecordLock, OFFSET_MAX};

use crate::prelude::*;

syscall! {
    Implemented => fn flock(task, fd: Fd, cmd: u32) -> SysResult {
        // Linux ignores LOCK_MAND (it never worked) before anything else.
        if cmd & trapline_abi::raw::general::LOCK_MAND != 0 {
            return Ok(0);
        }
        let kind = match (cmd & !(libc::LOCK_NB as u32)) as i32 {
            libc::LOCK_SH => Some(LockKind::Read),
            libc::LOCK_EX => Some(LockKind::Write),
            libc::LOCK_UN => None,
            _ => return Err(Errno::EINVAL),
        };
        let file = lock(&task.process.fds).get(fd.0)?;
        file.flock(kind, cmd & libc::LOCK_NB as u32 == 0)?;
        Ok(0)
    }
}

/// The record-lock commands of fcntl.
pub fn is_lock_cmd(cmd: i32) -> bool {
    matches!(
        cmd,
        libc::F_GETLK
            | libc::F_SETLK
            | libc::F_SETLKW
            | libc::F_OFD_GETLK
            | libc::F_OFD_SETLK
            | libc::F_OFD_SETLKW
    )
}

/// fcntl's `F_GETLK F_SETLK F_SETLKW` (locks of the calling process) and
/// `F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW` (locks of the open file).
/// Called without the fd table locked: `F_SETLKW` may block.
pub fn fcntl_lock(task: &Task, file: &OpenFile, cmd: i32, arg: UserAddr) -> SysResult {
    let mut fl: Flock = read_obj(&task.mem(), arg.0)?;
    let req = LockRequest {
        l_type: fl.l_type,
        l_whence: fl.l_whence,
        l_start: fl.l_start,
        l_len: fl.l_len,
        l_pid: fl.l_pid,
    };
    let ofd = matches!(
        cmd,
        libc::F_OFD_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW
    );
    let pid = (!ofd).then_some(task.process.pid);
    match cmd {
        libc::F_GETLK | libc::F_OFD_GETLK => {
            match file.test_record_lock(pid, &req)? {
                Some(found) => report(&mut fl, &found),
                None => fl.l_type = libc::F_UNLCK as i16,
            }
            write_obj(&task.mem(), arg.0, &fl)?;
            Ok(0)
        }
        _ => {
            let wait = matches!(cmd, libc::F_SETLKW | libc::F_OFD_SETLKW);
            file.set_record_lock(pid, &req, wait)?;
            Ok(0)
        }
    }
}

/// Fills `fl` with the lock `F_GETLK` found: Linux's `posix_lock_to_flock`
/// (an OFD lock's pid is -1; a range to the end has length 0).
fn report(fl: &mut Flock, found: &RecordLock) {
    fl.l_type = match found.kind {
        LockKind::Read => libc::F_RDLCK,
        LockKind::Write => libc::F_WRLCK,
    } as i16;
    fl.l_whence = libc::SEEK_SET as i16;
    fl.l_start = found.start as i64;
    fl.l_len = if found.end == OFFSET_MAX {
        0
    } else {
        (found.end - found.start + 1) as i64
    };
    fl.l_pid = match found.owner {
        LockOwner::Process(pid) => pid,
        LockOwner::File(_) => -1,
    };
}
