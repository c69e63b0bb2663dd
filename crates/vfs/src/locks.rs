//! Advisory locks: `flock(2)` locks and record locks (`fcntl`'s
//! `F_SETLK` kind, owned by a process, and the `F_OFD_*` kind, owned by an
//! open file description), kept as Linux keeps them.
//!
//! Locks belong to a file, whatever open file reached it: every open file
//! of one file (the same device and inode) finds the same [`FileLocks`]
//! through a registry, as Linux hangs them off the inode. An open file
//! keeps its `FileLocks` once it has used it, so the registry entry lives
//! while any lock can exist, and drops its flock and OFD locks when it is
//! closed for the last time (`OpenFile`'s `Drop`). A process's record locks
//! on a file go when the process closes any fd of that file (`FdTable`
//! tells [`release_process`]), including at exit and exec.
//!
//! Locks are the kernel's only: host processes outside the sandbox do not
//! see them, nor do guests see the host's.
//!
//! Blocking requests wait on the file's `Condvar`, woken by every change,
//! and end with `EINTR` when a signal arrives ([`Waiter`]). A process
//! about to wait for a record lock first looks for a deadlock, as Linux's
//! `posix_locks_deadlock` does: the chain "owner of the lock in the way is
//! itself waiting for a lock owned by ..." leading back to the caller
//! gives `EDEADLK`. OFD locks are not checked (they have no process).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};

use crate::blocking::Waiter;
use crate::{lock, Errno, VfsResult};

/// Linux's `OFFSET_MAX`: a record lock ending here reaches to the end of
/// the file, whatever its size.
pub const OFFSET_MAX: u64 = i64::MAX as u64;
/// How far the deadlock check follows the chain of waiters (Linux's
/// `MAX_DEADLK_ITERATIONS`).
const MAX_DEADLK_ITERATIONS: usize = 10;

/// Which file locks belong to: a host file, or one of the kernel's file
/// systems (their device numbers are made up and could match a host's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FileKey {
    pub host: bool,
    pub dev: u64,
    pub ino: u64,
}

/// Who holds a record lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOwner {
    /// A process (`F_SETLK` locks), by pid.
    Process(i32),
    /// An open file description (`F_OFD_SETLK` and flock locks).
    File(usize),
}

/// Shared (read) or exclusive (write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    Read,
    Write,
}

/// A record lock on bytes `start..=end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLock {
    pub kind: LockKind,
    pub start: u64,
    /// Inclusive; `OFFSET_MAX` for "to the end of the file".
    pub end: u64,
    pub owner: LockOwner,
}

impl RecordLock {
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start <= end && start <= self.end
    }

    /// Whether it stands in the way of `owner` locking `start..=end` as
    /// `kind`; with `kind` `None` (an `F_UNLCK` test, which Linux lets
    /// `F_OFD_GETLK` make), whether it is `owner`'s own lock there.
    fn blocks(&self, owner: LockOwner, kind: Option<LockKind>, start: u64, end: u64) -> bool {
        if !self.overlaps(start, end) {
            return false;
        }
        match kind {
            None => self.owner == owner,
            Some(k) => {
                self.owner != owner && (k == LockKind::Write || self.kind == LockKind::Write)
            }
        }
    }
}

#[derive(Default)]
struct State {
    /// flock locks: the open file holding each, and its kind.
    flocks: Vec<(usize, LockKind)>,
    /// Record locks: each owner's together, sorted by start; owners in the
    /// order they first locked (Linux's list order, which decides the lock
    /// `F_GETLK` reports when several are in the way).
    records: Vec<RecordLock>,
}

/// The locks of one file.
pub(crate) struct FileLocks {
    key: FileKey,
    state: Mutex<State>,
    /// Notified on every change, for blocked requests.
    changed: Condvar,
}

/// Every file with locks (or an open file that used them), by key.
static REGISTRY: Mutex<BTreeMap<FileKey, Weak<FileLocks>>> = Mutex::new(BTreeMap::new());
/// How many `FileLocks` exist: closing an fd looks for locks only if any.
static LIVE: AtomicUsize = AtomicUsize::new(0);

