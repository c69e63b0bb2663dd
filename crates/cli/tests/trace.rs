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
    // The pid a SIGCHLD names.
    if let Some((head, tail)) = out.split_once("si_pid=") {
        let tail = tail.trim_start_matches(|c: char| c.is_ascii_digit());
        out = format!("{head}si_pid=PID{tail}");
    }
    let (call, result) = match out.rsplit_once(" = ") {
        Some((c, r)) => (c.trim_end().to_string(), r.to_string()),
        None => return out,
    };
    let result = match name {
        "set_tid_address" | "getpid" | "gettid" | "getppid" => "PID".to_string(),
        "clone" | "clone3" | "fork" | "vfork" | "wait4" if !result.starts_with('-') => {
            "PID".to_string()
        }
        _ => result,
    };
    // The pid a wait4 names.
    let call = match call.strip_prefix("wait4(") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
            let args = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("wait4(PID{args}")
        }
        _ => call,
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

/// The lines of a `strace -f` style trace, per task: `[pid N] ` tells the
/// task (no prefix, or a task no clone made: the first task), a call
/// split into `<unfinished ...>` and `<... name resumed>` is joined, and
/// children are named by the order of the clones that made them.
fn per_task(trace: &str) -> Vec<(String, Vec<String>)> {
    let lines: Vec<(Option<&str>, &str)> = trace
        .lines()
        .filter(|l| !l.starts_with("trapline: "))
        .map(|l| match l.strip_prefix("[pid ") {
            Some(rest) => {
                let (id, body) = rest.split_once("] ").unwrap_or((rest, ""));
                (Some(id.trim()), body)
            }
            None => (None, l),
        })
        .collect();
    let children: Vec<&str> = lines
        .iter()
        .filter(|(_, b)| b.starts_with("clone(") || b.starts_with("<... clone resumed>"))
        .filter_map(|(_, b)| b.rsplit_once(" = ").map(|(_, r)| r.trim()))
        .collect();
    let mut tasks: Vec<(String, Vec<String>)> = Vec::new();
    for (id, body) in lines {
        let key = match id.and_then(|id| children.iter().position(|c| *c == id)) {
            Some(i) => format!("child {}", i + 1),
            None => "first".to_string(),
        };
        if !tasks.iter().any(|(k, _)| *k == key) {
            tasks.push((key.clone(), Vec::new()));
        }
        let task = &mut tasks.iter_mut().find(|(k, _)| *k == key).unwrap().1;
        match body.strip_prefix("<... ") {
            Some(rest) => {
                let rest = rest.split_once(" resumed>").map_or(rest, |(_, r)| r);
                if let Some(last) = task.last_mut() {
                    *last = last.trim_end_matches(" <unfinished ...>").to_string() + rest;
                }
            }
            None => task.push(body.to_string()),
        }
    }
    for (_, task) in &mut tasks {
        for line in task.iter_mut() {
            *line = normalize(line);
        }
    }
    tasks
}

/// A parent and a child: the trace says which task each line is from
/// (`[pid N] ` while both are traced, with virtual pids), splits the
/// parent's wait4 around the child's calls, and each task's calls match
/// `strace -f`'s, whatever the interleaving.
#[test]
fn fork_trace_matches_strace_f() {
    let dir = Scratch::new("trace-fork");
    let exe = compile(&dir.0, "forkwait", Link::Static);
    let native = Command::new("strace")
        .args(["-f", "-q"])
        .arg(&exe)
        .stdout(Stdio::null())
        .output()
        .expect("strace (apt-get install strace)");
    let native = String::from_utf8_lossy(&native.stderr).into_owned();
    let guest = Command::new(trapline_bin())
        .args(["run", "--trace", "--"])
        .arg(&exe)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let guest = String::from_utf8_lossy(&guest.stderr).into_owned();
    assert!(guest.contains("[pid     1] wait4(2, "), "{guest}");
    assert!(
        guest.contains("<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) "),
        "{guest}"
    );
    assert!(
        guest.contains("[pid     2] +++ exited with 3 +++"),
        "{guest}"
    );
    assert!(
        guest.lines().last() == Some("+++ exited with 3 +++"),
        "{guest}"
    );
    let (n, g) = (per_task(&native), per_task(&guest));
    assert_eq!(n, g, "strace:\n{native}\ntrapline:\n{guest}");
}
