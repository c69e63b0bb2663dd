use super::{err, host_vfs, root, user, Fixture, CREAT, RD, WR};
use crate::{Errno, Vfs};

#[test]
fn dotdot_at_root_stays_at_root() {
    let (vfs, ctx) = host_vfs();
    let r = vfs.stat(&ctx, None, b"/", true, &root()).expect("stat /");
    for p in ["/..", "/../..", "..", "/./../.", "//..//"] {
        let st = vfs.stat(&ctx, None, p.as_bytes(), true, &root()).expect(p);
        assert_eq!((st.dev, st.ino), (r.dev, r.ino), "{p}");
    }
}

#[test]
fn dotdot_leaves_tmp_for_host_root() {
    let (vfs, mut ctx) = host_vfs();
    let r = vfs.stat(&ctx, None, b"/", true, &root()).expect("stat /");
    let t = vfs
        .stat(&ctx, None, b"/tmp", true, &root())
        .expect("stat /tmp");
    assert_eq!(t.dev, libc::makedev(0, 0x2a));
    assert_eq!(t.mode, libc::S_IFDIR | 0o1777);
    assert_ne!(t.mnt_id, r.mnt_id);
    let up = vfs
        .stat(&ctx, None, b"/tmp/..", true, &root())
        .expect("stat /tmp/..");
    assert_eq!((up.dev, up.ino), (r.dev, r.ino));
    vfs.mkdir(&ctx, None, b"/tmp/a", 0o755, &root())
        .expect("mkdir");
    vfs.chdir(&mut ctx, None, b"/tmp/a", &root())
        .expect("chdir");
    assert_eq!(ctx.cwd_path(), "/tmp/a");
    let up2 = vfs
        .stat(&ctx, None, b"../..", true, &root())
        .expect("stat ../..");
    assert_eq!((up2.dev, up2.ino), (r.dev, r.ino));
    vfs.chdir(&mut ctx, None, b"..", &root()).expect("chdir ..");
    assert_eq!(ctx.cwd_path(), "/tmp");
    vfs.chdir(&mut ctx, None, b"..", &root()).expect("chdir ..");
    assert_eq!(ctx.cwd_path(), "/");
}

#[test]
fn symlink_loops_are_eloop() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    vfs.symlink(&ctx, None, b"b", b"/tmp/a", &r).expect("a");
    vfs.symlink(&ctx, None, b"/tmp/a", b"/tmp/b", &r)
        .expect("b");
    vfs.symlink(&ctx, None, b"self/x", b"/tmp/self", &r)
        .expect("self");
    assert_eq!(err(vfs.stat(&ctx, None, b"/tmp/a", true, &r)), Errno::ELOOP);
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/b", RD, 0, &r)),
        Errno::ELOOP
    );
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/self", true, &r)),
        Errno::ELOOP
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/a", CREAT | WR, 0o644, &r)),
        Errno::ELOOP
    );
    let l = vfs.stat(&ctx, None, b"/tmp/a", false, &r).expect("lstat");
    assert_eq!(l.mode & libc::S_IFMT, libc::S_IFLNK);
    assert_eq!(l.size, 1);
    assert_eq!(
        vfs.readlink(&ctx, None, b"/tmp/b", &r),
        Ok(b"/tmp/a".to_vec())
    );
    assert_eq!(err(vfs.readlink(&ctx, None, b"/tmp", &r)), Errno::EINVAL);
}

#[test]
fn forty_symlinks_resolve_and_forty_one_do_not() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    vfs.mkdir(&ctx, None, b"/tmp/end", 0o755, &r)
        .expect("mkdir");
    vfs.symlink(&ctx, None, b"end", b"/tmp/l0", &r).expect("l0");
    for i in 1..=40 {
        let target = format!("l{}", i - 1);
        vfs.symlink(
            &ctx,
            None,
            target.as_bytes(),
            format!("/tmp/l{i}").as_bytes(),
            &r,
        )
        .expect("link");
    }
    assert!(vfs.stat(&ctx, None, b"/tmp/l39", true, &r).is_ok());
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/l40", true, &r)),
        Errno::ELOOP
    );
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/l40/", false, &r)),
        Errno::ELOOP
    );
    assert!(vfs.stat(&ctx, None, b"/tmp/l40", false, &r).is_ok());
}

