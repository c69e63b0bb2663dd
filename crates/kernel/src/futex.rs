//! Futex wait queues (`man 2 futex`).
//!
//! A waiter is a task blocked in the kernel: an entry on the queue of its
//! futex's key, and a `Condvar` its host thread sleeps on. One table per
//! kernel, behind one lock. Every operation that reads or changes a futex
//! word does so under that lock, so a wait's "compare the value, then
//! enqueue" is atomic with respect to every waker, as Linux's hash-bucket
//! lock makes it.
//!
//! Guest threads run natively, though, and the words are read and written
//! with `process_vm_readv/writev`: `FUTEX_WAKE_OP`'s read-modify-write and
//! the robust-list release are atomic only against other futex calls, not
//! against a guest thread changing the word at the same moment. (An
//! injected `lock cmpxchg` would make them atomic; a later improvement.)
//!
//! Keys, as Linux's: a private futex (and a shared one in private memory)
//! is its address space (the process's virtual pid; threads share it), its
//! address, and whether it is shared (Linux keeps the two kinds apart). A
//! shared futex in a `MAP_SHARED` mapping is the mapped object and the
//! offset in it, so processes that map the same file or shared anonymous
//! memory (even at different addresses) meet on it. The object is the
//! host's: its device and inode in the host's `/proc/PID/maps` of the
//! guest's host process (a host file, a tmpfs file's memfd, or the shmem
//! behind `MAP_SHARED|MAP_ANONYMOUS`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use trapline_abi::Errno;
use trapline_platform::GuestMemory;

use crate::mm::TASK_SIZE;
use crate::process::lock;
use crate::task::Task;

/// A bitset that matches every waiter (plain WAIT and WAKE).
pub const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;

const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Linux's bound on a robust list walk.
const ROBUST_LIST_LIMIT: usize = 2048;

/// How long a waiter sleeps before it looks for a signal.
const POLL: Duration = Duration::from_millis(50);

/// What identifies a futex (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyId {
    /// In one address space (the virtual pid of the process).
    Memory { space: i32, addr: u64, shared: bool },
    /// In a shared object: the host's device and inode, and the offset.
    Object { dev: u64, ino: u64, offset: u64 },
}

/// A futex, and where the caller sees its word.
#[derive(Debug, Clone, Copy)]
pub struct FutexKey {
    id: KeyId,
    /// The word's address in the caller's address space.
    addr: u64,
}

impl PartialEq for FutexKey {
    fn eq(&self, other: &FutexKey) -> bool {
        self.id == other.id
    }
}

impl Eq for FutexKey {}

impl std::hash::Hash for FutexKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.id.hash(h);
    }
}

impl FutexKey {
    /// The key of the futex word at `addr` in `task`'s address space:
    /// `EINVAL` if it is not 4-byte aligned, `EFAULT` outside user space.
    pub fn new(task: &Task, addr: u64, shared: bool) -> Result<FutexKey, Errno> {
        if !addr.is_multiple_of(4) {
            return Err(Errno::EINVAL);
        }
        if addr > TASK_SIZE - 4 {
            return Err(Errno::EFAULT);
        }
        let in_shared_mapping = shared
            && lock(&task.process.mm)
                .vmas()
                .any(|v| v.start <= addr && addr < v.end && v.flags & libc::MAP_SHARED != 0);
        let object = if in_shared_mapping {
            host_object(task.tracee.host_pid(), addr)
        } else {
            None
        };
        let id = object.unwrap_or(KeyId::Memory {
            space: task.process.pid,
            addr,
            shared,
        });
        Ok(FutexKey { id, addr })
    }

    pub fn addr(&self) -> u64 {
        self.addr
    }
}

