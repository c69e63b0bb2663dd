//! Memory: mmap, munmap, mprotect, mremap, madvise, brk.
//!
//! Arguments are validated here with Linux's errors; the kernel's address
//! space (`kernel::mm`) then makes the host do it and keeps the bookkeeping.

use trapline_kernel::mm::{page_up, AddressSpace, VmaKind, PAGE_SIZE, TASK_SIZE};

use crate::prelude::*;

/// Runs `f` on the task's address space.
fn with_space<T>(
    task: &mut Task,
    f: impl FnOnce(&mut AddressSpace<'_>) -> Result<T, Errno>,
) -> Result<T, Errno> {
    let process = task.process.clone();
    let mut map = lock(&process.mm);
    let mut space = AddressSpace {
        tracee: &mut task.tracee,
        regs: &task.regs,
        map: &mut map,
    };
    f(&mut space)
}

const PROT_ALL: i32 = libc::PROT_READ
    | libc::PROT_WRITE
    | libc::PROT_EXEC
    | libc::PROT_GROWSDOWN
    | libc::PROT_GROWSUP;

/// mmap flags Trapline passes on to the host; others are ignored by Linux
/// for MAP_PRIVATE/MAP_SHARED, and refused under MAP_SHARED_VALIDATE.
const MAP_KNOWN: i32 = libc::MAP_SHARED
    | libc::MAP_PRIVATE
    | libc::MAP_SHARED_VALIDATE
    | libc::MAP_FIXED
    | libc::MAP_ANONYMOUS
    | libc::MAP_32BIT
    | libc::MAP_GROWSDOWN
    | libc::MAP_DENYWRITE
    | libc::MAP_EXECUTABLE
    | libc::MAP_LOCKED
    | libc::MAP_NORESERVE
    | libc::MAP_POPULATE
    | libc::MAP_NONBLOCK
    | libc::MAP_STACK
    | libc::MAP_FIXED_NOREPLACE;

syscall! {
    Partial("MAP_HUGETLB and MAP_SYNC are refused; mappings over Trapline's stub page give ENOMEM")
    => fn mmap(task, addr: u64, len: u64, prot: i32, flags: i32, fd: Fd, offset: u64) -> SysResult {
        let kind = flags & 0x03;
        if kind == 0 {
            return Err(Errno::EINVAL);
        }
        if kind == libc::MAP_SHARED_VALIDATE && flags & !MAP_KNOWN != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        if flags & libc::MAP_HUGETLB != 0 {
            return Err(Errno::EINVAL);
        }
        if len == 0 || !offset.is_multiple_of(PAGE_SIZE) || prot & !PROT_ALL != 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).filter(|&l| l <= TASK_SIZE).ok_or(Errno::ENOMEM)?;
        let fixed = flags & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0;
        if fixed && (!addr.is_multiple_of(PAGE_SIZE) || addr.checked_add(len).is_none_or(|e| e > TASK_SIZE)) {
            return Err(if !addr.is_multiple_of(PAGE_SIZE) { Errno::EINVAL } else { Errno::ENOMEM });
        }
        if offset.checked_add(len).is_none() {
            return Err(Errno::EOVERFLOW);
        }
        // MAP_SHARED_VALIDATE behaves as MAP_SHARED once validated.
        let host_flags = (flags & MAP_KNOWN & !0x03) | if kind == libc::MAP_PRIVATE { libc::MAP_PRIVATE } else { libc::MAP_SHARED };
        if flags & libc::MAP_ANONYMOUS != 0 {
            return with_space(task, |s| s.map_anon(addr, len, prot, host_flags, VmaKind::Anonymous));
        }
        let file = lock(&task.process.fds).get(fd.0)?;
        let mode = file.access_mode();
        if mode == libc::O_WRONLY {
            return Err(Errno::EACCES);
        }
        if kind != libc::MAP_PRIVATE && prot & libc::PROT_WRITE != 0 && mode != libc::O_RDWR {
            return Err(Errno::EACCES);
        }
        if file.host_fd_for_mmap().is_none() {
            return Err(Errno::ENODEV);
        }
        with_space(task, |s| s.map_file(addr, len, prot, host_flags, &file, offset))
    }
}

