//! Process operations: ns per fork+exit+wait, per fork+exec+wait, per
//! thread create+join and per futex ping-pong round trip between two
//! threads, natively and under Trapline (and gVisor's runsc where installed), in one
//! run, with ratios.
//!
//! Run: `cargo bench -p trapline --bench process` (ITERATIONS=N).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{build_guest, iterations, measure, median};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n = iterations(200).to_string();
    let guest = build_guest("process");
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
            native.extend(measure(Command::new(&guest).args([op, &n]), "ns_per_op "));
            guest_runs.extend(measure(
                Command::new(&trapline)
                    .arg("run")
                    .arg("--")
                    .arg(&guest)
                    .args([op, &n]),
                "ns_per_op ",
            ));
            if runsc {
                let mut c = Command::new("runsc");
                c.args(["--network=none", "--platform=ptrace", "do"])
                    .arg(&guest)
                    .args([op, &n]);
                gvisor.extend(measure(&mut c, "ns_per_op "));
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