/// The shared object mapped at `addr` in host process `host_pid`, from
/// the host's `/proc/PID/maps` (`start-end perms offset dev inode path`).
fn host_object(host_pid: i32, addr: u64) -> Option<KeyId> {
    let maps = std::fs::read_to_string(format!("/proc/{host_pid}/maps")).ok()?;
    maps.lines().find_map(|line| {
        let mut f = line.split_ascii_whitespace();
        let (start, end) = f.next()?.split_once('-')?;
        let (start, end) = (
            u64::from_str_radix(start, 16).ok()?,
            u64::from_str_radix(end, 16).ok()?,
        );
        if !(start..end).contains(&addr) {
            return None;
        }
        if !f.next()?.ends_with('s') {
            return None;
        }
        let offset = u64::from_str_radix(f.next()?, 16).ok()?;
        let (major, minor) = f.next()?.split_once(':')?;
        let dev =
            (u64::from_str_radix(major, 16).ok()? << 32) | u64::from_str_radix(minor, 16).ok()?;
        let ino = f.next()?.parse().ok()?;
        Some(KeyId::Object {
            dev,
            ino,
            offset: offset.checked_add(addr - start)?,
        })
    })
}

struct Waiter {
    bitset: u32,
    /// Which queue the waiter is on (REQUEUE moves it); changed only under
    /// the table lock.
    key: Mutex<FutexKey>,
    woken: Mutex<bool>,
    cv: Condvar,
}

impl Waiter {
    fn wake(&self) {
        *lock(&self.woken) = true;
        self.cv.notify_one();
    }
}

type Queues = HashMap<FutexKey, VecDeque<Arc<Waiter>>>;

/// The futex wait queues of one kernel.
#[derive(Default)]
pub struct FutexTable {
    queues: Mutex<Queues>,
}

/// How a blocked FUTEX_WAIT ended without a wake-up.
fn dequeue(queues: &mut Queues, w: &Arc<Waiter>) {
    let key = *lock(&w.key);
    if let Some(q) = queues.get_mut(&key) {
        q.retain(|x| !Arc::ptr_eq(x, w));
        if q.is_empty() {
            queues.remove(&key);
        }
    }
}

/// Wakes up to `nr` waiters on `key` whose bitset meets `bitset`, oldest
/// first. Like Linux, it wakes one even when `nr` is 0 or negative.
fn wake_locked(queues: &mut Queues, key: FutexKey, nr: i32, bitset: u32) -> usize {
    let Some(q) = queues.get_mut(&key) else {
        return 0;
    };
    let mut woken = 0usize;
    let mut i = 0;
    while i < q.len() {
        if q[i].bitset & bitset == 0 {
            i += 1;
            continue;
        }
        if let Some(w) = q.remove(i) {
            w.wake();
            woken += 1;
        }
        if woken as i64 >= i64::from(nr) {
            break;
        }
    }
    if q.is_empty() {
        queues.remove(&key);
    }
    woken
}

impl FutexTable {
    /// FUTEX_WAIT(_BITSET): blocks while the word at `key` holds `val`,
    /// until a wake-up matching `bitset`, the `deadline` (`ETIMEDOUT`) or a
    /// signal for the guest (`EINTR`). `EAGAIN` if the word differs.
    pub fn wait(
        &self,
        task: &Task,
        key: FutexKey,
        val: u32,
        bitset: u32,
        deadline: Option<Instant>,
    ) -> Result<(), Errno> {
        let w = Arc::new(Waiter {
            bitset,
            key: Mutex::new(key),
            woken: Mutex::new(false),
            cv: Condvar::new(),
        });
        {
            let mut queues = lock(&self.queues);
            // Read under the lock: a waker that changed the word first
            // and then woke is either seen here, or finds us queued.
            if task.mem().read_u32(key.addr)? != val {
                return Err(Errno::EAGAIN);
            }
            queues.entry(key).or_default().push_back(w.clone());
        }
        loop {
            let now = Instant::now();
            let timed_out = deadline.is_some_and(|d| now >= d);
            if !timed_out {
                let slice = deadline.map_or(POLL, |d| (d - now).min(POLL));
                let woken = lock(&w.woken);
                let (woken, _) =
                    w.cv.wait_timeout_while(woken, slice, |w| !*w)
                        .unwrap_or_else(|e| e.into_inner());
                if *woken {
                    return Ok(());
                }
            }
            let timed_out = deadline.is_some_and(|d| Instant::now() >= d);
            if timed_out || task.interrupted() {
                let mut queues = lock(&self.queues);
                // A wake-up that came first wins.
                if *lock(&w.woken) {
                    return Ok(());
                }
                dequeue(&mut queues, &w);
                return Err(if timed_out {
                    Errno::ETIMEDOUT
                } else {
                    Errno::EINTR
                });
            }
        }
    }

