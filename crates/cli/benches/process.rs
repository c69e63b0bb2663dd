//! Process operations: ns per fork+exit+wait, per fork+exec+wait, per
//! thread create+join and per futex ping-pong round trip between two
//! threads, natively and under Trapline (and gVisor's runsc where installed), in one
//! run, with ratios.
//!
//! Run: `cargo bench -p trapline --bench process` (ITERATIONS=N).

mod common;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    common::compare(
        "process",
        &[
            ("fork", "fork+exit+wait"),
            ("exec", "fork+exec+wait"),
            ("thread", "thread create+join"),
            ("futex", "futex ping-pong"),
        ],
        common::iterations(200),
    );
}
