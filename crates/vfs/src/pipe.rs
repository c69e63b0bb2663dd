//! Pipes (`pipe`, `pipe2`): a kernel object shared by the host threads that
//! serve the tasks holding its ends.
//!
//! The data sits in a ring of page-sized buffers, as in Linux (`fs/pipe.c`):
//! the capacity is a number of pages (16 by default, `F_SETPIPE_SZ` changes
//! it), a write of `n` bytes first tops up the last buffer with `n % 4096`
//! bytes if they fit, then fills fresh pages. That is what makes writes of at
//! most `PIPE_BUF` (4096) bytes atomic, and what makes a pipe written in small
//! pieces hold less than its capacity in bytes. With `O_DIRECT` on the write
//! end ("packet mode"), each page written is a packet that is never merged,
//! and a read returns at most one packet (the rest of a packet it does not
//! take is discarded).
//!
//! Blocking: a read waits while the pipe is empty and has writers, a write
//! while it is full and has readers. Waits are interruptible
//! ([`crate::blocking`]): they end with `EINTR`, or with the bytes already
//! written. `O_NONBLOCK` on the open file gives `EAGAIN` instead of a wait.
//!
//! Each open file description of an end holds one [`PipeEnd`]; the reader
//! and writer counts follow them, and dropping the last `OpenFile` of an end
//! closes it and wakes the other side (EOF for readers, `EPIPE` for writers).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use crate::blocking::Waiter;
use crate::file::{FileOps, OpenFile};
use crate::stat::{Stat, Timespec};
use crate::statfs::{StatFs, PIPEFS_MAGIC};
use crate::{lock, Errno, VfsResult};

const PAGE_SIZE: usize = 4096;
/// Writes of at most this many bytes are atomic.
pub const PIPE_BUF: usize = 4096;
/// The capacity of a new pipe, in bytes (16 pages).
pub const PIPE_DEF_SIZE: usize = 16 * PAGE_SIZE;
/// `/proc/sys/fs/pipe-max-size`: the largest capacity a task without
/// `CAP_SYS_RESOURCE` may ask for.
pub const PIPE_MAX_SIZE: usize = 1 << 20;
/// The made-up device number of the pipe file system.
const PIPEFS_DEV: u64 = 0x2d;

/// Inode numbers of pipes: unique while Trapline runs.
static NEXT_INO: AtomicU64 = AtomicU64::new(1000);

/// One page of a pipe's ring.
struct Buffer {
    data: Vec<u8>,
    /// Bytes before this were read already.
    start: usize,
    /// Written in packet mode: never merged into, read whole or not at all.
    packet: bool,
}

impl Buffer {
    fn len(&self) -> usize {
        self.data.len() - self.start
    }
}

struct State {
    bufs: VecDeque<Buffer>,
    /// The capacity in pages (`F_GETPIPE_SZ` / 4096).
    max_slots: usize,
    readers: usize,
    writers: usize,
    /// How many times each end was opened: a FIFO opener waiting for the
    /// other side is done once the other side has opened, even if it
    /// closed again before the waiter looked.
    reader_opens: u64,
    writer_opens: u64,
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
}

impl State {
    fn is_full(&self) -> bool {
        self.bufs.len() >= self.max_slots
    }

    fn available(&self) -> usize {
        self.bufs.iter().map(Buffer::len).sum()
    }
}

/// A pipe: its buffers and the two wait queues.
pub struct Pipe {
    ino: u64,
    uid: u32,
    gid: u32,
    state: Mutex<State>,
    /// Readers wait here for data, or for the last writer to go.
    readable: Condvar,
    /// Writers wait here for room, or for the last reader to go.
    writable: Condvar,
}

impl std::fmt::Debug for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipe").field("ino", &self.ino).finish()
    }
}

/// What `F_SETPIPE_SZ` asks for becomes (Linux's `round_pipe_size`): a
/// power of two of pages, at least one; `None` above 2 GiB.
fn round_pipe_size(size: u32) -> Option<usize> {
    if size > 1 << 31 {
        return None;
    }
    let size = size as usize;
    if size < PAGE_SIZE {
        return Some(PAGE_SIZE);
    }
    Some(size.next_power_of_two())
}