    /// FUTEX_WAKE(_BITSET): wakes up to `nr` waiters; returns how many.
    pub fn wake(&self, key: FutexKey, nr: i32, bitset: u32) -> usize {
        wake_locked(&mut lock(&self.queues), key, nr, bitset)
    }

    /// FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (with `cmp`, the value the word
    /// at `key1` must hold, else `EAGAIN`): wakes up to `nr_wake` waiters
    /// of `key1` and moves up to `nr_requeue` more to `key2`. Returns how
    /// many were woken or moved.
    pub fn requeue(
        &self,
        task: &Task,
        key1: FutexKey,
        key2: FutexKey,
        nr_wake: i32,
        nr_requeue: i32,
        cmp: Option<u32>,
    ) -> Result<usize, Errno> {
        let mut queues = lock(&self.queues);
        if let Some(expected) = cmp {
            if task.mem().read_u32(key1.addr)? != expected {
                return Err(Errno::EAGAIN);
            }
        }
        let Some(mut q1) = queues.remove(&key1) else {
            return Ok(0);
        };
        let (nr_wake, nr_requeue) = (nr_wake as i64, nr_requeue as i64);
        let mut count: i64 = 0;
        let mut moved = Vec::new();
        while count - nr_wake < nr_requeue {
            let Some(w) = q1.pop_front() else { break };
            count += 1;
            if count <= nr_wake {
                w.wake();
            } else {
                *lock(&w.key) = key2;
                moved.push(w);
            }
        }
        if !q1.is_empty() {
            queues.insert(key1, q1);
        }
        if !moved.is_empty() {
            queues.entry(key2).or_default().extend(moved);
        }
        Ok(count as usize)
    }

    /// FUTEX_WAKE_OP: changes the word at `key2` as `encoded_op` says,
    /// wakes up to `nr_wake` waiters of `key1`, and, if the old value of
    /// the word at `key2` passes the op's comparison, up to `nr_wake2` of
    /// `key2`. Returns how many were woken.
    pub fn wake_op(
        &self,
        task: &Task,
        key1: FutexKey,
        key2: FutexKey,
        nr_wake: i32,
        nr_wake2: i32,
        encoded_op: u32,
    ) -> Result<usize, Errno> {
        let mut queues = lock(&self.queues);
        let mem = task.mem();
        let old = mem.read_u32(key2.addr)?;
        let (new, cmp) = wake_op_apply(encoded_op, old)?;
        mem.write(key2.addr, &new.to_ne_bytes())?;
        let cmp = cmp?;
        let mut woken = wake_locked(&mut queues, key1, nr_wake, FUTEX_BITSET_MATCH_ANY);
        if cmp {
            woken += wake_locked(&mut queues, key2, nr_wake2, FUTEX_BITSET_MATCH_ANY);
        }
        Ok(woken)
    }

    /// Linux's handle_futex_death for one robust futex of a dying thread
    /// with virtual tid `tid`: a lock it still holds is marked
    /// `FUTEX_OWNER_DIED` and one waiter woken.
    fn release_dead_owner(&self, task: &Task, addr: u64, tid: i32, pi: bool, pending: bool) {
        let Ok(key) = FutexKey::new(task, addr, true) else {
            return;
        };
        let mut queues = lock(&self.queues);
        let mem = task.mem();
        let Ok(val) = mem.read_u32(addr) else {
            return;
        };
        let owner = val & FUTEX_TID_MASK;
        if pending && !pi && owner == 0 {
            wake_locked(&mut queues, key, 1, FUTEX_BITSET_MATCH_ANY);
            return;
        }
        if owner != tid as u32 {
            return;
        }
        let new = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if mem.write(addr, &new.to_ne_bytes()).is_err() {
            return;
        }
        if !pi && val & FUTEX_WAITERS != 0 {
            wake_locked(&mut queues, key, 1, FUTEX_BITSET_MATCH_ANY);
        }
    }
}

