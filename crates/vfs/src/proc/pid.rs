//! The files of `/proc/PID` and `/proc/PID/task/TID`: which entries a
//! process directory has, and what the kernel-made files hold (formatted
//! as Linux 6.1's `fs/proc/array.c` and `base.c` format them).

use std::fmt::Write as _;
use std::sync::OnceLock;

use super::source::{ProcInfo, ProcLife, ProcMemory, ProcThread, ProcUsage};
use crate::file::OpenFile;

/// A namespace, as `/proc/PID/ns` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    Net,
    Uts,
    Ipc,
    Pid,
    PidForChildren,
    User,
    Mnt,
    Cgroup,
    Time,
    TimeForChildren,
}

/// The entries of `ns/`, in Linux's order.
pub(crate) const NS_ENTRIES: [Ns; 10] = [
    Ns::Net,
    Ns::Uts,
    Ns::Ipc,
    Ns::Pid,
    Ns::PidForChildren,
    Ns::User,
    Ns::Mnt,
    Ns::Cgroup,
    Ns::Time,
    Ns::TimeForChildren,
];

/// Where Linux starts numbering the inodes of namespaces made after boot
/// (`PROC_DYNAMIC_FIRST`).
const NS_INO_BASE: u64 = 0xF000_0000;

impl Ns {
    pub fn name(self) -> &'static [u8] {
        match self {
            Ns::Net => b"net",
            Ns::Uts => b"uts",
            Ns::Ipc => b"ipc",
            Ns::Pid => b"pid",
            Ns::PidForChildren => b"pid_for_children",
            Ns::User => b"user",
            Ns::Mnt => b"mnt",
            Ns::Cgroup => b"cgroup",
            Ns::Time => b"time",
            Ns::TimeForChildren => b"time_for_children",
        }
    }

    /// The namespace's type, as its link shows it (`pid_for_children` is a
    /// pid namespace).
    fn kind(self) -> &'static str {
        match self {
            Ns::Net => "net",
            Ns::Uts => "uts",
            Ns::Ipc => "ipc",
            Ns::Pid | Ns::PidForChildren => "pid",
            Ns::User => "user",
            Ns::Mnt => "mnt",
            Ns::Cgroup => "cgroup",
            Ns::Time | Ns::TimeForChildren => "time",
        }
    }

    /// Its inode number. Every guest process shares one namespace of each
    /// type, made when the run started: a fixed number per type.
    pub fn ino(self) -> u64 {
        let i = match self.kind() {
            "net" => 0,
            "uts" => 1,
            "ipc" => 2,
            "pid" => 3,
            "user" => 4,
            "mnt" => 5,
            "cgroup" => 6,
            _ => 7,
        };
        NS_INO_BASE + i
    }

    /// What the link reads: `pid:[4026531843]`.
    pub fn target(self) -> Vec<u8> {
        format!("{}:[{}]", self.kind(), self.ino()).into_bytes()
    }
}

/// A file or directory below a process's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// The directory itself (`PID` or `PID/task/TID`).
    Dir,
    Task,
    Fd,
    FdLink(i32),
    FdInfoDir,
    FdInfo(i32),
    NsDir,
    NsLink(Ns),
    Environ,
    Auxv,
    Status,
    Limits,
    Comm,
    Cmdline,
    Stat,
    Statm,
    Maps,
    Cwd,
    Root,
    Exe,
    Mounts,
    MountInfo,
    Smaps,
    SmapsRollup,
    Cgroup,
}

/// The named entries of a process's (or a thread's) directory, in Linux's
/// order (a thread's has no `task`).
pub(crate) const PID_ENTRIES: &[(&[u8], Entry)] = &[
    (b"task", Entry::Task),
    (b"fd", Entry::Fd),
    (b"fdinfo", Entry::FdInfoDir),
    (b"ns", Entry::NsDir),
    (b"environ", Entry::Environ),
    (b"auxv", Entry::Auxv),
    (b"status", Entry::Status),
    (b"limits", Entry::Limits),
    (b"comm", Entry::Comm),
    (b"cmdline", Entry::Cmdline),
    (b"stat", Entry::Stat),
    (b"statm", Entry::Statm),
    (b"maps", Entry::Maps),
    (b"cwd", Entry::Cwd),
    (b"root", Entry::Root),
    (b"exe", Entry::Exe),
    (b"mounts", Entry::Mounts),
    (b"mountinfo", Entry::MountInfo),
    (b"smaps", Entry::Smaps),
    (b"smaps_rollup", Entry::SmapsRollup),
    (b"cgroup", Entry::Cgroup),
];

