use super::{err, host_vfs, read_all, root, RD, WR};
use crate::Errno;

#[test]
fn sys_shows_the_host_cpus_read_only() {
    let (vfs, ctx) = host_vfs();
    let r = root();
    let f = vfs
        .open(&ctx, None, b"/sys/devices/system/cpu/online", RD, 0, &r)
        .expect("online");
    let host = std::fs::read("/sys/devices/system/cpu/online").expect("host online");
    assert_eq!(read_all(&f), host);
    assert_eq!(f.statfs().map(|s| s.f_type), Ok(crate::sys::SYSFS_MAGIC));
    let st = vfs
        .stat(
            &ctx,
            None,
            b"/sys/devices/system/cpu/cpu0/topology",
            true,
            &r,
        )
        .expect("topology");
    assert_eq!(st.mode, libc::S_IFDIR | 0o755);
    let up = vfs.stat(&ctx, None, b"/sys/devices/..", true, &r).unwrap();
    let sys = vfs.stat(&ctx, None, b"/sys", true, &r).unwrap();
    assert_eq!((up.dev, up.ino), (sys.dev, sys.ino));
    for gone in ["/sys/class", "/sys/kernel/mm", "/sys/devices/virtual"] {
        assert_eq!(
            err(vfs.stat(&ctx, None, gone.as_bytes(), true, &r)),
            Errno::ENOENT,
            "{gone}"
        );
    }
    assert_eq!(
        err(vfs.open(&ctx, None, b"/sys/devices/system/cpu/online", WR, 0, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/sys/fs/x", 0o755, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/sys/fs", 0o755, &r)),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.unlink(&ctx, None, b"/sys/devices/system/cpu/online", &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.chmod(&ctx, None, b"/sys/fs", 0o700, true, &r)),
        Errno::EROFS
    );
}
