//! The kernel's own device files: `/dev/null`, `/dev/zero`, `/dev/full`,
//! `/dev/random`, `/dev/urandom`.

use std::sync::OnceLock;

use crate::file::FileOps;
use crate::stat::{Stat, Timespec};
use crate::{host_errno, Errno, VfsResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DevKind {
    Null,
    Zero,
    Full,
    Random,
    Urandom,
}

/// The made-up device number of the file system holding these nodes.
const DEV: u64 = 0x2b;
const MODE: u32 = libc::S_IFCHR | 0o666;

/// When the device nodes appeared: their times.
fn born() -> Timespec {
    static BORN: OnceLock<Timespec> = OnceLock::new();
    *BORN.get_or_init(Timespec::now)
}

impl DevKind {
    pub const ALL: [DevKind; 5] = [
        DevKind::Null,
        DevKind::Zero,
        DevKind::Full,
        DevKind::Random,
        DevKind::Urandom,
    ];

    pub fn name(self) -> &'static [u8] {
        match self {
            DevKind::Null => b"null",
            DevKind::Zero => b"zero",
            DevKind::Full => b"full",
            DevKind::Random => b"random",
            DevKind::Urandom => b"urandom",
        }
    }

    /// The device a node made by `mknod` with `rdev` stands for, if it is
    /// one of these.
    pub fn from_rdev(rdev: u64) -> Option<DevKind> {
        DevKind::ALL
            .into_iter()
            .find(|k| libc::makedev(1, k.minor()) == rdev)
    }

    /// Its device number.
    pub fn rdev(self) -> u64 {
        libc::makedev(1, self.minor())
    }

    /// Linux's minor number under major 1 (mem).
    fn minor(self) -> u32 {
        match self {
            DevKind::Null => 3,
            DevKind::Zero => 5,
            DevKind::Full => 7,
            DevKind::Random => 8,
            DevKind::Urandom => 9,
        }
    }

    pub fn stat(self) -> Stat {
        let t = born();
        Stat {
            dev: DEV,
            ino: u64::from(self.minor()),
            mode: MODE,
            nlink: 1,
            uid: 0,
            gid: 0,
            rdev: libc::makedev(1, self.minor()),
            size: 0,
            blksize: 4096,
            blocks: 0,
            atime: t,
            mtime: t,
            ctime: t,
            btime: Some(t),
            mnt_id: 0,
        }
    }
}

/// An open device file.
pub(crate) struct DevFile {
    pub kind: DevKind,
}

/// Fills `buf` from the host's random source.
fn random(buf: &mut [u8]) -> VfsResult<usize> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: getrandom writes at most `rest.len()` bytes into `rest`.
        let r = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        match usize::try_from(r) {
            Ok(n) => done += n,
            Err(_) => {
                let e = host_errno();
                if e == Errno::EINTR {
                    continue;
                }
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
    }
    Ok(done)
}

impl FileOps for DevFile {
    fn seekable(&self) -> bool {
        true
    }

    /// Linux's `/dev/null` has no `splice_read`; the others do.
    fn splice_read(&self) -> bool {
        self.kind != DevKind::Null
    }

    fn read(&self, buf: &mut [u8], _pos: &mut u64) -> VfsResult<usize> {
        self.pread(buf, 0)
    }

    fn write(&self, buf: &[u8], _pos: &mut u64, append: bool) -> VfsResult<usize> {
        self.pwrite(buf, 0, append)
    }

    fn pread(&self, buf: &mut [u8], _off: u64) -> VfsResult<usize> {
        match self.kind {
            DevKind::Null => Ok(0),
            DevKind::Zero | DevKind::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            DevKind::Random | DevKind::Urandom => random(buf),
        }
    }

    fn pwrite(&self, buf: &[u8], _off: u64, _append: bool) -> VfsResult<usize> {
        match self.kind {
            DevKind::Full => Err(Errno::ENOSPC),
            // Writes to the random devices only stir the pool.
            _ => Ok(buf.len()),
        }
    }

    fn seek(&self, pos: &mut u64, _off: i64, _whence: i32) -> VfsResult<u64> {
        match self.kind {
            // Linux's null/zero/full lseek always lands at 0.
            DevKind::Null | DevKind::Zero | DevKind::Full => *pos = 0,
            // noop_llseek: the position stays.
            DevKind::Random | DevKind::Urandom => {}
        }
        Ok(*pos)
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.kind.stat())
    }
}
