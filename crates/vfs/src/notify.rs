//! inotify: watches on nodes, and the events the vfs's changes raise.
//!
//! A watch is on a node, known by its device and inode number (an
//! overlay's copy up keeps both, so a watch on a host file sees the guest's
//! writes to it). Each `Vfs` has one `Hub` of watches; name operations
//! (`namespace.rs`, `open`) and open files (writes, closes) tell it what
//! happened. With no watch anywhere, telling costs one atomic load.
//!
//! An event on a directory's entry goes to the directory's watches with
//! the entry's name; events on a file itself (modify, attrib, open,
//! close, access) also go to the file's own watches, without a name.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use crate::blocking::Waiter;
use crate::file::{FileOps, OpenFile};
use crate::mount::Location;
use crate::stat::Stat;
use crate::{lock, Errno, VfsResult};

pub const IN_ACCESS: u32 = 0x1;
pub const IN_MODIFY: u32 = 0x2;
pub const IN_ATTRIB: u32 = 0x4;
pub const IN_CLOSE_WRITE: u32 = 0x8;
pub const IN_CLOSE_NOWRITE: u32 = 0x10;
pub const IN_OPEN: u32 = 0x20;
pub const IN_MOVED_FROM: u32 = 0x40;
pub const IN_MOVED_TO: u32 = 0x80;
pub const IN_CREATE: u32 = 0x100;
pub const IN_DELETE: u32 = 0x200;
pub const IN_DELETE_SELF: u32 = 0x400;
pub const IN_MOVE_SELF: u32 = 0x800;
pub const IN_ALL_EVENTS: u32 = 0xfff;
pub const IN_Q_OVERFLOW: u32 = 0x4000;
pub const IN_IGNORED: u32 = 0x8000;
pub const IN_ONLYDIR: u32 = 0x0100_0000;
pub const IN_DONT_FOLLOW: u32 = 0x0200_0000;
pub const IN_MASK_CREATE: u32 = 0x1000_0000;
pub const IN_MASK_ADD: u32 = 0x2000_0000;
pub const IN_ISDIR: u32 = 0x4000_0000;
pub const IN_ONESHOT: u32 = 0x8000_0000;

/// `/proc/sys/fs/inotify/max_queued_events`.
const MAX_QUEUED_EVENTS: usize = 16384;
/// The size of `struct inotify_event` without its name.
const EVENT_HEADER: usize = 16;

/// A node as inotify knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct NodeKey {
    dev: u64,
    ino: u64,
}

impl NodeKey {
    pub fn of(st: &Stat) -> NodeKey {
        NodeKey {
            dev: st.dev,
            ino: st.ino,
        }
    }

    /// The key of the node at `loc`, without a host call.
    pub fn of_loc(loc: &Location) -> NodeKey {
        let (dev, ino) = loc.node.identity();
        NodeKey { dev, ino }
    }
}

/// Where an open file's events go: its node and the directory entry it
/// was opened by.
pub(crate) struct WatchPoint {
    pub hub: Arc<Hub>,
    pub key: NodeKey,
    pub parent: Option<(NodeKey, Vec<u8>)>,
    pub is_dir: bool,
}

impl WatchPoint {
    pub fn raise(&self, event: u32) {
        if self.hub.idle() {
            return;
        }
        let event = event | if self.is_dir { IN_ISDIR } else { 0 };
        let parent = self.parent.as_ref().map(|(k, n)| (*k, n.as_slice()));
        self.hub.notify_file(self.key, parent, event);
    }
}

struct Watch {
    instance: Weak<Inotify>,
    wd: i32,
    mask: u32,
}

/// The watches of one vfs.
#[derive(Default)]
pub(crate) struct Hub {
    watches: Mutex<HashMap<NodeKey, Vec<Watch>>>,
    /// How many watches exist: none means no event needs looking at.
    count: AtomicUsize,
    next_cookie: AtomicUsize,
}

