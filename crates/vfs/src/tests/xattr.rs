//! Extended attributes, file-system statistics, fsync and the
//! `AT_EMPTY_PATH` forms of the attribute calls.

use std::ffi::CString;

use super::{err, host_vfs, root, user, CREAT, RD, RW};
use crate::{Errno, TimeUpdate, ST_RELATIME, ST_VALID, TMPFS_MAGIC, XATTR_CREATE, XATTR_REPLACE};

/// What the host answers to `lgetxattr(path, name)`: the value or errno.
fn host_lgetxattr(path: &str, name: &str) -> Result<Vec<u8>, Errno> {
    let p = CString::new(path).expect("path");
    let n = CString::new(name).expect("name");
    let mut buf = vec![0u8; 65536];
    // SAFETY: NUL-terminated strings and a writable buffer of that size.
    let r = unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    match usize::try_from(r) {
        Ok(len) => {
            buf.truncate(len);
            Ok(buf)
        }
        Err(_) => Err(crate::host_errno()),
    }
}

fn host_llistxattr(path: &str) -> Result<Vec<u8>, Errno> {
    let p = CString::new(path).expect("path");
    let mut buf = vec![0u8; 65536];
    // SAFETY: a NUL-terminated path and a writable buffer of that size.
    let r = unsafe { libc::llistxattr(p.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    match usize::try_from(r) {
        Ok(len) => {
            buf.truncate(len);
            Ok(buf)
        }
        Err(_) => Err(crate::host_errno()),
    }
}

#[test]
fn host_xattrs_pass_through_read_only() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    for name in [
        "user.trapline-none",
        "security.selinux",
        "system.posix_acl_access",
        "foo.bar",
    ] {
        assert_eq!(
            vfs.getxattr(&ctx, None, b"/usr", name.as_bytes(), true, &r),
            host_lgetxattr("/usr", name),
            "{name}"
        );
    }
    assert_eq!(
        vfs.listxattr(&ctx, None, b"/usr", true, &r),
        host_llistxattr("/usr")
    );
    assert_eq!(
        err(vfs.getxattr(&ctx, None, b"/usr", b"", true, &r)),
        Errno::ERANGE
    );
    assert_eq!(
        err(vfs.getxattr(&ctx, None, b"/usr", &[b'a'; 256], true, &r)),
        Errno::ERANGE
    );
    assert_eq!(
        err(vfs.getxattr(&ctx, None, b"/nonexistent", b"user.x", true, &r)),
        Errno::ENOENT
    );
    // trusted.* is root's; the host would answer with our privileges.
    assert_eq!(
        err(vfs.getxattr(&ctx, None, b"/usr", b"trusted.x", true, &user(1000))),
        Errno::ENODATA
    );
    // A change copies the directory up: the guest sees it, the host not.
    assert_eq!(
        vfs.setxattr(&ctx, None, b"/usr", b"user.x", b"v", 0, true, &r),
        Ok(())
    );
    assert_eq!(
        vfs.getxattr(&ctx, None, b"/usr", b"user.x", true, &r),
        Ok(b"v".to_vec())
    );
    assert_eq!(host_lgetxattr("/usr", "user.x"), Err(Errno::ENODATA));
    assert_eq!(
        err(vfs.setxattr(&ctx, None, b"/usr", b"user.x", b"v", 4, true, &r)),
        Errno::EINVAL
    );
    assert_eq!(
        err(vfs.removexattr(&ctx, None, b"/usr", b"", true, &r)),
        Errno::ERANGE
    );
    let dir = vfs.open(&ctx, None, b"/usr", RD, 0, &r).expect("open /usr");
    assert_eq!(
        dir.getxattr(b"user.trapline-none", &r),
        host_lgetxattr("/usr", "user.trapline-none")
    );
    assert_eq!(dir.setxattr(b"user.x", b"", 0, &r), Ok(()));
    assert_eq!(dir.removexattr(b"user.x", &r), Ok(()));
    let path = vfs
        .open(&ctx, None, b"/usr", libc::O_PATH, 0, &r)
        .expect("O_PATH");
    assert_eq!(err(path.getxattr(b"user.x", &r)), Errno::EBADF);
    assert_eq!(err(path.listxattr(&r)), Errno::EBADF);
}

#[test]
fn tmpfs_keeps_attributes_like_linux() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let f = vfs
        .open(&ctx, None, b"/tmp/f", CREAT | RW, 0o644, &r)
        .expect("create");
    vfs.symlink(&ctx, None, b"f", b"/tmp/l", &r)
        .expect("symlink");
    let get =
        |path: &[u8], name: &[u8], follow: bool| vfs.getxattr(&ctx, None, path, name, follow, &r);
    assert_eq!(get(b"/tmp/f", b"user.x", true), Err(Errno::ENODATA));
    assert_eq!(get(b"/tmp/f", b"security.x", true), Err(Errno::ENODATA));
    assert_eq!(get(b"/tmp/f", b"trusted.x", true), Err(Errno::ENODATA));
    assert_eq!(get(b"/tmp/f", b"trusted.", true), Err(Errno::EINVAL));
    assert_eq!(get(b"/tmp/f", b"user.", true), Err(Errno::EINVAL));
    assert_eq!(
        get(b"/tmp/f", b"system.posix_acl_access", true),
        Err(Errno::ENODATA)
    );
    assert_eq!(
        get(b"/tmp/f", b"system.other", true),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(get(b"/tmp/f", b"foo.bar", true), Err(Errno::EOPNOTSUPP));
    assert_eq!(get(b"/tmp/l", b"user.x", false), Err(Errno::ENODATA));
    assert_eq!(
        get(b"/tmp/l", b"system.posix_acl_access", false),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(get(b"/dev/null", b"user.x", true), Err(Errno::ENODATA));
    let set = |path: &[u8], name: &[u8], value: &[u8], flags: i32| {
        vfs.setxattr(&ctx, None, path, name, value, flags, false, &r)
    };
    assert_eq!(set(b"/tmp/f", b"user.b", b"1", 0), Ok(()));
    assert_eq!(set(b"/tmp/f", b"trusted.t", b"22", XATTR_CREATE), Ok(()));
    assert_eq!(set(b"/tmp/f", b"user.a", b"", 0), Ok(()));
    assert_eq!(
        set(b"/tmp/f", b"user.a", b"x", XATTR_CREATE),
        Err(Errno::EEXIST)
    );
    assert_eq!(
        set(b"/tmp/f", b"user.n", b"x", XATTR_REPLACE),
        Err(Errno::ENODATA)
    );
    assert_eq!(set(b"/tmp/f", b"user.b", b"3", XATTR_REPLACE), Ok(()));
    assert_eq!(get(b"/tmp/f", b"user.b", true), Ok(b"3".to_vec()));
    assert_eq!(get(b"/tmp/f", b"user.a", true), Ok(Vec::new()));
    // Linux's tmpfs lists names in descending order; trusted.* for root.
    assert_eq!(
        vfs.listxattr(&ctx, None, b"/tmp/f", true, &r),
        Ok(b"user.b\0user.a\0trusted.t\0".to_vec())
    );
    assert_eq!(
        vfs.listxattr(&ctx, None, b"/tmp/f", true, &user(1000)),
        Ok(b"user.b\0user.a\0".to_vec())
    );
    assert_eq!(
        vfs.listxattr(&ctx, None, b"/dev/null", true, &r),
        Ok(Vec::new())
    );
    assert_eq!(set(b"/tmp/l", b"user.x", b"v", 0), Err(Errno::EPERM));
    assert_eq!(
        set(b"/tmp/f", b"system.posix_acl_access", b"v", 0),
        Err(Errno::EINVAL)
    );
    // The kernel's /dev is read-only.
    assert_eq!(set(b"/dev/null", b"trusted.x", b"v", 0), Err(Errno::EROFS));
    // user.* writes need write permission on the file.
    assert_eq!(
        vfs.setxattr(&ctx, None, b"/tmp/f", b"user.x", b"v", 0, true, &user(1000)),
        Err(Errno::EACCES)
    );
    assert_eq!(
        vfs.setxattr(
            &ctx,
            None,
            b"/tmp/f",
            b"trusted.x",
            b"v",
            0,
            true,
            &user(1000)
        ),
        Err(Errno::EPERM)
    );
    let remove = |name: &[u8]| vfs.removexattr(&ctx, None, b"/tmp/f", name, true, &r);
    assert_eq!(remove(b"trusted.x"), Err(Errno::ENODATA));
    assert_eq!(remove(b"trusted.t"), Ok(()));
    assert_eq!(remove(b"trusted.t"), Err(Errno::ENODATA));
    assert_eq!(remove(b"system.posix_acl_access"), Ok(()));
    assert_eq!(
        vfs.removexattr(
            &ctx,
            None,
            b"/tmp/f",
            b"system.posix_acl_access",
            true,
            &user(1000)
        ),
        Err(Errno::EPERM)
    );
    assert_eq!(f.getxattr(b"user.b", &r), Ok(b"3".to_vec()));
    assert_eq!(f.listxattr(&r), Ok(b"user.b\0user.a\0".to_vec()));
    assert_eq!(f.setxattr(b"user.c", b"", 0, &r), Ok(()));
    assert_eq!(f.removexattr(b"user.c", &r), Ok(()));
    assert_eq!(f.removexattr(b"", &r), Err(Errno::ERANGE));
}

#[test]
fn statfs_host_tmpfs_and_devices() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let usr = vfs.statfs(&ctx, None, b"/usr", &r).expect("statfs /usr");
    let host = crate::statfs::host_statfs(b"/usr").expect("host statfs");
    assert_eq!(usr.f_type, host.f_type);
    // The overlay is writable: no ST_RDONLY.
    assert_eq!(usr.flags, host.flags);
    assert_eq!(
        (usr.bsize, usr.blocks, usr.namelen),
        (host.bsize, host.blocks, host.namelen)
    );
    assert_eq!(
        err(vfs.statfs(&ctx, None, b"/nonexistent", &r)),
        Errno::ENOENT
    );

    let before = vfs.statfs(&ctx, None, b"/tmp", &r).expect("statfs /tmp");
    assert_eq!(before.f_type, TMPFS_MAGIC);
    assert_eq!(
        (before.bsize, before.frsize, before.namelen),
        (4096, 4096, 255)
    );
    assert_eq!(before.flags, ST_VALID | ST_RELATIME);
    assert!(before.blocks > 0 && before.files > 0);
    assert_eq!(before.bfree, before.bavail);
    let f = vfs
        .open(&ctx, None, b"/tmp/big", CREAT | RW, 0o644, &r)
        .expect("create");
    assert_eq!(f.write(&[1u8; 10000]), Ok(10000));
    let after = f.statfs().expect("fstatfs");
    assert_eq!(after.ffree, before.ffree - 1);
    assert_eq!(after.bfree, before.bfree - 3);

    let null = vfs
        .statfs(&ctx, None, b"/dev/null", &r)
        .expect("statfs /dev/null");
    // The kernel's /dev: a read-only tmpfs-like tree.
    assert_eq!(null.f_type, crate::TMPFS_MAGIC);
    assert_ne!(null.flags & crate::ST_RDONLY, 0);
    let path = vfs
        .open(&ctx, None, b"/usr", libc::O_PATH, 0, &r)
        .expect("O_PATH");
    assert_eq!(path.statfs().map(|s| s.f_type), Ok(host.f_type));
}

#[test]
fn fsync_answers() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let open = |p: &[u8], flags| vfs.open(&ctx, None, p, flags, 0o644, &r).expect("open");
    assert_eq!(open(b"/tmp/s", CREAT | RW).fsync(), Ok(()));
    assert_eq!(open(b"/tmp", RD).fsync(), Ok(()));
    assert_eq!(open(b"/usr", RD).fsync(), Ok(()));
    assert_eq!(open(b"/etc/passwd", RD).fsync(), Ok(()));
    assert_eq!(open(b"/dev/null", RW).fsync(), Err(Errno::EINVAL));
    assert_eq!(open(b"/usr", libc::O_PATH).fsync(), Err(Errno::EBADF));
}