#[test]
fn non_directory_components_are_enotdir() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    vfs.open(&ctx, None, b"/tmp/f", CREAT | WR, 0o644, &r)
        .expect("create");
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/f/x", true, &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/f/.", true, &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/f/..", true, &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/tmp/f/d", 0o755, &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/f/g", CREAT | WR, 0o644, &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/f", RD | libc::O_DIRECTORY, 0, &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/missing/x", true, &r)),
        Errno::ENOENT
    );
    let f = vfs.open(&ctx, None, b"/tmp/f", RD, 0, &r).expect("open");
    assert_eq!(
        err(vfs.stat(&ctx, Some(&f), b"x", true, &r)),
        Errno::ENOTDIR
    );
    assert!(vfs.stat(&ctx, Some(&f), b"/tmp", true, &r).is_ok());
    assert_eq!(
        err(vfs.chdir(&mut ctx.clone(), None, b"/tmp/f", &r)),
        Errno::ENOTDIR
    );
}

#[test]
fn trailing_slash_requires_a_directory() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    vfs.open(&ctx, None, b"/tmp/f", CREAT | WR, 0o644, &r)
        .expect("create");
    vfs.mkdir(&ctx, None, b"/tmp/d/", 0o755, &r)
        .expect("mkdir with slash");
    vfs.symlink(&ctx, None, b"d", b"/tmp/ld", &r)
        .expect("symlink");
    vfs.symlink(&ctx, None, b"f", b"/tmp/lf", &r)
        .expect("symlink");
    assert!(vfs
        .stat(&ctx, None, b"/tmp/d/", true, &r)
        .expect("d/")
        .is_dir());
    assert!(vfs
        .stat(&ctx, None, b"/tmp/d//", true, &r)
        .expect("d//")
        .is_dir());
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/f/", true, &r)),
        Errno::ENOTDIR
    );
    // A trailing slash follows a final symlink even for lstat.
    assert!(vfs
        .stat(&ctx, None, b"/tmp/ld/", false, &r)
        .expect("ld/")
        .is_dir());
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/lf/", false, &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/new/", CREAT | WR, 0o644, &r)),
        Errno::EISDIR
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/f/", RD, 0, &r)),
        Errno::ENOTDIR
    );
    assert_eq!(err(vfs.unlink(&ctx, None, b"/tmp/f/", &r)), Errno::ENOTDIR);
    assert_eq!(err(vfs.unlink(&ctx, None, b"/tmp/d/", &r)), Errno::EISDIR);
    assert_eq!(
        err(vfs.symlink(&ctx, None, b"x", b"/tmp/s/", &r)),
        Errno::ENOENT
    );
    assert_eq!(
        err(vfs.symlink(&ctx, None, b"x", b"/tmp/d/", &r)),
        Errno::EEXIST
    );
    assert!(vfs.rmdir(&ctx, None, b"/tmp/d/", &r).is_ok());
}

#[test]
fn name_length_and_empty_path() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let long = format!("/tmp/{}", "a".repeat(256));
    assert_eq!(
        err(vfs.stat(&ctx, None, long.as_bytes(), true, &r)),
        Errno::ENAMETOOLONG
    );
    assert_eq!(
        err(vfs.open(&ctx, None, long.as_bytes(), CREAT | WR, 0o644, &r)),
        Errno::ENAMETOOLONG
    );
    let ok = format!("/tmp/{}", "a".repeat(255));
    assert!(vfs
        .open(&ctx, None, ok.as_bytes(), CREAT | WR, 0o644, &r)
        .is_ok());
    let path = "/".repeat(4096);
    assert_eq!(
        err(vfs.stat(&ctx, None, path.as_bytes(), true, &r)),
        Errno::ENAMETOOLONG
    );
    assert!(vfs
        .stat(&ctx, None, "/".repeat(4095).as_bytes(), true, &r)
        .is_ok());
    assert_eq!(err(vfs.stat(&ctx, None, b"", true, &r)), Errno::ENOENT);
    assert_eq!(err(vfs.open(&ctx, None, b"", RD, 0, &r)), Errno::ENOENT);
}