impl Hub {
    pub fn idle(&self) -> bool {
        self.count.load(Ordering::Relaxed) == 0
    }

    /// A cookie tying an `IN_MOVED_FROM` to its `IN_MOVED_TO`.
    pub fn cookie(&self) -> u32 {
        self.next_cookie.fetch_add(1, Ordering::Relaxed) as u32 + 1
    }

    /// Tells the watches of `key` that `event` happened (to the entry
    /// `name` of that directory, or to the node itself if `name` is
    /// empty).
    pub fn notify(&self, key: NodeKey, event: u32, cookie: u32, name: &[u8]) {
        if self.idle() {
            return;
        }
        let mut fired = Vec::new();
        {
            let mut all = lock(&self.watches);
            let Some(list) = all.get_mut(&key) else {
                return;
            };
            list.retain(|w| {
                if w.mask & event & IN_ALL_EVENTS == 0 {
                    return true;
                }
                let Some(inst) = w.instance.upgrade() else {
                    return false;
                };
                fired.push((inst.clone(), w.wd));
                inst.push(w.wd, event, cookie, name);
                if w.mask & IN_ONESHOT != 0 {
                    inst.forget(w.wd);
                    return false;
                }
                true
            });
            let removed = fired.iter().filter(|(i, wd)| !i.has(*wd)).count();
            if list.is_empty() {
                all.remove(&key);
            }
            self.count.fetch_sub(removed, Ordering::Relaxed);
        }
        for (inst, wd) in fired {
            if !inst.has(wd) {
                inst.push(wd, IN_IGNORED, 0, b"");
            }
        }
    }

    /// An event on a file: to its own watches and, named, to its
    /// directory's.
    pub fn notify_file(&self, file: NodeKey, parent: Option<(NodeKey, &[u8])>, event: u32) {
        if self.idle() {
            return;
        }
        // The directory hears first, as from Linux's `fsnotify_parent`.
        if let Some((dir, name)) = parent {
            self.notify(dir, event, 0, name);
        }
        self.notify(file, event, 0, b"");
    }

    /// The node is gone: its watches get `IN_DELETE_SELF` and
    /// `IN_IGNORED`, and end.
    pub fn gone(&self, key: NodeKey) {
        if self.idle() {
            return;
        }
        let watches = lock(&self.watches).remove(&key).unwrap_or_default();
        self.count.fetch_sub(watches.len(), Ordering::Relaxed);
        for w in watches {
            if let Some(inst) = w.instance.upgrade() {
                if w.mask & IN_DELETE_SELF != 0 {
                    inst.push(w.wd, IN_DELETE_SELF, 0, b"");
                }
                inst.forget(w.wd);
                inst.push(w.wd, IN_IGNORED, 0, b"");
            }
        }
    }

    fn remove(&self, key: NodeKey, wd: i32, instance: &Inotify) {
        let mut all = lock(&self.watches);
        if let Some(list) = all.get_mut(&key) {
            let before = list.len();
            list.retain(|w| !(w.wd == wd && std::ptr::eq(w.instance.as_ptr(), instance)));
            self.count.fetch_sub(before - list.len(), Ordering::Relaxed);
            if list.is_empty() {
                all.remove(&key);
            }
        }
    }
}

struct Queue {
    events: VecDeque<Vec<u8>>,
    bytes: usize,
    overflowed: bool,
}

/// An inotify instance (`inotify_init1`): its watches and its queue.
pub struct Inotify {
    hub: Weak<Hub>,
    /// wd -> the node watched.
    wds: Mutex<HashMap<i32, NodeKey>>,
    next_wd: Mutex<i32>,
    queue: Mutex<Queue>,
    readable: Condvar,
}

