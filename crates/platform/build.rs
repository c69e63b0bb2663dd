//! Assembles and links the stub executable (stub/stub.S) with the system's gcc.
//! The bytes are embedded in Trapline and exec'd from a memfd at run time.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let stub = out.join("stub");
    println!("cargo:rerun-if-changed=stub/stub.S");
    println!("cargo:rerun-if-changed=stub/layout.ld");
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into()))
        .args([
            "-nostdlib",
            "-static",
            "-no-pie",
            "-Wl,--build-id=none",
            "-Wl,-T,stub/layout.ld",
        ])
        .arg("-o")
        .arg(&stub)
        .arg("stub/stub.S")
        .status()
        .expect("gcc is needed to build the stub (apt-get install gcc)");
    assert!(status.success(), "assembling stub/stub.S failed");
}
