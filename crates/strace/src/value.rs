//! What one argument is, and the generic type-driven rendering used for every
//! call without a special decoder.
//!
//! A call is decoded at entry into a list of [`Arg`]s: input arguments are
//! rendered there and then ([`Arg::Text`]), output arguments are kept as an
//! [`Out`] and read from memory at exit, once the result is known. The
//! return value's style is a [`Ret`].

use trapline_abi::{Errno, Param};
use trapline_platform::GuestMemory;

use crate::flags::{self, flags, xval};
use crate::strings::{self, addr, hex};
use crate::structs;

/// One argument of a decoded call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Already rendered (at entry).
    Text(String),
    /// Rendered at exit from guest memory.
    Out(Out),
}

/// An output argument, read at exit. On a failed call (or one that did not
/// return) it prints as its address, as strace does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// A buffer filled with as many bytes as the call returned (read).
    Buf(u64),
    /// Like `Buf`, in forced hex (getrandom).
    BufHex(u64),
    /// A NUL-terminated path written by the call (getcwd).
    Path(u64),
    Stat(u64),
    Statx(u64),
    Timespec(u64),
    Timeval(u64),
    Itimerspec(u64),
    Itimerval(u64),
    Utsname(u64),
    Rlimit64(u64),
    Rlimit(u64),
    /// A signal set of this many bytes.
    SigSet(u64, u64),
    SigAction(u64),
    StackT(u64),
    Winsize(u64),
    Termios(u64),
    Rusage(u64),
    Sysinfo(u64),
    Tms(u64),
    /// `[a, b]`: this many ints (pipe, socketpair).
    Ints(u64, usize),
    /// `[n]`.
    IntPtr(u64),
    /// `[0x...]` (arch_prctl ARCH_GET_FS).
    AddrPtr(u64),
    /// A CPU mask whose length in bytes is the result.
    CpuSet(u64),
    /// A getdents buffer; the offset of `d_reclen` in one entry.
    Dirents(u64, usize),
    WaitStatus(u64),
    /// An iovec array of this many entries, filled with as many bytes as
    /// the call returned (readv).
    Iovecs(u64, u64),
    /// epoll_wait's events: as many as the call returned.
    EpollEvents(u64),
    /// F_GETLK's `struct flock`.
    Flock(u64),
    /// A socket address and the address of its length (accept, getsockname).
    SockAddr(u64, u64),
    /// A socket address length pointer: the value passed in (read at
    /// entry), `[16]` or `[110 => 16]` at exit.
    SockLen(u64, Option<u32>),
    /// `struct statfs`.
    Statfs(u64),
    /// A gid array of at most this many entries, as many as the call
    /// returned (getgroups).
    Gids(u64, u64),
    /// clone3's arguments, rendered at entry, and where the kernel stores
    /// the child's tid (`=> {parent_tid=[1234]}` at exit).
    Clone3 {
        args: String,
        parent_tid: Option<u64>,
    },
}

/// How the return value prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// Signed decimal.
    Dec,
    /// Hex (addresses: mmap, brk).
    Hex,
    /// Octal (umask).
    Oct,
    /// `0x8000 (flags O_RDONLY|O_LARGEFILE)` (fcntl F_GETFL).
    OpenFlags,
    /// `0x1 (flags FD_CLOEXEC)` (fcntl F_GETFD), plain `0` for zero.
    FdFlags,
    /// `0x3 (seals F_SEAL_SEAL|F_SEAL_SHRINK)`.
    Seals,
    /// `1795459781 (2026-11-23T18:49:41+0000)` (time).
    Time,
    /// `1 ([{fd=0, revents=POLLIN}])`, `0 (Timeout)`: the pollfd array and
    /// its length.
    Poll(u64, u64),
    /// `1 (in [4], left {tv_sec=0, tv_usec=0})`, `0 (Timeout)`: select's
    /// nfds, the three fd_set addresses, the timeout address, and whether
    /// it is a timespec (pselect6) rather than a timeval.
    Select {
        n: u64,
        sets: [u64; 3],
        timeout: u64,
        timespec: bool,
    },
}

/// A call decoded at entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub name: String,
    pub args: Vec<Arg>,
    pub ret: Ret,
}

impl Decoded {
    pub fn new(name: impl Into<String>) -> Decoded {
        Decoded {
            name: name.into(),
            args: Vec::new(),
            ret: Ret::Dec,
        }
    }

