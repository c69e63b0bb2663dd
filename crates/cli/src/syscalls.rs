//! `trapline syscalls`: the table with each call's status.

use std::io::Write;
use std::process::ExitCode;

use trapline_syscalls::{Status, SyscallTable};

pub fn print(tsv: bool) -> ExitCode {
    let (table, _) = SyscallTable::build();
    let mut out = std::io::stdout().lock();
    let mut counts = [0usize; 3];
    for e in table.entries() {
        counts[match e.status {
            Status::Implemented => 0,
            Status::Partial(_) => 1,
            Status::Unimplemented => 2,
        }] += 1;
        let d = e.desc;
        let line = if tsv {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                d.nr,
                d.name,
                d.nargs,
                e.status.label(),
                d.signature()
            )
        } else {
            let note = match e.status {
                Status::Partial(n) => format!("  ({n})"),
                _ => String::new(),
            };
            format!(
                "{:>3}  {:<24} {:<13} {}{}",
                d.nr,
                d.name,
                e.status.label(),
                d.signature(),
                note
            )
        };
        if writeln!(out, "{line}").is_err() {
            return ExitCode::SUCCESS; // stdout closed (e.g. piped into head)
        }
    }
    if !tsv {
        let _ = writeln!(
            out,
            "\n{} implemented, {} partial, {} unimplemented",
            counts[0], counts[1], counts[2]
        );
    }
    ExitCode::SUCCESS
}
