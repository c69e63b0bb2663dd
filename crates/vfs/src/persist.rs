//! `--persist DIR`: the root overlay's upper layer kept on disk across
//! runs.
//!
//! The layer lives in memory during a run, as without the option. At the
//! start, `DIR/upper/` (if there is one) is loaded into it; at the end of
//! the run it is saved whole into `DIR/upper.new/`, synced, and swapped
//! with `DIR/upper/` in one `renameat2(RENAME_EXCHANGE)` (a `rename` the
//! first time), so `DIR/upper/` is always one complete run's state: a
//! Trapline killed during the run or during the save leaves the previous
//! state as it was, and the killed run's changes are lost.
//!
//! `DIR/upper/manifest` describes every upper node, parents first, one
//! per line: its identity (device and inode number: for a copied-up node
//! the lower node's, so `stat` stays the same across runs), mode, owner,
//! link count, times, and for a directory whether it is merged with the
//! lower one, the lower size it shows and its whiteouts; a symlink's
//! target; a file's bytes are `DIR/upper/data/<id>` (holes kept). Names
//! and targets are hex, so any byte is safe. `DIR/lock` is held (`flock`)
//! for the run, so two runs never share `DIR`; the manifest names the
//! lower root, so a layer is never put over another tree.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::stat::Timespec;
use crate::tmpfs::{Image, ImageKind, Inode, Tmpfs};
use crate::vfs::Vfs;
use crate::{Errno, MountError};

const MAGIC: &str = "trapline-upper 1";

/// A directory holding an upper layer, locked for this run.
pub(crate) struct Persist {
    dir: PathBuf,
    /// The lower root the layer belongs to.
    lower: Vec<u8>,
    _lock: File,
}

fn fail(dir: &Path, what: &str, errno: Errno) -> MountError {
    MountError {
        what: format!("--persist {}: {what}", dir.display()),
        errno,
    }
}

fn io(e: std::io::Error) -> Errno {
    Errno(e.raw_os_error().unwrap_or(libc::EIO))
}

