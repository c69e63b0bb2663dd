//! `/proc/PID/mounts` and `/proc/PID/mountinfo`: the vfs's mount table, as
//! the process sees it from its root (Linux's `fs/proc_namespace.c`).

use std::fmt::Write as _;

use super::Bytes;
use crate::mount::{FsKind, Mount};
use crate::vfs::Vfs;

/// What one line of `mountinfo` says.
struct Shown {
    id: u64,
    parent: u64,
    dev: u64,
    /// The mount's root within its file system.
    root: Vec<u8>,
    /// Where it is mounted, relative to the reader's root.
    point: Vec<u8>,
    /// Per-mount options (`rw,nosuid,...`).
    options: &'static str,
    fstype: String,
    source: String,
    /// Per-superblock options.
    super_options: &'static str,
}

/// How the host describes the file system holding the host directory
/// `dir` with device `dev`: its type and source, from the host's
/// `mountinfo` (the deepest mount point above `dir` with that device).
fn host_fs(dir: &[u8], dev: u64) -> (String, String) {
    let text = std::fs::read("/proc/self/mountinfo").unwrap_or_default();
    let want = format!("{}:{}", libc::major(dev), libc::minor(dev));
    let dir = if dir.is_empty() { b"/" as &[u8] } else { dir };
    let mut best: Option<(usize, String, String)> = None;
    for line in String::from_utf8_lossy(&text).lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let Some(dash) = f.iter().position(|x| *x == "-") else {
            continue;
        };
        if f.len() < dash + 3 || f.get(2) != Some(&want.as_str()) {
            continue;
        }
        let point = unescape(f[4]);
        let under = dir == point.as_slice()
            || point == b"/"
            || (dir.starts_with(&point) && dir.get(point.len()) == Some(&b'/'));
        if under && best.as_ref().is_none_or(|b| point.len() >= b.0) {
            best = Some((
                point.len(),
                f[dash + 1].to_string(),
                f[dash + 2].to_string(),
            ));
        }
    }
    best.map_or_else(|| ("none".into(), "none".into()), |(_, t, s)| (t, s))
}

/// What a mount is, as `mountinfo` names it.
fn describe(m: &Mount) -> (u64, &'static str, String, String, &'static str) {
    const PSEUDO: &str = "rw,nosuid,nodev,noexec,relatime";
    match &m.fs {
        FsKind::Host(h) => {
            let dev = m.root.stat().dev;
            let (fstype, source) = host_fs(h.root(), dev);
            match h.writable {
                true => (dev, "rw,relatime", fstype, source, "rw"),
                false => (dev, "ro,relatime", fstype, source, "ro"),
            }
        }
        // The overlay root shows as the file system of its lower layer,
        // as `statfs` and `stat` do, but writable.
        FsKind::Overlay(o) => {
            let dev = m.root.stat().dev;
            let (fstype, source) = host_fs(o.lower().root(), dev);
            (dev, "rw,relatime", fstype, source, "rw")
        }
        FsKind::Tmpfs(t) => (
            t.dev(),
            "rw,nosuid,nodev,relatime",
            "tmpfs".into(),
            "tmpfs".into(),
            "rw",
        ),
        FsKind::Proc(_) => (
            m.root.stat().dev,
            PSEUDO,
            "proc".into(),
            "proc".into(),
            "rw",
        ),
        FsKind::Synth(s) => (s.dev(), s.options, s.fstype.into(), s.fstype.into(), "ro"),
    }
}

/// `path` as seen from `root` (both absolute), or `None` if it is not
/// below it.
fn below(path: &[u8], root: &[u8]) -> Option<Vec<u8>> {
    if root == b"/" {
        return Some(path.to_vec());
    }
    if path == root {
        return Some(b"/".to_vec());
    }
    let rest = path.strip_prefix(root)?;
    rest.starts_with(b"/").then(|| rest.to_vec())
}

/// The mounts a process whose root is at `root` sees, in mount order.
fn shown(vfs: &Vfs, root: &[u8]) -> Vec<Shown> {
    let mut out = Vec::new();
    for m in vfs.mounts.iter() {
        let (point, parent) = match &m.mountpoint {
            Some((dir, name)) => (crate::mount::join_path(&dir.path(), name), dir.mount.id),
            None => (b"/".to_vec(), m.id),
        };
        let Some(point) = below(&point, root) else {
            continue;
        };
        let mut comps = Vec::new();
        m.root.push_components(&mut comps);
        let (dev, options, fstype, source, super_options) = describe(m);
        out.push(Shown {
            id: m.id,
            parent,
            dev,
            root: crate::mount::join_components(&comps),
            point,
            options,
            fstype,
            source,
            super_options,
        });
    }
    out
}

/// Linux's `mangle`: space, tab, newline and backslash as octal escapes.
fn escape(out: &mut Vec<u8>, s: &[u8]) {
    for &b in s {
        match b {
            b' ' | b'\t' | b'\n' | b'\\' => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
            _ => out.push(b),
        }
    }
}

/// The inverse of `escape`.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let digit = |k: usize| u32::from(b[i + k] - b'0');
            out.push((digit(1) * 64 + digit(2) * 8 + digit(3)) as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// `/proc/PID/mountinfo` for a process whose root is at `root`.
pub(crate) fn mountinfo(vfs: &Vfs, root: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in shown(vfs, root) {
        let _ = write!(
            Bytes(&mut out),
            "{} {} {}:{} ",
            s.id,
            s.parent,
            libc::major(s.dev),
            libc::minor(s.dev)
        );
        escape(&mut out, &s.root);
        out.push(b' ');
        escape(&mut out, &s.point);
        let _ = writeln!(
            Bytes(&mut out),
            " {} - {} {} {}",
            s.options,
            s.fstype,
            s.source,
            s.super_options
        );
    }
    out
}

/// `/proc/PID/mounts` (the old `/etc/mtab` format).
pub(crate) fn mounts(vfs: &Vfs, root: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in shown(vfs, root) {
        escape(&mut out, s.source.as_bytes());
        out.push(b' ');
        escape(&mut out, &s.point);
        let _ = writeln!(Bytes(&mut out), " {} {} 0 0", s.fstype, s.options);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_escaped_and_relative_to_the_root() {
        let mut out = Vec::new();
        escape(&mut out, b"/a b\\c");
        assert_eq!(out, b"/a\\040b\\134c");
        assert_eq!(unescape("/a\\040b\\134c"), b"/a b\\c");
        assert_eq!(below(b"/proc", b"/"), Some(b"/proc".to_vec()));
        assert_eq!(below(b"/srv/x/proc", b"/srv/x"), Some(b"/proc".to_vec()));
        assert_eq!(below(b"/srv/x", b"/srv/x"), Some(b"/".to_vec()));
        assert_eq!(below(b"/srv/xy", b"/srv/x"), None);
    }
}
