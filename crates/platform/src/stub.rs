//! The stub executable every guest address space starts from (stub/stub.S).

use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Where the stub's `syscall; int3` sequence lives (stub/layout.ld).
pub const STUB_TRAMPOLINE: u64 = 0x7ff0_0000_0000;
/// A `pause; jmp` loop a forked process is parked at while it changes
/// tracer threads (stub/stub.S: right after the 3-byte trampoline).
pub const STUB_SPIN: u64 = STUB_TRAMPOLINE + 3;
/// A `pause()` loop a new thread waits in, blocked, while it changes
/// tracer threads (stub/stub.S: `park`, placed at offset 0x10).
pub const STUB_PARK: u64 = STUB_TRAMPOLINE + 0x10;
/// A page of the stub the tracer may write arguments into (stub/layout.ld).
pub const STUB_SCRATCH: u64 = 0x7ff0_0000_1000;
/// The size of the scratch page.
pub const STUB_SCRATCH_LEN: usize = 4096;
/// The address range the stub occupies; guests must not map over it.
pub const STUB_RANGE: std::ops::Range<u64> = 0x7ff0_0000_0000..0x7ff0_0000_2000;

static STUB_ELF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stub"));

/// An in-memory copy of the stub that can be exec'd without touching disk.
pub struct StubImage {
    fd: OwnedFd,
}

impl StubImage {
    pub fn new() -> crate::Result<StubImage> {
        let name = CString::new("trapline-stub").unwrap_or_default();
        // SAFETY: name is a valid C string; memfd_create returns a new fd or -1.
        let raw = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
        if raw < 0 {
            return Err(crate::PlatformError::last("memfd_create for the stub"));
        }
        // SAFETY: raw is a fresh fd we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let mut file = std::fs::File::from(fd);
        file.write_all(STUB_ELF)
            .map_err(|source| crate::PlatformError::Host {
                what: "writing the stub",
                source,
            })?;
        Ok(StubImage { fd: file.into() })
    }

    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }
}
