//! Extended attributes.
//!
//! Host nodes show the host's attributes: reads go to the host
//! (`lgetxattr`/`llistxattr` on the node's host path, or `fgetxattr` on an
//! open file's host fd); changes answer `EROFS` but in a writable bind,
//! where they go to the host (`host_write.rs`), and in the overlay root,
//! where the node is copied up first. tmpfs inodes keep `user.*` (Linux
//! 6.6 and later), `trusted.*` and `security.*` attributes as Linux's
//! tmpfs does; POSIX ACLs are not stored (a valid ACL is `EOPNOTSUPP`).
//! The kernel's devices store none (Linux's devtmpfs would). Files outside
//! the mount tree (pipes, sockets) answer as a Linux file system without
//! xattr support.
//!
//! Names are as the syscall passed them; an empty name or one longer than
//! `XATTR_NAME_MAX` is `ERANGE` (Linux refuses those when it copies the name
//! in, before the lookup; the syscall layer does that first).

use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::Arc;

use crate::cred::{self, Cred, Owner, MAY_READ, MAY_WRITE};
use crate::file::OpenFile;
use crate::fs_context::FsContext;
use crate::host::{HostFs, MetaPath};
use crate::host_write::writable_host;
use crate::mount::Location;
use crate::node::Node;
use crate::tmpfs::Inode;
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

