//! ABI structs copied to and from guest memory (x86_64 layouts).
//!
//! Where `linux-raw-sys` has the struct without implicit padding it is used
//! as is; the others are defined here with their padding made explicit.
//! `tests/layout.rs` checks sizes and offsets against the host's C headers.

pub use linux_raw_sys::general::{
    __kernel_old_timeval as Timeval, __kernel_timespec as Timespec, rlimit64 as Rlimit64,
    stat as Stat, statx as Statx, statx_timestamp as StatxTimestamp, termios as Termios,
    timezone as Timezone, winsize as Winsize,
};
pub use linux_raw_sys::system::new_utsname as Utsname;

/// `struct sysinfo` with its trailing padding spelled out.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Sysinfo {
    pub uptime: i64,
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub pad2: u32,
    pub totalhigh: u64,
    pub freehigh: u64,
    pub mem_unit: u32,
    pub pad3: u32,
}

/// `struct iovec`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Iovec {
    pub base: u64,
    pub len: u64,
}

/// `struct flock` (the same as `struct flock64` on x86_64), with its
/// padding spelled out.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Flock {
    pub l_type: i16,
    pub l_whence: i16,
    pub pad: u32,
    pub l_start: i64,
    pub l_len: i64,
    pub l_pid: i32,
    pub pad2: u32,
}

crate::plain::plain!(
    Flock,
    Timeval,
    Timespec,
    Rlimit64,
    Stat,
    Statx,
    StatxTimestamp,
    Termios,
    Timezone,
    Winsize,
    Utsname,
    Sysinfo,
    Iovec,
);
