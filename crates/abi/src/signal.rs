//! Signal ABI (x86_64): `siginfo_t`, `stack_t`, the signal frame's
//! `ucontext`/`sigcontext`, and the constants that go with them.
//!
//! Layouts follow the kernel's uapi headers (`asm/sigcontext.h`,
//! `asm-generic/siginfo.h`, `asm/ucontext.h`); `tests/layout.rs` checks them
//! against the host's C library.

/// Number of signals, 1..=64.
pub const NSIG: usize = 64;
/// The first real-time signal (the kernel's, not glibc's shifted one).
pub const SIGRTMIN: i32 = 32;

// sa_flags (linux/signal_types.h: UAPI_SA_FLAGS plus SA_RESTORER on x86).
pub const SA_NOCLDSTOP: u64 = 0x1;
pub const SA_NOCLDWAIT: u64 = 0x2;
pub const SA_SIGINFO: u64 = 0x4;
pub const SA_UNSUPPORTED: u64 = 0x400;
pub const SA_EXPOSE_TAGBITS: u64 = 0x800;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;
/// The flags rt_sigaction keeps; others are cleared, as Linux does, so a
/// program can detect what the kernel supports.
pub const SA_KNOWN: u64 = SA_NOCLDSTOP
    | SA_NOCLDWAIT
    | SA_SIGINFO
    | SA_ONSTACK
    | SA_RESTART
    | SA_NODEFER
    | SA_RESETHAND
    | SA_EXPOSE_TAGBITS
    | SA_RESTORER;

// si_code values.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TKILL: i32 = -6;
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;

// sigaltstack.
pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
pub const SS_AUTODISARM: i32 = 1 << 31;
pub const SS_FLAG_BITS: i32 = SS_AUTODISARM;
pub const MINSIGSTKSZ: u64 = 2048;

// ucontext uc_flags.
pub const UC_FP_XSTATE: u64 = 0x1;
pub const UC_SIGCONTEXT_SS: u64 = 0x2;
pub const UC_STRICT_RESTORE_SS: u64 = 0x4;

// The software-reserved bytes of an XSAVE area in a signal frame.
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
pub const FP_XSTATE_MAGIC2_SIZE: u64 = 4;

/// `siginfo_t`: 128 bytes. The first three ints are common; the union at
/// offset 16 is read and written through the typed accessors below.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub _pad: i32,
    /// The union (`_sifields`), as 8-byte words.
    pub fields: [u64; 14],
}

impl std::fmt::Debug for SigInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SigInfo {{ signo: {}, code: {}, pid: {}, uid: {}, word1: {:#x} }}",
            self.signo,
            self.code,
            self.pid(),
            self.uid(),
            self.fields[1]
        )
    }
}

impl SigInfo {
    /// kill(), tkill(), a signal sent by a process: `_kill { si_pid, si_uid }`.
    pub fn from_process(signo: i32, code: i32, pid: i32, uid: u32) -> SigInfo {
        let mut i = SigInfo {
            signo,
            code,
            ..SigInfo::default()
        };
        i.set_pid_uid(pid, uid);
        i
    }

    /// A signal the kernel generates itself (`SI_KERNEL`, no sender).
    pub fn kernel(signo: i32) -> SigInfo {
        SigInfo {
            signo,
            code: SI_KERNEL,
            ..SigInfo::default()
        }
    }

    /// SIGCHLD: `_sigchld { si_pid, si_uid, si_status, si_utime, si_stime }`.
    pub fn child(signo: i32, code: i32, pid: i32, uid: u32, status: i32) -> SigInfo {
        let mut i = SigInfo::from_process(signo, code, pid, uid);
        i.fields[1] = status as u32 as u64;
        i
    }

