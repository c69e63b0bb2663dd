//! The path walk: component by component over the mount tree, as Linux's
//! `namei` does it.
//!
//! Each directory searched needs search permission; `..` stays at the root
//! and leaves a mount through its mount point; a symlink in the middle of a
//! path is always followed (absolute targets restart at the guest's root),
//! at most `MAX_SYMLINKS` per lookup.

use crate::cred::{self, Cred, MAY_EXEC};
use crate::file::OpenFile;
use crate::fs_context::FsContext;
use crate::mount::{join_path, Location};
use crate::node::Node;
use crate::vfs::Vfs;
use crate::{Errno, VfsResult};

/// Linux's limit on symlinks followed in one lookup.
pub(crate) const MAX_SYMLINKS: u32 = 40;
/// Longest path (with its NUL): longer ones are `ENAMETOOLONG`.
pub(crate) const PATH_MAX: usize = 4096;
/// Longest component.
pub(crate) const NAME_MAX: usize = 255;

/// The last component of a path.
pub(crate) enum Last {
    Name(Vec<u8>),
    Dot,
    DotDot,
    /// The path was only slashes.
    Root,
}

/// A path walked up to its last component.
pub(crate) struct Parent {
    /// The directory the last component is in (already checked to be a
    /// searchable directory).
    pub dir: Location,
    pub last: Last,
    /// Whether the path ended in `/`.
    pub trailing: bool,
}

/// A path walked to its end.
pub(crate) struct Found {
    /// The directory and name the final node was found by; `None` when
    /// the path ended in `/`, `.` or `..`.
    pub parent: Option<(Location, Vec<u8>)>,
    pub loc: Location,
}

impl Found {
    /// The absolute guest path of the node found.
    pub fn path(&self) -> Vec<u8> {
        match &self.parent {
            Some((dir, name)) => join_path(&dir.path(), name),
            None => self.loc.path(),
        }
    }
}

fn component(c: &[u8]) -> VfsResult<Last> {
    Ok(match c {
        b"." => Last::Dot,
        b".." => Last::DotDot,
        _ if c.len() > NAME_MAX => return Err(Errno::ENAMETOOLONG),
        _ => Last::Name(c.to_vec()),
    })
}

