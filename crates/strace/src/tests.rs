//! Lines checked against what `strace` 6.1 printed for the same calls on
//! the development machine.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex};

use trapline_abi::structs::Stat;
use trapline_abi::{Errno, Plain};
use trapline_platform::{GuestMemory, SyscallArgs};

use super::{render, Tracer};

/// Guest memory made of a few mapped regions; anything else faults.
#[derive(Default)]
struct FakeMem {
    regions: RefCell<Vec<(u64, Vec<u8>)>>,
}

impl FakeMem {
    fn new() -> FakeMem {
        FakeMem::default()
    }

    fn map(&self, addr: u64, data: &[u8]) -> u64 {
        self.regions.borrow_mut().push((addr, data.to_vec()));
        addr
    }

    /// Maps a NUL-terminated string.
    fn cstr(&self, addr: u64, s: &str) -> u64 {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.map(addr, &v)
    }

    fn byte(&self, a: u64) -> Option<u8> {
        self.regions
            .borrow()
            .iter()
            .rev()
            .find(|(base, d)| a >= *base && a - *base < d.len() as u64)
            .map(|(base, d)| d[(a - base) as usize])
    }
}

impl GuestMemory for FakeMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        for (i, b) in buf.iter_mut().enumerate() {
            let a = addr.checked_add(i as u64).ok_or(Errno::EFAULT)?;
            *b = self.byte(a).ok_or(Errno::EFAULT)?;
        }
        Ok(())
    }

    fn write(&self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        self.map(addr, data);
        Ok(())
    }
}

fn call(nr: u64, args: &[u64]) -> SyscallArgs {
    let mut a = [0u64; 6];
    a[..args.len()].copy_from_slice(args);
    SyscallArgs {
        nr,
        args: a,
        ip: 0x401000,
    }
}

fn err(e: Errno) -> Option<i64> {
    Some(-(e.0 as i64))
}

const AT_FDCWD: u64 = -100i64 as u64;
const O_CLOEXEC: u64 = 0o2000000;

#[test]
fn openat_success_and_errors() {
    let m = FakeMem::new();
    let p = m.cstr(0x1000, "/etc/passwd");
    assert_eq!(
        render(&m, &call(257, &[AT_FDCWD, p, O_CLOEXEC]), Some(3)),
        r#"openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3"#
    );
    let p = m.cstr(0x2000, "/nope");
    assert_eq!(
        render(&m, &call(257, &[AT_FDCWD, p, 0]), err(Errno::ENOENT)),
        r#"openat(AT_FDCWD, "/nope", O_RDONLY)     = -1 ENOENT (No such file or directory)"#
    );
    // A bad string pointer prints as hex; NULL as NULL.
    assert_eq!(
        render(&m, &call(257, &[AT_FDCWD, 0x1234, 0]), err(Errno::EFAULT)),
        "openat(AT_FDCWD, 0x1234, O_RDONLY)      = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        render(&m, &call(2, &[0, 0]), err(Errno::EFAULT)),
        "open(NULL, O_RDONLY)                    = -1 EFAULT (Bad address)"
    );
    // O_CREAT shows the mode; unknown flag bits print as hex.
    let p = m.cstr(0x3000, "/tmp/st/newfile\n");
    assert_eq!(
        render(&m, &call(257, &[AT_FDCWD, p, 0x4000_0241, 0o644]), Some(3)),
        r#"openat(AT_FDCWD, "/tmp/st/newfile\n", O_WRONLY|O_CREAT|O_TRUNC|0x40000000, 0644) = 3"#
    );
    // Garbage in the upper half of an int argument is ignored, as the kernel does.
    assert_eq!(
        render(
            &m,
            &call(257, &[0xdead_0000_0005, p, 0xffff_ffff_0000_0000]),
            err(Errno::ENOENT)
        ),
        r#"openat(5, "/tmp/st/newfile\n", O_RDONLY) = -1 ENOENT (No such file or directory)"#
    );
}

#[test]
fn paths_are_not_cut_at_32() {
    let m = FakeMem::new();
    let long = format!("/{}", "a".repeat(83));
    let p = m.cstr(0x1000, &long);
    assert_eq!(
        render(&m, &call(87, &[p]), Some(0)),
        format!("unlink(\"{long}\") = 0")
    );
}

