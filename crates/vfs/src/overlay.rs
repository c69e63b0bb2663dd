//! The guest's root: a host tree, read-only, under a writable tmpfs.
//!
//! A node of an overlay mount is either a host node (`Node::Host`) that
//! exists only in the lower layer, or a tmpfs node (`Node::Tmpfs`) of the
//! upper layer. The upper layer mirrors the lower's paths: a lower node is
//! copied up, with its missing ancestor directories, on its first change.
//! A copied-up directory is *merged*: names it lacks are looked up in the
//! lower directory at the same path, unless a *whiteout* records that the
//! guest deleted them. A directory made by `mkdir` is opaque. Nothing is
//! written to the host; the upper layer is discarded with the run.
//!
//! Lower directories are not renamed (`EXDEV`, as Linux's overlayfs says
//! without `redirect_dir`); `mv` then copies. A copy up keeps the lower
//! node's device and inode numbers, owner, mode and times, so `stat`
//! does not change when a file is first written.

use std::collections::BTreeSet;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Mutex, OnceLock};

use crate::file::{dir_seek, DirEntry, DirSnapshot, FileOps};
use crate::host::{HostFs, HostNode};
use crate::mount::join_path;
use crate::node::Node;
use crate::persist::Persist;
use crate::stat::{dtype_of_mode, Stat};
use crate::tmpfs::{CopiedMeta, Inode, Listing, NewNode, Tmpfs};
use crate::{lock, Errno, VfsResult};

pub(crate) struct OverlayFs {
    lower: Arc<HostFs>,
    upper: Tmpfs,
    /// Serialises copy ups, so two racing writers copy a file once.
    copy_up: Mutex<()>,
    /// Where the upper layer is kept between runs (`--persist DIR`).
    pub(crate) persist: OnceLock<Persist>,
}

/// The names of a path inside the mount.
fn components(rel: &[u8]) -> impl Iterator<Item = &[u8]> {
    rel.split(|&b| b == b'/').filter(|c| !c.is_empty())
}

fn is_enoent(e: Errno) -> bool {
    e == Errno::ENOENT
}

impl OverlayFs {
    /// `lower` must have a directory at its root.
    pub fn new(lower: Arc<HostFs>) -> VfsResult<OverlayFs> {
        let root = lower.node(b"/")?;
        if root.st.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        let upper = Tmpfs::new_upper(&CopiedMeta::from_host(&root.st));
        Ok(OverlayFs {
            lower,
            upper,
            copy_up: Mutex::new(()),
            persist: OnceLock::new(),
        })
    }

    pub fn lower(&self) -> &HostFs {
        &self.lower
    }

    pub fn upper(&self) -> &Tmpfs {
        &self.upper
    }

    pub fn root(&self) -> Node {
        Node::Tmpfs(self.upper.root())
    }

    /// The path of a node inside the mount.
    pub fn rel(node: &Node) -> Vec<u8> {
        match node {
            Node::Host(h) => h.rel.clone(),
            n => {
                let mut comps = Vec::new();
                n.push_components(&mut comps);
                crate::mount::join_components(&comps)
            }
        }
    }

