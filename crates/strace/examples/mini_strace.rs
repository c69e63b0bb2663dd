//! A tiny host strace built on this crate, to compare its lines with the
//! real `strace` on the same program:
//!
//! ```text
//! cargo run -p trapline-strace --example mini_strace -- /bin/ls /usr 2>ours >/dev/null
//! strace /bin/ls /usr 2>theirs >/dev/null
//! diff <(sed 's/0x[0-9a-f]*/ADDR/g' ours) <(sed 's/0x[0-9a-f]*/ADDR/g' theirs)
//! ```
//!
//! Single process only (no `-f`); the host kernel runs the calls
//! (`PTRACE_SYSCALL`), unlike Trapline.

use std::ffi::CString;

use trapline_platform::{ProcessMemory, SyscallArgs};
use trapline_strace::Tracer;

fn main() {
    let args: Vec<CString> = std::env::args()
        .skip(1)
        .map(|a| CString::new(a).expect("argument with a NUL"))
        .collect();
    if args.is_empty() {
        eprintln!("usage: mini_strace PROGRAM ARGS...");
        std::process::exit(2);
    }
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());

    // SAFETY: plain fork/ptrace/exec/waitpid use; the child only calls
    // async-signal-safe functions before exec.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
            // The Rust runtime ignores SIGPIPE; give the program the default.
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::raise(libc::SIGSTOP);
            libc::execvp(argv[0], argv.as_ptr());
            libc::_exit(127);
        }
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        let opts = libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_TRACEEXEC | libc::PTRACE_O_EXITKILL;
        libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, opts);

        let mem = ProcessMemory::new(pid);
        let mut tracer = Tracer::new(Box::new(std::io::stderr()));
        let mut current: Option<SyscallArgs> = None;
        let mut seen_execve = false;
        let mut deliver = 0;
        loop {
            libc::ptrace(libc::PTRACE_SYSCALL, pid, 0, deliver);
            deliver = 0;
            if libc::waitpid(pid, &mut status, 0) < 0 {
                break;
            }
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                if let Some(call) = current.take() {
                    tracer.exit(pid, &mem, &call, None);
                }
                if libc::WIFEXITED(status) {
                    tracer.exited(pid, libc::WEXITSTATUS(status));
                } else {
                    tracer.killed(pid, libc::WTERMSIG(status));
                }
                break;
            }
            let sig = libc::WSTOPSIG(status);
            if sig != (libc::SIGTRAP | 0x80) {
                if sig != libc::SIGTRAP {
                    deliver = sig;
                }
                continue;
            }
            let mut regs: libc::user_regs_struct = std::mem::zeroed();
            libc::ptrace(libc::PTRACE_GETREGS, pid, 0, &mut regs as *mut _);
            match current.take() {
                None => {
                    let call = SyscallArgs {
                        nr: regs.orig_rax,
                        args: [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9],
                        ip: regs.rip,
                    };
                    // Like strace, start with the program's own execve.
                    seen_execve |= call.nr == libc::SYS_execve as u64;
                    if seen_execve {
                        tracer.enter(pid, &mem, &call);
                    }
                    current = Some(call);
                }
                Some(call) => {
                    if seen_execve {
                        tracer.exit(pid, &mem, &call, Some(regs.rax as i64));
                    }
                }
            }
        }
    }
}
