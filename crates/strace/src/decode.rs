//! Decoding one call at entry: the calls strace knows by name get their own
//! decoder here; every other call goes through the table-driven
//! [`value::generic_all`].

use trapline_abi::table::x86_64_by_nr;
use trapline_platform::{GuestMemory, SyscallArgs};

use crate::flags::{self, flags, xval};
use crate::strings::{self, addr, hex, MAX_STRLEN};
use crate::structs;
use crate::value::{self, dirfd, fd, id, int, uint, Decoded, Out, Ret};

/// Decodes a call at entry (input arguments rendered now, outputs later).
pub fn decode(mem: &dyn GuestMemory, call: &SyscallArgs) -> Decoded {
    let Some(desc) = x86_64_by_nr(call.nr) else {
        let mut d = Decoded::new(format!("syscall_{:#x}", call.nr));
        for &v in &call.args {
            d.text(hex(v));
        }
        return d;
    };
    let mut d = Decoded::new(desc.name);
    if !special(mem, desc.name, &call.args, &mut d) {
        d.args = value::generic_all(mem, desc, &call.args);
    }
    d
}

/// Paths and strings.
fn path(mem: &dyn GuestMemory, v: u64) -> String {
    strings::path(mem, v)
}

/// `ptr` for an input sigset with its size.
fn sigset_in(mem: &dyn GuestMemory, v: u64, size: u64) -> String {
    structs::sigset(mem, v, size)
}

fn open_mode_needed(fl: u64) -> bool {
    fl & flags::O_CREAT != 0 || fl & flags::O_TMPFILE_BIT != 0
}

