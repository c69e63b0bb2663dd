//! What `/proc` shows of the kernel's processes: the kernel is the vfs's
//! [`ProcSource`].
//!
//! Processes are found in `Kernel::processes` (filled by
//! `Kernel::register_process`). Each answer is a snapshot, taken one lock at
//! a time and never holding one while taking another. The vfs asks while
//! the calling syscall holds its own process's `fs` lock, so the
//! file-system context is read through its `FsView`, never through
//! `Process::fs`; the other locks taken here (registry, creds, fds, mm,
//! signals, exe, cmdline, environ, comm, auxv, rlimits, the thread group)
//! must not be held by anyone calling into the vfs's path walk.
//!
//! What the kernel does not keep itself comes from the host's view of the
//! host process behind a guest (`/proc/HOSTPID/...`): resident memory and
//! `smaps` counters, CPU time, page faults, and whether a thread is running
//! guest code right now.

use trapline_vfs::{
    FsView, Mapping, ProcFd, ProcInfo, ProcLife, ProcMemory, ProcSource, ProcThread, ProcUsage,
    Resident, SystemInfo, PID_MAX, SMAPS_FIELDS,
};

use crate::kernel::Kernel;
use crate::mm::{MemoryMap, Vma, VmaKind};
use crate::process::{lock, Process};
use crate::rusage::ticks;
use crate::signal::{NSIG, SIG_DFL, SIG_IGN};

impl ProcSource for Kernel {
    fn pids(&self) -> Vec<i32> {
        let mut procs = lock(&self.processes);
        procs.retain(|_, r| r.process.strong_count() > 0);
        procs.keys().copied().collect()
    }

    fn process(&self, pid: i32) -> Option<ProcInfo> {
        let (process, fs) = self.registered(pid)?;
        Some(snapshot(self, &process, fs))
    }

    fn memory(&self, pid: i32, counters: bool) -> Option<ProcMemory> {
        let (process, _) = self.registered(pid)?;
        if lock(&process.exit_status).is_some() {
            return None;
        }
        let mut maps = {
            let mm = lock(&process.mm);
            mappings(&mm)
        };
        let start_brk = lock(&process.mm).brk_start;
        let host = host_tgid(&process);
        if let Some(tgid) = host {
            add_host_view(tgid, &mut maps, counters);
        }
        Some(ProcMemory {
            maps,
            start_brk,
            resident: host.map(host_resident).unwrap_or_default(),
        })
    }

    fn usage(&self, pid: i32, tid: Option<i32>) -> Option<ProcUsage> {
        let (process, _) = self.registered(pid)?;
        let kids = *lock(&process.children_usage);
        let mut u = if lock(&process.exit_status).is_some() {
            let own = *lock(&process.usage_at_exit);
            ProcUsage {
                state: b'Z',
                utime: ticks(own.utime_us),
                stime: ticks(own.stime_us),
                ..ProcUsage::default()
            }
        } else {
            let (tgid, htid) = match tid {
                Some(t) => process.sig.thread(t)?.host_ids()?,
                None => {
                    let tgid = host_tgid(&process)?;
                    (tgid, tgid)
                }
            };
            host_usage(tgid, tid.map(|_| htid))
        };
        u.cutime = ticks(kids.utime_us);
        u.cstime = ticks(kids.stime_us);
        Some(u)
    }

    fn system(&self) -> SystemInfo {
        let uts = lock(&self.uts).clone();
        let last_pid = self.last_pid();
        let mut tasks = 0;
        let mut running = 1; // the reader
        for p in self.processes_snapshot() {
            if lock(&p.exit_status).is_some() {
                continue;
            }
            let threads = p.sig.group().threads.clone();
            tasks += threads.len();
            for t in threads {
                if let Some((tgid, tid)) = t.host_ids() {
                    if host_state(&format!("/proc/{tgid}/task/{tid}/stat")) == Some(b'R') {
                        running += 1;
                    }
                }
            }
        }
        SystemInfo {
            hostname: uts.hostname,
            domainname: uts.domainname,
            release: crate::uts::RELEASE.to_string(),
            version: crate::uts::VERSION.to_string(),
            last_pid,
            forks: u64::try_from(last_pid).unwrap_or(0),
            tasks,
            running: running.min(tasks.max(1)),
            pid_max: PID_MAX,
        }
    }

    fn set_comm(&self, pid: i32, tid: i32, comm: &[u8]) -> Result<(), trapline_abi::Errno> {
        self.rename_thread(pid, tid, comm)
    }
}

