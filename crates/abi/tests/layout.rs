//! The ABI structs have the sizes and field offsets of the C headers
//! (as the host's libc crate describes them).

use std::mem::{offset_of, size_of};
use trapline_abi::structs::*;

#[test]
fn stat_matches_c() {
    assert_eq!(size_of::<Stat>(), size_of::<libc::stat>());
    assert_eq!(offset_of!(Stat, st_mode), offset_of!(libc::stat, st_mode));
    assert_eq!(offset_of!(Stat, st_size), offset_of!(libc::stat, st_size));
    assert_eq!(offset_of!(Stat, st_mtime), offset_of!(libc::stat, st_mtime));
}

#[test]
fn statx_matches_c() {
    assert_eq!(size_of::<Statx>(), size_of::<libc::statx>());
    assert_eq!(offset_of!(Statx, stx_ino), offset_of!(libc::statx, stx_ino));
    assert_eq!(
        offset_of!(Statx, stx_mtime),
        offset_of!(libc::statx, stx_mtime)
    );
}

#[test]
fn small_structs_match_c() {
    assert_eq!(size_of::<Timespec>(), size_of::<libc::timespec>());
    assert_eq!(size_of::<Timeval>(), size_of::<libc::timeval>());
    assert_eq!(size_of::<Rlimit64>(), size_of::<libc::rlimit64>());
    assert_eq!(size_of::<Winsize>(), size_of::<libc::winsize>());
    assert_eq!(size_of::<Utsname>(), size_of::<libc::utsname>());
    assert_eq!(size_of::<Iovec>(), size_of::<libc::iovec>());
    // The kernel's termios (36 bytes) is smaller than glibc's.
    assert_eq!(size_of::<Termios>(), 36);
}

#[test]
fn sysinfo_matches_c() {
    assert_eq!(size_of::<Sysinfo>(), size_of::<libc::sysinfo>());
    assert_eq!(offset_of!(Sysinfo, procs), offset_of!(libc::sysinfo, procs));
    assert_eq!(
        offset_of!(Sysinfo, totalhigh),
        offset_of!(libc::sysinfo, totalhigh)
    );
    assert_eq!(
        offset_of!(Sysinfo, mem_unit),
        offset_of!(libc::sysinfo, mem_unit)
    );
}