fn encode(wd: i32, mask: u32, cookie: u32, name: &[u8]) -> Vec<u8> {
    // The name is NUL-padded to a multiple of the header's alignment, as
    // Linux does (`round_event_name_len`).
    let len = if name.is_empty() {
        0
    } else {
        (name.len() + 1).div_ceil(EVENT_HEADER) * EVENT_HEADER
    };
    let mut e = Vec::with_capacity(EVENT_HEADER + len);
    e.extend_from_slice(&wd.to_ne_bytes());
    e.extend_from_slice(&mask.to_ne_bytes());
    e.extend_from_slice(&cookie.to_ne_bytes());
    e.extend_from_slice(&(len as u32).to_ne_bytes());
    e.extend_from_slice(name);
    e.resize(EVENT_HEADER + len, 0);
    e
}

impl Inotify {
    pub(crate) fn new(hub: &Arc<Hub>) -> Arc<Inotify> {
        Arc::new(Inotify {
            hub: Arc::downgrade(hub),
            wds: Mutex::new(HashMap::new()),
            next_wd: Mutex::new(1),
            queue: Mutex::new(Queue {
                events: VecDeque::new(),
                bytes: 0,
                overflowed: false,
            }),
            readable: Condvar::new(),
        })
    }

    fn has(&self, wd: i32) -> bool {
        lock(&self.wds).contains_key(&wd)
    }

    fn forget(&self, wd: i32) {
        lock(&self.wds).remove(&wd);
    }

    fn push(&self, wd: i32, mask: u32, cookie: u32, name: &[u8]) {
        let e = encode(wd, mask, cookie, name);
        let mut q = lock(&self.queue);
        // An event just like the last one queued is merged into it.
        if q.events.back() == Some(&e) {
            return;
        }
        if q.events.len() >= MAX_QUEUED_EVENTS {
            if !q.overflowed {
                q.overflowed = true;
                let o = encode(-1, IN_Q_OVERFLOW, 0, b"");
                q.bytes += o.len();
                q.events.push_back(o);
            }
            return;
        }
        q.bytes += e.len();
        q.events.push_back(e);
        drop(q);
        self.readable.notify_all();
    }

    /// `inotify_add_watch` on the node `key` (a directory if `is_dir`):
    /// the watch descriptor.
    pub(crate) fn add_watch(
        self: &Arc<Self>,
        key: NodeKey,
        is_dir: bool,
        mask: u32,
    ) -> VfsResult<i32> {
        let hub = self.hub.upgrade().ok_or(Errno::EINVAL)?;
        if mask & IN_ALL_EVENTS == 0 || (mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0) {
            return Err(Errno::EINVAL);
        }
        if mask & IN_ONLYDIR != 0 && !is_dir {
            return Err(Errno::ENOTDIR);
        }
        let mut all = lock(&hub.watches);
        let list = all.entry(key).or_default();
        if let Some(w) = list
            .iter_mut()
            .find(|w| std::ptr::eq(w.instance.as_ptr(), Arc::as_ptr(self)))
        {
            if mask & IN_MASK_CREATE != 0 {
                return Err(Errno::EEXIST);
            }
            w.mask = if mask & IN_MASK_ADD != 0 {
                w.mask | mask
            } else {
                mask
            };
            return Ok(w.wd);
        }
        let wd = {
            let mut next = lock(&self.next_wd);
            let wd = *next;
            *next = next.checked_add(1).unwrap_or(1);
            wd
        };
        list.push(Watch {
            instance: Arc::downgrade(self),
            wd,
            mask,
        });
        hub.count.fetch_add(1, Ordering::Relaxed);
        lock(&self.wds).insert(wd, key);
        Ok(wd)
    }

    /// `inotify_rm_watch`: `EINVAL` for an unknown wd.
    pub fn rm_watch(&self, wd: i32) -> VfsResult<()> {
        let key = lock(&self.wds).remove(&wd).ok_or(Errno::EINVAL)?;
        if let Some(hub) = self.hub.upgrade() {
            hub.remove(key, wd, self);
        }
        self.push(wd, IN_IGNORED, 0, b"");
        Ok(())
    }
}

