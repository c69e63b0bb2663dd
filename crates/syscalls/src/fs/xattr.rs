//! Extended attributes: the get, list, set and remove families.
//!
//! The vfs answers for whole values and lists; here are Linux's size rules:
//! a size of 0 asks for the length, a smaller buffer is `ERANGE`, buffers
//! are capped at `XATTR_SIZE_MAX`/`XATTR_LIST_MAX` (a value or list larger
//! than that with a buffer that large is `E2BIG`).
//!
//! The name is read before the path, as Linux does since 6.13 (6.1 looked
//! the path up first): a bad name and a bad path give the name's error.

use std::sync::Arc;

use trapline_vfs::{OpenFile, XATTR_LIST_MAX, XATTR_NAME_MAX, XATTR_SIZE_MAX};

use super::{fs_cred, read_path};
use crate::prelude::*;

/// Reads an attribute name as Linux does (at most `XATTR_NAME_MAX + 1`
/// bytes with the NUL): `ERANGE` if it is empty or longer, `EFAULT` for a
/// bad pointer.
fn read_name(task: &Task, addr: UserAddr) -> Result<Vec<u8>, Errno> {
    match task.mem().read_cstring(addr.0, XATTR_NAME_MAX) {
        Ok(name) if name.is_empty() => Err(Errno::ERANGE),
        Ok(name) => Ok(name),
        Err(e) if e == Errno::ENAMETOOLONG => Err(Errno::ERANGE),
        Err(e) => Err(e),
    }
}

/// Linux's size rules for a value or list of `len` bytes and a buffer of
/// `size` (capped at `max`): `None` when only the length is asked for.
fn fit(len: usize, size: u64, max: usize) -> Result<Option<()>, Errno> {
    if size == 0 {
        return Ok(None);
    }
    let size = size.min(max as u64) as usize;
    if len > size {
        // A file system cannot have handed back more than the cap.
        return Err(if size >= max {
            Errno::E2BIG
        } else {
            Errno::ERANGE
        });
    }
    Ok(Some(()))
}

/// Copies a value or list out under the size rules.
fn put(task: &Task, data: &[u8], buf: UserAddr, size: u64, max: usize) -> SysResult {
    if fit(data.len(), size, max)?.is_some() && !data.is_empty() {
        task.mem().write(buf.0, data)?;
    }
    Ok(data.len() as u64)
}

/// The open file `fd` for an `f*xattr` call: `EBADF` for `O_PATH` files.
fn xattr_file(task: &Task, fd: Fd) -> Result<Arc<OpenFile>, Errno> {
    let file = lock(&task.process.fds).get(fd.0)?;
    if file.status_flags() & libc::O_PATH != 0 {
        return Err(Errno::EBADF);
    }
    Ok(file)
}

fn path_getxattr(
    task: &Task,
    pathname: UserAddr,
    name: UserAddr,
    value: UserAddr,
    size: u64,
    follow: bool,
) -> SysResult {
    let name = read_name(task, name)?;
    let path = read_path(task, pathname)?;
    let cred = fs_cred(task);
    let data = {
        let fs = lock(&task.process.fs);
        task.kernel
            .vfs
            .getxattr(&fs, None, &path, &name, follow, &cred)?
    };
    put(task, &data, value, size, XATTR_SIZE_MAX)
}

syscall! {
    Implemented => fn getxattr(task, pathname: UserAddr, name: UserAddr, value: UserAddr, size: u64) -> SysResult {
        path_getxattr(task, pathname, name, value, size, true)
    }
}

syscall! {
    Implemented => fn lgetxattr(task, pathname: UserAddr, name: UserAddr, value: UserAddr, size: u64) -> SysResult {
        path_getxattr(task, pathname, name, value, size, false)
    }
}

syscall! {
    Implemented => fn fgetxattr(task, fd: Fd, name: UserAddr, value: UserAddr, size: u64) -> SysResult {
        let file = xattr_file(task, fd)?;
        let name = read_name(task, name)?;
        let data = file.getxattr(&name, &fs_cred(task))?;
        put(task, &data, value, size, XATTR_SIZE_MAX)
    }
}

fn path_listxattr(
    task: &Task,
    pathname: UserAddr,
    list: UserAddr,
    size: u64,
    follow: bool,
) -> SysResult {
    let path = read_path(task, pathname)?;
    let cred = fs_cred(task);
    let data = {
        let fs = lock(&task.process.fs);
        task.kernel.vfs.listxattr(&fs, None, &path, follow, &cred)?
    };
    put(task, &data, list, size, XATTR_LIST_MAX)
}

syscall! {
    Implemented => fn listxattr(task, pathname: UserAddr, list: UserAddr, size: u64) -> SysResult {
        path_listxattr(task, pathname, list, size, true)
    }
}

syscall! {
    Implemented => fn llistxattr(task, pathname: UserAddr, list: UserAddr, size: u64) -> SysResult {
        path_listxattr(task, pathname, list, size, false)
    }
}

