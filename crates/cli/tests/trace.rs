//! `trapline run --trace` against strace: the same program, the same
//! sequence of calls with the same arguments and results, modulo addresses,
//! pids and random bytes.

mod common;

use common::{compile, trapline_bin, Link, Scratch};
use std::process::{Command, Stdio};

/// Calls whose result legitimately differs under Trapline, compared by name
/// only. Each has a reason.
const NAME_ONLY: &[&str] = &[
    // rseq answers ENOSYS: its critical sections cannot be honoured under
    // ptrace (see EXPECTED_UNIMPLEMENTED in common/mod.rs).
    "rseq",
];

/// Makes a trace line comparable: hex numbers, pids and random bytes
/// replaced, the padding before " = " collapsed.
fn normalize(line: &str) -> String {
    let name = line.split('(').next().unwrap_or("");
    if NAME_ONLY.contains(&name) {
        return format!("{name}(...)");
    }
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '0' && chars.peek() == Some(&'x') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                chars.next();
            }
            out.push_str("ADDR");
        } else {
            out.push(c);
        }
    }
    let mut out = out.replace("ADDR /*", "/*");
    // Linux 6.13+ (multigrain timestamps) leaves STATX_MTIME|STATX_CTIME out
    // of stx_mask when they were not requested; Trapline answers as Linux
    // 6.1, the version it implements, with all of STATX_BASIC_STATS.
    if name == "statx" {
        if let Some(start) = out.find("stx_mask=") {
            let end = out[start..].find(", ").map_or(out.len(), |e| start + e);
            out.replace_range(start..end, "stx_mask=MASK");
        }
    }
    let (call, result) = match out.rsplit_once(" = ") {
        Some((c, r)) => (c.trim_end().to_string(), r.to_string()),
        None => return out,
    };
    let result = match name {
        "set_tid_address" | "getpid" | "gettid" | "getppid" => "PID".to_string(),
        _ => result,
    };
    let call = if name == "getrandom" {
        "getrandom(BYTES)".to_string()
    } else {
        call
    };
    format!("{call} = {result}")
}

fn strace_lines(program: &str, args: &[&str], dir: &Scratch) -> Vec<String> {
    let out = dir.path("native.trace");
    let status = Command::new("strace")
        .args(["-q", "-o"])
        .arg(&out)
        .arg(program)
        .args(args)
        .current_dir("/")
        .env_remove("LD_LIBRARY_PATH")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("strace (apt-get install strace)");
    assert!(status.code().is_some());
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(normalize)
        .collect()
}

fn trapline_lines(program: &str, args: &[&str], dir: &Scratch) -> Vec<String> {
    let out = dir.path("guest.trace");
    let mut trace = std::ffi::OsString::from("--trace=");
    trace.push(&out);
    Command::new(trapline_bin())
        .arg("run")
        .arg(trace)
        .arg("--")
        .arg(program)
        .args(args)
        .current_dir("/")
        // cargo points LD_LIBRARY_PATH into target/, which a guest cannot
        // see when the checkout is under /tmp: the loader's probes differ.
        .env_remove("LD_LIBRARY_PATH")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("trapline: "))
        .map(normalize)
        .collect()
}

fn assert_same_trace(program: &str, args: &[&str]) {
    let dir = Scratch::new("trace");
    let native = strace_lines(program, args, &dir);
    let guest = trapline_lines(program, args, &dir);
    if native != guest {
        let mut report = String::new();
        for (i, (n, g)) in native.iter().zip(&guest).enumerate() {
            if n != g {
                report.push_str(&format!(
                    "line {}:\n  strace:   {n}\n  trapline: {g}\n",
                    i + 1
                ));
            }
        }
        panic!(
            "traces differ ({} vs {} lines)\n{report}\nfull trapline trace:\n{}",
            native.len(),
            guest.len(),
            guest.join("\n")
        );
    }
}

#[test]
fn cat_file_trace_matches_strace() {
    assert_same_trace("/bin/cat", &["/etc/hostname"]);
}

#[test]
fn cat_missing_file_trace_matches_strace() {
    assert_same_trace("/bin/cat", &["/nonexistent"]);
}

#[test]
fn static_program_trace_matches_strace() {
    let dir = Scratch::new("trace-static");
    let exe = compile(&dir.0, "fileio", Link::Static);
    assert_same_trace(exe.to_str().unwrap(), &[]);
}

#[test]
fn ls_trace_matches_strace() {
    assert_same_trace("/bin/ls", &["/usr/include/linux"]);
}
