//! The overlay root: the fixture's host tree under a writable layer. Every
//! test also checks that the host tree is unchanged.

use std::collections::BTreeSet;

use super::{err, names, read_all, root, user, Fixture, CREAT, RD, RW, WR};
use crate::Errno;

/// The host tree of a fixture, as (path, contents) pairs, to compare
/// before and after.
fn snapshot(fx: &Fixture) -> BTreeSet<(String, Vec<u8>)> {
    let mut out = BTreeSet::new();
    let mut dirs = vec![fx.dir.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).expect("lstat");
            let data = if meta.is_file() {
                std::fs::read(&p).expect("read")
            } else {
                Vec::new()
            };
            if meta.is_dir() {
                dirs.push(p.clone());
            }
            out.insert((p.display().to_string(), data));
        }
    }
    out
}

fn listing(fx: &Fixture, path: &[u8]) -> BTreeSet<Vec<u8>> {
    let d = fx
        .vfs
        .open(&fx.ctx, None, path, RD | libc::O_DIRECTORY, 0, &root())
        .expect("open dir");
    names(&d, 4096).into_iter().collect()
}

fn set(names: &[&str]) -> BTreeSet<Vec<u8>> {
    names.iter().map(|n| n.as_bytes().to_vec()).collect()
}

#[test]
fn writes_copy_up_and_keep_identity() {
    let fx = Fixture::new();
    let before = snapshot(&fx);
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    let st0 = vfs.stat(ctx, None, b"/etc/file", true, &r).expect("stat");
    let f = vfs
        .open(ctx, None, b"/etc/file", WR | libc::O_APPEND, 0, &r)
        .expect("open for append");
    assert_eq!(f.write(b"more\n"), Ok(5));
    let st1 = vfs.stat(ctx, None, b"/etc/file", true, &r).expect("stat");
    assert_eq!((st1.dev, st1.ino, st1.mode), (st0.dev, st0.ino, st0.mode));
    assert_eq!(st1.size, 11);
    let g = vfs.open(ctx, None, b"/etc/file", RD, 0, &r).expect("open");
    assert_eq!(read_all(&g), b"hello\nmore\n");
    // O_TRUNC copies up no bytes.
    let t = vfs
        .open(ctx, None, b"/bin/exe", WR | libc::O_TRUNC, 0, &r)
        .expect("truncate");
    assert_eq!(t.stat().map(|s| s.size), Ok(0));
    // chmod of a lower file; its parent directory keeps its identity.
    let etc0 = vfs.stat(ctx, None, b"/etc", true, &r).expect("stat");
    assert_eq!(
        vfs.chmod(ctx, None, b"/bin/noexec", 0o600, true, &r),
        Ok(())
    );
    let st = vfs.stat(ctx, None, b"/bin/noexec", true, &r).expect("stat");
    assert_eq!(st.mode & 0o7777, 0o600);
    let etc1 = vfs.stat(ctx, None, b"/etc", true, &r).expect("stat");
    assert_eq!((etc0.dev, etc0.ino), (etc1.dev, etc1.ino));
    assert_eq!(snapshot(&fx), before);
}