#[test]
fn empty_path_forms_and_utimes_rules() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let f = vfs
        .open(&ctx, None, b"/tmp/e", CREAT | RW, 0o666, &r)
        .expect("create");
    let p = vfs
        .open(&ctx, None, b"/tmp/e", libc::O_PATH, 0, &r)
        .expect("O_PATH");
    assert_eq!(
        vfs.chown_empty_path(&ctx, Some(&p), Some(7), None, &r),
        Ok(())
    );
    assert_eq!(f.stat().map(|s| s.uid), Ok(7));
    assert_eq!(
        vfs.link_empty_path(&ctx, Some(&p), None, b"/tmp/e2", &r),
        Ok(())
    );
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp/e2", true, &r).map(|s| s.nlink),
        Ok(2)
    );
    // The cwd is `/`, the overlay's root: its times can change.
    assert_eq!(
        vfs.utimens_empty_path(&ctx, None, TimeUpdate::Now, TimeUpdate::Now, &r),
        Ok(())
    );
    // A writer who is not the owner may only set both times to now.
    assert_eq!(vfs.fchmod(&f, 0o666, &r), Ok(()));
    let u = user(1000);
    assert_eq!(
        vfs.utimens(
            &ctx,
            None,
            b"/tmp/e",
            TimeUpdate::Now,
            TimeUpdate::Now,
            true,
            &u
        ),
        Ok(())
    );
    assert_eq!(
        err(vfs.utimens(
            &ctx,
            None,
            b"/tmp/e",
            TimeUpdate::Now,
            TimeUpdate::Omit,
            true,
            &u
        )),
        Errno::EPERM
    );
}