    pub fn pid(&self) -> i32 {
        self.fields[0] as u32 as i32
    }
    pub fn uid(&self) -> u32 {
        (self.fields[0] >> 32) as u32
    }
    pub fn set_pid_uid(&mut self, pid: i32, uid: u32) {
        self.fields[0] = (pid as u32 as u64) | ((uid as u64) << 32);
    }
    /// `si_addr` of a fault.
    pub fn addr(&self) -> u64 {
        self.fields[0]
    }
    /// `si_status` of SIGCHLD.
    pub fn status(&self) -> i32 {
        self.fields[1] as u32 as i32
    }
    /// `si_value` of sigqueue/timers.
    pub fn value(&self) -> u64 {
        self.fields[1]
    }
}

/// `stack_t` (sigaltstack, `uc_stack`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StackT {
    pub ss_sp: u64,
    pub ss_flags: i32,
    pub _pad: i32,
    pub ss_size: u64,
}

/// `struct sigcontext` (64-bit): the general registers at the signal, in
/// the order of glibc's `REG_*` indices.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigContext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    pub ss: u16,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    /// Guest address of the FP state (`struct _fpstate` / XSAVE area), or 0.
    pub fpstate: u64,
    pub reserved1: [u64; 8],
}

/// The kernel's `struct ucontext` (x86_64): glibc's `ucontext_t` starts the
/// same way, its `uc_sigmask` being longer (it runs on into the frame).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UContext {
    pub uc_flags: u64,
    pub uc_link: u64,
    pub uc_stack: StackT,
    pub uc_mcontext: SigContext,
    pub uc_sigmask: u64,
}

/// `struct rt_sigframe` (x86_64) up to the FP state, which lies above it
/// on the stack: the return address of the handler (`sa_restorer`), the
/// context to restore, and the siginfo the handler gets.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RtSigFrame {
    pub pretcode: u64,
    pub uc: UContext,
    pub info: SigInfo,
}

/// `struct _fpx_sw_bytes`: the software-reserved bytes 464..512 of the
/// FXSAVE area in a frame, describing the XSAVE area that follows.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FpxSwBytes {
    pub magic1: u32,
    pub extended_size: u32,
    pub xfeatures: u64,
    pub xstate_size: u32,
    pub padding: [u32; 7],
}

/// Offset of the software-reserved bytes in an FXSAVE/XSAVE area.
pub const FPX_SW_BYTES_OFFSET: usize = 464;
/// Offset of the XSAVE header (`xfeatures` first) in an XSAVE area.
pub const XSAVE_HEADER_OFFSET: usize = 512;
/// Size of the legacy FXSAVE area.
pub const FXSAVE_SIZE: usize = 512;
/// The x87 and SSE state components.
pub const XFEATURE_MASK_FPSSE: u64 = 0x3;

/// `struct sigevent` (timer_create): 64 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigEvent {
    pub value: u64,
    pub signo: i32,
    pub notify: i32,
    /// `sigev_notify_thread_id` for `SIGEV_THREAD_ID`.
    pub tid: i32,
    pub _pad: [i32; 11],
}

pub const SIGEV_SIGNAL: i32 = 0;
pub const SIGEV_NONE: i32 = 1;
pub const SIGEV_THREAD: i32 = 2;
pub const SIGEV_THREAD_ID: i32 = 4;
/// `si_code` of a POSIX timer's signal.
pub const SI_TIMER: i32 = -2;

pub use linux_raw_sys::general::{
    __kernel_itimerspec as ITimerSpec, __kernel_old_itimerval as ITimerVal,
};

impl SigInfo {
    /// A POSIX timer's signal: `_timer { si_tid, si_overrun, si_sigval }`.
    pub fn timer(signo: i32, timer_id: i32, overrun: i32, value: u64) -> SigInfo {
        let mut i = SigInfo {
            signo,
            code: SI_TIMER,
            ..SigInfo::default()
        };
        i.fields[0] = (timer_id as u32 as u64) | ((overrun as u32 as u64) << 32);
        i.fields[1] = value;
        i
    }
}

crate::plain::plain!(
    SigInfo, StackT, SigContext, UContext, RtSigFrame, FpxSwBytes, SigEvent, ITimerSpec, ITimerVal
);
