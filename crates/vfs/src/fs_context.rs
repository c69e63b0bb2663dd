//! A process's file-system context: root, cwd and umask.

use std::os::unix::ffi::OsStrExt;

use crate::cred::Cred;
use crate::mount::Location;
use crate::node::Node;
use crate::vfs::Vfs;

/// Root and cwd (as locations in the mount tree) and the umask of one
/// process. `Clone` gives `fork`'s copy.
#[derive(Clone)]
pub struct FsContext {
    pub(crate) root: Location,
    pub(crate) cwd: Location,
    umask: u32,
}

impl std::fmt::Debug for FsContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FsContext")
            .field("cwd", &self.cwd_path())
            .field("umask", &format_args!("{:#o}", self.umask))
            .finish()
    }
}

impl FsContext {
    /// Root `/`, cwd the host's current directory if the guest can see it
    /// (else `/`), umask 022.
    pub fn new(vfs: &Vfs) -> FsContext {
        let mut ctx = FsContext {
            root: vfs.root.clone(),
            cwd: vfs.root.clone(),
            umask: 0o022,
        };
        let host_cwd = std::env::current_dir().ok();
        let guest = host_cwd
            .as_deref()
            .and_then(|p| vfs.guest_path_of_host(p.as_os_str().as_bytes()));
        if let Some(path) = guest {
            if let Ok(found) = vfs.lookup(&ctx, None, &path, true, &Cred::root()) {
                if found.loc.node.is_dir() {
                    ctx.cwd = found.loc;
                }
            }
        }
        ctx
    }

    pub fn umask(&self) -> u32 {
        self.umask
    }

    /// `umask`: sets the mask (only the permission bits) and returns the
    /// old one.
    pub fn set_umask(&mut self, mask: u32) -> u32 {
        std::mem::replace(&mut self.umask, mask & 0o777)
    }

    /// The absolute guest path of the cwd, for `getcwd`.
    pub fn cwd_path(&self) -> String {
        String::from_utf8_lossy(&self.cwd_path_bytes()).into_owned()
    }

    /// The cwd's path as bytes (names need not be UTF-8).
    pub fn cwd_path_bytes(&self) -> Vec<u8> {
        self.cwd.path()
    }

    /// Whether the cwd has been removed (`getcwd` then answers `ENOENT`).
    pub fn cwd_deleted(&self) -> bool {
        match &self.cwd.node {
            Node::Tmpfs(i) => i.is_unlinked(),
            _ => false,
        }
    }
}
