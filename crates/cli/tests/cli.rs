//! The command line: errors a user sees, exit statuses, the syscall table,
//! and the guest's isolation from the host.

mod common;

use common::{compile, run_trapline, run_trapline_with, trapline_bin, Link, Scratch};
use std::process::Command;

#[test]
fn missing_program_is_a_one_line_error_with_status_127() {
    let out = run_trapline("no-such-program-anywhere", &[], b"");
    assert_eq!(out.status, 127);
    let err = out.stderr_str();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no-such-program-anywhere"), "{err}");
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn missing_path_is_enoent_127() {
    let out = run_trapline("/nonexistent/prog", &[], b"");
    assert_eq!(out.status, 127);
    assert!(out.stderr_str().contains("No such file or directory"));
}

#[test]
fn non_executable_file_is_126() {
    let out = run_trapline("/etc/passwd", &[], b"");
    assert_eq!(out.status, 126);
    assert!(
        out.stderr_str().contains("Permission denied"),
        "{}",
        out.stderr_str()
    );
}

#[test]
fn non_elf_executable_is_enoexec() {
    let dir = Scratch::new("noexec");
    let f = dir.path("garbage");
    std::fs::write(&f, "this is not a program\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run_trapline(f.to_str().unwrap(), &[], b"");
    assert_eq!(out.status, 126);
    assert!(
        out.stderr_str().contains("Exec format error"),
        "{}",
        out.stderr_str()
    );
}

#[test]
fn bad_option_is_an_error() {
    let out = Command::new(trapline_bin())
        .args(["run", "--bogus", "--", "/bin/true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
}

#[test]
fn guest_killed_by_a_signal_exits_128_plus_n() {
    let dir = Scratch::new("segv");
    let src = dir.path("segv.c");
    std::fs::write(&src, "int main(void){ *(volatile int*)8 = 1; return 0; }\n").unwrap();
    let exe = dir.path("segv");
    let ok = Command::new("gcc")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = run_trapline(exe.to_str().unwrap(), &[], b"");
    assert_eq!(out.status, 128 + libc::SIGSEGV);
    assert!(out.stderr.is_empty(), "{}", out.stderr_str());
    let killed: Vec<&String> = out
        .notes
        .iter()
        .filter(|n| n.contains("killed by SIGSEGV"))
        .collect();
    assert_eq!(killed.len(), 1, "one line: {:?}", out.notes);
}

#[test]
fn syscalls_tsv_lists_every_syscall_with_status() {
    let out = Command::new(trapline_bin())
        .args(["syscalls", "--format", "tsv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), trapline_abi::table::x86_64::SYSCALLS.len());
    assert!(rows.iter().all(|r| r.len() == 5), "five columns");
    let openat = rows.iter().find(|r| r[1] == "openat").unwrap();
    assert_eq!(openat[0], "257");
    assert_eq!(openat[2], "4");
    assert!(openat[3] == "implemented" || openat[3] == "partial");
    assert!(
        openat[4].starts_with("openat(int dfd, const char __user *filename"),
        "{}",
        openat[4]
    );
    let getppid = rows.iter().find(|r| r[1] == "getppid").unwrap();
    assert_eq!(getppid[3], "implemented");
    let kexec = rows.iter().find(|r| r[1] == "kexec_load").unwrap();
    assert_eq!(kexec[3], "unimplemented");
}

#[test]
fn unimplemented_syscall_is_enosys_and_named_once() {
    let dir = Scratch::new("enosys");
    let src = dir.path("enosys.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\n#include <errno.h>\n#include <unistd.h>\n#include <sys/syscall.h>\n\
         int main(void){ long a = syscall(SYS_kexec_load, 0, 0, 0, 0); int e1 = errno;\n\
         long b = syscall(SYS_kexec_load, 0, 0, 0, 0);\n\
         printf(\"%ld %d %ld %d\\n\", a, e1 == ENOSYS, b, errno == ENOSYS); return 0; }\n",
    )
    .unwrap();
    let exe = dir.path("enosys");
    assert!(Command::new("gcc")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap()
        .success());
    let out = run_trapline(exe.to_str().unwrap(), &[], b"");
    assert_eq!(out.stdout_str(), "-1 1 -1 1\n");
    let named: Vec<&String> = out.notes.iter().filter(|n| *n == "kexec_load").collect();
    assert_eq!(named.len(), 1, "{:?}", out.notes);
}

/// Changes to host files outside /tmp land in the overlay: the guest sees
/// them, the host does not.
#[test]
fn guest_changes_to_host_files_stay_in_the_overlay() {
    let dir = Scratch::new("escape");
    let victim = dir.path("victim.txt");
    std::fs::write(&victim, "original").unwrap();
    let names = || {
        let mut v: Vec<_> = std::fs::read_dir(&dir.0)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| !n.to_string_lossy().starts_with("escape"))
            .collect();
        v.sort();
        v
    };
    let before = names();
    let exe = compile(&dir.0, "escape", Link::Static);
    let out = run_trapline(
        exe.to_str().unwrap(),
        &[victim.to_str().unwrap(), dir.0.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status, 0, "{}", out.stderr_str());
    let lines: Vec<String> = out
        .stdout_str()
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let expected = [
        "write(fd, \"+guest\", 6) = 6",
        "victim.txt: original+guest",
        "truncate(p, 3) = 0",
        "chmod(p, 0600) = 0",
        "victim.txt: ori",
        "fd = open(p, O_CREAT | O_WRONLY, 0644) = 3",
        "write(fd, \"new file!!\", 10) = 10",
        "e-by-guest: new file!!",
        "mkdir(q, 0755) = 0",
        "symlink(dir, \"/tmp/link-to-host\") = 0",
        "mkdir(\"/tmp/link-to-host/via-link\", 0755) = 0",
        "rename(victim, q) = 0",
        "access(victim, F_OK) = -1 ENOENT",
        "rmdir(dir) = -1 ENOTEMPTY",
        "unlink(q) = 0",
    ];
    assert_eq!(lines, expected);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "original");
    assert_eq!(before, names(), "the host directory changed");
}

#[test]
fn guest_tmp_is_private() {
    let name = format!("/tmp/trapline-private-{}", std::process::id());
    let out = run_trapline("/bin/busybox", &["touch", &name], b"");
    assert_eq!(out.status, 0, "{}", out.stderr_str());
    assert!(
        !std::path::Path::new(&name).exists(),
        "guest's /tmp leaked to the host"
    );
}

#[test]
fn trace_prints_strace_style_lines() {
    let out = run_trapline_with(&["--trace"], "/bin/cat", &["/nonexistent-file"], b"");
    let err = out.stderr_str();
    assert_eq!(out.status, 1);
    assert!(
        err.contains("openat(AT_FDCWD, \"/nonexistent-file\", O_RDONLY) = -1 ENOENT (No such file or directory)"),
        "{err}"
    );
    assert!(err.contains("exit_group(1)"), "{err}");
}

/// Ctrl-C at the terminal signals the whole foreground process group: the
/// guest dies of SIGINT as it would natively, even while the kernel sleeps
/// for it, and Trapline exits 130.
#[test]
fn ctrl_c_interrupts_a_sleeping_guest() {
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};
    let mut cmd = Command::new(trapline_bin());
    cmd.args(["run", "--", "/bin/sleep", "20"])
        .stderr(std::process::Stdio::piped());
    cmd.process_group(0);
    let start = Instant::now();
    let child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: signals the test's own child process group.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the sleep was not interrupted"
    );
    assert_eq!(out.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIGINT"));
}

/// A blocking read of stdin is interrupted the same way.
#[test]
fn ctrl_c_interrupts_a_blocking_read() {
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};
    let mut cmd = Command::new(trapline_bin());
    cmd.args(["run", "--", "/bin/cat"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd.process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let _stdin = child.stdin.take();
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: signals the test's own child process group.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(130));
}

/// Ctrl-C reaches a guest's SIGINT handler, also while the guest waits in
/// the kernel (a blocking pipe read under SA_RESTART): the handler runs,
/// prints and exits 3.
#[test]
fn ctrl_c_runs_the_guest_sigint_handler() {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};
    let dir = Scratch::new("ctrlc");
    let exe = compile(&dir.0, "sig_ctrlc", Link::Static);
    for (i, wait_ms) in [(0, 300u64), (1, 1200)] {
        let mut cmd = Command::new(trapline_bin());
        cmd.arg("run")
            .arg("--")
            .arg(&exe)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.process_group(0);
        let start = Instant::now();
        let mut child = cmd.spawn().unwrap();
        // Wait for the guest to say it is waiting, then a bit longer so
        // that it sits in the kernel.
        let mut out = child.stdout.take().unwrap();
        let mut first = [0u8; 8];
        out.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"waiting\n");
        std::thread::sleep(Duration::from_millis(wait_ms));
        // SAFETY: signals the test's own child process group.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        let status = child.wait().unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "round {i}: not interrupted"
        );
        assert_eq!(status.code(), Some(3), "round {i}: {rest}");
        // From outside the sandbox: no sender pid; the terminal's code
        // (here kill(2): SI_USER).
        assert_eq!(rest, "caught SIGINT 2 code=0 pid=0\n", "round {i}");
    }
}

/// Hostile arguments to every syscall Trapline serves: each call answers,
/// the guest runs to its end, and Trapline never loses it or panics.
#[test]
fn hostile_arguments_get_answers() {
    let dir = Scratch::new("garbage");
    let exe = compile(&dir.0, "garbage", Link::Static);
    let out = run_trapline(exe.to_str().unwrap(), &[], b"");
    let stdout = out.stdout_str();
    assert_eq!(
        out.status,
        0,
        "{}\n{}",
        out.stderr_str(),
        stdout.lines().last().unwrap_or("")
    );
    assert!(
        stdout.ends_with("done\n"),
        "{}",
        stdout.lines().last().unwrap_or("")
    );
    assert!(stdout.lines().count() > 1000);
    let err = out.stderr_str();
    assert!(
        !err.contains("panicked") && !err.contains("lost the guest"),
        "{err}"
    );
}

/// A guest blocked in the kernel reading an empty pipe (it holds the write
/// end itself, so the read never returns natively either) is interrupted
/// by Ctrl-C: the pipe's wait ends with EINTR, the guest dies of SIGINT.
#[test]
fn ctrl_c_interrupts_a_read_of_an_empty_pipe() {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};
    let dir = Scratch::new("pipe-wait");
    let exe = compile(&dir.0, "pipe_wait", Link::Static);
    let mut cmd = Command::new(trapline_bin());
    cmd.arg("run")
        .arg("--")
        .arg(&exe)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd.process_group(0);
    let mut child = cmd.spawn().unwrap();
    // Wait until the guest is about to block.
    let mut stdout = child.stdout.take().unwrap();
    let mut line = [0u8; 8];
    stdout.read_exact(&mut line).unwrap();
    assert_eq!(&line, b"waiting\n");
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    // SAFETY: signals the test's own child process group.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "the pipe read was not interrupted"
    );
    assert_eq!(out.status.code(), Some(130));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("killed by SIGINT"), "{err}");
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
}
