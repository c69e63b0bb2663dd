use super::{err, host_vfs, root, RD, RW, WR};
use crate::Errno;

#[test]
fn full_is_enospc_and_reads_zeros() {
    let (vfs, ctx) = host_vfs();
    let f = vfs
        .open(&ctx, None, b"/dev/full", RW, 0, &root())
        .expect("open /dev/full");
    assert_eq!(f.write(b"x"), Err(Errno::ENOSPC));
    let mut buf = [1u8; 8];
    assert_eq!(f.read(&mut buf), Ok(8));
    assert_eq!(buf, [0u8; 8]);
    let st = f.stat().expect("stat");
    assert_eq!(st.mode, libc::S_IFCHR | 0o666);
    assert_eq!(st.rdev, libc::makedev(1, 7));
}

#[test]
fn null_zero_random() {
    let (vfs, ctx) = host_vfs();
    let null = vfs
        .open(&ctx, None, b"/dev/null", RW, 0, &root())
        .expect("null");
    assert_eq!(null.write(b"abc"), Ok(3));
    assert_eq!(null.read(&mut [0u8; 4]), Ok(0));
    assert_eq!(null.seek(100, libc::SEEK_SET), Ok(0));
    assert_eq!(null.seek(0, 99), Err(Errno::EINVAL));
    let zero = vfs
        .open(&ctx, None, b"/dev/zero", RD, 0, &root())
        .expect("zero");
    let mut buf = [7u8; 5];
    assert_eq!(zero.read(&mut buf), Ok(5));
    assert_eq!(buf, [0; 5]);
    assert_eq!(zero.write(b"x"), Err(Errno::EBADF));
    let rnd = vfs
        .open(&ctx, None, b"/dev/urandom", RD, 0, &root())
        .expect("urandom");
    let mut a = [0u8; 32];
    assert_eq!(rnd.read(&mut a), Ok(32));
    assert_ne!(a, [0u8; 32]);
    for (name, minor) in [
        ("null", 3),
        ("zero", 5),
        ("full", 7),
        ("random", 8),
        ("urandom", 9),
    ] {
        let st = vfs
            .stat(&ctx, None, format!("/dev/{name}").as_bytes(), true, &root())
            .expect("stat");
        assert_eq!(st.rdev, libc::makedev(1, minor), "{name}");
        assert_eq!(st.mode, libc::S_IFCHR | 0o666, "{name}");
    }
    // Writable regardless of the read-only host, for anyone.
    assert!(vfs
        .open(&ctx, None, b"/dev/null", WR, 0, &super::user(1000))
        .is_ok());
    // The kernel's /dev is read-only.
    assert_eq!(
        err(vfs.unlink(&ctx, None, b"/dev/null", &root())),
        Errno::EROFS
    );
}

#[test]
fn dev_is_the_kernels_tree() {
    use super::names;
    let (vfs, ctx) = host_vfs();
    let r = root();
    let dir = vfs
        .open(&ctx, None, b"/dev", RD | libc::O_DIRECTORY, 0, &r)
        .expect("/dev");
    let mut listed: Vec<String> = names(&dir, 64)
        .into_iter()
        .map(|n| String::from_utf8(n).unwrap())
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ".", "..", "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
            "stdout", "tty", "urandom", "zero"
        ]
    );
    assert_eq!(
        vfs.readlink(&ctx, None, b"/dev/stdout", &r),
        Ok(b"/proc/self/fd/1".to_vec())
    );
    // The same node by name and once open.
    let by_name = vfs.stat(&ctx, None, b"/dev/urandom", true, &r).unwrap();
    let f = vfs.open(&ctx, None, b"/dev/urandom", RD, 0, &r).unwrap();
    let open = f.stat().unwrap();
    assert_eq!(
        (by_name.dev, by_name.ino, by_name.rdev),
        (open.dev, open.ino, open.rdev)
    );
    let mut buf = [0u8; 16];
    assert_eq!(f.read(&mut buf), Ok(16));
    // Nothing can be made or removed; /dev/shm is a tmpfs where it can.
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/dev/new", 0o755, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/dev/pts", 0o755, &r)),
        Errno::EEXIST
    );
    assert_eq!(err(vfs.unlink(&ctx, None, b"/dev/null", &r)), Errno::EROFS);
    assert_eq!(
        err(vfs.open(&ctx, None, b"/dev/new", WR | libc::O_CREAT, 0o644, &r)),
        Errno::EROFS
    );
    vfs.open(&ctx, None, b"/dev/shm/seg", WR | libc::O_CREAT, 0o600, &r)
        .expect("a file in /dev/shm");
    // /dev/tty is the terminal Trapline runs on, if any: as the host says.
    let host = std::fs::OpenOptions::new().read(true).open("/dev/tty");
    let ours = vfs.open(&ctx, None, b"/dev/tty", RD, 0, &r);
    assert_eq!(host.is_ok(), ours.is_ok());
    if let Err(e) = host {
        assert_eq!(ours.err(), Some(Errno(e.raw_os_error().unwrap())));
    }
}