/// Fills `d` for a call with a special decoder; false when there is none.
fn special(mem: &dyn GuestMemory, name: &str, a: &[u64; 6], d: &mut Decoded) -> bool {
    match name {
        // --- files: reading and writing
        "read" | "pread64" => {
            d.text(fd(a[0])).out(Out::Buf(a[1])).text(a[2].to_string());
            if name == "pread64" {
                d.text((a[3] as i64).to_string());
            }
        }
        "write" | "pwrite64" => {
            d.text(fd(a[0]))
                .text(strings::buf(mem, a[1], a[2]))
                .text(a[2].to_string());
            if name == "pwrite64" {
                d.text((a[3] as i64).to_string());
            }
        }
        "readv" | "preadv" | "preadv2" => {
            d.text(fd(a[0]))
                .out(Out::Iovecs(a[1], a[2]))
                .text(int(a[2]));
            if name != "readv" {
                d.text((a[3] as i64).to_string());
            }
            if name == "preadv2" {
                d.text(hex(a[5] & 0xffff_ffff));
            }
        }
        "writev" | "pwritev" | "pwritev2" => {
            d.text(fd(a[0]))
                .text(structs::iovecs(mem, a[1], a[2], u64::MAX))
                .text(int(a[2]));
            if name != "writev" {
                d.text((a[3] as i64).to_string());
            }
            if name == "pwritev2" {
                d.text(hex(a[5] & 0xffff_ffff));
            }
        }
        "lseek" => {
            d.text(fd(a[0])).text((a[1] as i64).to_string()).text(xval(
                a[2] & 0xffff_ffff,
                flags::WHENCE,
                "SEEK_???",
            ));
        }
        "getdents" | "getdents64" => {
            d.text(fd(a[0]))
                .out(Out::Dirents(a[1], 16))
                .text(uint(a[2]));
        }
        "sendfile" => {
            d.text(fd(a[0]))
                .text(fd(a[1]))
                .text(addr(a[2]))
                .text(a[3].to_string());
        }
        "fadvise64" => {
            d.text(fd(a[0]))
                .text((a[1] as i64).to_string())
                .text((a[2] as i64).to_string())
                .text(xval(a[3] & 0xffff_ffff, flags::FADVISE, "POSIX_FADV_???"));
        }

        // --- files: opening, closing, descriptors
        "open" => {
            d.text(path(mem, a[0])).text(flags::open_flags(a[1]));
            if open_mode_needed(a[1]) {
                d.text(flags::octal_mode(a[2] & 0xffff_ffff));
            }
        }
        "openat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(flags::open_flags(a[2]));
            if open_mode_needed(a[2]) {
                d.text(flags::octal_mode(a[3] & 0xffff_ffff));
            }
        }
        "creat" => {
            d.text(path(mem, a[0]))
                .text(flags::octal_mode(a[1] & 0xffff_ffff));
        }
        "openat2" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(open_how(mem, a[2], a[3]))
                .text(a[3].to_string());
        }
        "close" | "dup" | "fsync" | "fdatasync" | "fchdir" | "syncfs" => {
            d.text(fd(a[0]));
        }
        "dup2" => {
            d.text(fd(a[0])).text(fd(a[1]));
        }
        "dup3" => {
            d.text(fd(a[0])).text(fd(a[1])).text(flags(
                a[2] & 0xffff_ffff,
                flags::O_CLOEXEC_ONLY,
                Some("O_???"),
            ));
        }
        "close_range" => {
            d.text(uint(a[0])).text(uint(a[1])).text(flags(
                a[2] & 0xffff_ffff,
                flags::CLOSE_RANGE_FLAGS,
                Some("CLOSE_RANGE_???"),
            ));
        }
        "pipe" => {
            d.out(Out::Ints(a[0], 2));
        }
        "pipe2" => {
            d.out(Out::Ints(a[0], 2)).text(flags(
                a[1] & 0xffff_ffff,
                flags::PIPE2_FLAGS,
                Some("O_???"),
            ));
        }
        "fcntl" => fcntl(mem, a, d),
        "ioctl" => ioctl(mem, a, d),
        "flock" => {
            d.text(fd(a[0])).text(flags(
                a[1] & 0xffff_ffff,
                flags::FLOCK_OPS,
                Some("LOCK_???"),
            ));
        }

        // --- files: metadata
        "stat" | "lstat" => {
            d.text(path(mem, a[0])).out(Out::Stat(a[1]));
        }
        "fstat" => {
            d.text(fd(a[0])).out(Out::Stat(a[1]));
        }
        "newfstatat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .out(Out::Stat(a[2]))
                .text(flags(a[3] & 0xffff_ffff, flags::AT_FLAGS, None));
        }
        "statx" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(flags::statx_flags(a[2]))
                .text(flags(
                    a[3] & 0xffff_ffff,
                    flags::STATX_MASKS,
                    Some("STATX_???"),
                ))
                .out(Out::Statx(a[4]));
        }
        "access" => {
            d.text(path(mem, a[0])).text(access_mode(a[1]));
        }
        "faccessat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(access_mode(a[2]));
        }
        "faccessat2" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(access_mode(a[2]))
                .text(flags(a[3] & 0xffff_ffff, flags::FACCESSAT_FLAGS, None));
        }
        "readlink" => {
            d.text(path(mem, a[0])).out(Out::Buf(a[1])).text(int(a[2]));
        }
        "readlinkat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .out(Out::Buf(a[2]))
                .text(int(a[3]));
        }
        "getcwd" => {
            d.out(Out::Path(a[0])).text(a[1].to_string());
        }
        "umask" => {
            d.text(flags::octal_mode(a[0] & 0o777)).ret(Ret::Oct);
        }
        "mknod" => {
            d.text(path(mem, a[0])).text(flags::symbolic_mode(a[1]));
            if is_dev(a[1]) {
                d.text(makedev_arg(a[2]));
            }
        }
        "mknodat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(flags::symbolic_mode(a[2]));
            if is_dev(a[2]) {
                d.text(makedev_arg(a[3]));
            }
        }
        "unlinkat" => {
            d.text(dirfd(a[0])).text(path(mem, a[1])).text(flags(
                a[2] & 0xffff_ffff,
                flags::AT_FLAGS,
                None,
            ));
        }
        "linkat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(dirfd(a[2]))
                .text(path(mem, a[3]))
                .text(flags(a[4] & 0xffff_ffff, flags::AT_FLAGS, None));
        }
        "renameat2" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(dirfd(a[2]))
                .text(path(mem, a[3]))
                .text(flags(
                    a[4] & 0xffff_ffff,
                    flags::RENAME_FLAGS,
                    Some("RENAME_???"),
                ));
        }
        "fchownat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(id(a[2]))
                .text(id(a[3]))
                .text(flags(a[4] & 0xffff_ffff, flags::AT_FLAGS, None));
        }
        "fchmodat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(flags::octal_mode(a[2] & 0xffff_ffff));
        }
        "utimensat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(structs::timespec_pair(mem, a[2]))
                .text(flags(a[3] & 0xffff_ffff, flags::AT_FLAGS, None));
        }
        "memfd_create" => {
            d.text(strings::cstr(mem, a[0], MAX_STRLEN)).text(flags(
                a[1] & 0xffff_ffff,
                flags::MEMFD_FLAGS,
                Some("MFD_???"),
            ));
        }

        // --- memory
        "mmap" => {
            d.text(addr(a[0]))
                .text(a[1].to_string())
                .text(flags(
                    a[2] & 0xffff_ffff,
                    flags::MMAP_PROT,
                    Some("PROT_???"),
                ))
                .text(flags::mmap_flags(a[3] & 0xffff_ffff))
                .text(fd(a[4]))
                .text(hex(a[5]))
                .ret(Ret::Hex);
        }
        "mprotect" | "pkey_mprotect" => {
            d.text(addr(a[0])).text(a[1].to_string()).text(flags(
                a[2] & 0xffff_ffff,
                flags::MMAP_PROT,
                Some("PROT_???"),
            ));
            if name == "pkey_mprotect" {
                d.text(int(a[3]));
            }
        }
        "munmap" => {
            d.text(addr(a[0])).text(a[1].to_string());
        }
        "brk" => {
            d.text(addr(a[0])).ret(Ret::Hex);
        }
        "mremap" => {
            d.text(addr(a[0]))
                .text(a[1].to_string())
                .text(a[2].to_string())
                .text(flags(a[3], flags::MREMAP_FLAGS, Some("MREMAP_???")));
            if a[3] & 2 != 0 {
                d.text(addr(a[4]));
            }
            d.ret(Ret::Hex);
        }
        "madvise" => {
            d.text(addr(a[0])).text(a[1].to_string()).text(xval(
                a[2] & 0xffff_ffff,
                flags::MADVISE,
                "MADV_???",
            ));
        }
        "msync" => {
            d.text(addr(a[0])).text(a[1].to_string()).text(flags(
                a[2] & 0xffff_ffff,
                flags::MSYNC_FLAGS,
                Some("MS_???"),
            ));
        }
        "mlockall" => {
            d.text(flags(
                a[0] & 0xffff_ffff,
                flags::MLOCKALL_FLAGS,
                Some("MCL_???"),
            ));
        }
        "shmat" => {
            d.text(int(a[0]))
                .text(addr(a[1]))
                .text(hex(a[2] & 0xffff_ffff))
                .ret(Ret::Hex);
        }

        // --- processes
        "exit" | "exit_group" => {
            d.text(int(a[0]));
        }
        "execve" => {
            d.text(path(mem, a[0]))
                .text(argv(mem, a[1]))
                .text(envp(mem, a[2]));
        }
        "execveat" => {
            d.text(dirfd(a[0]))
                .text(path(mem, a[1]))
                .text(argv(mem, a[2]))
                .text(envp(mem, a[3]))
                .text(flags(a[4] & 0xffff_ffff, flags::AT_FLAGS, None));
        }
        "wait4" => {
            d.text(int(a[0]))
                .out(Out::WaitStatus(a[1]))
                .text(flags(a[2] & 0xffff_ffff, flags::WAIT_OPTIONS, Some("W???")))
                .out(Out::Rusage(a[3]));
        }
        "waitid" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::WAITID_WHICH, "P_???"))
                .text(int(a[1]))
                .text(addr(a[2]))
                .text(flags(a[3] & 0xffff_ffff, flags::WAIT_OPTIONS, Some("W???")))
                .out(Out::Rusage(a[4]));
        }
        "clone" => clone(a, d),
        "clone3" => {
            let (args, parent_tid) = clone3_args(mem, a[0], a[1]);
            d.out(Out::Clone3 { args, parent_tid })
                .text(a[1].to_string());
        }
        "kill" | "tkill" => {
            d.text(int(a[0])).text(flags::signal(a[1]));
        }
        "tgkill" => {
            d.text(int(a[0])).text(int(a[1])).text(flags::signal(a[2]));
        }
        "set_tid_address" => {
            d.text(addr(a[0]));
        }
        "set_robust_list" => {
            d.text(addr(a[0])).text(a[1].to_string());
        }
        "rseq" => {
            d.text(addr(a[0]))
                .text(hex(a[1] & 0xffff_ffff))
                .text(hex(a[2] & 0xffff_ffff))
                .text(hex(a[3] & 0xffff_ffff));
        }
        "arch_prctl" => {
            let code = a[0] & 0xffff_ffff;
            d.text(xval(code, flags::ARCH_PRCTL, "ARCH_???"));
            if code == 0x1003 || code == 0x1004 {
                d.out(Out::AddrPtr(a[1]));
            } else {
                d.text(hex(a[1]));
            }
        }
        "prctl" => prctl(mem, a, d),
        "prlimit64" => {
            d.text(int(a[0]))
                .text(xval(a[1] & 0xffff_ffff, flags::RLIMITS, "RLIMIT_???"))
                .text(if a[2] == 0 {
                    "NULL".to_string()
                } else {
                    structs::rlimit64(mem, a[2])
                })
                .out(Out::Rlimit64(a[3]));
        }
        "getrlimit" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::RLIMITS, "RLIMIT_???"))
                .out(Out::Rlimit(a[1]));
        }
        "setrlimit" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::RLIMITS, "RLIMIT_???"))
                .text(structs::rlimit(mem, a[1]));
        }
        "getrusage" => {
            d.text(xval(a[0] as i32 as u64, flags::RUSAGE_WHO, "RUSAGE_???"))
                .out(Out::Rusage(a[1]));
        }
        "getpriority" | "setpriority" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::PRIO_WHICH, "PRIO_???"))
                .text(int(a[1]));
            if name == "setpriority" {
                d.text(int(a[2]));
            }
        }
        "sched_getaffinity" => {
            d.text(int(a[0])).text(uint(a[1])).out(Out::CpuSet(a[2]));
        }
        "sched_setaffinity" => {
            d.text(int(a[0]))
                .text(uint(a[1]))
                .text(structs::cpuset(mem, a[2], a[1] & 0xffff_ffff));
        }
        "statfs" => {
            d.text(path(mem, a[0])).out(Out::Statfs(a[1]));
        }
        "fstatfs" => {
            d.text(fd(a[0])).out(Out::Statfs(a[1]));
        }
        "getgroups" => {
            d.text(int(a[0])).out(Out::Gids(a[1], a[0] & 0xffff_ffff));
        }
        "setgroups" => {
            d.text(int(a[0]))
                .text(structs::gids(mem, a[1], a[0] & 0xffff_ffff));
        }
        "uname" => {
            d.out(Out::Utsname(a[0]));
        }
        "sysinfo" => {
            d.out(Out::Sysinfo(a[0]));
        }
        "times" => {
            d.out(Out::Tms(a[0]));
        }
        "getrandom" => {
            d.out(Out::BufHex(a[0])).text(a[1].to_string()).text(flags(
                a[2] & 0xffff_ffff,
                flags::GETRANDOM_FLAGS,
                Some("GRND_???"),
            ));
        }

        // --- signals
        "rt_sigprocmask" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::SIGPROCMASK_HOW, "SIG_???"))
                .text(sigset_in(mem, a[1], a[3]))
                .out(Out::SigSet(a[2], a[3]))
                .text(a[3].to_string());
        }
        "rt_sigaction" => {
            d.text(flags::signal(a[0]))
                .text(if a[1] == 0 {
                    "NULL".to_string()
                } else {
                    structs::sigaction(mem, a[1])
                })
                .out(Out::SigAction(a[2]))
                .text(a[3].to_string());
        }
        "rt_sigsuspend" => {
            d.text(sigset_in(mem, a[0], a[1])).text(a[1].to_string());
        }
        "rt_sigpending" => {
            d.out(Out::SigSet(a[0], a[1])).text(a[1].to_string());
        }
        "rt_sigtimedwait" => {
            d.text(sigset_in(mem, a[0], a[3]))
                .text(addr(a[1]))
                .text(if a[2] == 0 {
                    "NULL".to_string()
                } else {
                    structs::timespec(mem, a[2])
                })
                .text(a[3].to_string());
        }
        "sigaltstack" => {
            d.text(if a[0] == 0 {
                "NULL".to_string()
            } else {
                structs::stack_t(mem, a[0])
            })
            .out(Out::StackT(a[1]));
        }
        "signalfd4" => {
            d.text(fd(a[0]))
                .text(sigset_in(mem, a[1], a[2]))
                .text(a[2].to_string())
                .text(flags(
                    a[3] & 0xffff_ffff,
                    flags::SIGNALFD_FLAGS,
                    Some("SFD_???"),
                ));
        }

        // --- time
        "clock_gettime" | "clock_getres" => {
            d.text(clock(a[0])).out(Out::Timespec(a[1]));
        }
        "clock_settime" => {
            d.text(clock(a[0])).text(structs::timespec(mem, a[1]));
        }
        "clock_nanosleep" => {
            d.text(clock(a[0]))
                .text(flags(
                    a[1] & 0xffff_ffff,
                    flags::TIMER_FLAGS,
                    Some("TIMER_???"),
                ))
                .text(structs::timespec(mem, a[2]))
                .text(addr(a[3]));
        }
        "nanosleep" => {
            d.text(structs::timespec(mem, a[0])).text(addr(a[1]));
        }
        "gettimeofday" => {
            d.out(Out::Timeval(a[0])).text(addr(a[1]));
        }
        "time" => {
            d.text(addr(a[0])).ret(Ret::Time);
        }
        "getitimer" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::ITIMER_WHICH, "ITIMER_???"))
                .out(Out::Itimerval(a[1]));
        }
        "setitimer" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::ITIMER_WHICH, "ITIMER_???"))
                .text(structs::itimerval(mem, a[1]))
                .out(Out::Itimerval(a[2]));
        }
        "timerfd_create" => {
            d.text(clock(a[0])).text(flags(
                a[1] & 0xffff_ffff,
                flags::TIMERFD_FLAGS,
                Some("TFD_???"),
            ));
        }
        "timerfd_settime" => {
            d.text(fd(a[0]))
                .text(flags(
                    a[1] & 0xffff_ffff,
                    &[(1, "TFD_TIMER_ABSTIME"), (2, "TFD_TIMER_CANCEL_ON_SET")],
                    Some("TFD_???"),
                ))
                .text(structs::itimerspec(mem, a[2]))
                .out(Out::Itimerspec(a[3]));
        }
        "timerfd_gettime" => {
            d.text(fd(a[0])).out(Out::Itimerspec(a[1]));
        }

        // --- polling and events
        "poll" => {
            let n = a[1] & 0xffff_ffff;
            d.text(structs::pollfds_in(mem, a[0], n))
                .text(n.to_string())
                .text(int(a[2]))
                .ret(Ret::Poll(a[0], n));
        }
        "ppoll" => {
            let n = a[1] & 0xffff_ffff;
            d.text(structs::pollfds_in(mem, a[0], n))
                .text(n.to_string())
                .text(if a[2] == 0 {
                    "NULL".to_string()
                } else {
                    structs::timespec(mem, a[2])
                })
                .text(sigset_in(mem, a[3], a[4]))
                .text(a[4].to_string())
                .ret(Ret::Poll(a[0], n));
        }
        "select" | "pselect6" => {
            let n = a[0] & 0xffff_ffff;
            let n = if (n as i32) < 0 { 0 } else { n };
            d.text(int(a[0]));
            for &set in &a[1..4] {
                d.text(structs::fd_set_in(mem, set, n));
            }
            let timespec = name == "pselect6";
            d.text(match (a[4], timespec) {
                (0, _) => "NULL".to_string(),
                (t, true) => structs::timespec(mem, t),
                (t, false) => structs::timeval(mem, t),
            });
            if timespec {
                d.text(if a[5] == 0 {
                    "NULL".to_string()
                } else {
                    structs::pselect_sigmask(mem, a[5])
                });
            }
            d.ret(Ret::Select {
                n,
                sets: [a[1], a[2], a[3]],
                timeout: a[4],
                timespec,
            });
        }
        "epoll_create1" => {
            d.text(flags(
                a[0] & 0xffff_ffff,
                flags::EPOLL_CREATE_FLAGS,
                Some("EPOLL_???"),
            ));
        }
        "epoll_ctl" => {
            d.text(fd(a[0]))
                .text(xval(a[1] & 0xffff_ffff, flags::EPOLL_CTL, "EPOLL_CTL_???"))
                .text(fd(a[2]))
                .text(if a[3] == 0 {
                    "NULL".to_string()
                } else {
                    structs::epoll_event_one(mem, a[3])
                });
        }
        "epoll_wait" | "epoll_pwait" => {
            d.text(fd(a[0]))
                .out(Out::EpollEvents(a[1]))
                .text(int(a[2]))
                .text(int(a[3]));
            if name == "epoll_pwait" {
                d.text(sigset_in(mem, a[4], a[5])).text(a[5].to_string());
            }
        }
        "eventfd" => {
            d.text(uint(a[0]));
        }
        "eventfd2" => {
            d.text(uint(a[0])).text(flags(
                a[1] & 0xffff_ffff,
                flags::EVENTFD_FLAGS,
                Some("EFD_???"),
            ));
        }
        "inotify_init1" => {
            d.text(flags(
                a[0] & 0xffff_ffff,
                flags::INOTIFY_FLAGS,
                Some("IN_???"),
            ));
        }
        "futex" => futex(mem, a, d),

        // --- sockets
        "socket" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::ADDR_FAMILIES, "AF_???"))
                .text(flags::sock_type(a[1]));
            d.text(sock_proto(a[0], a[2]));
        }
        "socketpair" => {
            d.text(xval(a[0] & 0xffff_ffff, flags::ADDR_FAMILIES, "AF_???"))
                .text(flags::sock_type(a[1]))
                .text(sock_proto(a[0], a[2]))
                .out(Out::Ints(a[3], 2));
        }
        "connect" | "bind" => {
            d.text(fd(a[0]))
                .text(structs::sockaddr(mem, a[1], a[2] & 0xffff_ffff))
                .text(int(a[2]));
        }
        "accept" | "getsockname" | "getpeername" => {
            d.text(fd(a[0]))
                .out(Out::SockAddr(a[1], a[2]))
                .out(sock_len(mem, a[2]));
        }
        "accept4" => {
            d.text(fd(a[0]))
                .out(Out::SockAddr(a[1], a[2]))
                .out(sock_len(mem, a[2]))
                .text(flags(
                    a[3] & 0xffff_ffff,
                    flags::SOCK_FLAGS,
                    Some("SOCK_???"),
                ));
        }
        "listen" => {
            d.text(fd(a[0])).text(int(a[1]));
        }
        "shutdown" => {
            d.text(fd(a[0]))
                .text(xval(a[1] & 0xffff_ffff, flags::SHUTDOWN_HOW, "SHUT_???"));
        }
        "sendto" => {
            d.text(fd(a[0]))
                .text(strings::buf(mem, a[1], a[2]))
                .text(a[2].to_string())
                .text(flags(a[3] & 0xffff_ffff, flags::MSG_FLAGS, Some("MSG_???")))
                .text(structs::sockaddr(mem, a[4], a[5] & 0xffff_ffff))
                .text(int(a[5]));
        }
        "recvfrom" => {
            d.text(fd(a[0]))
                .out(Out::Buf(a[1]))
                .text(a[2].to_string())
                .text(flags(a[3] & 0xffff_ffff, flags::MSG_FLAGS, Some("MSG_???")))
                .out(Out::SockAddr(a[4], a[5]))
                .out(sock_len(mem, a[5]));
        }
        "sendmsg" | "recvmsg" => {
            d.text(fd(a[0])).text(addr(a[1])).text(flags(
                a[2] & 0xffff_ffff,
                flags::MSG_FLAGS,
                Some("MSG_???"),
            ));
        }
        _ => return false,
    }
    true
}

