//! statfs, fstatfs.

use trapline_vfs::StatFs;

use super::{fs_cred, read_path};
use crate::prelude::*;

/// Linux's `struct statfs` on x86_64 (the kernel's `struct statfs64` has
/// the same layout there).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}

// SAFETY: `Statfs` is `#[repr(C)]` with only integer fields, every one at
// an offset that is a multiple of its alignment and the size a multiple of
// 8, so it has no padding and any bit pattern is valid; the layout is
// checked against `libc::statfs` in the test below.
unsafe impl Plain for Statfs {}

fn encode(s: &StatFs) -> Statfs {
    Statfs {
        f_type: s.f_type,
        f_bsize: s.bsize,
        f_blocks: s.blocks,
        f_bfree: s.bfree,
        f_bavail: s.bavail,
        f_files: s.files,
        f_ffree: s.ffree,
        f_fsid: s.fsid,
        f_namelen: s.namelen,
        f_frsize: s.frsize,
        f_flags: s.flags,
        f_spare: [0; 4],
    }
}

syscall! {
    Implemented => fn statfs(task, pathname: UserAddr, buf: UserAddr) -> SysResult {
        let path = read_path(task, pathname)?;
        let cred = fs_cred(task);
        let st = {
            let fs = lock(&task.process.fs);
            task.kernel.vfs.statfs(&fs, None, &path, &cred)?
        };
        write_obj(&task.mem(), buf.0, &encode(&st))?;
        Ok(0)
    }
}

syscall! {
    Implemented => fn fstatfs(task, fd: Fd, buf: UserAddr) -> SysResult {
        let st = lock(&task.process.fds).get(fd.0)?.statfs()?;
        write_obj(&task.mem(), buf.0, &encode(&st))?;
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use std::mem::{offset_of, size_of};

    use super::Statfs;

    #[test]
    fn layout_matches_libc() {
        assert_eq!(size_of::<Statfs>(), size_of::<libc::statfs>());
        assert_eq!(size_of::<Statfs>(), 120);
        assert_eq!(offset_of!(Statfs, f_type), offset_of!(libc::statfs, f_type));
        assert_eq!(
            offset_of!(Statfs, f_bsize),
            offset_of!(libc::statfs, f_bsize)
        );
        assert_eq!(
            offset_of!(Statfs, f_blocks),
            offset_of!(libc::statfs, f_blocks)
        );
        assert_eq!(
            offset_of!(Statfs, f_bavail),
            offset_of!(libc::statfs, f_bavail)
        );
        assert_eq!(
            offset_of!(Statfs, f_ffree),
            offset_of!(libc::statfs, f_ffree)
        );
        assert_eq!(offset_of!(Statfs, f_fsid), offset_of!(libc::statfs, f_fsid));
        assert_eq!(
            offset_of!(Statfs, f_namelen),
            offset_of!(libc::statfs, f_namelen)
        );
        assert_eq!(
            offset_of!(Statfs, f_frsize),
            offset_of!(libc::statfs, f_frsize)
        );
        // libc's struct names f_flags among its spares: the first one.
        assert_eq!(
            offset_of!(Statfs, f_flags),
            offset_of!(libc::statfs, f_frsize) + 8
        );
        assert_eq!(offset_of!(Statfs, f_spare), 88);
    }
}
