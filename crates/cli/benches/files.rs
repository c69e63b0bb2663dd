//! File operations: ns per stat, open+read+close and readdir of host
//! files (the overlay's lower layer), create+write+close+unlink in a host
//! directory (the overlay's upper layer) and in /tmp, and appends,
//! natively and under Trapline (and gVisor's runsc where installed), in
//! one run, with ratios.
//!
//! Run: `cargo bench -p trapline --bench files` (ITERATIONS=N).

mod common;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    common::compare(
        "files",
        &[
            ("stat", "stat (host file)"),
            ("open", "open+read+close (host)"),
            ("readdir", "readdir /usr/bin"),
            ("create", "create+write+unlink"),
            ("tmp", "the same in /tmp"),
            ("append", "append 4 KiB"),
        ],
        common::iterations(2000),
    );
}
