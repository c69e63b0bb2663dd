//! Descriptor operations: dup, fcntl, ioctl.

use trapline_abi::structs::{Termios, Winsize};
use trapline_vfs::{pipe_of, OpenFile};

use super::nofile;
use crate::prelude::*;

syscall! {
    Implemented => fn dup(task, fildes: Fd) -> SysResult {
        let limit = nofile(task);
        let mut fds = lock(&task.process.fds);
        let file = fds.get(fildes.0)?;
        Ok(fds.insert(file, false, 0, limit)? as u64)
    }
}

fn do_dup3(task: &Task, old: Fd, new: Fd, cloexec: bool) -> SysResult {
    let limit = nofile(task);
    let mut fds = lock(&task.process.fds);
    let file = fds.get(old.0)?;
    // The replaced file (if any) is closed when its last reference drops,
    // after the table lock is released.
    let _replaced = fds.insert_at(new.0, file, cloexec, limit)?;
    Ok(new.0 as u64)
}

syscall! {
    Implemented => fn dup2(task, oldfd: Fd, newfd: Fd) -> SysResult {
        if oldfd == newfd {
            lock(&task.process.fds).get(oldfd.0)?;
            return Ok(newfd.0 as u64);
        }
        do_dup3(task, oldfd, newfd, false)
    }
}

syscall! {
    Implemented => fn dup3(task, oldfd: Fd, newfd: Fd, flags: i32) -> SysResult {
        if flags & !libc::O_CLOEXEC != 0 || oldfd == newfd {
            return Err(Errno::EINVAL);
        }
        do_dup3(task, oldfd, newfd, flags & libc::O_CLOEXEC != 0)
    }
}

/// The status flags F_SETFL may change (Linux's SETFL_MASK).
const SETFL_MASK: i32 = libc::O_APPEND
    | libc::O_NONBLOCK
    | libc::O_NDELAY
    | libc::O_DIRECT
    | libc::O_NOATIME
    | libc::O_ASYNC;

syscall! {
    Partial("leases, signal-driven I/O owners (F_SETOWN, F_SETSIG) and notifications give EINVAL")
    => fn fcntl(task, fd: Fd, cmd: i32, arg: u64) -> SysResult {
        let limit = nofile(task);
        let mut fds = lock(&task.process.fds);
        let file = fds.get(fd.0)?;
        // Linux's check_fcntl_cmd: what an O_PATH file takes.
        let path_ok = [libc::F_DUPFD, libc::F_DUPFD_CLOEXEC, libc::F_GETFD, libc::F_SETFD, libc::F_GETFL];
        if file.status_flags() & libc::O_PATH != 0 && !path_ok.contains(&cmd) {
            return Err(Errno::EBADF);
        }
        if super::lock::is_lock_cmd(cmd) {
            // Without the table locked: F_SETLKW blocks.
            drop(fds);
            return super::lock::fcntl_lock(task, &file, cmd, UserAddr(arg));
        }
        match cmd {
            libc::F_DUPFD | libc::F_DUPFD_CLOEXEC => {
                let min = arg as u32 as i32;
                if min < 0 || min as u64 >= limit {
                    return Err(Errno::EINVAL);
                }
                Ok(fds.insert(file, cmd == libc::F_DUPFD_CLOEXEC, min, limit)? as u64)
            }
            libc::F_GETFD => Ok(if fds.cloexec(fd.0)? { libc::FD_CLOEXEC as u64 } else { 0 }),
            libc::F_SETFD => {
                fds.set_cloexec(fd.0, arg as i32 & libc::FD_CLOEXEC != 0)?;
                Ok(0)
            }
            libc::F_GETFL => {
                let mut flags = file.status_flags() | file.access_mode();
                if pipe_of(&file).is_some() {
                    // Pipes are not opened by open(): Linux gives them no
                    // O_LARGEFILE.
                    flags &= !(trapline_abi::raw::general::O_LARGEFILE as i32);
                }
                Ok(flags as u64)
            }
            libc::F_SETFL => {
                let keep = file.status_flags() & !SETFL_MASK;
                file.set_status_flags(keep | (arg as i32 & SETFL_MASK));
                Ok(0)
            }
            libc::F_GET_SEALS => Ok(u64::from(file.seals()?)),
            libc::F_ADD_SEALS => file.add_seals(arg as u32).map(|_| 0),
            libc::F_GETPIPE_SZ => Ok(pipe_of(&file).ok_or(Errno::EBADF)?.size() as u64),
            libc::F_SETPIPE_SZ => {
                let pipe = pipe_of(&file).ok_or(Errno::EBADF)?;
                // Linux takes the size as an unsigned int. Guests are
                // treated as lacking CAP_SYS_RESOURCE (no capabilities are
                // modelled yet): more than pipe-max-size is EPERM.
                Ok(pipe.set_size(arg as u32, false)? as u64)
            }
            _ => Err(Errno::EINVAL),
        }
    }
}