syscall! {
    Implemented => fn flistxattr(task, fd: Fd, list: UserAddr, size: u64) -> SysResult {
        let file = xattr_file(task, fd)?;
        let data = file.listxattr(&fs_cred(task))?;
        put(task, &data, list, size, XATTR_LIST_MAX)
    }
}

/// Linux's `setxattr_copy`: flags, name and value, before anything else.
fn read_set_args(
    task: &Task,
    name: UserAddr,
    value: UserAddr,
    size: u64,
    flags: i32,
) -> Result<(Vec<u8>, Vec<u8>), Errno> {
    if flags & !(trapline_vfs::XATTR_CREATE | trapline_vfs::XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    let name = read_name(task, name)?;
    if size > XATTR_SIZE_MAX as u64 {
        return Err(Errno::E2BIG);
    }
    let mut data = vec![0u8; size as usize];
    if size > 0 {
        task.mem().read(value.0, &mut data)?;
    }
    Ok((name, data))
}

fn path_setxattr(
    task: &Task,
    pathname: UserAddr,
    name: UserAddr,
    value: UserAddr,
    size: u64,
    flags: i32,
    follow: bool,
) -> SysResult {
    let (name, data) = read_set_args(task, name, value, size, flags)?;
    let path = read_path(task, pathname)?;
    let cred = fs_cred(task);
    let fs = lock(&task.process.fs);
    task.kernel
        .vfs
        .setxattr(&fs, None, &path, &name, &data, flags, follow, &cred)?;
    Ok(0)
}

syscall! {
    Partial("tmpfs keeps user.*, trusted.* and security.* but no POSIX ACLs; the host's are read-only (EROFS) but in a writable bind")
    => fn setxattr(task, pathname: UserAddr, name: UserAddr, value: UserAddr, size: u64, flags: i32) -> SysResult {
        path_setxattr(task, pathname, name, value, size, flags, true)
    }
}

syscall! {
    Partial("tmpfs keeps user.*, trusted.* and security.* but no POSIX ACLs; the host's are read-only (EROFS) but in a writable bind")
    => fn lsetxattr(task, pathname: UserAddr, name: UserAddr, value: UserAddr, size: u64, flags: i32) -> SysResult {
        path_setxattr(task, pathname, name, value, size, flags, false)
    }
}

syscall! {
    Partial("tmpfs keeps user.*, trusted.* and security.* but no POSIX ACLs; the host's are read-only (EROFS) but in a writable bind")
    => fn fsetxattr(task, fd: Fd, name: UserAddr, value: UserAddr, size: u64, flags: i32) -> SysResult {
        let file = xattr_file(task, fd)?;
        let (name, data) = read_set_args(task, name, value, size, flags)?;
        file.setxattr(&name, &data, flags, &fs_cred(task))?;
        Ok(0)
    }
}

fn path_removexattr(task: &Task, pathname: UserAddr, name: UserAddr, follow: bool) -> SysResult {
    let name = read_name(task, name)?;
    let path = read_path(task, pathname)?;
    let cred = fs_cred(task);
    let fs = lock(&task.process.fs);
    task.kernel
        .vfs
        .removexattr(&fs, None, &path, &name, follow, &cred)?;
    Ok(0)
}

syscall! {
    Partial("tmpfs keeps user.*, trusted.* and security.* but no POSIX ACLs; the host's are read-only (EROFS) but in a writable bind")
    => fn removexattr(task, pathname: UserAddr, name: UserAddr) -> SysResult {
        path_removexattr(task, pathname, name, true)
    }
}

syscall! {
    Partial("tmpfs keeps user.*, trusted.* and security.* but no POSIX ACLs; the host's are read-only (EROFS) but in a writable bind")
    => fn lremovexattr(task, pathname: UserAddr, name: UserAddr) -> SysResult {
        path_removexattr(task, pathname, name, false)
    }
}

syscall! {
    Partial("tmpfs keeps user.*, trusted.* and security.* but no POSIX ACLs; the host's are read-only (EROFS) but in a writable bind")
    => fn fremovexattr(task, fd: Fd, name: UserAddr) -> SysResult {
        let file = xattr_file(task, fd)?;
        let name = read_name(task, name)?;
        file.removexattr(&name, &fs_cred(task))?;
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_rules() {
        assert_eq!(fit(10, 0, XATTR_SIZE_MAX), Ok(None));
        assert_eq!(fit(100_000, 0, XATTR_SIZE_MAX), Ok(None));
        assert_eq!(fit(10, 10, XATTR_SIZE_MAX), Ok(Some(())));
        assert_eq!(fit(0, 1, XATTR_SIZE_MAX), Ok(Some(())));
        assert_eq!(fit(10, 9, XATTR_SIZE_MAX), Err(Errno::ERANGE));
        assert_eq!(fit(70_000, 65_535, XATTR_SIZE_MAX), Err(Errno::ERANGE));
        assert_eq!(fit(70_000, 65_536, XATTR_SIZE_MAX), Err(Errno::E2BIG));
        assert_eq!(fit(70_000, u64::MAX, XATTR_LIST_MAX), Err(Errno::E2BIG));
        assert_eq!(fit(65_536, u64::MAX, XATTR_SIZE_MAX), Ok(Some(())));
    }
}