impl Entry {
    pub fn name(self) -> Option<&'static [u8]> {
        PID_ENTRIES
            .iter()
            .find(|(_, e)| *e == self)
            .map(|(n, _)| *n)
    }

    /// The entry `name` of a process directory (`thread`: of a thread's).
    pub fn named(name: &[u8], thread: bool) -> Option<Entry> {
        PID_ENTRIES
            .iter()
            .find(|(n, e)| *n == name && !(thread && *e == Entry::Task))
            .map(|(_, e)| *e)
    }

    /// Type and permission bits (for fd links, those of a read-write fd).
    pub fn mode(self) -> u32 {
        match self {
            Entry::Dir | Entry::Task | Entry::FdInfoDir => libc::S_IFDIR | 0o555,
            Entry::Fd => libc::S_IFDIR | 0o500,
            Entry::NsDir => libc::S_IFDIR | 0o511,
            Entry::FdLink(_) => libc::S_IFLNK | 0o700,
            Entry::Exe | Entry::Cwd | Entry::Root | Entry::NsLink(_) => libc::S_IFLNK | 0o777,
            Entry::Environ | Entry::Auxv => libc::S_IFREG | 0o400,
            Entry::Comm => libc::S_IFREG | 0o644,
            Entry::FdInfo(_)
            | Entry::Cmdline
            | Entry::Status
            | Entry::Limits
            | Entry::Stat
            | Entry::Statm
            | Entry::Maps
            | Entry::Mounts
            | Entry::MountInfo
            | Entry::Smaps
            | Entry::SmapsRollup
            | Entry::Cgroup => libc::S_IFREG | 0o444,
        }
    }

    /// Whether it is a link only the process's own user (or root) may
    /// read or follow (Linux's `ptrace_may_access`).
    pub fn is_private_link(self) -> bool {
        matches!(
            self,
            Entry::Exe | Entry::Cwd | Entry::Root | Entry::FdLink(_) | Entry::NsLink(_)
        )
    }
}

/// The mode of the `fd/N` link of a file open with `flags`: Linux gives
/// read and search to the owner for a readable file, write and search for
/// a writable one.
pub(crate) fn fd_link_mode(flags: i32) -> u32 {
    let perms = match flags & (libc::O_ACCMODE | libc::O_PATH) {
        f if f & libc::O_PATH != 0 => 0,
        libc::O_RDONLY => 0o500,
        libc::O_WRONLY => 0o300,
        _ => 0o700,
    };
    libc::S_IFLNK | perms
}

/// What `fd/N` reads: the file's path, with ` (deleted)` once removed.
pub(crate) fn fd_target(file: &OpenFile) -> Vec<u8> {
    let mut path = file.path().to_vec();
    if file.is_unlinked() {
        path.extend_from_slice(b" (deleted)");
    }
    path
}

/// `fdinfo/N`: position, flags (with `O_CLOEXEC` for a close-on-exec fd),
/// mount id and inode.
pub(crate) fn fdinfo(file: &OpenFile, cloexec: bool) -> Vec<u8> {
    let mut flags = file.status_flags();
    if cloexec {
        flags |= libc::O_CLOEXEC;
    }
    let ino = file.stat().map_or(0, |st| st.ino);
    format!(
        "pos:\t{}\nflags:\t0{:o}\nmnt_id:\t{}\nino:\t{}\n",
        file.position(),
        flags,
        file.mount_id(),
        ino
    )
    .into_bytes()
}

/// `Name` in `status`: Linux escapes newlines and backslashes.
fn escaped_name(comm: &[u8]) -> String {
    let mut s = String::new();
    for &b in comm {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\\' => s.push_str("\\\\"),
            _ => s.push(char::from(b)),
        }
    }
    s
}

