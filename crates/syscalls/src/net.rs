//! The socket calls that take an fd. There are no sockets yet (`socket`
//! and `socketpair` are unimplemented), so every open fd is "not a
//! socket": these answer `EBADF` or `ENOTSOCK` as Linux does for such an
//! fd, before looking at any other argument. Programs ask this of their
//! stdin (bash: `getpeername(0)`) to learn how they were started.

use crate::prelude::*;

/// What a call on `fd` gets while no fd can be a socket.
fn not_a_socket(task: &Task, fd: Fd) -> SysResult {
    lock(&task.process.fds).get(fd.0)?;
    Err(Errno::ENOTSOCK)
}

const NOTE: &str = "no sockets yet: every open fd gives ENOTSOCK";

syscall! {
    Partial(NOTE) => fn getpeername(task, fd: Fd, usockaddr: UserAddr, usockaddr_len: UserAddr) -> SysResult {
        let _ = (usockaddr, usockaddr_len);
        not_a_socket(task, fd)
    }
}

syscall! {
    Partial(NOTE) => fn getsockname(task, fd: Fd, usockaddr: UserAddr, usockaddr_len: UserAddr) -> SysResult {
        let _ = (usockaddr, usockaddr_len);
        not_a_socket(task, fd)
    }
}

syscall! {
    Partial(NOTE) => fn getsockopt(task, fd: Fd, level: i32, optname: i32, optval: UserAddr, optlen: UserAddr) -> SysResult {
        let _ = (level, optname, optval, optlen);
        not_a_socket(task, fd)
    }
}

syscall! {
    Partial(NOTE) => fn setsockopt(task, fd: Fd, level: i32, optname: i32, optval: UserAddr, optlen: i32) -> SysResult {
        let _ = (level, optname, optval, optlen);
        not_a_socket(task, fd)
    }
}

syscall! {
    Partial(NOTE) => fn shutdown(task, fd: Fd, how: i32) -> SysResult {
        let _ = how;
        not_a_socket(task, fd)
    }
}