impl Persist {
    /// Takes `dir` (made if missing) for a run over the lower root
    /// `lower`; `EBUSY` if another run holds it.
    pub fn open(dir: &Path, lower: &[u8]) -> Result<Persist, MountError> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| fail(dir, "cannot make the directory", io(e)))?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(dir.join("lock"))
            .map_err(|e| fail(dir, "cannot open its lock", io(e)))?;
        // SAFETY: flock takes an fd we hold and flags only.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } < 0 {
            return Err(fail(dir, "another run is using it", Errno::EBUSY));
        }
        // The same root however it was written.
        let mut lower = lower.to_vec();
        while lower.len() > 1 && lower.last() == Some(&b'/') {
            lower.pop();
        }
        Ok(Persist {
            dir: dir.to_path_buf(),
            lower,
            _lock: lock,
        })
    }

    fn upper_dir(&self) -> PathBuf {
        self.dir.join("upper")
    }

    /// Loads the saved layer, if any, into `upper` (fresh, just made over
    /// its lower root).
    pub fn load(&self, upper: &Tmpfs) -> Result<(), MountError> {
        let dir = self.upper_dir();
        let manifest = match open_saved(&dir.join("manifest")) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(fail(&self.dir, "cannot read the manifest", io(e))),
        };
        let mut lines = BufReader::new(manifest).lines();
        let mut n = 0usize;
        let mut next = || {
            n += 1;
            match lines.next() {
                Some(Ok(l)) => Ok(Some((n, l))),
                Some(Err(e)) => Err(fail(&self.dir, "cannot read the manifest", io(e))),
                None => Ok(None),
            }
        };
        match next()? {
            Some((_, l)) if l == MAGIC => {}
            _ => return Err(fail(&self.dir, "not a saved layer", Errno::EINVAL)),
        }
        match next()? {
            Some((_, l))
                if l.strip_prefix("lower ").and_then(unhex) == Some(self.lower.clone()) => {}
            _ => {
                return Err(fail(
                    &self.dir,
                    "saved over another root (see --root)",
                    Errno::EINVAL,
                ))
            }
        }
        let mut nodes: HashMap<u64, Arc<Inode>> = HashMap::new();
        nodes.insert(0, upper.root());
        while let Some((line_no, line)) = next()? {
            let bad = || {
                fail(
                    &self.dir,
                    &format!("manifest line {line_no} is damaged"),
                    Errno::EINVAL,
                )
            };
            self.load_line(upper, &line, &mut nodes)
                .map_err(|e| match e {
                    LoadError::Damaged => bad(),
                    LoadError::Host(what, errno) => fail(&self.dir, &what, errno),
                })?;
        }
        Ok(())
    }

    fn load_line(
        &self,
        upper: &Tmpfs,
        line: &str,
        nodes: &mut HashMap<u64, Arc<Inode>>,
    ) -> Result<(), LoadError> {
        let mut f = line.split(' ');
        let mut word = || f.next().ok_or(LoadError::Damaged);
        match word()? {
            "root" => {
                let image = parse_image(&mut word)?;
                upper.restore_root(&image).map_err(|_| LoadError::Damaged)
            }
            "node" => {
                let id = num(word()?)?;
                let parent = nodes.get(&num(word()?)?).ok_or(LoadError::Damaged)?.clone();
                let name = unhex(word()?).ok_or(LoadError::Damaged)?;
                let image = parse_image(&mut word)?;
                let inode = upper
                    .restore(&parent, &name, &image)
                    .map_err(|_| LoadError::Damaged)?;
                if let ImageKind::File = image.kind {
                    self.load_data(id, &inode)?;
                }
                nodes.insert(id, inode);
                Ok(())
            }
            "link" => {
                let inode = nodes.get(&num(word()?)?).ok_or(LoadError::Damaged)?.clone();
                let parent = nodes.get(&num(word()?)?).ok_or(LoadError::Damaged)?.clone();
                let name = unhex(word()?).ok_or(LoadError::Damaged)?;
                upper
                    .restore_link(&parent, &name, &inode)
                    .map_err(|_| LoadError::Damaged)
            }
            _ => Err(LoadError::Damaged),
        }
    }

    fn load_data(&self, id: u64, inode: &Inode) -> Result<(), LoadError> {
        let path = self.upper_dir().join("data").join(id.to_string());
        let host = |what: &str, e: Errno| LoadError::Host(format!("{what} {}", path.display()), e);
        let src = match open_saved(&path) {
            Ok(f) => f,
            // An empty file was saved without bytes.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(host("cannot read", io(e))),
        };
        let dst = inode.data_to_fill().map_err(|e| host("cannot load", e))?;
        copy_sparse(src.as_fd(), dst).map_err(|e| host("cannot load", e))
    }

    /// Saves `upper` whole in place of the saved layer.
    pub fn save(&self, upper: &Tmpfs) -> Result<(), MountError> {
        let new = self.dir.join("upper.new");
        let err = |what: &str, e: std::io::Error| fail(&self.dir, what, io(e));
        if new.exists() {
            std::fs::remove_dir_all(&new).map_err(|e| err("cannot clear upper.new", e))?;
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(new.join("data"))
            .map_err(|e| err("cannot make upper.new", e))?;
        let mut out = Vec::new();
        writeln!(out, "{MAGIC}").ok();
        writeln!(out, "lower {}", hex(&self.lower)).ok();
        let root = upper.root();
        writeln!(out, "root {}", image_fields(&root.image())).ok();
        let mut ids: HashMap<*const Inode, u64> = HashMap::new();
        ids.insert(Arc::as_ptr(&root), 0);
        let mut todo = vec![(0u64, root)];
        while let Some((dir_id, dir)) = todo.pop() {
            let listing = dir
                .listing()
                .map_err(|e| fail(&self.dir, "cannot list", e))?;
            for (name, inode) in listing.entries {
                if let Some(id) = ids.get(&Arc::as_ptr(&inode)) {
                    writeln!(out, "link {id} {dir_id} {}", hex(&name)).ok();
                    continue;
                }
                let id = ids.len() as u64;
                ids.insert(Arc::as_ptr(&inode), id);
                let image = inode.image();
                let fields = image_fields(&image);
                writeln!(out, "node {id} {dir_id} {} {fields}", hex(&name)).ok();
                match image.kind {
                    ImageKind::Dir { .. } => todo.push((id, inode)),
                    ImageKind::File => self.save_data(&new, id, &inode)?,
                    ImageKind::Symlink(_) | ImageKind::Special { .. } => {}
                }
            }
        }
        let mut manifest = File::options()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(new.join("manifest"))
            .map_err(|e| err("cannot write the manifest", e))?;
        manifest
            .write_all(&out)
            .and_then(|()| manifest.sync_all())
            .map_err(|e| err("cannot write the manifest", e))?;
        sync_dir(&new.join("data")).map_err(|e| err("cannot sync", e))?;
        sync_dir(&new).map_err(|e| err("cannot sync", e))?;
        self.swap_in(&new)
    }

    fn save_data(&self, new: &Path, id: u64, inode: &Inode) -> Result<(), MountError> {
        let Some(src) = inode.data() else {
            return Ok(());
        };
        let path = new.join("data").join(id.to_string());
        let err = |e: Errno| fail(&self.dir, &format!("cannot save {}", path.display()), e);
        let dst = File::options()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| err(io(e)))?;
        copy_sparse(src, dst.as_fd()).map_err(err)?;
        dst.sync_all().map_err(|e| err(io(e)))
    }

    /// Makes `new` the saved layer: one exchange with the old one (which
    /// is then removed), so the saved layer is always whole.
    fn swap_in(&self, new: &Path) -> Result<(), MountError> {
        let current = self.upper_dir();
        let (a, b) = (cpath(new)?, cpath(&current)?);
        // SAFETY: both paths are NUL-terminated.
        let exchanged = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        } == 0;
        if exchanged {
            // `new` now holds the previous layer.
            let _ = std::fs::remove_dir_all(new);
        } else {
            std::fs::rename(new, &current)
                .map_err(|e| fail(&self.dir, "cannot put the new layer in place", io(e)))?;
        }
        sync_dir(&self.dir).map_err(|e| fail(&self.dir, "cannot sync", io(e)))
    }
}

