use std::collections::BTreeSet;

use super::{err, host_vfs, names, read_all, root, user, CREAT, RD, RW, WR};
use crate::{Errno, TimeUpdate, Timespec};

#[test]
fn create_write_read_seek() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let f = vfs
        .open(&ctx, None, b"/tmp/f", CREAT | RW, 0o644, &r)
        .expect("create");
    assert_eq!(f.write(b"hello world"), Ok(11));
    assert_eq!(f.seek(0, libc::SEEK_CUR), Ok(11));
    assert_eq!(f.seek(-5, libc::SEEK_END), Ok(6));
    let mut buf = [0u8; 16];
    assert_eq!(f.read(&mut buf), Ok(5));
    assert_eq!(&buf[..5], b"world");
    assert_eq!(f.seek(-1, libc::SEEK_SET), Err(Errno::EINVAL));
    assert_eq!(f.seek(0, 7), Err(Errno::EINVAL));
    assert_eq!(f.seek(20, libc::SEEK_DATA), Err(Errno::ENXIO));
    assert_eq!(f.pwrite(b"HELLO", 0), Ok(5));
    assert_eq!(f.pread(&mut buf, 0), Ok(11));
    assert_eq!(&buf[..11], b"HELLO world");
    assert_eq!(f.pread(&mut buf, 1 << 63), Err(Errno::EINVAL));
    let st = f.stat().expect("stat");
    assert_eq!(
        (st.size, st.mode, st.nlink, st.uid),
        (11, libc::S_IFREG | 0o644, 1, 0)
    );
    assert!(st.btime.is_some());
    assert!(f.host_fd_for_mmap().is_some());
    // O_APPEND writes at the end whatever the position.
    let a = vfs
        .open(&ctx, None, b"/tmp/f", WR | libc::O_APPEND, 0, &r)
        .expect("append");
    assert_eq!(a.write(b"!"), Ok(1));
    assert_eq!(a.seek(0, libc::SEEK_CUR), Ok(12));
    assert_eq!(a.status_flags() & libc::O_APPEND, libc::O_APPEND);
    a.set_status_flags(libc::O_NONBLOCK);
    assert_eq!(
        a.status_flags() & (libc::O_APPEND | libc::O_NONBLOCK | libc::O_ACCMODE),
        libc::O_NONBLOCK | WR
    );
    assert_eq!(a.read(&mut buf), Err(Errno::EBADF));
    // O_TRUNC empties it; ftruncate grows it with zeros.
    let t = vfs
        .open(&ctx, None, b"/tmp/f", WR | libc::O_TRUNC, 0, &r)
        .expect("trunc");
    assert_eq!(t.stat().map(|s| s.size), Ok(0));
    assert_eq!(t.truncate(4), Ok(()));
    let f2 = vfs.open(&ctx, None, b"/tmp/f", RD, 0, &r).expect("open");
    assert_eq!(read_all(&f2), vec![0u8; 4]);
    assert_eq!(f2.truncate(0), Err(Errno::EINVAL));
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/f", CREAT | libc::O_EXCL | RW, 0o644, &r)),
        Errno::EEXIST
    );
    // A new file needs no permission to be opened as created.
    let ro = vfs
        .open(&ctx, None, b"/tmp/ro", CREAT | RW, 0o444, &user(1000))
        .expect("create 0444");
    assert_eq!(ro.write(b"x"), Ok(1));
    assert_eq!(
        err(vfs.open(&ctx, None, b"/tmp/ro", RW, 0, &user(1000))),
        Errno::EACCES
    );
}

#[test]
fn unlink_keeps_open_files() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let f = vfs
        .open(&ctx, None, b"/tmp/f", CREAT | RW, 0o644, &r)
        .expect("create");
    assert_eq!(f.write(b"data"), Ok(4));
    assert_eq!(vfs.unlink(&ctx, None, b"/tmp/f", &r), Ok(()));
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/f", true, &r)),
        Errno::ENOENT
    );
    assert_eq!(err(vfs.unlink(&ctx, None, b"/tmp/f", &r)), Errno::ENOENT);
    assert_eq!(f.pread(&mut [0u8; 8], 0), Ok(4));
    assert_eq!(f.stat().map(|s| s.nlink), Ok(0));
    vfs.mkdir(&ctx, None, b"/tmp/d", 0o755, &r).expect("mkdir");
    assert_eq!(err(vfs.unlink(&ctx, None, b"/tmp/d", &r)), Errno::EISDIR);
    assert_eq!(err(vfs.unlink(&ctx, None, b"/tmp/.", &r)), Errno::EISDIR);
}

