//! Structures read from guest memory and printed in strace's abbreviated
//! style (`{st_mode=S_IFREG|0644, st_size=1234, ...}`). Every function
//! takes the guest address and returns the address in hex (or `NULL`) when
//! the structure cannot be read, as strace's `umove_or_printaddr` does.

use trapline_abi::structs::{
    Rlimit64, Stat, Statx, Sysinfo, Termios, Timespec, Timeval, Utsname, Winsize,
};
use trapline_abi::Plain;
use trapline_platform::memory::read_obj;
use trapline_platform::GuestMemory;

use crate::flags::{self, flags, xval};
use crate::strings::{addr, hex, quote, MAX_STRLEN};
use crate::value;

/// Reads a `T`, or `None` for a NULL or unreadable address.
pub fn read<T: Plain>(mem: &dyn GuestMemory, a: u64) -> Option<T> {
    if a == 0 {
        return None;
    }
    read_obj::<T>(mem, a).ok()
}

/// Reads `n` bytes.
pub fn bytes(mem: &dyn GuestMemory, a: u64, n: usize) -> Option<Vec<u8>> {
    if a == 0 {
        return None;
    }
    let mut b = vec![0u8; n];
    mem.read(a, &mut b).ok()?;
    Some(b)
}

fn u16_at(b: &[u8], off: usize) -> u64 {
    u16::from_ne_bytes([b[off], b[off + 1]]) as u64
}

fn u32_at(b: &[u8], off: usize) -> u64 {
    u32::from_ne_bytes(b[off..off + 4].try_into().unwrap_or([0; 4])) as u64
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(b[off..off + 8].try_into().unwrap_or([0; 8]))
}

/// `makedev(0x1, 0x3)` from a glibc-encoded `dev_t`.
fn makedev(dev: u64) -> String {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    format!("makedev({major:#x}, {minor:#x})")
}

/// `struct stat`.
pub fn stat(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(st) = read::<Stat>(mem, a) else {
        return addr(a);
    };
    let mode = st.st_mode as u64;
    let fmt = mode & 0o170000;
    let second = if fmt == 0o20000 || fmt == 0o60000 {
        format!("st_rdev={}", makedev(st.st_rdev))
    } else {
        format!("st_size={}", st.st_size)
    };
    format!("{{st_mode={}, {second}, ...}}", flags::symbolic_mode(mode))
}

/// `struct statx`.
pub fn statx(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(st) = read::<Statx>(mem, a) else {
        return addr(a);
    };
    format!(
        "{{stx_mask={}, stx_attributes={}, stx_mode={}, stx_size={}, ...}}",
        flags(st.stx_mask as u64, flags::STATX_MASKS, Some("STATX_???")),
        flags(
            st.stx_attributes,
            flags::STATX_ATTRS,
            Some("STATX_ATTR_???")
        ),
        flags::symbolic_mode(st.stx_mode as u64),
        st.stx_size
    )
}

/// `struct statfs`, whole.
pub fn statfs(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(b) = bytes(mem, a, 120) else {
        return addr(a);
    };
    let ftype = u64_at(&b, 0);
    let ftype_s = match flags::lookup(ftype, flags::FS_MAGICS) {
        Some(n) => n.to_string(),
        None => hex(ftype),
    };
    format!(
        "{{f_type={ftype_s}, f_bsize={}, f_blocks={}, f_bfree={}, f_bavail={}, f_files={}, f_ffree={}, f_fsid={{val=[{}, {}]}}, f_namelen={}, f_frsize={}, f_flags={}}}",
        u64_at(&b, 8) as i64,
        u64_at(&b, 16),
        u64_at(&b, 24),
        u64_at(&b, 32),
        u64_at(&b, 40),
        u64_at(&b, 48),
        hex(u32_at(&b, 56)),
        hex(u32_at(&b, 60)),
        u64_at(&b, 64) as i64,
        u64_at(&b, 72) as i64,
        flags(u64_at(&b, 80), flags::STATFS_FLAGS, None)
    )
}

/// `{tv_sec=1, tv_nsec=2}`.
pub fn timespec(mem: &dyn GuestMemory, a: u64) -> String {
    match read::<Timespec>(mem, a) {
        Some(ts) => fmt_timespec(ts.tv_sec, ts.tv_nsec),
        None => addr(a),
    }
}

