//! ns per `getppid`: natively, under Trapline, and for a bare ptrace
//! `PTRACE_SYSEMU` round trip (tracer and tracee on one CPU, and on two),
//! all measured in one run, with ratios. Under gVisor's `runsc` too where
//! it is installed.
//!
//! Run: `cargo bench -p trapline --bench getppid` (ITERATIONS=N to change
//! the number of calls per measurement).

use std::path::{Path, PathBuf};
use std::process::Command;

fn iterations() -> u64 {
    std::env::var("ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

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

fn build_guest(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/getppid.c");
    let exe = dir.join("getppid-bench");
    let ok = Command::new("gcc")
        .args(["-O2", "-static", "-o"])
        .arg(&exe)
        .arg(&src)
        .status();
    assert!(ok.is_ok_and(|s| s.success()), "gcc failed");
    exe
}

fn parse(out: &[u8]) -> Option<f64> {
    String::from_utf8_lossy(out)
        .lines()
        .find_map(|l| l.strip_prefix("ns_per_call ")?.trim().parse().ok())
}

fn run_guest(cmd: &mut Command) -> Option<f64> {
    let out = cmd.output().ok()?;
    parse(&out.stdout)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // cargo bench/nextest discovery
    }
    let n = iterations();
    let rounds = 5;
    let dir = PathBuf::from("/var/tmp/trapline-bench");
    let _ = std::fs::create_dir_all(&dir);
    let guest = build_guest(&dir);
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
        if let Some(t) = run_guest(
            Command::new(&trapline)
                .arg("run")
                .arg("--")
                .arg(&guest)
                .arg((n / 4).to_string()),
        ) {
            traplined.push(t);
        }
        if runsc {
            let mut c = Command::new("runsc");
            c.args(["--network=none", "--platform=ptrace", "do"])
                .arg(&guest)
                .arg((n / 20).to_string());
            if let Some(t) = run_guest(&mut c) {
                gvisor.push(t);
            }
        }
    }
    let native = median(native);
    let bare = median(bare_one);
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
    if !bare_two.is_empty() {
        row("bare PTRACE_SYSEMU, two CPUs", median(bare_two));
    }
    if traplined.is_empty() {
        println!("trapline: no result (did the guest run?)");
    } else {
        row("trapline run (no options)", median(traplined));
    }
    if !gvisor.is_empty() {
        row("gVisor runsc --platform=ptrace", median(gvisor));
    }
}
