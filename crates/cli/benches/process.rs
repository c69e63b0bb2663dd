//! Process operations: ns per fork+exit+wait, per fork+exec+wait, per
//! thread create+join and per futex ping-pong round trip between two
//! threads, natively and under Trapline (and gVisor's runsc where installed), in one
//! run, with ratios.
//!
//! Run: `cargo bench -p trapline --bench process` (ITERATIONS=N).

use std::path::{Path, PathBuf};
use std::process::Command;

fn iterations() -> u64 {
    std::env::var("ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn build_guest(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/process.c");
    let exe = dir.join("process-bench");
    let ok = Command::new("gcc")
        .args(["-O2", "-static", "-o"])
        .arg(&exe)
        .arg(&src)
        .status();
    assert!(ok.is_ok_and(|s| s.success()), "gcc failed");
    exe
}

fn measure(cmd: &mut Command) -> Option<f64> {
    let out = cmd.output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("ns_per_op ")?.trim().parse().ok())
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n = iterations().to_string();
    let dir = PathBuf::from("/var/tmp/trapline-bench");
    let _ = std::fs::create_dir_all(&dir);
    let guest = build_guest(&dir);
    let trapline = PathBuf::from(env!("CARGO_BIN_EXE_trapline"));
    let runsc = Command::new("runsc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    println!(
        "{:<24} {:>12} {:>12} {:>8} {:>12} {:>8}",
        "op (median of 5)", "native ns", "trapline ns", "ratio", "runsc ns", "ratio"
    );
    for op in ["fork", "exec", "thread", "futex"] {
        let (mut native, mut guest_runs, mut gvisor) = (vec![], vec![], vec![]);
        for _ in 0..5 {
            native.extend(measure(Command::new(&guest).args([op, &n])));
            guest_runs.extend(measure(
                Command::new(&trapline)
                    .arg("run")
                    .arg("--")
                    .arg(&guest)
                    .args([op, &n]),
            ));
            if runsc {
                let mut c = Command::new("runsc");
                c.args(["--network=none", "--platform=ptrace", "do"])
                    .arg(&guest)
                    .args([op, &n]);
                gvisor.extend(measure(&mut c));
            }
        }
        let (Some(nat), Some(tr)) = (median(native), median(guest_runs)) else {
            println!("{op}: no result");
            continue;
        };
        let name = match op {
            "fork" => "fork+exit+wait",
            "exec" => "fork+exec+wait",
            "thread" => "thread create+join",
            _ => "futex ping-pong",
        };
        match median(gvisor) {
            Some(g) => println!(
                "{name:<24} {nat:>12.0} {tr:>12.0} {:>8.1} {g:>12.0} {:>8.1}",
                tr / nat,
                g / nat
            ),
            None => println!(
                "{name:<24} {nat:>12.0} {tr:>12.0} {:>8.1} {:>12} {:>8}",
                tr / nat,
                "-",
                "-"
            ),
        }
    }
}