impl Vfs {
    /// Takes `dir` for the root's upper layer (over the lower root
    /// `lower`) and loads what it holds; before any mount is made.
    pub(crate) fn load_persistent(&self, dir: &Path, lower: &[u8]) -> Result<(), MountError> {
        let overlay = self.root.mount.overlay().ok_or_else(|| MountError {
            what: "--persist".into(),
            errno: Errno::EINVAL,
        })?;
        let persist = Persist::open(dir, lower)?;
        persist.load(overlay.upper())?;
        let _ = overlay.persist.set(persist);
        Ok(())
    }

    /// Saves the root's upper layer where `--persist` said (nothing
    /// without it). Call it once the guests are gone.
    pub fn save_persistent(&self) -> Result<(), MountError> {
        match self.root.mount.overlay() {
            Some(overlay) => match overlay.persist.get() {
                Some(p) => p.save(overlay.upper()),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }
}

enum LoadError {
    Damaged,
    Host(String, Errno),
}

/// Opens a saved file for reading, never through a symlink.
fn open_saved(path: &Path) -> std::io::Result<File> {
    File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

fn cpath(p: &Path) -> Result<std::ffi::CString, MountError> {
    std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(|_| MountError {
        what: format!("--persist {}", p.display()),
        errno: Errno::EINVAL,
    })
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Copies all of `src` to `dst` (at offset 0 in both), keeping holes.
fn copy_sparse(src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> Result<(), Errno> {
    let size = crate::host::fstat(src)?.st_size;
    let mut buf = vec![0u8; 1 << 20];
    let mut at: i64 = 0;
    while at < size {
        // SAFETY: lseek has no memory arguments.
        let data = unsafe { libc::lseek(src.as_raw_fd(), at, libc::SEEK_DATA) };
        if data < 0 {
            break; // only a hole is left
        }
        // SAFETY: as above.
        let hole = unsafe { libc::lseek(src.as_raw_fd(), data, libc::SEEK_HOLE) };
        let end = if hole < 0 { size } else { hole };
        copy_range(src, dst, data, end, &mut buf)?;
        at = end;
    }
    // SAFETY: no memory arguments.
    if unsafe { libc::ftruncate(dst.as_raw_fd(), size) } < 0 {
        return Err(crate::host_errno());
    }
    Ok(())
}

/// Copies bytes `[from, end)` of `src` to the same place in `dst`
/// (memfd and disk file systems do not `copy_file_range` to each other).
fn copy_range(
    src: BorrowedFd<'_>,
    dst: BorrowedFd<'_>,
    mut from: i64,
    end: i64,
    buf: &mut [u8],
) -> Result<(), Errno> {
    while from < end {
        let want = buf
            .len()
            .min(usize::try_from(end - from).unwrap_or(usize::MAX));
        // SAFETY: `buf` is writable for `want` <= `buf.len()` bytes.
        let n = unsafe { libc::pread(src.as_raw_fd(), buf.as_mut_ptr().cast(), want, from) };
        let n = match usize::try_from(n) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(_) => return Err(crate::host_errno()),
        };
        let mut done = 0;
        while done < n {
            let chunk = &buf[done..n];
            let at = from + done as i64;
            // SAFETY: `chunk` is readable for its length.
            let w =
                unsafe { libc::pwrite(dst.as_raw_fd(), chunk.as_ptr().cast(), chunk.len(), at) };
            done += usize::try_from(w).map_err(|_| crate::host_errno())?;
        }
        from += n as i64;
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    if b.is_empty() {
        return "-".into();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s == "-" {
        return Some(Vec::new());
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn num<T: std::str::FromStr>(s: &str) -> Result<T, LoadError> {
    s.parse().map_err(|_| LoadError::Damaged)
}

/// `kind dev ino mode uid gid nlink atime mtime ctime btime extra...`,
/// times as `sec.nsec`.
fn image_fields(i: &Image) -> String {
    let t = |t: Timespec| format!("{}.{}", t.sec, t.nsec);
    let (kind, extra) = match &i.kind {
        ImageKind::File => ("file", String::new()),
        ImageKind::Symlink(target) => ("symlink", format!(" {}", hex(target))),
        ImageKind::Special { rdev } => ("special", format!(" {rdev}")),
        ImageKind::Dir {
            merged,
            whiteouts,
            lower_size,
        } => {
            let size = match lower_size {
                Some((s, b)) => format!("{s},{b}"),
                None => "-".into(),
            };
            let wh: Vec<String> = whiteouts.iter().map(|w| hex(w)).collect();
            let wh = if wh.is_empty() {
                "-".into()
            } else {
                wh.join(",")
            };
            ("dir", format!(" {} {size} {wh}", u8::from(*merged)))
        }
    };
    format!(
        "{kind} {} {} {:o} {} {} {} {} {} {} {}{extra}",
        i.dev,
        i.ino,
        i.mode,
        i.uid,
        i.gid,
        i.nlink,
        t(i.atime),
        t(i.mtime),
        t(i.ctime),
        t(i.btime)
    )
}

fn parse_time(s: &str) -> Result<Timespec, LoadError> {
    let (sec, nsec) = s.split_once('.').ok_or(LoadError::Damaged)?;
    Ok(Timespec {
        sec: num(sec)?,
        nsec: num(nsec)?,
    })
}

fn parse_image<'a>(
    word: &mut impl FnMut() -> Result<&'a str, LoadError>,
) -> Result<Image, LoadError> {
    use LoadError::Damaged;
    let kind = word()?;
    let (dev, ino) = (num(word()?)?, num(word()?)?);
    let mode = u32::from_str_radix(word()?, 8).map_err(|_| Damaged)?;
    let (uid, gid, nlink) = (num(word()?)?, num(word()?)?, num(word()?)?);
    let (atime, mtime) = (parse_time(word()?)?, parse_time(word()?)?);
    let (ctime, btime) = (parse_time(word()?)?, parse_time(word()?)?);
    let (kind, fmt) = match kind {
        "file" => (ImageKind::File, libc::S_IFREG),
        "symlink" => (
            ImageKind::Symlink(unhex(word()?).ok_or(Damaged)?),
            libc::S_IFLNK,
        ),
        "special" => {
            let rdev = num(word()?)?;
            let fmt = mode & libc::S_IFMT;
            if ![libc::S_IFIFO, libc::S_IFCHR, libc::S_IFBLK, libc::S_IFSOCK].contains(&fmt) {
                return Err(Damaged);
            }
            (ImageKind::Special { rdev }, fmt)
        }
        "dir" => {
            let merged = match word()? {
                "0" => false,
                "1" => true,
                _ => return Err(Damaged),
            };
            let lower_size = match word()? {
                "-" => None,
                s => {
                    let (size, blocks) = s.split_once(',').ok_or(Damaged)?;
                    Some((num(size)?, num(blocks)?))
                }
            };
            let whiteouts = match word()? {
                "-" => BTreeSet::new(),
                s => s
                    .split(',')
                    .map(|w| unhex(w).ok_or(Damaged))
                    .collect::<Result<_, _>>()?,
            };
            let dir = ImageKind::Dir {
                merged,
                whiteouts,
                lower_size,
            };
            (dir, libc::S_IFDIR)
        }
        _ => return Err(Damaged),
    };
    if mode & libc::S_IFMT != fmt {
        return Err(Damaged);
    }
    Ok(Image {
        dev,
        ino,
        mode,
        uid,
        gid,
        nlink,
        atime,
        mtime,
        ctime,
        btime,
        kind,
    })
}