    /// The upper directory at `rel`, if it was copied up; `ENOENT` if the
    /// guest deleted a directory on the way (a stale lower node).
    fn upper_dir(&self, rel: &[u8]) -> VfsResult<Option<Arc<Inode>>> {
        let mut cur = self.upper.root();
        for name in components(rel) {
            match cur.lookup(name) {
                Ok(next) => cur = next,
                Err(e) if is_enoent(e) => {
                    if !cur.is_merged() || cur.is_whiteout(name) {
                        return Err(Errno::ENOENT);
                    }
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Some(cur))
    }

    /// The upper directory of a directory node, if it has one now.
    fn upper_of(&self, dir: &Node) -> VfsResult<Option<Arc<Inode>>> {
        match dir {
            Node::Tmpfs(i) => Ok(Some(i.clone())),
            Node::Host(h) => self.upper_dir(&h.rel),
            _ => Err(Errno::EIO),
        }
    }

    /// The entry `name` of directory `dir` in the merged view.
    pub fn child(&self, dir: &Node, name: &[u8]) -> VfsResult<Node> {
        if let Some(upper) = self.upper_of(dir)? {
            match upper.lookup(name) {
                Ok(i) => return Ok(Node::Tmpfs(i)),
                Err(e) if is_enoent(e) => {}
                Err(e) => return Err(e),
            }
            if !upper.is_merged() || upper.is_whiteout(name) {
                return Err(Errno::ENOENT);
            }
        }
        let rel = join_path(&Self::rel(dir), name);
        Ok(Node::Host(self.lower.node(&rel)?))
    }

    /// Whether the lower layer shows `name` in the merged directory `dir`
    /// (which a removal must then hide with a whiteout).
    pub fn lower_has(&self, dir: &Inode, dir_node: &Node, name: &[u8]) -> bool {
        dir.is_merged()
            && !dir.is_whiteout(name)
            && self
                .lower
                .node(&join_path(&Self::rel(dir_node), name))
                .is_ok()
    }

    /// The parent of a directory node (the root is its own parent).
    pub fn parent(&self, n: &Node) -> VfsResult<Node> {
        match n {
            Node::Tmpfs(i) => Ok(Node::Tmpfs(i.parent())),
            Node::Host(h) => {
                let parent = self.lower.parent(h)?;
                Ok(match self.upper_dir(&parent.rel)? {
                    Some(i) => Node::Tmpfs(i),
                    None => Node::Host(parent),
                })
            }
            _ => Err(Errno::EIO),
        }
    }

    /// The upper node of `n`, copying it and its missing ancestors up
    /// first. A regular file's bytes are copied only with `data` (not
    /// for a file about to be truncated). Only directories, regular files
    /// and symlinks can be copied: other host nodes are read-only.
    pub fn copy_up(&self, n: &Node, data: bool) -> VfsResult<Arc<Inode>> {
        let h = match n {
            Node::Tmpfs(i) => return Ok(i.clone()),
            Node::Host(h) => h,
            _ => return Err(Errno::EROFS),
        };
        let _one_at_a_time = lock(&self.copy_up);
        let names: Vec<&[u8]> = components(&h.rel).collect();
        let mut cur = self.upper.root();
        let mut rel = Vec::new();
        for (k, name) in names.iter().enumerate() {
            rel = join_path(if rel.is_empty() { b"/" } else { &rel }, name);
            match cur.lookup(name) {
                Ok(next) => {
                    cur = next;
                    continue;
                }
                Err(e) if is_enoent(e) => {}
                Err(e) => return Err(e),
            }
            if !cur.is_merged() || cur.is_whiteout(name) {
                return Err(Errno::ENOENT);
            }
            let lower = self.lower.node(&rel)?;
            let last = k + 1 == names.len();
            if !last && lower.st.st_mode & libc::S_IFMT != libc::S_IFDIR {
                return Err(Errno::ENOTDIR);
            }
            cur = self.copy_one(&cur, name, &lower, data && last)?;
        }
        Ok(cur)
    }

    fn copy_one(
        &self,
        dir: &Arc<Inode>,
        name: &[u8],
        lower: &HostNode,
        data: bool,
    ) -> VfsResult<Arc<Inode>> {
        let copy = self.copy_node(dir, name, lower, data)?;
        copy.keep_xattrs(crate::xattr::host_xattrs(&self.lower, &lower.rel));
        Ok(copy)
    }

    /// The copy of `lower` itself, without its extended attributes.
    fn copy_node(
        &self,
        dir: &Arc<Inode>,
        name: &[u8],
        lower: &HostNode,
        data: bool,
    ) -> VfsResult<Arc<Inode>> {
        let meta = CopiedMeta::from_host(&lower.st);
        match lower.st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => self.upper.insert_copy(dir, name, NewNode::Dir, &meta),
            libc::S_IFLNK => {
                let target = self.lower.readlink(lower)?;
                self.upper
                    .insert_copy(dir, name, NewNode::Symlink(&target), &meta)
            }
            libc::S_IFREG => {
                // Read the bytes before the copy is visible, so a failure
                // leaves nothing behind.
                let src = if data {
                    Some(self.open_lower(&lower.rel)?)
                } else {
                    None
                };
                let copy = self.upper.insert_copy(dir, name, NewNode::File, &meta)?;
                if let Some(src) = src {
                    copy.fill_from(src.as_fd())?;
                }
                Ok(copy)
            }
            _ => Err(Errno::EROFS),
        }
    }

    fn open_lower(&self, rel: &[u8]) -> VfsResult<OwnedFd> {
        self.lower.open_rel(rel, libc::O_RDONLY)
    }

    /// Whether the lower directory at `rel` has entries other than those
    /// whited out in `whiteouts`.
    fn lower_has_entries(&self, rel: &[u8], whiteouts: &BTreeSet<Vec<u8>>) -> VfsResult<bool> {
        let mut found = false;
        lower_entries(&self.lower, rel, &mut |e| {
            if e.name != b"." && e.name != b".." && !whiteouts.contains(&e.name) {
                found = true;
            }
            !found
        })?;
        Ok(found)
    }

    /// Whether the directory `n` of the merged view is empty (for `rmdir`
    /// and for a rename over it).
    pub fn is_empty_dir(&self, n: &Node) -> VfsResult<bool> {
        match self.upper_of(n)? {
            Some(upper) => {
                let listing = upper.listing()?;
                if !listing.entries.is_empty() {
                    return Ok(false);
                }
                if !upper.is_merged() {
                    return Ok(true);
                }
                Ok(!self.lower_has_entries(&Self::rel(n), &listing.whiteouts)?)
            }
            None => Ok(!self.lower_has_entries(&Self::rel(n), &BTreeSet::new())?),
        }
    }

    /// Opens a directory of the merged view: a host directory while
    /// nothing of it is in the upper layer, an upper one while it hides
    /// the lower (`mkdir`), else a merged listing.
    pub fn open_dir(&self, n: &Node) -> VfsResult<Arc<dyn FileOps>> {
        match self.upper_of(n)? {
            None => match n {
                Node::Host(h) => self.lower.open(h, libc::O_RDONLY, false),
                _ => Err(Errno::EIO),
            },
            Some(upper) if !upper.is_merged() => crate::tmpfs::open(&upper, false),
            Some(upper) => Ok(Arc::new(MergedDir {
                upper,
                rel: Self::rel(n),
                lower: self.lower.clone(),
                entries: DirSnapshot::default(),
            })),
        }
    }
}

/// Calls `f` with each entry of the lower directory at `rel` while it says
/// to go on.
fn lower_entries(
    lower: &HostFs,
    rel: &[u8],
    f: &mut dyn FnMut(&DirEntry) -> bool,
) -> VfsResult<()> {
    let node = lower.node(rel)?;
    let dir = lower.open(&node, libc::O_RDONLY, false)?;
    let mut pos = 0;
    dir.getdents(&mut pos, f)
}

/// The entries of a merged directory: `.`, `..`, the upper entries, then
/// the lower ones neither replaced nor whited out. `d_off` is the index of
/// the next entry.
fn merged_entries(lower: &HostFs, upper: &Arc<Inode>, rel: &[u8]) -> VfsResult<Vec<DirEntry>> {
    let Listing { whiteouts, entries } = upper.listing()?;
    let mut out = vec![
        (upper.ino(), libc::DT_DIR, b".".to_vec()),
        (upper.parent().ino(), libc::DT_DIR, b"..".to_vec()),
    ];
    let mut seen: BTreeSet<Vec<u8>> = BTreeSet::new();
    for (name, inode) in entries {
        out.push((inode.ino(), dtype_of_mode(inode.owner().mode), name.clone()));
        seen.insert(name);
    }
    lower_entries(lower, rel, &mut |e| {
        let skip = e.name == b"." || e.name == b"..";
        if !skip && !seen.contains(&e.name) && !whiteouts.contains(&e.name) {
            out.push((e.ino, e.kind, e.name.clone()));
        }
        true
    })?;
    Ok(out
        .into_iter()
        .enumerate()
        .map(|(k, (ino, kind, name))| DirEntry {
            ino,
            off: i64::try_from(k + 1).unwrap_or(i64::MAX),
            kind,
            name,
        })
        .collect())
}

/// An open merged directory: a snapshot of its entries, taken at the
/// first read and again at each read from the start (`rewinddir`), so
/// positions stay valid while entries come and go.
struct MergedDir {
    upper: Arc<Inode>,
    rel: Vec<u8>,
    lower: Arc<HostFs>,
    entries: DirSnapshot,
}

impl FileOps for MergedDir {
    fn seekable(&self) -> bool {
        true
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        dir_seek(pos, off, whence)
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.upper.stat())
    }

    fn fsync(&self) -> VfsResult<()> {
        Ok(())
    }

    fn getdents(&self, pos: &mut u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> VfsResult<()> {
        self.entries.getdents(pos, sink, || {
            merged_entries(&self.lower, &self.upper, &self.rel)
        })
    }

    fn is_dir(&self) -> bool {
        true
    }
}