pub fn fmt_timespec(sec: i64, nsec: i64) -> String {
    format!("{{tv_sec={sec}, tv_nsec={nsec}}}")
}

/// `{tv_sec=1, tv_usec=2}`.
pub fn timeval(mem: &dyn GuestMemory, a: u64) -> String {
    match read::<Timeval>(mem, a) {
        Some(tv) => fmt_timeval(tv.tv_sec, tv.tv_usec),
        None => addr(a),
    }
}

fn fmt_timeval(sec: i64, usec: i64) -> String {
    format!("{{tv_sec={sec}, tv_usec={usec}}}")
}

/// `[{tv_sec=1, tv_nsec=2}, {tv_sec=3, tv_nsec=4}]` (utimensat), with
/// `UTIME_NOW` and `UTIME_OMIT` named.
pub fn timespec_pair(mem: &dyn GuestMemory, a: u64) -> String {
    const UTIME_NOW: i64 = (1 << 30) - 1;
    const UTIME_OMIT: i64 = (1 << 30) - 2;
    let Some(ts) = read::<[Timespec; 2]>(mem, a) else {
        return addr(a);
    };
    let one = |t: &Timespec| match t.tv_nsec {
        UTIME_NOW => "UTIME_NOW".to_string(),
        UTIME_OMIT => "UTIME_OMIT".to_string(),
        _ => fmt_timespec(t.tv_sec, t.tv_nsec),
    };
    format!("[{}, {}]", one(&ts[0]), one(&ts[1]))
}

/// `{it_interval={...}, it_value={...}}` (timerfd_settime, timer_settime).
pub fn itimerspec(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(v) = read::<[Timespec; 2]>(mem, a) else {
        return addr(a);
    };
    format!(
        "{{it_interval={}, it_value={}}}",
        fmt_timespec(v[0].tv_sec, v[0].tv_nsec),
        fmt_timespec(v[1].tv_sec, v[1].tv_nsec)
    )
}

/// `{it_interval={...}, it_value={...}}` with timevals (setitimer).
pub fn itimerval(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(v) = read::<[Timeval; 2]>(mem, a) else {
        return addr(a);
    };
    format!(
        "{{it_interval={}, it_value={}}}",
        fmt_timeval(v[0].tv_sec, v[0].tv_usec),
        fmt_timeval(v[1].tv_sec, v[1].tv_usec)
    )
}

/// A fixed-size C string field (the bytes up to the first NUL).
fn cfield(b: &[u8]) -> String {
    let bytes: Vec<u8> = b.iter().copied().take_while(|&c| c != 0).collect();
    quote(&bytes)
}

/// `{sysname="Linux", nodename="vm", ...}`.
pub fn utsname(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(u) = read::<Utsname>(mem, a) else {
        return addr(a);
    };
    let b = u.as_bytes();
    format!(
        "{{sysname={}, nodename={}, ...}}",
        cfield(&b[..65]),
        cfield(&b[65..130])
    )
}

fn rlim(v: u64) -> String {
    if v == u64::MAX {
        "RLIM64_INFINITY".to_string()
    } else if v > 1024 && v.is_multiple_of(1024) {
        format!("{}*1024", v / 1024)
    } else {
        v.to_string()
    }
}

/// `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`.
pub fn rlimit64(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(r) = read::<Rlimit64>(mem, a) else {
        return addr(a);
    };
    format!(
        "{{rlim_cur={}, rlim_max={}}}",
        rlim(r.rlim_cur),
        rlim(r.rlim_max)
    )
}

/// getrlimit/setrlimit's `struct rlimit` (same layout, `RLIM_INFINITY`).
pub fn rlimit(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(r) = read::<Rlimit64>(mem, a) else {
        return addr(a);
    };
    let f = |v: u64| {
        if v == u64::MAX {
            "RLIM_INFINITY".to_string()
        } else {
            rlim(v)
        }
    };
    format!("{{rlim_cur={}, rlim_max={}}}", f(r.rlim_cur), f(r.rlim_max))
}