/// FUTEX_WAKE_OP's operation on `old`: the new value, and the result of
/// the comparison (`ENOSYS` for an unknown one, as Linux, which has then
/// already stored the new value). An unknown operation is `ENOSYS` before
/// anything is stored.
fn wake_op_apply(encoded: u32, old: u32) -> Result<(u32, Result<bool, Errno>), Errno> {
    const FUTEX_OP_OPARG_SHIFT: u32 = 8;
    let op = (encoded >> 28) & 7;
    let cmp = (encoded >> 24) & 15;
    // 12-bit signed fields.
    let sext = |v: u32| ((v << 20) as i32) >> 20;
    let mut oparg = sext((encoded >> 12) & 0xfff);
    let cmparg = sext(encoded & 0xfff);
    if (encoded >> 28) & FUTEX_OP_OPARG_SHIFT != 0 {
        oparg = 1i32.wrapping_shl((oparg & 31) as u32);
    }
    let oparg = oparg as u32;
    let new = match op {
        0 => oparg,                   // FUTEX_OP_SET
        1 => old.wrapping_add(oparg), // FUTEX_OP_ADD
        2 => old | oparg,             // FUTEX_OP_OR
        3 => old & !oparg,            // FUTEX_OP_ANDN
        4 => old ^ oparg,             // FUTEX_OP_XOR
        _ => return Err(Errno::ENOSYS),
    };
    let o = old as i32;
    let result = match cmp {
        0 => Ok(o == cmparg),
        1 => Ok(o != cmparg),
        2 => Ok(o < cmparg),
        3 => Ok(o <= cmparg),
        4 => Ok(o > cmparg),
        5 => Ok(o >= cmparg),
        _ => Err(Errno::ENOSYS),
    };
    Ok((new, result))
}

/// Releases the robust futexes a thread still holds as it exits (Linux's
/// exit_robust_list), from the list `set_robust_list` registered. Bad
/// pointers end the walk silently, as on Linux.
pub fn exit_robust_list(task: &Task) {
    let (head, _) = task.robust_list;
    if head == 0 {
        return;
    }
    let mem = task.mem();
    let table = &task.kernel.futexes;
    let tid = task.tid;
    let Ok(first) = mem.read_u64(head) else {
        return;
    };
    let Ok(offset) = mem.read_u64(head.wrapping_add(8)) else {
        return;
    };
    let Ok(pending) = mem.read_u64(head.wrapping_add(16)) else {
        return;
    };
    let word = |entry: u64| (entry & !1).wrapping_add(offset);
    let mut entry = first;
    let mut limit = ROBUST_LIST_LIMIT;
    while entry & !1 != head {
        let next = mem.read_u64(entry & !1);
        if entry & !1 != pending & !1 {
            table.release_dead_owner(task, word(entry), tid, entry & 1 != 0, false);
        }
        let Ok(next) = next else { return };
        entry = next;
        limit -= 1;
        if limit == 0 {
            break;
        }
    }
    if pending & !1 != 0 {
        table.release_dead_owner(task, word(pending), tid, pending & 1 != 0, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_op_arithmetic_and_comparisons() {
        // FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0)
        let op = (1 << 28) | (4 << 24) | (1 << 12);
        assert_eq!(wake_op_apply(op, 5).unwrap(), (6, Ok(true)));
        assert_eq!(wake_op_apply(op, 0).unwrap(), (1, Ok(false)));
        // SET with OPARG_SHIFT: 1 << 3.
        let op = (8 << 28) | (3 << 12);
        assert_eq!(wake_op_apply(op, 0).unwrap(), (8, Ok(true)));
        // Negative oparg (-1 as 12 bits), ANDN; CMP_LT against -2.
        let op = (3 << 28) | (2 << 24) | (0xfff << 12) | 0xffe;
        assert_eq!(wake_op_apply(op, 7).unwrap(), (0, Ok(false)));
        // Unknown op: nothing stored; unknown comparison: stored, ENOSYS.
        assert_eq!(wake_op_apply(5 << 28, 1), Err(Errno::ENOSYS));
        assert_eq!(
            wake_op_apply(9 << 24 | 1 << 12, 0).unwrap(),
            (1, Err(Errno::ENOSYS))
        );
    }
}
