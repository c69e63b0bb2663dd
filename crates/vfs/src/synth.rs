//! Fixed trees the kernel makes once, at boot: `/sys` (`sys.rs`) and
//! `/dev` (`devfs.rs`). A tree holds directories, files whose bytes are
//! made when they are opened, symlinks and device nodes; nothing can be
//! created, removed or changed in it (its mount is read-only: `EROFS`),
//! but its device nodes can be written, as on a read-only mount on Linux.

use std::sync::{Arc, OnceLock};

use crate::cred::Owner;
use crate::devfs::Device;
use crate::file::{dir_seek, generic_seek, DirEntry, DirSnapshot, FileOps};
use crate::stat::{dtype_of_mode, Stat, Timespec};
use crate::statfs::{StatFs, ST_RDONLY, ST_RELATIME};
use crate::{Errno, VfsResult};

/// Makes a file's bytes when it is opened.
pub(crate) type Maker = Box<dyn Fn() -> VfsResult<Vec<u8>> + Send + Sync>;

/// What an entry of a tree is.
pub(crate) enum Content {
    Dir(Vec<usize>),
    File(Maker),
    Link(Vec<u8>),
    Device(Device),
}

struct Entry {
    name: Vec<u8>,
    parent: usize,
    /// Permission bits (the type comes from the content).
    perms: u32,
    content: Content,
}

/// One tree, as a mount shows it.
pub(crate) struct SynthFs {
    /// The file system's type (`sysfs`), its mount options as
    /// `mountinfo` shows them, and its `statfs` magic.
    pub fstype: &'static str,
    pub options: &'static str,
    magic: i64,
    dev: u64,
    entries: Vec<Entry>,
}

/// A node of a tree: the tree and the entry's index (0 is the root).
#[derive(Clone)]
pub(crate) struct SynthNode {
    pub fs: Arc<SynthFs>,
    index: usize,
}

/// Builds a tree, parents before children.
pub(crate) struct Builder {
    entries: Vec<Entry>,
}

impl Builder {
    /// A tree whose root has permissions `perms`.
    pub fn new(perms: u32) -> Builder {
        Builder {
            entries: vec![Entry {
                name: Vec::new(),
                parent: 0,
                perms,
                content: Content::Dir(Vec::new()),
            }],
        }
    }

    /// Adds `name` in directory `parent` and returns its index.
    pub fn add(&mut self, parent: usize, name: &[u8], perms: u32, content: Content) -> usize {
        let index = self.entries.len();
        self.entries.push(Entry {
            name: name.to_vec(),
            parent,
            perms,
            content,
        });
        if let Some(Content::Dir(children)) = self.entries.get_mut(parent).map(|e| &mut e.content) {
            children.push(index);
        }
        index
    }

    pub fn dir(&mut self, parent: usize, name: &[u8], perms: u32) -> usize {
        self.add(parent, name, perms, Content::Dir(Vec::new()))
    }

    pub fn build(
        self,
        fstype: &'static str,
        options: &'static str,
        magic: i64,
        dev: u64,
    ) -> Arc<SynthFs> {
        Arc::new(SynthFs {
            fstype,
            options,
            magic,
            dev,
            entries: self.entries,
        })
    }
}

/// When the trees were made: the times of their nodes.
fn born() -> Timespec {
    static BORN: OnceLock<Timespec> = OnceLock::new();
    *BORN.get_or_init(Timespec::now)
}

impl SynthFs {
    pub fn root(self: &Arc<Self>) -> SynthNode {
        SynthNode {
            fs: self.clone(),
            index: 0,
        }
    }

    pub fn statfs(&self) -> StatFs {
        let mut st = StatFs::pseudo(self.magic);
        st.flags |= ST_RDONLY | ST_RELATIME;
        st
    }

    pub fn dev(&self) -> u64 {
        self.dev
    }
}

impl SynthNode {
    fn entry(&self) -> &Entry {
        &self.fs.entries[self.index]
    }

    fn at(&self, index: usize) -> SynthNode {
        SynthNode {
            fs: self.fs.clone(),
            index,
        }
    }

    pub fn mode(&self) -> u32 {
        let e = self.entry();
        let kind = match &e.content {
            Content::Dir(_) => libc::S_IFDIR,
            Content::File(_) => libc::S_IFREG,
            Content::Link(_) => libc::S_IFLNK,
            Content::Device(_) => libc::S_IFCHR,
        };
        kind | e.perms
    }

    pub fn owner(&self) -> Owner {
        Owner {
            mode: self.mode(),
            uid: 0,
            gid: 0,
        }
    }

    /// The device this node stands for, if it is a device node.
    pub fn device(&self) -> Option<Device> {
        match &self.entry().content {
            Content::Device(d) => Some(*d),
            _ => None,
        }
    }

    pub fn same(&self, other: &SynthNode) -> bool {
        Arc::ptr_eq(&self.fs, &other.fs) && self.index == other.index
    }

    /// Appends the path components from the tree's root to it.
    pub fn push_components(&self, out: &mut Vec<Vec<u8>>) {
        let mut names = Vec::new();
        let mut i = self.index;
        while i != 0 {
            let e = &self.fs.entries[i];
            names.push(e.name.clone());
            i = e.parent;
        }
        out.extend(names.into_iter().rev());
    }