/// A signal set from its bytes: `[INT QUIT]`, or `~[RTMIN RT_1]` when more
/// than half the signals are in it.
pub fn fmt_sigset(b: &[u8]) -> String {
    let nbits = b.len() * 8;
    let set = |sig: usize| b[(sig - 1) / 8] & (1 << ((sig - 1) % 8)) != 0;
    let count = (1..=nbits).filter(|&s| set(s)).count();
    let invert = count >= b.len() * 4 && count > 0;
    let mut names = Vec::new();
    for sig in 1..=nbits {
        if set(sig) != invert {
            names.push(flags::signame_short(sig as u64).unwrap_or_else(|| sig.to_string()));
        }
    }
    format!("{}[{}]", if invert { "~" } else { "" }, names.join(" "))
}

/// A `sigset_t` of `len` bytes at `a`.
pub fn sigset(mem: &dyn GuestMemory, a: u64, len: u64) -> String {
    if a == 0 {
        return "NULL".to_string();
    }
    if len == 0 || len > 128 {
        return addr(a);
    }
    match bytes(mem, a, len as usize) {
        Some(b) => fmt_sigset(&b),
        None => addr(a),
    }
}

/// The kernel's `struct sigaction`.
pub fn sigaction(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(b) = bytes(mem, a, 32) else {
        return addr(a);
    };
    let handler = u64_at(&b, 0);
    let fl = u64_at(&b, 8);
    let restorer = u64_at(&b, 16);
    let h = match handler {
        0 => "SIG_DFL".to_string(),
        1 => "SIG_IGN".to_string(),
        u64::MAX => "SIG_ERR".to_string(),
        h => format!("{h:#x}"),
    };
    let mut s = format!(
        "{{sa_handler={h}, sa_mask={}, sa_flags={}",
        fmt_sigset(&b[24..32]),
        flags(fl, flags::SIGACT_FLAGS, Some("SA_???"))
    );
    if fl & 0x0400_0000 != 0 {
        s.push_str(&format!(", sa_restorer={}", addr(restorer)));
    }
    s.push('}');
    s
}

/// `stack_t`: `{ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0}`.
pub fn stack_t(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(b) = bytes(mem, a, 24) else {
        return addr(a);
    };
    format!(
        "{{ss_sp={}, ss_flags={}, ss_size={}}}",
        addr(u64_at(&b, 0)),
        flags(u32_at(&b, 8), flags::SS_FLAGS, Some("SS_???")),
        u64_at(&b, 16)
    )
}

/// `{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}`.
pub fn winsize(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(w) = read::<Winsize>(mem, a) else {
        return addr(a);
    };
    format!(
        "{{ws_row={}, ws_col={}, ws_xpixel={}, ws_ypixel={}}}",
        w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel
    )
}

/// `struct termios`, abbreviated.
pub fn termios(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(t) = read::<Termios>(mem, a) else {
        return addr(a);
    };
    format!(
        "{{c_iflag={}, c_oflag={}, c_cflag={}, c_lflag={}, ...}}",
        flags(t.c_iflag as u64, flags::TERM_IFLAGS, None),
        flags::term_oflag(t.c_oflag as u64),
        flags::term_cflag(t.c_cflag as u64),
        flags(t.c_lflag as u64, flags::TERM_LFLAGS, None)
    )
}

/// `struct rusage`, abbreviated.
pub fn rusage(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(b) = bytes(mem, a, 32) else {
        return addr(a);
    };
    format!(
        "{{ru_utime={}, ru_stime={}, ...}}",
        fmt_timeval(u64_at(&b, 0) as i64, u64_at(&b, 8) as i64),
        fmt_timeval(u64_at(&b, 16) as i64, u64_at(&b, 24) as i64)
    )
}

/// `struct sysinfo`, whole.
pub fn sysinfo(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(s) = read::<Sysinfo>(mem, a) else {
        return addr(a);
    };
    format!(
        "{{uptime={}, loads=[{}, {}, {}], totalram={}, freeram={}, sharedram={}, bufferram={}, totalswap={}, freeswap={}, procs={}, totalhigh={}, freehigh={}, mem_unit={}}}",
        s.uptime, s.loads[0], s.loads[1], s.loads[2], s.totalram, s.freeram, s.sharedram, s.bufferram,
        s.totalswap, s.freeswap, s.procs, s.totalhigh, s.freehigh, s.mem_unit
    )
}

fn ticks(v: u64) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v} /* {}.{:02} s */", v / 100, v % 100)
    }
}

