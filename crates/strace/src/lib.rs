//! `trapline run --trace`: guest system calls printed the way `strace`
//! prints them.
//!
//! ```text
//! openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
//! read(3, "root:x:0:0:root:/root:/bin/bash\n"..., 4096) = 1234
//! exit_group(0)                           = ?
//! +++ exited with 0 +++
//! ```
//!
//! A call is decoded twice over: at entry the input arguments are rendered
//! (strings, flags, structures the guest passes in), because the memory may
//! change, or be replaced altogether by `execve`, before the call returns;
//! at exit the output arguments are read (a `read` buffer, an `fstat`
//! structure) and the line is written whole. Calls strace knows get a
//! special decoder (`decode.rs`); every other call in the syscall table is
//! rendered from its C signature (`value.rs`). Nothing here trusts guest
//! memory: unreadable pointers print as hex, unknown flag bits as hex.
//!
//! Layout: `strings.rs` (quoting), `flags.rs` (constant tables),
//! `structs.rs` (structures), `value.rs` (argument kinds, generic
//! rendering), `decode.rs` (per-call decoders).

mod decode;
pub mod flags;
pub mod strings;
mod structs;
mod value;

use std::io::Write;

use trapline_platform::{GuestMemory, SyscallArgs};

use value::{Arg, Decoded};

/// strace pads `name(args)` to this width before ` = result`.
const RESULT_COLUMN: usize = 39;

/// How many calls may be between entry and exit at once (blocked threads);
/// older ones are dropped.
const MAX_PENDING: usize = 64;

/// Writes one strace line per call to its output.
pub struct Tracer {
    out: Box<dyn Write + Send>,
    /// Calls seen at entry and not yet at exit, oldest first.
    pending: Vec<(SyscallArgs, Decoded)>,
}

impl Tracer {
    pub fn new(out: Box<dyn Write + Send>) -> Tracer {
        Tracer {
            out,
            pending: Vec::new(),
        }
    }

    /// Before the kernel handles the call: renders the input arguments.
    pub fn enter(&mut self, mem: &dyn GuestMemory, call: &SyscallArgs) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.remove(0);
        }
        self.pending.push((*call, decode::decode(mem, call)));
    }

    /// After the kernel handled the call (`result` is the raw `rax`, or
    /// `None` when the call does not return): writes the whole line.
    pub fn exit(&mut self, mem: &dyn GuestMemory, call: &SyscallArgs, result: Option<i64>) {
        let decoded = match self.pending.iter().rposition(|(c, _)| c == call) {
            Some(i) => self.pending.remove(i).1,
            None => decode::decode(mem, call),
        };
        let line = finish(mem, &decoded, result);
        self.line(&line);
    }

    /// The program the run started with: Trapline loads it before the
    /// first trap, so its `execve` line is written from the loader's
    /// arguments (the environment as a count, as strace shows it).
    pub fn program_started(&mut self, path: &[u8], argv: &[Vec<u8>], envc: usize) {
        let args: Vec<String> = argv.iter().map(|a| strings::quote_truncated(a)).collect();
        let call = format!(
            "execve({}, [{}], /* {envc} vars */)",
            strings::quote(path),
            args.join(", ")
        );
        self.line(&format!("{call:<RESULT_COLUMN$} = 0"));
    }

    /// The traced process exited with `code`.
    pub fn exited(&mut self, code: i32) {
        self.flush_unfinished();
        self.line(&format!("+++ exited with {code} +++"));
    }

    /// The traced process was killed by `signal`.
    pub fn killed(&mut self, signal: i32) {
        self.flush_unfinished();
        self.line(&format!(
            "+++ killed by {} +++",
            flags::signal(signal as u32 as u64)
        ));
    }

    /// A signal is delivered to the traced thread:
    /// `--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=1, si_uid=1000} ---`.
    pub fn signal(&mut self, info: &trapline_abi::signal::SigInfo) {
        self.line(&format!(
            "--- {} {} ---",
            flags::signal(info.signo as u32 as u64),
            siginfo(info)
        ));
    }

    /// Calls that entered and never returned: `read(0,  <unfinished ...>`.
    fn flush_unfinished(&mut self) {
        for (_, d) in std::mem::take(&mut self.pending) {
            self.line(&unfinished(&d));
        }
    }

    fn line(&mut self, s: &str) {
        // Tracing must never take the guest down: output errors are dropped.
        let _ = writeln!(self.out, "{s}");
        let _ = self.out.flush();
    }
}