/// The handler of Linux's tmpfs that takes `name`.
enum Handler {
    Acl {
        default: bool,
    },
    /// `user.*`, `trusted.*` and `security.*`, kept with the inode.
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
    for prefix in [TRUSTED, SECURITY, USER] {
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

/// `getxattr` on a tmpfs node, or a device node (`inode` `None`: none is
/// set).
fn tmpfs_get(inode: Option<&Inode>, owner: Owner, name: &[u8], cred: &Cred) -> VfsResult<Vec<u8>> {
    permission(owner, name, false, cred)?;
    match tmpfs_handler(name)? {
        Handler::Acl { .. } if is_symlink(owner) => Err(Errno::EOPNOTSUPP),
        Handler::Acl { .. } => Err(Errno::ENODATA),
        Handler::Simple => inode.and_then(|i| i.xattr(name)).ok_or(Errno::ENODATA),
    }
}

/// `setxattr` on a tmpfs node; a device node (`inode` `None`) stores none.
fn tmpfs_set(
    inode: Option<&Inode>,
    owner: Owner,
    name: &[u8],
    value: &[u8],
    flags: i32,
    cred: &Cred,
) -> VfsResult<()> {
    permission(owner, name, true, cred)?;
    may_change_security(name, cred)?;
    match tmpfs_handler(name)? {
        Handler::Acl { .. } if is_symlink(owner) => Err(Errno::EOPNOTSUPP),
        // Shorter than an ACL header.
        Handler::Acl { .. } if value.len() < 4 => Err(Errno::EINVAL),
        Handler::Acl { .. } => Err(Errno::EOPNOTSUPP),
        Handler::Simple => match inode {
            Some(i) => i.set_xattr(
                name,
                value,
                flags & XATTR_CREATE != 0,
                flags & XATTR_REPLACE != 0,
            ),
            None if flags & XATTR_REPLACE != 0 => Err(Errno::ENODATA),
            None => Err(Errno::EOPNOTSUPP),
        },
    }
}

/// `removexattr` on a tmpfs or device node; removing an ACL that is not
/// set succeeds.
fn tmpfs_remove(inode: Option<&Inode>, owner: Owner, name: &[u8], cred: &Cred) -> VfsResult<()> {
    permission(owner, name, true, cred)?;
    may_change_security(name, cred)?;
    match tmpfs_handler(name)? {
        Handler::Acl { .. } if is_symlink(owner) => Err(Errno::EOPNOTSUPP),
        Handler::Acl { default: true } if owner.mode & libc::S_IFMT != libc::S_IFDIR => Ok(()),
        Handler::Acl { .. } if !cred.is_root() && cred.uid != owner.uid => Err(Errno::EPERM),
        Handler::Acl { .. } => Ok(()),
        Handler::Simple => inode.ok_or(Errno::ENODATA)?.remove_xattr(name),
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

/// The extended attributes of the host node at `rel` of `fs` (names and
/// values), for an overlay's copy up to keep; `trusted.*` ones only when
/// Trapline may read them. Attributes it cannot read are left out.
pub(crate) fn host_xattrs(fs: &HostFs, rel: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let Ok(path) = fs.meta_path(rel) else {
        return Vec::new();
    };
    let Ok(list) = host_list_path(&path) else {
        return Vec::new();
    };
    list.split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .filter_map(|n| Some((n.to_vec(), host_get_path(&path, n).ok()?)))
        .collect()
}

fn host_get_path(path: &MetaPath, name: &[u8]) -> VfsResult<Vec<u8>> {
    let p = &path.path;
    let n = c_name(name)?;
    if path.follow {
        // SAFETY: `p` and `n` are NUL-terminated; `buf` is null with size
        // 0 or writable for `size` bytes.
        return host_read(|buf, size| unsafe { libc::getxattr(p.as_ptr(), n.as_ptr(), buf, size) });
    }
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

fn host_list_path(path: &MetaPath) -> VfsResult<Vec<u8>> {
    let p = &path.path;
    if path.follow {
        // SAFETY: `p` is NUL-terminated; `buf` is null with size 0 or
        // writable for `size` bytes.
        return host_read(|buf, size| unsafe { libc::listxattr(p.as_ptr(), buf.cast(), size) });
    }
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
    /// A host node: the host fd of an open file, else a path to it.
    Host {
        host: &'a HostFs,
        rel: &'a [u8],
        fd: Option<BorrowedFd<'a>>,
    },
    /// A tmpfs node, or a device node (`None`).
    Memory(Option<&'a Arc<Inode>>),
    /// A `/proc` node: no extended attributes.
    Unsupported,
}

fn target<'a>(loc: &'a Location, fd: Option<BorrowedFd<'a>>) -> VfsResult<Target<'a>> {
    match &loc.node {
        Node::Host(h) => Ok(Target::Host {
            host: loc.mount.host()?,
            rel: &h.rel,
            fd,
        }),
        Node::Tmpfs(i) => Ok(Target::Memory(Some(i))),
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
        Target::Host { host, rel, fd } => {
            permission(owner, name, false, cred)?;
            match fd {
                Some(fd) => host_get_fd(fd, name),
                None => host_get_path(&host.meta_path(rel)?, name),
            }
        }
        Target::Memory(inode) => tmpfs_get(inode.map(|i| &**i), owner, name, cred),
        Target::Unsupported => Err(unsupported(owner, name, false, cred)),
    }
}

fn list_loc(loc: &Location, fd: Option<BorrowedFd<'_>>, cred: &Cred) -> VfsResult<Vec<u8>> {
    match target(loc, fd)? {
        Target::Host { host, rel, fd } => {
            let list = match fd {
                Some(fd) => host_list_fd(fd)?,
                None => host_list_path(&host.meta_path(rel)?)?,
            };
            Ok(visible_names(list, cred))
        }
        Target::Memory(Some(inode)) => Ok(inode.xattr_names(cred.is_root())),
        Target::Memory(None) | Target::Unsupported => Ok(Vec::new()),
    }
}

fn set_loc(loc: &Location, name: &[u8], value: &[u8], flags: i32, cred: &Cred) -> VfsResult<()> {
    check_flags(flags)?;
    check_name(name)?;
    if let Some((host, h)) = writable_host(loc) {
        permission(loc.node.owner(), name, true, cred)?;
        may_change_security(name, cred)?;
        return host.set_xattr(h, name, Some(value), flags, cred);
    }
    let owner = loc.node.owner();
    match (&loc.node, loc.mount.overlay()) {
        (n @ Node::Host(_), Some(overlay)) => {
            permission(owner, name, true, cred)?;
            let copy = overlay.copy_up(n, true)?;
            tmpfs_set(Some(&copy), owner, name, value, flags, cred)
        }
        (Node::Host(_), None) | (Node::Synth(_), _) => Err(Errno::EROFS),
        (Node::Tmpfs(i), _) => tmpfs_set(Some(i), owner, name, value, flags, cred),
        (Node::Proc(_), _) => Err(unsupported(owner, name, true, cred)),
    }
}

fn remove_loc(loc: &Location, name: &[u8], cred: &Cred) -> VfsResult<()> {
    if let Some((host, h)) = writable_host(loc) {
        check_name(name)?;
        permission(loc.node.owner(), name, true, cred)?;
        may_change_security(name, cred)?;
        return host.set_xattr(h, name, None, 0, cred);
    }
    check_name(name)?;
    let owner = loc.node.owner();
    match (&loc.node, loc.mount.overlay()) {
        (n @ Node::Host(_), Some(overlay)) => {
            permission(owner, name, true, cred)?;
            let copy = overlay.copy_up(n, true)?;
            tmpfs_remove(Some(&copy), owner, name, cred)
        }
        (Node::Host(_), None) => Err(Errno::EROFS),
        (Node::Tmpfs(i), _) => tmpfs_remove(Some(i), owner, name, cred),
        (Node::Proc(_), _) => Err(unsupported(owner, name, true, cred)),
        _ => tmpfs_remove(None, owner, name, cred),
    }
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

    /// `setxattr`/`lsetxattr`: `EROFS` on the host.
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
