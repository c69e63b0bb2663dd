//! Extended attributes.
//!
//! Host nodes show the host's attributes, read-only: reads go to the host
//! (`lgetxattr`/`llistxattr` on the node's host path, or `fgetxattr` on an
//! open file's host fd), changes answer `EROFS`. The tmpfs and the kernel's
//! devices store none yet and answer as Linux 6.1's tmpfs does for a node
//! without any: its handlers are `trusted.*`, `security.*` and the POSIX
//! ACLs (`user.*` came in 6.6). Files outside the mount tree (pipes,
//! sockets) answer as a Linux file system without xattr support.
//!
//! Names are as the syscall passed them; an empty name or one longer than
//! `XATTR_NAME_MAX` is `ERANGE` (Linux refuses those when it copies the name
//! in, before the lookup; the syscall layer does that first).

use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd};

use crate::cred::{self, Cred, Owner, MAY_READ, MAY_WRITE};
use crate::file::OpenFile;
use crate::fs_context::FsContext;
use crate::mount::Location;
use crate::node::Node;
use crate::vfs::Vfs;
use crate::{host_errno, Errno, VfsResult};

/// Longest attribute name.
pub const XATTR_NAME_MAX: usize = 255;
/// Largest attribute value.
pub const XATTR_SIZE_MAX: usize = 65536;
/// Largest list of names.
pub const XATTR_LIST_MAX: usize = 65536;
/// `setxattr` flag: fail with `EEXIST` if it exists.
pub const XATTR_CREATE: i32 = 1;
/// `setxattr` flag: fail with `ENODATA` unless it exists.
pub const XATTR_REPLACE: i32 = 2;

const ACL_ACCESS: &[u8] = b"system.posix_acl_access";
const ACL_DEFAULT: &[u8] = b"system.posix_acl_default";
const TRUSTED: &[u8] = b"trusted.";
const SECURITY: &[u8] = b"security.";
const SYSTEM: &[u8] = b"system.";
const USER: &[u8] = b"user.";

fn check_name(name: &[u8]) -> VfsResult<()> {
    if name.is_empty() || name.len() > XATTR_NAME_MAX {
        return Err(Errno::ERANGE);
    }
    Ok(())
}

/// Linux's `xattr_permission`: the checks of the attribute namespace.
fn permission(owner: Owner, name: &[u8], write: bool, cred: &Cred) -> VfsResult<()> {
    if name.starts_with(SECURITY) || name.starts_with(SYSTEM) {
        return Ok(());
    }
    let denied = if write { Errno::EPERM } else { Errno::ENODATA };
    if name.starts_with(TRUSTED) {
        return if cred.is_root() { Ok(()) } else { Err(denied) };
    }
    if name.starts_with(USER) {
        let ft = owner.mode & libc::S_IFMT;
        if ft != libc::S_IFREG && ft != libc::S_IFDIR {
            return Err(denied);
        }
        let sticky_dir = ft == libc::S_IFDIR && owner.mode & libc::S_ISVTX != 0;
        if sticky_dir && write && !cred.is_root() && cred.uid != owner.uid {
            return Err(Errno::EPERM);
        }
        return Ok(());
    }
    cred::check(cred, owner, if write { MAY_WRITE } else { MAY_READ })
}

/// The capability module's rule for changes: `security.*` (but for
/// `security.capability`) needs `CAP_SYS_ADMIN`.
fn may_change_security(name: &[u8], cred: &Cred) -> VfsResult<()> {
    if name.starts_with(SECURITY) && name != b"security.capability" && !cred.is_root() {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// The handler of Linux 6.1's tmpfs that takes `name`.
enum Handler {
    Acl {
        default: bool,
    },
    /// `trusted.*` and `security.*`, stored in memory on Linux.
    Simple,
}

/// Linux's `xattr_resolve_name` over tmpfs's handlers.
fn tmpfs_handler(name: &[u8]) -> VfsResult<Handler> {
    if name == ACL_ACCESS {
        return Ok(Handler::Acl { default: false });
    }
    if name == ACL_DEFAULT {
        return Ok(Handler::Acl { default: true });
    }
    for prefix in [TRUSTED, SECURITY] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return if rest.is_empty() {
                Err(Errno::EINVAL)
            } else {
                Ok(Handler::Simple)
            };
        }
    }
    Err(Errno::EOPNOTSUPP)
}