#[test]
fn create_list_and_delete_merge_both_layers() {
    let fx = Fixture::new();
    let before = snapshot(&fx);
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    assert_eq!(listing(&fx, b"/bin"), set(&[".", "..", "exe", "noexec"]));
    vfs.open(ctx, None, b"/bin/new", CREAT | WR, 0o644, &r)
        .expect("create");
    assert_eq!(vfs.unlink(ctx, None, b"/bin/exe", &r), Ok(()));
    assert_eq!(listing(&fx, b"/bin"), set(&[".", "..", "noexec", "new"]));
    assert_eq!(
        err(vfs.stat(ctx, None, b"/bin/exe", true, &r)),
        Errno::ENOENT
    );
    assert_eq!(err(vfs.unlink(ctx, None, b"/bin/exe", &r)), Errno::ENOENT);
    // A new file of the deleted name is a new file.
    let f = vfs
        .open(ctx, None, b"/bin/exe", CREAT | RW, 0o600, &r)
        .expect("recreate");
    assert_eq!(f.stat().map(|s| s.size), Ok(0));
    assert_eq!(vfs.unlink(ctx, None, b"/bin/exe", &r), Ok(()));
    assert_eq!(
        err(vfs.stat(ctx, None, b"/bin/exe", true, &r)),
        Errno::ENOENT
    );
    // EEXIST for a lower name, whatever the call.
    assert_eq!(
        err(vfs.mkdir(ctx, None, b"/etc/file", 0o755, &r)),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.symlink(ctx, None, b"x", b"/bin/noexec", &r)),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.open(
            ctx,
            None,
            b"/etc/file",
            CREAT | libc::O_EXCL | WR,
            0o644,
            &r
        )),
        Errno::EEXIST
    );
    assert_eq!(snapshot(&fx), before);
}

#[test]
fn directories_removed_and_made_again_are_opaque() {
    let fx = Fixture::new();
    let before = snapshot(&fx);
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    assert_eq!(err(vfs.rmdir(ctx, None, b"/bin", &r)), Errno::ENOTEMPTY);
    assert_eq!(vfs.unlink(ctx, None, b"/bin/exe", &r), Ok(()));
    assert_eq!(err(vfs.rmdir(ctx, None, b"/bin", &r)), Errno::ENOTEMPTY);
    assert_eq!(vfs.unlink(ctx, None, b"/bin/noexec", &r), Ok(()));
    assert_eq!(vfs.rmdir(ctx, None, b"/bin", &r), Ok(()));
    assert_eq!(err(vfs.stat(ctx, None, b"/bin", true, &r)), Errno::ENOENT);
    assert!(!listing(&fx, b"/").contains(b"bin".as_slice()));
    assert_eq!(vfs.mkdir(ctx, None, b"/bin", 0o755, &r), Ok(()));
    assert_eq!(listing(&fx, b"/bin"), set(&[".", ".."]));
    assert_eq!(
        err(vfs.stat(ctx, None, b"/bin/exe", true, &r)),
        Errno::ENOENT
    );
    // A lower directory that only has lower entries, removed whole.
    assert_eq!(vfs.unlink(ctx, None, b"/secret/inside", &r), Ok(()));
    assert_eq!(vfs.rmdir(ctx, None, b"/secret", &r), Ok(()));
    // A mount point cannot be removed.
    assert_eq!(err(vfs.rmdir(ctx, None, b"/tmp", &r)), Errno::EBUSY);
    assert_eq!(snapshot(&fx), before);
}

