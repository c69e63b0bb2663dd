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

/// `openat2`'s `RESOLVE_*` flags.
pub const RESOLVE_NO_XDEV: u64 = 0x01;
pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_NO_SYMLINKS: u64 = 0x04;
pub const RESOLVE_BENEATH: u64 = 0x08;
pub const RESOLVE_IN_ROOT: u64 = 0x10;
pub const RESOLVE_CACHED: u64 = 0x20;

/// The state of one lookup: symlinks followed so far, and the rules of
/// `openat2`'s `RESOLVE_*` flags with the directory they are relative to.
#[derive(Default)]
pub(crate) struct Walk {
    pub links: u32,
    pub resolve: u64,
    /// For `RESOLVE_BENEATH` and `RESOLVE_IN_ROOT`: the starting
    /// directory, which the lookup may not leave.
    pub anchor: Option<Location>,
}

impl Walk {
    fn has(&self, flag: u64) -> bool {
        self.resolve & flag != 0
    }

    /// Where absolute paths and symlink targets start.
    fn root(&self, ctx: &FsContext) -> VfsResult<Location> {
        match &self.anchor {
            Some(a) if self.has(RESOLVE_IN_ROOT) => Ok(a.clone()),
            Some(_) => Err(Errno::EXDEV),
            None => Ok(ctx.root.clone()),
        }
    }

    /// Whether a symlink may be followed.
    fn may_follow(&self, link: &Location) -> VfsResult<()> {
        let magic = matches!(&link.node, Node::Proc(p) if p.is_magic_link());
        if self.has(RESOLVE_NO_SYMLINKS) || (magic && self.has(RESOLVE_NO_MAGICLINKS)) {
            return Err(Errno::ELOOP);
        }
        Ok(())
    }

    /// `to`, reached from `from`, unless that crosses a mount under
    /// `RESOLVE_NO_XDEV`.
    fn crossing(&self, from: &Location, to: Location) -> VfsResult<Location> {
        if self.has(RESOLVE_NO_XDEV) && !std::sync::Arc::ptr_eq(&from.mount, &to.mount) {
            return Err(Errno::EXDEV);
        }
        Ok(to)
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
                node: m.current_root()?,
            });
        }
        if let Some(overlay) = dir.mount.overlay() {
            return Ok(Location {
                mount: dir.mount.clone(),
                node: overlay.child(&dir.node, name)?,
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
        if let Some(overlay) = dir.mount.overlay() {
            return Ok(Location {
                mount: dir.mount.clone(),
                node: overlay.parent(&dir.node)?,
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

    /// `..` of `dir` in a lookup: it stays at an `RESOLVE_IN_ROOT` anchor
    /// and may not leave a `RESOLVE_BENEATH` one.
    fn walk_up(&self, ctx: &FsContext, dir: &Location, walk: &Walk) -> VfsResult<Location> {
        if let Some(anchor) = &walk.anchor {
            if dir.same(anchor) {
                return if walk.has(RESOLVE_IN_ROOT) {
                    Ok(dir.clone())
                } else {
                    Err(Errno::EXDEV)
                };
            }
        }
        walk.crossing(dir, self.parent_of(ctx, dir)?)
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
        walk: &mut Walk,
    ) -> VfsResult<Found> {
        if let Some(loc) = self.magic_target(link, cred)? {
            walk.links += 1;
            if walk.links > MAX_SYMLINKS {
                return Err(Errno::ELOOP);
            }
            walk.may_follow(link)?;
            return Ok(Found { parent: None, loc });
        }
        let (start, target) = self.link_start(ctx, dir, link, cred, walk)?;
        self.lookup_at(ctx, start, &target, true, cred, walk)
    }

    /// Counts one more symlink and gives its target and where a lookup of
    /// the target starts.
    pub(crate) fn link_start(
        &self,
        ctx: &FsContext,
        dir: &Location,
        link: &Location,
        cred: &Cred,
        walk: &mut Walk,
    ) -> VfsResult<(Location, Vec<u8>)> {
        walk.links += 1;
        if walk.links > MAX_SYMLINKS {
            return Err(Errno::ELOOP);
        }
        walk.may_follow(link)?;
        let target = self.readlink_loc(ctx, link, cred)?;
        let start = if target.first() == Some(&b'/') {
            walk.root(ctx)?
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
        walk: &mut Walk,
    ) -> VfsResult<Parent> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut dir = if path[0] == b'/' {
            walk.root(ctx)?
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
                Last::DotDot => self.walk_up(ctx, &dir, walk)?,
                Last::Name(name) => {
                    let child = walk.crossing(&dir, self.child(&dir, &name)?)?;
                    if child.node.is_symlink() {
                        self.follow(ctx, &dir, &child, cred, walk)?.loc
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
        walk: &mut Walk,
    ) -> VfsResult<Found> {
        let p = self.walk_parent(ctx, start, path, cred, walk)?;
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
                    loc: self.walk_up(ctx, &p.dir, walk)?,
                })
            }
            Last::Name(n) => n,
        };
        let child = walk.crossing(&p.dir, self.child(&p.dir, &name)?)?;
        if child.node.is_symlink() && (follow || p.trailing) {
            let found = self.follow(ctx, &p.dir, &child, cred, walk)?;
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
        self.lookup_at(ctx, start, path, follow, cred, &mut Walk::default())
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
        self.walk_parent(ctx, start, path, cred, &mut Walk::default())
    }
}
