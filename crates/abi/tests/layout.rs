//! The ABI structs have the sizes and field offsets of the C headers
//! (as the host's libc crate describes them).

use std::mem::{offset_of, size_of};
use trapline_abi::structs::*;

#[test]
fn stat_matches_c() {
    assert_eq!(size_of::<Stat>(), size_of::<libc::stat>());
    assert_eq!(offset_of!(Stat, st_mode), offset_of!(libc::stat, st_mode));
    assert_eq!(offset_of!(Stat, st_size), offset_of!(libc::stat, st_size));
    assert_eq!(offset_of!(Stat, st_mtime), offset_of!(libc::stat, st_mtime));
}

#[test]
fn statx_matches_c() {
    assert_eq!(size_of::<Statx>(), size_of::<libc::statx>());
    assert_eq!(offset_of!(Statx, stx_ino), offset_of!(libc::statx, stx_ino));
    assert_eq!(
        offset_of!(Statx, stx_mtime),
        offset_of!(libc::statx, stx_mtime)
    );
}

#[test]
fn small_structs_match_c() {
    assert_eq!(size_of::<Timespec>(), size_of::<libc::timespec>());
    assert_eq!(size_of::<Timeval>(), size_of::<libc::timeval>());
    assert_eq!(size_of::<Rlimit64>(), size_of::<libc::rlimit64>());
    assert_eq!(size_of::<Winsize>(), size_of::<libc::winsize>());
    assert_eq!(size_of::<Utsname>(), size_of::<libc::utsname>());
    assert_eq!(size_of::<Iovec>(), size_of::<libc::iovec>());
    // The kernel's termios (36 bytes) is smaller than glibc's.
    assert_eq!(size_of::<Termios>(), 36);
}

#[test]
fn sysinfo_matches_c() {
    assert_eq!(size_of::<Sysinfo>(), size_of::<libc::sysinfo>());
    assert_eq!(offset_of!(Sysinfo, procs), offset_of!(libc::sysinfo, procs));
    assert_eq!(
        offset_of!(Sysinfo, totalhigh),
        offset_of!(libc::sysinfo, totalhigh)
    );
    assert_eq!(
        offset_of!(Sysinfo, mem_unit),
        offset_of!(libc::sysinfo, mem_unit)
    );
}

#[test]
fn signal_structs_match_c() {
    use trapline_abi::signal::*;
    assert_eq!(size_of::<SigInfo>(), size_of::<libc::siginfo_t>());
    assert_eq!(size_of::<StackT>(), size_of::<libc::stack_t>());
    assert_eq!(
        offset_of!(StackT, ss_flags),
        offset_of!(libc::stack_t, ss_flags)
    );
    assert_eq!(
        offset_of!(StackT, ss_size),
        offset_of!(libc::stack_t, ss_size)
    );
    // glibc's mcontext_t is the kernel's sigcontext seen as gregs[23],
    // fpregs and reserved words.
    assert_eq!(size_of::<SigContext>(), size_of::<libc::mcontext_t>());
    assert_eq!(offset_of!(SigContext, rip), 8 * libc::REG_RIP as usize);
    assert_eq!(offset_of!(SigContext, rsp), 8 * libc::REG_RSP as usize);
    assert_eq!(offset_of!(SigContext, eflags), 8 * libc::REG_EFL as usize);
    assert_eq!(offset_of!(SigContext, err), 8 * libc::REG_ERR as usize);
    assert_eq!(offset_of!(SigContext, cr2), 8 * libc::REG_CR2 as usize);
    assert_eq!(
        offset_of!(SigContext, fpstate),
        offset_of!(libc::mcontext_t, fpregs)
    );
    assert_eq!(
        offset_of!(UContext, uc_stack),
        offset_of!(libc::ucontext_t, uc_stack)
    );
    assert_eq!(
        offset_of!(UContext, uc_mcontext),
        offset_of!(libc::ucontext_t, uc_mcontext)
    );
    assert_eq!(
        offset_of!(UContext, uc_sigmask),
        offset_of!(libc::ucontext_t, uc_sigmask)
    );
    assert_eq!(size_of::<UContext>(), 304);
    assert_eq!(size_of::<RtSigFrame>(), 440);
    assert_eq!(size_of::<FpxSwBytes>(), 48);
    assert_eq!(size_of::<SigEvent>(), size_of::<libc::sigevent>());
    assert_eq!(
        offset_of!(SigEvent, signo),
        offset_of!(libc::sigevent, sigev_signo)
    );
    assert_eq!(
        offset_of!(SigEvent, notify),
        offset_of!(libc::sigevent, sigev_notify)
    );
    assert_eq!(
        offset_of!(SigEvent, tid),
        offset_of!(libc::sigevent, sigev_notify_thread_id)
    );
    assert_eq!(size_of::<ITimerSpec>(), size_of::<libc::itimerspec>());
    assert_eq!(size_of::<ITimerVal>(), size_of::<libc::itimerval>());
    // The union's fields, through libc's accessors.
    let mut info = SigInfo::child(libc::SIGCHLD, CLD_EXITED, 1234, 1000, 7);
    info.errno = 0;
    // SAFETY: SigInfo and siginfo_t have the same size; any bytes are valid.
    let c: libc::siginfo_t = unsafe { std::mem::transmute(info) };
    // SAFETY: reading union fields of a plain struct.
    unsafe {
        assert_eq!(c.si_pid(), 1234);
        assert_eq!(c.si_uid(), 1000);
        assert_eq!(c.si_status(), 7);
    }
    assert_eq!(c.si_signo, libc::SIGCHLD);
    assert_eq!(c.si_code, CLD_EXITED);
}

#[test]
fn flock_matches_c() {
    assert_eq!(size_of::<Flock>(), size_of::<libc::flock>());
    assert_eq!(
        offset_of!(Flock, l_whence),
        offset_of!(libc::flock, l_whence)
    );
    assert_eq!(offset_of!(Flock, l_start), offset_of!(libc::flock, l_start));
    assert_eq!(offset_of!(Flock, l_len), offset_of!(libc::flock, l_len));
    assert_eq!(offset_of!(Flock, l_pid), offset_of!(libc::flock, l_pid));
}
