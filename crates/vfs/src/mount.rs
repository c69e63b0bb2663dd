//! Mounts and locations in the mount tree.
//!
//! The mount table is small: the host root, a tmpfs on `/tmp`, `/proc`,
//! `/sys`, `/dev` with a tmpfs on `/dev/shm` and the host's `/dev/pts`. A
//! mount sits on a name in a directory of its parent mount; the path walk
//! crosses into it component by component, and `..` from a mount's root
//! goes back to the directory holding the mount point.

use std::sync::Arc;

use crate::host::HostFs;
use crate::node::Node;
use crate::overlay::OverlayFs;
use crate::proc::ProcFs;
use crate::synth::SynthFs;
use crate::tmpfs::Tmpfs;
use crate::{Errno, VfsResult};

/// The file system a mount shows.
pub(crate) enum FsKind {
    Host(Arc<HostFs>),
    Tmpfs(Arc<Tmpfs>),
    /// `/proc`.
    Proc(Arc<ProcFs>),
    /// A host tree read-only under a writable tmpfs (the guest's `/`).
    Overlay(Arc<OverlayFs>),
    /// A tree the kernel made at boot (`/sys`, `/dev`).
    Synth(Arc<SynthFs>),
}

pub(crate) struct Mount {
    /// The mount id `statx` and `/proc/self/mountinfo` report.
    pub id: u64,
    pub fs: FsKind,
    pub root: Node,
    /// The directory holding the mount point and the mount point's name;
    /// `None` for the root mount.
    pub mountpoint: Option<(Location, Vec<u8>)>,
}

impl Mount {
    /// The host file system of its host nodes (an overlay's lower layer).
    pub fn host(&self) -> VfsResult<&HostFs> {
        match &self.fs {
            FsKind::Host(h) => Ok(h),
            FsKind::Overlay(o) => Ok(o.lower()),
            _ => Err(Errno::EIO),
        }
    }

    /// The tmpfs of its tmpfs nodes (an overlay's upper layer).
    pub fn tmpfs(&self) -> VfsResult<&Tmpfs> {
        match &self.fs {
            FsKind::Tmpfs(t) => Ok(t),
            FsKind::Overlay(o) => Ok(o.upper()),
            _ => Err(Errno::EIO),
        }
    }

    /// Its root, with a host root's attributes looked up again: they
    /// change (a writable bind's root can be changed by the guest).
    pub fn current_root(&self) -> VfsResult<Node> {
        match (&self.fs, &self.root) {
            (FsKind::Host(fs), Node::Host(h)) => Ok(Node::Host(fs.node(&h.rel)?)),
            _ => Ok(self.root.clone()),
        }
    }

    pub fn overlay(&self) -> Option<&OverlayFs> {
        match &self.fs {
            FsKind::Overlay(o) => Some(o),
            _ => None,
        }
    }

    pub fn proc(&self) -> VfsResult<&Arc<ProcFs>> {
        match &self.fs {
            FsKind::Proc(p) => Ok(p),
            _ => Err(Errno::EIO),
        }
    }
}

/// A node in the mount tree: which mount, and which node of its file
/// system. This is what a cwd, a root or an open directory holds.
#[derive(Clone)]
pub(crate) struct Location {
    pub mount: Arc<Mount>,
    pub node: Node,
}

impl Location {
    /// Whether both name the same node of the same mount. In an overlay,
    /// a lower node and its copy in the upper layer are the same.
    pub fn same(&self, other: &Location) -> bool {
        if !Arc::ptr_eq(&self.mount, &other.mount) {
            return false;
        }
        match (&self.node, &other.node) {
            (Node::Host(_), Node::Tmpfs(_)) | (Node::Tmpfs(_), Node::Host(_))
                if self.mount.overlay().is_some() =>
            {
                self.path() == other.path()
            }
            (a, b) => a.same(b),
        }
    }

    pub fn is_mount_root(&self) -> bool {
        self.node.same(&self.mount.root)
    }

    fn push_components(&self, out: &mut Vec<Vec<u8>>) {
        if let Some((dir, name)) = &self.mount.mountpoint {
            dir.push_components(out);
            out.push(name.clone());
        }
        self.node.push_components(out);
    }

    /// The absolute guest path of this location.
    pub fn path(&self) -> Vec<u8> {
        let mut comps = Vec::new();
        self.push_components(&mut comps);
        join_components(&comps)
    }
}

/// `/` followed by `comps` separated by `/`.
pub(crate) fn join_components(comps: &[Vec<u8>]) -> Vec<u8> {
    if comps.is_empty() {
        return b"/".to_vec();
    }
    let mut out = Vec::new();
    for c in comps {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    out
}

/// `dir` + `/` + `name` for an absolute `dir`.
pub(crate) fn join_path(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = dir.to_vec();
    if out.last() != Some(&b'/') {
        out.push(b'/');
    }
    out.extend_from_slice(name);
    out
}

/// The mounts of one run, found by their mount point.
pub(crate) struct MountTable {
    mounts: Vec<Arc<Mount>>,
}

impl MountTable {
    pub fn new(root: Arc<Mount>) -> MountTable {
        MountTable { mounts: vec![root] }
    }

    pub fn add(&mut self, m: Arc<Mount>) {
        self.mounts.push(m);
    }

    /// The mounts in the order they were made.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Mount>> {
        self.mounts.iter()
    }

    pub fn next_id(&self) -> u64 {
        self.mounts.iter().map(|m| m.id).max().unwrap_or(0) + 1
    }

    /// The mount sitting on `name` in directory `dir`, if any (the last
    /// one mounted there: it hides those below).
    pub fn mounted_on(&self, dir: &Location, name: &[u8]) -> Option<&Arc<Mount>> {
        self.mounts.iter().rev().find(|m| match &m.mountpoint {
            Some((mp_dir, mp_name)) => mp_name.as_slice() == name && mp_dir.same(dir),
            None => false,
        })
    }
}