#[test]
fn mkdir_rmdir() {
    let (vfs, mut ctx) = host_vfs();
    let r = root();
    vfs.mkdir(&ctx, None, b"/tmp/d", 0o755, &r).expect("mkdir");
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/tmp/d", 0o755, &r)),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/tmp/d/.", 0o755, &r)),
        Errno::EEXIST
    );
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp", true, &r).map(|s| s.nlink),
        Ok(3)
    );
    vfs.mkdir(&ctx, None, b"/tmp/d/e", 0o755, &r)
        .expect("mkdir");
    vfs.open(&ctx, None, b"/tmp/f", CREAT | WR, 0o644, &r)
        .expect("create");
    assert_eq!(err(vfs.rmdir(&ctx, None, b"/tmp/d", &r)), Errno::ENOTEMPTY);
    assert_eq!(err(vfs.rmdir(&ctx, None, b"/tmp/f", &r)), Errno::ENOTDIR);
    assert_eq!(err(vfs.rmdir(&ctx, None, b"/tmp/d/.", &r)), Errno::EINVAL);
    assert_eq!(
        err(vfs.rmdir(&ctx, None, b"/tmp/d/e/..", &r)),
        Errno::ENOTEMPTY
    );
    assert_eq!(err(vfs.rmdir(&ctx, None, b"/tmp/none", &r)), Errno::ENOENT);
    vfs.chdir(&mut ctx, None, b"/tmp/d/e", &r).expect("chdir");
    assert_eq!(vfs.rmdir(&ctx, None, b"/tmp/d/e", &r), Ok(()));
    assert!(ctx.cwd_deleted());
    assert_eq!(
        err(vfs.open(&ctx, None, b"new", CREAT | WR, 0o644, &r)),
        Errno::ENOENT
    );
    assert_eq!(vfs.rmdir(&ctx, None, b"/tmp/d", &r), Ok(()));
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp", true, &r).map(|s| s.nlink),
        Ok(2)
    );
}