#[test]
fn write_escapes_and_truncates() {
    let m = FakeMem::new();
    let b = m.map(0x1000, b"hello\n\t\"\\ \x01\x7f\xff0abc");
    assert_eq!(
        render(&m, &call(1, &[1, b, 17]), Some(17)),
        r#"write(1, "hello\n\t\"\\ \1\177\3770abc", 17) = 17"#
    );
    let b = m.map(0x2000, &[b'a'; 46]);
    assert_eq!(
        render(&m, &call(1, &[1, b, 40]), Some(40)),
        r#"write(1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"..., 40) = 40"#
    );
    assert_eq!(
        render(&m, &call(1, &[1, b, 32]), Some(32)),
        r#"write(1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32) = 32"#
    );
    assert_eq!(
        render(&m, &call(1, &[1, 0x1234, 5]), Some(5)),
        "write(1, 0x1234, 5)                     = 5"
    );
    assert_eq!(
        render(&m, &call(1, &[1, 0, 5]), Some(5)),
        "write(1, NULL, 5)                       = 5"
    );
    let b = m.map(0x3000, b"a\x011\x018\0");
    assert_eq!(
        render(&m, &call(1, &[1, b, 6]), Some(6)),
        r#"write(1, "a\0011\18\0", 6)              = 6"#
    );
    // A huge length with a short mapping: only the first 32 bytes are read.
    assert_eq!(
        render(&m, &call(1, &[1, 0x2000, u64::MAX]), err(Errno::EFAULT)),
        r#"write(1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"..., 18446744073709551615) = -1 EFAULT (Bad address)"#
    );
}

#[test]
fn read_shows_what_was_read() {
    let m = FakeMem::new();
    let elf: Vec<u8> = vec![
        0x7f, b'E', b'L', b'F', 2, 1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, b'>', 0, 1, 0, 0, 0,
        0x10, b't', 2, 0, 0, 0, 0, 0, 0x40, 0,
    ];
    let b = m.map(0x1000, &elf);
    assert_eq!(
        render(&m, &call(0, &[3, b, 832]), Some(832)),
        r#"read(3, "\177ELF\2\1\1\3\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\20t\2\0\0\0\0\0"..., 832) = 832"#
    );
    let b = m.map(0x2000, b"vm\nxxxx");
    assert_eq!(
        render(&m, &call(0, &[3, b, 131072]), Some(3)),
        r#"read(3, "vm\n", 131072)                 = 3"#
    );
    assert_eq!(
        render(&m, &call(0, &[3, b, 131072]), Some(0)),
        r#"read(3, "", 131072)                     = 0"#
    );
    assert_eq!(
        render(&m, &call(0, &[99, 0x7ffd1ff6f6d0, 10]), err(Errno::EBADF)),
        "read(99, 0x7ffd1ff6f6d0, 10)            = -1 EBADF (Bad file descriptor)"
    );
}

