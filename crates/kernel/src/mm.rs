//! Address spaces: the kernel's bookkeeping of a guest's mappings (VMAs and
//! the program break), and the host calls that make them real.
//!
//! The host is the guest's MMU: every mapping change is a syscall the kernel
//! computes, validates and injects into the guest's host process.

use std::collections::BTreeMap;
use std::os::fd::AsRawFd;

use trapline_abi::Errno;
use trapline_platform::stub::{STUB_RANGE, STUB_SCRATCH, STUB_SCRATCH_LEN};
use trapline_platform::{GuestMemory, ProcessMemory, Regs, Tracee};
use trapline_vfs::OpenFile;

pub const PAGE_SIZE: u64 = 4096;
/// The end of the user part of the x86_64 address space (47-bit).
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;

pub fn page_down(v: u64) -> u64 {
    v & !(PAGE_SIZE - 1)
}
pub fn page_up(v: u64) -> Option<u64> {
    v.checked_add(PAGE_SIZE - 1).map(page_down)
}

/// What a mapping holds, as `/proc/PID/maps` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmaKind {
    Anonymous,
    Heap,
    Stack,
    /// A mapped file: its guest path, the offset of the mapping's start,
    /// and its device and inode as the guest's `stat` shows them.
    File {
        path: Vec<u8>,
        offset: u64,
        dev: u64,
        ino: u64,
    },
}

/// One mapping of a guest address space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: i32,
    pub flags: i32,
    pub kind: VmaKind,
}

/// The mappings of one guest address space, keyed by start address.
#[derive(Debug, Default, Clone)]
pub struct MemoryMap {
    vmas: BTreeMap<u64, Vma>,
    /// Where the heap starts (set at exec).
    pub brk_start: u64,
    /// The current program break.
    pub brk: u64,
}

impl MemoryMap {
    pub fn vmas(&self) -> impl Iterator<Item = &Vma> {
        self.vmas.values()
    }

    /// Records a new mapping, replacing whatever it overlaps.
    pub fn insert(&mut self, vma: Vma) {
        self.remove(vma.start, vma.end);
        self.vmas.insert(vma.start, vma);
    }

    /// Forgets `[start, end)`, splitting mappings that straddle its edges.
    pub fn remove(&mut self, start: u64, end: u64) {
        let overlapping: Vec<u64> = self
            .vmas
            .range(..end)
            .filter(|(_, v)| v.end > start)
            .map(|(&k, _)| k)
            .collect();
        for k in overlapping {
            let Some(v) = self.vmas.remove(&k) else {
                continue;
            };
            if v.start < start {
                let mut left = v.clone();
                left.end = start;
                self.vmas.insert(left.start, left);
            }
            if v.end > end {
                let mut right = v.clone();
                if let VmaKind::File { offset, .. } = &mut right.kind {
                    *offset += end - v.start;
                }
                right.start = end;
                self.vmas.insert(right.start, right);
            }
        }
    }

    /// Changes the protection of the recorded parts of `[start, end)`.
    pub fn protect(&mut self, start: u64, end: u64, prot: i32) {
        let parts: Vec<Vma> = self
            .vmas
            .range(..end)
            .filter(|(_, v)| v.end > start)
            .map(|(_, v)| v.clone())
            .collect();
        for mut v in parts {
            let s = v.start.max(start);
            let e = v.end.min(end);
            if let VmaKind::File { offset, .. } = &mut v.kind {
                *offset += s - v.start;
            }
            v.start = s;
            v.end = e;
            v.prot = prot;
            self.insert(v);
        }
    }

    /// Whether every page of `[start, end)` is mapped.
    pub fn is_mapped(&self, start: u64, end: u64) -> bool {
        let mut cur = start;
        for v in self
            .vmas
            .range(..end)
            .filter(|(_, v)| v.end > start)
            .map(|(_, v)| v)
        {
            if v.start > cur {
                return false;
            }
            cur = cur.max(v.end);
        }
        cur >= end
    }
}

/// One guest address space, as the host sees it: the traced process, the
/// thread registers to inject with, and the kernel's bookkeeping.
pub struct AddressSpace<'a> {
    pub tracee: &'a mut Tracee,
    pub regs: &'a Regs,
    pub map: &'a mut MemoryMap,
}

fn host_result(ret: Result<i64, Errno>) -> Result<u64, Errno> {
    let v = ret?;
    match Errno::from_return(v as u64) {
        Some(e) => Err(e),
        None => Ok(v as u64),
    }
}

/// Whether `[addr, addr+len)` touches the stub, which guests may not replace.
fn hits_stub(addr: u64, len: u64) -> bool {
    addr < STUB_RANGE.end && addr.saturating_add(len) > STUB_RANGE.start
}

