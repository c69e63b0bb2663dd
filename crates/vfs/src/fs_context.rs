//! A process's file-system context: root, cwd, umask, and whose it is.

use std::os::unix::ffi::OsStrExt;
use std::sync::{Arc, Mutex};

use crate::cred::Cred;
use crate::lock;
use crate::mount::Location;
use crate::node::Node;
use crate::vfs::Vfs;

/// Root and cwd (as locations in the mount tree), the umask, and the
/// virtual pid of one process (what `/proc/self` names). `Clone` gives
/// `fork`'s copy, with a view of its own; the child's pid is then set with
/// `set_pid`.
pub struct FsContext {
    pub(crate) root: Location,
    pub(crate) cwd: Location,
    umask: u32,
    pid: i32,
    view: FsView,
}

/// What `/proc/PID/{cwd,root,status}` show of an `FsContext`, readable
/// without the lock the context itself sits behind: a syscall holds its
/// process's `FsContext` lock across a whole path walk, which may read
/// another process's (or its own) `/proc` files. The context keeps its view
/// up to date; the view's own lock is only held for a copy.
#[derive(Clone)]
pub struct FsView(Arc<Mutex<Shown>>);

struct Shown {
    cwd: Location,
    root: Location,
    umask: u32,
}

impl FsView {
    fn new(cwd: &Location, root: &Location, umask: u32) -> FsView {
        FsView(Arc::new(Mutex::new(Shown {
            cwd: cwd.clone(),
            root: root.clone(),
            umask,
        })))
    }

    /// The cwd's absolute guest path, with ` (deleted)` if it was removed
    /// (as Linux shows it).
    pub fn cwd_path(&self) -> Vec<u8> {
        let cwd = lock(&self.0).cwd.clone();
        let mut path = cwd.path();
        if let Node::Tmpfs(i) = &cwd.node {
            if i.is_unlinked() {
                path.extend_from_slice(b" (deleted)");
            }
        }
        path
    }

    /// The root's absolute guest path.
    pub fn root_path(&self) -> Vec<u8> {
        let root = lock(&self.0).root.clone();
        root.path()
    }

    pub fn umask(&self) -> u32 {
        lock(&self.0).umask
    }

    /// The cwd and the root, where `/proc/PID/{cwd,root}` lead.
    pub(crate) fn locations(&self) -> (Location, Location) {
        let shown = lock(&self.0);
        (shown.cwd.clone(), shown.root.clone())
    }
}

impl std::fmt::Debug for FsView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FsView")
            .field("cwd", &String::from_utf8_lossy(&self.cwd_path()))
            .finish_non_exhaustive()
    }
}

impl Clone for FsContext {
    fn clone(&self) -> FsContext {
        FsContext {
            root: self.root.clone(),
            cwd: self.cwd.clone(),
            umask: self.umask,
            pid: self.pid,
            view: FsView::new(&self.cwd, &self.root, self.umask),
        }
    }
}

impl std::fmt::Debug for FsContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FsContext")
            .field("cwd", &self.cwd_path())
            .field("umask", &format_args!("{:#o}", self.umask))
            .field("pid", &self.pid)
            .finish()
    }
}

impl FsContext {
    /// Root `/`, cwd the host's current directory if the guest can see it
    /// (else `/`), umask 022, no pid yet (`/proc/self` is then `ENOENT`).
    pub fn new(vfs: &Vfs) -> FsContext {
        let mut ctx = FsContext {
            root: vfs.root.clone(),
            cwd: vfs.root.clone(),
            umask: 0o022,
            pid: 0,
            view: FsView::new(&vfs.root, &vfs.root, 0o022),
        };
        let host_cwd = std::env::current_dir().ok();
        let guest = host_cwd
            .as_deref()
            .and_then(|p| vfs.guest_path_of_host(p.as_os_str().as_bytes()));
        if let Some(path) = guest {
            if let Ok(found) = vfs.lookup(&ctx, None, &path, true, &Cred::root()) {
                if found.loc.node.is_dir() {
                    ctx.set_cwd(found.loc);
                }
            }
        }
        ctx
    }

    /// The virtual pid of the process this context belongs to (0: none).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Says which process this context belongs to: `/proc/self` then
    /// names it.
    pub fn set_pid(&mut self, pid: i32) {
        self.pid = pid;
    }

    /// A view of this context for `/proc`, kept up to date as it changes.
    pub fn view(&self) -> FsView {
        self.view.clone()
    }

    pub(crate) fn set_root(&mut self, loc: Location) {
        lock(&self.view.0).root = loc.clone();
        self.root = loc;
    }

    pub(crate) fn set_cwd(&mut self, loc: Location) {
        lock(&self.view.0).cwd = loc.clone();
        self.cwd = loc;
    }

    pub fn umask(&self) -> u32 {
        self.umask
    }

    /// `umask`: sets the mask (only the permission bits) and returns the
    /// old one.
    pub fn set_umask(&mut self, mask: u32) -> u32 {
        lock(&self.view.0).umask = mask & 0o777;
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