#[test]
fn mmap_family() {
    let m = FakeMem::new();
    assert_eq!(
        render(
            &m,
            &call(9, &[0, 8192, 3, 0x22, u64::MAX, 0]),
            Some(0x7f33_fba2_8000)
        ),
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f33fba28000"
    );
    assert_eq!(
        render(&m, &call(9, &[0x7f33_fb86_3000, 1_400_832, 5, 0x812, 3, 0x26000]), Some(0x7f33_fb86_3000)),
        "mmap(0x7f33fb863000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7f33fb863000"
    );
    assert_eq!(
        render(&m, &call(9, &[0, 4096, 0x107, 0x810_8001, 3, 4096]), err(Errno::EACCES)),
        "mmap(NULL, 4096, PROT_READ|PROT_WRITE|PROT_EXEC|0x100, MAP_SHARED|MAP_POPULATE|MAP_FIXED_NOREPLACE|2<<MAP_HUGE_SHIFT, 3, 0x1000) = -1 EACCES (Permission denied)"
    );
    assert_eq!(
        render(&m, &call(12, &[0]), Some(0x563c_5842_5000)),
        "brk(NULL)                               = 0x563c58425000"
    );
    assert_eq!(
        render(&m, &call(10, &[0x7f33_fba0_c000, 16384, 1]), Some(0)),
        "mprotect(0x7f33fba0c000, 16384, PROT_READ) = 0"
    );
    assert_eq!(
        render(&m, &call(11, &[0x7f33_fba1_f000, 33975]), Some(0)),
        "munmap(0x7f33fba1f000, 33975)           = 0"
    );
    assert_eq!(
        render(
            &m,
            &call(25, &[0x1000, 4096, 8192, 1, 0]),
            err(Errno::EFAULT)
        ),
        "mremap(0x1000, 4096, 8192, MREMAP_MAYMOVE) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn calls_that_do_not_return() {
    let m = FakeMem::new();
    assert_eq!(
        render(&m, &call(231, &[0]), None),
        "exit_group(0)                           = ?"
    );
    assert_eq!(
        render(&m, &call(60, &[7]), None),
        "exit(7)                                 = ?"
    );
}

fn stat_bytes(mode: u32, size: i64, rdev: u64) -> Vec<u8> {
    let mut st = Stat::zeroed();
    st.st_mode = mode;
    st.st_size = size;
    st.st_rdev = rdev;
    st.as_bytes().to_vec()
}

#[test]
fn stat_family() {
    let m = FakeMem::new();
    let st = m.map(0x5000, &stat_bytes(0o20666, 0, 0x103));
    assert_eq!(
        render(&m, &call(5, &[0, st]), Some(0)),
        "fstat(0, {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0"
    );
    assert_eq!(
        render(&m, &call(5, &[99, 0x7fff_b373_17b0]), err(Errno::EBADF)),
        "fstat(99, 0x7fffb37317b0)               = -1 EBADF (Bad file descriptor)"
    );
    let empty = m.cstr(0x1000, "");
    let st = m.map(0x6000, &stat_bytes(0o100644, 33975, 0));
    assert_eq!(
        render(&m, &call(262, &[3, empty, st, 0x1000]), Some(0)),
        r#"newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=33975, ...}, AT_EMPTY_PATH) = 0"#
    );
    let etc = m.cstr(0x2000, "/etc");
    let st = m.map(0x7000, &stat_bytes(0o40755, 4096, 0));
    assert_eq!(
        render(&m, &call(262, &[AT_FDCWD, etc, st, 0]), Some(0)),
        r#"newfstatat(AT_FDCWD, "/etc", {st_mode=S_IFDIR|0755, st_size=4096, ...}, 0) = 0"#
    );
    assert_eq!(
        render(
            &m,
            &call(262, &[AT_FDCWD, etc, 0x7fff_b373_17b0, 0x80_1900]),
            err(Errno::EINVAL)
        ),
        r#"newfstatat(AT_FDCWD, "/etc", 0x7fffb37317b0, AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH|0x800000) = -1 EINVAL (Invalid argument)"#
    );
    // A successful call whose buffer is unreadable still prints the address.
    assert_eq!(
        render(&m, &call(6, &[etc, 0x10]), Some(0)),
        r#"lstat("/etc", 0x10)                     = 0"#
    );
}

#[test]
fn unknown_syscall_numbers() {
    let m = FakeMem::new();
    assert_eq!(
        render(&m, &call(0x1c5, &[1, 2, 3, 4, 5, 6]), err(Errno::ENOSYS)),
        "syscall_0x1c5(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"
    );
    assert_eq!(
        render(&m, &call(u64::MAX, &[0; 6]), err(Errno::ENOSYS)),
        "syscall_0xffffffffffffffff(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)"
    );
}

#[test]
fn access_lseek_fcntl_dup() {
    let m = FakeMem::new();
    let p = m.cstr(0x1000, "/etc/ld.so.preload");
    assert_eq!(
        render(&m, &call(21, &[p, 4]), err(Errno::ENOENT)),
        r#"access("/etc/ld.so.preload", R_OK)      = -1 ENOENT (No such file or directory)"#
    );
    let p = m.cstr(0x2000, "/etc/passwd");
    assert_eq!(
        render(&m, &call(21, &[p, 0x10]), err(Errno::EINVAL)),
        r#"access("/etc/passwd", 0x10 /* ?_OK */)  = -1 EINVAL (Invalid argument)"#
    );
    assert_eq!(
        render(&m, &call(21, &[p, 0]), Some(0)),
        r#"access("/etc/passwd", F_OK)             = 0"#
    );
    assert_eq!(
        render(&m, &call(8, &[0, 10, 0]), Some(0)),
        "lseek(0, 10, SEEK_SET)                  = 0"
    );
    assert_eq!(
        render(&m, &call(8, &[0, 10, 7]), err(Errno::EINVAL)),
        "lseek(0, 10, 0x7 /* SEEK_??? */)        = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        render(&m, &call(72, &[0, 1]), Some(0)),
        "fcntl(0, F_GETFD)                       = 0"
    );
    assert_eq!(
        render(&m, &call(72, &[0, 1]), Some(1)),
        "fcntl(0, F_GETFD)                       = 0x1 (flags FD_CLOEXEC)"
    );
    assert_eq!(
        render(&m, &call(72, &[11, 2, 1]), Some(0)),
        "fcntl(11, F_SETFD, FD_CLOEXEC)          = 0"
    );
    assert_eq!(
        render(&m, &call(72, &[0, 3]), Some(0x8000)),
        "fcntl(0, F_GETFL)                       = 0x8000 (flags O_RDONLY|O_LARGEFILE)"
    );
    assert_eq!(
        render(&m, &call(72, &[0, 4, 0o4002]), Some(0)),
        "fcntl(0, F_SETFL, O_RDWR|O_NONBLOCK)    = 0"
    );
    assert_eq!(
        render(&m, &call(72, &[0, 1030, 10]), Some(11)),
        "fcntl(0, F_DUPFD_CLOEXEC, 10)           = 11"
    );
    assert_eq!(
        render(&m, &call(72, &[0, 1234, 10]), err(Errno::EINVAL)),
        "fcntl(0, 0x4d2 /* F_??? */, 0xa)        = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        render(&m, &call(292, &[0, 20, O_CLOEXEC]), Some(20)),
        "dup3(0, 20, O_CLOEXEC)                  = 20"
    );
    assert_eq!(
        render(&m, &call(33, &[0, 22]), Some(22)),
        "dup2(0, 22)                             = 22"
    );
    assert_eq!(
        render(&m, &call(436, &[100, u32::MAX as u64, 4]), Some(0)),
        "close_range(100, 4294967295, CLOSE_RANGE_CLOEXEC) = 0"
    );
}

#[test]
fn process_setup_calls() {
    let m = FakeMem::new();
    m.map(0x1000, &0x7f0d_dcca_16c0u64.to_ne_bytes());
    assert_eq!(
        render(&m, &call(158, &[0x1002, 0x7f33_fb83_a740]), Some(0)),
        "arch_prctl(ARCH_SET_FS, 0x7f33fb83a740) = 0"
    );
    assert_eq!(
        render(&m, &call(158, &[0x1003, 0x1000]), Some(0)),
        "arch_prctl(ARCH_GET_FS, [0x7f0ddcca16c0]) = 0"
    );
    assert_eq!(
        render(&m, &call(158, &[0x3001, 0]), err(Errno::EINVAL)),
        "arch_prctl(0x3001 /* ARCH_??? */, 0)    = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        render(&m, &call(218, &[0x7f33_fb83_aa10]), Some(7857)),
        "set_tid_address(0x7f33fb83aa10)         = 7857"
    );
    assert_eq!(
        render(&m, &call(273, &[0x7f33_fb83_aa20, 24]), Some(0)),
        "set_robust_list(0x7f33fb83aa20, 24)     = 0"
    );
    assert_eq!(
        render(
            &m,
            &call(334, &[0x7f33_fb83_b060, 0x20, 0, 0x5305_3053]),
            Some(0)
        ),
        "rseq(0x7f33fb83b060, 0x20, 0, 0x53053053) = 0"
    );
    let mut rl = Vec::new();
    rl.extend_from_slice(&(8192u64 * 1024).to_ne_bytes());
    rl.extend_from_slice(&u64::MAX.to_ne_bytes());
    let r = m.map(0x2000, &rl);
    assert_eq!(
        render(&m, &call(302, &[0, 3, 0, r]), Some(0)),
        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0"
    );
    let g = m.map(0x3000, &[0xb9, 0x92, 0x11, 0xbe, 0x03, 0xe5, 0xe3, 0x97]);
    assert_eq!(
        render(&m, &call(318, &[g, 8, 1]), Some(8)),
        r#"getrandom("\xb9\x92\x11\xbe\x03\xe5\xe3\x97", 8, GRND_NONBLOCK) = 8"#
    );
}

#[test]
fn execve_argv_and_envp() {
    let m = FakeMem::new();
    let path = m.cstr(0x1000, "/bin/ls");
    let a0 = m.cstr(0x1100, "ls");
    let a1 = m.cstr(0x1200, "-la");
    let e0 = m.cstr(0x1300, "A=1");
    let mut argv = Vec::new();
    for p in [a0, a1, 0] {
        argv.extend_from_slice(&p.to_ne_bytes());
    }
    let argv = m.map(0x2000, &argv);
    let mut envp = Vec::new();
    for p in [e0, e0, e0, 0] {
        envp.extend_from_slice(&p.to_ne_bytes());
    }
    let envp = m.map(0x7ffe_0000, &envp);
    assert_eq!(
        render(&m, &call(59, &[path, argv, envp]), Some(0)),
        r#"execve("/bin/ls", ["ls", "-la"], 0x7ffe0000 /* 3 vars */) = 0"#
    );
    // 40 arguments: 32 shown, then `...`; long strings cut at 32.
    let long = m.cstr(0x3000, "0123456789012345678901234567890123456789");
    let mut many = Vec::new();
    for _ in 0..40 {
        many.extend_from_slice(&long.to_ne_bytes());
    }
    many.extend_from_slice(&0u64.to_ne_bytes());
    let many = m.map(0x4000, &many);
    let line = render(&m, &call(59, &[path, many, 0]), err(Errno::ENOENT));
    let one = r#""01234567890123456789012345678901"..."#;
    let expected = format!(
        "execve(\"/bin/ls\", [{}, ...], NULL) = -1 ENOENT (No such file or directory)",
        vec![one; 32].join(", ")
    );
    assert_eq!(line, expected);
    // An unreadable argv.
    assert_eq!(
        render(
            &m,
            &call(59, &[path, 0xdead_0000, 0xbeef_0000]),
            err(Errno::EFAULT)
        ),
        r#"execve("/bin/ls", 0xdead0000, 0xbeef0000) = -1 EFAULT (Bad address)"#
    );
}

#[test]
fn signals() {
    let m = FakeMem::new();
    let set = m.map(0x1000, &[0b110, 0, 0, 0, 0, 0, 0, 0]);
    let old = m.map(0x2000, &[0; 8]);
    assert_eq!(
        render(&m, &call(14, &[0, set, old, 8]), Some(0)),
        "rt_sigprocmask(SIG_BLOCK, [INT QUIT], [], 8) = 0"
    );
    assert_eq!(
        render(&m, &call(14, &[2, old, 0, 8]), Some(0)),
        "rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0"
    );
    let full = m.map(0x3000, &[0xff, 0xff, 0xff, 0x7f, 0xfe, 0xff, 0xff, 0xff]);
    assert_eq!(
        render(&m, &call(14, &[1, full, 0, 8]), Some(0)),
        "rt_sigprocmask(SIG_UNBLOCK, ~[RTMIN RT_1], NULL, 8) = 0"
    );
    assert_eq!(
        render(&m, &call(14, &[7, set, 1, 8]), err(Errno::EINVAL)),
        "rt_sigprocmask(0x7 /* SIG_??? */, [INT QUIT], 0x1, 8) = -1 EINVAL (Invalid argument)"
    );
    let mut act = Vec::new();
    for w in [0x5566_0000_11d9u64, 0x1400_0004, 0x7f5f_bdbf_e050, 1 << 14] {
        act.extend_from_slice(&w.to_ne_bytes());
    }
    let act = m.map(0x4000, &act);
    assert_eq!(
        render(&m, &call(13, &[10, act, 0, 8]), Some(0)),
        "rt_sigaction(SIGUSR1, {sa_handler=0x5566000011d9, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO, sa_restorer=0x7f5fbdbfe050}, NULL, 8) = 0"
    );
    let oact = m.map(0x5000, &[0; 32]);
    assert_eq!(
        render(&m, &call(13, &[2, 0, oact, 8]), Some(0)),
        "rt_sigaction(SIGINT, NULL, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0"
    );
    assert_eq!(
        render(&m, &call(13, &[99, 0, 0, 8]), err(Errno::EINVAL)),
        "rt_sigaction(99, NULL, NULL, 8)         = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        render(&m, &call(13, &[37, 0, 0, 8]), Some(0)),
        "rt_sigaction(SIGRT_5, NULL, NULL, 8)    = 0"
    );
    assert_eq!(
        render(&m, &call(62, &[8372, 18]), Some(0)),
        "kill(8372, SIGCONT)                     = 0"
    );
    assert_eq!(
        render(&m, &call(62, &[8372, 0x77]), err(Errno::EINVAL)),
        "kill(8372, 119)                         = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn output_structs() {
    let m = FakeMem::new();
    let mut ts = Vec::new();
    ts.extend_from_slice(&737i64.to_ne_bytes());
    ts.extend_from_slice(&718_798_357i64.to_ne_bytes());
    let t = m.map(0x1000, &ts);
    assert_eq!(
        render(&m, &call(228, &[1, t]), Some(0)),
        "clock_gettime(CLOCK_MONOTONIC, {tv_sec=737, tv_nsec=718798357}) = 0"
    );
    assert_eq!(
        render(&m, &call(228, &[7, 0]), err(Errno::EFAULT)),
        "clock_gettime(CLOCK_BOOTTIME, NULL)     = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        render(&m, &call(228, &[77, 0x7fff_b373_16a0]), err(Errno::EINVAL)),
        "clock_gettime(0x4d /* CLOCK_??? */, 0x7fffb37316a0) = -1 EINVAL (Invalid argument)"
    );
    let mut uts = vec![0u8; 65 * 6];
    uts[..5].copy_from_slice(b"Linux");
    uts[65..67].copy_from_slice(b"vm");
    let u = m.map(0x2000, &uts);
    assert_eq!(
        render(&m, &call(63, &[u]), Some(0)),
        r#"uname({sysname="Linux", nodename="vm", ...}) = 0"#
    );
    let cwd = m.cstr(0x3000, "/tmp/st");
    assert_eq!(
        render(&m, &call(79, &[cwd, 256]), Some(8)),
        r#"getcwd("/tmp/st", 256)                  = 8"#
    );
    assert_eq!(
        render(&m, &call(79, &[cwd, 2]), err(Errno::ERANGE)),
        "getcwd(0x3000, 2)                       = -1 ERANGE (Numerical result out of range)"
    );
    let exe = m.cstr(0x4000, "/proc/self/exe");
    let buf = m.map(0x5000, b"/tmp/st/t1xxxxxxxx");
    assert_eq!(
        render(&m, &call(89, &[exe, buf, 256]), Some(10)),
        r#"readlink("/proc/self/exe", "/tmp/st/t1", 256) = 10"#
    );
    assert_eq!(
        render(&m, &call(89, &[exe, buf, 4]), Some(4)),
        r#"readlink("/proc/self/exe", "/tmp", 4)   = 4"#
    );
    let fds = m.map(0x6000, &[6, 0, 0, 0, 7, 0, 0, 0]);
    assert_eq!(
        render(&m, &call(22, &[fds]), Some(0)),
        "pipe([6, 7])                            = 0"
    );
    assert_eq!(
        render(&m, &call(293, &[fds, 0o2004000]), Some(0)),
        "pipe2([6, 7], O_NONBLOCK|O_CLOEXEC)     = 0"
    );
    assert_eq!(
        render(
            &m,
            &call(16, &[1, 0x5401, 0x7fff_b373_17b0]),
            err(Errno::ENOTTY)
        ),
        "ioctl(1, TCGETS, 0x7fffb37317b0)        = -1 ENOTTY (Inappropriate ioctl for device)"
    );
    let ws = m.map(0x7000, &[24, 0, 80, 0, 0, 0, 0, 0]);
    assert_eq!(
        render(&m, &call(16, &[1, 0x5413, ws]), Some(0)),
        "ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0"
    );
    assert_eq!(
        render(&m, &call(16, &[1, 0x1234_5678, 0x7fff_b373_17b0]), err(Errno::ENOTTY)),
        "ioctl(1, _IOC(_IOC_NONE, 0x56, 0x78, 0x1234), 0x7fffb37317b0) = -1 ENOTTY (Inappropriate ioctl for device)"
    );
    let mut tio = Vec::new();
    for w in [0o2400u32, 0o5, 0o277, 0o105073] {
        tio.extend_from_slice(&w.to_ne_bytes());
    }
    tio.extend_from_slice(&[0; 20]);
    let tio = m.map(0x8000, &tio);
    assert_eq!(
        render(&m, &call(16, &[0, 0x5401, tio]), Some(0)),
        "ioctl(0, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0"
    );
    let st = m.map(0x9000, &[0, 5, 0, 0]);
    assert_eq!(
        render(&m, &call(61, &[14045, st, 0, 0]), Some(14045)),
        "wait4(14045, [{WIFEXITED(s) && WEXITSTATUS(s) == 5}], 0, NULL) = 14045"
    );
    assert_eq!(
        render(
            &m,
            &call(61, &[u32::MAX as u64, 0x7ffc_9c05_d12c, 1, 0]),
            err(Errno::ECHILD)
        ),
        "wait4(-1, 0x7ffc9c05d12c, WNOHANG, NULL) = -1 ECHILD (No child processes)"
    );
}

#[test]
fn misc_calls() {
    let m = FakeMem::new();
    assert_eq!(
        render(&m, &call(95, &[0o22]), Some(0o22)),
        "umask(022)                              = 022"
    );
    let p = m.cstr(0x1000, "/nonexist");
    assert_eq!(
        render(&m, &call(90, &[p, 0o4755]), err(Errno::ENOENT)),
        r#"chmod("/nonexist", 04755)               = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        render(&m, &call(83, &[p, 0]), err(Errno::ENOENT)),
        r#"mkdir("/nonexist", 000)                 = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        render(&m, &call(263, &[AT_FDCWD, p, 0x200]), err(Errno::ENOENT)),
        r#"unlinkat(AT_FDCWD, "/nonexist", AT_REMOVEDIR) = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        render(&m, &call(39, &[]), Some(8212)),
        "getpid()                                = 8212"
    );
    assert_eq!(
        render(&m, &call(201, &[0]), Some(1_795_459_781)),
        "time(NULL)                              = 1795459781 (2026-11-23T18:49:41+0000)"
    );
    assert_eq!(
        render(&m, &call(41, &[2, 1, 0]), Some(3)),
        "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3"
    );
    assert_eq!(
        render(&m, &call(41, &[1, 0o2000001, 0]), Some(3)),
        "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3"
    );
    let mut sin = vec![2, 0, 0, 53, 127, 0, 0, 1];
    sin.extend_from_slice(&[0; 8]);
    let sin = m.map(0x2000, &sin);
    let abc = m.map(0x3000, b"abc");
    assert_eq!(
        render(&m, &call(44, &[4, abc, 3, 0x40, sin, 16]), Some(3)),
        r#"sendto(4, "abc", 3, MSG_DONTWAIT, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.1")}, 16) = 3"#
    );
    assert_eq!(
        render(
            &m,
            &call(202, &[0x7f37_9277_7a4c, 0x81, 0x7fff_ffff]),
            Some(0)
        ),
        "futex(0x7f3792777a4c, FUTEX_WAKE_PRIVATE, 2147483647) = 0"
    );
    assert_eq!(
        render(&m, &call(202, &[0x7f0d_dcca_1990, 0x109, 14044, 0, 0, 0xffff_ffff]), Some(0)),
        "futex(0x7f0ddcca1990, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 14044, NULL, FUTEX_BITSET_MATCH_ANY) = 0"
    );
    let mut pfd = Vec::new();
    pfd.extend_from_slice(&0i32.to_ne_bytes());
    pfd.extend_from_slice(&1u16.to_ne_bytes());
    pfd.extend_from_slice(&1u16.to_ne_bytes());
    let pfd = m.map(0x4000, &pfd);
    assert_eq!(
        render(&m, &call(7, &[pfd, 1, 0]), Some(1)),
        "poll([{fd=0, events=POLLIN}], 1, 0)     = 1 ([{fd=0, revents=POLLIN}])"
    );
    assert_eq!(
        render(&m, &call(56, &[0x1200011, 0, 0, 0x7f0d_dcca_2a10, 0]), Some(14045)),
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0ddcca2a10) = 14045"
    );
}

#[test]
fn every_table_row_renders_with_garbage() {
    // Hostile arguments on every syscall: nothing may panic, and every line
    // has the `name(...) = result` shape.
    let m = FakeMem::new();
    m.map(0x1000, &[0xff; 256]);
    let garbage = [
        [u64::MAX; 6],
        [0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000],
        [
            0xffff_ffff_ffff_f000,
            u64::MAX / 2,
            0x8000_0000,
            1,
            0x1001,
            0xff,
        ],
        [0; 6],
    ];
    for desc in trapline_abi::table::x86_64::SYSCALLS {
        for args in garbage {
            for result in [Some(0x10), Some(-14), None, Some(i64::MAX)] {
                let c = SyscallArgs {
                    nr: desc.nr as u64,
                    args,
                    ip: 0,
                };
                let line = render(&m, &c, result);
                assert!(line.starts_with(&format!("{}(", desc.name)), "{line}");
                assert!(line.contains(") = ") || line.contains(")  "), "{line}");
            }
        }
    }
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn tracer_reads_inputs_at_entry_and_outputs_at_exit() {
    let out = Shared::default();
    let mut t = Tracer::new(Box::new(out.clone()));
    let m = FakeMem::new();
    let path = m.cstr(0x1000, "/bin/true");
    let mut argv = Vec::new();
    argv.extend_from_slice(&path.to_ne_bytes());
    argv.extend_from_slice(&0u64.to_ne_bytes());
    let argv = m.map(0x2000, &argv);
    let c = call(59, &[path, argv, 0]);
    t.enter(1, &m, &c);
    // execve replaced the address space.
    m.regions.borrow_mut().clear();
    t.exit(1, &m, &c, Some(0));

    let buf = m.map(0x3000, b"\0\0\0\0");
    let r = call(0, &[3, buf, 10]);
    t.enter(1, &m, &r);
    m.map(0x3000, b"data");
    t.exit(1, &m, &r, Some(4));

    let e = call(231, &[3]);
    t.enter(1, &m, &e);
    t.exit(1, &m, &e, None);
    // A call that never returned.
    t.enter(1, &m, &call(0, &[0, 0x4000, 10]));
    t.exited(1, 3);
    t.killed(1, 11);
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        text,
        concat!(
            "execve(\"/bin/true\", [\"/bin/true\"], NULL) = 0\n",
            "read(3, \"data\", 10)                     = 4\n",
            "exit_group(3)                           = ?\n",
            "read(0,  <unfinished ...>\n",
            "+++ exited with 3 +++\n",
            "+++ killed by SIGSEGV +++\n",
        )
    );
}

#[test]
fn generic_fallback_from_the_table() {
    // Calls without a special decoder, rendered from their C signature.
    let m = FakeMem::new();
    let foo = m.cstr(0x1000, "foo");
    assert_eq!(
        render(&m, &call(170, &[foo, 3]), Some(0)),
        r#"sethostname("foo", 3)                   = 0"#
    );
    assert_eq!(
        render(&m, &call(93, &[99, 1000, 1000]), err(Errno::EBADF)),
        "fchown(99, 1000, 1000)                  = -1 EBADF (Bad file descriptor)"
    );
    let p = m.cstr(0x2000, "/x/a");
    assert_eq!(
        render(&m, &call(76, &[p, 100]), err(Errno::ENOENT)),
        r#"truncate("/x/a", 100)                   = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        render(
            &m,
            &call(260, &[AT_FDCWD, p, 0, u32::MAX as u64, 0]),
            err(Errno::ENOENT)
        ),
        r#"fchownat(AT_FDCWD, "/x/a", 0, -1, 0)    = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        render(&m, &call(109, &[0, 0]), Some(0)),
        "setpgid(0, 0)                           = 0"
    );
    assert_eq!(
        render(&m, &call(102, &[]), Some(0)),
        "getuid()                                = 0"
    );
    assert_eq!(
        render(&m, &call(81, &[99]), err(Errno::EBADF)),
        "fchdir(99)                              = -1 EBADF (Bad file descriptor)"
    );
    let tmp = m.cstr(0x3000, "/tmp/st");
    assert_eq!(
        render(&m, &call(80, &[tmp]), Some(0)),
        r#"chdir("/tmp/st")                        = 0"#
    );
    let (a, b) = (m.cstr(0x4000, "/x/a"), m.cstr(0x5000, "/x/b"));
    assert_eq!(
        render(&m, &call(82, &[a, b]), err(Errno::ENOENT)),
        r#"rename("/x/a", "/x/b")                  = -1 ENOENT (No such file or directory)"#
    );
}

