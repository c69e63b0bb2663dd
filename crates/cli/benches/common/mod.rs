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