    pub fn text(&mut self, s: impl Into<String>) -> &mut Self {
        self.args.push(Arg::Text(s.into()));
        self
    }

    pub fn out(&mut self, o: Out) -> &mut Self {
        self.args.push(Arg::Out(o));
        self
    }

    pub fn ret(&mut self, r: Ret) -> &mut Self {
        self.ret = r;
        self
    }
}

/// The successful result of a call, if it returned one.
pub fn success(result: Option<i64>) -> Option<u64> {
    let r = result?;
    if Errno::from_return(r as u64).is_some() {
        None
    } else {
        Some(r as u64)
    }
}

/// Renders an output argument at exit.
pub fn render_out(mem: &dyn GuestMemory, o: &Out, result: Option<i64>) -> String {
    let ok = success(result);
    if let Out::SockLen(a, before) = *o {
        let after = ok.and_then(|_| structs::read::<u32>(mem, a));
        return match (before, after) {
            (Some(b), Some(r)) if b != r => format!("[{b} => {r}]"),
            (_, Some(r)) => format!("[{r}]"),
            (Some(b), None) => format!("[{b}]"),
            (None, None) => addr(a),
        };
    }
    if let Out::Clone3 { args, parent_tid } = o {
        return match (ok, parent_tid) {
            (Some(_), Some(p)) => format!("{args} => {{parent_tid={}}}", structs::int_ptr(mem, *p)),
            _ => args.clone(),
        };
    }
    let a = out_addr(o);
    let Some(ret) = ok else { return addr(a) };
    if a == 0 {
        return "NULL".to_string();
    }
    match *o {
        Out::Buf(a) => strings::buf(mem, a, ret),
        Out::BufHex(a) => strings::buf_hex(mem, a, ret),
        Out::Path(a) => strings::path(mem, a),
        Out::Stat(a) => structs::stat(mem, a),
        Out::Statx(a) => structs::statx(mem, a),
        Out::Timespec(a) => structs::timespec(mem, a),
        Out::Timeval(a) => structs::timeval(mem, a),
        Out::Itimerspec(a) => structs::itimerspec(mem, a),
        Out::Itimerval(a) => structs::itimerval(mem, a),
        Out::Utsname(a) => structs::utsname(mem, a),
        Out::Rlimit64(a) => structs::rlimit64(mem, a),
        Out::Rlimit(a) => structs::rlimit(mem, a),
        Out::SigSet(a, len) => structs::sigset(mem, a, len),
        Out::SigAction(a) => structs::sigaction(mem, a),
        Out::StackT(a) => structs::stack_t(mem, a),
        Out::Winsize(a) => structs::winsize(mem, a),
        Out::Termios(a) => structs::termios(mem, a),
        Out::Rusage(a) => structs::rusage(mem, a),
        Out::Sysinfo(a) => structs::sysinfo(mem, a),
        Out::Tms(a) => structs::tms(mem, a),
        Out::Ints(a, n) => structs::ints(mem, a, n),
        Out::IntPtr(a) => structs::int_ptr(mem, a),
        Out::AddrPtr(a) => structs::addr_ptr(mem, a),
        Out::CpuSet(a) => structs::cpuset(mem, a, ret),
        Out::Dirents(a, off) => structs::dirents(mem, a, ret, off),
        Out::WaitStatus(a) => structs::wait_status(mem, a),
        Out::Iovecs(a, n) => structs::iovecs(mem, a, n, ret),
        Out::EpollEvents(a) => structs::epoll_events(mem, a, ret),
        Out::Flock(a) => structs::flock(mem, a, true),
        Out::SockAddr(a, lenp) => {
            let len = structs::read::<u32>(mem, lenp);
            match len {
                Some(len) => structs::sockaddr(mem, a, len as u64),
                None => addr(a),
            }
        }
        Out::Statfs(a) => structs::statfs(mem, a),
        // Handled above; kept for completeness.
        Out::SockLen(a, _) => structs::int_ptr(mem, a),
        Out::Gids(a, size) => structs::gids(mem, a, size.min(ret)),
        Out::Clone3 { ref args, .. } => args.clone(),
    }
}

