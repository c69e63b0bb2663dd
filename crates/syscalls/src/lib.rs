//! The system calls, one module per family.
//!
//! Each handler is a plain function with typed arguments, registered where it
//! is defined with the [`syscall!`] macro. [`dispatch::SyscallTable`] turns
//! the registrations into an array indexed by syscall number at start-up.
//!
//! To find where a call is handled: `grep -rn 'fn openat' crates/syscalls`.

pub mod args;
pub mod dispatch;

mod clone;
mod creds;
mod fs;
mod futex;
mod misc;
mod mm;
mod net;
mod pidfd;
mod poll;
mod process;
mod sched;
mod signal;
mod time;
mod timer;
mod wait;

pub use dispatch::{Status, SyscallTable};

/// Everything a handler module needs.
mod prelude {
    pub use crate::args::{Fd, UserAddr};
    pub use crate::dispatch::Status::{Implemented, Partial};
    pub use crate::syscall;
    pub use trapline_abi::{Errno, Plain};
    pub use trapline_kernel::process::lock;
    pub use trapline_kernel::{SysResult, Task};
    pub use trapline_platform::memory::{read_obj, write_obj};
    pub use trapline_platform::GuestMemory;
}