/// The state word of a state letter.
fn state_name(letter: u8) -> &'static str {
    match letter {
        b'R' => "R (running)",
        b'T' => "T (stopped)",
        b'Z' => "Z (zombie)",
        b't' => "t (tracing stop)",
        b'D' => "D (disk sleep)",
        _ => "S (sleeping)",
    }
}

/// The state of a process (or thread) for its `stat` and `status`: the
/// kernel's view first (zombie, stopped), the reader itself is running,
/// otherwise what the host saw.
pub(crate) fn state(info: &ProcInfo, usage: Option<&ProcUsage>, reader: bool) -> u8 {
    match info.life {
        ProcLife::Zombie => b'Z',
        ProcLife::Stopped => b'T',
        ProcLife::Alive if reader => b'R',
        ProcLife::Alive => usage.map_or(b'S', |u| u.state),
    }
}

/// Linux's fd table size (`max_fds`) for a table whose highest fd is
/// `max_fd`: 64 slots at first, then 256, 512, 1024, ... as it grows.
fn fd_table_size(max_fd: Option<i32>) -> usize {
    let nr = max_fd.map_or(0, |f| usize::try_from(f).unwrap_or(0));
    if nr < 64 {
        return 64;
    }
    // expand_fdtable: whole KiB of pointers, a power of two of them.
    (nr / 128 + 1).next_power_of_two() * 128
}

/// The hex words Linux prints for a bitmap of `nbits` bits (`%*pb`): groups
/// of 32 bits, highest first, separated by commas.
fn bitmap_hex(bits: &[usize], nbits: usize) -> String {
    let nbits = nbits.max(1);
    let words = nbits.div_ceil(32);
    let mut out = String::new();
    for w in (0..words).rev() {
        let mut v: u32 = 0;
        for &b in bits {
            if b / 32 == w && b < nbits {
                v |= 1 << (b % 32);
            }
        }
        if w == words - 1 {
            // The first group has only as many digits as its bits need.
            let top_bits = nbits - w * 32;
            let _ = write!(out, "{:0width$x}", v, width = top_bits.div_ceil(4));
        } else {
            let _ = write!(out, ",{v:08x}");
        }
    }
    out
}

/// A list of numbers as ranges: `0-3,5`.
pub(crate) fn ranges(items: &[usize]) -> String {
    let mut sorted = items.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            let _ = write!(out, "{start}");
        } else {
            let _ = write!(out, "{start}-{end}");
        }
        i += 1;
    }
    out
}

/// The number of CPUs the host can have (`nr_cpu_ids`): the bitmaps of
/// `status` are this wide.
fn nr_cpu_ids() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| {
        std::fs::read_to_string("/sys/devices/system/cpu/possible")
            .ok()
            .and_then(|s| {
                let last = s.trim().rsplit([',', '-']).next()?.parse::<usize>().ok()?;
                Some(last + 1)
            })
            .unwrap_or(1)
    })
}

/// The host's speculation-control lines of `status`: the guest's threads
/// run with the mitigations Trapline's own threads have.
fn speculation_lines() -> &'static str {
    static LINES: OnceLock<String> = OnceLock::new();
    LINES.get_or_init(|| {
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
        let mut out = String::new();
        for key in ["Speculation_Store_Bypass:", "SpeculationIndirectBranch:"] {
            let line = status
                .lines()
                .find(|l| l.starts_with(key))
                .map_or_else(|| format!("{key}\tunknown"), str::to_string);
            out.push_str(&line);
            out.push('\n');
        }
        out
    })
}

