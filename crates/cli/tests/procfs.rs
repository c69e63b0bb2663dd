//! `/proc`: what a guest sees of itself matches what the same program sees
//! natively, and nothing of the host's processes is reachable.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_same, run_trapline, Outcome, Scratch};

/// A program that looks at itself through /proc and prints what does not
/// depend on the run (pids, inode numbers and addresses are checked, not
/// printed).
const SELF_C: &str = r#"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 16];

static ssize_t slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("open %s failed\n", path); return -1; }
    ssize_t n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

static int cmp(const void *a, const void *b) {
    return atoi(*(char *const *)a) - atoi(*(char *const *)b);
}

int main(int argc, char **argv) {
    char link[4096], cwd[4096], want[64];
    /* Natively, fds the test runner leaked may be open; a guest gets only
       0, 1 and 2. */
    close_range(3, ~0U, 0);
    ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    printf("exe is argv[0]: %s\n", strcmp(link, argv[0]) == 0 ? "yes" : link);
    n = readlink("/proc/self/cwd", link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    printf("cwd is getcwd: %s\n", strcmp(link, getcwd(cwd, sizeof cwd)) == 0 ? "yes" : link);
    n = readlink("/proc/self/root", link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    printf("root: %s\n", link);
    n = readlink("/proc/self", link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    printf("self is getpid: %s\n", atoi(link) == getpid() ? "yes" : link);

    n = slurp("/proc/self/cmdline");
    ssize_t off = 0;
    int i = 0, same = 1;
    for (; off < n && i < argc; i++) {
        same &= strcmp(buf + off, argv[i]) == 0;
        off += strlen(buf + off) + 1;
    }
    printf("cmdline is argv: %s\n", same && i == argc && off == n ? "yes" : "no");

    slurp("/proc/self/comm");
    printf("comm: %s", buf);

    slurp("/proc/self/stat");
    int pid = 0, ppid = 0;
    char comm[64], state;
    sscanf(buf, "%d %63s %c %d", &pid, comm, &state, &ppid);
    printf("stat: %s %c pid %s ppid %s\n", comm, state, pid == getpid() ? "ok" : "wrong",
           ppid == getppid() ? "ok" : "wrong");
    int fields = 0;
    for (char *p = strrchr(buf, ')'); p && *p; p++)
        if (*p == ' ') fields++;
    printf("stat fields after comm: %d\n", fields);

    slurp("/proc/self/status");
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "Name:", 5) || !strncmp(line, "Umask:", 6) ||
            !strncmp(line, "State:", 6) || !strncmp(line, "Uid:", 4) ||
            !strncmp(line, "Gid:", 4) || !strncmp(line, "Threads:", 8))
            printf("status %s\n", line);
        if (!strncmp(line, "Pid:", 4))
            printf("status Pid is getpid: %s\n", atoi(line + 5) == getpid() ? "yes" : line);
        if (!strncmp(line, "PPid:", 5))
            printf("status PPid is getppid: %s\n", atoi(line + 6) == getppid() ? "yes" : line);
    }

    /* The stack variable is in [stack], main in an executable mapping of
       the program itself. */
    int local = 0;
    unsigned long me = (unsigned long)&local, code = (unsigned long)&main;
    int in_stack = 0, in_exe = 0;
    slurp("/proc/self/maps");
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
        const char *name = strlen(line) > 73 ? line + 73 : "";
        if (lo <= me && me < hi && !strcmp(name, "[stack]")) in_stack = 1;
        if (lo <= code && code < hi && perms[2] == 'x' && !strcmp(name, argv[0])) in_exe = 1;
    }
    printf("local in [stack]: %d, main in exe: %d\n", in_stack, in_exe);

    /* fds: 0-2 from the harness (pipes), then some of our own. */
    int a = open("/dev/null", O_RDONLY);
    int b = open("/etc/passwd", O_RDONLY);
    dup2(a, 9);
    int w = open("/dev/null", O_WRONLY);
    printf("opened %d %d 9 %d\n", a, b, w);
    DIR *d = opendir("/proc/self/fd");
    char *names[64];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 64)
        if (e->d_name[0] != '.') names[count++] = strdup(e->d_name);
    qsort(names, count, sizeof *names, cmp);
    snprintf(want, sizeof want, "/proc/%d/fd", getpid());
    for (i = 0; i < count; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%s", names[i]);
        n = readlink(path, link, sizeof link - 1);
        link[n < 0 ? 0 : n] = 0;
        if (!strcmp(link, want)) strcpy(link, "/proc/PID/fd");
        if (atoi(names[i]) <= 2 && !strncmp(link, "pipe:[", 6)) strcpy(link, "pipe");
        printf("fd %s -> %s\n", names[i], link);
    }
    closedir(d);
    return 0;
}
"#;