/// A socket length pointer, its value read now.
fn sock_len(mem: &dyn GuestMemory, a: u64) -> Out {
    Out::SockLen(a, structs::read::<u32>(mem, a))
}

fn clock(v: u64) -> String {
    xval(v & 0xffff_ffff, flags::CLOCKS, "CLOCK_???")
}

fn access_mode(v: u64) -> String {
    flags(v & 0xffff_ffff, flags::ACCESS_MODES, Some("?_OK"))
}

fn is_dev(mode: u64) -> bool {
    matches!(mode & 0o170000, 0o20000 | 0o60000)
}

fn makedev_arg(dev: u64) -> String {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    format!("makedev({major:#x}, {minor:#x})")
}

fn sock_proto(family: u64, proto: u64) -> String {
    match family & 0xffff_ffff {
        2 | 10 => xval(proto & 0xffff_ffff, flags::IP_PROTOS, "IPPROTO_???"),
        _ => int(proto),
    }
}

/// openat2's `struct open_how`.
fn open_how(mem: &dyn GuestMemory, a: u64, size: u64) -> String {
    if size < 24 {
        return addr(a);
    }
    let Some(b) = structs::bytes(mem, a, 24) else {
        return addr(a);
    };
    let word = |i: usize| u64::from_ne_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    let (fl, mode, resolve) = (word(0), word(1), word(2));
    let mut s = format!("{{flags={}", flags::open_flags(fl));
    if open_mode_needed(fl) || mode != 0 {
        s.push_str(&format!(", mode={}", flags::octal_mode(mode)));
    }
    static RESOLVE: flags::Table = &[
        (1, "RESOLVE_NO_XDEV"),
        (2, "RESOLVE_NO_MAGICLINKS"),
        (4, "RESOLVE_NO_SYMLINKS"),
        (8, "RESOLVE_BENEATH"),
        (0x10, "RESOLVE_IN_ROOT"),
        (0x20, "RESOLVE_CACHED"),
    ];
    s.push_str(&format!(
        ", resolve={}}}",
        flags(resolve, RESOLVE, Some("RESOLVE_???"))
    ));
    s
}