impl Pipe {
    /// A new pipe owned by `uid`/`gid` (the creator's fs ids), with no ends
    /// open yet.
    pub fn new(uid: u32, gid: u32) -> Pipe {
        let now = Timespec::now();
        Pipe {
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            uid,
            gid,
            state: Mutex::new(State {
                bufs: VecDeque::new(),
                max_slots: PIPE_DEF_SIZE / PAGE_SIZE,
                readers: 0,
                writers: 0,
                reader_opens: 0,
                writer_opens: 0,
                atime: now,
                mtime: now,
                ctime: now,
            }),
            readable: Condvar::new(),
            writable: Condvar::new(),
        }
    }

    pub fn ino(&self) -> u64 {
        self.ino
    }

    /// The path of its open files: `pipe:[INO]` (what /proc/PID/fd shows).
    pub fn path(&self) -> Vec<u8> {
        format!("pipe:[{}]", self.ino).into_bytes()
    }

    /// `F_GETPIPE_SZ`: the capacity in bytes.
    pub fn size(&self) -> usize {
        lock(&self.state).max_slots * PAGE_SIZE
    }

    /// `F_SETPIPE_SZ`: sets the capacity to `size` rounded up to a power of
    /// two of pages and returns it. `EINVAL` above 2 GiB; `EPERM` to grow
    /// past [`PIPE_MAX_SIZE`] unless `privileged` (`CAP_SYS_RESOURCE`);
    /// `EBUSY` if the data in it takes more pages than that.
    pub fn set_size(&self, size: u32, privileged: bool) -> VfsResult<usize> {
        let bytes = round_pipe_size(size).ok_or(Errno::EINVAL)?;
        let slots = bytes / PAGE_SIZE;
        let mut st = lock(&self.state);
        if slots > st.max_slots && bytes > PIPE_MAX_SIZE && !privileged {
            return Err(Errno::EPERM);
        }
        if slots < st.bufs.len() {
            return Err(Errno::EBUSY);
        }
        st.max_slots = slots;
        drop(st);
        self.writable.notify_all();
        Ok(bytes)
    }

    /// `FIONREAD`: the bytes waiting to be read.
    pub fn available(&self) -> usize {
        lock(&self.state).available()
    }

    /// Reads what is there, up to `out.len()` bytes; waits while the pipe
    /// is empty and has writers (unless `nonblock`: `EAGAIN`). 0 at EOF (no
    /// writers) and for an empty `out`.
    /// poll(2) readiness of one end: readable with data or once the last
    /// writer is gone (POLLHUP); writable with a free page, POLLERR once
    /// the last reader is gone.
    pub fn poll(&self, reader: bool) -> i16 {
        let st = lock(&self.state);
        let mut ev = 0;
        if reader {
            if st.available() > 0 {
                ev |= libc::POLLIN | libc::POLLRDNORM;
            }
            if st.writers == 0 {
                ev |= libc::POLLHUP;
            }
        } else {
            if !st.is_full() {
                ev |= libc::POLLOUT | libc::POLLWRNORM;
            }
            if st.readers == 0 {
                ev |= libc::POLLERR;
            }
        }
        ev
    }

    pub fn read(&self, out: &mut [u8], nonblock: bool) -> VfsResult<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let mut st = lock(&self.state);
        let mut waiter: Option<Waiter> = None;
        let mut done = 0;
        let mut freed = false;
        loop {
            while let Some(buf) = st.bufs.front_mut() {
                let n = buf.len().min(out.len() - done);
                out[done..done + n].copy_from_slice(&buf.data[buf.start..buf.start + n]);
                buf.start += n;
                done += n;
                let packet = buf.packet;
                if packet || buf.len() == 0 {
                    st.bufs.pop_front();
                    freed = true;
                }
                if packet || done == out.len() {
                    break;
                }
            }
            if done > 0 || st.writers == 0 {
                break;
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            let (guard, result) = waiter
                .get_or_insert_with(Waiter::new)
                .wait(&self.readable, st);
            st = guard;
            result?;
        }
        if done > 0 {
            st.atime = Timespec::now();
        }
        drop(st);
        if freed {
            self.writable.notify_all();
        }
        Ok(done)
    }