#[test]
fn rename_rules() {
    let (vfs, mut ctx) = host_vfs();
    let r = root();
    let ctx0 = ctx.clone();
    let mk = |p: &[u8], data: &[u8]| {
        let f = vfs
            .open(&ctx0, None, p, CREAT | WR | libc::O_TRUNC, 0o644, &r)
            .expect("create");
        assert_eq!(f.write(data), Ok(data.len()));
    };
    mk(b"/tmp/a", b"A");
    mk(b"/tmp/b", b"B");
    assert_eq!(
        vfs.rename(&ctx, None, b"/tmp/a", None, b"/tmp/b", &r),
        Ok(())
    );
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/tmp/a", true, &r)),
        Errno::ENOENT
    );
    let b = vfs.open(&ctx, None, b"/tmp/b", RD, 0, &r).expect("open");
    assert_eq!(read_all(&b), b"A");
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/a", None, b"/tmp/c", &r)),
        Errno::ENOENT
    );
    vfs.mkdir(&ctx, None, b"/tmp/d", 0o755, &r).expect("mkdir");
    vfs.mkdir(&ctx, None, b"/tmp/d/sub", 0o755, &r)
        .expect("mkdir");
    vfs.mkdir(&ctx, None, b"/tmp/e", 0o755, &r).expect("mkdir");
    mk(b"/tmp/e/x", b"x");
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/d", None, b"/tmp/d/sub/d", &r)),
        Errno::EINVAL
    );
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/d", None, b"/tmp/d/x", &r)),
        Errno::EINVAL
    );
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/d/sub", None, b"/tmp/d", &r)),
        Errno::ENOTEMPTY
    );
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/d", None, b"/tmp/e", &r)),
        Errno::ENOTEMPTY
    );
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/d", None, b"/tmp/b", &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/b", None, b"/tmp/d", &r)),
        Errno::EISDIR
    );
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/b/", None, b"/tmp/q", &r)),
        Errno::ENOTDIR
    );
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/b", None, b"/tmp/.", &r)),
        Errno::EBUSY
    );
    assert_eq!(
        err(vfs.rename(&ctx, None, b"/tmp/b", None, b"/etc/b", &r)),
        Errno::EXDEV
    );
    assert_eq!(
        err(vfs.rename_flags(
            &ctx,
            None,
            b"/tmp/b",
            None,
            b"/tmp/e/x",
            libc::RENAME_NOREPLACE,
            &r
        )),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.rename_flags(&ctx, None, b"/tmp/b", None, b"/tmp/z", 1 << 9, &r)),
        Errno::EINVAL
    );
    assert_eq!(
        vfs.rename(&ctx, None, b"/tmp/b", None, b"/tmp/b", &r),
        Ok(())
    );
    // Moving a directory keeps cwd paths and link counts right.
    vfs.chdir(&mut ctx, None, b"/tmp/d/sub", &r).expect("chdir");
    assert_eq!(
        vfs.rename(&ctx, None, b"/tmp/d", None, b"/tmp/e/moved/", &r),
        Ok(())
    );
    assert_eq!(ctx.cwd_path(), "/tmp/e/moved/sub");
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp/e", true, &r).map(|s| s.nlink),
        Ok(3)
    );
    assert_eq!(
        vfs.stat(&ctx, None, b"/tmp", true, &r).map(|s| s.nlink),
        Ok(3)
    );
    let up = vfs.stat(&ctx, None, b"..", true, &r).expect("stat ..");
    let moved = vfs
        .stat(&ctx, None, b"/tmp/e/moved", true, &r)
        .expect("stat moved");
    assert_eq!(up.ino, moved.ino);
    // Renaming a directory over an empty one replaces it.
    vfs.mkdir(&ctx, None, b"/tmp/empty", 0o755, &r)
        .expect("mkdir");
    assert_eq!(
        vfs.rename(&ctx, None, b"/tmp/e/moved", None, b"/tmp/empty", &r),
        Ok(())
    );
    assert_eq!(ctx.cwd_path(), "/tmp/empty/sub");
    // Sticky /tmp: another user may not rename someone else's file.
    mk(b"/tmp/rootfile", b"r");
    assert_eq!(
        err(vfs.rename(
            &ctx,
            None,
            b"/tmp/rootfile",
            None,
            b"/tmp/stolen",
            &user(1000)
        )),
        Errno::EPERM
    );
}

#[test]
fn readdir_offsets_are_stable() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    vfs.mkdir(&ctx, None, b"/tmp/d", 0o755, &r).expect("mkdir");
    for i in 0..10 {
        vfs.open(
            &ctx,
            None,
            format!("/tmp/d/f{i}").as_bytes(),
            CREAT | WR,
            0o644,
            &r,
        )
        .expect("create");
    }
    vfs.mkdir(&ctx, None, b"/tmp/d/sub", 0o755, &r)
        .expect("mkdir");
    let d = vfs
        .open(&ctx, None, b"/tmp/d", RD | libc::O_DIRECTORY, 0, &r)
        .expect("open");
    assert_eq!(d.read(&mut [0u8; 1]), Err(Errno::EISDIR));
    let all = d.getdents(1 << 16).expect("getdents");
    assert_eq!(all.len(), 13);
    assert_eq!(all[0].name, b".");
    assert_eq!(all[1].name, b"..");
    assert_eq!(all[0].kind, libc::DT_DIR);
    let sub = all.iter().find(|e| e.name == b"sub").expect("sub");
    assert_eq!(sub.kind, libc::DT_DIR);
    assert_eq!(
        all.iter().find(|e| e.name == b"f3").map(|e| e.kind),
        Some(libc::DT_REG)
    );
    let st = vfs.stat(&ctx, None, b"/tmp/d/f3", true, &r).expect("stat");
    assert_eq!(
        all.iter().find(|e| e.name == b"f3").map(|e| e.ino),
        Some(st.ino)
    );
    assert!(d.getdents(1 << 16).expect("at end").is_empty());
    // Small buffers: three entries at a time, nothing lost or repeated.
    assert_eq!(d.seek(0, libc::SEEK_SET), Ok(0));
    let per3 = 3 * 24;
    let first = d.getdents(per3).expect("first");
    assert_eq!(first.len(), 3);
    let resume = first[2].off;
    let rest = names(&d, per3);
    assert_eq!(rest.len(), 10);
    // Seeking to a stored d_off continues after that entry.
    assert_eq!(d.seek(resume, libc::SEEK_SET), Ok(resume as u64));
    assert_eq!(names(&d, per3), rest);
    // Entries removed and added while reading: the others are seen once.
    assert_eq!(d.seek(resume, libc::SEEK_SET), Ok(resume as u64));
    let next = d.getdents(24).expect("one");
    assert_eq!(next.len(), 1);
    let victim = rest[3].clone();
    let mut path = b"/tmp/d/".to_vec();
    path.extend_from_slice(&victim);
    vfs.unlink(&ctx, None, &path, &r).expect("unlink");
    vfs.open(&ctx, None, b"/tmp/d/late", CREAT | WR, 0o644, &r)
        .expect("create");
    let after: BTreeSet<Vec<u8>> = names(&d, per3).into_iter().collect();
    let expected: BTreeSet<Vec<u8>> = rest[1..]
        .iter()
        .filter(|n| **n != victim)
        .cloned()
        .chain([b"late".to_vec()])
        .collect();
    assert_eq!(after, expected);
    assert_eq!(d.seek(0, libc::SEEK_END), Err(Errno::EINVAL));
    let f = vfs
        .open(&ctx, None, b"/tmp/d/f0", RD, 0, &r)
        .expect("open file");
    assert_eq!(f.getdents(4096), Err(Errno::ENOTDIR));
}