/// execve's argv: `["ls", "-la"]`, at most 32 strings of at most 32 bytes.
fn argv(mem: &dyn GuestMemory, a: u64) -> String {
    if a == 0 {
        return "NULL".to_string();
    }
    let mut out = Vec::new();
    for i in 0..=MAX_STRLEN as u64 {
        let Some(slot) = a.checked_add(i * 8) else {
            break;
        };
        let Ok(p) = mem.read_u64(slot) else {
            if i == 0 {
                return addr(a);
            }
            out.push(format!("... /* {} */", addr(slot)));
            break;
        };
        if p == 0 {
            break;
        }
        if i == MAX_STRLEN as u64 {
            out.push("...".to_string());
            break;
        }
        out.push(strings::cstr(mem, p, MAX_STRLEN));
    }
    format!("[{}]", out.join(", "))
}

/// execve's envp: `0x7ffe... /* 23 vars */`.
fn envp(mem: &dyn GuestMemory, a: u64) -> String {
    if a == 0 {
        return "NULL".to_string();
    }
    // Count the pointers up to the NULL, 64 at a time (one read each), and
    // one by one where a block is not wholly readable.
    const MAX_VARS: u64 = 1 << 16;
    let mut n = 0u64;
    'outer: while n < MAX_VARS {
        let Some(slot) = a.checked_add(n * 8) else {
            return addr(a);
        };
        let mut block = [0u8; 512];
        if mem.read(slot, &mut block).is_ok() {
            for p in block.chunks_exact(8) {
                if p.iter().all(|&b| b == 0) {
                    break 'outer;
                }
                n += 1;
            }
            continue;
        }
        match mem.read_u64(slot) {
            Ok(0) => break,
            Ok(_) => n += 1,
            Err(_) => return addr(a),
        }
    }
    format!("{} /* {n} vars */", addr(a))
}