fn is_symlink(owner: Owner) -> bool {
    owner.mode & libc::S_IFMT == libc::S_IFLNK
}

/// `getxattr` on a tmpfs (or device) node: none is set.
fn tmpfs_get(owner: Owner, name: &[u8], cred: &Cred) -> VfsResult<Vec<u8>> {
    permission(owner, name, false, cred)?;
    match tmpfs_handler(name)? {
        Handler::Acl { .. } if is_symlink(owner) => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::ENODATA),
    }
}

/// `setxattr` on a tmpfs node: attributes are not stored yet.
fn tmpfs_set(owner: Owner, name: &[u8], value: &[u8], flags: i32, cred: &Cred) -> VfsResult<()> {
    permission(owner, name, true, cred)?;
    may_change_security(name, cred)?;
    match tmpfs_handler(name)? {
        Handler::Acl { .. } if is_symlink(owner) => Err(Errno::EOPNOTSUPP),
        // Shorter than an ACL header.
        Handler::Acl { .. } if value.len() < 4 => Err(Errno::EINVAL),
        Handler::Simple if flags & XATTR_REPLACE != 0 => Err(Errno::ENODATA),
        _ => Err(Errno::EOPNOTSUPP),
    }
}

/// `removexattr` on a tmpfs node: there is nothing to remove, but removing
/// an ACL that is not set succeeds.
fn tmpfs_remove(owner: Owner, name: &[u8], cred: &Cred) -> VfsResult<()> {
    permission(owner, name, true, cred)?;
    may_change_security(name, cred)?;
    match tmpfs_handler(name)? {
        Handler::Acl { .. } if is_symlink(owner) => Err(Errno::EOPNOTSUPP),
        Handler::Acl { default: true } if owner.mode & libc::S_IFMT != libc::S_IFDIR => Ok(()),
        Handler::Acl { .. } if !cred.is_root() && cred.uid != owner.uid => Err(Errno::EPERM),
        Handler::Acl { .. } => Ok(()),
        Handler::Simple => Err(Errno::ENODATA),
    }
}

/// A file system without xattr support (pipes, sockets): the namespace
/// checks, then `EOPNOTSUPP`.
fn unsupported(owner: Owner, name: &[u8], write: bool, cred: &Cred) -> Errno {
    let checked = permission(owner, name, write, cred).and_then(|()| {
        if write {
            may_change_security(name, cred)
        } else {
            Ok(())
        }
    });
    match checked {
        Ok(()) => Errno::EOPNOTSUPP,
        Err(e) => e,
    }
}

/// Calls a host `*getxattr`/`*listxattr` (`call(buf, size)`) until the
/// value fits the buffer it asked the size of.
fn host_read(call: impl Fn(*mut libc::c_void, usize) -> isize) -> VfsResult<Vec<u8>> {
    for _ in 0..8 {
        let size = usize::try_from(call(std::ptr::null_mut(), 0)).map_err(|_| host_errno())?;
        if size == 0 {
            return Ok(Vec::new());
        }
        let mut buf = vec![0u8; size];
        match usize::try_from(call(buf.as_mut_ptr().cast(), buf.len())) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            // It grew in between: ask again.
            Err(_) if host_errno() == Errno::ERANGE => continue,
            Err(_) => return Err(host_errno()),
        }
    }
    Err(Errno::ERANGE)
}

fn c_name(name: &[u8]) -> VfsResult<CString> {
    CString::new(name).map_err(|_| Errno::EINVAL)
}

fn host_get_path(path: &[u8], name: &[u8]) -> VfsResult<Vec<u8>> {
    let p = CString::new(path).map_err(|_| Errno::EINVAL)?;
    let n = c_name(name)?;
    // SAFETY: `p` and `n` are NUL-terminated; `buf` is null with size 0
    // or writable for `size` bytes.
    host_read(|buf, size| unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf, size) })
}

