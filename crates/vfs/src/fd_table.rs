//! A process's file descriptor table.

use std::sync::Arc;

use crate::file::OpenFile;
use crate::{Errno, VfsResult};

#[derive(Clone)]
struct Slot {
    file: Arc<OpenFile>,
    cloexec: bool,
}

/// The fds of a process: each a shared open file description plus the
/// per-fd close-on-exec flag. `Clone` gives `fork`'s copy, which belongs
/// to no process until `set_lock_owner`.
#[derive(Default)]
pub struct FdTable {
    slots: Vec<Option<Slot>>,
    /// The process whose record locks go when it closes an fd of a file
    /// (Linux's `locks_remove_posix`, with the table as the owner).
    lock_owner: Option<i32>,
}

impl Clone for FdTable {
    fn clone(&self) -> FdTable {
        FdTable {
            slots: self.slots.clone(),
            lock_owner: None,
        }
    }
}

impl Drop for FdTable {
    /// The process's last fds close (exit): its record locks go.
    fn drop(&mut self) {
        for slot in std::mem::take(&mut self.slots).into_iter().flatten() {
            self.closed(&slot.file);
        }
    }
}

impl std::fmt::Debug for FdTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.fds()).finish()
    }
}

/// Linux's default `fs.nr_open`: no fd table grows past this, whatever
/// the rlimit says.
const NR_OPEN: u64 = 1 << 20;

fn index(fd: i32) -> Option<usize> {
    usize::try_from(fd).ok()
}

impl FdTable {
    pub fn new() -> FdTable {
        FdTable::default()
    }

    /// Makes the table the process `pid`'s: closing one of its fds drops
    /// that process's record locks on the file.
    pub fn set_lock_owner(&mut self, pid: i32) {
        self.lock_owner = Some(pid);
    }

    /// An fd of `file` was closed.
    fn closed(&self, file: &OpenFile) {
        if let Some(pid) = self.lock_owner {
            file.release_process_locks(pid);
        }
    }

    fn slot(&self, fd: i32) -> VfsResult<&Slot> {
        index(fd)
            .and_then(|i| self.slots.get(i))
            .and_then(Option::as_ref)
            .ok_or(Errno::EBADF)
    }

    fn slot_mut(&mut self, fd: i32) -> VfsResult<&mut Slot> {
        index(fd)
            .and_then(|i| self.slots.get_mut(i))
            .and_then(Option::as_mut)
            .ok_or(Errno::EBADF)
    }

    /// The open file behind `fd`, or `EBADF`.
    pub fn get(&self, fd: i32) -> VfsResult<Arc<OpenFile>> {
        self.slot(fd).map(|s| s.file.clone())
    }

    /// Installs `file` at the lowest free fd `>= min_fd`: `EINVAL` for a
    /// negative `min_fd` or one at or past `limit`, `EMFILE` when no fd
    /// below `limit` (RLIMIT_NOFILE) is free.
    pub fn insert(
        &mut self,
        file: Arc<OpenFile>,
        cloexec: bool,
        min_fd: i32,
        limit: u64,
    ) -> VfsResult<i32> {
        let min = index(min_fd).ok_or(Errno::EINVAL)?;
        let limit = usize::try_from(limit.min(NR_OPEN)).unwrap_or(0);
        if min >= limit {
            // F_DUPFD with arg >= RLIMIT_NOFILE is EINVAL; other callers
            // pass 0 and then this is a table with no room.
            return Err(if min_fd == 0 {
                Errno::EMFILE
            } else {
                Errno::EINVAL
            });
        }
        let free = (min..limit)
            .find(|&i| self.slots.get(i).is_none_or(Option::is_none))
            .ok_or(Errno::EMFILE)?;
        if free >= self.slots.len() {
            self.slots.resize(free + 1, None);
        }
        self.slots[free] = Some(Slot { file, cloexec });
        Ok(free as i32)
    }

    /// Installs `file` at `fd` (`dup2`/`dup3`), returning what was there
    /// (the caller drops it: that is the implicit close). `EBADF` if `fd`
    /// is negative or at or past `limit`.
    pub fn insert_at(
        &mut self,
        fd: i32,
        file: Arc<OpenFile>,
        cloexec: bool,
        limit: u64,
    ) -> VfsResult<Option<Arc<OpenFile>>> {
        let i = index(fd).ok_or(Errno::EBADF)?;
        if i as u64 >= limit.min(NR_OPEN) {
            return Err(Errno::EBADF);
        }
        if i >= self.slots.len() {
            self.slots.resize(i + 1, None);
        }
        let old = self.slots[i].replace(Slot { file, cloexec });
        if let Some(o) = &old {
            self.closed(&o.file);
        }
        Ok(old.map(|s| s.file))
    }

    /// `close`: removes `fd`, `EBADF` if it is not open.
    pub fn remove(&mut self, fd: i32) -> VfsResult<Arc<OpenFile>> {
        let slot = index(fd)
            .and_then(|i| self.slots.get_mut(i))
            .and_then(Option::take)
            .ok_or(Errno::EBADF)?;
        self.trim();
        self.closed(&slot.file);
        Ok(slot.file)
    }

    fn trim(&mut self) {
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
    }

    pub fn cloexec(&self, fd: i32) -> VfsResult<bool> {
        self.slot(fd).map(|s| s.cloexec)
    }

    pub fn set_cloexec(&mut self, fd: i32, on: bool) -> VfsResult<()> {
        self.slot_mut(fd).map(|s| s.cloexec = on)
    }

    /// `close_range(first, last, flags)`: closes (or, with
    /// `cloexec_only`, marks close-on-exec) every open fd in
    /// `first..=last`. The closed files are returned, for the caller to
    /// drop once the table is unlocked.
    pub fn close_range(&mut self, first: u32, last: u32, cloexec_only: bool) -> Vec<Arc<OpenFile>> {
        let first = first as usize;
        let end = (last as usize).saturating_add(1).min(self.slots.len());
        if first >= end {
            return Vec::new();
        }
        let mut closed = Vec::new();
        for slot in &mut self.slots[first..end] {
            if cloexec_only {
                if let Some(s) = slot {
                    s.cloexec = true;
                }
            } else if let Some(s) = slot.take() {
                closed.push(s.file);
            }
        }
        self.trim();
        for f in &closed {
            self.closed(f);
        }
        closed
    }

    /// At `execve`: closes every close-on-exec fd. The closed files are
    /// returned, for the caller to drop once the table is unlocked.
    pub fn close_on_exec(&mut self) -> Vec<Arc<OpenFile>> {
        let mut closed = Vec::new();
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|s| s.cloexec) {
                closed.extend(slot.take().map(|s| s.file));
            }
        }
        self.trim();
        for f in &closed {
            self.closed(f);
        }
        closed
    }

    /// The open fds, ascending.
    pub fn fds(&self) -> Vec<i32> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(i, _)| i as i32)
            .collect()
    }
}