/// clone's flags: `CLONE_VM|...|SIGCHLD`.
fn clone_flags(fl: u64) -> String {
    let sig = fl & 0xff;
    let rest = fl & !0xff;
    let mut parts = Vec::new();
    if rest != 0 {
        parts.push(flags(rest, flags::CLONE_FLAGS, None));
    }
    if sig != 0 || parts.is_empty() {
        parts.push(if sig == 0 {
            "0".to_string()
        } else {
            flags::signal(sig)
        });
    }
    parts.join("|")
}

const CLONE_PIDFD: u64 = 0x1000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;

fn clone(a: &[u64; 6], d: &mut Decoded) {
    // x86_64: flags, newsp, parent_tid, child_tid, tls.
    let fl = a[0];
    d.text(format!("child_stack={}", addr(a[1])))
        .text(format!("flags={}", clone_flags(fl)));
    if fl & (CLONE_PARENT_SETTID | CLONE_PIDFD) != 0 {
        d.text(format!("parent_tid={}", addr(a[2])));
    }
    if fl & CLONE_SETTLS != 0 {
        d.text(format!("tls={}", addr(a[4])));
    }
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        d.text(format!("child_tidptr={}", addr(a[3])));
    }
}

/// clone3's `struct clone_args` at entry.
fn clone3_args(mem: &dyn GuestMemory, a: u64, size: u64) -> (String, Option<u64>) {
    if size < 64 {
        return (addr(a), None);
    }
    let Some(b) = structs::bytes(mem, a, 88.min(size as usize)) else {
        return (addr(a), None);
    };
    let w = |i: usize| {
        b.get(i * 8..i * 8 + 8)
            .map(|s| u64::from_ne_bytes(s.try_into().unwrap_or([0; 8])))
            .unwrap_or(0)
    };
    let fl = w(0);
    let mut f = vec![format!("flags={}", flags(fl, flags::CLONE_FLAGS, None))];
    if fl & CLONE_PIDFD != 0 {
        f.push(format!("pidfd={}", addr(w(1))));
    }
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        f.push(format!("child_tid={}", addr(w(2))));
    }
    if fl & CLONE_PARENT_SETTID != 0 {
        f.push(format!("parent_tid={}", addr(w(3))));
    }
    let sig = w(4);
    f.push(format!(
        "exit_signal={}",
        if sig == 0 {
            "0".to_string()
        } else {
            flags::signal(sig)
        }
    ));
    f.push(format!("stack={}", addr(w(5))));
    f.push(format!("stack_size={}", hex(w(6))));
    if fl & CLONE_SETTLS != 0 {
        f.push(format!("tls={}", addr(w(7))));
    }
    if w(9) != 0 {
        f.push(format!("set_tid={}", addr(w(8))));
        f.push(format!("set_tid_size={}", w(9)));
    }
    let parent_tid = if fl & CLONE_PARENT_SETTID != 0 && w(3) != 0 {
        Some(w(3))
    } else {
        None
    };
    (format!("{{{}}}", f.join(", ")), parent_tid)
}