fn host_get_fd(fd: BorrowedFd<'_>, name: &[u8]) -> VfsResult<Vec<u8>> {
    let n = c_name(name)?;
    // SAFETY: `n` is NUL-terminated; `buf` is null with size 0 or writable
    // for `size` bytes; the fd is open for the call.
    host_read(|buf, size| unsafe { libc::fgetxattr(fd.as_raw_fd(), n.as_ptr(), buf, size) })
}

fn host_list_path(path: &[u8]) -> VfsResult<Vec<u8>> {
    let p = CString::new(path).map_err(|_| Errno::EINVAL)?;
    // SAFETY: `p` is NUL-terminated; `buf` is null with size 0 or writable
    // for `size` bytes.
    host_read(|buf, size| unsafe { libc::llistxattr(p.as_ptr(), buf.cast(), size) })
}

fn host_list_fd(fd: BorrowedFd<'_>) -> VfsResult<Vec<u8>> {
    // SAFETY: `buf` is null with size 0 or writable for `size` bytes; the
    // fd is open for the call.
    host_read(|buf, size| unsafe { libc::flistxattr(fd.as_raw_fd(), buf.cast(), size) })
}

/// The host's list of names as the caller may see it: `trusted.*` only
/// for root (the host answers with Trapline's own privileges).
fn visible_names(list: Vec<u8>, cred: &Cred) -> Vec<u8> {
    if cred.is_root() {
        return list;
    }
    let mut out = Vec::with_capacity(list.len());
    for name in list.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        if !name.starts_with(TRUSTED) {
            out.extend_from_slice(name);
            out.push(0);
        }
    }
    out
}

/// How a node's attributes are reached.
enum Target<'a> {
    /// A host node: its host path, or the host fd of an open file.
    Host {
        path: Vec<u8>,
        fd: Option<BorrowedFd<'a>>,
    },
    /// A tmpfs or device node.
    Memory,
    /// A `/proc` node: no extended attributes.
    Unsupported,
}

fn target<'a>(loc: &Location, fd: Option<BorrowedFd<'a>>) -> VfsResult<Target<'a>> {
    match &loc.node {
        Node::Host(h) => Ok(Target::Host {
            path: loc.mount.host()?.host_path(&h.rel),
            fd,
        }),
        Node::Tmpfs(_) => Ok(Target::Memory),
        Node::Proc(_) | Node::Synth(_) => Ok(Target::Unsupported),
    }
}

fn get_loc(
    loc: &Location,
    fd: Option<BorrowedFd<'_>>,
    name: &[u8],
    cred: &Cred,
) -> VfsResult<Vec<u8>> {
    check_name(name)?;
    let owner = loc.node.owner();
    match target(loc, fd)? {
        Target::Host { path, fd } => {
            permission(owner, name, false, cred)?;
            match fd {
                Some(fd) => host_get_fd(fd, name),
                None => host_get_path(&path, name),
            }
        }
        Target::Memory => tmpfs_get(owner, name, cred),
        Target::Unsupported => Err(unsupported(owner, name, false, cred)),
    }
}

fn list_loc(loc: &Location, fd: Option<BorrowedFd<'_>>, cred: &Cred) -> VfsResult<Vec<u8>> {
    match target(loc, fd)? {
        Target::Host { path, fd } => {
            let list = match fd {
                Some(fd) => host_list_fd(fd)?,
                None => host_list_path(&path)?,
            };
            Ok(visible_names(list, cred))
        }
        Target::Memory | Target::Unsupported => Ok(Vec::new()),
    }
}

fn set_loc(loc: &Location, name: &[u8], value: &[u8], flags: i32, cred: &Cred) -> VfsResult<()> {
    check_flags(flags)?;
    check_name(name)?;
    match &loc.node {
        Node::Host(_) | Node::Synth(_) => Err(Errno::EROFS),
        Node::Tmpfs(_) => tmpfs_set(loc.node.owner(), name, value, flags, cred),
        Node::Proc(_) => Err(unsupported(loc.node.owner(), name, true, cred)),
    }
}

