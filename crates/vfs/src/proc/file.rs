//! Open `/proc` files and directories.

use std::sync::Arc;

use super::{proc_statfs, ProcFs, ProcNode};
use crate::file::{dir_seek, generic_seek, DirEntry, DirSnapshot, FileOps};
use crate::stat::Stat;
use crate::{Errno, VfsResult};

/// An open `/proc` file: the bytes made at open time (a snapshot, read
/// with the open file's position).
pub(crate) struct ProcFile {
    pub data: Vec<u8>,
    pub st: Stat,
    /// What a write gets (`EINVAL` below a pid, `EIO` at the top).
    pub write_error: Errno,
}

impl FileOps for ProcFile {
    fn seekable(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8], pos: &mut u64) -> VfsResult<usize> {
        let n = self.pread(buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }

    fn write(&self, _buf: &[u8], _pos: &mut u64, _append: bool) -> VfsResult<usize> {
        Err(self.write_error)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> VfsResult<usize> {
        let start = usize::try_from(off)
            .unwrap_or(usize::MAX)
            .min(self.data.len());
        let n = buf.len().min(self.data.len() - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        Ok(n)
    }

    fn pwrite(&self, _buf: &[u8], _off: u64, _append: bool) -> VfsResult<usize> {
        Err(self.write_error)
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        match whence {
            libc::SEEK_SET | libc::SEEK_CUR | libc::SEEK_END => {
                generic_seek(pos, off, whence, self.data.len() as u64)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.st.clone())
    }

    fn statfs(&self) -> VfsResult<crate::StatFs> {
        Ok(proc_statfs())
    }
}

/// An open `comm`: reads its name as it was at open time; a write renames
/// the thread, from a thread of the same process only (`EINVAL`
/// otherwise), as Linux's `comm_write`.
pub(crate) struct CommFile {
    pub file: ProcFile,
    pub fs: Arc<ProcFs>,
    pub pid: i32,
    pub tid: i32,
    /// Whether the opener is a thread of process `pid`.
    pub own: bool,
}

impl CommFile {
    fn rename(&self, buf: &[u8]) -> VfsResult<usize> {
        if !self.own {
            return Err(Errno::EINVAL);
        }
        // Linux copies at most 15 bytes (a newline written is kept) and
        // stops at a NUL.
        let name: Vec<u8> = buf
            .iter()
            .take(15)
            .take_while(|&&b| b != 0)
            .copied()
            .collect();
        self.fs.set_comm(self.pid, self.tid, &name)?;
        Ok(buf.len())
    }
}

impl FileOps for CommFile {
    fn seekable(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8], pos: &mut u64) -> VfsResult<usize> {
        self.file.read(buf, pos)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> VfsResult<usize> {
        self.file.pread(buf, off)
    }

    fn write(&self, buf: &[u8], _pos: &mut u64, _append: bool) -> VfsResult<usize> {
        self.rename(buf)
    }

    fn pwrite(&self, buf: &[u8], _off: u64, _append: bool) -> VfsResult<usize> {
        self.rename(buf)
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        self.file.seek(pos, off, whence)
    }

    fn stat(&self) -> VfsResult<Stat> {
        self.file.stat()
    }

    fn statfs(&self) -> VfsResult<crate::StatFs> {
        Ok(proc_statfs())
    }
}

/// An open namespace (what `ns/pid` leads to): it can only be stat'ed
/// (and would be passed to `setns`, which Trapline does not have).
pub(crate) struct NsFile {
    pub st: Stat,
}

impl FileOps for NsFile {
    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.st.clone())
    }

    fn statfs(&self) -> VfsResult<crate::StatFs> {
        Ok(crate::StatFs::pseudo(super::NSFS_MAGIC))
    }
}

/// An open `/proc` directory: its entries as they were when read from
/// position 0; the position is an index.
pub(crate) struct ProcDir {
    pub fs: Arc<ProcFs>,
    pub node: ProcNode,
    pub entries: DirSnapshot,
    pub st: Stat,
}

impl FileOps for ProcDir {
    fn seekable(&self) -> bool {
        true
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        dir_seek(pos, off, whence)
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.st.clone())
    }

    fn getdents(&self, pos: &mut u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> VfsResult<()> {
        self.entries
            .getdents(pos, sink, || self.fs.entries(&self.node))
    }

    fn is_dir(&self) -> bool {
        true
    }

    fn statfs(&self) -> VfsResult<crate::StatFs> {
        Ok(proc_statfs())
    }
}