fn fcntl(mem: &dyn GuestMemory, a: &[u64; 6], d: &mut Decoded) {
    let cmd = a[1] & 0xffff_ffff;
    d.text(fd(a[0])).text(xval(cmd, flags::FCNTL_CMDS, "F_???"));
    match cmd {
        2 => {
            d.text(flags(a[2] & 0xffff_ffff, flags::FD_FLAGS, Some("FD_???")));
        }
        4 => {
            d.text(flags::open_flags(a[2]));
        }
        0 | 1030 | 8 | 1031 | 1027 => {
            d.text(int(a[2]));
        }
        6 | 7 | 37 | 38 => {
            d.text(structs::flock(mem, a[2], false));
        }
        5 | 36 => {
            d.out(Out::Flock(a[2]));
        }
        10 => {
            d.text(flags::signal(a[2]));
        }
        1024 => {
            d.text(xval(a[2] & 0xffff_ffff, flags::LOCK_TYPES, "F_???"));
        }
        1026 => {
            d.text(flags(
                a[2] & 0xffff_ffff,
                flags::NOTIFY_FLAGS,
                Some("DN_???"),
            ));
        }
        1033 => {
            d.text(flags(a[2] & 0xffff_ffff, flags::SEALS, Some("F_SEAL_???")));
        }
        1 => {
            d.ret(Ret::FdFlags);
        }
        3 => {
            d.ret(Ret::OpenFlags);
        }
        1034 => {
            d.ret(Ret::Seals);
        }
        9 | 11 | 1025 | 1032 | 1028 => {}
        _ => {
            d.text(hex(a[2]));
        }
    }
}