impl Vfs {
    /// Where a lookup of `path` starts: the root for absolute paths, else
    /// the directory of `base` (a dirfd) or the cwd.
    pub(crate) fn start_for(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
    ) -> VfsResult<Location> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path[0] == b'/' {
            return Ok(ctx.root.clone());
        }
        match base {
            None => Ok(ctx.cwd.clone()),
            Some(f) => match &f.loc {
                Some(loc) if loc.node.is_dir() => Ok(loc.clone()),
                _ => Err(Errno::ENOTDIR),
            },
        }
    }

    /// Checks that `dir` is a directory the caller may search.
    pub(crate) fn may_search(&self, dir: &Location, cred: &Cred) -> VfsResult<()> {
        if !dir.node.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        cred::check(cred, dir.node.owner(), MAY_EXEC)
    }

    /// The entry `name` of directory `dir`, crossing into a mount on it.
    pub(crate) fn child(&self, dir: &Location, name: &[u8]) -> VfsResult<Location> {
        if let Some(m) = self.mounts.mounted_on(dir, name) {
            return Ok(Location {
                mount: m.clone(),
                node: m.root.clone(),
            });
        }
        let node = match &dir.node {
            Node::Host(h) => Node::Host(dir.mount.host()?.child(h, name)?),
            Node::Tmpfs(i) => Node::Tmpfs(i.lookup(name)?),
            Node::Proc(p) => Node::Proc(dir.mount.proc()?.child(p, name)?),
            Node::Synth(s) => Node::Synth(s.child(name)?),
        };
        Ok(Location {
            mount: dir.mount.clone(),
            node,
        })
    }

    /// `..` of `dir`: itself at the guest's root; the directory holding the
    /// mount point at a mount's root.
    pub(crate) fn parent_of(&self, ctx: &FsContext, dir: &Location) -> VfsResult<Location> {
        if dir.same(&ctx.root) {
            return Ok(dir.clone());
        }
        if dir.is_mount_root() {
            return Ok(match &dir.mount.mountpoint {
                Some((mp_dir, _)) => mp_dir.clone(),
                None => dir.clone(),
            });
        }
        let node = match &dir.node {
            Node::Host(h) => Node::Host(dir.mount.host()?.parent(h)?),
            Node::Tmpfs(i) => Node::Tmpfs(i.parent()),
            Node::Proc(p) => Node::Proc(dir.mount.proc()?.parent(p)?),
            Node::Synth(s) => Node::Synth(s.parent()),
        };
        Ok(Location {
            mount: dir.mount.clone(),
            node,
        })
    }

    /// The target of a symlink (`/proc/self` depends on who asks, and
    /// `/proc/PID/exe` on whether the caller may look).
    pub(crate) fn readlink_loc(
        &self,
        ctx: &FsContext,
        link: &Location,
        cred: &Cred,
    ) -> VfsResult<Vec<u8>> {
        match &link.node {
            Node::Host(h) if link.node.is_symlink() => link.mount.host()?.readlink(h),
            Node::Tmpfs(i) => i.readlink(),
            Node::Proc(p) if link.node.is_symlink() => link.mount.proc()?.readlink(p, ctx, cred),
            Node::Synth(s) => s.readlink(),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Follows the symlink `link` found in `dir`.
    pub(crate) fn follow(
        &self,
        ctx: &FsContext,
        dir: &Location,
        link: &Location,
        cred: &Cred,
        depth: &mut u32,
    ) -> VfsResult<Found> {
        if let Some(loc) = self.magic_target(link, cred)? {
            *depth += 1;
            if *depth > MAX_SYMLINKS {
                return Err(Errno::ELOOP);
            }
            return Ok(Found { parent: None, loc });
        }
        let (start, target) = self.link_start(ctx, dir, link, cred, depth)?;
        self.lookup_at(ctx, start, &target, true, cred, depth)
    }

    /// Counts one more symlink and gives its target and where a lookup of
    /// the target starts.
    pub(crate) fn link_start(
        &self,
        ctx: &FsContext,
        dir: &Location,
        link: &Location,
        cred: &Cred,
        depth: &mut u32,
    ) -> VfsResult<(Location, Vec<u8>)> {
        *depth += 1;
        if *depth > MAX_SYMLINKS {
            return Err(Errno::ELOOP);
        }
        let target = self.readlink_loc(ctx, link, cred)?;
        let start = if target.first() == Some(&b'/') {
            ctx.root.clone()
        } else {
            dir.clone()
        };
        Ok((start, target))
    }

    /// Walks every component but the last.
    pub(crate) fn walk_parent(
        &self,
        ctx: &FsContext,
        start: Location,
        path: &[u8],
        cred: &Cred,
        depth: &mut u32,
    ) -> VfsResult<Parent> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut dir = if path[0] == b'/' {
            ctx.root.clone()
        } else {
            start
        };
        let trailing = path.last() == Some(&b'/');
        let mut comps = path.split(|&b| b == b'/').filter(|c| !c.is_empty());
        let Some(mut comp) = comps.next() else {
            return Ok(Parent {
                dir,
                last: Last::Root,
                trailing: false,
            });
        };
        loop {
            self.may_search(&dir, cred)?;
            let last = component(comp)?;
            let Some(next) = comps.next() else {
                return Ok(Parent {
                    dir,
                    last,
                    trailing,
                });
            };
            dir = match last {
                Last::Dot | Last::Root => dir,
                Last::DotDot => self.parent_of(ctx, &dir)?,
                Last::Name(name) => {
                    let child = self.child(&dir, &name)?;
                    if child.node.is_symlink() {
                        self.follow(ctx, &dir, &child, cred, depth)?.loc
                    } else {
                        child
                    }
                }
            };
            comp = next;
        }
    }

    /// Walks the whole path; `follow` says whether a final symlink is
    /// followed (a trailing `/` always follows and requires a directory).
    pub(crate) fn lookup_at(
        &self,
        ctx: &FsContext,
        start: Location,
        path: &[u8],
        follow: bool,
        cred: &Cred,
        depth: &mut u32,
    ) -> VfsResult<Found> {
        let p = self.walk_parent(ctx, start, path, cred, depth)?;
        let name = match p.last {
            Last::Root | Last::Dot => {
                return Ok(Found {
                    parent: None,
                    loc: p.dir,
                })
            }
            Last::DotDot => {
                return Ok(Found {
                    parent: None,
                    loc: self.parent_of(ctx, &p.dir)?,
                })
            }
            Last::Name(n) => n,
        };
        let child = self.child(&p.dir, &name)?;
        if child.node.is_symlink() && (follow || p.trailing) {
            let found = self.follow(ctx, &p.dir, &child, cred, depth)?;
            if p.trailing && !found.loc.node.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            return Ok(found);
        }
        if p.trailing && !child.node.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(Found {
            parent: Some((p.dir, name)),
            loc: child,
        })
    }

    /// `lookup_at` from where `base`/the cwd says, with a fresh symlink count.
    pub(crate) fn lookup(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        follow: bool,
        cred: &Cred,
    ) -> VfsResult<Found> {
        let start = self.start_for(ctx, base, path)?;
        self.lookup_at(ctx, start, path, follow, cred, &mut 0)
    }

    /// `walk_parent` from where `base`/the cwd says.
    pub(crate) fn parent_lookup(
        &self,
        ctx: &FsContext,
        base: Option<&OpenFile>,
        path: &[u8],
        cred: &Cred,
    ) -> VfsResult<Parent> {
        let start = self.start_for(ctx, base, path)?;
        self.walk_parent(ctx, start, path, cred, &mut 0)
    }
}
