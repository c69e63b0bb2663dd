//! What `/proc` shows of the kernel's processes: the kernel is the vfs's
//! [`ProcSource`].
//!
//! Processes are found in `Kernel::processes` (filled by
//! `Kernel::register_process`). Each answer is a snapshot, taken one lock at
//! a time and never holding one while taking another. The vfs asks while
//! the calling syscall holds its own process's `fs` lock, so the
//! file-system context is read through its `FsView`, never through
//! `Process::fs`; the other locks taken here (registry, creds, fds, mm,
//! signals, exe, cmdline, environ, comm) must not be held by anyone calling
//! into the vfs's path walk.

use trapline_vfs::{FsView, ProcFd, ProcInfo, ProcSource};

use crate::kernel::Kernel;
use crate::mm::{MemoryMap, Vma, VmaKind};
use crate::process::{lock, Process};
use crate::signal::{NSIG, SIG_DFL, SIG_IGN};

impl ProcSource for Kernel {
    fn pids(&self) -> Vec<i32> {
        let mut procs = lock(&self.processes);
        procs.retain(|_, r| r.process.strong_count() > 0);
        procs.keys().copied().collect()
    }

    fn process(&self, pid: i32) -> Option<ProcInfo> {
        let (process, fs) = {
            let procs = lock(&self.processes);
            let r = procs.get(&pid)?;
            (r.process.upgrade()?, r.fs.clone())
        };
        Some(snapshot(&process, &fs))
    }
}

fn snapshot(p: &Process, fs: &FsView) -> ProcInfo {
    let creds = lock(&p.creds).clone();
    let fds = {
        let table = lock(&p.fds);
        table
            .fds()
            .into_iter()
            .filter_map(|fd| {
                let f = table.get(fd).ok()?;
                Some(ProcFd {
                    fd,
                    target: f.path().to_vec(),
                    flags: f.status_flags(),
                })
            })
            .collect()
    };
    let (maps, vsize, start_brk) = {
        let mm = lock(&p.mm);
        let vsize = mm.vmas().map(|v| v.end - v.start).sum();
        (maps_text(&mm), vsize, mm.brk_start)
    };
    let (sig_ignored, sig_caught) = {
        let actions = lock(&p.signals);
        let mut ignored = 0u64;
        let mut caught = 0u64;
        for sig in 1..=NSIG {
            match actions.get(sig).map(|a| a.handler) {
                Some(SIG_IGN) => ignored |= 1 << (sig - 1),
                Some(SIG_DFL) | None => {}
                Some(_) => caught |= 1 << (sig - 1),
            }
        }
        (ignored, caught)
    };
    ProcInfo {
        pid: p.pid,
        ppid: p.ppid(),
        pgid: p.pgid(),
        sid: p.sid(),
        tids: p.threads.tids(p.pid),
        comm: lock(&p.comm).clone(),
        exe: lock(&p.exe).clone(),
        cwd: fs.cwd_path(),
        root: fs.root_path(),
        cmdline: lock(&p.cmdline).clone(),
        environ: lock(&p.environ).clone(),
        umask: fs.umask(),
        uids: [creds.uid, creds.euid, creds.suid, creds.fsuid],
        gids: [creds.gid, creds.egid, creds.sgid, creds.fsgid],
        groups: creds.groups,
        fds,
        maps,
        vsize,
        start_brk,
        sig_ignored,
        sig_caught,
    }
}

/// What `/proc/PID/maps` names a mapping, and its file offset.
fn name_of(v: &Vma) -> (Option<&[u8]>, u64) {
    match &v.kind {
        VmaKind::File { path, offset } => (Some(path), *offset),
        VmaKind::Heap => (Some(b"[heap]"), 0),
        VmaKind::Stack => (Some(b"[stack]"), 0),
        VmaKind::Anonymous => (None, 0),
    }
}

/// Whether Linux would have merged `b` into `a` (adjacent, same
/// protection, flags and backing, contiguous file offsets): the kernel
/// records each `brk` step and each `mprotect` piece on its own.
fn mergeable(a: &Vma, b: &Vma) -> bool {
    if a.end != b.start || a.prot != b.prot || a.flags != b.flags {
        return false;
    }
    match (&a.kind, &b.kind) {
        (
            VmaKind::File {
                path: pa,
                offset: oa,
            },
            VmaKind::File {
                path: pb,
                offset: ob,
            },
        ) => pa == pb && oa.checked_add(a.end - a.start) == Some(*ob),
        (ka, kb) => ka == kb,
    }
}

/// The text of `/proc/PID/maps`, in Linux's layout: `start-end perms
/// offset dev inode`, then the name padded to column 73. The kernel keeps
/// no device or inode numbers of mapped files (`00:00 0`), and does not
/// track the vDSO or vvar pages, so they are not shown.
pub fn maps_text(map: &MemoryMap) -> Vec<u8> {
    let mut merged: Vec<Vma> = Vec::new();
    for v in map.vmas() {
        match merged.last_mut() {
            Some(last) if mergeable(last, v) => last.end = v.end,
            _ => merged.push(v.clone()),
        }
    }
    let mut out = Vec::new();
    for v in &merged {
        let perms = [
            if v.prot & libc::PROT_READ != 0 {
                'r'
            } else {
                '-'
            },
            if v.prot & libc::PROT_WRITE != 0 {
                'w'
            } else {
                '-'
            },
            if v.prot & libc::PROT_EXEC != 0 {
                'x'
            } else {
                '-'
            },
            if v.flags & libc::MAP_SHARED != 0 {
                's'
            } else {
                'p'
            },
        ];
        let perms: String = perms.iter().collect();
        let (name, offset) = name_of(v);
        let start = out.len();
        out.extend_from_slice(
            format!(
                "{:08x}-{:08x} {perms} {offset:08x} 00:00 0 ",
                v.start, v.end
            )
            .as_bytes(),
        );
        if let Some(name) = name {
            // Linux pads to 72 columns (25 + 6 * sizeof(void *) - 1), then
            // puts one more space.
            while out.len() - start < 72 {
                out.push(b' ');
            }
            out.push(b' ');
            out.extend_from_slice(name);
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vma(start: u64, end: u64, kind: VmaKind) -> Vma {
        Vma {
            start,
            end,
            prot: libc::PROT_READ | libc::PROT_WRITE,
            flags: libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            kind,
        }
    }

    #[test]
    fn maps_lines_look_like_linux() {
        let mut m = MemoryMap::default();
        m.insert(vma(0x5000, 0x6000, VmaKind::Heap));
        m.insert(vma(0x6000, 0x8000, VmaKind::Heap));
        m.insert(vma(0x7fff_0000_0000, 0x7fff_0000_1000, VmaKind::Anonymous));
        let mut file = vma(
            0x1000,
            0x2000,
            VmaKind::File {
                path: b"/usr/bin/cat".to_vec(),
                offset: 0x2000,
            },
        );
        file.prot = libc::PROT_READ | libc::PROT_EXEC;
        file.flags = libc::MAP_PRIVATE;
        m.insert(file);
        let text = String::from_utf8(maps_text(&m)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[0],
            format!(
                "{:<73}/usr/bin/cat",
                "00001000-00002000 r-xp 00002000 00:00 0"
            )
        );
        assert_eq!(
            lines[1],
            format!("{:<73}[heap]", "00005000-00008000 rw-p 00000000 00:00 0")
        );
        assert_eq!(lines[2], "7fff00000000-7fff00001000 rw-p 00000000 00:00 0 ");
    }
}