fn out_addr(o: &Out) -> u64 {
    match *o {
        Out::Buf(a)
        | Out::BufHex(a)
        | Out::Path(a)
        | Out::Stat(a)
        | Out::Statx(a)
        | Out::Timespec(a)
        | Out::Timeval(a)
        | Out::Itimerspec(a)
        | Out::Itimerval(a)
        | Out::Utsname(a)
        | Out::Rlimit64(a)
        | Out::Rlimit(a)
        | Out::SigSet(a, _)
        | Out::SigAction(a)
        | Out::StackT(a)
        | Out::Winsize(a)
        | Out::Termios(a)
        | Out::Rusage(a)
        | Out::Sysinfo(a)
        | Out::Tms(a)
        | Out::Ints(a, _)
        | Out::IntPtr(a)
        | Out::AddrPtr(a)
        | Out::CpuSet(a)
        | Out::Dirents(a, _)
        | Out::WaitStatus(a)
        | Out::Iovecs(a, _)
        | Out::EpollEvents(a)
        | Out::Flock(a)
        | Out::SockAddr(a, _)
        | Out::Gids(a, _)
        | Out::SockLen(a, _)
        | Out::Statfs(a) => a,
        Out::Clone3 { .. } => 0,
    }
}

/// Renders the return value (`= ` not included).
pub fn render_ret(mem: &dyn GuestMemory, ret: Ret, result: Option<i64>) -> String {
    let Some(r) = result else {
        return "?".to_string();
    };
    if let Some(e) = Errno::from_return(r as u64) {
        return render_errno(e);
    }
    let u = r as u64;
    match ret {
        Ret::Dec => r.to_string(),
        Ret::Hex => hex(u),
        Ret::Oct => flags::octal_mode(u),
        Ret::OpenFlags => format!("{} (flags {})", hex(u), flags::open_flags(u)),
        Ret::FdFlags if u == 0 => "0".to_string(),
        Ret::FdFlags => format!("{} (flags {})", hex(u), flags(u, flags::FD_FLAGS, None)),
        Ret::Seals if u == 0 => "0".to_string(),
        Ret::Seals => format!("{} (seals {})", hex(u), flags(u, flags::SEALS, None)),
        Ret::Time => format!("{r} ({})", structs::fmt_time(r)),
        Ret::Poll(_, _) if r == 0 => "0 (Timeout)".to_string(),
        Ret::Poll(a, n) => match structs::pollfds_out(mem, a, n) {
            Some(s) => format!("{r} ({s})"),
            None => r.to_string(),
        },
        Ret::Select { .. } if r == 0 => "0 (Timeout)".to_string(),
        Ret::Select {
            n,
            sets,
            timeout,
            timespec,
        } => {
            let mut parts = Vec::new();
            for (name, set) in ["in", "out", "except"].into_iter().zip(sets) {
                if set != 0 {
                    if let Some(fds) = structs::fd_set(mem, set, n) {
                        if fds != "[]" {
                            parts.push(format!("{name} {fds}"));
                        }
                    }
                }
            }
            if timeout != 0 {
                let left = if timespec {
                    structs::timespec(mem, timeout)
                } else {
                    structs::timeval(mem, timeout)
                };
                parts.push(format!("left {left}"));
            }
            format!("{r} ({})", parts.join(", "))
        }
    }
}

/// `-1 ENOENT (No such file or directory)`, or strace's `?` forms for the
/// kernel-internal restart codes.
pub fn render_errno(e: Errno) -> String {
    let restart = match e.0 {
        512 => Some(("ERESTARTSYS", "To be restarted if SA_RESTART is set")),
        513 => Some(("ERESTARTNOINTR", "To be restarted")),
        514 => Some(("ERESTARTNOHAND", "To be restarted if no handler")),
        515 => Some(("ENOIOCTLCMD", "No ioctl command")),
        516 => Some(("ERESTART_RESTARTBLOCK", "Interrupted by signal")),
        _ => None,
    };
    if let Some((name, msg)) = restart {
        return format!("? {name} ({msg})");
    }
    match e.name() {
        Some(n) => format!("-1 {n} ({})", e.message()),
        None => format!("-1 {} ({})", e.0, e.message()),
    }
}

// ---------------------------------------------------------------------------
// Generic, type-driven rendering.