#[test]
fn host_values_and_lists_with_a_root_prefix() {
    let fx = super::Fixture::new();
    let file = fx.dir.join("etc/file");
    let p = CString::new(file.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: NUL-terminated strings and a readable value of that length.
    let set = unsafe {
        libc::setxattr(
            p.as_ptr(),
            c"user.test".as_ptr(),
            b"value".as_ptr().cast(),
            5,
            0,
        )
    };
    if set != 0 {
        // The host's temporary directory keeps no user attributes.
        return;
    }
    let r = root();
    let (vfs, ctx) = (&fx.vfs, &fx.ctx);
    assert_eq!(
        vfs.getxattr(ctx, None, b"/etc/file", b"user.test", true, &r),
        Ok(b"value".to_vec())
    );
    assert_eq!(
        vfs.getxattr(ctx, None, b"/links/abs", b"user.test", true, &r),
        Ok(b"value".to_vec())
    );
    assert_eq!(
        err(vfs.getxattr(ctx, None, b"/links/abs", b"user.test", false, &r)),
        Errno::ENODATA
    );
    let list = vfs
        .listxattr(ctx, None, b"/etc/file", true, &r)
        .expect("list");
    assert!(list.split(|&b| b == 0).any(|n| n == b"user.test"));
    let f = fx.open("/etc/file", RD, 0).expect("open");
    assert_eq!(f.getxattr(b"user.test", &r), Ok(b"value".to_vec()));
    assert_eq!(f.listxattr(&r), Ok(list));
    // In the overlay a change lands on the upper copy, not the host file.
    assert_eq!(f.setxattr(b"user.test", b"", 0, &r), Ok(()));
    assert_eq!(
        vfs.getxattr(ctx, None, b"/etc/file", b"user.test", true, &r),
        Ok(Vec::new())
    );
}