syscall! {
    Partial("TCGETS, TIOCGWINSZ, TIOCGPGRP, TIOCSPGRP, TIOCGSID, FIONBIO, FIOCLEX, FIONCLEX, FIONREAD on pipes, regular files and inotify; on host terminals also TCSETS*, TIOCSWINSZ, TCFLSH, TCXONC, TCSBRK*, TIOCOUTQ, TIOCEXCL/NXCL and the pty requests TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK; TIOCSCTTY and other requests give ENOTTY")
    => fn ioctl(task, fd: Fd, cmd: u32, arg: UserAddr) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        if file.status_flags() & libc::O_PATH != 0 {
            // Linux's ioctl does not see O_PATH files at all.
            return Err(Errno::EBADF);
        }
        match u64::from(cmd) {
            libc::TCGETS => {
                let t = file.ioctl_tcgets()?;
                let mut k = Termios::zeroed();
                k.c_iflag = t.c_iflag;
                k.c_oflag = t.c_oflag;
                k.c_cflag = t.c_cflag;
                k.c_lflag = t.c_lflag;
                k.c_line = t.c_line;
                for (d, s) in k.c_cc.iter_mut().zip(t.c_cc.iter()) {
                    *d = *s;
                }
                write_obj(&task.mem(), arg.0, &k)?;
                Ok(0)
            }
            libc::TIOCGWINSZ => {
                let w = file.ioctl_winsize()?;
                let k = Winsize { ws_row: w.ws_row, ws_col: w.ws_col, ws_xpixel: w.ws_xpixel, ws_ypixel: w.ws_ypixel };
                write_obj(&task.mem(), arg.0, &k)?;
                Ok(0)
            }
            libc::FIONBIO => {
                let on: i32 = read_obj(&task.mem(), arg.0)?;
                let flags = file.status_flags();
                file.set_status_flags(if on != 0 { flags | libc::O_NONBLOCK } else { flags & !libc::O_NONBLOCK });
                Ok(0)
            }
            libc::FIONREAD => {
                let n = bytes_to_read(&file)?;
                write_obj(&task.mem(), arg.0, &n)?;
                Ok(0)
            }
            libc::TIOCGPGRP | libc::TIOCSPGRP | libc::TIOCGSID => job_control_ioctl(task, &file, cmd, arg),
            libc::FIOCLEX => lock(&task.process.fds).set_cloexec(fd.0, true).map(|_| 0),
            libc::FIONCLEX => lock(&task.process.fds).set_cloexec(fd.0, false).map(|_| 0),
            req => terminal_ioctl(task, &file, req, arg),
        }
    }
}

/// The job-control requests on the controlling terminal (see
/// `trapline_kernel::pgrp`): its foreground group (`TIOCGPGRP`,
/// `TIOCSPGRP`, with Linux's background check) and session (`TIOCGSID`:
/// the session outside, 0). A terminal that is not the caller's
/// controlling terminal, and any other file, is `ENOTTY`.
fn job_control_ioctl(task: &mut Task, file: &OpenFile, cmd: u32, arg: UserAddr) -> SysResult {
    use trapline_kernel::pgrp::{check_terminal_access, Terminal};
    if !file.is_terminal() {
        return Err(Errno::ENOTTY);
    }
    let controlling = Terminal::controls(&task.process);
    match u64::from(cmd) {
        libc::TIOCSPGRP => {
            match check_terminal_access(task, libc::SIGTTOU) {
                Err(Errno::EIO) => return Err(Errno::ENOTTY),
                r => r?,
            }
            let pgid: i32 = read_obj(&task.mem(), arg.0)?;
            if pgid < 0 {
                return Err(Errno::EINVAL);
            }
            if !controlling {
                return Err(Errno::ENOTTY);
            }
            task.kernel.terminal.set_foreground(&task.kernel, pgid)?;
            Ok(0)
        }
        _ if !controlling => Err(Errno::ENOTTY),
        libc::TIOCGPGRP => {
            write_obj(&task.mem(), arg.0, &task.kernel.terminal.foreground())?;
            Ok(0)
        }
        _ => {
            write_obj(&task.mem(), arg.0, &0i32)?;
            Ok(0)
        }
    }
}

/// What FIONREAD answers: the bytes in a pipe, or for a regular file its
/// size minus the position (negative past the end, cut to an int, as
/// Linux's `do_vfs_ioctl` does). Other files have no FIONREAD here.
fn bytes_to_read(file: &OpenFile) -> Result<i32, Errno> {
    if let Some(pipe) = pipe_of(file) {
        return Ok(pipe.available() as i32);
    }
    if let Some(n) = file.ops().readable_bytes() {
        return Ok(n as i32);
    }
    let st = file.stat()?;
    if st.file_type() != libc::S_IFREG {
        return Err(Errno::ENOTTY);
    }
    let pos = file.seek(0, libc::SEEK_CUR).map_err(|_| Errno::ENOTTY)?;
    Ok(st.size.wrapping_sub(pos as i64) as i32)
}

syscall! {
    Implemented => fn fadvise64(task, fd: Fd, offset: i64, len: i64, advice: i32) -> SysResult {
        let file = lock(&task.process.fds).get(fd.0)?;
        if !(0..=5).contains(&advice) || len < 0 {
            return Err(Errno::EINVAL);
        }
        let _ = offset;
        // Advice changes no result; Linux accepts it for regular files and
        // directories, and refuses streams.
        let st = file.stat()?;
        if st.mode & libc::S_IFMT == libc::S_IFIFO {
            return Err(Errno::ESPIPE);
        }
        Ok(0)
    }
}

/// A terminal request passed to a host terminal (`vfs::tty_ioctl_arg`
/// says which, and how big their arguments are).
fn terminal_ioctl(task: &Task, file: &OpenFile, req: u64, arg: UserAddr) -> SysResult {
    use trapline_vfs::TtyArg;
    let shape = trapline_vfs::tty_ioctl_arg(req).ok_or(Errno::ENOTTY)?;
    let mut input = Vec::new();
    if let TtyArg::In(n) = shape {
        input = vec![0u8; n];
        task.mem().read(arg.0, &mut input)?;
    }
    let (r, out) = file.tty_ioctl(req, arg.0, &input)?;
    if let TtyArg::Out(_) = shape {
        task.mem().write(arg.0, &out)?;
    }
    Ok(r as u64)
}
