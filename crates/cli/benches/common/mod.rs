//! What the benchmarks share: the iteration count, building a static guest
//! program from `benches/*.c`, reading its result line, medians.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `ITERATIONS` from the environment, else `default`.
pub fn iterations(default: u64) -> u64 {
    std::env::var("ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Builds `benches/NAME.c` as a static program under /var/tmp (outside the
/// guest's private /tmp) and returns its path.
pub fn build_guest(name: &str) -> PathBuf {
    let dir = PathBuf::from("/var/tmp/trapline-bench");
    let _ = std::fs::create_dir_all(&dir);
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("benches/{name}.c"));
    let exe = dir.join(format!("{name}-bench"));
    let ok = Command::new("gcc")
        .args(["-O2", "-static", "-o"])
        .arg(&exe)
        .arg(&src)
        .status();
    assert!(ok.is_ok_and(|s| s.success()), "gcc failed");
    exe
}

/// Runs `cmd` and reads the number on its `KEY VALUE` stdout line.
pub fn measure(cmd: &mut Command, key: &str) -> Option<f64> {
    let out = cmd.output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix(key)?.trim().parse().ok())
}

/// The median, or `None` for no samples.
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}

/// Runs the guest `benches/NAME.c` for each `(op, label)` natively, under
/// Trapline and (where installed) under gVisor's runsc, five times each,
/// and prints the medians of its `ns_per_op` line with the ratios.
pub fn compare(name: &str, ops: &[(&str, &str)], n: u64) {
    let n = n.to_string();
    let guest = build_guest(name);
    let trapline = PathBuf::from(env!("CARGO_BIN_EXE_trapline"));
    let runsc = Command::new("runsc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    println!(
        "{:<24} {:>12} {:>12} {:>8} {:>12} {:>8}",
        "op (median of 5)", "native ns", "trapline ns", "ratio", "runsc ns", "ratio"
    );
    for (op, label) in ops {
        let (mut native, mut ours, mut gvisor) = (vec![], vec![], vec![]);
        for _ in 0..5 {
            native.extend(measure(
                Command::new(&guest).args([op, &n.as_str()]),
                "ns_per_op ",
            ));
            let mut c = Command::new(&trapline);
            c.arg("run").arg("--").arg(&guest).args([op, &n.as_str()]);
            ours.extend(measure(&mut c, "ns_per_op "));
            if runsc {
                let mut c = Command::new("runsc");
                c.args(["--network=none", "--platform=ptrace", "do"])
                    .arg(&guest)
                    .args([op, &n.as_str()]);
                gvisor.extend(measure(&mut c, "ns_per_op "));
            }
        }
        let (Some(nat), Some(tr)) = (median(native), median(ours)) else {
            println!("{label}: no result");
            continue;
        };
        let (g, gr) = match median(gvisor) {
            Some(g) => (format!("{g:.0}"), format!("{:.1}", g / nat)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{label:<24} {nat:>12.0} {tr:>12.0} {:>8.1} {g:>12} {gr:>8}",
            tr / nat
        );
    }
}
