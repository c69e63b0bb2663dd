//! Writable binds: changes reach the host directory, and nothing outside
//! it, even through a directory swapped for a symlink while held.

use super::{err, read_all, root, user, Fixture, CREAT, RD, RW, WR};
use crate::{Errno, FsContext, TimeUpdate};

#[test]
fn changes_reach_the_host_directory() {
    let fx = Fixture::new();
    let vfs = &fx.with_bind(b"/rw", false);
    let ctx = &FsContext::new(vfs);
    let r = root();
    let f = vfs
        .open(
            ctx,
            None,
            b"/rw/etc/new",
            CREAT | RW | libc::O_EXCL,
            0o640,
            &r,
        )
        .expect("create");
    assert_eq!(f.write(b"made"), Ok(4));
    assert_eq!(std::fs::read(fx.dir.join("etc/new")).unwrap(), b"made");
    assert_eq!(f.stat().unwrap().mode, libc::S_IFREG | 0o640);
    vfs.mkdir(ctx, None, b"/rw/etc/d", 0o755, &r)
        .expect("mkdir");
    vfs.rename(ctx, None, b"/rw/etc/new", None, b"/rw/etc/d/moved", &r)
        .expect("rename");
    vfs.rename(ctx, None, b"/rw/etc/d", None, b"/rw/d2", &r)
        .expect("rename a directory");
    assert_eq!(std::fs::read(fx.dir.join("d2/moved")).unwrap(), b"made");
    vfs.symlink(ctx, None, b"/etc/file", b"/rw/abs", &r)
        .expect("symlink");
    // The guest's symlink resolves in the guest's tree: the root's
    // /etc/file (the same host file here, seen read-only through the root).
    let l = vfs.open(ctx, None, b"/rw/abs", RD, 0, &r).expect("follow");
    assert_eq!(l.path(), b"/etc/file");
    vfs.chmod(ctx, None, b"/rw/d2/moved", 0o600, true, &r)
        .expect("chmod");
    vfs.utimens(
        ctx,
        None,
        b"/rw/d2/moved",
        TimeUpdate::Omit,
        TimeUpdate::Set(crate::Timespec { sec: 7, nsec: 9 }),
        true,
        &r,
    )
    .expect("utimens");
    let st = vfs.stat(ctx, None, b"/rw/d2/moved", true, &r).unwrap();
    assert_eq!(
        (st.mode & 0o777, st.mtime.sec, st.mtime.nsec),
        (0o600, 7, 9)
    );
    vfs.truncate(ctx, None, b"/rw/d2/moved", 2, &r)
        .expect("truncate");
    let again = vfs.open(ctx, None, b"/rw/d2/moved", RD, 0, &r).unwrap();
    assert_eq!(read_all(&again), b"ma");
    vfs.unlink(ctx, None, b"/rw/d2/moved", &r).expect("unlink");
    vfs.rmdir(ctx, None, b"/rw/d2", &r).expect("rmdir");
    assert!(!fx.dir.join("d2").exists());
    // The host decides, with the guest's ids.
    assert_eq!(
        err(vfs.unlink(ctx, None, b"/rw/etc/file", &user(1000))),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.open(ctx, None, b"/rw/etc/file", WR, 0, &user(1000))),
        Errno::EACCES
    );
    assert!(fx.dir.join("etc/file").exists());
}

#[test]
fn a_held_directory_swapped_for_a_symlink_leads_nowhere() {
    let fx = Fixture::new();
    let outside = fx.dir.with_extension("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim"), b"outside").unwrap();
    let vfs = &fx.with_bind(b"/rw", false);
    let ctx = &FsContext::new(vfs);
    let r = root();
    let dir = vfs
        .open(ctx, None, b"/rw/etc", RD | libc::O_DIRECTORY, 0, &r)
        .expect("dir");
    std::fs::rename(fx.dir.join("etc"), fx.dir.join("etc.moved")).unwrap();
    std::os::unix::fs::symlink(&outside, fx.dir.join("etc")).unwrap();
    let d = Some(&*dir);
    assert_eq!(
        err(vfs.open(ctx, d, b"victim", WR | libc::O_TRUNC, 0, &r)),
        Errno::ELOOP
    );
    assert_eq!(
        err(vfs.open(ctx, d, b"new", CREAT | WR, 0o644, &r)),
        Errno::ELOOP
    );
    // The directory is opened `O_DIRECTORY | O_NOFOLLOW`: a symlink there
    // is "not a directory".
    assert_eq!(err(vfs.unlink(ctx, d, b"victim", &r)), Errno::ENOTDIR);
    assert_eq!(err(vfs.mkdir(ctx, d, b"d", 0o755, &r)), Errno::ENOTDIR);
    assert_eq!(
        err(vfs.chmod(ctx, d, b"victim", 0o777, true, &r)),
        Errno::ELOOP
    );
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        1,
        "something was made outside"
    );
    assert_eq!(std::fs::read(outside.join("victim")).unwrap(), b"outside");
    let _ = std::fs::remove_dir_all(&outside);
}

#[test]
fn another_root_is_confined_too() {
    // A lower directory swapped for a symlink to the host's /etc after
    // the guest found it does not lead there.
    let fx = Fixture::new();
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    let dir = vfs
        .open(ctx, None, b"/etc", RD | libc::O_DIRECTORY, 0, &r)
        .expect("dir");
    std::fs::rename(fx.dir.join("etc"), fx.dir.join("etc.moved")).unwrap();
    std::os::unix::fs::symlink("/etc", fx.dir.join("etc")).unwrap();
    assert_eq!(
        err(vfs.open(ctx, Some(&*dir), b"hostname", RD, 0, &r)),
        Errno::ELOOP
    );
    assert_eq!(
        err(vfs.stat(ctx, Some(&*dir), b"passwd", true, &r)),
        Errno::ELOOP
    );
    // Through the guest's own walk, the symlink is the guest's: /etc
    // points to itself there.
    assert_eq!(err(vfs.stat(ctx, None, b"/etc", true, &r)), Errno::ELOOP);
}

#[test]
fn only_a_read_only_bind_says_so() {
    let fx = Fixture::new();
    let r = root();
    for (read_only, flag) in [(true, crate::ST_RDONLY), (false, 0)] {
        let vfs = &fx.with_bind(b"/b", read_only);
        let ctx = &FsContext::new(vfs);
        let st = vfs.statfs(ctx, None, b"/b/etc", &r).expect("statfs");
        assert_eq!(st.flags & crate::ST_RDONLY, flag, "read_only {read_only}");
    }
}