/// Parameter names whose `const char *` is a NUL-terminated string.
const STRING_NAMES: &[&str] = &[
    "filename",
    "pathname",
    "path",
    "oldname",
    "newname",
    "name",
    "u_name",
    "uname",
    "specialfile",
    "special",
    "to_pathname",
    "from_pathname",
    "put_old",
    "new_root",
    "name_user",
    "_type",
    "_description",
    "_fs_name",
    "_key",
    "_callout_info",
    "dev_name",
    "dir_name",
    "type",
];

/// Parameter names of directory fds, printed `AT_FDCWD` for -100.
const DIRFD_NAMES: &[&str] = &[
    "dfd",
    "dirfd",
    "olddfd",
    "newdfd",
    "from_dfd",
    "to_dfd",
    "mountdirfd",
];

/// Parameter names of (plain integer) addresses.
const ADDR_NAMES: &[&str] = &[
    "addr", "start", "brk", "new_addr", "old_addr", "ptr", "stack", "newsp", "tls", "arg2", "uaddr",
];

fn is_fd_name(n: &str) -> bool {
    (n.contains("fd") && n != "nfds") || n == "fildes"
}

/// `AT_FDCWD` or the fd in decimal.
pub fn dirfd(v: u64) -> String {
    let fd = v as i32;
    if fd == -100 {
        "AT_FDCWD".to_string()
    } else {
        fd.to_string()
    }
}

/// An fd in decimal (as an `int`).
pub fn fd(v: u64) -> String {
    (v as i32).to_string()
}

/// An `int` in decimal.
pub fn int(v: u64) -> String {
    (v as i32).to_string()
}

/// An `unsigned int` in decimal.
pub fn uint(v: u64) -> String {
    (v as u32).to_string()
}

/// A uid/gid: `-1` for "unchanged", else unsigned decimal.
pub fn id(v: u64) -> String {
    if v as u32 == u32::MAX {
        "-1".to_string()
    } else {
        uint(v)
    }
}

/// One argument from its declared C type and name.
pub fn generic(mem: &dyn GuestMemory, p: &Param, v: u64) -> String {
    let ty = p.ty.trim_start_matches("const ").trim();
    let name = p.name;
    if ty.ends_with('*') {
        let pointee = ty
            .trim_end_matches('*')
            .trim()
            .trim_end_matches("__user")
            .trim();
        if pointee == "char" && STRING_NAMES.contains(&name) {
            return strings::path(mem, v);
        }
        return addr(v);
    }
    if DIRFD_NAMES.contains(&name) {
        return dirfd(v);
    }
    if is_fd_name(name) && !ty.ends_with('*') {
        return fd(v);
    }
    match ty {
        "umode_t" => flags::octal_mode(v & 0xffff_ffff),
        "clockid_t" => xval(v as i32 as u32 as u64, flags::CLOCKS, "CLOCK_???"),
        "uid_t" | "gid_t" | "qid_t" => id(v),
        "aio_context_t" | "cap_user_header_t" | "cap_user_data_t" => addr(v),
        "unsigned long" if ADDR_NAMES.contains(&name) => addr(v),
        "unsigned long" | "size_t" | "__u64" | "u64" => v.to_string(),
        "long" | "loff_t" | "off_t" | "__s64" | "ssize_t" => (v as i64).to_string(),
        "unsigned int" | "unsigned" | "u32" | "__u32" | "rwf_t" => {
            if is_flags_name(name) {
                hex(v & 0xffff_ffff)
            } else {
                uint(v)
            }
        }
        _ => {
            if name == "sig" || name == "signum" {
                flags::signal(v)
            } else if is_flags_name(name) {
                hex(v & 0xffff_ffff)
            } else {
                int(v)
            }
        }
    }
}

fn is_flags_name(n: &str) -> bool {
    matches!(
        n,
        "flags" | "flag" | "mask" | "attr_flags" | "lookup_flags" | "at_flags"
    )
}

/// All arguments of a call from its table row; rows without a typed
/// signature print `nargs` hex values.
pub fn generic_all(
    mem: &dyn GuestMemory,
    desc: &trapline_abi::SyscallDesc,
    args: &[u64; 6],
) -> Vec<Arg> {
    if desc.params.is_empty() {
        return args[..(desc.nargs as usize).min(6)]
            .iter()
            .map(|&v| Arg::Text(hex(v)))
            .collect();
    }
    desc.params
        .iter()
        .zip(args.iter())
        .map(|(p, &v)| Arg::Text(generic(mem, p, v)))
        .collect()
}
