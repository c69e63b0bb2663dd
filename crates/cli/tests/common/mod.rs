//! The differential test harness: run a program natively and under
//! Trapline, and compare what a user would see (stdout, stderr, exit status,
//! files left behind).
//!
//! Test programs are built outside /tmp: the guest's /tmp is Trapline's own
//! in-memory file system, so a guest cannot see the host's /tmp.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    /// The program's stderr, without Trapline's own notes.
    pub stderr: Vec<u8>,
    /// Exit code, or 128+N for a signal (as a shell reports it).
    pub status: i32,
    /// Trapline's "unimplemented syscall" notes (empty natively).
    pub notes: Vec<String>,
}

/// The prefix of Trapline's note about an unimplemented syscall.
pub const NOTE: &str = "trapline: unimplemented syscall ";

/// Unimplemented calls a differential run may meet. Each entry says why.
pub const EXPECTED_UNIMPLEMENTED: &[&str] = &[
    // glibc registers rseq at start-up and works without it; Trapline cannot
    // honour rseq critical sections under ptrace, so it says ENOSYS.
    "rseq",
    // glibc's name-service client (ls -l, id, ...) first tries nscd's unix
    // socket and falls back to /etc files on any error, as it does natively
    // when nscd is not running. Sockets come with the network issue.
    "socket",
    // Python's selectors module uses epoll when it exists and falls back to
    // poll; epoll comes with the event-loop issue.
    "epoll_create1",
    // procps (ps, top) asks for the NUMA memory policy for its NUMA
    // column and does without it when the call fails.
    "get_mempolicy",
];

/// The prefix of Trapline's message when a signal killed the guest.
pub const KILLED: &str = "trapline: ";

/// Splits Trapline's notes (and its message about a guest killed by a
/// signal) off a guest's stderr.
fn split_notes(stderr: Vec<u8>) -> (Vec<u8>, Vec<String>) {
    let text = String::from_utf8_lossy(&stderr).into_owned();
    if !text.contains(KILLED) {
        return (stderr, Vec::new());
    }
    let mut rest = String::new();
    let mut notes = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(n) = line.strip_prefix(NOTE) {
            notes.push(n.split_whitespace().next().unwrap_or("").to_string());
        } else if line.starts_with(KILLED) && line.contains(" killed by SIG") {
            notes.push(line.trim_end().to_string());
        } else {
            rest.push_str(line);
        }
    }
    (rest.into_bytes(), notes)
}

impl Outcome {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

pub fn trapline_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_trapline"))
}

/// Runs `cmd` with `stdin` as its input, from `/`, and collects the outcome.
fn collect(mut cmd: Command, stdin: &[u8]) -> Outcome {
    cmd.current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    use std::os::unix::process::ExitStatusExt;
    let status = out
        .status
        .code()
        .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
    Outcome {
        stdout: out.stdout,
        stderr: out.stderr,
        status,
        notes: Vec::new(),
    }
}

pub fn run_native(program: &str, args: &[&str], stdin: &[u8]) -> Outcome {
    let mut cmd = Command::new(program);
    cmd.args(args);
    collect(cmd, stdin)
}

pub fn run_trapline(program: &str, args: &[&str], stdin: &[u8]) -> Outcome {
    run_trapline_with(&[], program, args, stdin)
}

/// Runs under Trapline with extra options before `--`.
pub fn run_trapline_with(opts: &[&str], program: &str, args: &[&str], stdin: &[u8]) -> Outcome {
    let mut cmd = Command::new(trapline_bin());
    cmd.arg("run").args(opts).arg("--").arg(program).args(args);
    let mut out = collect(cmd, stdin);
    let (stderr, notes) = split_notes(std::mem::take(&mut out.stderr));
    out.stderr = stderr;
    out.notes = notes;
    out
}

/// Runs both ways and asserts the same stdout, stderr and exit status.
pub fn assert_same(program: &str, args: &[&str], stdin: &[u8]) -> Outcome {
    let native = run_native(program, args, stdin);
    let guest = run_trapline(program, args, stdin);
    let unexpected: Vec<&String> = guest
        .notes
        .iter()
        .filter(|n| !n.contains(" killed by SIG") && !EXPECTED_UNIMPLEMENTED.contains(&n.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{program} {args:?} met unimplemented syscalls: {unexpected:?}"
    );
    if (&native.stdout, &native.stderr, native.status)
        != (&guest.stdout, &guest.stderr, guest.status)
    {
        panic!(
            "{program} {args:?} differs\n--- native (status {}):\n{}\n--- stderr:\n{}\n--- trapline (status {}):\n{}\n--- stderr:\n{}",
            native.status,
            native.stdout_str(),
            native.stderr_str(),
            guest.status,
            guest.stdout_str(),
            guest.stderr_str()
        );
    }
    guest
}

/// A fresh scratch directory outside /tmp, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir =
            PathBuf::from("/var/tmp/trapline-tests").join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a C test program is linked.
#[derive(Debug, Clone, Copy)]
pub enum Link {
    Dynamic,
    Static,
    StaticPie,
    /// musl-gcc, dynamic (PT_INTERP /lib/ld-musl-x86_64.so.1).
    Musl,
    MuslStatic,
}

impl Link {
    fn flags(self) -> &'static [&'static str] {
        match self {
            Link::Dynamic => &[],
            Link::Static => &["-static"],
            Link::StaticPie => &["-static-pie"],
            Link::Musl => &[],
            Link::MuslStatic => &["-static"],
        }
    }

    fn compiler(self) -> &'static str {
        match self {
            Link::Musl | Link::MuslStatic => "musl-gcc",
            _ => "gcc",
        }
    }
}

/// Compiles `tests/c/NAME.c` into `dir` and returns the executable's path.
pub fn compile(dir: &Path, name: &str, link: Link) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(format!("{name}.c"));
    let out = dir.join(format!("{name}-{link:?}"));
    let result = Command::new(link.compiler())
        .args(["-O1", "-g0", "-Wall", "-D_GNU_SOURCE"])
        .args(link.flags())
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output()
        .expect("run gcc");
    assert!(
        result.status.success(),
        "gcc failed for {name}:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Compiles a C program and asserts that it behaves the same natively and
/// under Trapline.
pub fn diff_c(name: &str, link: Link, args: &[&str]) -> Outcome {
    let scratch = Scratch::new(&format!("{name}-{link:?}"));
    let exe = compile(&scratch.0, name, link);
    let exe = exe.to_str().expect("utf-8 path");
    assert_same(exe, args, b"")
}

/// Every path under `dir` with its mode and contents (symlinks: target),
/// to check that a run left a host tree as it was.
pub fn tree_snapshot(dir: &Path) -> Vec<(PathBuf, u32, Vec<u8>)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let data = if meta.is_file() {
                std::fs::read(&p).unwrap()
            } else if meta.is_symlink() {
                std::fs::read_link(&p)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                todo.push(p.clone());
                Vec::new()
            };
            out.push((p, meta.permissions().mode(), data));
        }
    }
    out.sort();
    out
}
