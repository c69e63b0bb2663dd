//! Linux error numbers.
//!
//! A handler returns `Err(Errno::ENOENT)`; the dispatcher turns it into the
//! negative value in `rax`. Names come from the generated table (the kernel's
//! `errno-base.h` and `errno.h`); messages are the host C library's `strerror`,
//! which is what strace prints.

use linux_raw_sys::errno as e;

/// A Linux errno value (positive).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        impl Errno {
            $(pub const $name: Errno = Errno(e::$name as i32);)*
        }
    };
}

errnos!(
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EFAULT,
    ENOTBLK,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV,
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    ETXTBSY,
    EFBIG,
    ENOSPC,
    ESPIPE,
    EROFS,
    EMLINK,
    EPIPE,
    EDOM,
    ERANGE,
    EDEADLK,
    ENAMETOOLONG,
    ENOLCK,
    ENOSYS,
    ENOTEMPTY,
    ELOOP,
    ENOMSG,
    EIDRM,
    ENODATA,
    EOVERFLOW,
    ENOTSOCK,
    EOPNOTSUPP,
    EAFNOSUPPORT,
    EADDRINUSE,
    ETIMEDOUT,
    ECONNREFUSED,
    EALREADY,
    EINPROGRESS,
    ECANCELED,
    ENOTCONN,
);

/// Linux's internal restart codes (`include/linux/errno.h`). A handler
/// returns one when a signal interrupted it; signal delivery turns it into
/// `EINTR` or a restart of the call (Linux's rules, `SA_RESTART`). They
/// never reach a guest.
impl Errno {
    /// Restart if the handler has `SA_RESTART` (or no handler runs).
    pub const ERESTARTSYS: Errno = Errno(512);
    /// Always restart.
    pub const ERESTARTNOINTR: Errno = Errno(513);
    /// Restart only if no handler runs; `EINTR` otherwise.
    pub const ERESTARTNOHAND: Errno = Errno(514);
    /// Like `ERESTARTNOHAND`, but the restart goes through
    /// `restart_syscall` (the thread's restart block: nanosleep's time left).
    pub const ERESTART_RESTARTBLOCK: Errno = Errno(516);

    /// Whether this is an interruption that signal delivery resolves:
    /// one of the internal restart codes, or `EINTR` from a blocking wait
    /// (treated as `ERESTARTSYS`).
    pub fn is_restart(self) -> bool {
        matches!(self.0, 4 | 512 | 513 | 514 | 516)
    }
}

impl Errno {
    /// The symbolic name, e.g. `"ENOENT"`, or `None` for an unknown value.
    pub fn name(self) -> Option<&'static str> {
        match self.0 {
            512 => return Some("ERESTARTSYS"),
            513 => return Some("ERESTARTNOINTR"),
            514 => return Some("ERESTARTNOHAND"),
            516 => return Some("ERESTART_RESTARTBLOCK"),
            _ => {}
        }
        let i = usize::try_from(self.0).ok()?;
        crate::table::errno::NAMES
            .get(i)
            .copied()
            .filter(|n| !n.is_empty())
    }

    /// The host C library's message, e.g. `"No such file or directory"`.
    pub fn message(self) -> String {
        // SAFETY: strerror returns a pointer to a NUL-terminated string that
        // stays valid until the next strerror call on this thread; we copy it
        // out immediately.
        unsafe {
            let p = libc::strerror(self.0);
            if p.is_null() {
                return format!("Unknown error {}", self.0);
            }
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }

    /// The value a syscall returns in `rax` for this error: `-errno`.
    pub fn as_return(self) -> u64 {
        (-(self.0 as i64)) as u64
    }

    /// Decodes a raw syscall return value: `Some(errno)` for -4095..=-1.
    pub fn from_return(ret: u64) -> Option<Errno> {
        let v = ret as i64;
        if (-4095..0).contains(&v) {
            Some(Errno(-v as i32))
        } else {
            None
        }
    }
}

impl std::fmt::Debug for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} ({})", self, self.message())
    }
}

impl std::error::Error for Errno {}
