//! `/dev`: a fixed tree the kernel makes at boot, as a container's `/dev`:
//!
//! * the kernel's own devices `null zero full random urandom` (`dev.rs`);
//! * `tty`, the controlling terminal: the host's terminal Trapline runs on,
//!   for a process still in the session Trapline started it in; `ENXIO`
//!   for one that called `setsid` (it has no controlling terminal, and
//!   Trapline gives none), or when Trapline runs without a terminal;
//! * `ptmx` and `pts/`: the host's pseudo-terminals, passed through (see
//!   `pty`): `pts` is the host's devpts, read-only but for the terminals
//!   the guest holds;
//! * `fd -> /proc/self/fd` and `stdin`, `stdout`, `stderr` ->
//!   `/proc/self/fd/0..2`, which lead to the open files themselves;
//! * `shm/`, where a private tmpfs is mounted (POSIX shared memory and
//!   semaphores).
//!
//! The mount is read-only (creating files in `/dev` is `EROFS`, where
//! Linux's devtmpfs would let root), but its devices can be written.

use std::sync::Arc;

use crate::dev::{DevFile, DevKind};
use crate::file::FileOps;
use crate::fs_context::FsContext;
use crate::stat::Stat;
use crate::statfs::TMPFS_MAGIC;
use crate::synth::{Builder, Content, SynthFs, SynthNode};
use crate::vfs::Vfs;
use crate::{Errno, VfsResult};

/// The made-up device number of `/dev`.
const DEVFS_DEV: u64 = 0x2f;

/// A device node of `/dev`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Device {
    /// One of the kernel's own devices.
    Mem(DevKind),
    /// `/dev/tty`: the opener's controlling terminal.
    Tty,
    /// `/dev/ptmx`: a new pseudo-terminal.
    Ptmx,
}

impl Device {
    pub fn rdev(self) -> u64 {
        match self {
            Device::Mem(k) => k.rdev(),
            Device::Tty => libc::makedev(5, 0),
            Device::Ptmx => libc::makedev(5, 2),
        }
    }
}

/// The `/dev` tree. `shm` and `pts` are empty directories here: the vfs
/// mounts file systems on them.
pub(crate) fn devfs() -> Arc<SynthFs> {
    let mut b = Builder::new(0o755);
    for kind in DevKind::ALL {
        b.add(0, kind.name(), 0o666, Content::Device(Device::Mem(kind)));
    }
    b.add(0, b"tty", 0o666, Content::Device(Device::Tty));
    b.add(0, b"ptmx", 0o666, Content::Device(Device::Ptmx));
    b.dir(0, b"pts", 0o755);
    b.dir(0, b"shm", 0o1777);
    b.add(0, b"fd", 0o777, Content::Link(b"/proc/self/fd".to_vec()));
    for (i, name) in [&b"stdin"[..], b"stdout", b"stderr"].iter().enumerate() {
        let target = format!("/proc/self/fd/{i}").into_bytes();
        b.add(0, name, 0o777, Content::Link(target));
    }
    b.build("devtmpfs", "ro,nosuid,relatime", TMPFS_MAGIC, DEVFS_DEV)
}

impl Vfs {
    /// Opens a device node of `/dev` for the process of `ctx`.
    pub(crate) fn open_device(
        &self,
        ctx: &FsContext,
        node: &SynthNode,
        acc: i32,
    ) -> VfsResult<Arc<dyn FileOps>> {
        let device = node.device().ok_or(Errno::ENXIO)?;
        match device {
            Device::Mem(kind) => Ok(Arc::new(MemDevice {
                dev: DevFile { kind },
                st: node.stat(),
            })),
            Device::Tty => {
                // Only the session Trapline started the guest in has a
                // controlling terminal (the host's); `setsid` leaves it.
                if self.proc.session_of(ctx.pid()).is_some_and(|sid| sid != 0) {
                    return Err(Errno::ENXIO);
                }
                crate::host::open_terminal(b"/dev/tty", acc)
            }
            Device::Ptmx => crate::pty::open_ptmx(acc),
        }
    }
}

/// One of the kernel's devices opened through `/dev`: `fstat` shows the
/// node it was opened by.
struct MemDevice {
    dev: DevFile,
    st: Stat,
}

impl FileOps for MemDevice {
    fn seekable(&self) -> bool {
        self.dev.seekable()
    }

    fn splice_read(&self) -> bool {
        self.dev.splice_read()
    }

    fn poll(&self) -> i16 {
        self.dev.poll()
    }

    fn read(&self, buf: &mut [u8], pos: &mut u64) -> VfsResult<usize> {
        self.dev.read(buf, pos)
    }

    fn write(&self, buf: &[u8], pos: &mut u64, append: bool) -> VfsResult<usize> {
        self.dev.write(buf, pos, append)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> VfsResult<usize> {
        self.dev.pread(buf, off)
    }

    fn pwrite(&self, buf: &[u8], off: u64, append: bool) -> VfsResult<usize> {
        self.dev.pwrite(buf, off, append)
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        self.dev.seek(pos, off, whence)
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.st.clone())
    }
}
