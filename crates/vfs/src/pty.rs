//! Pseudo-terminals: the host's, passed through. `/dev/ptmx` opens a new
//! master on the host (`open_ptmx`); `/dev/pts` is the host's devpts, where
//! the guest may open for writing only the terminals it holds (see
//! `host::guest_terminals`); the new pty's slave becomes one when its
//! number is asked for (`TIOCGPTN`). The ioctls a pty needs are the host's
//! (`pty_ioctl`). An in-kernel pty would keep the guest's terminals off the
//! host; this is the simple first step.

use std::sync::Arc;

use crate::file::FileOps;
use crate::VfsResult;

/// A new pseudo-terminal master from the host's `/dev/ptmx`.
pub(crate) fn open_ptmx(acc: i32) -> VfsResult<Arc<dyn FileOps>> {
    crate::host::open_terminal(b"/dev/ptmx", acc)
}

/// How a terminal request passed to the host takes its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtyArg {
    /// None at all.
    None,
    /// The argument itself is the value.
    Value,
    /// A pointer to this many bytes the request reads.
    In(usize),
    /// A pointer to this many bytes the request writes.
    Out(usize),
}

/// The size of the kernel's `struct termios` (`TCSETS`).
const KERNEL_TERMIOS: usize = 36;

/// The terminal requests passed to a host terminal, and their argument.
/// Requests about process groups and sessions (`TIOCSPGRP`, `TIOCSCTTY`)
/// are not: they name pids, which the host does not know.
pub fn tty_ioctl_arg(req: u64) -> Option<TtyArg> {
    Some(match req {
        libc::TCSETS | libc::TCSETSW | libc::TCSETSF => TtyArg::In(KERNEL_TERMIOS),
        libc::TIOCSWINSZ => TtyArg::In(std::mem::size_of::<libc::winsize>()),
        libc::TIOCSPTLCK => TtyArg::In(4),
        libc::TIOCGPTN | libc::TIOCGPTLCK | libc::TIOCOUTQ => TtyArg::Out(4),
        libc::TCFLSH | libc::TCXONC | libc::TCSBRK | libc::TCSBRKP => TtyArg::Value,
        libc::TIOCEXCL | libc::TIOCNXCL => TtyArg::None,
        _ => return None,
    })
}