/// A program that execs itself through /proc/self/exe.
const REEXEC_C: &str = r#"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char comm[32] = {0};
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) { fgets(comm, sizeof comm, f); fclose(f); }
    if (argc > 1 && !strcmp(argv[1], "again")) {
        printf("again as %s, comm %s", argv[0], comm);
        return 3;
    }
    fflush(stdout);
    execl("/proc/self/exe", "renamed", "again", (char *)NULL);
    perror("execl");
    return 1;
}
"#;

/// Compiles `source` as `name` in `dir` (dynamic or `-static`).
fn build(dir: &Path, name: &str, source: &str, static_link: bool) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).expect("write source");
    let exe = dir.join(if static_link {
        format!("{name}-static")
    } else {
        name.to_string()
    });
    let mut cmd = Command::new("gcc");
    cmd.args(["-O1", "-g0", "-Wall", "-D_GNU_SOURCE", "-o"])
        .arg(&exe)
        .arg(&src);
    if static_link {
        cmd.arg("-static");
    }
    let out = cmd.output().expect("run gcc");
    assert!(
        out.status.success(),
        "gcc failed for {name}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

#[test]
fn a_program_sees_itself_as_natively() {
    let scratch = Scratch::new("procfs-self");
    for static_link in [false, true] {
        let exe = build(&scratch.0, "self", SELF_C, static_link);
        let exe = exe.to_str().expect("utf-8 path");
        let out = assert_same(exe, &["one", "two three"], b"");
        let text = out.stdout_str();
        for line in [
            "exe is argv[0]: yes\n",
            "cwd is getcwd: yes\n",
            "root: /\n",
            "self is getpid: yes\n",
            "cmdline is argv: yes\n",
            "stat fields after comm: 50\n",
            "status State:\tR (running)\n",
            "local in [stack]: 1, main in exe: 1\n",
            "fd 1 -> pipe\n",
            "fd 3 -> /dev/null\n",
            "fd 4 -> /etc/passwd\n",
            "fd 6 -> /proc/PID/fd\n",
        ] {
            assert!(text.contains(line), "{line:?} in:\n{text}");
        }
    }
}

#[test]
fn exec_of_proc_self_exe() {
    let scratch = Scratch::new("procfs-reexec");
    let exe = build(&scratch.0, "reexec", REEXEC_C, false);
    let out = assert_same(exe.to_str().expect("utf-8 path"), &[], b"");
    assert_eq!(out.stdout_str(), "again as renamed, comm exe\n");
    assert_eq!(out.status, 3);
}

/// Runs `program` natively with only fds 0, 1 and 2 open (the test runner
/// may leak others; a guest starts with those three).
fn native_stdout_clean(program: &str, args: &[&str]) -> String {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir("/");
    // SAFETY: close_range is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            libc::close_range(3, u32::MAX, 0);
            Ok(())
        });
    }
    let out = cmd.output().expect("run natively");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn coreutils_on_proc_self() {
    let native = native_stdout_clean("/bin/ls", &["/proc/self/fd"]);
    let guest = run_trapline("/bin/ls", &["/proc/self/fd"], b"");
    assert_eq!(guest.stdout_str(), native);
    assert_eq!(native, "0\n1\n2\n3\n");
    assert_same("/bin/cat", &["/proc/self/comm"], b"");
    assert_same("/bin/cat", &["/proc/self/cmdline"], b"");
    assert_same("/bin/cat", &["/proc/self/environ"], b"");
    assert_same(
        "/bin/sed",
        &[
            "-nE",
            "/^(Name|Umask|State|Uid|Gid|Groups|Threads):/p",
            "/proc/self/status",
        ],
        b"",
    );
    assert_same("/bin/readlink", &["/proc/self/exe", "/proc/self/root"], b"");
    assert_same("/bin/readlink", &["-f", "/proc/self/cwd"], b"");
    assert_same(
        "/bin/cat",
        &["/proc/filesystems", "/proc/sys/kernel/ostype"],
        b"",
    );
    // comm is the name exec was given (python3 is a symlink).
    assert_same(
        "/usr/bin/python3",
        &["-c", "print(open('/proc/self/comm').read(), end='')"],
        b"",
    );
}

fn assert_missing(out: &Outcome, what: &str) {
    assert_ne!(out.status, 0, "{what}: {}", out.stdout_str());
    assert!(
        out.stderr_str().contains("No such file or directory"),
        "{what}: {}",
        out.stderr_str()
    );
}