    /// Writes `data`; waits for room while the pipe is full and has readers
    /// (unless `nonblock`). Returns the bytes written: all of them, or fewer
    /// when `nonblock` (`EAGAIN` if none), interrupted (`EINTR` if none) or
    /// the last reader went (`EPIPE` if none). A write of at most
    /// [`PIPE_BUF`] bytes is never split. `packet`: the write end's
    /// `O_DIRECT`.
    pub fn write(&self, data: &[u8], nonblock: bool, packet: bool) -> VfsResult<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let mut st = lock(&self.state);
        if st.readers == 0 {
            return Err(Errno::EPIPE);
        }
        let mut done = 0;
        // The tail of the write (n % PAGE_SIZE bytes) first tops up the
        // last buffer, if that one takes merges and has the room.
        let chars = data.len() % PAGE_SIZE;
        if chars > 0 {
            if let Some(last) = st.bufs.back_mut() {
                if !last.packet && last.data.len() + chars <= PAGE_SIZE {
                    last.data.extend_from_slice(&data[..chars]);
                    done = chars;
                }
            }
        }
        let mut waiter: Option<Waiter> = None;
        let mut result = Ok(());
        while done < data.len() {
            if st.readers == 0 {
                result = Err(Errno::EPIPE);
                break;
            }
            if !st.is_full() {
                let n = (data.len() - done).min(PAGE_SIZE);
                let mut page = Vec::with_capacity(PAGE_SIZE);
                page.extend_from_slice(&data[done..done + n]);
                st.bufs.push_back(Buffer {
                    data: page,
                    start: 0,
                    packet,
                });
                done += n;
                continue;
            }
            if nonblock {
                result = Err(Errno::EAGAIN);
                break;
            }
            // Let readers at what is there before sleeping.
            self.readable.notify_all();
            let (guard, r) = waiter
                .get_or_insert_with(Waiter::new)
                .wait(&self.writable, st);
            st = guard;
            if let Err(e) = r {
                result = Err(e);
                break;
            }
        }
        if done > 0 {
            let now = Timespec::now();
            st.mtime = now;
            st.ctime = now;
        }
        drop(st);
        if done > 0 {
            self.readable.notify_all();
            return Ok(done);
        }
        result.map(|()| 0)
    }

    /// For splicing out of the pipe: waits while it is empty and has
    /// writers, with the rules of `read` (`EAGAIN` if `nonblock`, `EINTR`
    /// on a signal). `false` at the end (empty, no writers).
    pub fn wait_data(&self, nonblock: bool) -> VfsResult<bool> {
        let mut st = lock(&self.state);
        let mut waiter = Waiter::new();
        loop {
            if !st.bufs.is_empty() {
                return Ok(true);
            }
            if st.writers == 0 {
                return Ok(false);
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            let (guard, r) = waiter.wait(&self.readable, st);
            st = guard;
            r?;
        }
    }

    /// For splicing into the pipe: waits while it is full and has
    /// readers, with the rules of `write` (`EAGAIN` if `nonblock`, `EINTR`
    /// on a signal, `EPIPE` without readers). The free room then, in
    /// bytes (whole pages, as splice fills them).
    pub fn wait_room(&self, nonblock: bool) -> VfsResult<usize> {
        let mut st = lock(&self.state);
        let mut waiter = Waiter::new();
        loop {
            if st.readers == 0 {
                return Err(Errno::EPIPE);
            }
            if !st.is_full() {
                return Ok((st.max_slots - st.bufs.len()) * PAGE_SIZE);
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            let (guard, r) = waiter.wait(&self.writable, st);
            st = guard;
            r?;
        }
    }

    /// Copies up to `out.len()` bytes from the front of the pipe, leaving
    /// them there (`tee`, and `splice` before it knows what was taken).
    pub fn peek(&self, out: &mut [u8]) -> usize {
        let st = lock(&self.state);
        let mut done = 0;
        for buf in &st.bufs {
            let n = buf.len().min(out.len() - done);
            out[done..done + n].copy_from_slice(&buf.data[buf.start..buf.start + n]);
            done += n;
            if done == out.len() {
                break;
            }
        }
        done
    }

    /// Drops `n` bytes from the front of the pipe (what a splice moved).
    pub fn consume(&self, mut n: usize) {
        let mut st = lock(&self.state);
        let mut freed = false;
        while n > 0 {
            let Some(buf) = st.bufs.front_mut() else {
                break;
            };
            let k = buf.len().min(n);
            buf.start += k;
            n -= k;
            if buf.len() == 0 {
                st.bufs.pop_front();
                freed = true;
            }
        }
        st.atime = Timespec::now();
        drop(st);
        if freed {
            self.writable.notify_all();
        }
    }

    /// The attributes `fstat` reports: a FIFO, mode 0600, size 0.
    pub fn stat(&self) -> Stat {
        let st = lock(&self.state);
        Stat {
            dev: PIPEFS_DEV,
            ino: self.ino,
            mode: libc::S_IFIFO | 0o600,
            nlink: 1,
            uid: self.uid,
            gid: self.gid,
            rdev: 0,
            size: 0,
            blksize: PAGE_SIZE as i64,
            blocks: 0,
            atime: st.atime,
            mtime: st.mtime,
            ctime: st.ctime,
            btime: None,
            mnt_id: 0,
        }
    }

    /// Counts a new end. Returns, for a FIFO opener, the other side's
    /// open count if that side is not open now (a reader's writers, a
    /// writer's readers): what it must wait for, decided under the same
    /// lock as the open, as Linux's `fifo_open` does, so a peer that comes
    /// and goes before the wait starts still ends it.
    fn open_end(&self, reader: bool, writer: bool) -> Option<u64> {
        let mut st = lock(&self.state);
        st.readers += usize::from(reader);
        st.writers += usize::from(writer);
        st.reader_opens += u64::from(reader);
        st.writer_opens += u64::from(writer);
        let wait_for = match (reader, writer) {
            (true, false) if st.writers == 0 => Some(st.writer_opens),
            (false, true) if st.readers == 0 => Some(st.reader_opens),
            _ => None,
        };
        drop(st);
        // FIFO openers waiting for this side.
        self.readable.notify_all();
        self.writable.notify_all();
        wait_for
    }

    /// A FIFO opener's wait until the other side's open count moves past
    /// `seen`. Interruptible.
    fn wait_for_peer(&self, reader: bool, seen: u64) -> VfsResult<()> {
        let mut st = lock(&self.state);
        let mut waiter = Waiter::new();
        loop {
            let opens = if reader {
                st.writer_opens
            } else {
                st.reader_opens
            };
            if opens != seen {
                return Ok(());
            }
            let cv = if reader {
                &self.readable
            } else {
                &self.writable
            };
            let (guard, result) = waiter.wait(cv, st);
            st = guard;
            result?;
        }
    }

    fn close_end(&self, reader: bool, writer: bool) {
        let mut st = lock(&self.state);
        st.readers -= usize::from(reader && st.readers > 0);
        st.writers -= usize::from(writer && st.writers > 0);
        let (no_readers, no_writers) = (st.readers == 0, st.writers == 0);
        // A FIFO nobody has open keeps no data (as Linux frees its pipe).
        if no_readers && no_writers {
            st.bufs.clear();
        }
        drop(st);
        if reader && no_readers {
            self.writable.notify_all();
        }
        if writer && no_writers {
            self.readable.notify_all();
        }
    }
}

/// The pipe `file` is an end of, if it is one.
pub fn pipe_of(file: &OpenFile) -> Option<Arc<Pipe>> {
    file.ops().pipe().cloned()
}

/// One open file description's end of a pipe.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    reader: bool,
    writer: bool,
    /// The open file this end belongs to: its status flags (`O_NONBLOCK`,
    /// `O_DIRECT`, changed by `F_SETFL`) decide how reads and writes go.
    file: OnceLock<Weak<OpenFile>>,
    /// A FIFO's inode attributes (what `fstat` shows); `None` for pipes.
    node_stat: Option<Box<dyn Fn() -> Stat + Send + Sync>>,
}