impl AddressSpace<'_> {
    fn inject(&mut self, nr: i64, args: &[u64]) -> Result<u64, Errno> {
        host_result(self.tracee.inject(self.regs, nr, args).map_err(|e| {
            tracing::warn!("injecting syscall {nr} failed: {e}");
            Errno::EFAULT
        }))
    }

    /// Maps anonymous memory. `flags` must already be validated.
    pub fn map_anon(
        &mut self,
        addr: u64,
        len: u64,
        prot: i32,
        flags: i32,
        kind: VmaKind,
    ) -> Result<u64, Errno> {
        let fixed = flags & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0;
        if fixed && hits_stub(addr, len) {
            return Err(Errno::ENOMEM);
        }
        let flags = flags | libc::MAP_ANONYMOUS;
        let got = self.inject(
            libc::SYS_mmap,
            &[addr, len, prot as u64, flags as u64, u64::MAX, 0],
        )?;
        self.map.insert(Vma {
            start: got,
            end: got + len,
            prot,
            flags,
            kind,
        });
        Ok(got)
    }

    /// Maps `len` bytes of `file` at `offset`. The guest's host process gets
    /// its own descriptor of the same host file for the length of the call
    /// (opened through /proc/TRAPLINE/fd/N, since descriptors cannot be
    /// handed over otherwise without the guest's cooperation).
    pub fn map_file(
        &mut self,
        addr: u64,
        len: u64,
        prot: i32,
        flags: i32,
        file: &OpenFile,
        offset: u64,
    ) -> Result<u64, Errno> {
        let fixed = flags & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0;
        if fixed && hits_stub(addr, len) {
            return Err(Errno::ENOMEM);
        }
        let host_fd = file.host_fd_for_mmap().ok_or(Errno::ENODEV)?;
        let path = format!("/proc/{}/fd/{}\0", std::process::id(), host_fd.as_raw_fd());
        if path.len() > STUB_SCRATCH_LEN {
            return Err(Errno::ENAMETOOLONG);
        }
        ProcessMemory::new(self.tracee.host_pid()).write(STUB_SCRATCH, path.as_bytes())?;
        let shared_write = flags & libc::MAP_SHARED != 0 && prot & libc::PROT_WRITE != 0;
        let open_flags = if shared_write {
            libc::O_RDWR
        } else {
            libc::O_RDONLY
        } | libc::O_CLOEXEC;
        let guest_fd = self.inject(
            libc::SYS_openat,
            &[libc::AT_FDCWD as u64, STUB_SCRATCH, open_flags as u64, 0],
        )?;
        let mapped = self.inject(
            libc::SYS_mmap,
            &[addr, len, prot as u64, flags as u64, guest_fd, offset],
        );
        let _ = self.inject(libc::SYS_close, &[guest_fd]);
        let got = mapped?;
        let (dev, ino) = file.stat().map_or((0, 0), |st| (st.dev, st.ino));
        let kind = VmaKind::File {
            path: file.path().to_vec(),
            offset,
            dev,
            ino,
        };
        self.map.insert(Vma {
            start: got,
            end: got + len,
            prot,
            flags,
            kind,
        });
        Ok(got)
    }

    /// Unmaps `[addr, addr+len)`, leaving the stub in place (it is invisible
    /// to the guest, so for the guest this is the same as unmapping it).
    pub fn unmap(&mut self, addr: u64, len: u64) -> Result<(), Errno> {
        let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
        let pieces = if hits_stub(addr, len) {
            vec![
                (addr, STUB_RANGE.start.max(addr)),
                (STUB_RANGE.end.min(end), end),
            ]
        } else {
            vec![(addr, end)]
        };
        for (s, e) in pieces.into_iter().filter(|(s, e)| e > s) {
            self.inject(libc::SYS_munmap, &[s, e - s])?;
        }
        self.map.remove(addr, end);
        Ok(())
    }

    /// Changes the protection of `[addr, addr+len)`.
    pub fn protect(&mut self, addr: u64, len: u64, prot: i32) -> Result<(), Errno> {
        if hits_stub(addr, len) {
            return Err(Errno::ENOMEM);
        }
        self.inject(libc::SYS_mprotect, &[addr, len, prot as u64])?;
        let end = addr + len;
        self.map.protect(addr, end, prot);
        Ok(())
    }

    /// Injects a call whose arguments the caller validated, returning its
    /// result as a guest would see it.
    pub fn raw(&mut self, nr: i64, args: &[u64]) -> Result<u64, Errno> {
        self.inject(nr, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vma(start: u64, end: u64) -> Vma {
        Vma {
            start,
            end,
            prot: 3,
            flags: 0,
            kind: VmaKind::Anonymous,
        }
    }

    #[test]
    fn remove_splits_straddling_mappings() {
        let mut m = MemoryMap::default();
        m.insert(vma(0x1000, 0x5000));
        m.remove(0x2000, 0x3000);
        let got: Vec<(u64, u64)> = m.vmas().map(|v| (v.start, v.end)).collect();
        assert_eq!(got, vec![(0x1000, 0x2000), (0x3000, 0x5000)]);
        assert!(!m.is_mapped(0x1000, 0x4000));
        assert!(m.is_mapped(0x3000, 0x5000));
    }

    #[test]
    fn protect_changes_only_the_range() {
        let mut m = MemoryMap::default();
        m.insert(vma(0x1000, 0x4000));
        m.protect(0x2000, 0x3000, 1);
        let got: Vec<(u64, u64, i32)> = m.vmas().map(|v| (v.start, v.end, v.prot)).collect();
        assert_eq!(
            got,
            vec![
                (0x1000, 0x2000, 3),
                (0x2000, 0x3000, 1),
                (0x3000, 0x4000, 3)
            ]
        );
    }
}