impl Kernel {
    /// Renames a thread (a write to its /proc `comm`).
    fn rename_thread(&self, pid: i32, tid: i32, comm: &[u8]) -> Result<(), trapline_abi::Errno> {
        let (process, _) = self.registered(pid).ok_or(trapline_abi::Errno::ESRCH)?;
        let entry = process
            .threads
            .entries(pid)
            .into_iter()
            .find(|e| e.tid() == tid)
            .ok_or(trapline_abi::Errno::ESRCH)?;
        entry.set_comm(comm);
        if tid == pid {
            *lock(&process.comm) = comm.to_vec();
        }
        Ok(())
    }

    /// A registered process and its file-system view.
    fn registered(&self, pid: i32) -> Option<(std::sync::Arc<Process>, FsView)> {
        let procs = lock(&self.processes);
        let r = procs.get(&pid)?;
        Some((r.process.upgrade()?, r.fs.clone()))
    }

    /// The number of live tasks (sysinfo's `procs`).
    pub fn task_count(&self) -> usize {
        self.processes_snapshot()
            .iter()
            .filter(|p| lock(&p.exit_status).is_none())
            .map(|p| p.threads.count())
            .sum()
    }
}

/// The host process behind a guest process: the thread group of any of its
/// threads (they all share it).
fn host_tgid(p: &Process) -> Option<i32> {
    p.sig
        .group()
        .threads
        .iter()
        .find_map(|t| t.host_ids())
        .map(|(tgid, _)| tgid)
}

fn snapshot(kernel: &Kernel, p: &Process, fs: FsView) -> ProcInfo {
    let creds = lock(&p.creds).clone();
    let fds = {
        let table = lock(&p.fds);
        table
            .fds()
            .into_iter()
            .filter_map(|fd| {
                Some(ProcFd {
                    fd,
                    file: table.get(fd).ok()?,
                    cloexec: table.cloexec(fd).unwrap_or(false),
                })
            })
            .collect()
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
    let zombie = lock(&p.exit_status).is_some();
    let life = if zombie {
        ProcLife::Zombie
    } else if p.sig.state() & crate::signal::state::GROUP_STOP != 0 {
        ProcLife::Stopped
    } else {
        ProcLife::Alive
    };
    let threads = if zombie {
        Vec::new()
    } else {
        p.threads
            .entries(p.pid)
            .iter()
            .map(|e| {
                let tid = e.tid();
                let sig = p.sig.thread(tid);
                ProcThread {
                    tid,
                    comm: e.comm(),
                    blocked: sig.as_ref().map_or(0, |s| s.blocked()),
                    pending: sig.as_ref().map_or(0, |s| s.pending()),
                }
            })
            .collect()
    };
    let cpus = lock(&p.affinity)
        .clone()
        .unwrap_or_else(|| kernel.cpus.clone());
    ProcInfo {
        pid: p.pid,
        ppid: p.ppid(),
        pgid: p.pgid(),
        sid: p.sid(),
        life,
        threads,
        comm: lock(&p.comm).clone(),
        exe: lock(&p.exe).clone(),
        fs: (!zombie).then_some(fs),
        cmdline: lock(&p.cmdline).clone(),
        environ: lock(&p.environ).clone(),
        auxv: lock(&p.auxv).clone(),
        uids: [creds.uid, creds.euid, creds.suid, creds.fsuid],
        gids: [creds.gid, creds.egid, creds.sgid, creds.fsgid],
        groups: creds.groups,
        fds: if zombie { Vec::new() } else { fds },
        sig_ignored,
        sig_caught,
        sig_pending: p.sig.shared_pending(),
        limits: lock(&p.rlimits)
            .all()
            .iter()
            .map(|l| (l.cur, l.max))
            .collect(),
        start_time: p.start_time,
        nice: p.nice.load(std::sync::atomic::Ordering::Relaxed),
        cpus,
    }
}

/// What `/proc/PID/maps` names a mapping.
fn name_of(v: &Vma) -> &[u8] {
    match &v.kind {
        VmaKind::File { path, .. } => path,
        VmaKind::Heap => b"[heap]",
        VmaKind::Stack => b"[stack]",
        VmaKind::Anonymous => b"",
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
                ino: ia,
                dev: da,
            },
            VmaKind::File {
                path: pb,
                offset: ob,
                ino: ib,
                dev: db,
            },
        ) => pa == pb && (ia, da) == (ib, db) && oa.checked_add(a.end - a.start) == Some(*ob),
        (ka, kb) => ka == kb,
    }
}