/// `struct tms`: `{tms_utime=0, tms_stime=38 /* 0.38 s */, ...}`.
pub fn tms(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(b) = bytes(mem, a, 32) else {
        return addr(a);
    };
    format!(
        "{{tms_utime={}, tms_stime={}, tms_cutime={}, tms_cstime={}}}",
        ticks(u64_at(&b, 0)),
        ticks(u64_at(&b, 8)),
        ticks(u64_at(&b, 16)),
        ticks(u64_at(&b, 24))
    )
}

/// An array of `n` elements of `size` bytes, at most [`MAX_STRLEN`] shown.
fn array(
    mem: &dyn GuestMemory,
    a: u64,
    n: u64,
    size: usize,
    mut each: impl FnMut(&[u8]) -> Option<String>,
) -> String {
    if a == 0 {
        return "NULL".to_string();
    }
    if n == 0 {
        return "[]".to_string();
    }
    let mut out = Vec::new();
    for i in 0..n.min(MAX_STRLEN as u64 + 1) {
        if i == MAX_STRLEN as u64 {
            out.push("...".to_string());
            break;
        }
        let Some(el_addr) = a.checked_add(i * size as u64) else {
            break;
        };
        match bytes(mem, el_addr, size) {
            Some(b) => match each(&b) {
                Some(s) => out.push(s),
                None => continue,
            },
            None => {
                if i == 0 {
                    return addr(a);
                }
                out.push(format!("... /* {} */", addr(el_addr)));
                break;
            }
        }
    }
    format!("[{}]", out.join(", "))
}

/// `[{fd=0, events=POLLIN}]`.
pub fn pollfds_in(mem: &dyn GuestMemory, a: u64, n: u64) -> String {
    array(mem, a, n, 8, |b| {
        Some(format!(
            "{{fd={}, events={}}}",
            u32_at(b, 0) as i32,
            flags(u16_at(b, 4), flags::POLL_EVENTS, None)
        ))
    })
}

/// The `revents` part of a poll result: `[{fd=0, revents=POLLIN}]`
/// (entries with no events left out).
pub fn pollfds_out(mem: &dyn GuestMemory, a: u64, n: u64) -> Option<String> {
    let mut out = Vec::new();
    for i in 0..n.min(1024) {
        let b = bytes(mem, a.checked_add(i * 8)?, 8)?;
        let rev = u16_at(&b, 6);
        if rev != 0 {
            out.push(format!(
                "{{fd={}, revents={}}}",
                u32_at(&b, 0) as i32,
                flags(rev, flags::POLL_EVENTS, None)
            ));
        }
    }
    Some(format!("[{}]", out.join(", ")))
}

/// `struct epoll_event` (packed on x86_64).
fn epoll_event(b: &[u8]) -> String {
    let data = u64_at(b, 4);
    format!(
        "{{events={}, data={{u32={}, u64={}}}}}",
        flags(u32_at(b, 0), flags::EPOLL_EVENTS, None),
        data as u32,
        data
    )
}

pub fn epoll_event_one(mem: &dyn GuestMemory, a: u64) -> String {
    match bytes(mem, a, 12) {
        Some(b) => epoll_event(&b),
        None => addr(a),
    }
}

pub fn epoll_events(mem: &dyn GuestMemory, a: u64, n: u64) -> String {
    array(mem, a, n, 12, |b| Some(epoll_event(b)))
}

/// `[{iov_base="ab", iov_len=2}, ...]`; `data` bytes in all are shown
/// (`u64::MAX` for "as long as each iov_len").
pub fn iovecs(mem: &dyn GuestMemory, a: u64, n: u64, data: u64) -> String {
    let mut left = data;
    array(mem, a, n, 16, |b| {
        let base = u64_at(b, 0);
        let len = u64_at(b, 8);
        let shown = len.min(left);
        left -= shown;
        Some(format!(
            "{{iov_base={}, iov_len={len}}}",
            crate::strings::buf(mem, base, shown)
        ))
    })
}

/// `[3, 4]` from an `int[n]`.
pub fn ints(mem: &dyn GuestMemory, a: u64, n: usize) -> String {
    match bytes(mem, a, 4 * n) {
        Some(b) => {
            let v: Vec<String> = (0..n)
                .map(|i| (u32_at(&b, 4 * i) as i32).to_string())
                .collect();
            format!("[{}]", v.join(", "))
        }
        None => addr(a),
    }
}