/// A `siginfo_t` as strace prints it at a signal stop.
pub fn siginfo(info: &trapline_abi::signal::SigInfo) -> String {
    use trapline_abi::signal::{SI_KERNEL, SI_QUEUE, SI_TKILL, SI_USER};
    let sig = info.signo;
    let fault = matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP
    );
    let code = match info.code {
        SI_USER => "SI_USER".to_string(),
        SI_KERNEL => "SI_KERNEL".to_string(),
        SI_QUEUE => "SI_QUEUE".to_string(),
        SI_TKILL => "SI_TKILL".to_string(),
        c if sig == libc::SIGCHLD => match c {
            1 => "CLD_EXITED",
            2 => "CLD_KILLED",
            3 => "CLD_DUMPED",
            4 => "CLD_TRAPPED",
            5 => "CLD_STOPPED",
            6 => "CLD_CONTINUED",
            _ => "?",
        }
        .to_string(),
        c if sig == libc::SIGSEGV && c == 1 => "SEGV_MAPERR".to_string(),
        c if sig == libc::SIGSEGV && c == 2 => "SEGV_ACCERR".to_string(),
        c if sig == libc::SIGFPE && c == 1 => "FPE_INTDIV".to_string(),
        c if sig == libc::SIGILL && c == 2 => "ILL_ILLOPN".to_string(),
        c if sig == libc::SIGBUS && c == 2 => "BUS_ADRERR".to_string(),
        c => c.to_string(),
    };
    let mut out = format!(
        "{{si_signo={}, si_code={code}",
        flags::signal(sig as u32 as u64)
    );
    if sig == libc::SIGCHLD && info.code > 0 {
        out += &format!(
            ", si_pid={}, si_uid={}, si_status={}, si_utime=0, si_stime=0",
            info.pid(),
            info.uid(),
            info.status()
        );
    } else if fault && info.code > 0 {
        match info.addr() {
            0 => out += ", si_addr=NULL",
            a => out += &format!(", si_addr={a:#x}"),
        }
    } else if info.code <= 0 {
        out += &format!(", si_pid={}, si_uid={}", info.pid(), info.uid());
        if info.code == SI_QUEUE {
            out += &format!(
                ", si_int={}, si_ptr={:#x}",
                info.value() as u32 as i32,
                info.value()
            );
        }
    }
    out.push('}');
    out
}

/// Renders one whole line (no newline), as strace prints it:
/// `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`.
///
/// `result` is the raw `rax` value, or `None` for a call that does not
/// return (`exit_group(0) = ?`). Input arguments are read from `mem` as it
/// is now, so this is for calls whose memory did not change in between
/// (and for tests); the [`Tracer`] reads inputs at entry.
pub fn render(mem: &dyn GuestMemory, call: &SyscallArgs, result: Option<i64>) -> String {
    finish(mem, &decode::decode(mem, call), result)
}

fn finish(mem: &dyn GuestMemory, d: &Decoded, result: Option<i64>) -> String {
    let args: Vec<String> = d
        .args
        .iter()
        .map(|a| match a {
            Arg::Text(s) => s.clone(),
            Arg::Out(o) => value::render_out(mem, o, result),
        })
        .collect();
    let head = format!("{}({})", d.name, args.join(", "));
    format!(
        "{head:<width$} = {}",
        value::render_ret(mem, d.ret, result),
        width = RESULT_COLUMN
    )
}

fn unfinished(d: &Decoded) -> String {
    let mut shown = Vec::new();
    for a in &d.args {
        match a {
            Arg::Text(s) => shown.push(s.as_str()),
            Arg::Out(_) => break,
        }
    }
    let more = shown.len() < d.args.len();
    let mut s = format!("{}({}", d.name, shown.join(", "));
    if more {
        s.push_str(", ");
    }
    s.push_str(" <unfinished ...>");
    s
}

#[cfg(test)]
mod tests;