    pub fn stat(&self) -> Stat {
        let t = born();
        let nlink = match &self.entry().content {
            Content::Dir(children) => {
                2 + children
                    .iter()
                    .filter(|&&c| matches!(self.fs.entries[c].content, Content::Dir(_)))
                    .count() as u64
            }
            _ => 1,
        };
        let (rdev, size) = match &self.entry().content {
            Content::Device(d) => (d.rdev(), 0),
            Content::Link(target) => (0, target.len() as i64),
            // sysfs attributes report a page, directories 0.
            Content::File(_) => (0, 4096),
            Content::Dir(_) => (0, 0),
        };
        Stat {
            dev: self.fs.dev,
            ino: self.index as u64 + 1,
            mode: self.mode(),
            nlink,
            uid: 0,
            gid: 0,
            rdev,
            size,
            blksize: 4096,
            blocks: 0,
            atime: t,
            mtime: t,
            ctime: t,
            btime: None,
            mnt_id: 0,
        }
    }

    /// The entry `name` of this directory.
    pub fn child(&self, name: &[u8]) -> VfsResult<SynthNode> {
        match &self.entry().content {
            Content::Dir(children) => children
                .iter()
                .find(|&&c| self.fs.entries[c].name == name)
                .map(|&c| self.at(c))
                .ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// The directory holding it (the root is its own parent).
    pub fn parent(&self) -> SynthNode {
        self.at(self.entry().parent)
    }

    pub fn readlink(&self) -> VfsResult<Vec<u8>> {
        match &self.entry().content {
            Content::Link(target) => Ok(target.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Opens a directory or a file (device nodes are opened by the vfs,
    /// which knows who opens them).
    pub fn open(&self) -> VfsResult<Arc<dyn FileOps>> {
        match &self.entry().content {
            Content::Dir(_) => Ok(Arc::new(SynthDir {
                node: self.clone(),
                entries: DirSnapshot::default(),
            })),
            Content::File(make) => Ok(Arc::new(SynthFile {
                data: make()?,
                st: self.stat(),
                statfs: self.fs.statfs(),
            })),
            Content::Link(_) => Err(Errno::ELOOP),
            Content::Device(_) => Err(Errno::ENXIO),
        }
    }

    fn dirent(&self, name: &[u8], off: usize) -> DirEntry {
        DirEntry {
            ino: self.index as u64 + 1,
            off: off as i64,
            kind: dtype_of_mode(self.mode()),
            name: name.to_vec(),
        }
    }

    fn entries(&self) -> Vec<DirEntry> {
        let mut out = vec![self.dirent(b".", 1), self.parent().dirent(b"..", 2)];
        if let Content::Dir(children) = &self.entry().content {
            for &c in children {
                let n = self.at(c);
                out.push(n.dirent(&n.entry().name, out.len() + 1));
            }
        }
        out
    }
}

/// An open file of a tree: its bytes as made at open.
struct SynthFile {
    data: Vec<u8>,
    st: Stat,
    statfs: StatFs,
}

impl FileOps for SynthFile {
    fn seekable(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8], pos: &mut u64) -> VfsResult<usize> {
        let n = self.pread(buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> VfsResult<usize> {
        let start = usize::try_from(off)
            .unwrap_or(usize::MAX)
            .min(self.data.len());
        let n = buf.len().min(self.data.len() - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        Ok(n)
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        match whence {
            libc::SEEK_SET | libc::SEEK_CUR | libc::SEEK_END => {
                generic_seek(pos, off, whence, self.data.len() as u64)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.st.clone())
    }

    fn statfs(&self) -> VfsResult<StatFs> {
        Ok(self.statfs)
    }
}

/// An open directory of a tree; the position is an index.
struct SynthDir {
    node: SynthNode,
    entries: DirSnapshot,
}

impl FileOps for SynthDir {
    fn seekable(&self) -> bool {
        true
    }

    fn seek(&self, pos: &mut u64, off: i64, whence: i32) -> VfsResult<u64> {
        dir_seek(pos, off, whence)
    }

    fn stat(&self) -> VfsResult<Stat> {
        Ok(self.node.stat())
    }

    fn getdents(&self, pos: &mut u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> VfsResult<()> {
        self.entries.getdents(pos, sink, || Ok(self.node.entries()))
    }

    fn is_dir(&self) -> bool {
        true
    }

    fn statfs(&self) -> VfsResult<StatFs> {
        Ok(self.node.fs.statfs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_walks_and_lists() {
        let mut b = Builder::new(0o555);
        let d = b.dir(0, b"devices", 0o755);
        let f = b.add(
            d,
            b"online",
            0o444,
            Content::File(Box::new(|| Ok(b"0-1\n".to_vec()))),
        );
        b.add(0, b"fd", 0o777, Content::Link(b"/proc/self/fd".to_vec()));
        let fs = b.build("sysfs", "ro", 0x6265_6572, 0x2e);
        let root = fs.root();
        let online = root.child(b"devices").unwrap().child(b"online").unwrap();
        assert_eq!(online.index, f);
        assert_eq!(online.mode(), libc::S_IFREG | 0o444);
        let mut comps = Vec::new();
        online.push_components(&mut comps);
        assert_eq!(comps, [b"devices".to_vec(), b"online".to_vec()]);
        assert!(online.parent().parent().same(&root));
        assert_eq!(root.child(b"nope").err(), Some(Errno::ENOENT));
        assert_eq!(online.child(b"x").err(), Some(Errno::ENOTDIR));
        assert_eq!(
            root.child(b"fd").unwrap().readlink(),
            Ok(b"/proc/self/fd".to_vec())
        );
        let file = online.open().unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(file.pread(&mut buf, 0), Ok(4));
        assert_eq!(root.stat().nlink, 3);
        let names: Vec<Vec<u8>> = root.entries().into_iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            [
                b".".to_vec(),
                b"..".to_vec(),
                b"devices".to_vec(),
                b"fd".to_vec()
            ]
        );
    }
}