/// An `fd_set` of `n` descriptors: `[3 4]`; `None` when unreadable.
pub fn fd_set(mem: &dyn GuestMemory, a: u64, n: u64) -> Option<String> {
    let n = n.min(1 << 16);
    let b = bytes(mem, a, n.div_ceil(64) as usize * 8)?;
    let fds: Vec<String> = (0..n as usize)
        .filter(|&i| b[i / 8] & (1 << (i % 8)) != 0)
        .map(|i| i.to_string())
        .collect();
    Some(format!("[{}]", fds.join(" ")))
}

/// An input `fd_set`: `[3 4]`, `NULL`, or the address when unreadable.
pub fn fd_set_in(mem: &dyn GuestMemory, a: u64, n: u64) -> String {
    if a == 0 {
        return "NULL".to_string();
    }
    fd_set(mem, a, n).unwrap_or_else(|| addr(a))
}

/// pselect6's `{[USR1], 8}` (a sigset pointer and its size).
pub fn pselect_sigmask(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(b) = bytes(mem, a, 16) else {
        return addr(a);
    };
    let (set, len) = (u64_at(&b, 0), u64_at(&b, 8));
    format!("{{{}, {len}}}", sigset(mem, set, len))
}

/// `[0, 4, 24]` from a `gid_t[n]` (getgroups, setgroups).
pub fn gids(mem: &dyn GuestMemory, a: u64, n: u64) -> String {
    array(mem, a, n, 4, |b| Some(value::id(u32_at(b, 0))))
}

/// `[123]` from an `int *`.
pub fn int_ptr(mem: &dyn GuestMemory, a: u64) -> String {
    ints(mem, a, 1)
}

/// `[0x7f...]` from an `unsigned long *`.
pub fn addr_ptr(mem: &dyn GuestMemory, a: u64) -> String {
    match bytes(mem, a, 8) {
        Some(b) => format!("[{}]", hex(u64_at(&b, 0))),
        None => addr(a),
    }
}

/// A CPU set of `len` bytes: `[0 1]`.
pub fn cpuset(mem: &dyn GuestMemory, a: u64, len: u64) -> String {
    let Some(b) = bytes(mem, a, len.min(1 << 16) as usize) else {
        return addr(a);
    };
    let cpus: Vec<String> = (0..b.len() * 8)
        .filter(|&i| b[i / 8] & (1 << (i % 8)) != 0)
        .map(|i| i.to_string())
        .collect();
    format!("[{}]", cpus.join(" "))
}

/// `0x55... /* 28 entries */` for getdents64's buffer of `len` bytes.
pub fn dirents(mem: &dyn GuestMemory, a: u64, len: u64, reclen_off: usize) -> String {
    let Some(b) = bytes(mem, a, len.min(1 << 20) as usize) else {
        return addr(a);
    };
    let mut off = 0usize;
    let mut n = 0;
    while off + reclen_off + 2 <= b.len() {
        let reclen = u16_at(&b, off + reclen_off) as usize;
        if reclen == 0 {
            break;
        }
        n += 1;
        off += reclen;
    }
    format!("{} /* {n} entries */", addr(a))
}

/// A wait status: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
pub fn wait_status(mem: &dyn GuestMemory, a: u64) -> String {
    let Some(b) = bytes(mem, a, 4) else {
        return addr(a);
    };
    format!("[{}]", fmt_wait_status(u32_at(&b, 0) as u32))
}

pub fn fmt_wait_status(st: u32) -> String {
    let sig = st & 0x7f;
    if sig == 0 {
        format!("{{WIFEXITED(s) && WEXITSTATUS(s) == {}}}", (st >> 8) & 0xff)
    } else if sig == 0x7f {
        let stop = (st >> 8) & 0xff;
        let mut s = format!(
            "{{WIFSTOPPED(s) && WSTOPSIG(s) == {}",
            flags::signal(stop as u64)
        );
        if st >> 16 != 0 {
            s.push_str(&format!(" && (s >> 16) == {}", st >> 16));
        }
        s.push('}');
        s
    } else if st == 0xffff {
        "{WIFCONTINUED(s)}".to_string()
    } else {
        let core = if st & 0x80 != 0 {
            " && WCOREDUMP(s)"
        } else {
            ""
        };
        format!(
            "{{WIFSIGNALED(s) && WTERMSIG(s) == {}{core}}}",
            flags::signal(sig as u64)
        )
    }
}

