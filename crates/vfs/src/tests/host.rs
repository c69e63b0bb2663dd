use std::collections::BTreeSet;

use super::{err, host_vfs, names, read_all, root, user, Fixture, CREAT, RD, RW, WR};
use crate::Errno;

#[test]
fn host_symlinks_resolve_against_the_guest_root() {
    let fx = Fixture::new();
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    let file = vfs.stat(ctx, None, b"/etc/file", true, &r).expect("file");
    for p in ["/links/rel", "/links/abs", "/links/up/file"] {
        let st = vfs.stat(ctx, None, p.as_bytes(), true, &r).expect(p);
        assert_eq!((st.dev, st.ino), (file.dev, file.ino), "{p}");
    }
    assert_eq!(
        vfs.readlink(ctx, None, b"/links/abs", &r),
        Ok(b"/etc/file".to_vec())
    );
    let f = vfs.open(ctx, None, b"/links/rel", RD, 0, &r).expect("open");
    assert_eq!(f.path(), b"/etc/file");
    assert_eq!(read_all(&f), b"hello\n");
    // A host symlink into /tmp lands in our tmpfs, not the host's /tmp.
    assert_eq!(
        err(vfs.stat(ctx, None, b"/links/totmp", true, &r)),
        Errno::ENOENT
    );
    let w = vfs
        .open(ctx, None, b"/links/totmp", CREAT | WR, 0o644, &r)
        .expect("create through host link");
    assert_eq!(w.write(b"in tmpfs"), Ok(8));
    assert_eq!(w.path(), b"/tmp/x");
    let st = vfs
        .stat(ctx, None, b"/links/totmp", true, &r)
        .expect("stat");
    assert_eq!(st.dev, libc::makedev(0, 0x2a));
    assert!(!fx.dir.join("tmp/x").exists());
    let mut c = ctx.clone();
    vfs.chdir(&mut c, None, b"/links/tmpdir", &r)
        .expect("chdir");
    assert_eq!(c.cwd_path(), "/tmp");
    assert_eq!(
        err(vfs.stat(ctx, None, b"/links/loop1", true, &r)),
        Errno::ELOOP
    );
    assert!(vfs.stat(ctx, None, b"/links/loop1", false, &r).is_ok());
}

