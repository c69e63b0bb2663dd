//! The platform: runs guest threads and stops them at every system call.
//!
//! This layer knows nothing of files, processes or policy. It offers the
//! kernel a small contract:
//!
//! * [`Tracee::spawn`] starts a fresh, empty guest address space (the stub),
//! * [`Tracee::switch`] runs a guest thread until its next [`Stop`],
//! * [`Tracee::inject`] makes the host execute a syscall the kernel chose,
//! * [`GuestMemory`] copies data in and out of the guest.
//!
//! Today it is implemented with ptrace (`PTRACE_SYSEMU`); a faster platform
//! can implement the same contract later without touching the kernel.

pub mod cpu;
pub mod fpu;
pub mod memory;
pub mod ptrace;
pub mod regs;
pub mod stub;

pub use memory::{GuestMemory, ProcessMemory};
pub use ptrace::{ForkKind, Stop, Tracee};
pub use regs::{Regs, SyscallArgs};

/// A failure of the host machinery (not of the guest).
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("{what}: {source}")]
    Host {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("the guest disappeared (host pid {0})")]
    Gone(i32),
    #[error("unexpected stop while injecting a syscall: {0}")]
    Unexpected(String),
}

impl PlatformError {
    /// Wraps the current `errno` of a failed host call.
    pub(crate) fn last(what: &'static str) -> PlatformError {
        PlatformError::Host {
            what,
            source: std::io::Error::last_os_error(),
        }
    }
}

pub type Result<T> = std::result::Result<T, PlatformError>;