#[test]
fn nofollow_excl_and_create_through_symlink() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    vfs.symlink(&ctx, None, b"target", b"/tmp/dangling", &r)
        .expect("symlink");
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/dangling", RD | libc::O_NOFOLLOW, 0, &r)),
        Errno::ELOOP
    );
    assert_eq!(
        err(vfs.open(
            &ctx,
            None,
            b"/tmp/dangling",
            CREAT | libc::O_EXCL | WR,
            0o600,
            &r
        )),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/dangling", RD, 0, &r)),
        Errno::ENOENT
    );
    let f = vfs
        .open(&ctx, None, b"/tmp/dangling", CREAT | WR, 0o600, &r)
        .expect("create through link");
    assert_eq!(f.path(), b"/tmp/target");
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp/target", true, &r)
            .map(|s| s.mode),
        Ok(libc::S_IFREG | 0o600)
    );
    let p = vfs
        .open(
            &ctx,
            None,
            b"/tmp/dangling",
            libc::O_PATH | libc::O_NOFOLLOW,
            0,
            &r,
        )
        .expect("O_PATH");
    assert_eq!(p.stat().map(|s| s.mode & libc::S_IFMT), Ok(libc::S_IFLNK));
    assert_eq!(p.read(&mut [0u8; 1]), Err(Errno::EBADF));
    assert_eq!(err(vfs.open(&ctx, None, b"/tmp", WR, 0, &r)), Errno::EISDIR);
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp", CREAT | RD, 0, &r)),
        Errno::EISDIR
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/x", CREAT | libc::O_DIRECTORY, 0, &r)),
        Errno::EINVAL
    );
}

#[test]
fn search_and_open_permissions() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let u = user(1000);
    vfs.mkdir(&ctx, None, b"/tmp/priv", 0o700, &r)
        .expect("mkdir");
    vfs.open(&ctx, None, b"/tmp/priv/f", CREAT | WR, 0o644, &r)
        .expect("create");
    vfs.open(&ctx, None, b"/tmp/own", CREAT | WR, 0o600, &r)
        .expect("create");
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/priv/f", true, &u)),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/priv/f", RD, 0, &u)),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/own", RD, 0, &u)),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/priv/g", CREAT | WR, 0o644, &u)),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.access(&ctx, None, b"/tmp/own", libc::R_OK, true, false, &u)),
        Errno::EACCES
    );
    assert_eq!(
        vfs.access(&ctx, None, b"/tmp/own", libc::F_OK, true, false, &u),
        Ok(())
    );
    assert_eq!(
        vfs.access(
            &ctx,
            None,
            b"/tmp/own",
            libc::R_OK | libc::W_OK,
            true,
            false,
            &r
        ),
        Ok(())
    );
    assert_eq!(
        err(vfs.access(&ctx, None, b"/tmp/own", libc::X_OK, true, false, &r)),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.access(&ctx, None, b"/tmp/own", 8, true, false, &r)),
        Errno::EINVAL
    );
    // The sticky /tmp: only the owner may remove.
    vfs.open(&ctx, None, b"/tmp/mine", CREAT | WR, 0o666, &u)
        .expect("user creates");
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp/mine", true, &u).map(|s| s.uid),
        Ok(1000)
    );
    assert_eq!(
        err(vfs.unlink(&ctx, None, b"/tmp/mine", &user(1001))),
        Errno::EPERM
    );
    assert_eq!(vfs.unlink(&ctx, None, b"/tmp/mine", &u), Ok(()));
    // The umask applies to creation modes.
    let mut ctx2 = ctx.clone();
    assert_eq!(ctx2.set_umask(0o077), 0o022);
    vfs.open(&ctx2, None, b"/tmp/masked", CREAT | WR, 0o666, &r)
        .expect("create");
    vfs.mkdir(&ctx2, None, b"/tmp/maskeddir", 0o777, &r)
        .expect("mkdir");
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp/masked", true, &r)
            .map(|s| s.mode),
        Ok(libc::S_IFREG | 0o600)
    );
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp/maskeddir", true, &r)
            .map(|s| s.mode),
        Ok(libc::S_IFDIR | 0o700)
    );
}

#[test]
fn fixture_vfs_has_its_own_root() {
    let fx = Fixture::new();
    let r = root();
    let f = fx.open("/etc/file", RD, 0).expect("open");
    assert_eq!(super::read_all(&f), b"hello\n");
    assert_eq!(f.path(), b"/etc/file");
    let via_up = fx
        .vfs
        .stat(&fx.ctx, None, b"/../../etc/file", true, &r)
        .expect("stat");
    assert_eq!(via_up.size, 6);
    let _ = Vfs::with_host_root(b"/nonexistent-trapline-root")
        .map(|_| ())
        .expect_err("missing root");
}