#[test]
fn read_only_bind_mounts_refuse_writes() {
    let fx = Fixture::new();
    let vfs = &fx.with_read_only_bind(b"/ro");
    let ctx = &crate::FsContext::new(vfs);
    let r = root();
    assert_eq!(
        err(vfs.open(ctx, None, b"/ro/etc/file", WR, 0, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.open(ctx, None, b"/ro/etc/file", RW, 0, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.open(ctx, None, b"/ro/etc/file", RD | libc::O_TRUNC, 0, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.open(ctx, None, b"/ro/etc/new", CREAT | WR, 0o644, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.open(ctx, None, b"/ro/etc/new", CREAT | RD, 0o644, &r)),
        Errno::EROFS
    );
    assert!(vfs
        .open(ctx, None, b"/ro/etc/file", CREAT | RD, 0o644, &r)
        .is_ok());
    assert_eq!(
        err(vfs.open(
            ctx,
            None,
            b"/ro/etc/file",
            CREAT | libc::O_EXCL | RD,
            0o644,
            &r
        )),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.mkdir(ctx, None, b"/ro/etc/d", 0o755, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.mkdir(ctx, None, b"/ro/etc", 0o755, &r)),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.mkdir(ctx, None, b"/ro/tmp", 0o755, &r)),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.unlink(ctx, None, b"/ro/etc/file", &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.unlink(ctx, None, b"/ro/etc/nothing", &r)),
        Errno::EROFS
    );
    assert_eq!(err(vfs.rmdir(ctx, None, b"/ro/etc", &r)), Errno::EROFS);
    assert_eq!(err(vfs.rmdir(ctx, None, b"/ro/tmp", &r)), Errno::EROFS);
    assert_eq!(err(vfs.rmdir(ctx, None, b"/ro", &r)), Errno::EBUSY);
    assert_eq!(err(vfs.rmdir(ctx, None, b"/", &r)), Errno::EBUSY);
    assert_eq!(
        err(vfs.rename(ctx, None, b"/ro/etc/file", None, b"/ro/etc/file2", &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.rename(ctx, None, b"/ro/etc/file", None, b"/tmp/file", &r)),
        Errno::EXDEV
    );
    assert_eq!(
        err(vfs.symlink(ctx, None, b"x", b"/ro/etc/l", &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.link(ctx, None, b"/ro/etc/file", None, b"/tmp/hard", false, &r)),
        Errno::EXDEV
    );
    assert_eq!(
        err(vfs.access(ctx, None, b"/ro/etc/file", libc::W_OK, true, false, &r)),
        Errno::EROFS
    );
    assert_eq!(
        vfs.access(ctx, None, b"/ro/etc/file", libc::R_OK, true, false, &r),
        Ok(())
    );
    assert_eq!(
        err(vfs.chmod(ctx, None, b"/ro/etc/file", 0o777, true, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.truncate(ctx, None, b"/ro/etc/file", 0, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.open(ctx, None, b"/ro/etc", WR, 0, &r)),
        Errno::EISDIR
    );
    assert_eq!(
        std::fs::read(fx.dir.join("etc/file")).expect("host file"),
        b"hello\n"
    );
    // Search permission is checked by mode on host directories too.
    assert_eq!(
        err(vfs.stat(ctx, None, b"/ro/secret/inside", true, &user(1000))),
        Errno::EACCES
    );
    assert!(vfs.stat(ctx, None, b"/ro/secret/inside", true, &r).is_ok());
}

#[test]
fn host_exec() {
    let fx = Fixture::new();
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    let f = vfs.open_exec(ctx, b"/bin/exe", &r).expect("exec");
    assert_eq!(f.path(), b"/bin/exe");
    assert_eq!(f.access_mode(), libc::O_RDONLY);
    assert!(f.host_fd_for_mmap().is_some());
    assert_eq!(err(vfs.open_exec(ctx, b"/bin/noexec", &r)), Errno::EACCES);
    assert_eq!(err(vfs.open_exec(ctx, b"/bin", &r)), Errno::EACCES);
    assert_eq!(err(vfs.open_exec(ctx, b"/dev/null", &r)), Errno::EACCES);
    assert_eq!(err(vfs.open_exec(ctx, b"/bin/none", &r)), Errno::ENOENT);
}

#[test]
fn host_directory_listing_loses_nothing_with_small_buffers() {
    let fx = Fixture::new();
    for i in 0..100 {
        std::fs::write(
            fx.dir.join(format!("etc/f{i:03}-{}", "n".repeat(i % 40))),
            b"",
        )
        .expect("write");
    }
    let (vfs, ctx, r) = (&fx.vfs, &fx.ctx, root());
    let d = vfs
        .open(ctx, None, b"/etc", RD | libc::O_DIRECTORY, 0, &r)
        .expect("open dir");
    assert!(d.is_dir());
    assert_eq!(d.read(&mut [0u8; 4]), Err(Errno::EISDIR));
    let big: BTreeSet<Vec<u8>> = names(&d, 1 << 16).into_iter().collect();
    assert_eq!(big.len(), 103);
    assert!(
        big.contains(b".".as_slice())
            && big.contains(b"..".as_slice())
            && big.contains(b"file".as_slice())
    );
    assert_eq!(d.seek(0, libc::SEEK_SET), Ok(0));
    let small = names(&d, 80);
    assert_eq!(small.len(), 103);
    assert_eq!(small.into_iter().collect::<BTreeSet<_>>(), big);
    assert_eq!(d.seek(0, libc::SEEK_SET), Ok(0));
    assert_eq!(d.getdents(10), Err(Errno::EINVAL));
    // The root lists the host's tmp entry: it is a mount point now.
    let root_dir = vfs.open(ctx, None, b"/", RD, 0, &r).expect("open /");
    assert!(names(&root_dir, 4096).contains(&b"tmp".to_vec()));
}

#[test]
fn host_root_writes_stay_in_the_overlay() {
    let (vfs, ctx) = host_vfs();
    // A host file that exists on every Debian machine, outside /tmp (which
    // is the guest's own tmpfs, so a test binary built there is invisible).
    let exe: &[u8] = b"/bin/sh";
    let before = std::fs::read("/bin/sh").expect("host");
    let f = vfs.open(&ctx, None, exe, RW, 0, &root()).expect("open rw");
    assert_eq!(f.write(b"XX"), Ok(2));
    let after = std::fs::read("/bin/sh").expect("host");
    assert_eq!(before, after, "the host file must not change");
    let g = vfs.open(&ctx, None, exe, RD, 0, &root()).expect("open");
    let mut head = [0u8; 4];
    assert_eq!(g.read(&mut head), Ok(4));
    assert_eq!(&head, b"XXLF", "the guest sees its write");
    let mut p = exe.to_vec();
    p.extend_from_slice(b"/x");
    assert_eq!(err(vfs.stat(&ctx, None, &p, true, &root())), Errno::ENOTDIR);
}

#[test]
fn stdio_passthrough() {
    let (r, w) = {
        let mut fds = [0i32; 2];
        // SAFETY: pipe2 writes two fds into the array.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        use std::os::fd::FromRawFd;
        // SAFETY: both fds were just created and are owned here.
        unsafe {
            (
                std::os::fd::OwnedFd::from_raw_fd(fds[0]),
                std::os::fd::OwnedFd::from_raw_fd(fds[1]),
            )
        }
    };
    let rf = crate::host_stdio(r, RD, b"pipe:[0]".to_vec());
    let wf = crate::host_stdio(w, WR, b"pipe:[0]".to_vec());
    assert_eq!(wf.write(b"ping"), Ok(4));
    let mut buf = [0u8; 8];
    assert_eq!(rf.read(&mut buf), Ok(4));
    assert_eq!(&buf[..4], b"ping");
    assert_eq!(rf.seek(0, libc::SEEK_CUR), Err(Errno::ESPIPE));
    assert_eq!(rf.pread(&mut buf, 0), Err(Errno::ESPIPE));
    assert_eq!(rf.write(b"x"), Err(Errno::EBADF));
    assert_eq!(rf.ioctl_tcgets().err(), Some(Errno::ENOTTY));
    assert!(!rf.is_terminal());
    assert_eq!(rf.stat().map(|s| s.mode & libc::S_IFMT), Ok(libc::S_IFIFO));
}