fn ioctl(mem: &dyn GuestMemory, a: &[u64; 6], d: &mut Decoded) {
    let req = a[1] & 0xffff_ffff;
    d.text(fd(a[0])).text(flags::ioctl_request(req));
    let arg = a[2];
    match req {
        0x5401 => {
            d.out(Out::Termios(arg));
        }
        0x5402..=0x5404 => {
            d.text(structs::termios(mem, arg));
        }
        0x5413 => {
            d.out(Out::Winsize(arg));
        }
        0x5414 => {
            d.text(structs::winsize(mem, arg));
        }
        0x540a => {
            d.text(xval(
                arg,
                &[(0, "TCOOFF"), (1, "TCOON"), (2, "TCIOFF"), (3, "TCION")],
                "TC???",
            ));
        }
        0x540b => {
            d.text(xval(
                arg,
                &[(0, "TCIFLUSH"), (1, "TCOFLUSH"), (2, "TCIOFLUSH")],
                "TC???",
            ));
        }
        0x5409 | 0x5425 | 0x540e | 0x4004_9409 => {
            d.text(int(arg));
        }
        0x540f | 0x5429 | 0x5424 | 0x541b | 0x5411 | 0x8004_5430 | 0x8004_5432 | 0x8004_5440 => {
            d.out(Out::IntPtr(arg));
        }
        0x5410 | 0x5423 | 0x5421 | 0x5452 | 0x5420 | 0x541a | 0x4004_5431 => {
            d.text(structs::int_ptr(mem, arg));
        }
        0x5427 | 0x5428 | 0x541d | 0x5422 | 0x540c | 0x540d | 0x5451 | 0x5450 => {}
        _ => {
            d.text(hex(arg));
        }
    }
}