#[test]
fn links_and_attributes() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let f = vfs
        .open(&ctx, None, b"/tmp/f", CREAT | WR, 0o644, &r)
        .expect("create");
    assert_eq!(
        vfs.link(&ctx, None, b"/tmp/f", None, b"/tmp/g", false, &r),
        Ok(())
    );
    assert_eq!(f.stat().map(|s| s.nlink), Ok(2));
    assert_eq!(
        err(vfs.link(&ctx, None, b"/tmp", None, b"/tmp/dirlink", false, &r)),
        Errno::EPERM
    );
    assert_eq!(
        err(vfs.link(&ctx, None, b"/tmp/f", None, b"/tmp/g", false, &r)),
        Errno::EEXIST
    );
    assert_eq!(vfs.chmod(&ctx, None, b"/tmp/g", 0o755, true, &r), Ok(()));
    assert_eq!(f.stat().map(|s| s.mode), Ok(libc::S_IFREG | 0o755));
    assert!(vfs.open_exec(&ctx, b"/tmp/f", &r).is_ok());
    assert_eq!(
        err(vfs.chmod(&ctx, None, b"/tmp/f", 0o777, true, &user(1000))),
        Errno::EPERM
    );
    assert_eq!(
        vfs.chown(&ctx, None, b"/tmp/f", Some(1000), Some(1000), true, &r),
        Ok(())
    );
    assert_eq!(f.stat().map(|s| (s.uid, s.gid)), Ok((1000, 1000)));
    assert_eq!(
        err(vfs.chown(&ctx, None, b"/tmp/f", Some(0), None, true, &user(1000))),
        Errno::EPERM
    );
    let t = Timespec {
        sec: 1_000_000,
        nsec: 5,
    };
    assert_eq!(
        vfs.utimens(
            &ctx,
            None,
            b"/tmp/f",
            TimeUpdate::Omit,
            TimeUpdate::Set(t),
            true,
            &r
        ),
        Ok(())
    );
    assert_eq!(f.stat().map(|s| s.mtime), Ok(t));
    assert_eq!(
        err(vfs.utimens(
            &ctx,
            None,
            b"/tmp/f",
            TimeUpdate::Set(t),
            TimeUpdate::Omit,
            true,
            &user(1001)
        )),
        Errno::EPERM
    );
    assert_eq!(vfs.truncate(&ctx, None, b"/tmp/g", 3, &r), Ok(()));
    assert_eq!(f.stat().map(|s| s.size), Ok(3));
    assert_eq!(err(vfs.truncate(&ctx, None, b"/tmp", 3, &r)), Errno::EISDIR);
}
