//! The signal frame on the guest stack, as Linux x86_64 builds it
//! (`arch/x86/kernel/signal.c`, `fpu/signal.c`), and `rt_sigreturn`, which
//! takes it back.
//!
//! From the top of the stack down: the 128-byte red zone is skipped (or
//! the alternate stack is entered), then the FP state (the XSAVE area,
//! 64-byte aligned, its software-reserved bytes describing it and
//! `FP_XSTATE_MAGIC2` after it), then `struct rt_sigframe` (`pretcode` =
//! `sa_restorer`, the `ucontext`, the `siginfo`), placed so that the
//! handler starts with `rsp % 16 == 8`, as after a call.
//!
//! Everything read back by rt_sigreturn is untrusted: a guest can forge a
//! frame. A frame that cannot be read, or whose FP state the host refuses,
//! gets the guest SIGSEGV, as on Linux.

use std::mem::{offset_of, size_of};

use trapline_abi::signal::*;
use trapline_abi::{Errno, Plain};
use trapline_platform::fpu;
use trapline_platform::memory::read_obj;
use trapline_platform::GuestMemory;

use super::state::{AltStack, ThreadSignals};
use super::SigAction;
use crate::{SysResult, Task};

/// The flags of `eflags` a frame may change (Linux's `FIX_EFLAGS`: AC, OF,
/// DF, TF, SF, ZF, AF, PF, CF, RF).
const FIX_EFLAGS: u64 =
    0x4_0000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x1_0000;
const EFLAGS_DF: u64 = 0x400;
const EFLAGS_TF: u64 = 0x100;
const EFLAGS_RF: u64 = 0x1_0000;

/// Whether `addr` is a canonical user address (below the 47-bit hole).
fn is_user_canonical(addr: u64) -> bool {
    addr < (1 << 47)
}

/// The trap number, error code and fault address a frame reports for a
/// fault (Linux takes them from the CPU exception; ptrace shows only the
/// siginfo, so they are derived from it).
fn fault_context(info: &SigInfo) -> (u64, u64, u64) {
    match info.signo {
        libc::SIGSEGV | libc::SIGBUS if info.code > 0 && info.code != SI_KERNEL => {
            // Page fault: user mode (4), protection violation (1) for
            // SEGV_ACCERR. Whether it was a write is not known.
            let err = 4 | u64::from(info.code == 2);
            (14, err, info.addr())
        }
        libc::SIGSEGV => (13, 0, 0),
        libc::SIGFPE => (0, 0, 0),
        libc::SIGILL => (6, 0, 0),
        libc::SIGTRAP => (3, 0, 0),
        _ => (0, 0, 0),
    }
}