impl Drop for Inotify {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            let wds: Vec<(i32, NodeKey)> = lock(&self.wds).drain().collect();
            for (wd, key) in wds {
                hub.remove(key, wd, self);
            }
        }
    }
}

impl crate::vfs::Vfs {
    /// `inotify_init1`: a new instance's open file; `flags` may hold
    /// `O_NONBLOCK` (the caller refused anything but it and `O_CLOEXEC`).
    pub fn inotify_init(&self, flags: i32) -> Arc<OpenFile> {
        InotifyFile::open(&self.notify, flags)
    }

    /// `inotify_add_watch` on the instance open as `file`: the watch
    /// descriptor. The caller must be able to read the node.
    pub fn inotify_add_watch(
        &self,
        ctx: &crate::FsContext,
        file: &OpenFile,
        path: &[u8],
        mask: u32,
        cred: &crate::Cred,
    ) -> VfsResult<i32> {
        if mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0 {
            return Err(Errno::EINVAL);
        }
        let inst = file.ops().inotify().ok_or(Errno::EINVAL)?.clone();
        let found = self.lookup(ctx, None, path, mask & IN_DONT_FOLLOW == 0, cred)?;
        let node = &found.loc.node;
        if mask & IN_ONLYDIR != 0 && !node.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        crate::cred::check(cred, node.owner(), crate::MAY_READ)?;
        inst.add_watch(NodeKey::of_loc(&found.loc), node.is_dir(), mask)
    }
}

/// The open file of an inotify instance.
pub(crate) struct InotifyFile {
    inst: Arc<Inotify>,
    /// Its open file, for `O_NONBLOCK` (which `F_SETFL` may change).
    file: OnceLock<Weak<OpenFile>>,
}

impl InotifyFile {
    /// A new instance's open file (`inotify_init1`'s `O_NONBLOCK` and
    /// `O_CLOEXEC` in `flags`).
    pub fn open(hub: &Arc<Hub>, flags: i32) -> Arc<OpenFile> {
        let ops = Arc::new(InotifyFile {
            inst: Inotify::new(hub),
            file: OnceLock::new(),
        });
        let file = OpenFile::from_ops(
            ops.clone(),
            libc::O_RDONLY | (flags & libc::O_NONBLOCK),
            b"anon_inode:inotify".to_vec(),
        );
        let _ = ops.file.set(Arc::downgrade(&file));
        file
    }

    fn nonblock(&self) -> bool {
        self.file
            .get()
            .and_then(Weak::upgrade)
            .is_some_and(|f| f.status_flags() & libc::O_NONBLOCK != 0)
    }
}

impl FileOps for InotifyFile {
    fn read(&self, buf: &mut [u8], _pos: &mut u64) -> VfsResult<usize> {
        let inst = &self.inst;
        let mut q = lock(&inst.queue);
        let mut waiter: Option<Waiter> = None;
        while q.events.is_empty() {
            if self.nonblock() {
                return Err(Errno::EAGAIN);
            }
            let (guard, result) = waiter
                .get_or_insert_with(Waiter::new)
                .wait(&inst.readable, q);
            q = guard;
            result?;
        }
        let mut done = 0;
        while let Some(e) = q.events.front() {
            if done + e.len() > buf.len() {
                break;
            }
            buf[done..done + e.len()].copy_from_slice(e);
            done += e.len();
            q.bytes -= e.len();
            q.events.pop_front();
        }
        if done == 0 {
            return Err(Errno::EINVAL);
        }
        if q.events.is_empty() {
            q.overflowed = false;
        }
        Ok(done)
    }

    fn poll(&self) -> i16 {
        if lock(&self.inst.queue).events.is_empty() {
            0
        } else {
            libc::POLLIN | libc::POLLRDNORM
        }
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(crate::anon::anon_inode_stat())
    }

    fn readable_bytes(&self) -> Option<usize> {
        Some(lock(&self.inst.queue).bytes)
    }

    fn inotify(&self) -> Option<&Arc<Inotify>> {
        Some(&self.inst)
    }
}