#[test]
fn renames_copy_files_and_refuse_lower_directories() {
    let fx = Fixture::new();
    let before = snapshot(&fx);
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    assert_eq!(
        vfs.rename(ctx, None, b"/etc/file", None, b"/bin/moved", &r),
        Ok(())
    );
    assert_eq!(
        err(vfs.stat(ctx, None, b"/etc/file", true, &r)),
        Errno::ENOENT
    );
    let f = vfs.open(ctx, None, b"/bin/moved", RD, 0, &r).expect("open");
    assert_eq!(read_all(&f), b"hello\n");
    // Over a lower file: it is replaced.
    assert_eq!(
        vfs.rename(ctx, None, b"/bin/moved", None, b"/bin/exe", &r),
        Ok(())
    );
    let f = vfs.open(ctx, None, b"/bin/exe", RD, 0, &r).expect("open");
    assert_eq!(read_all(&f), b"hello\n");
    assert_eq!(
        err(vfs.rename(ctx, None, b"/bin", None, b"/bin2", &r)),
        Errno::EXDEV
    );
    // A directory made here moves; onto a non-empty lower one it cannot.
    assert_eq!(vfs.mkdir(ctx, None, b"/etc/d", 0o755, &r), Ok(()));
    assert_eq!(
        err(vfs.rename(ctx, None, b"/etc/d", None, b"/secret", &r)),
        Errno::ENOTEMPTY
    );
    assert_eq!(
        err(vfs.rename(ctx, None, b"/etc/d", None, b"/bin/noexec", &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.rename(ctx, None, b"/bin/noexec", None, b"/secret", &r)),
        Errno::EISDIR
    );
    assert_eq!(vfs.rename(ctx, None, b"/etc/d", None, b"/d2", &r), Ok(()));
    assert!(listing(&fx, b"/").contains(b"d2".as_slice()));
    assert_eq!(snapshot(&fx), before);
}

#[test]
fn hard_links_and_permissions() {
    let fx = Fixture::new();
    let before = snapshot(&fx);
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    assert_eq!(
        vfs.link(ctx, None, b"/etc/file", None, b"/etc/hard", false, &r),
        Ok(())
    );
    let a = vfs.stat(ctx, None, b"/etc/file", true, &r).expect("stat");
    let b = vfs.stat(ctx, None, b"/etc/hard", true, &r).expect("stat");
    assert_eq!((a.ino, a.nlink), (b.ino, 2));
    // A user may not write or delete what the host says root owns.
    let u = user(1000);
    assert_eq!(
        err(vfs.open(ctx, None, b"/etc/file", WR, 0, &u)),
        Errno::EACCES
    );
    assert_eq!(err(vfs.unlink(ctx, None, b"/etc/file", &u)), Errno::EACCES);
    assert_eq!(
        err(vfs.chmod(ctx, None, b"/etc/file", 0o777, true, &u)),
        Errno::EPERM
    );
    assert_eq!(snapshot(&fx), before);
}

#[test]
fn a_cwd_in_a_lower_directory_sees_later_changes() {
    let fx = Fixture::new();
    let (vfs, r) = (&fx.vfs, root());
    let mut ctx = fx.ctx.clone();
    vfs.chdir(&mut ctx, None, b"/etc", &r).expect("chdir");
    // The directory is copied up after the chdir.
    vfs.open(&fx.ctx, None, b"/etc/new", CREAT | WR, 0o644, &r)
        .expect("create");
    assert!(vfs.stat(&ctx, None, b"new", true, &r).is_ok());
    assert_eq!(vfs.unlink(&ctx, None, b"file", &r), Ok(()));
    assert_eq!(
        err(vfs.stat(&fx.ctx, None, b"/etc/file", true, &r)),
        Errno::ENOENT
    );
    assert_eq!(ctx.cwd_path(), "/etc");
    let st = vfs.stat(&ctx, None, b"..", true, &r).expect("..");
    let root_st = vfs.stat(&ctx, None, b"/", true, &r).expect("/");
    assert_eq!((st.dev, st.ino), (root_st.dev, root_st.ino));
}

#[test]
fn a_copy_up_keeps_extended_attributes() {
    let fx = Fixture::new();
    let host = std::ffi::CString::new(fx.dir.join("etc/file").as_os_str().as_encoded_bytes())
        .expect("path");
    // SAFETY: the path and name are NUL-terminated and the value is 3
    // readable bytes.
    let set = unsafe {
        libc::lsetxattr(
            host.as_ptr(),
            c"user.kept".as_ptr(),
            b"yes".as_ptr().cast(),
            3,
            0,
        )
    };
    if set != 0 {
        // The host file system of the fixture has no user xattrs.
        return;
    }
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    assert_eq!(vfs.chmod(ctx, None, b"/etc/file", 0o600, true, &r), Ok(()));
    assert_eq!(
        vfs.getxattr(ctx, None, b"/etc/file", b"user.kept", true, &r),
        Ok(b"yes".to_vec())
    );
    let st = vfs.stat(ctx, None, b"/etc/file", true, &r).expect("stat");
    assert_eq!(st.mode & 0o7777, 0o600);
}
