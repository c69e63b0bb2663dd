//! Symbolic constants as data, in strace's order (its `src/xlat/*.in`), and
//! the two helpers that print them: [`flags`] for bitsets and [`xval`] for
//! enumerations. Values are the x86_64 ones.

use crate::strings::hex;

/// One table of `(value, name)` pairs.
pub type Table = &'static [(u64, &'static str)];

/// A bitset as strace's `printflags`: known names in table order joined with
/// `|`, the unknown remainder as `|0x...`. Zero prints the table's zero
/// entry if it has one, else `0`. Only unknown bits: `0x10 /* ?_OK */`
/// when `dflt` is given, else `0x10`.
pub fn flags(v: u64, table: Table, dflt: Option<&str>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = v;
    for &(val, name) in table {
        if (val == 0 && v == 0) || (val != 0 && rest & val == val) {
            parts.push(name.to_string());
            rest &= !val;
            if v == 0 {
                break;
            }
        }
    }
    if parts.is_empty() {
        if v == 0 {
            return "0".to_string();
        }
        return match dflt {
            Some(d) => format!("{} /* {d} */", hex(v)),
            None => hex(v),
        };
    }
    if rest != 0 {
        parts.push(hex(rest));
    }
    parts.join("|")
}

/// Like [`flags`] but `None` when nothing at all is known (for callers that
/// combine several tables).
pub fn lookup(v: u64, table: Table) -> Option<&'static str> {
    table.iter().find(|&&(val, _)| val == v).map(|&(_, n)| n)
}

/// An enumeration as strace's `printxval`: the name, or the value in hex
/// with `/* DFLT */` when unknown.
pub fn xval(v: u64, table: Table, dflt: &str) -> String {
    match lookup(v, table) {
        Some(n) => n.to_string(),
        None => format!("{} /* {dflt} */", hex(v)),
    }
}

pub static OPEN_ACCESS: Table = &[
    (0, "O_RDONLY"),
    (1, "O_WRONLY"),
    (2, "O_RDWR"),
    (3, "O_ACCMODE"),
];

pub static OPEN_FLAGS: Table = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o4010000, "O_SYNC"),
    (0o4000000, "__O_SYNC"),
    (0o10000, "O_DSYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
    (0o20200000, "O_TMPFILE"),
    (0o20000000, "__O_TMPFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o20000, "FASYNC"),
];

pub const O_CREAT: u64 = 0o100;
pub const O_TMPFILE_BIT: u64 = 0o20000000;

/// `O_RDONLY|O_CLOEXEC`: the access mode, then the other flags.
pub fn open_flags(v: u64) -> String {
    let v = v & 0xffff_ffff;
    let mut s = OPEN_ACCESS[(v & 3) as usize].1.to_string();
    let rest = v & !3;
    if rest != 0 {
        s.push('|');
        s.push_str(&flags(rest, OPEN_FLAGS, None));
    }
    s
}

pub static AT_FLAGS: Table = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
];

pub static FACCESSAT_FLAGS: Table = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_EACCESS"),
    (0x1000, "AT_EMPTY_PATH"),
];

