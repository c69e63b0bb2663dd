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

use std::collections::BTreeSet;
use std::io::Write;

use trapline_platform::{GuestMemory, SyscallArgs};

use value::{Arg, Decoded};

/// strace pads `[pid N] name(args)` to this width before ` = result`.
const RESULT_COLUMN: usize = 39;

/// How many calls may be between entry and exit at once (blocked threads);
/// older ones are dropped.
const MAX_PENDING: usize = 64;

/// The syscalls that make a task (their result is its tid).
const CLONE_CALLS: [u64; 4] = [56, 57, 58, 435];

/// A call seen at entry and not yet at exit.
struct Pending {
    tid: i32,
    call: SyscallArgs,
    decoded: Decoded,
    /// The `[pid N] ` prefix as it was at entry (strace prints the start
    /// of the line then).
    prefix: String,
    /// Its `<unfinished ...>` line was written: the exit writes a
    /// `<... name resumed>` line.
    interrupted: bool,
}

/// Writes one strace line per call to its output, as `strace -f` does
/// for several tasks: while more than one is traced, each line starts
/// with `[pid N] ` (the virtual tid), and a call another task's line
/// interrupts is written as `name(args <unfinished ...>` and, at its exit,
/// `<... name resumed>rest) = result`.
pub struct Tracer {
    out: Box<dyn Write + Send>,
    /// Calls seen at entry and not yet at exit, oldest first.
    pending: Vec<Pending>,
    /// The task whose call entry strace would have written last, with
    /// nothing after it yet: any other line ends it with `<unfinished
    /// ...>`.
    open: Option<i32>,
    /// The traced tasks alive.
    live: BTreeSet<i32>,
}

impl Tracer {
    pub fn new(out: Box<dyn Write + Send>) -> Tracer {
        Tracer {
            out,
            pending: Vec::new(),
            open: None,
            live: BTreeSet::new(),
        }
    }

    /// Before the kernel handles task `tid`'s call: renders the input
    /// arguments.
    pub fn enter(&mut self, tid: i32, mem: &dyn GuestMemory, call: &SyscallArgs) {
        self.live.insert(tid);
        self.interrupt_open();
        if self.pending.len() >= MAX_PENDING {
            self.pending.remove(0);
        }
        let prefix = self.prefix(tid);
        self.pending.push(Pending {
            tid,
            call: *call,
            decoded: decode::decode(mem, call),
            prefix,
            interrupted: false,
        });
        self.open = Some(tid);
    }

    /// After the kernel handled the call (`result` is the raw `rax`, or
    /// `None` when the call does not return): writes the whole line, or
    /// its `resumed` end.
    pub fn exit(
        &mut self,
        tid: i32,
        mem: &dyn GuestMemory,
        call: &SyscallArgs,
        result: Option<i64>,
    ) {
        self.live.insert(tid);
        let found = self
            .pending
            .iter()
            .rposition(|p| p.tid == tid && p.call == *call);
        let p = match found {
            Some(i) => self.pending.remove(i),
            None => Pending {
                tid,
                call: *call,
                decoded: decode::decode(mem, call),
                prefix: self.prefix(tid),
                interrupted: false,
            },
        };
        if p.interrupted || self.open.is_some_and(|o| o != tid) {
            self.interrupt_open();
            let prefix = self.prefix(tid);
            let line = resumed(mem, &p.decoded, result, &prefix);
            self.line(&line);
        } else {
            self.line(&finish(mem, &p.decoded, result, &p.prefix));
        }
        self.open = None;
        // The new task is traced from now on (strace attaches it before
        // the call returns).
        if CLONE_CALLS.contains(&call.nr) {
            if let Some(child) = result.filter(|&r| r > 0) {
                self.live.insert(child as i32);
            }
        }
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

    /// Task `tid` exited with `code`.
    pub fn exited(&mut self, tid: i32, code: i32) {
        self.ended(tid, &format!("+++ exited with {code} +++"));
    }

    /// Task `tid` was killed by `signal`.
    pub fn killed(&mut self, tid: i32, signal: i32) {
        let what = format!("+++ killed by {} +++", flags::signal(signal as u32 as u64));
        self.ended(tid, &what);
    }

    /// A signal is delivered to task `tid`:
    /// `--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=1, si_uid=1000} ---`.
    pub fn signal(&mut self, tid: i32, info: &trapline_abi::signal::SigInfo) {
        self.live.insert(tid);
        self.interrupt_open();
        let line = format!(
            "{}--- {} {} ---",
            self.prefix(tid),
            flags::signal(info.signo as u32 as u64),
            siginfo(info)
        );
        self.line(&line);
    }

    /// Task `tid` ended: its calls that entered and never returned are
    /// written `read(0,  <unfinished ...>`, then `what`.
    fn ended(&mut self, tid: i32, what: &str) {
        self.interrupt_open();
        let (mine, others): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.tid == tid);
        self.pending = others;
        for p in mine.iter().filter(|p| !p.interrupted) {
            let line = format!("{}{}", p.prefix, unfinished(&p.decoded));
            self.line(&line);
        }
        let line = format!("{}{what}", self.prefix(tid));
        self.line(&line);
        self.live.remove(&tid);
    }