/// Builds the frame for `info` with `action` (a handler) on `task`'s stack
/// and points the registers at the handler. `oldmask` is the mask the
/// frame restores. Fails (`EFAULT`) when the frame cannot be written: the
/// caller then forces SIGSEGV.
pub(crate) fn setup(
    task: &mut Task,
    thr: &ThreadSignals,
    info: &SigInfo,
    action: &SigAction,
    oldmask: u64,
) -> Result<(), Errno> {
    // x86-64 always returns through sa_restorer.
    if action.flags & SA_RESTORER == 0 {
        return Err(Errno::EFAULT);
    }
    let regs = *task.regs.user_regs();
    let alt = thr.altstack();
    let nested = alt.on_stack(regs.rsp);
    let mut entering = false;
    let mut sp = regs.rsp.wrapping_sub(128);
    if action.flags & SA_ONSTACK != 0 && alt.ss_flags(sp) == 0 {
        sp = alt.sp.wrapping_add(alt.size);
        entering = true;
    }

    let mut fp = Vec::new();
    task.tracee
        .get_fpstate(&mut fp)
        .map_err(|_| Errno::EFAULT)?;
    let xsize = fp.len();
    if xsize < XSAVE_HEADER_OFFSET + 64 {
        return Err(Errno::EFAULT);
    }
    let math_size = xsize as u64 + FP_XSTATE_MAGIC2_SIZE;
    let buf_fx = sp.wrapping_sub(math_size) & !63;
    let frame = (buf_fx.wrapping_sub(size_of::<RtSigFrame>() as u64) & !15).wrapping_sub(8);
    if (nested || entering) && !alt.contains(frame) {
        // Would overflow the alternate stack.
        return Err(Errno::EFAULT);
    }

    // The FP state: what the host gave, described as Linux describes it,
    // with x87/SSE always marked present (legacy programs edit those
    // without touching the header).
    let sw_ok = read_u32(&fp, FPX_SW_BYTES_OFFSET) == Some(FP_XSTATE_MAGIC1);
    if !sw_ok {
        let xfeatures = read_u64(&fp, XSAVE_HEADER_OFFSET).unwrap_or(0) | XFEATURE_MASK_FPSSE;
        let sw = FpxSwBytes {
            magic1: FP_XSTATE_MAGIC1,
            extended_size: math_size as u32,
            xfeatures,
            xstate_size: xsize as u32,
            padding: [0; 7],
        };
        fp[FPX_SW_BYTES_OFFSET..FPX_SW_BYTES_OFFSET + size_of::<FpxSwBytes>()]
            .copy_from_slice(sw.as_bytes());
    }
    let hdr = read_u64(&fp, XSAVE_HEADER_OFFSET).unwrap_or(0) | XFEATURE_MASK_FPSSE;
    fp[XSAVE_HEADER_OFFSET..XSAVE_HEADER_OFFSET + 8].copy_from_slice(&hdr.to_le_bytes());
    fp.extend_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());

    let (trapno, err, cr2) = fault_context(info);
    let sc = SigContext {
        r8: regs.r8,
        r9: regs.r9,
        r10: regs.r10,
        r11: regs.r11,
        r12: regs.r12,
        r13: regs.r13,
        r14: regs.r14,
        r15: regs.r15,
        rdi: regs.rdi,
        rsi: regs.rsi,
        rbp: regs.rbp,
        rbx: regs.rbx,
        rdx: regs.rdx,
        rax: regs.rax,
        rcx: regs.rcx,
        rsp: regs.rsp,
        rip: regs.rip,
        eflags: regs.eflags,
        cs: regs.cs as u16,
        gs: 0,
        fs: 0,
        ss: regs.ss as u16,
        err,
        trapno,
        oldmask,
        cr2,
        fpstate: buf_fx,
        reserved1: [0; 8],
    };
    let f = RtSigFrame {
        pretcode: action.restorer,
        uc: UContext {
            uc_flags: UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
            uc_link: 0,
            uc_stack: StackT {
                ss_sp: alt.sp,
                ss_flags: alt.flags,
                _pad: 0,
                ss_size: alt.size,
            },
            uc_mcontext: sc,
            uc_sigmask: oldmask,
        },
        info: *info,
    };
    let mem = task.mem();
    mem.write(buf_fx, &fp)?;
    // The siginfo is written only for SA_SIGINFO handlers, as Linux does.
    let len = if action.flags & SA_SIGINFO != 0 {
        size_of::<RtSigFrame>()
    } else {
        offset_of!(RtSigFrame, info)
    };
    mem.write(frame, &f.as_bytes()[..len])?;

    let r = task.regs.user_regs_mut();
    r.rdi = info.signo as u64;
    r.rax = 0;
    r.rsi = frame.wrapping_add(offset_of!(RtSigFrame, info) as u64);
    r.rdx = frame.wrapping_add(offset_of!(RtSigFrame, uc) as u64);
    r.rip = action.handler;
    r.rsp = frame;
    r.orig_rax = u64::MAX;
    r.eflags &= !(EFLAGS_DF | EFLAGS_RF | EFLAGS_TF);
    // The handler starts with a clean FP state (Linux's
    // fpu__clear_user_states); the interrupted one is in the frame.
    let _ = task.tracee.set_fpstate(&fpu::init_fpstate(xsize));
    Ok(())
}

fn read_u32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off + 4)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