/// The mappings of `map`, merged as Linux would show them. The kernel
/// does not track the vDSO; `add_host_view` adds it.
pub fn mappings(map: &MemoryMap) -> Vec<Mapping> {
    let mut merged: Vec<Vma> = Vec::new();
    for v in map.vmas() {
        match merged.last_mut() {
            Some(last) if mergeable(last, v) => last.end = v.end,
            _ => merged.push(v.clone()),
        }
    }
    merged
        .iter()
        .map(|v| {
            let (offset, dev, ino) = match &v.kind {
                VmaKind::File {
                    offset, dev, ino, ..
                } => (*offset, *dev, *ino),
                _ => (0, 0, 0),
            };
            Mapping {
                start: v.start,
                end: v.end,
                prot: v.prot,
                shared: v.flags & libc::MAP_SHARED != 0,
                offset,
                dev,
                ino,
                name: name_of(v).to_vec(),
                ..Mapping::default()
            }
        })
        .collect()
}

/// One entry of the host's `smaps` (or `maps`) of a guest's host process.
#[derive(Debug, Default, PartialEq, Eq)]
struct HostVma {
    start: u64,
    end: u64,
    name: String,
    usage: [u64; SMAPS_FIELDS.len()],
    thp_eligible: bool,
    vm_flags: String,
}

/// Parses the host's `smaps` (or `maps`: headers only).
fn parse_smaps(text: &str) -> Vec<HostVma> {
    let mut out: Vec<HostVma> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if let Some((a, b)) = first.split_once('-') {
            if let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) {
                let name = words.skip(4).collect::<Vec<_>>().join(" ");
                out.push(HostVma {
                    start,
                    end,
                    name,
                    ..HostVma::default()
                });
                continue;
            }
        }
        let Some(cur) = out.last_mut() else {
            continue;
        };
        let key = first.trim_end_matches(':');
        let value = words
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        match key {
            "THPeligible" => cur.thp_eligible = value != 0,
            "VmFlags" => {
                let flags = line["VmFlags:".len()..].trim();
                cur.vm_flags = flags.split_whitespace().map(|f| format!("{f} ")).collect();
            }
            _ => {
                if let Some(i) = SMAPS_FIELDS.iter().position(|f| *f == key) {
                    cur.usage[i] = value;
                }
            }
        }
    }
    out
}

/// The special mappings the host made in every guest process (the vDSO
/// and its data pages), which the kernel does not track itself.
const HOST_SPECIALS: &[&str] = &["[vvar]", "[vvar_vclock]", "[vdso]", "[vsyscall]"];

/// Adds what the host knows of the guest's mappings: the counters of
/// `smaps` (with `counters`) and the vDSO.
fn add_host_view(tgid: i32, maps: &mut Vec<Mapping>, counters: bool) {
    let file = if counters { "smaps" } else { "maps" };
    let Ok(text) = std::fs::read_to_string(format!("/proc/{tgid}/{file}")) else {
        return;
    };
    let host = parse_smaps(&text);
    if counters {
        for m in maps.iter_mut() {
            let inside = host
                .iter()
                .filter(|h| h.start >= m.start && h.start < m.end);
            for (i, h) in inside.enumerate() {
                if i == 0 {
                    m.thp_eligible = h.thp_eligible;
                    m.vm_flags = h.vm_flags.clone();
                }
                for (sum, v) in m.usage.iter_mut().zip(&h.usage) {
                    *sum += v;
                }
            }
        }
    }
    for h in host
        .iter()
        .filter(|h| HOST_SPECIALS.contains(&h.name.as_str()))
    {
        if maps.iter().any(|m| m.start < h.end && h.start < m.end) {
            continue;
        }
        maps.push(Mapping {
            start: h.start,
            end: h.end,
            prot: if h.name == "[vdso]" || h.name == "[vsyscall]" {
                libc::PROT_READ | libc::PROT_EXEC
            } else {
                libc::PROT_READ
            },
            name: h.name.clone().into_bytes(),
            usage: h.usage,
            thp_eligible: h.thp_eligible,
            vm_flags: h.vm_flags.clone(),
            ..Mapping::default()
        });
    }
    maps.sort_by_key(|m| m.start);
}

