//! A guest thread's registers as the platform hands them to the kernel.

/// The general-purpose registers of a stopped guest thread (x86_64).
///
/// `dirty` records whether the kernel changed them since they were read, so
/// the platform writes them back only when needed; `rax_dirty` alone (the
/// common case: a syscall's result) costs a one-word write.
#[derive(Clone)]
pub struct Regs {
    pub(crate) raw: libc::user_regs_struct,
    pub(crate) dirty: bool,
    pub(crate) rax_dirty: bool,
}

/// A system call as the kernel sees it: number, six arguments, and where it
/// was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallArgs {
    pub nr: u64,
    pub args: [u64; 6],
    pub ip: u64,
}

impl Regs {
    /// All-zero registers (before the first read).
    pub fn zeroed() -> Regs {
        // SAFETY: user_regs_struct is plain old data; all-zero is a valid value.
        let raw = unsafe { std::mem::zeroed() };
        Regs {
            raw,
            dirty: false,
            rax_dirty: false,
        }
    }

    /// The syscall the thread is stopped at (valid at a syscall stop).
    pub fn syscall(&self) -> SyscallArgs {
        let r = &self.raw;
        SyscallArgs {
            nr: r.orig_rax,
            args: [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9],
            ip: r.rip,
        }
    }

    /// Sets the syscall's return value (`rax`).
    pub fn set_return(&mut self, value: u64) {
        self.raw.rax = value;
        self.rax_dirty = true;
    }

    pub fn ip(&self) -> u64 {
        self.raw.rip
    }
    pub fn sp(&self) -> u64 {
        self.raw.rsp
    }
    pub fn return_value(&self) -> u64 {
        self.raw.rax
    }

    /// Sets up a fresh thread state for a new program image: everything zero
    /// but the entry point, the stack pointer and the segment registers the
    /// host gave the stub (`%rdx` = 0 tells the entry code there is no
    /// `atexit` function from a loader, as on Linux).
    pub fn reset_for_exec(&mut self, entry: u64, sp: u64) {
        let keep = self.raw;
        *self = Regs::zeroed();
        let r = &mut self.raw;
        r.cs = keep.cs;
        r.ss = keep.ss;
        r.ds = keep.ds;
        r.es = keep.es;
        r.fs = keep.fs;
        r.gs = keep.gs;
        r.eflags = 0x202; // IF set, as the kernel starts a thread
        r.rip = entry;
        r.rsp = sp;
        r.orig_rax = u64::MAX;
        self.dirty = true;
    }

    pub fn set_sp(&mut self, v: u64) {
        self.raw.rsp = v;
        self.dirty = true;
    }

    /// The registers a new process or thread starts with: the creator's at
    /// its clone call, returning 0, outside any syscall.
    pub fn for_child(&self) -> Regs {
        let mut r = self.clone();
        r.raw.rax = 0;
        r.raw.orig_rax = u64::MAX;
        r.dirty = true;
        r
    }

    /// The syscall number at a syscall stop (`orig_rax`; -1 outside one).
    pub fn orig_rax(&self) -> u64 {
        self.raw.orig_rax
    }

    /// All general registers, read-only (signal frames save them).
    pub fn user_regs(&self) -> &libc::user_regs_struct {
        &self.raw
    }

    /// All general registers, to change (signal delivery and
    /// rt_sigreturn); they are written back whole at the next switch.
    pub fn user_regs_mut(&mut self) -> &mut libc::user_regs_struct {
        self.dirty = true;
        &mut self.raw
    }

    /// The FS base (thread pointer).
    pub fn fs_base(&self) -> u64 {
        self.raw.fs_base
    }
    pub fn set_fs_base(&mut self, v: u64) {
        self.raw.fs_base = v;
        self.dirty = true;
    }
    pub fn gs_base(&self) -> u64 {
        self.raw.gs_base
    }
    pub fn set_gs_base(&mut self, v: u64) {
        self.raw.gs_base = v;
        self.dirty = true;
    }
}

impl std::fmt::Debug for Regs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.raw;
        write!(
            f,
            "rip={:#x} rsp={:#x} rax={:#x} orig_rax={:#x} rdi={:#x} rsi={:#x} rdx={:#x}",
            r.rip, r.rsp, r.rax, r.orig_rax, r.rdi, r.rsi, r.rdx
        )
    }
}
