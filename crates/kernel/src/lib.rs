//! The kernel: tasks, processes, credentials, limits, address spaces, ELF
//! loading and the loop that runs a task from stop to stop.
//!
//! It knows nothing of how a trap is caught (that is `platform`) nor of how
//! each syscall decodes its arguments (that is `syscalls`): the run loop hands
//! every syscall to a [`Dispatcher`].

pub mod creds;
pub mod fork;
pub mod futex;
pub mod kernel;
pub mod loader;
pub mod mm;
pub mod pgrp;
pub mod pidfd;
pub mod process;
pub mod procfs;
pub mod rlimit;
pub mod run;
pub mod rusage;
pub mod signal;
pub mod task;
pub mod thread;
pub mod uts;
pub mod wait;

pub use kernel::Kernel;
pub use process::Process;
pub use run::{Dispatcher, ExitStatus, SyscallObserver};
pub use task::Task;
pub use trapline_abi::Errno;

/// What every syscall handler returns: the value for `rax`, or an errno.
pub type SysResult = Result<u64, Errno>;