    /// strace -f's `[pid N] `, written while more than one task is
    /// traced.
    fn prefix(&self, tid: i32) -> String {
        if self.live.len() > 1 {
            format!("[pid {tid:5}] ")
        } else {
            String::new()
        }
    }

    /// Another line is about to be written: the call entry strace would
    /// have written last, if any, ends with `<unfinished ...>`.
    fn interrupt_open(&mut self) {
        let Some(tid) = self.open.take() else {
            return;
        };
        let Some(p) = self.pending.iter_mut().rev().find(|p| p.tid == tid) else {
            return;
        };
        if !p.interrupted {
            p.interrupted = true;
            let line = format!("{}{}", p.prefix, unfinished(&p.decoded));
            self.line(&line);
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
    finish(mem, &decode::decode(mem, call), result, "")
}

/// The arguments of `args` rendered, output arguments from `mem` as the
/// call left it.
fn render_args(mem: &dyn GuestMemory, args: &[Arg], result: Option<i64>) -> String {
    args.iter()
        .map(|a| match a {
            Arg::Text(s) => s.clone(),
            Arg::Out(o) => value::render_out(mem, o, result),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `head` (after `prefix`) padded to the result column, then the result.
fn with_result(mem: &dyn GuestMemory, d: &Decoded, result: Option<i64>, head: String) -> String {
    format!(
        "{head:<width$} = {}",
        value::render_ret(mem, d.ret, result),
        width = RESULT_COLUMN
    )
}

fn finish(mem: &dyn GuestMemory, d: &Decoded, result: Option<i64>, prefix: &str) -> String {
    let head = format!("{prefix}{}({})", d.name, render_args(mem, &d.args, result));
    with_result(mem, d, result, head)
}

/// The end of a call whose start was written `<unfinished ...>`: the
/// arguments that line did not show, and the result.
fn resumed(mem: &dyn GuestMemory, d: &Decoded, result: Option<i64>, prefix: &str) -> String {
    let rest = &d.args[shown_at_entry(d)..];
    let head = format!(
        "{prefix}<... {} resumed>{})",
        d.name,
        render_args(mem, rest, result)
    );
    with_result(mem, d, result, head)
}

/// How many arguments strace writes at entry: those before the first
/// output argument.
fn shown_at_entry(d: &Decoded) -> usize {
    d.args
        .iter()
        .position(|a| matches!(a, Arg::Out(_)))
        .unwrap_or(d.args.len())
}

fn unfinished(d: &Decoded) -> String {
    let shown: Vec<&str> = d.args[..shown_at_entry(d)]
        .iter()
        .filter_map(|a| match a {
            Arg::Text(s) => Some(s.as_str()),
            Arg::Out(_) => None,
        })
        .collect();
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