impl FileLocks {
    /// The locks of the file `key`, made now if it has none.
    pub fn of(key: FileKey) -> Arc<FileLocks> {
        let mut reg = lock(&REGISTRY);
        if let Some(l) = reg.get(&key).and_then(Weak::upgrade) {
            return l;
        }
        LIVE.fetch_add(1, Ordering::Relaxed);
        let l = Arc::new(FileLocks {
            key,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        reg.insert(key, Arc::downgrade(&l));
        l
    }

    /// The locks of `key` if it has any.
    fn find(key: FileKey) -> Option<Arc<FileLocks>> {
        lock(&REGISTRY).get(&key).and_then(Weak::upgrade)
    }

    /// `flock`: `kind` `None` unlocks. As on Linux, an open file's old
    /// lock goes first, so a conversion that fails leaves it none.
    pub fn flock(&self, file: usize, kind: Option<LockKind>, wait: bool) -> VfsResult<()> {
        let mut st = lock(&self.state);
        if let Some(i) = st.flocks.iter().position(|&(f, _)| f == file) {
            if Some(st.flocks[i].1) == kind {
                return Ok(());
            }
            st.flocks.remove(i);
            self.changed.notify_all();
        }
        let Some(kind) = kind else {
            return Ok(());
        };
        let mut waiter = Waiter::new();
        loop {
            let busy = st
                .flocks
                .iter()
                .any(|&(f, k)| f != file && (kind == LockKind::Write || k == LockKind::Write));
            if !busy {
                st.flocks.push((file, kind));
                return Ok(());
            }
            if !wait {
                return Err(Errno::EAGAIN);
            }
            let (guard, r) = waiter.wait(&self.changed, st);
            st = guard;
            r?;
        }
    }

    /// `F_GETLK`: the first lock in the way of `owner` locking
    /// `start..=end` as `kind` (see [`RecordLock::blocks`] for `None`).
    pub fn test(
        &self,
        owner: LockOwner,
        kind: Option<LockKind>,
        start: u64,
        end: u64,
    ) -> Option<RecordLock> {
        lock(&self.state)
            .records
            .iter()
            .find(|l| l.blocks(owner, kind, start, end))
            .copied()
    }

    /// `F_SETLK`/`F_SETLKW`: `owner` locks `start..=end` as `kind`, or
    /// unlocks it (`None`), splitting and merging its own locks. `EAGAIN`
    /// if another owner's lock is in the way and not `wait`; `EDEADLK` if
    /// waiting would never end; `EINTR` if a signal ends the wait.
    pub fn set(
        &self,
        owner: LockOwner,
        kind: Option<LockKind>,
        start: u64,
        end: u64,
        wait: bool,
    ) -> VfsResult<()> {
        let mut st = lock(&self.state);
        let mut waiter = Waiter::new();
        let mut waiting = WaitEntry::new(owner);
        loop {
            let blocker = kind.and_then(|k| {
                st.records
                    .iter()
                    .find(|l| l.blocks(owner, Some(k), start, end))
                    .map(|l| l.owner)
            });
            let Some(blocker) = blocker else {
                apply(&mut st.records, owner, kind, start, end);
                self.changed.notify_all();
                return Ok(());
            };
            if !wait {
                return Err(Errno::EAGAIN);
            }
            waiting.waits_for(blocker)?;
            let (guard, r) = waiter.wait(&self.changed, st);
            st = guard;
            r?;
        }
    }

    /// Drops every record lock of `owner`.
    pub fn release_owner(&self, owner: LockOwner) {
        let mut st = lock(&self.state);
        let before = st.records.len();
        st.records.retain(|l| l.owner != owner);
        if st.records.len() != before {
            self.changed.notify_all();
        }
    }

    /// Drops what open file `file` holds: its flock lock and OFD locks.
    pub fn release_file(&self, file: usize) {
        let mut st = lock(&self.state);
        let before = st.flocks.len() + st.records.len();
        st.flocks.retain(|&(f, _)| f != file);
        st.records.retain(|l| l.owner != LockOwner::File(file));
        if st.flocks.len() + st.records.len() != before {
            self.changed.notify_all();
        }
    }
}

impl Drop for FileLocks {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
        let mut reg = lock(&REGISTRY);
        // A newer FileLocks may already stand under this key.
        if reg.get(&self.key).is_some_and(|w| w.strong_count() == 0) {
            reg.remove(&self.key);
        }
    }
}

/// A process closed an fd of the file `key`: its record locks there go.
pub(crate) fn release_process(key: impl FnOnce() -> VfsResult<FileKey>, pid: i32) {
    if LIVE.load(Ordering::Relaxed) == 0 {
        return;
    }
    if let Some(locks) = key().ok().and_then(FileLocks::find) {
        locks.release_owner(LockOwner::Process(pid));
    }
}

/// Sets `owner`'s locks on `start..=end` to `kind` (or none): cuts the
/// range out of its locks, adds the new one, and merges it with adjacent
/// locks of the same kind, as Linux's `posix_lock_inode` does.
fn apply(
    records: &mut Vec<RecordLock>,
    owner: LockOwner,
    kind: Option<LockKind>,
    start: u64,
    end: u64,
) {
    let at = records
        .iter()
        .position(|l| l.owner == owner)
        .unwrap_or(records.len());
    let mut mine = Vec::new();
    records.retain(|l| {
        if l.owner == owner {
            mine.push(*l);
        }
        l.owner != owner
    });
    let mut kept = Vec::with_capacity(mine.len() + 2);
    for l in mine {
        if !l.overlaps(start, end) {
            kept.push(l);
            continue;
        }
        if l.start < start {
            kept.push(RecordLock {
                end: start - 1,
                ..l
            });
        }
        if l.end > end {
            kept.push(RecordLock {
                start: end + 1,
                ..l
            });
        }
    }
    if let Some(kind) = kind {
        let mut new = RecordLock {
            kind,
            start,
            end,
            owner,
        };
        kept.retain(|l| {
            let adjacent = l.kind == kind && (l.end + 1 == new.start || new.end + 1 == l.start);
            if adjacent {
                new.start = new.start.min(l.start);
                new.end = new.end.max(l.end);
            }
            !adjacent
        });
        kept.push(new);
    }
    kept.sort_by_key(|l| l.start);
    records.splice(at..at, kept);
}

/// A process waiting for a record lock, for the deadlock check.
struct Waiting {
    id: u64,
    pid: i32,
    /// The owner of the lock it waits for.
    blocker: LockOwner,
}

/// Processes waiting for record locks, on any file.
static WAITING: Mutex<Vec<Waiting>> = Mutex::new(Vec::new());
static NEXT_WAIT_ID: AtomicU64 = AtomicU64::new(1);

/// One blocked `F_SETLKW` in `WAITING` (for process owners) until dropped.
struct WaitEntry {
    id: u64,
    owner: LockOwner,
}

impl WaitEntry {
    fn new(owner: LockOwner) -> WaitEntry {
        WaitEntry {
            id: NEXT_WAIT_ID.fetch_add(1, Ordering::Relaxed),
            owner,
        }
    }

