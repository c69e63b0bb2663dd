//! A node of any of our file systems: the vfs's view of an inode.

use std::sync::Arc;

use crate::cred::Owner;
use crate::file::FileOps;
use crate::host::HostNode;
use crate::mount::Location;
use crate::proc::ProcNode;
use crate::stat::Stat;
use crate::synth::SynthNode;
use crate::tmpfs::Inode;
use crate::VfsResult;

#[derive(Clone)]
pub(crate) enum Node {
    Host(HostNode),
    Tmpfs(Arc<Inode>),
    Proc(ProcNode),
    /// A node of a tree the kernel made at boot (`/sys`, `/dev`).
    Synth(SynthNode),
}

impl Node {
    /// Type and permission bits.
    pub fn mode(&self) -> u32 {
        self.owner().mode
    }

    pub fn owner(&self) -> Owner {
        match self {
            Node::Host(h) => Owner {
                mode: h.st.st_mode,
                uid: h.st.st_uid,
                gid: h.st.st_gid,
            },
            Node::Tmpfs(i) => i.owner(),
            Node::Proc(p) => p.owner(),
            Node::Synth(s) => s.owner(),
        }
    }

    pub fn file_type(&self) -> u32 {
        self.mode() & libc::S_IFMT
    }

    pub fn is_dir(&self) -> bool {
        self.file_type() == libc::S_IFDIR
    }

    pub fn is_symlink(&self) -> bool {
        self.file_type() == libc::S_IFLNK
    }

    /// Whether both are the same node (of the same file system).
    pub fn same(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::Host(a), Node::Host(b)) => a.rel == b.rel,
            (Node::Tmpfs(a), Node::Tmpfs(b)) => Arc::ptr_eq(a, b),
            (Node::Proc(a), Node::Proc(b)) => a.same(b),
            (Node::Synth(a), Node::Synth(b)) => a.same(b),
            _ => false,
        }
    }

    /// Appends the path components from its file system's root to it.
    pub fn push_components(&self, out: &mut Vec<Vec<u8>>) {
        match self {
            Node::Host(h) => out.extend(
                h.rel
                    .split(|&b| b == b'/')
                    .filter(|c| !c.is_empty())
                    .map(<[u8]>::to_vec),
            ),
            Node::Tmpfs(i) => i.push_components(out),
            Node::Proc(p) => p.push_components(out),
            Node::Synth(s) => s.push_components(out),
        }
    }

    /// Its device and inode numbers, cheaply (no host call).
    pub fn identity(&self) -> (u64, u64) {
        match self {
            Node::Host(h) => (h.st.st_dev, h.st.st_ino),
            Node::Tmpfs(i) => i.identity(),
            n => {
                let st = n.stat();
                (st.dev, st.ino)
            }
        }
    }

    /// Its attributes; for host nodes as cached by the lookup that found it.
    pub fn stat(&self) -> Stat {
        match self {
            Node::Host(h) => Stat::from_host(&h.st),
            Node::Tmpfs(i) => i.stat(),
            Node::Proc(p) => p.stat(),
            Node::Synth(s) => s.stat(),
        }
    }
}

/// The operations of an `O_PATH` file: only `fstat` (and use as a dirfd).
pub(crate) struct PathOps {
    pub loc: Location,
}

impl FileOps for PathOps {
    fn stat(&self) -> VfsResult<Stat> {
        let mut st = match &self.loc.node {
            Node::Host(h) => Stat::from_host(&self.loc.mount.host()?.lstat(&h.rel)?),
            n => n.stat(),
        };
        st.mnt_id = self.loc.mount.id;
        Ok(st)
    }

    fn is_dir(&self) -> bool {
        self.loc.node.is_dir()
    }
}
