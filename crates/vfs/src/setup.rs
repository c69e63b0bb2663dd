//! Putting a run's mount tree together: the root (a host tree under a
//! writable in-memory layer), the standard mounts (`/tmp`, `/proc`, the
//! kernel's devices, `/dev/shm`), then the user's `--tmpfs` and `--bind`
//! mounts in the order given. A mount point missing from the tree is made
//! in the upper layer (or the tmpfs it falls in), never on the host.

use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cred::Cred;
use crate::host::HostFs;
use crate::mount::{FsKind, Location, Mount, MountTable};
use crate::node::Node;
use crate::overlay::OverlayFs;
use crate::proc::ProcFs;
use crate::tmpfs::{NewNode, Tmpfs};
use crate::vfs::Vfs;
use crate::{Errno, VfsResult};

/// The made-up device number of the first tmpfs (`/tmp`); later ones count
/// up from it.
const FIRST_TMPFS_DEV: u32 = 0x2a;

/// How the guest's file system is put together.
#[derive(Debug, Clone, Default)]
pub struct MountOptions {
    /// The host directory shown as `/`, read-only under a writable
    /// in-memory layer; the host's `/` if `None`.
    pub root: Option<PathBuf>,
    /// Extra mounts, in order.
    pub mounts: Vec<UserMount>,
    /// A host directory keeping the root's upper layer between runs
    /// (`--persist DIR`): loaded now, saved by `Vfs::save_persistent`.
    pub persist: Option<PathBuf>,
}

/// A mount asked for on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMount {
    /// `--bind HOST:GUEST[:ro]`: a host directory or file, shown at
    /// `guest`.
    Bind {
        host: PathBuf,
        guest: PathBuf,
        read_only: bool,
    },
    /// `--tmpfs GUEST`: an empty private tmpfs.
    Tmpfs { guest: PathBuf },
}

/// Why a mount could not be made: which one, and the errno.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {errno}")]
pub struct MountError {
    pub what: String,
    pub errno: Errno,
}

fn components(path: &[u8]) -> Vec<&[u8]> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .collect()
}

impl Vfs {
    /// The mount tree for `opts`.
    pub fn new(opts: &MountOptions) -> Result<Vfs, MountError> {
        let root = opts
            .root
            .as_deref()
            .map_or(&b"/"[..], |p| p.as_os_str().as_bytes());
        let fail = |what: &str| {
            let what = what.to_string();
            move |errno| MountError { what, errno }
        };
        let mut vfs = Vfs::root_only(root).map_err(fail("--root"))?;
        if let Some(dir) = &opts.persist {
            vfs.load_persistent(dir, root)?;
        }
        vfs.mount_standard().map_err(fail("standard mounts"))?;
        for m in &opts.mounts {
            vfs.mount_user(m).map_err(fail(&m.describe()))?;
        }
        Ok(vfs)
    }

    /// Just the root: the host tree at `root` under an upper layer.
    fn root_only(root: &[u8]) -> VfsResult<Vfs> {
        if !root.starts_with(b"/") {
            return Err(Errno::EINVAL);
        }
        // Another tree than the host's own `/` is confined: a guest that
        // changes it through a writable bind must not lead its paths out.
        let lower = if root.iter().all(|&b| b == b'/') {
            HostFs::new(root)
        } else {
            HostFs::confined(root, false)?
        };
        let overlay = Arc::new(OverlayFs::new(Arc::new(lower))?);
        let root_mount = Arc::new(Mount {
            id: 1,
            root: overlay.root(),
            fs: FsKind::Overlay(overlay),
            mountpoint: None,
        });
        let root = Location {
            mount: root_mount.clone(),
            node: root_mount.root.clone(),
        };
        Ok(Vfs {
            mounts: MountTable::new(root_mount),
            root,
            proc: Arc::new(ProcFs::new()),
            next_tmpfs_dev: FIRST_TMPFS_DEV,
            memfd_mount: crate::memfd::memfd_mount(),
            notify: Arc::default(),
        })
    }

    /// `/tmp`, `/proc`, `/sys` and `/dev` (the kernel's trees), a private
    /// tmpfs on `/dev/shm` and the host's pseudo-terminals on `/dev/pts`.
    fn mount_standard(&mut self) -> VfsResult<()> {
        self.mount_tmpfs(b"/tmp")?;
        let proc = self.proc.clone();
        self.mount_at(
            b"/proc",
            true,
            FsKind::Proc(proc.clone()),
            Node::Proc(proc.root()),
        )?;
        // A few of the host's files about its CPUs (`sys.rs`), where the
        // root has a /sys (a small `--root` tree may have none, as in a
        // chroot).
        if self
            .child(&self.root, b"sys")
            .is_ok_and(|l| l.node.is_dir())
        {
            let sys = crate::sys::sysfs();
            let root = Node::Synth(sys.root());
            self.mount_at(b"/sys", true, FsKind::Synth(sys), root)?;
        }
        // The kernel's devices and links (`devfs.rs`).
        let dev = crate::devfs::devfs();
        self.mount_at(
            b"/dev",
            true,
            FsKind::Synth(dev.clone()),
            Node::Synth(dev.root()),
        )?;
        // POSIX shared memory and semaphores (shm_open, sem_open) live in
        // /dev/shm: a private tmpfs, as on Linux.
        self.mount_tmpfs(b"/dev/shm")?;
        match HostFs::new(b"/dev/pts").node(b"/") {
            Ok(pts) if pts.st.st_mode & libc::S_IFMT == libc::S_IFDIR => {
                let fs = Arc::new(HostFs::new(b"/dev/pts"));
                self.mount_at(b"/dev/pts", true, FsKind::Host(fs), Node::Host(pts))
            }
            _ => {
                tracing::debug!("no host /dev/pts: /dev/pts stays empty");
                Ok(())
            }
        }
    }