#[test]
fn select_and_sockets() {
    let m = FakeMem::new();
    let set = m.map(0x1000, &[0b1000, 0, 0, 0, 0, 0, 0, 0]);
    let ts = m.map(0x2000, &[0; 16]);
    assert_eq!(
        render(&m, &call(270, &[5, set, 0, 0, ts, 0]), Some(0)),
        "pselect6(5, [3], NULL, NULL, {tv_sec=0, tv_nsec=0}, NULL) = 0 (Timeout)"
    );
    assert_eq!(
        render(&m, &call(270, &[5, set, 0, 0, ts, 0]), Some(1)),
        "pselect6(5, [3], NULL, NULL, {tv_sec=0, tv_nsec=0}, NULL) = 1 (in [3], left {tv_sec=0, tv_nsec=0})"
    );
    let len = m.map(0x3000, &16u32.to_ne_bytes());
    assert_eq!(
        render(
            &m,
            &call(52, &[0, 0x7ffd_6ba7_4f60, len]),
            err(Errno::ENOTSOCK)
        ),
        "getpeername(0, 0x7ffd6ba74f60, [16])    = -1 ENOTSOCK (Socket operation on non-socket)"
    );
    let mut un = vec![1, 0];
    un.extend_from_slice(b"/nonexistent/sock");
    un.resize(110, 0);
    let un = m.map(0x4000, &un);
    assert_eq!(
        render(&m, &call(42, &[3, un, 110]), err(Errno::ENOENT)),
        r#"connect(3, {sa_family=AF_UNIX, sun_path="/nonexistent/sock"}, 110) = -1 ENOENT (No such file or directory)"#
    );
}