#[test]
fn pid_1_is_the_guest() {
    let out = run_trapline("/bin/readlink", &["/proc/1/exe", "/proc/self"], b"");
    let readlink = std::fs::canonicalize("/bin/readlink").expect("canonicalize");
    assert_eq!(
        out.stdout_str(),
        format!("{}\n1\n", readlink.display()),
        "{}",
        out.stderr_str()
    );
    let out = run_trapline("/bin/ls", &["/proc"], b"");
    let pids: Vec<String> = out
        .stdout_str()
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    assert_eq!(pids, ["1"], "{}", out.stdout_str());
    for name in ["self", "thread-self", "cpuinfo", "meminfo", "sys"] {
        assert!(
            out.stdout_str().lines().any(|l| l == name),
            "{name} in {}",
            out.stdout_str()
        );
    }
}

#[test]
fn host_processes_are_not_reachable() {
    let me = std::process::id().to_string();
    let paths = [
        format!("/proc/{me}"),
        format!("/proc/{me}/environ"),
        "/proc/kcore".to_string(),
        "/proc/kmsg".to_string(),
        "/proc/sysrq-trigger".to_string(),
        "/proc/keys".to_string(),
        "/proc/2".to_string(),
    ];
    for p in &paths {
        let out = run_trapline("/bin/ls", &["-d", p], b"");
        assert_missing(&out, p);
    }
    let out = run_trapline("/bin/cat", &[&format!("/proc/{me}/cmdline")], b"");
    assert_missing(&out, "cmdline of the test runner");
}