impl PipeEnd {
    /// Opens an end of `pipe` as a new open file description with `flags`
    /// (access mode and status flags).
    pub fn open(pipe: &Arc<Pipe>, flags: i32) -> Arc<OpenFile> {
        PipeEnd::open_as(pipe, flags, pipe.path(), None).0
    }

    fn open_as(
        pipe: &Arc<Pipe>,
        flags: i32,
        path: Vec<u8>,
        node_stat: Option<Box<dyn Fn() -> Stat + Send + Sync>>,
    ) -> (Arc<OpenFile>, Option<u64>) {
        let acc = flags & libc::O_ACCMODE;
        let reader = acc == libc::O_RDONLY || acc == libc::O_RDWR;
        let writer = acc == libc::O_WRONLY || acc == libc::O_RDWR;
        let wait_for = pipe.open_end(reader, writer);
        let end = Arc::new(PipeEnd {
            pipe: pipe.clone(),
            reader,
            writer,
            file: OnceLock::new(),
            node_stat,
        });
        let file = OpenFile::from_ops(end.clone(), flags, path);
        let _ = end.file.set(Arc::downgrade(&file));
        (file, wait_for)
    }

    /// Opens a FIFO (a named pipe) as Linux's `fifo_open` does: `O_RDWR`
    /// never waits; a reader waits for a writer unless `O_NONBLOCK`; a
    /// writer waits for a reader, or with `O_NONBLOCK` and no reader
    /// fails with `ENXIO`. `path` is its name and `stat` its inode's
    /// attributes, which the open file shows.
    pub fn open_fifo(
        pipe: &Arc<Pipe>,
        flags: i32,
        path: Vec<u8>,
        stat: Box<dyn Fn() -> Stat + Send + Sync>,
    ) -> VfsResult<Arc<OpenFile>> {
        let acc = flags & libc::O_ACCMODE;
        let nonblock = flags & libc::O_NONBLOCK != 0;
        if acc == libc::O_WRONLY && nonblock && lock(&pipe.state).readers == 0 {
            return Err(Errno::ENXIO);
        }
        let reader = acc == libc::O_RDONLY;
        let (file, seen) = PipeEnd::open_as(pipe, flags, path, Some(stat));
        if let (Some(seen), false) = (seen, nonblock) {
            // On EINTR the new open file is dropped, closing this end.
            pipe.wait_for_peer(reader, seen)?;
        }
        Ok(file)
    }