/// `/proc/PID/status` (or a thread's): `thread` is the thread shown (the
/// main thread for the process).
pub(crate) fn status(
    info: &ProcInfo,
    thread: &ProcThread,
    mem: Option<&ProcMemory>,
    usage: Option<&ProcUsage>,
    reader: bool,
) -> Vec<u8> {
    let mut s = String::new();
    let ids = |v: &[u32; 4]| format!("{}\t{}\t{}\t{}", v[0], v[1], v[2], v[3]);
    let groups: Vec<String> = info.groups.iter().map(u32::to_string).collect();
    let _ = writeln!(s, "Name:\t{}", escaped_name(&thread.comm));
    if let Some(fs) = &info.fs {
        let _ = writeln!(s, "Umask:\t{:04o}", fs.umask());
    }
    let _ = write!(
        s,
        "State:\t{}\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\nUid:\t{}\nGid:\t{}\n\
         FDSize:\t{}\nGroups:\t{} \nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n",
        state_name(state(info, usage, reader)),
        info.pid,
        thread.tid,
        info.ppid,
        ids(&info.uids),
        ids(&info.gids),
        fd_table_size(info.fds.last().map(|f| f.fd)),
        groups.join(" "),
        info.pid,
        thread.tid,
        info.pgid,
        info.sid,
    );
    if let Some(mem) = mem {
        s.push_str(&super::mem::status_lines(mem, &info.exe));
        s.push_str("CoreDumping:\t0\nTHP_enabled:\t1\n");
    }
    let qlim = info
        .limits
        .get(libc::RLIMIT_SIGPENDING as usize)
        .map_or(0, |l| l.0);
    let qlim = if qlim == u64::MAX { -1 } else { qlim as i64 };
    let pending_count = (thread.pending | info.sig_pending).count_ones();
    let caps = crate::cred::guest_capabilities(info.uids[0], info.uids[1], info.uids[2]);
    let _ = write!(
        s,
        "Threads:\t{}\nSigQ:\t{}/{}\nSigPnd:\t{:016x}\nShdPnd:\t{:016x}\nSigBlk:\t{:016x}\n\
         SigIgn:\t{:016x}\nSigCgt:\t{:016x}\nCapInh:\t{:016x}\nCapPrm:\t{:016x}\n\
         CapEff:\t{:016x}\nCapBnd:\t{:016x}\nCapAmb:\t{:016x}\nNoNewPrivs:\t0\n\
         Seccomp:\t0\nSeccomp_filters:\t0\n",
        info.threads.len(),
        pending_count,
        qlim,
        thread.pending,
        info.sig_pending,
        thread.blocked,
        info.sig_ignored,
        info.sig_caught,
        caps.inheritable,
        caps.permitted,
        caps.effective,
        caps.bounding,
        0,
    );
    s.push_str(speculation_lines());
    let _ = write!(
        s,
        "Cpus_allowed:\t{}\nCpus_allowed_list:\t{}\nMems_allowed:\t{}\nMems_allowed_list:\t0\n\
         voluntary_ctxt_switches:\t{}\nnonvoluntary_ctxt_switches:\t{}\n",
        bitmap_hex(&info.cpus, nr_cpu_ids()),
        ranges(&info.cpus),
        bitmap_hex(&[0], 1024),
        usage.map_or(0, |u| u.voluntary_switches),
        usage.map_or(0, |u| u.involuntary_switches),
    );
    s.into_bytes()
}

/// `/proc/PID/stat` (`thread`: of one thread, whose own times and faults
/// it shows): Linux's 52 fields. The kernel does not track the addresses
/// of the image's parts (code, data, arguments), which read 0.
pub(crate) fn stat(
    info: &ProcInfo,
    thread: &ProcThread,
    mem: Option<&ProcMemory>,
    usage: Option<&ProcUsage>,
    reader: bool,
) -> Vec<u8> {
    let u = usage.copied().unwrap_or_default();
    let (vsize, rss, start_brk) = mem.map_or((0, 0, 0), |m| {
        let vsize: u64 = m.maps.iter().map(|v| v.end - v.start).sum();
        let r = &m.resident;
        (vsize, (r.anon + r.file + r.shmem) / 4, m.start_brk)
    });
    let rsslim = info
        .limits
        .get(libc::RLIMIT_RSS as usize)
        .map_or(u64::MAX, |l| l.0);
    let nice = i64::from(info.nice);
    let mut out = format!("{} (", thread.tid).into_bytes();
    out.extend_from_slice(&thread.comm);
    // Fields 3 to 52, as `do_task_stat` prints them.
    let fields: [String; 50] = [
        char::from(state(info, usage, reader)).to_string(),
        info.ppid.to_string(),
        info.pgid.to_string(),
        info.sid.to_string(),
        "0".into(),       // tty_nr
        "-1".into(),      // tpgid
        "4194304".into(), // flags: PF_RANDOMIZE
        u.minflt.to_string(),
        "0".into(),
        u.majflt.to_string(),
        "0".into(),
        u.utime.to_string(),
        u.stime.to_string(),
        u.cutime.to_string(),
        u.cstime.to_string(),
        (20 + nice).to_string(),
        nice.to_string(),
        info.threads.len().max(1).to_string(),
        "0".into(),
        info.start_time.to_string(),
        vsize.to_string(),
        rss.to_string(),
        rsslim.to_string(),
        "0".into(), // startcode
        "0".into(), // endcode
        "0".into(), // startstack
        "0".into(), // kstkesp
        "0".into(), // kstkeip
        ((thread.pending | info.sig_pending) & 0x7fff_ffff).to_string(),
        (thread.blocked & 0x7fff_ffff).to_string(),
        (info.sig_ignored & 0x7fff_ffff).to_string(),
        (info.sig_caught & 0x7fff_ffff).to_string(),
        "0".into(), // wchan
        "0".into(),
        "0".into(),
        libc::SIGCHLD.to_string(),
        u.processor.to_string(),
        "0".into(), // rt_priority
        "0".into(), // policy
        "0".into(), // delayacct_blkio_ticks
        "0".into(), // guest_time
        "0".into(), // cguest_time
        "0".into(), // start_data
        "0".into(), // end_data
        start_brk.to_string(),
        "0".into(), // arg_start
        "0".into(), // arg_end
        "0".into(), // env_start
        "0".into(), // env_end
        "0".into(), // exit_code
    ];
    out.extend_from_slice(format!(") {}\n", fields.join(" ")).as_bytes());
    out
}