fn read_u64(b: &[u8], off: usize) -> Option<u64> {
    let s = b.get(off..off + 8)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

/// `rt_sigreturn`: restores the mask, the registers, the FP state and the
/// alternate stack from the frame the handler returned through (at
/// `rsp - 8`, `pretcode` having been popped). Returns the restored `rax`.
/// A bad frame gets the guest SIGSEGV.
pub fn sigreturn(task: &mut Task) -> SysResult {
    let thr = super::deliver::thread(task);
    match restore(task, &thr) {
        Ok(rax) => Ok(rax),
        Err(_) => {
            super::send::force(task, &thr, SigInfo::kernel(libc::SIGSEGV));
            Ok(0)
        }
    }
}

fn restore(task: &mut Task, thr: &ThreadSignals) -> Result<u64, Errno> {
    let frame = task.regs.sp().wrapping_sub(8);
    let mem = task.mem();
    let uc: UContext = read_obj(&mem, frame.wrapping_add(offset_of!(RtSigFrame, uc) as u64))?;
    super::deliver::set_blocked(task, thr, uc.uc_sigmask);
    thr.inner().restart = None;
    let sc = uc.uc_mcontext;
    if !is_user_canonical(sc.rip) {
        return Err(Errno::EFAULT);
    }
    restore_fpstate(task, sc.fpstate)?;
    {
        let r = task.regs.user_regs_mut();
        r.r8 = sc.r8;
        r.r9 = sc.r9;
        r.r10 = sc.r10;
        r.r11 = sc.r11;
        r.r12 = sc.r12;
        r.r13 = sc.r13;
        r.r14 = sc.r14;
        r.r15 = sc.r15;
        r.rdi = sc.rdi;
        r.rsi = sc.rsi;
        r.rbp = sc.rbp;
        r.rbx = sc.rbx;
        r.rdx = sc.rdx;
        r.rax = sc.rax;
        r.rcx = sc.rcx;
        r.rsp = sc.rsp;
        r.rip = sc.rip;
        r.eflags = (r.eflags & !FIX_EFLAGS) | (sc.eflags & FIX_EFLAGS);
        // cs and ss stay the 64-bit user selectors: a frame cannot switch
        // the guest to another code segment.
        r.orig_rax = u64::MAX;
    }
    // The alternate stack, as sigaltstack would set it (errors other than
    // a bad pointer are ignored, as Linux does). The host kernel keeps the
    // current flags when the stack itself is unchanged (a handler that
    // re-armed an SS_AUTODISARM stack keeps it armed without the flag).
    let cur = thr.altstack();
    if cur.sp != uc.uc_stack.ss_sp || cur.size != uc.uc_stack.ss_size {
        let _ = thr.sigaltstack(Some(&uc.uc_stack), sc.rsp);
    }
    Ok(sc.rax)
}

/// Loads the FP state a frame points to (0: the initial state). An XSAVE
/// area must carry both magic words and a size the host accepts; otherwise
/// only its legacy FXSAVE part is used, as Linux does.
fn restore_fpstate(task: &mut Task, addr: u64) -> Result<(), Errno> {
    let host_size = match fpu::xstate_size() {
        Some(s) => s,
        None => {
            let mut probe = Vec::new();
            task.tracee
                .get_fpstate(&mut probe)
                .map_err(|_| Errno::EFAULT)?;
            probe.len()
        }
    };
    if addr == 0 {
        let _ = task.tracee.set_fpstate(&fpu::init_fpstate(host_size));
        return Ok(());
    }
    if !addr.is_multiple_of(64) {
        return Err(Errno::EFAULT);
    }
    let mem = task.mem();
    let sw: FpxSwBytes = read_obj(&mem, addr.wrapping_add(FPX_SW_BYTES_OFFSET as u64))?;
    let size = sw.xstate_size as usize;
    let mut xsave = sw.magic1 == FP_XSTATE_MAGIC1
        && size >= XSAVE_HEADER_OFFSET + 64
        && size <= host_size
        && sw.xstate_size <= sw.extended_size;
    if xsave {
        let magic2: u32 = read_obj(&mem, addr.wrapping_add(size as u64))?;
        xsave = magic2 == FP_XSTATE_MAGIC2;
    }
    let mut buf = vec![0u8; host_size];
    if xsave {
        mem.read(addr, &mut buf[..size])?;
        // Components the frame does not claim are reset to their initial
        // state.
        let hdr = read_u64(&buf, XSAVE_HEADER_OFFSET).unwrap_or(0) & sw.xfeatures;
        buf[XSAVE_HEADER_OFFSET..XSAVE_HEADER_OFFSET + 8].copy_from_slice(&hdr.to_le_bytes());
    } else {
        buf = fpu::init_fpstate(host_size);
        mem.read(addr, &mut buf[..FXSAVE_SIZE])?;
        buf[XSAVE_HEADER_OFFSET..XSAVE_HEADER_OFFSET + 8]
            .copy_from_slice(&XFEATURE_MASK_FPSSE.to_le_bytes());
    }
    // The software bytes are the kernel's business, not the CPU's.
    buf[FPX_SW_BYTES_OFFSET..FXSAVE_SIZE].fill(0);
    task.tracee.set_fpstate(&buf).map_err(|_| Errno::EFAULT)
}

impl ThreadSignals {
    /// `sigaltstack`: sets the alternate stack to `new` (if given) for a
    /// thread whose stack pointer is `sp`, and returns the old one as the
    /// syscall reports it. `EPERM` while running on it, `EINVAL` for bad
    /// flags, `ENOMEM` below `MINSIGSTKSZ`.
    pub fn sigaltstack(&self, new: Option<&StackT>, sp: u64) -> Result<StackT, Errno> {
        let mut inner = self.inner();
        let cur = inner.altstack;
        let old = StackT {
            ss_sp: cur.sp,
            ss_flags: cur.ss_flags(sp) | (cur.flags & SS_FLAG_BITS),
            _pad: 0,
            ss_size: cur.size,
        };
        if let Some(n) = new {
            if cur.on_stack(sp) {
                return Err(Errno::EPERM);
            }
            let mode = n.ss_flags & !SS_FLAG_BITS;
            if mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0 {
                return Err(Errno::EINVAL);
            }
            if cur.sp == n.ss_sp && cur.size == n.ss_size && cur.flags == n.ss_flags {
                return Ok(old);
            }
            inner.altstack = if mode == SS_DISABLE {
                AltStack {
                    sp: 0,
                    size: 0,
                    flags: n.ss_flags,
                }
            } else {
                if n.ss_size < MINSIGSTKSZ {
                    return Err(Errno::ENOMEM);
                }
                AltStack {
                    sp: n.ss_sp,
                    size: n.ss_size,
                    flags: n.ss_flags,
                }
            };
        }
        Ok(old)
    }
}
