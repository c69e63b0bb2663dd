//! Guest memory: the one narrow interface through which the kernel reads and
//! writes a guest's address space.
//!
//! Every address is untrusted. A copy that touches an unmapped or
//! inaccessible byte fails with `EFAULT`, as the Linux kernel's
//! `copy_from_user`/`copy_to_user` do. Guest memory can change under us (other
//! guest threads), so callers read once, then validate their copy.

use trapline_abi::Errno;

/// Copying into and out of one guest address space.
pub trait GuestMemory {
    /// Fills `buf` from guest address `addr`, or fails with `EFAULT`.
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno>;

    /// Writes `data` at guest address `addr`, or fails with `EFAULT`.
    fn write(&self, addr: u64, data: &[u8]) -> Result<(), Errno>;

    /// Reads a NUL-terminated string of at most `max` bytes (without the
    /// NUL). `EFAULT` on a bad pointer; `ENAMETOOLONG` if no NUL within `max`.
    fn read_cstring(&self, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
        const PAGE: u64 = 4096;
        let mut out = Vec::new();
        let mut cur = addr;
        loop {
            // Never read past the current page in one go: the next page may
            // be unmapped although the string ends before it.
            let chunk = (PAGE - cur % PAGE) as usize;
            let want = chunk.min(max + 1 - out.len());
            let start = out.len();
            out.resize(start + want, 0);
            self.read(cur, &mut out[start..])?;
            if let Some(nul) = out[start..].iter().position(|&b| b == 0) {
                out.truncate(start + nul);
                return Ok(out);
            }
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            cur = cur.checked_add(want as u64).ok_or(Errno::EFAULT)?;
        }
    }

    /// Writes `len` zero bytes at `addr`.
    fn zero(&self, addr: u64, len: usize) -> Result<(), Errno> {
        let zeros = [0u8; 4096];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(zeros.len());
            self.write(addr + done as u64, &zeros[..n])?;
            done += n;
        }
        Ok(())
    }

    /// Reads a `u64` (native endian).
    fn read_u64(&self, addr: u64) -> Result<u64, Errno> {
        let mut b = [0u8; 8];
        self.read(addr, &mut b)?;
        Ok(u64::from_ne_bytes(b))
    }

    /// Reads a `u32` (native endian).
    fn read_u32(&self, addr: u64) -> Result<u32, Errno> {
        let mut b = [0u8; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_ne_bytes(b))
    }
}

pub use trapline_abi::Plain;

/// Reads a plain-data value of type `T` from guest memory.
pub fn read_obj<T: Plain>(mem: &(impl GuestMemory + ?Sized), addr: u64) -> Result<T, Errno> {
    let mut v = T::zeroed();
    mem.read(addr, v.as_bytes_mut())?;
    Ok(v)
}

/// Writes a plain-data value of type `T` to guest memory.
pub fn write_obj<T: Plain>(
    mem: &(impl GuestMemory + ?Sized),
    addr: u64,
    v: &T,
) -> Result<(), Errno> {
    mem.write(addr, v.as_bytes())
}

/// The memory of a host process, reached with `process_vm_readv/writev`
/// (one host call per copy).
#[derive(Debug, Clone, Copy)]
pub struct ProcessMemory {
    pid: i32,
}

impl ProcessMemory {
    pub fn new(host_pid: i32) -> ProcessMemory {
        ProcessMemory { pid: host_pid }
    }
}

impl GuestMemory for ProcessMemory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        if buf.is_empty() {
            return Ok(());
        }
        let local = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let remote = libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: buf.len(),
        };
        // SAFETY: local describes our own writable buffer of buf.len() bytes;
        // the remote address is only interpreted in the guest's address space.
        let n = unsafe { libc::process_vm_readv(self.pid, &local, 1, &remote, 1, 0) };
        if n == buf.len() as isize {
            Ok(())
        } else {
            Err(Errno::EFAULT)
        }
    }

    fn write(&self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        if data.is_empty() {
            return Ok(());
        }
        let local = libc::iovec {
            iov_base: data.as_ptr() as *mut _,
            iov_len: data.len(),
        };
        let remote = libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: data.len(),
        };
        // SAFETY: local describes our own readable buffer; the kernel only
        // reads it. The remote address is checked by the host kernel.
        let n = unsafe { libc::process_vm_writev(self.pid, &local, 1, &remote, 1, 0) };
        if n == data.len() as isize {
            Ok(())
        } else {
            Err(Errno::EFAULT)
        }
    }
}
