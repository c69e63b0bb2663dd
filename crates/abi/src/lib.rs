//! The Linux ABI as data.
//!
//! This crate knows nothing of how a guest is run: it holds the syscall tables
//! (generated from a Linux source tree by `tools/gen-syscalls`), errno values
//! with their names, and re-exports the constants and structs of
//! `linux-raw-sys` that the rest of Trapline uses.

pub mod errno;
pub mod plain;
pub mod signal;
pub mod structs;
pub mod syscall;
pub mod table;

pub use errno::Errno;
pub use linux_raw_sys as raw;
pub use plain::Plain;
pub use syscall::{Param, SyscallDesc};
