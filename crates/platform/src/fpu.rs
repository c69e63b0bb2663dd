//! The FP/vector state of a stopped guest thread (x87, SSE, AVX, ...), as
//! the XSAVE area in its standard (non-compacted) format: what
//! `PTRACE_GETREGSET`/`PTRACE_SETREGSET` with `NT_X86_XSTATE` exchange, and
//! also how Linux lays out the FP state in a signal frame.
//!
//! The kernel reads it only when a signal frame needs it (delivery and
//! rt_sigreturn), never on the syscall path.

use std::sync::OnceLock;

use crate::ptrace::Tracee;
use crate::{PlatformError, Result};

/// `NT_X86_XSTATE` (elf.h).
const NT_X86_XSTATE: libc::c_int = 0x202;
/// A bound on any XSAVE area (AMX tiles make it about 11 KiB).
const MAX_XSTATE: usize = 64 << 10;

/// The host's XSAVE area size for user state (the size the ptrace regset
/// and a signal frame's FP state have), learned from the first read.
static XSTATE_SIZE: OnceLock<usize> = OnceLock::new();

impl Tracee {
    /// Reads the thread's FP state into `buf` (resized to the host's XSAVE
    /// area size). The software-reserved bytes 464..512 hold the host's
    /// description of the area (`struct _fpx_sw_bytes`), as in a frame.
    pub fn get_fpstate(&self, buf: &mut Vec<u8>) -> Result<()> {
        let want = XSTATE_SIZE.get().copied().unwrap_or(MAX_XSTATE);
        buf.clear();
        buf.resize(want, 0);
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: iov describes our own writable buffer of iov_len bytes;
        // the host writes at most that much and updates iov_len.
        let r = unsafe {
            libc::ptrace(
                libc::PTRACE_GETREGSET,
                self.host_pid(),
                NT_X86_XSTATE as libc::c_long,
                &mut iov as *mut libc::iovec,
            )
        };
        if r < 0 {
            return Err(PlatformError::last("PTRACE_GETREGSET(NT_X86_XSTATE)"));
        }
        let got = iov.iov_len.min(buf.len());
        buf.truncate(got);
        let _ = XSTATE_SIZE.set(got);
        Ok(())
    }

    /// Loads `state` (an XSAVE area as [`get_fpstate`](Tracee::get_fpstate)
    /// returns it) into the thread. The host checks it (reserved header
    /// bits, MXCSR) and refuses a bad one.
    pub fn set_fpstate(&self, state: &[u8]) -> Result<()> {
        let mut iov = libc::iovec {
            iov_base: state.as_ptr() as *mut libc::c_void,
            iov_len: state.len(),
        };
        // SAFETY: iov describes our own readable buffer; the host only
        // reads it.
        let r = unsafe {
            libc::ptrace(
                libc::PTRACE_SETREGSET,
                self.host_pid(),
                NT_X86_XSTATE as libc::c_long,
                &mut iov as *mut libc::iovec,
            )
        };
        if r < 0 {
            return Err(PlatformError::last("PTRACE_SETREGSET(NT_X86_XSTATE)"));
        }
        Ok(())
    }
}

/// The host's XSAVE area size, once a state has been read (`None` before).
pub fn xstate_size() -> Option<usize> {
    XSTATE_SIZE.get().copied()
}

/// The FP state a signal handler starts with (Linux's `init_fpstate`):
/// x87 control word 0x37f, MXCSR 0x1f80, everything else zero, the x87
/// and SSE components marked present so both are loaded.
pub fn init_fpstate(size: usize) -> Vec<u8> {
    let mut s = vec![0u8; size.max(576)];
    s[0..2].copy_from_slice(&0x37fu16.to_le_bytes());
    s[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
    s[512..520].copy_from_slice(&3u64.to_le_bytes());
    s
}