/// `struct flock`: `{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}`.
pub fn flock(mem: &dyn GuestMemory, a: u64, with_pid: bool) -> String {
    let Some(b) = bytes(mem, a, 32) else {
        return addr(a);
    };
    let mut s = format!(
        "{{l_type={}, l_whence={}, l_start={}, l_len={}",
        xval(u16_at(&b, 0), flags::LOCK_TYPES, "F_???"),
        xval(u16_at(&b, 2), flags::WHENCE, "SEEK_???"),
        u64_at(&b, 8) as i64,
        u64_at(&b, 16) as i64
    );
    if with_pid {
        s.push_str(&format!(", l_pid={}", u32_at(&b, 24) as i32));
    }
    s.push('}');
    s
}

/// A socket address of `len` bytes.
pub fn sockaddr(mem: &dyn GuestMemory, a: u64, len: u64) -> String {
    if a == 0 {
        return "NULL".to_string();
    }
    if !(2..=128).contains(&len) {
        return addr(a);
    }
    let Some(b) = bytes(mem, a, len as usize) else {
        return addr(a);
    };
    let fam = u16_at(&b, 0);
    let fam_s = xval(fam, flags::ADDR_FAMILIES, "AF_???");
    match fam {
        1 => {
            let path = &b[2..];
            if path.first() == Some(&0) && path.len() > 1 {
                let name: Vec<u8> = path[1..].iter().copied().take_while(|&c| c != 0).collect();
                format!("{{sa_family={fam_s}, sun_path=@{}}}", quote(&name))
            } else {
                let name: Vec<u8> = path.iter().copied().take_while(|&c| c != 0).collect();
                format!("{{sa_family={fam_s}, sun_path={}}}", quote(&name))
            }
        }
        2 if b.len() >= 8 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            format!(
                "{{sa_family={fam_s}, sin_port=htons({port}), sin_addr=inet_addr(\"{}.{}.{}.{}\")}}",
                b[4], b[5], b[6], b[7]
            )
        }
        10 if b.len() >= 28 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let flow = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            let mut a6 = [0u8; 16];
            a6.copy_from_slice(&b[8..24]);
            let ip = std::net::Ipv6Addr::from(a6);
            format!(
                "{{sa_family={fam_s}, sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), inet_pton({fam_s}, \"{ip}\", &sin6_addr), sin6_scope_id={}}}",
                u32_at(&b, 24)
            )
        }
        16 if b.len() >= 12 => format!(
            "{{sa_family={fam_s}, nl_pid={}, nl_groups={:#010x}}}",
            u32_at(&b, 4) as i32,
            u32_at(&b, 8)
        ),
        _ => format!("{{sa_family={fam_s}, sa_data={}}}", quote(&b[2..])),
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-23T18:49:41+0000` (UTC).
pub fn fmt_time(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+0000",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigsets() {
        assert_eq!(fmt_sigset(&[0, 0, 0, 0, 0, 0, 0, 0]), "[]");
        assert_eq!(fmt_sigset(&[0b110, 0, 0, 0, 0, 0, 0, 0]), "[INT QUIT]");
        assert_eq!(
            fmt_sigset(&[0xff, 0xff, 0xff, 0x7f, 0xfe, 0xff, 0xff, 0xff]),
            "~[RTMIN RT_1]"
        );
        assert_eq!(fmt_sigset(&[0xff; 8]), "~[]");
    }

    #[test]
    fn times_and_status() {
        assert_eq!(fmt_time(1_795_459_781), "2026-11-23T18:49:41+0000");
        assert_eq!(fmt_time(0), "1970-01-01T00:00:00+0000");
        assert_eq!(
            fmt_wait_status(5 << 8),
            "{WIFEXITED(s) && WEXITSTATUS(s) == 5}"
        );
        assert_eq!(
            fmt_wait_status(11),
            "{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV}"
        );
        assert_eq!(
            fmt_wait_status(0x8b),
            "{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}"
        );
        assert_eq!(makedev(0x103), "makedev(0x1, 0x3)");
        assert_eq!(rlim(8192 * 1024), "8192*1024");
    }
}
