//! ns per `getppid`: natively, under Trapline, and for a bare ptrace
//! `PTRACE_SYSEMU` round trip (tracer and tracee on one CPU, and on two),
//! all measured in one run, with ratios. Under gVisor's `runsc` too where
//! it is installed.
//!
//! Run: `cargo bench -p trapline --bench getppid` (ITERATIONS=N to change
//! the number of calls per measurement).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{build_guest, iterations, measure, median};

fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn getppid_loop(n: u64) -> f64 {
    let a = now_ns();
    for _ in 0..n {
        // SAFETY: getppid has no arguments and cannot fail.
        unsafe { libc::syscall(libc::SYS_getppid) };
    }
    (now_ns() - a) as f64 / n as f64
}

fn pin(cpu: usize) {
    // SAFETY: plain affinity call on the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// A minimal SYSEMU tracer: the child loops on getppid, the tracer answers
/// each call by writing rax. `child_cpu` None = same CPU as the tracer.
fn bare_sysemu(n: u64, tracer_cpu: usize, child_cpu: Option<usize>) -> f64 {
    pin(tracer_cpu);
    // SAFETY: a shared anonymous page for the child's result.
    let shared = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    } as *mut f64;
    // SAFETY: fork in a single-threaded bench; the child only loops on
    // syscalls and writes its result to the shared page.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: child side: ptrace, signals, raw syscalls only.
        unsafe {
            if let Some(c) = child_cpu {
                pin(c);
            }
            libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
            libc::raise(libc::SIGSTOP);
            *shared = getppid_loop(n);
            libc::syscall(libc::SYS_exit_group, 0);
            libc::_exit(0);
        }
    }
    let mut status = 0;
    // SAFETY: tracer side, on our own child.
    unsafe {
        libc::waitpid(pid, &mut status, 0);
        libc::ptrace(
            libc::PTRACE_SETOPTIONS,
            pid,
            0,
            libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL,
        );
        let mut regs: libc::user_regs_struct = std::mem::zeroed();
        loop {
            libc::ptrace(libc::PTRACE_SYSEMU, pid, 0, 0);
            libc::waitpid(pid, &mut status, 0);
            if !libc::WIFSTOPPED(status) {
                break;
            }
            libc::ptrace(libc::PTRACE_GETREGS, pid, 0, &mut regs);
            if regs.orig_rax == libc::SYS_exit_group as u64 {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
                break;
            }
            regs.rax = 1;
            libc::ptrace(libc::PTRACE_SETREGS, pid, 0, &regs);
        }
        let r = *shared;
        libc::munmap(shared.cast(), 4096);
        r
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // cargo bench/nextest discovery
    }
    let n = iterations(200_000);
    let rounds = 5;
    let guest = build_guest("getppid");
    let trapline = PathBuf::from(env!("CARGO_BIN_EXE_trapline"));
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());

    let mut native = vec![];
    let mut bare_one = vec![];
    let mut bare_two = vec![];
    let mut traplined = vec![];
    let mut gvisor = vec![];
    let runsc = Command::new("runsc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    for _ in 0..rounds {
        native.push(getppid_loop(n));
        bare_one.push(bare_sysemu(n / 4, 0, None));
        if cpus > 1 {
            bare_two.push(bare_sysemu(n / 20, 0, Some(1)));
        }
        if let Some(t) = measure(
            Command::new(&trapline)
                .arg("run")
                .arg("--")
                .arg(&guest)
                .arg((n / 4).to_string()),
            "ns_per_call ",
        ) {
            traplined.push(t);
        }
        if runsc {
            let mut c = Command::new("runsc");
            c.args(["--network=none", "--platform=ptrace", "do"])
                .arg(&guest)
                .arg((n / 20).to_string());
            if let Some(t) = measure(&mut c, "ns_per_call ") {
                gvisor.push(t);
            }
        }
    }
    // Every round measures natively and the bare round trip.
    let native = median(native).unwrap_or(f64::NAN);
    let bare = median(bare_one).unwrap_or(f64::NAN);
    println!("getppid, median of {rounds} rounds (ns per call)");
    println!(
        "{:<40} {:>10} {:>12} {:>12}",
        "", "ns/call", "x native", "x bare 1cpu"
    );
    let row = |name: &str, v: f64| {
        println!(
            "{name:<40} {v:>10.0} {:>12.1} {:>12.2}",
            v / native,
            v / bare
        )
    };
    row("native", native);
    row("bare PTRACE_SYSEMU, one CPU", bare);
    if let Some(v) = median(bare_two) {
        row("bare PTRACE_SYSEMU, two CPUs", v);
    }
    match median(traplined) {
        Some(v) => row("trapline run (no options)", v),
        None => println!("trapline: no result (did the guest run?)"),
    }
    if let Some(v) = median(gvisor) {
        row("gVisor runsc --platform=ptrace", v);
    }
}