#[test]
fn siginfo_as_strace_prints_it() {
    use trapline_abi::signal::{SigInfo, CLD_EXITED, SI_USER};
    let kill = SigInfo::from_process(libc::SIGUSR1, SI_USER, 1, 1000);
    assert_eq!(
        super::siginfo(&kill),
        "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=1, si_uid=1000}"
    );
    let chld = SigInfo::child(libc::SIGCHLD, CLD_EXITED, 5, 1000, 3);
    assert_eq!(
        super::siginfo(&chld),
        "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=5, si_uid=1000, si_status=3, si_utime=0, si_stime=0}"
    );
    let mut segv = SigInfo {
        signo: libc::SIGSEGV,
        code: 1,
        ..SigInfo::default()
    };
    assert_eq!(
        super::siginfo(&segv),
        "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}"
    );
    segv.fields[0] = 0x1000;
    assert!(super::siginfo(&segv).ends_with("si_addr=0x1000}"));
}

#[test]
fn several_tasks_get_pid_prefixes_and_split_lines() {
    let out = Shared::default();
    let mut t = Tracer::new(Box::new(out.clone()));
    let m = FakeMem::new();
    let clone = call(56, &[0x1200011, 0, 0, 0, 0]);
    t.enter(1, &m, &clone);
    t.exit(1, &m, &clone, Some(2));
    // The parent waits; the child's line interrupts it.
    let wait = call(61, &[2, 0, 0, 0]);
    t.enter(1, &m, &wait);
    let w = call(1, &[1, m.map(0x1000, b"hi"), 2]);
    t.enter(2, &m, &w);
    t.exit(2, &m, &w, Some(2));
    t.exited(2, 3);
    t.exit(1, &m, &wait, Some(2));
    t.exited(1, 0);
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1..],
        [
            "[pid     1] wait4(2,  <unfinished ...>",
            "[pid     2] write(1, \"hi\", 2)           = 2",
            "[pid     2] +++ exited with 3 +++",
            "<... wait4 resumed>NULL, 0, NULL)       = 2",
            "+++ exited with 0 +++",
        ]
    );
}
