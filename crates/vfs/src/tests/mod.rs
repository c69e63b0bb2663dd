//! Tests of the vfs through its public API, on the host's root and on a
//! host directory built for the purpose (used as the guest's root).

mod dev;
mod fd_table;
mod host;
mod host_write;
mod locks;
mod overlay;
mod persist;
mod proc;
mod sys;
mod tmpfs;
mod walk;
mod xattr;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::{Cred, Errno, FsContext, OpenFile, Vfs, VfsResult};

pub(super) const RD: i32 = libc::O_RDONLY;
pub(super) const WR: i32 = libc::O_WRONLY;
pub(super) const RW: i32 = libc::O_RDWR;
pub(super) const CREAT: i32 = libc::O_CREAT;

pub(super) fn root() -> Cred {
    Cred::root()
}

pub(super) fn user(uid: u32) -> Cred {
    Cred {
        uid,
        gid: uid,
        groups: Vec::new(),
    }
}

/// A vfs over the host's own root, with a context whose cwd is `/`.
pub(super) fn host_vfs() -> (Vfs, FsContext) {
    let vfs = Vfs::new_default().expect("host root");
    let mut ctx = FsContext::new(&vfs);
    vfs.chdir(&mut ctx, None, b"/", &root()).expect("chdir /");
    (vfs, ctx)
}

/// A host directory used as the guest's root; removed on drop.
pub(super) struct Fixture {
    pub dir: PathBuf,
    pub vfs: Vfs,
    pub ctx: FsContext,
}

impl Fixture {
    /// `/dev`, `/tmp`, `/etc/file` ("hello\n", 0644), `/bin/exe` (0755),
    /// `/bin/noexec` (0644), `/secret` (dir 0700) and the symlinks of
    /// `/links`.
    pub fn new() -> Fixture {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "trapline-vfs-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let mk = |p: &str| std::fs::create_dir_all(dir.join(p)).expect("mkdir");
        for d in ["dev", "tmp", "etc", "bin", "links", "secret"] {
            mk(d);
        }
        let write = |p: &str, data: &[u8], mode: u32| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(dir.join(p), data).expect("write");
            std::fs::set_permissions(dir.join(p), std::fs::Permissions::from_mode(mode))
                .expect("chmod");
        };
        write("etc/file", b"hello\n", 0o644);
        write("bin/exe", b"#!/bin/sh\n", 0o755);
        write("bin/noexec", b"data", 0o644);
        write("secret/inside", b"x", 0o644);
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.join("secret"), std::fs::Permissions::from_mode(0o700))
                .expect("chmod");
        }
        let link = |target: &str, at: &str| {
            std::os::unix::fs::symlink(target, dir.join(at)).expect("symlink")
        };
        link("../etc/file", "links/rel");
        link("/etc/file", "links/abs");
        link("/tmp/x", "links/totmp");
        link("/tmp", "links/tmpdir");
        link("loop2", "links/loop1");
        link("loop1", "links/loop2");
        link("/..//../etc", "links/up");
        let vfs = Vfs::with_host_root(dir.as_os_str().as_encoded_bytes()).expect("vfs");
        let ctx = FsContext::new(&vfs);
        Fixture { dir, vfs, ctx }
    }

    /// Another vfs over the same root, with the fixture's directory also
    /// mounted read-only at `at`.
    pub fn with_read_only_bind(&self, at: &[u8]) -> Vfs {
        self.with_bind(at, true)
    }

    /// Another vfs over the same root, with the fixture's directory also
    /// mounted at `at`.
    pub fn with_bind(&self, at: &[u8], read_only: bool) -> Vfs {
        use std::os::unix::ffi::OsStrExt;
        let opts = crate::MountOptions {
            root: Some(self.dir.clone()),
            mounts: vec![crate::UserMount::Bind {
                host: self.dir.clone(),
                guest: PathBuf::from(std::ffi::OsStr::from_bytes(at)),
                read_only,
            }],
            ..crate::MountOptions::default()
        };
        Vfs::new(&opts).expect("vfs with a bind mount")
    }

    pub fn open(&self, path: &str, flags: i32, mode: u32) -> VfsResult<Arc<OpenFile>> {
        self.vfs
            .open(&self.ctx, None, path.as_bytes(), flags, mode, &root())
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads a whole file from its position.
pub(super) fn read_all(f: &OpenFile) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        match f.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// All entry names of a directory, reading `max_bytes` at a time.
pub(super) fn names(f: &OpenFile, max_bytes: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let batch = f.getdents(max_bytes).expect("getdents");
        if batch.is_empty() {
            return out;
        }
        out.extend(batch.into_iter().map(|e| e.name));
    }
}

pub(super) fn err<T: std::fmt::Debug>(r: VfsResult<T>) -> Errno {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn vfs_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Vfs>();
    check::<OpenFile>();
    check::<FsContext>();
    check::<crate::FdTable>();
}