    /// Records that the caller waits for a lock of `blocker`: `EDEADLK` if
    /// `blocker` waits, through a chain of waiters, for the caller.
    fn waits_for(&mut self, blocker: LockOwner) -> VfsResult<()> {
        let LockOwner::Process(me) = self.owner else {
            return Ok(());
        };
        let mut all = lock(&WAITING);
        let mut cur = blocker;
        for _ in 0..MAX_DEADLK_ITERATIONS {
            let LockOwner::Process(p) = cur else { break };
            match all.iter().find(|w| w.pid == p && w.id != self.id) {
                Some(w) if w.blocker == self.owner => return Err(Errno::EDEADLK),
                Some(w) => cur = w.blocker,
                None => break,
            }
        }
        match all.iter_mut().find(|w| w.id == self.id) {
            Some(w) => w.blocker = blocker,
            None => all.push(Waiting {
                id: self.id,
                pid: me,
                blocker,
            }),
        }
        Ok(())
    }
}

impl Drop for WaitEntry {
    fn drop(&mut self) {
        if matches!(self.owner, LockOwner::Process(_)) {
            lock(&WAITING).retain(|w| w.id != self.id);
        }
    }
}

/// A record lock's byte range from a `struct flock`'s `l_whence`,
/// `l_start` and `l_len`, for a file at position `pos` with `size` bytes:
/// `(start, end)` inclusive, as Linux's `flock64_to_posix_lock` computes
/// it (`EINVAL` for a bad whence or a range before 0, `EOVERFLOW` past
/// `OFFSET_MAX`).
pub fn record_range(
    whence: i16,
    start: i64,
    len: i64,
    pos: u64,
    size: u64,
) -> VfsResult<(u64, u64)> {
    let base = match i32::from(whence) {
        libc::SEEK_SET => 0,
        libc::SEEK_CUR => i64::try_from(pos).map_err(|_| Errno::EOVERFLOW)?,
        libc::SEEK_END => i64::try_from(size).map_err(|_| Errno::EOVERFLOW)?,
        _ => return Err(Errno::EINVAL),
    };
    if start > i64::MAX - base {
        return Err(Errno::EOVERFLOW);
    }
    let first = base + start;
    if first < 0 {
        return Err(Errno::EINVAL);
    }
    let (first, last) = if len > 0 {
        if len - 1 > i64::MAX - first {
            return Err(Errno::EOVERFLOW);
        }
        (first, first + (len - 1))
    } else if len < 0 {
        // `first + len` cannot overflow: first >= 0 > len.
        if first + len < 0 {
            return Err(Errno::EINVAL);
        }
        (first + len, first - 1)
    } else {
        (first, i64::MAX)
    };
    Ok((first as u64, last as u64))
}