/// The value in kB of the line `key:` of a host `status` text.
fn status_kb(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The resident memory of host process `tgid`.
fn host_resident(tgid: i32) -> Resident {
    let s = std::fs::read_to_string(format!("/proc/{tgid}/status")).unwrap_or_default();
    Resident {
        anon: status_kb(&s, "RssAnon"),
        file: status_kb(&s, "RssFile"),
        shmem: status_kb(&s, "RssShmem"),
        hwm: status_kb(&s, "VmHWM"),
        peak_vm: status_kb(&s, "VmPeak"),
        locked: status_kb(&s, "VmLck"),
        pinned: status_kb(&s, "VmPin"),
        page_tables: status_kb(&s, "VmPTE"),
        swap: status_kb(&s, "VmSwap"),
    }
}

/// The guest's view of a host thread state: a thread stopped for its
/// tracer is in a system call the kernel serves (sleeping, as far as the
/// guest can tell); one running on the host runs guest code.
fn guest_state(host: u8) -> u8 {
    match host {
        b'R' => b'R',
        b'Z' | b'X' => b'Z',
        _ => b'S',
    }
}

/// The state letter of the host `stat` file at `path`.
fn host_state(path: &str) -> Option<u8> {
    let stat = std::fs::read_to_string(path).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    rest.trim_start().bytes().next()
}

/// CPU use of host process `tgid`, or of its thread `tid`.
fn host_usage(tgid: i32, tid: Option<i32>) -> ProcUsage {
    let dir = match tid {
        Some(t) => format!("/proc/{tgid}/task/{t}"),
        None => format!("/proc/{tgid}"),
    };
    let mut u = ProcUsage {
        state: b'S',
        ..ProcUsage::default()
    };
    if let Ok(stat) = std::fs::read_to_string(format!("{dir}/stat")) {
        if let Some((_, rest)) = stat.rsplit_once(')') {
            // Fields from 3 (state) on.
            let f: Vec<&str> = rest.split_whitespace().collect();
            let field = |n: usize| {
                f.get(n - 3)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            u.state = guest_state(f.first().and_then(|s| s.bytes().next()).unwrap_or(b'S'));
            u.minflt = field(10);
            u.majflt = field(12);
            u.utime = field(14);
            u.stime = field(15);
            u.processor = i32::try_from(field(39)).unwrap_or(0);
        }
    }
    if let Ok(status) = std::fs::read_to_string(format!("{dir}/status")) {
        let count = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        u.voluntary_switches = count("voluntary_ctxt_switches:");
        u.involuntary_switches = count("nonvoluntary_ctxt_switches:");
    }
    u
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
    fn mappings_merge_as_linux() {
        let mut m = MemoryMap::default();
        m.insert(vma(0x5000, 0x6000, VmaKind::Heap));
        m.insert(vma(0x6000, 0x8000, VmaKind::Heap));
        m.insert(vma(0x7fff_0000_0000, 0x7fff_0000_1000, VmaKind::Anonymous));
        let file = |start, end, offset| {
            let mut v = vma(
                start,
                end,
                VmaKind::File {
                    path: b"/usr/bin/cat".to_vec(),
                    offset,
                    dev: 7,
                    ino: 9,
                },
            );
            v.prot = libc::PROT_READ | libc::PROT_EXEC;
            v.flags = libc::MAP_PRIVATE;
            v
        };
        m.insert(file(0x1000, 0x2000, 0x2000));
        m.insert(file(0x2000, 0x3000, 0x3000));
        let got = mappings(&m);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(
            (got[0].start, got[0].end, got[0].offset, got[0].ino),
            (0x1000, 0x3000, 0x2000, 9)
        );
        assert_eq!(got[0].name, b"/usr/bin/cat");
        assert_eq!((got[1].start, got[1].end), (0x5000, 0x8000));
        assert_eq!(got[1].name, b"[heap]");
        assert!(got[2].name.is_empty());
    }

    #[test]
    fn host_smaps_parse() {
        let text = "\
00400000-00401000 r-xp 00000000 fe:00 12 /bin/x
Size:                  4 kB
Rss:                   4 kB
Private_Hugetlb:       0 kB
THPeligible:           1
VmFlags: rd ex mr mw me 
7ffd1000-7ffd3000 r--p 00000000 00:00 0                                  [vvar]
Rss:                   0 kB
";
        let v = parse_smaps(text);
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].start, v[0].end), (0x40_0000, 0x40_1000));
        assert_eq!(v[0].name, "/bin/x");
        assert_eq!(v[0].usage[0], 4);
        assert!(v[0].thp_eligible);
        assert_eq!(v[0].vm_flags, "rd ex mr mw me ");
        assert_eq!(v[1].name, "[vvar]");
        assert_eq!(guest_state(b't'), b'S');
        assert_eq!(guest_state(b'R'), b'R');
    }
}