#[test]
fn host_system_files_are_readable_as_on_the_host() {
    // The clock speed changes from read to read.
    let steady = |b: &[u8]| -> String {
        String::from_utf8_lossy(b)
            .lines()
            .filter(|l| !l.starts_with("cpu MHz"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let out = run_trapline("/bin/cat", &["/proc/cpuinfo"], b"");
    assert_eq!(out.status, 0, "{}", out.stderr_str());
    let host = std::fs::read("/proc/cpuinfo").expect("host cpuinfo");
    assert_eq!(steady(&out.stdout), steady(&host));
    let out = run_trapline("/bin/cat", &["/proc/sys/kernel/ostype"], b"");
    assert_eq!(
        out.stdout,
        std::fs::read("/proc/sys/kernel/ostype").unwrap()
    );
}

#[test]
fn proc_is_read_only() {
    let scratch = Scratch::new("procfs-write");
    let prog = r#"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define TRY(call) printf("%-40s %s\n", #call, (call) < 0 ? strerror(errno) : "ok")
int main(void) {
    TRY(open("/proc/self/status", O_WRONLY));
    TRY(open("/proc/cpuinfo", O_WRONLY));
    TRY(open("/proc/sys/kernel/hostname", O_RDWR));
    TRY(open("/proc/new", O_CREAT | O_WRONLY, 0644));
    TRY(mkdir("/proc/dir", 0755));
    TRY(unlink("/proc/self/comm"));
    TRY(chmod("/proc/self/stat", 0600));
    TRY(open("/proc/self/comm/x", O_RDONLY));
    TRY(open("/proc/999999/stat", O_RDONLY));
    return 0;
}
"#;
    let exe = build(&scratch.0, "ro", prog, false);
    let out = run_trapline(exe.to_str().expect("utf-8 path"), &[], b"");
    let text = out.stdout_str();
    for (call, want) in [
        // Root may open it for writing, as on Linux; writing then fails.
        ("status", "ok"),
        ("\"/proc/cpuinfo\"", "ok"),
        ("hostname", "Read-only file system"),
        ("/proc/new", "No such file or directory"),
        ("mkdir", "No such file or directory"),
        ("unlink", "Operation not permitted"),
        ("chmod", "Operation not permitted"),
        ("comm/x", "Not a directory"),
        ("999999", "No such file or directory"),
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(call))
            .unwrap_or_else(|| panic!("{call} in {text}"));
        assert!(line.ends_with(want), "{line}: want {want}");
    }
}

/// The first line of `free -b`'s Mem row: its total.
fn mem_total(free: &str) -> Option<String> {
    free.lines()
        .find(|l| l.starts_with("Mem:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .map(str::to_string)
}

#[test]
fn procps_sees_the_guest() {
    // free reads /proc/meminfo: the host's memory.
    let guest = run_trapline("/usr/bin/free", &["-b"], b"");
    assert_eq!(guest.status, 0, "{}", guest.stderr_str());
    let native = native_stdout_clean("/usr/bin/free", &["-b"]);
    assert_eq!(mem_total(&guest.stdout_str()), mem_total(&native));
    // uptime: the host's time since boot, the kernel's load line.
    let up = run_trapline("/usr/bin/uptime", &[], b"");
    assert_eq!(up.status, 0, "{}", up.stderr_str());
    let text = up.stdout_str();
    assert!(
        text.contains(" up ") && text.contains("load average: "),
        "{text}"
    );
    // ps: the guest is pid 1 with no parent; its threads are listed.
    let ps = run_trapline(
        "/bin/ps",
        &["-o", "comm,stat", "--no-headers", "-p", "1"],
        b"",
    );
    assert_eq!(
        ps.stdout_str(),
        "ps              R\n",
        "{}",
        ps.stderr_str()
    );
    let ps = run_trapline("/bin/ps", &["-e", "-o", "pid,ppid,comm"], b"");
    assert_eq!(
        ps.stdout_str(),
        "    PID    PPID COMMAND\n      1       0 ps\n",
        "{}",
        ps.stderr_str()
    );
    let shell = run_trapline(
        "/bin/sh",
        &["-c", "sleep 5 & ps -e -o pid,ppid,stat,comm; kill $!"],
        b"",
    );
    assert_eq!(
        shell.stdout_str(),
        "    PID    PPID STAT COMMAND\n      1       0 S    sh\n      2       1 S    sleep\n      3       1 R    ps\n",
        "{}",
        shell.stderr_str()
    );
    assert_same("/usr/bin/nproc", &[], b"");
}

#[test]
fn python_threads_in_proc_self_task() {
    let prog = "import threading, os\n\
                e = threading.Event()\n\
                t = threading.Thread(target=e.wait, name='waiter')\n\
                t.start()\n\
                tids = sorted(os.listdir('/proc/self/task'))\n\
                print(len(tids), str(threading.get_native_id()) in tids)\n\
                e.set(); t.join()\n";
    let out = assert_same("/usr/bin/python3", &["-c", prog], b"");
    assert_eq!(out.stdout_str(), "2 True\n");
}

#[test]
fn a_pipe_through_dev_stdin_and_proc_self_fd() {
    // The link of a pipe leads to the pipe itself.
    let out = assert_same("/bin/cat", &["/proc/self/fd/0"], b"through the link\n");
    assert_eq!(out.stdout_str(), "through the link\n");
    let out = assert_same(
        "/bin/sh",
        &[
            "-c",
            "echo piped | cat /proc/self/fd/0; echo err > /proc/self/fd/2",
        ],
        b"",
    );
    assert_eq!(out.stdout_str(), "piped\n");
    assert_eq!(out.stderr_str(), "err\n");
}

#[test]
fn findmnt_reads_the_mount_table() {
    let out = run_trapline(
        "/usr/bin/findmnt",
        &["-n", "-o", "TARGET,FSTYPE", "/proc"],
        b"",
    );
    assert_eq!(out.status, 0, "{}", out.stderr_str());
    assert_eq!(
        out.stdout_str().split_whitespace().collect::<Vec<_>>(),
        ["/proc", "proc"]
    );
}

#[test]
fn sysfs_shows_the_cpus_and_nothing_else() {
    assert_same("/bin/cat", &["/sys/devices/system/cpu/online"], b"");
    assert_same(
        "/bin/cat",
        &[
            "/sys/devices/system/cpu/possible",
            "/sys/devices/system/cpu/cpu0/topology/core_id",
        ],
        b"",
    );
    for p in [
        "/sys/class",
        "/sys/kernel",
        "/sys/block",
        "/sys/devices/virtual",
        "/sys/fs/ext4",
    ] {
        let out = run_trapline("/bin/ls", &["-d", p], b"");
        assert_missing(&out, p);
    }
    let out = run_trapline("/bin/ls", &["/sys", "/sys/fs/cgroup"], b"");
    assert_eq!(out.stdout_str(), "/sys:\ndevices\nfs\n\n/sys/fs/cgroup:\n");
    // The mount is read-only.
    let out = run_trapline("/bin/mkdir", &["/sys/fs/new"], b"");
    assert!(
        out.stderr_str().contains("Read-only file system"),
        "{}",
        out.stderr_str()
    );
    let out = run_trapline(
        "/usr/bin/findmnt",
        &["-n", "-o", "FSTYPE,OPTIONS", "/sys"],
        b"",
    );
    assert_eq!(
        out.stdout_str().trim(),
        "sysfs  ro,nosuid,nodev,noexec,relatime"
    );
}