/// `/proc/PID/limits`.
pub(crate) fn limits(info: &ProcInfo) -> Vec<u8> {
    const NAMES: [(&str, &str); 16] = [
        ("Max cpu time", "seconds"),
        ("Max file size", "bytes"),
        ("Max data size", "bytes"),
        ("Max stack size", "bytes"),
        ("Max core file size", "bytes"),
        ("Max resident set", "bytes"),
        ("Max processes", "processes"),
        ("Max open files", "files"),
        ("Max locked memory", "bytes"),
        ("Max address space", "bytes"),
        ("Max file locks", "locks"),
        ("Max pending signals", "signals"),
        ("Max msgqueue size", "bytes"),
        ("Max nice priority", ""),
        ("Max realtime priority", ""),
        ("Max realtime timeout", "us"),
    ];
    let value = |v: u64| {
        if v == u64::MAX {
            "unlimited".to_string()
        } else {
            v.to_string()
        }
    };
    let mut s = String::from(
        "Limit                     Soft Limit           Hard Limit           Units     \n",
    );
    for (i, (name, unit)) in NAMES.iter().enumerate() {
        let (cur, max) = info.limits.get(i).copied().unwrap_or((u64::MAX, u64::MAX));
        let _ = write!(s, "{name:<25} {:<20} {:<20} ", value(cur), value(max));
        if unit.is_empty() {
            s.push('\n');
        } else {
            let _ = writeln!(s, "{unit:<10}");
        }
    }
    s.into_bytes()
}

/// `/proc/PID/cgroup`: no cgroup hierarchy is mounted and the guest is
/// the root of its own cgroup namespace, so only the unified hierarchy's
/// root shows.
pub(crate) fn cgroup() -> Vec<u8> {
    b"0::/\n".to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmaps_and_ranges_print_as_linux() {
        assert_eq!(bitmap_hex(&[0, 1], 2), "3");
        assert_eq!(bitmap_hex(&[0, 33], 64), "00000002,00000001");
        assert_eq!(bitmap_hex(&[4], 8), "10");
        assert_eq!(bitmap_hex(&[0], 1024).len(), 32 * 9 - 1);
        assert_eq!(ranges(&[0, 1, 2, 3, 5, 7, 8]), "0-3,5,7-8");
        assert_eq!(ranges(&[1]), "1");
    }

    #[test]
    fn fd_tables_grow_as_linux() {
        assert_eq!(fd_table_size(None), 64);
        assert_eq!(fd_table_size(Some(63)), 64);
        assert_eq!(fd_table_size(Some(64)), 128);
        assert_eq!(fd_table_size(Some(200)), 256);
        assert_eq!(fd_table_size(Some(127)), 128);
        assert_eq!(fd_table_size(Some(1000)), 1024);
    }
}