fn futex(mem: &dyn GuestMemory, a: &[u64; 6], d: &mut Decoded) {
    const PRIVATE: u64 = 128;
    const CLOCK_RT: u64 = 256;
    let op = a[1] & 0xffff_ffff;
    let cmd = op & !(PRIVATE | CLOCK_RT);
    let mut op_s = match flags::lookup(cmd, flags::FUTEX_OPS) {
        Some(n) if op & PRIVATE != 0 => format!("{n}_PRIVATE"),
        Some(n) => n.to_string(),
        None => hex(op),
    };
    let known = flags::lookup(cmd, flags::FUTEX_OPS).is_some();
    if known && op & CLOCK_RT != 0 {
        op_s.push_str("|FUTEX_CLOCK_REALTIME");
    }
    d.text(addr(a[0])).text(op_s);
    let val = || uint(a[2]);
    let timeout = |v: u64| {
        if v == 0 {
            "NULL".to_string()
        } else {
            structs::timespec(mem, v)
        }
    };
    let bitset = |v: u64| {
        if v & 0xffff_ffff == 0xffff_ffff {
            "FUTEX_BITSET_MATCH_ANY".to_string()
        } else {
            hex(v & 0xffff_ffff)
        }
    };
    if !known {
        for &v in &a[2..] {
            d.text(hex(v));
        }
        return;
    }
    match cmd {
        0 => {
            d.text(val()).text(timeout(a[3]));
        }
        9 => {
            d.text(val()).text(timeout(a[3])).text(bitset(a[5]));
        }
        1 => {
            d.text(val());
        }
        10 => {
            d.text(val()).text(bitset(a[5]));
        }
        3 => {
            d.text(val()).text(uint(a[3])).text(addr(a[4]));
        }
        4 | 12 => {
            d.text(val())
                .text(uint(a[3]))
                .text(addr(a[4]))
                .text(uint(a[5]));
        }
        5 => {
            d.text(val())
                .text(uint(a[3]))
                .text(addr(a[4]))
                .text(hex(a[5] & 0xffff_ffff));
        }
        6 | 13 => {
            d.text(timeout(a[3]));
        }
        7 | 8 => {}
        11 => {
            d.text(val()).text(timeout(a[3])).text(addr(a[4]));
        }
        _ => {
            d.text(val());
        }
    }
}

fn prctl(mem: &dyn GuestMemory, a: &[u64; 6], d: &mut Decoded) {
    let opt = a[0] & 0xffff_ffff;
    d.text(xval(opt, flags::PRCTL_OPTIONS, "PR_???"));
    match opt {
        15 => {
            d.text(strings::cstr(mem, a[1], 16));
        }
        16 => {
            d.out(Out::Path(a[1]));
        }
        1 => {
            d.text(flags::signal(a[1]));
        }
        2 => {
            d.out(Out::IntPtr(a[1]));
        }
        3 | 7 | 21 | 37 | 39 => {}
        4 | 8 | 24 | 23 | 36 => {
            d.text(uint(a[1]));
        }
        0x59616d61 => {
            d.text(int(a[1]));
        }
        38 => {
            d.text(uint(a[1]))
                .text(uint(a[2]))
                .text(uint(a[3]))
                .text(uint(a[4]));
        }
        _ => {
            for &v in &a[1..5] {
                d.text(hex(v));
            }
        }
    }
}