    fn status_flags(&self) -> i32 {
        self.file
            .get()
            .and_then(Weak::upgrade)
            .map_or(0, |f| f.status_flags())
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        self.pipe.close_end(self.reader, self.writer);
    }
}

impl FileOps for PipeEnd {
    fn pipe(&self) -> Option<&Arc<Pipe>> {
        Some(&self.pipe)
    }
    fn poll(&self) -> i16 {
        self.pipe.poll(self.reader)
    }
    fn read(&self, buf: &mut [u8], _pos: &mut u64) -> VfsResult<usize> {
        let nonblock = self.status_flags() & libc::O_NONBLOCK != 0;
        self.pipe.read(buf, nonblock)
    }

    fn write(&self, buf: &[u8], _pos: &mut u64, _append: bool) -> VfsResult<usize> {
        let flags = self.status_flags();
        self.pipe.write(
            buf,
            flags & libc::O_NONBLOCK != 0,
            flags & libc::O_DIRECT != 0,
        )
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(match &self.node_stat {
            Some(stat) => stat(),
            None => self.pipe.stat(),
        })
    }

    fn statfs(&self) -> VfsResult<StatFs> {
        Ok(StatFs::pseudo(PIPEFS_MAGIC))
    }
}

/// `pipe2`: a new pipe owned by `uid`/`gid` and its read and write ends.
/// `flags` may hold `O_NONBLOCK` (both ends) and `O_DIRECT` (the write end:
/// packet mode); the caller has refused anything else.
pub fn new_pipe(uid: u32, gid: u32, flags: i32) -> (Arc<OpenFile>, Arc<OpenFile>) {
    let pipe = Arc::new(Pipe::new(uid, gid));
    let read = PipeEnd::open(&pipe, libc::O_RDONLY | (flags & libc::O_NONBLOCK));
    let write = PipeEnd::open(
        &pipe,
        libc::O_WRONLY | (flags & (libc::O_NONBLOCK | libc::O_DIRECT)),
    );
    (read, write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn set_nonblock(f: &OpenFile) {
        f.set_status_flags(f.status_flags() | libc::O_NONBLOCK);
    }

    #[test]
    fn bytes_go_through_in_order() {
        let (r, w) = new_pipe(0, 0, 0);
        assert_eq!(w.write(b"hello, "), Ok(7));
        assert_eq!(w.write(b"world"), Ok(5));
        let mut buf = [0u8; 64];
        assert_eq!(r.read(&mut buf[..3]), Ok(3));
        assert_eq!(&buf[..3], b"hel");
        assert_eq!(r.read(&mut buf), Ok(9));
        assert_eq!(&buf[..9], b"lo, world");
    }

    #[test]
    fn ends_have_their_access_modes() {
        let (r, w) = new_pipe(0, 0, 0);
        assert_eq!(r.write(b"x"), Err(Errno::EBADF));
        assert_eq!(w.read(&mut [0u8; 4]), Err(Errno::EBADF));
        assert_eq!(r.seek(0, libc::SEEK_CUR), Err(Errno::ESPIPE));
        assert_eq!(r.pread(&mut [0u8; 4], 0), Err(Errno::ESPIPE));
    }

    #[test]
    fn eof_after_the_last_writer_closes() {
        let (r, w) = new_pipe(0, 0, 0);
        let w2 = w.clone();
        w.write(b"ab").unwrap();
        drop(w);
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf), Ok(2));
        set_nonblock(&r);
        // One reference is still open: EAGAIN, not EOF.
        assert_eq!(r.read(&mut buf), Err(Errno::EAGAIN));
        drop(w2);
        assert_eq!(r.read(&mut buf), Ok(0));
    }

    #[test]
    fn writing_with_no_reader_is_epipe() {
        let (r, w) = new_pipe(0, 0, 0);
        drop(r);
        assert_eq!(w.write(b"x"), Err(Errno::EPIPE));
        assert_eq!(w.write(b""), Ok(0));
    }

    #[test]
    fn a_nonblocking_pipe_fills_to_its_capacity_in_pages() {
        let (r, w) = new_pipe(0, 0, libc::O_NONBLOCK);
        let page = [7u8; PAGE_SIZE];
        for _ in 0..16 {
            assert_eq!(w.write(&page), Ok(PAGE_SIZE));
        }
        assert_eq!(w.write(b"x"), Err(Errno::EAGAIN));
        let p = pipe_of(&r).unwrap();
        assert_eq!(p.available(), PIPE_DEF_SIZE);
        // A partly read page still takes its slot.
        let mut one = [0u8; 1];
        assert_eq!(r.read(&mut one), Ok(1));
        assert_eq!(w.write(b"x"), Err(Errno::EAGAIN));
        let mut rest = vec![0u8; PAGE_SIZE - 1];
        assert_eq!(r.read(&mut rest), Ok(PAGE_SIZE - 1));
        assert_eq!(w.write(b"x"), Ok(1));
        // Small writes merge into that page.
        assert_eq!(w.write(b"yz"), Ok(2));
        assert_eq!(p.available(), 15 * PAGE_SIZE + 3);
    }

    #[test]
    fn a_big_nonblocking_write_is_partial() {
        let (_r, w) = new_pipe(0, 0, libc::O_NONBLOCK);
        let big = vec![1u8; 100_000];
        assert_eq!(w.write(&big), Ok(PIPE_DEF_SIZE));
        assert_eq!(w.write(&big), Err(Errno::EAGAIN));
    }

    #[test]
    fn small_writes_merge_only_when_they_fit() {
        let (_r, w) = new_pipe(0, 0, libc::O_NONBLOCK);
        let chunk = [0u8; 1000];
        let mut n = 0;
        while w.write(&chunk).is_ok() {
            n += 1;
        }
        assert_eq!(n, 64);
    }

    #[test]
    fn set_size_rounds_and_checks() {
        let (_r, w) = new_pipe(0, 0, 0);
        let p = pipe_of(&w).unwrap();
        assert_eq!(p.size(), 65536);
        assert_eq!(p.set_size(0, false), Ok(4096));
        assert_eq!(p.set_size(4097, false), Ok(8192));
        assert_eq!(p.set_size(100_000, false), Ok(131_072));
        assert_eq!(p.set_size(1 << 20, false), Ok(1 << 20));
        assert_eq!(p.set_size((1 << 20) + 1, false), Err(Errno::EPERM));
        assert_eq!(p.set_size((1 << 20) + 1, true), Ok(2 << 20));
        assert_eq!(p.set_size((1 << 31) + 1, true), Err(Errno::EINVAL));
        p.set_size(65536, false).unwrap();
        w.write(&[0u8; 3 * PAGE_SIZE]).unwrap();
        assert_eq!(p.set_size(8192, false), Err(Errno::EBUSY));
        assert_eq!(p.set_size(12288, false), Ok(16384));
        assert_eq!(p.size(), 16384);
    }

    #[test]
    fn packet_mode_reads_one_packet() {
        let (r, w) = new_pipe(0, 0, libc::O_NONBLOCK | libc::O_DIRECT);
        assert_eq!(r.status_flags() & libc::O_DIRECT, 0);
        w.write(b"abc").unwrap();
        w.write(b"defg").unwrap();
        let mut buf = [0u8; 10];
        assert_eq!(r.read(&mut buf), Ok(3));
        assert_eq!(r.read(&mut buf[..2]), Ok(2));
        assert_eq!(&buf[..2], b"de");
        assert_eq!(r.read(&mut buf), Err(Errno::EAGAIN));
    }

    #[test]
    fn stat_is_a_fifo_with_a_unique_inode() {
        let (r, w) = new_pipe(12, 34, 0);
        let (r2, _w2) = new_pipe(0, 0, 0);
        let st = r.stat().unwrap();
        assert_eq!(st.mode, libc::S_IFIFO | 0o600);
        assert_eq!((st.uid, st.gid, st.size, st.nlink), (12, 34, 0, 1));
        assert_eq!(w.stat().unwrap().ino, st.ino);
        assert_ne!(r2.stat().unwrap().ino, st.ino);
        assert_eq!(r.path(), format!("pipe:[{}]", st.ino).as_bytes());
        assert_eq!(r.ops().statfs().unwrap().f_type, PIPEFS_MAGIC);
    }

    #[test]
    fn only_pipe_ends_have_a_pipe() {
        let (r, w) = new_pipe(0, 0, 0);
        assert!(Arc::ptr_eq(&pipe_of(&r).unwrap(), &pipe_of(&w).unwrap()));
        let null = OpenFile::from_ops(
            Arc::new(crate::dev::DevFile {
                kind: crate::dev::DevKind::Null,
            }),
            libc::O_RDONLY,
            b"/dev/null".to_vec(),
        );
        assert!(pipe_of(&null).is_none());
    }

    #[test]
    fn a_blocked_reader_wakes_for_data_and_for_eof() {
        let (r, w) = new_pipe(0, 0, 0);
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            w.write(b"late").unwrap();
            std::thread::sleep(Duration::from_millis(100));
            drop(w);
        });
        let mut buf = [0u8; 16];
        assert_eq!(r.read(&mut buf), Ok(4));
        assert_eq!(r.read(&mut buf), Ok(0));
        writer.join().unwrap();
    }

    #[test]
    fn a_blocked_writer_goes_on_when_read() {
        let (r, w) = new_pipe(0, 0, 0);
        let total = 3 * PIPE_DEF_SIZE;
        let reader = std::thread::spawn(move || {
            let mut got = 0;
            let mut buf = vec![0u8; 10_000];
            loop {
                match r.read(&mut buf) {
                    Ok(0) => break got,
                    Ok(n) => got += n,
                    Err(e) => panic!("{e:?}"),
                }
            }
        });
        assert_eq!(w.write(&vec![5u8; total]), Ok(total));
        drop(w);
        assert_eq!(reader.join().unwrap(), total);
    }

    #[test]
    fn a_blocked_writer_gets_epipe_when_the_reader_goes() {
        let (r, w) = new_pipe(0, 0, 0);
        w.write(&[0u8; PIPE_DEF_SIZE]).unwrap();
        let closer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(r);
        });
        assert_eq!(w.write(b"x"), Err(Errno::EPIPE));
        closer.join().unwrap();
    }

    #[test]
    fn a_blocked_read_is_interrupted() {
        let (r, _w) = new_pipe(0, 0, 0);
        let start = Instant::now();
        let result = std::thread::spawn(move || {
            let t0 = Instant::now();
            crate::blocking::set_interrupt_check(Box::new(move || {
                t0.elapsed() > Duration::from_millis(120)
            }));
            r.read(&mut [0u8; 8])
        })
        .join()
        .unwrap();
        assert_eq!(result, Err(Errno::EINTR));
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn an_interrupted_write_returns_what_it_wrote() {
        let (_r, w) = new_pipe(0, 0, 0);
        let result = std::thread::spawn(move || {
            crate::blocking::set_interrupt_check(Box::new(|| true));
            w.write(&vec![0u8; PIPE_DEF_SIZE + 10])
        })
        .join()
        .unwrap();
        assert_eq!(result, Ok(PIPE_DEF_SIZE));
    }
}