syscall! {
    Implemented => fn munmap(task, addr: u64, len: u64) -> SysResult {
        if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::EINVAL)?;
        if addr.checked_add(len).is_none_or(|e| e > TASK_SIZE) {
            return Err(Errno::EINVAL);
        }
        with_space(task, |s| s.unmap(addr, len)).map(|_| 0)
    }
}

syscall! {
    Implemented => fn mprotect(task, addr: u64, len: u64, prot: i32) -> SysResult {
        if !addr.is_multiple_of(PAGE_SIZE) || prot & !PROT_ALL != 0 {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(0);
        }
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        if addr.checked_add(len).is_none_or(|e| e > TASK_SIZE) {
            return Err(Errno::ENOMEM);
        }
        with_space(task, |s| s.protect(addr, len, prot)).map(|_| 0)
    }
}

syscall! {
    Partial("MREMAP_DONTUNMAP is refused")
    => fn mremap(task, old: u64, old_len: u64, new_len: u64, flags: i32, new_addr: u64) -> SysResult {
        let known = libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED;
        if flags & !known != 0 || !old.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        if flags & libc::MREMAP_FIXED != 0 && (flags & libc::MREMAP_MAYMOVE == 0 || !new_addr.is_multiple_of(PAGE_SIZE)) {
            return Err(Errno::EINVAL);
        }
        let old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
        let new_len = page_up(new_len).ok_or(Errno::EINVAL)?;
        if new_len == 0 {
            return Err(Errno::EINVAL);
        }
        let stub = trapline_platform::stub::STUB_RANGE;
        if flags & libc::MREMAP_FIXED != 0 && new_addr < stub.end && new_addr.saturating_add(new_len) > stub.start {
            return Err(Errno::ENOMEM);
        }
        with_space(task, |s| {
            let got = s.raw(libc::SYS_mremap, &[old, old_len, new_len, flags as u64, new_addr])?;
            let template = s.map.vmas().find(|v| v.start <= old && old < v.end).cloned();
            s.map.remove(old, old + old_len.max(PAGE_SIZE));
            if let Some(mut v) = template {
                v.start = got;
                v.end = got + new_len;
                s.map.insert(v);
            }
            Ok(got)
        })
    }
}

syscall! {
    Implemented => fn madvise(task, addr: u64, len: u64, advice: i32) -> SysResult {
        let allowed = [
            libc::MADV_NORMAL, libc::MADV_RANDOM, libc::MADV_SEQUENTIAL, libc::MADV_WILLNEED,
            libc::MADV_DONTNEED, libc::MADV_FREE, libc::MADV_DONTFORK, libc::MADV_DOFORK,
            libc::MADV_MERGEABLE, libc::MADV_UNMERGEABLE, libc::MADV_HUGEPAGE, libc::MADV_NOHUGEPAGE,
            libc::MADV_DONTDUMP, libc::MADV_DODUMP, libc::MADV_WIPEONFORK, libc::MADV_KEEPONFORK,
            libc::MADV_COLD, libc::MADV_PAGEOUT,
        ];
        if !addr.is_multiple_of(PAGE_SIZE) || !allowed.contains(&advice) {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(0);
        }
        let len = page_up(len).ok_or(Errno::EINVAL)?;
        with_space(task, |s| s.raw(libc::SYS_madvise, &[addr, len, advice as u64])).map(|_| 0)
    }
}

syscall! {
    Implemented => fn brk(task, addr: u64) -> SysResult {
        with_space(task, |s| {
            let (start, cur) = (s.map.brk_start, s.map.brk);
            // Linux returns the current break for anything it cannot do.
            if addr < start {
                return Ok(cur);
            }
            let old_end = page_up(cur).unwrap_or(cur);
            let Some(new_end) = page_up(addr).filter(|&e| e <= TASK_SIZE) else { return Ok(cur) };
            if new_end > old_end {
                let rw = libc::PROT_READ | libc::PROT_WRITE;
                let flags = libc::MAP_PRIVATE | libc::MAP_FIXED_NOREPLACE;
                if s.map_anon(old_end, new_end - old_end, rw, flags, VmaKind::Heap).is_err() {
                    return Ok(cur);
                }
            } else if new_end < old_end && s.unmap(new_end, old_end - new_end).is_err() {
                return Ok(cur);
            }
            s.map.brk = addr;
            Ok(addr)
        })
    }
}
