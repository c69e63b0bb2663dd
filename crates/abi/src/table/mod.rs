//! Generated syscall tables, one module per architecture.
//!
//! Do not edit the per-architecture files (or `errno.rs`) by hand: unpack a
//! Linux source tree and run the generator, e.g.
//! `tar -C /tmp -xf /usr/src/linux-source-6.1.tar.xz` then
//! `cargo run -p gen-syscalls -- /tmp/linux-source-6.1` (see that tool's doc
//! comment for the rules it applies).

pub mod aarch64;
pub mod errno;
pub mod riscv64;
pub mod x86_64;

/// Looks a syscall up by number on x86_64 (O(1)).
pub fn x86_64_by_nr(nr: u64) -> Option<&'static crate::SyscallDesc> {
    x86_64::BY_NR
        .get(usize::try_from(nr).ok()?)
        .copied()
        .flatten()
}

/// Looks a syscall up by name on x86_64 (linear; not for the hot path).
pub fn x86_64_by_name(name: &str) -> Option<&'static crate::SyscallDesc> {
    x86_64::SYSCALLS.iter().find(|d| d.name == name)
}