pub static AT_STATX_SYNC: Table = &[
    (0, "AT_STATX_SYNC_AS_STAT"),
    (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"),
];

pub static ACCESS_MODES: Table = &[(0, "F_OK"), (4, "R_OK"), (2, "W_OK"), (1, "X_OK")];

pub static MMAP_PROT: Table = &[
    (0, "PROT_NONE"),
    (1, "PROT_READ"),
    (2, "PROT_WRITE"),
    (4, "PROT_EXEC"),
    (8, "PROT_SEM"),
    (0x0100_0000, "PROT_GROWSDOWN"),
    (0x0200_0000, "PROT_GROWSUP"),
];

pub static MMAP_TYPE: Table = &[
    (0, "MAP_FILE"),
    (1, "MAP_SHARED"),
    (2, "MAP_PRIVATE"),
    (3, "MAP_SHARED_VALIDATE"),
    (8, "MAP_DROPPABLE"),
];

pub static MMAP_FLAGS: Table = &[
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    (0x40, "MAP_32BIT"),
    (0x80, "MAP_ABOVE4G"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x10000, "MAP_NONBLOCK"),
    (0x100, "MAP_GROWSDOWN"),
    (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"),
    (0x2000, "MAP_LOCKED"),
    (0x20000, "MAP_STACK"),
    (0x40000, "MAP_HUGETLB"),
    (0x80000, "MAP_SYNC"),
    (0x4000000, "MAP_UNINITIALIZED"),
    (0x100000, "MAP_FIXED_NOREPLACE"),
];

/// mmap flags: the mapping type, the other flags, then `N<<MAP_HUGE_SHIFT`.
pub fn mmap_flags(v: u64) -> String {
    const HUGE_SHIFT: u64 = 26;
    const HUGE_MASK: u64 = 0x3f << HUGE_SHIFT;
    let mut s = xval(v & 0xf, MMAP_TYPE, "MAP_???");
    let huge = (v & HUGE_MASK) >> HUGE_SHIFT;
    let rest = v & !0xf & !HUGE_MASK;
    if rest != 0 {
        s.push('|');
        s.push_str(&flags(rest, MMAP_FLAGS, None));
    }
    if huge != 0 {
        s.push_str(&format!("|{huge}<<MAP_HUGE_SHIFT"));
    }
    s
}

pub static MREMAP_FLAGS: Table = &[
    (1, "MREMAP_MAYMOVE"),
    (2, "MREMAP_FIXED"),
    (4, "MREMAP_DONTUNMAP"),
];

pub static MSYNC_FLAGS: Table = &[(1, "MS_ASYNC"), (2, "MS_INVALIDATE"), (4, "MS_SYNC")];

pub static MADVISE: Table = &[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
];

pub static FADVISE: Table = &[
    (0, "POSIX_FADV_NORMAL"),
    (1, "POSIX_FADV_RANDOM"),
    (2, "POSIX_FADV_SEQUENTIAL"),
    (3, "POSIX_FADV_WILLNEED"),
    (4, "POSIX_FADV_DONTNEED"),
    (5, "POSIX_FADV_NOREUSE"),
];

pub static WHENCE: Table = &[
    (0, "SEEK_SET"),
    (1, "SEEK_CUR"),
    (2, "SEEK_END"),
    (3, "SEEK_DATA"),
    (4, "SEEK_HOLE"),
];

pub static FCNTL_CMDS: Table = &[
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1027, "F_DUPFD_QUERY"),
    (1028, "F_CREATED_QUERY"),
    (1029, "F_CANCELLK"),
    (1030, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (1032, "F_GETPIPE_SZ"),
    (1033, "F_ADD_SEALS"),
    (1034, "F_GET_SEALS"),
];

pub static FD_FLAGS: Table = &[(1, "FD_CLOEXEC")];

pub static LOCK_TYPES: Table = &[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")];

pub static SEALS: Table = &[
    (1, "F_SEAL_SEAL"),
    (2, "F_SEAL_SHRINK"),
    (4, "F_SEAL_GROW"),
    (8, "F_SEAL_WRITE"),
    (0x10, "F_SEAL_FUTURE_WRITE"),
    (0x20, "F_SEAL_EXEC"),
];

pub static NOTIFY_FLAGS: Table = &[
    (1, "DN_ACCESS"),
    (2, "DN_MODIFY"),
    (4, "DN_CREATE"),
    (8, "DN_DELETE"),
    (0x10, "DN_RENAME"),
    (0x20, "DN_ATTRIB"),
    (0x8000_0000, "DN_MULTISHOT"),
];

pub static ARCH_PRCTL: Table = &[
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (0x1011, "ARCH_GET_CPUID"),
    (0x1012, "ARCH_SET_CPUID"),
    (0x1021, "ARCH_GET_XCOMP_SUPP"),
    (0x1022, "ARCH_GET_XCOMP_PERM"),
    (0x1023, "ARCH_REQ_XCOMP_PERM"),
    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (0x2001, "ARCH_MAP_VDSO_X32"),
    (0x2002, "ARCH_MAP_VDSO_32"),
    (0x2003, "ARCH_MAP_VDSO_64"),
    (0x4001, "ARCH_GET_UNTAG_MASK"),
    (0x4002, "ARCH_ENABLE_TAGGED_ADDR"),
    (0x4003, "ARCH_GET_MAX_TAG_BITS"),
    (0x4004, "ARCH_FORCE_TAGGED_SVA"),
    (0x5001, "ARCH_SHSTK_ENABLE"),
    (0x5002, "ARCH_SHSTK_DISABLE"),
    (0x5003, "ARCH_SHSTK_LOCK"),
    (0x5004, "ARCH_SHSTK_UNLOCK"),
    (0x5005, "ARCH_SHSTK_STATUS"),
];

pub static SIGPROCMASK_HOW: Table = &[(0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK")];

pub static SIGACT_FLAGS: Table = &[
    (0x0400_0000, "SA_RESTORER"),
    (0x0800_0000, "SA_ONSTACK"),
    (0x1000_0000, "SA_RESTART"),
    (0x2000_0000, "SA_INTERRUPT"),
    (0x4000_0000, "SA_NODEFER"),
    (0x8000_0000, "SA_RESETHAND"),
    (4, "SA_SIGINFO"),
    (1, "SA_NOCLDSTOP"),
    (2, "SA_NOCLDWAIT"),
];

pub static CLOCKS: Table = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (10, "CLOCK_SGI_CYCLE"),
    (11, "CLOCK_TAI"),
];

pub static TIMER_FLAGS: Table = &[(1, "TIMER_ABSTIME")];

pub static RLIMITS: Table = &[
    (0, "RLIMIT_CPU"),
    (1, "RLIMIT_FSIZE"),
    (2, "RLIMIT_DATA"),
    (3, "RLIMIT_STACK"),
    (4, "RLIMIT_CORE"),
    (5, "RLIMIT_RSS"),
    (6, "RLIMIT_NPROC"),
    (7, "RLIMIT_NOFILE"),
    (8, "RLIMIT_MEMLOCK"),
    (9, "RLIMIT_AS"),
    (10, "RLIMIT_LOCKS"),
    (11, "RLIMIT_SIGPENDING"),
    (12, "RLIMIT_MSGQUEUE"),
    (13, "RLIMIT_NICE"),
    (14, "RLIMIT_RTPRIO"),
    (15, "RLIMIT_RTTIME"),
];

pub static RUSAGE_WHO: Table = &[
    (0, "RUSAGE_SELF"),
    (u64::MAX, "RUSAGE_CHILDREN"),
    (1, "RUSAGE_THREAD"),
];

pub static PRIO_WHICH: Table = &[(0, "PRIO_PROCESS"), (1, "PRIO_PGRP"), (2, "PRIO_USER")];

pub static GETRANDOM_FLAGS: Table = &[
    (1, "GRND_NONBLOCK"),
    (2, "GRND_RANDOM"),
    (4, "GRND_INSECURE"),
];

pub static STATX_MASKS: Table = &[
    (0xfff, "STATX_ALL"),
    (0x7ff, "STATX_BASIC_STATS"),
    (0x1, "STATX_TYPE"),
    (0x2, "STATX_MODE"),
    (0x4, "STATX_NLINK"),
    (0x8, "STATX_UID"),
    (0x10, "STATX_GID"),
    (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"),
    (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"),
    (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"),
    (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
    (0x4000, "STATX_MNT_ID_UNIQUE"),
    (0x8000, "STATX_SUBVOL"),
    (0x10000, "STATX_WRITE_ATOMIC"),
    (0x20000, "STATX_DIO_READ_ALIGN"),
];

pub static STATX_ATTRS: Table = &[
    (0x4, "STATX_ATTR_COMPRESSED"),
    (0x10, "STATX_ATTR_IMMUTABLE"),
    (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"),
    (0x800, "STATX_ATTR_ENCRYPTED"),
    (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"),
    (0x100000, "STATX_ATTR_VERITY"),
    (0x200000, "STATX_ATTR_DAX"),
    (0x400000, "STATX_ATTR_WRITE_ATOMIC"),
];

/// statx's flags: the sync type, then the `AT_*` flags.
pub fn statx_flags(v: u64) -> String {
    let v = v & 0xffff_ffff;
    let mut s = xval(v & 0x6000, AT_STATX_SYNC, "AT_STATX_???");
    let rest = v & !0x6000;
    if rest != 0 {
        s.push('|');
        s.push_str(&flags(rest, AT_FLAGS, None));
    }
    s
}

pub static CLOSE_RANGE_FLAGS: Table = &[(2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC")];

/// The `O_*` flags accepted by dup3, pipe2 and friends.
pub static O_CLOEXEC_ONLY: Table = &[(0o2000000, "O_CLOEXEC")];

pub static PIPE2_FLAGS: Table = &[
    (0o4000, "O_NONBLOCK"),
    (0o40000, "O_DIRECT"),
    (0o2000000, "O_CLOEXEC"),
    (0o20000000, "O_NOTIFICATION_PIPE"),
];

pub static SOCK_FLAGS: Table = &[(0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK")];

pub static SOCK_TYPES: Table = &[
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (4, "SOCK_RDM"),
    (5, "SOCK_SEQPACKET"),
    (6, "SOCK_DCCP"),
    (10, "SOCK_PACKET"),
];

/// `SOCK_STREAM|SOCK_CLOEXEC`.
pub fn sock_type(v: u64) -> String {
    let v = v & 0xffff_ffff;
    let mut s = xval(v & 0xf, SOCK_TYPES, "SOCK_???");
    let rest = v & !0xf;
    if rest != 0 {
        s.push('|');
        s.push_str(&flags(rest, SOCK_FLAGS, None));
    }
    s
}

pub static ADDR_FAMILIES: Table = &[
    (0, "AF_UNSPEC"),
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (10, "AF_INET6"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (38, "AF_ALG"),
    (40, "AF_VSOCK"),
];

pub static IP_PROTOS: Table = &[
    (0, "IPPROTO_IP"),
    (1, "IPPROTO_ICMP"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (58, "IPPROTO_ICMPV6"),
    (132, "IPPROTO_SCTP"),
    (255, "IPPROTO_RAW"),
];

pub static MSG_FLAGS: Table = &[
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x10, "MSG_PROXY"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"),
    (0x400, "MSG_SYN"),
    (0x800, "MSG_CONFIRM"),
    (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x10000, "MSG_WAITFORONE"),
    (0x20000, "MSG_BATCH"),
    (0x4000000, "MSG_ZEROCOPY"),
    (0x20000000, "MSG_FASTOPEN"),
    (0x40000000, "MSG_CMSG_CLOEXEC"),
];

pub static SHUTDOWN_HOW: Table = &[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")];

pub static POLL_EVENTS: Table = &[
    (0x1, "POLLIN"),
    (0x2, "POLLPRI"),
    (0x4, "POLLOUT"),
    (0x8, "POLLERR"),
    (0x10, "POLLHUP"),
    (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"),
    (0x80, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x1000, "POLLREMOVE"),
    (0x2000, "POLLRDHUP"),
];

pub static EPOLL_EVENTS: Table = &[
    (0x1, "EPOLLIN"),
    (0x2, "EPOLLPRI"),
    (0x4, "EPOLLOUT"),
    (0x8, "EPOLLERR"),
    (0x10, "EPOLLHUP"),
    (0x20, "EPOLLNVAL"),
    (0x40, "EPOLLRDNORM"),
    (0x80, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"),
    (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"),
    (0x1000_0000, "EPOLLEXCLUSIVE"),
    (0x2000_0000, "EPOLLWAKEUP"),
    (0x4000_0000, "EPOLLONESHOT"),
    (0x8000_0000, "EPOLLET"),
];

pub static EPOLL_CTL: Table = &[
    (1, "EPOLL_CTL_ADD"),
    (2, "EPOLL_CTL_DEL"),
    (3, "EPOLL_CTL_MOD"),
];

pub static EPOLL_CREATE_FLAGS: Table = &[(0o2000000, "EPOLL_CLOEXEC")];

pub static EVENTFD_FLAGS: Table = &[
    (0o2000000, "EFD_CLOEXEC"),
    (0o4000, "EFD_NONBLOCK"),
    (1, "EFD_SEMAPHORE"),
];

pub static TIMERFD_FLAGS: Table = &[(0o2000000, "TFD_CLOEXEC"), (0o4000, "TFD_NONBLOCK")];

pub static SIGNALFD_FLAGS: Table = &[(0o2000000, "SFD_CLOEXEC"), (0o4000, "SFD_NONBLOCK")];

pub static INOTIFY_FLAGS: Table = &[(0o2000000, "IN_CLOEXEC"), (0o4000, "IN_NONBLOCK")];

pub static MEMFD_FLAGS: Table = &[
    (1, "MFD_CLOEXEC"),
    (2, "MFD_ALLOW_SEALING"),
    (4, "MFD_HUGETLB"),
    (8, "MFD_NOEXEC_SEAL"),
    (0x10, "MFD_EXEC"),
];

pub static WAIT_OPTIONS: Table = &[
    (1, "WNOHANG"),
    (2, "WSTOPPED"),
    (4, "WEXITED"),
    (8, "WCONTINUED"),
    (0x0100_0000, "WNOWAIT"),
    (0x8000_0000, "__WCLONE"),
    (0x4000_0000, "__WALL"),
    (0x2000_0000, "__WNOTHREAD"),
];

pub static WAITID_WHICH: Table = &[(0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD")];

pub static CLONE_FLAGS: Table = &[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"),
    (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80000, "CLONE_SETTLS"),
    (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"),
    (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
];

pub static RENAME_FLAGS: Table = &[
    (1, "RENAME_NOREPLACE"),
    (2, "RENAME_EXCHANGE"),
    (4, "RENAME_WHITEOUT"),
];

pub static FUTEX_OPS: Table = &[
    (0, "FUTEX_WAIT"),
    (1, "FUTEX_WAKE"),
    (2, "FUTEX_FD"),
    (3, "FUTEX_REQUEUE"),
    (4, "FUTEX_CMP_REQUEUE"),
    (5, "FUTEX_WAKE_OP"),
    (6, "FUTEX_LOCK_PI"),
    (7, "FUTEX_UNLOCK_PI"),
    (8, "FUTEX_TRYLOCK_PI"),
    (9, "FUTEX_WAIT_BITSET"),
    (10, "FUTEX_WAKE_BITSET"),
    (11, "FUTEX_WAIT_REQUEUE_PI"),
    (12, "FUTEX_CMP_REQUEUE_PI"),
    (13, "FUTEX_LOCK_PI2"),
];

pub static SS_FLAGS: Table = &[
    (1, "SS_ONSTACK"),
    (2, "SS_DISABLE"),
    (0x8000_0000, "SS_AUTODISARM"),
];

pub static PRCTL_OPTIONS: Table = &[
    (1, "PR_SET_PDEATHSIG"),
    (2, "PR_GET_PDEATHSIG"),
    (3, "PR_GET_DUMPABLE"),
    (4, "PR_SET_DUMPABLE"),
    (8, "PR_SET_KEEPCAPS"),
    (7, "PR_GET_KEEPCAPS"),
    (15, "PR_SET_NAME"),
    (16, "PR_GET_NAME"),
    (22, "PR_SET_SECCOMP"),
    (21, "PR_GET_SECCOMP"),
    (23, "PR_CAPBSET_READ"),
    (24, "PR_CAPBSET_DROP"),
    (36, "PR_SET_CHILD_SUBREAPER"),
    (37, "PR_GET_CHILD_SUBREAPER"),
    (38, "PR_SET_NO_NEW_PRIVS"),
    (39, "PR_GET_NO_NEW_PRIVS"),
    (47, "PR_CAP_AMBIENT"),
    (0x59616d61, "PR_SET_PTRACER"),
    (0x53564d41, "PR_SET_VMA"),
];

pub static ITIMER_WHICH: Table = &[
    (0, "ITIMER_REAL"),
    (1, "ITIMER_VIRTUAL"),
    (2, "ITIMER_PROF"),
];

pub static MLOCKALL_FLAGS: Table = &[(1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT")];

pub static FLOCK_OPS: Table = &[
    (1, "LOCK_SH"),
    (2, "LOCK_EX"),
    (4, "LOCK_NB"),
    (8, "LOCK_UN"),
];

pub static FS_MAGICS: Table = &[
    (0xef53, "EXT2_SUPER_MAGIC"),
    (0x0102_1994, "TMPFS_MAGIC"),
    (0x9fa0, "PROC_SUPER_MAGIC"),
    (0x6265_6572, "SYSFS_MAGIC"),
    (0x794c_7630, "OVERLAYFS_SUPER_MAGIC"),
    (0x9123_683e, "BTRFS_SUPER_MAGIC"),
    (0x5846_5342, "XFS_SUPER_MAGIC"),
    (0x1cd1, "DEVPTS_SUPER_MAGIC"),
    (0x6367_7270, "CGROUP2_SUPER_MAGIC"),
    (0x0027_e0eb, "CGROUP_SUPER_MAGIC"),
    (0x6969, "NFS_SUPER_MAGIC"),
    (0x7371_7368, "SQUASHFS_MAGIC"),
    (0x6573_5546, "FUSE_SUPER_MAGIC"),
    (0x0102_1997, "V9FS_MAGIC"),
    (0x4d44, "MSDOS_SUPER_MAGIC"),
    (0x5346_544e, "NTFS_SB_MAGIC"),
    (0x9660, "ISOFS_SUPER_MAGIC"),
    (0x8584_58f6, "RAMFS_MAGIC"),
    (0x6462_6720, "DEBUGFS_MAGIC"),
    (0x7363_6673, "SECURITYFS_MAGIC"),
    (0xcafe_4a11, "BPF_FS_MAGIC"),
    (0x7472_6163, "TRACEFS_MAGIC"),
    (0x0187, "AUTOFS_SUPER_MAGIC"),
    (0x6265_6570, "CONFIGFS_MAGIC"),
    (0x1937_0911, "MQUEUE_MAGIC"),
    (0x5049_5045, "PIPEFS_MAGIC"),
    (0x534f_434b, "SOCKFS_MAGIC"),
    (0x0904_1934, "ANON_INODE_FS_MAGIC"),
    (0x2fc1_2fc1, "ZFS_SUPER_MAGIC"),
];

pub static STATFS_FLAGS: Table = &[
    (0x1, "ST_RDONLY"),
    (0x2, "ST_NOSUID"),
    (0x4, "ST_NODEV"),
    (0x8, "ST_NOEXEC"),
    (0x10, "ST_SYNCHRONOUS"),
    (0x20, "ST_VALID"),
    (0x40, "ST_MANDLOCK"),
    (0x400, "ST_NOATIME"),
    (0x800, "ST_NODIRATIME"),
    (0x1000, "ST_RELATIME"),
    (0x2000, "ST_NOSYMFOLLOW"),
];

pub static MODE_TYPES: Table = &[
    (0o100000, "S_IFREG"),
    (0o140000, "S_IFSOCK"),
    (0o10000, "S_IFIFO"),
    (0o120000, "S_IFLNK"),
    (0o40000, "S_IFDIR"),
    (0o60000, "S_IFBLK"),
    (0o20000, "S_IFCHR"),
];

/// `S_IFREG|0644` (strace's symbolic `mode_t`).
pub fn symbolic_mode(mode: u64) -> String {
    let mode = mode & 0xffff_ffff;
    let fmt = mode & 0o170000;
    let mut s = String::new();
    if fmt != 0 {
        match lookup(fmt, MODE_TYPES) {
            Some(n) => {
                s.push_str(n);
                s.push('|');
            }
            None => return octal_mode(mode),
        }
    }
    if mode & 0o4000 != 0 {
        s.push_str("S_ISUID|");
    }
    if mode & 0o2000 != 0 {
        s.push_str("S_ISGID|");
    }
    if mode & 0o1000 != 0 {
        s.push_str("S_ISVTX|");
    }
    s.push_str(&octal_mode(mode & !0o177000));
    s
}

/// `%#03o`: `000`, `0644`, `04755`.
pub fn octal_mode(mode: u64) -> String {
    if mode == 0 {
        "000".to_string()
    } else {
        format!("0{mode:02o}")
    }
}

/// `%#o` (return value of umask): `0`, `022`.
pub fn octal(v: u64) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("0{v:o}")
    }
}

// Terminal flags (asm-generic termbits).

pub static TERM_IFLAGS: Table = &[
    (0o1, "IGNBRK"),
    (0o2, "BRKINT"),
    (0o4, "IGNPAR"),
    (0o10, "PARMRK"),
    (0o20, "INPCK"),
    (0o40, "ISTRIP"),
    (0o100, "INLCR"),
    (0o200, "IGNCR"),
    (0o400, "ICRNL"),
    (0o1000, "IUCLC"),
    (0o2000, "IXON"),
    (0o4000, "IXANY"),
    (0o10000, "IXOFF"),
    (0o20000, "IMAXBEL"),
    (0o40000, "IUTF8"),
];

pub static TERM_OFLAGS: Table = &[
    (0o1, "OPOST"),
    (0o2, "OLCUC"),
    (0o4, "ONLCR"),
    (0o10, "OCRNL"),
    (0o20, "ONOCR"),
    (0o40, "ONLRET"),
    (0o100, "OFILL"),
    (0o200, "OFDEL"),
];

pub static TERM_OFLAG_DELAYS: &[(u64, Table, &str)] = &[
    (0o400, &[(0, "NL0"), (0o400, "NL1")], "NL?"),
    (
        0o3000,
        &[
            (0, "CR0"),
            (0o1000, "CR1"),
            (0o2000, "CR2"),
            (0o3000, "CR3"),
        ],
        "CR?",
    ),
    (
        0o14000,
        &[
            (0, "TAB0"),
            (0o4000, "TAB1"),
            (0o10000, "TAB2"),
            (0o14000, "TAB3"),
        ],
        "TAB?",
    ),
    (0o20000, &[(0, "BS0"), (0o20000, "BS1")], "BS?"),
    (0o40000, &[(0, "VT0"), (0o40000, "VT1")], "VT?"),
    (0o100000, &[(0, "FF0"), (0o100000, "FF1")], "FF?"),
];

pub static TERM_BAUDS: Table = &[
    (0, "B0"),
    (1, "B50"),
    (2, "B75"),
    (3, "B110"),
    (4, "B134"),
    (5, "B150"),
    (6, "B200"),
    (7, "B300"),
    (8, "B600"),
    (9, "B1200"),
    (10, "B1800"),
    (11, "B2400"),
    (12, "B4800"),
    (13, "B9600"),
    (14, "B19200"),
    (15, "B38400"),
    (0o10000, "BOTHER"),
    (0o10001, "B57600"),
    (0o10002, "B115200"),
    (0o10003, "B230400"),
    (0o10004, "B460800"),
    (0o10005, "B500000"),
    (0o10006, "B576000"),
    (0o10007, "B921600"),
    (0o10010, "B1000000"),
    (0o10011, "B1152000"),
    (0o10012, "B1500000"),
    (0o10013, "B2000000"),
    (0o10014, "B2500000"),
    (0o10015, "B3000000"),
    (0o10016, "B3500000"),
    (0o10017, "B4000000"),
];

pub static TERM_CSIZE: Table = &[(0, "CS5"), (0o20, "CS6"), (0o40, "CS7"), (0o60, "CS8")];

pub static TERM_CFLAGS: Table = &[
    (0o100, "CSTOPB"),
    (0o200, "CREAD"),
    (0o400, "PARENB"),
    (0o1000, "PARODD"),
    (0o2000, "HUPCL"),
    (0o4000, "CLOCAL"),
    (0o10000000000, "CMSPAR"),
    (0o20000000000, "CRTSCTS"),
];

pub static TERM_LFLAGS: Table = &[
    (0o1, "ISIG"),
    (0o2, "ICANON"),
    (0o4, "XCASE"),
    (0o10, "ECHO"),
    (0o20, "ECHOE"),
    (0o40, "ECHOK"),
    (0o100, "ECHONL"),
    (0o200, "NOFLSH"),
    (0o100000, "IEXTEN"),
    (0o1000, "ECHOCTL"),
    (0o2000, "ECHOPRT"),
    (0o4000, "ECHOKE"),
    (0o10000, "FLUSHO"),
    (0o40000, "PENDIN"),
    (0o400, "TOSTOP"),
    (0o200000, "EXTPROC"),
];

/// `NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR`.
pub fn term_oflag(v: u64) -> String {
    let mut parts = Vec::new();
    let mut rest = v;
    for &(mask, table, dflt) in TERM_OFLAG_DELAYS {
        parts.push(xval(rest & mask, table, dflt));
        rest &= !mask;
    }
    if rest != 0 {
        parts.push(flags(rest, TERM_OFLAGS, None));
    }
    parts.join("|")
}

/// `B38400|CS8|CREAD`.
pub fn term_cflag(v: u64) -> String {
    const CBAUD: u64 = 0o10017;
    const CIBAUD: u64 = 0o2003600000;
    const CSIZE: u64 = 0o60;
    let mut parts = vec![xval(v & CBAUD, TERM_BAUDS, "B???")];
    if v & CIBAUD != 0 {
        parts.push(format!(
            "{}<<IBSHIFT",
            xval((v & CIBAUD) >> 16, TERM_BAUDS, "B???")
        ));
    }
    parts.push(xval(v & CSIZE, TERM_CSIZE, "CS?"));
    let rest = v & !(CBAUD | CIBAUD | CSIZE);
    if rest != 0 {
        parts.push(flags(rest, TERM_CFLAGS, None));
    }
    parts.join("|")
}

/// ioctl request names (x86_64 values).
pub static IOCTLS: Table = &[
    (0x5401, "TCGETS"),
    (0x5402, "TCSETS"),
    (0x5403, "TCSETSW"),
    (0x5404, "TCSETSF"),
    (0x5405, "TCGETA"),
    (0x5406, "TCSETA"),
    (0x5407, "TCSETAW"),
    (0x5408, "TCSETAF"),
    (0x5409, "TCSBRK"),
    (0x540a, "TCXONC"),
    (0x540b, "TCFLSH"),
    (0x540c, "TIOCEXCL"),
    (0x540d, "TIOCNXCL"),
    (0x540e, "TIOCSCTTY"),
    (0x540f, "TIOCGPGRP"),
    (0x5410, "TIOCSPGRP"),
    (0x5411, "TIOCOUTQ"),
    (0x5412, "TIOCSTI"),
    (0x5413, "TIOCGWINSZ"),
    (0x5414, "TIOCSWINSZ"),
    (0x5415, "TIOCMGET"),
    (0x5416, "TIOCMBIS"),
    (0x5417, "TIOCMBIC"),
    (0x5418, "TIOCMSET"),
    (0x5419, "TIOCGSOFTCAR"),
    (0x541a, "TIOCSSOFTCAR"),
    (0x541b, "FIONREAD"),
    (0x541c, "TIOCLINUX"),
    (0x541d, "TIOCCONS"),
    (0x541e, "TIOCGSERIAL"),
    (0x541f, "TIOCSSERIAL"),
    (0x5420, "TIOCPKT"),
    (0x5421, "FIONBIO"),
    (0x5422, "TIOCNOTTY"),
    (0x5423, "TIOCSETD"),
    (0x5424, "TIOCGETD"),
    (0x5425, "TCSBRKP"),
    (0x5427, "TIOCSBRK"),
    (0x5428, "TIOCCBRK"),
    (0x5429, "TIOCGSID"),
    (0x802c_542a, "TCGETS2"),
    (0x402c_542b, "TCSETS2"),
    (0x402c_542c, "TCSETSW2"),
    (0x402c_542d, "TCSETSF2"),
    (0x8004_5430, "TIOCGPTN"),
    (0x4004_5431, "TIOCSPTLCK"),
    (0x8004_5432, "TIOCGDEV"),
    (0x8004_5440, "TIOCGEXCL"),
    (0x5441, "TIOCGPTPEER"),
    (0x5450, "FIONCLEX"),
    (0x5451, "FIOCLEX"),
    (0x5452, "FIOASYNC"),
    (0x5456, "TIOCSERGETLSR"),
    (0x5460, "FIOQSIZE"),
    (0x8008_6601, "FS_IOC_GETFLAGS"),
    (0x4008_6602, "FS_IOC_SETFLAGS"),
    (0x0000_0002, "FIGETBSZ"),
    (0x4004_9409, "BTRFS_IOC_CLONE or FICLONE"),
    (0x8910, "SIOCGIFNAME"),
    (0x8912, "SIOCGIFCONF"),
    (0x8913, "SIOCGIFFLAGS"),
    (0x8915, "SIOCGIFADDR"),
    (0x8933, "SIOCGIFINDEX"),
];

/// An ioctl request: its name, or `_IOC(_IOC_READ, 0x54, 0x1, 0x4)`.
pub fn ioctl_request(v: u64) -> String {
    let v = v & 0xffff_ffff;
    if let Some(n) = lookup(v, IOCTLS) {
        return n.to_string();
    }
    let dir = match v >> 30 {
        0 => "_IOC_NONE",
        1 => "_IOC_WRITE",
        2 => "_IOC_READ",
        _ => "_IOC_READ|_IOC_WRITE",
    };
    format!(
        "_IOC({dir}, {:#x}, {:#x}, {})",
        (v >> 8) & 0xff,
        v & 0xff,
        hex((v >> 16) & 0x3fff)
    )
}

const SIGNAMES: [&str; 32] = [
    "0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// A signal's name without `SIG` (`INT`, `RTMIN`, `RT_3`), as in sets.
pub fn signame_short(sig: u64) -> Option<String> {
    match sig {
        1..=31 => Some(SIGNAMES[sig as usize].to_string()),
        32 => Some("RTMIN".to_string()),
        33..=64 => Some(format!("RT_{}", sig - 32)),
        _ => None,
    }
}

/// A signal argument: `SIGINT`, `SIGRT_5`, or the number in decimal.
pub fn signal(sig: u64) -> String {
    let s = sig as i32;
    match signame_short(s as u64) {
        Some(n) if s > 0 => format!("SIG{n}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitsets() {
        assert_eq!(flags(0, ACCESS_MODES, Some("?_OK")), "F_OK");
        assert_eq!(flags(7, ACCESS_MODES, Some("?_OK")), "R_OK|W_OK|X_OK");
        assert_eq!(flags(0x14, ACCESS_MODES, Some("?_OK")), "R_OK|0x10");
        assert_eq!(flags(0x10, ACCESS_MODES, Some("?_OK")), "0x10 /* ?_OK */");
        assert_eq!(flags(0, AT_FLAGS, None), "0");
        assert_eq!(
            flags(0x1100, AT_FLAGS, None),
            "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"
        );
        assert_eq!(
            flags(0x107, MMAP_PROT, Some("PROT_???")),
            "PROT_READ|PROT_WRITE|PROT_EXEC|0x100"
        );
        assert_eq!(flags(0, MMAP_PROT, Some("PROT_???")), "PROT_NONE");
    }

    #[test]
    fn open_and_mmap() {
        assert_eq!(open_flags(0o2000000), "O_RDONLY|O_CLOEXEC");
        assert_eq!(open_flags(3), "O_ACCMODE");
        assert_eq!(
            open_flags(0x4000_0241),
            "O_WRONLY|O_CREAT|O_TRUNC|0x40000000"
        );
        assert_eq!(
            open_flags(0o2 | 0o200 | 0o400 | 0o2000 | 0o4000 | 0o4010000 | 0o40000 | 0o400000 | 0o1000000 | 0o10000000 | 0o20200000 | 0o20000),
            "O_RDWR|O_EXCL|O_NOCTTY|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_NOFOLLOW|O_NOATIME|O_PATH|O_TMPFILE|FASYNC"
        );
        assert_eq!(mmap_flags(0), "MAP_FILE");
        assert_eq!(mmap_flags(0x22), "MAP_PRIVATE|MAP_ANONYMOUS");
        assert_eq!(
            mmap_flags(0x8108001),
            "MAP_SHARED|MAP_POPULATE|MAP_FIXED_NOREPLACE|2<<MAP_HUGE_SHIFT"
        );
        assert_eq!(mmap_flags(0x4), "0x4 /* MAP_??? */");
    }

    #[test]
    fn enums_and_modes() {
        assert_eq!(xval(7, WHENCE, "SEEK_???"), "0x7 /* SEEK_??? */");
        assert_eq!(symbolic_mode(0o100644), "S_IFREG|0644");
        assert_eq!(symbolic_mode(0o104755), "S_IFREG|S_ISUID|0755");
        assert_eq!(octal_mode(0), "000");
        assert_eq!(octal_mode(0o4755), "04755");
        assert_eq!(octal(0o22), "022");
        assert_eq!(
            ioctl_request(0x1234_5678),
            "_IOC(_IOC_NONE, 0x56, 0x78, 0x1234)"
        );
        assert_eq!(signal(37), "SIGRT_5");
        assert_eq!(signal(99), "99");
        assert_eq!(term_oflag(0o5), "NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR");
        assert_eq!(term_cflag(0o277), "B38400|CS8|CREAD");
    }
}