fn remove_loc(loc: &Location, name: &[u8], cred: &Cred) -> VfsResult<()> {
    if let Node::Host(_) | Node::Synth(_) = &loc.node {
        return Err(Errno::EROFS);
    }
    check_name(name)?;
    if let Node::Proc(_) = &loc.node {
        return Err(unsupported(loc.node.owner(), name, true, cred));
    }
    tmpfs_remove(loc.node.owner(), name, cred)
}

fn check_flags(flags: i32) -> VfsResult<()> {
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

impl Vfs {
    /// `getxattr`/`lgetxattr` (`follow` false): the whole value.
    pub fn getxattr(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        name: &[u8],
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<Vec<u8>> {
        let found = self.lookup(ctx, base, path, follow, cred)?;
        get_loc(&found.loc, None, name, cred)
    }

    /// `listxattr`/`llistxattr`: the names, each followed by a NUL.
    pub fn listxattr(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<Vec<u8>> {
        let found = self.lookup(ctx, base, path, follow, cred)?;
        list_loc(&found.loc, None, cred)
    }

    /// `setxattr`/`lsetxattr`: `EROFS` on the host; the tmpfs stores none
    /// yet (`EOPNOTSUPP` where Linux would store one).
    #[allow(clippy::too_many_arguments)]
    pub fn setxattr(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        name: &[u8],
        value: &[u8],
        flags: i32,
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        check_flags(flags)?;
        check_name(name)?;
        let found = self.lookup(ctx, base, path, follow, cred)?;
        set_loc(&found.loc, name, value, flags, cred)
    }

    /// `removexattr`/`lremovexattr`.
    pub fn removexattr(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        name: &[u8],
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<()> {
        let found = self.lookup(ctx, base, path, follow, cred)?;
        remove_loc(&found.loc, name, cred)
    }
}

impl OpenFile {
    /// The owner of a file outside the mount tree, for the namespace checks.
    fn loose_owner(&self) -> VfsResult<Owner> {
        let st = self.ops().stat()?;
        Ok(Owner {
            mode: st.mode,
            uid: st.uid,
            gid: st.gid,
        })
    }

    /// `fgetxattr`: `EBADF` on `O_PATH` files.
    pub fn getxattr(&self, name: &[u8], cred: &Cred) -> VfsResult<Vec<u8>> {
        if self.is_path_only() {
            return Err(Errno::EBADF);
        }
        let fd = self.ops().host_meta_fd();
        if let Some(loc) = &self.loc {
            return get_loc(loc, fd, name, cred);
        }
        check_name(name)?;
        match fd {
            Some(fd) => host_get_fd(fd, name),
            None => Err(unsupported(self.loose_owner()?, name, false, cred)),
        }
    }

    /// `flistxattr`.
    pub fn listxattr(&self, cred: &Cred) -> VfsResult<Vec<u8>> {
        if self.is_path_only() {
            return Err(Errno::EBADF);
        }
        let fd = self.ops().host_meta_fd();
        if let Some(loc) = &self.loc {
            return list_loc(loc, fd, cred);
        }
        match fd {
            Some(fd) => Ok(visible_names(host_list_fd(fd)?, cred)),
            None => Ok(Vec::new()),
        }
    }

    /// `fsetxattr`.
    pub fn setxattr(&self, name: &[u8], value: &[u8], flags: i32, cred: &Cred) -> VfsResult<()> {
        if self.is_path_only() {
            return Err(Errno::EBADF);
        }
        check_flags(flags)?;
        check_name(name)?;
        if let Some(loc) = &self.loc {
            return set_loc(loc, name, value, flags, cred);
        }
        if self.ops().host_meta_fd().is_some() {
            return Err(Errno::EROFS);
        }
        Err(unsupported(self.loose_owner()?, name, true, cred))
    }

    /// `fremovexattr`.
    pub fn removexattr(&self, name: &[u8], cred: &Cred) -> VfsResult<()> {
        if self.is_path_only() {
            return Err(Errno::EBADF);
        }
        if let Some(loc) = &self.loc {
            return remove_loc(loc, name, cred);
        }
        if self.ops().host_meta_fd().is_some() {
            return Err(Errno::EROFS);
        }
        check_name(name)?;
        Err(unsupported(self.loose_owner()?, name, true, cred))
    }
}
