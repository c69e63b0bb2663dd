//! An upper layer saved and loaded again (`--persist`).

use super::{err, read_all, root, Fixture, CREAT, RD, WR};
use crate::{Errno, FsContext, MountOptions, Vfs};

fn with_persist(fx: &Fixture, dir: &std::path::Path) -> Vfs {
    let opts = MountOptions {
        root: Some(fx.dir.clone()),
        persist: Some(dir.to_path_buf()),
        ..MountOptions::default()
    };
    Vfs::new(&opts).expect("vfs with a persistent layer")
}

#[test]
fn odd_names_links_and_whiteouts_come_back() {
    let fx = Fixture::new();
    let layer = fx.dir.with_extension("layer");
    let r = root();
    let odd: &[u8] = b"new\nline \xff";
    {
        let vfs = with_persist(&fx, &layer);
        let ctx = &FsContext::new(&vfs);
        let f = vfs
            .open(ctx, None, b"/etc/made", CREAT | WR, 0o640, &r)
            .unwrap();
        assert_eq!(f.write(b"bytes"), Ok(5));
        vfs.mkdir(ctx, None, b"/odd", 0o755, &r).unwrap();
        let mut p = b"/odd/".to_vec();
        p.extend_from_slice(odd);
        vfs.symlink(ctx, None, odd, &p, &r).unwrap();
        vfs.link(ctx, None, b"/etc/made", None, b"/odd/hard", false, &r)
            .unwrap();
        vfs.unlink(ctx, None, b"/etc/file", &r).unwrap();
        vfs.save_persistent().expect("save");
        // The lock is held until this vfs is gone.
        assert_eq!(
            Vfs::new(&MountOptions {
                root: Some(fx.dir.clone()),
                persist: Some(layer.clone()),
                ..MountOptions::default()
            })
            .map(drop)
            .map_err(|e| e.errno),
            Err(Errno::EBUSY)
        );
    }
    let vfs = with_persist(&fx, &layer);
    let ctx = &FsContext::new(&vfs);
    let f = vfs.open(ctx, None, b"/odd/hard", RD, 0, &r).unwrap();
    assert_eq!(read_all(&f), b"bytes");
    let st = vfs.stat(ctx, None, b"/etc/made", true, &r).unwrap();
    assert_eq!((st.mode & 0o777, st.nlink), (0o640, 2));
    let mut p = b"/odd/".to_vec();
    p.extend_from_slice(odd);
    assert_eq!(vfs.readlink(ctx, None, &p, &r), Ok(odd.to_vec()));
    assert_eq!(
        err(vfs.stat(ctx, None, b"/etc/file", true, &r)),
        Errno::ENOENT
    );
    // The host is as it was.
    assert!(fx.dir.join("etc/file").exists() && !fx.dir.join("etc/made").exists());
    let _ = std::fs::remove_dir_all(&layer);
}