    fn mount_user(&mut self, m: &UserMount) -> VfsResult<()> {
        match m {
            UserMount::Tmpfs { guest } => self.mount_tmpfs(guest.as_os_str().as_bytes()),
            UserMount::Bind {
                host,
                guest,
                read_only,
            } => {
                let host = host.as_os_str().as_bytes();
                if !host.starts_with(b"/") {
                    return Err(Errno::EINVAL);
                }
                let fs = Arc::new(HostFs::confined(host, !read_only)?);
                let root = fs.node(b"/")?;
                let is_dir = root.st.st_mode & libc::S_IFMT == libc::S_IFDIR;
                let at = guest.as_os_str().as_bytes();
                self.mount_at(at, is_dir, FsKind::Host(fs), Node::Host(root))
            }
        }
    }

    fn mount_tmpfs(&mut self, at: &[u8]) -> VfsResult<()> {
        let dev = libc::makedev(0, self.next_tmpfs_dev);
        self.next_tmpfs_dev += 1;
        let fs = Arc::new(Tmpfs::new(dev));
        let root = Node::Tmpfs(fs.root());
        self.mount_at(at, true, FsKind::Tmpfs(fs), root)
    }

    /// Mounts `fs` (whose root is `root`) on the guest path `at`, an
    /// absolute path without symlinks; a missing directory (or, for a
    /// file mount, file) on the way is made first.
    fn mount_at(&mut self, at: &[u8], dir: bool, fs: FsKind, root: Node) -> VfsResult<()> {
        let (parent, name) = self.mountpoint(at, dir)?;
        let id = self.mounts.next_id();
        self.mounts.add(Arc::new(Mount {
            id,
            fs,
            root,
            mountpoint: Some((parent, name)),
        }));
        Ok(())
    }

    /// The directory and name a mount on `at` sits on.
    fn mountpoint(&self, at: &[u8], dir: bool) -> VfsResult<(Location, Vec<u8>)> {
        if !at.starts_with(b"/") {
            return Err(Errno::EINVAL);
        }
        let names = components(at);
        let Some((last, parents)) = names.split_last() else {
            return Err(Errno::EBUSY);
        };
        if names.iter().any(|n| *n == b"..") {
            return Err(Errno::EINVAL);
        }
        let mut cur = self.root.clone();
        for name in parents {
            cur = self.make_child(&cur, name, true)?;
        }
        self.make_child(&cur, last, dir)?;
        // In an overlay the mount point's directory is copied up: an upper
        // directory stays the same node whatever the guest changes.
        if let Some(overlay) = cur.mount.overlay() {
            cur.node = Node::Tmpfs(overlay.copy_up(&cur.node, false)?);
        }
        Ok((cur, last.to_vec()))
    }

    /// The entry `name` of `dir`, made (a directory, or an empty file
    /// unless `dir_wanted`) if it is missing. Symlinks are not followed.
    fn make_child(&self, dir: &Location, name: &[u8], dir_wanted: bool) -> VfsResult<Location> {
        match self.child(dir, name) {
            Ok(c) if c.node.is_symlink() => Err(Errno::ELOOP),
            Ok(c) if !dir_wanted || c.node.is_dir() => Ok(c),
            Ok(_) => Err(Errno::ENOTDIR),
            Err(e) if e == Errno::ENOENT => {
                let parent = match (&dir.node, dir.mount.overlay()) {
                    (_, Some(overlay)) => overlay.copy_up(&dir.node, false)?,
                    (Node::Tmpfs(i), None) => i.clone(),
                    _ => return Err(Errno::ENOENT),
                };
                let (kind, mode) = if dir_wanted {
                    (NewNode::Dir, 0o755)
                } else {
                    (NewNode::File, 0o644)
                };
                dir.mount
                    .tmpfs()?
                    .create(&parent, name, kind, mode, &Cred::root())?;
                self.child(dir, name)
            }
            Err(e) => Err(e),
        }
    }
}

impl UserMount {
    /// The option as a user would write it, for error messages.
    pub fn describe(&self) -> String {
        match self {
            UserMount::Bind {
                host,
                guest,
                read_only,
            } => format!(
                "--bind {}:{}{}",
                host.display(),
                guest.display(),
                if *read_only { ":ro" } else { "" }
            ),
            UserMount::Tmpfs { guest } => format!("--tmpfs {}", guest.display()),
        }
    }
}
