//! Real programs from the machine: the same stdout and exit status as
//! natively.

mod common;

use common::{assert_same, run_trapline, Scratch};

#[test]
fn bin_true() {
    assert_same("/bin/true", &[], b"");
}

#[test]
fn bin_false() {
    let out = assert_same("/bin/false", &[], b"");
    assert_eq!(out.status, 1);
}

#[test]
fn echo() {
    assert_same("/bin/echo", &["hello", "world"], b"");
}

#[test]
fn cat_file() {
    assert_same("/bin/cat", &["/etc/passwd", "/usr/include/stdio.h"], b"");
}

#[test]
fn cat_stdin() {
    assert_same("/bin/cat", &[], b"piped\ninput\n");
}

#[test]
fn cat_missing_file() {
    let out = assert_same("/bin/cat", &["/nonexistent"], b"");
    assert_eq!(out.status, 1);
}

#[test]
fn ls_la_usr() {
    assert_same("/bin/ls", &["-la", "/usr"], b"");
}

#[test]
fn ls_recursive() {
    assert_same("/bin/ls", &["-laR", "/usr/include/linux"], b"");
}

#[test]
fn env() {
    assert_same("/usr/bin/env", &[], b"");
}

#[test]
fn sort() {
    assert_same("/usr/bin/sort", &[], b"pear\napple\nfig\n");
}

#[test]
fn sort_file() {
    assert_same("/usr/bin/sort", &["-r", "/etc/passwd"], b"");
}

#[test]
fn sha256sum() {
    assert_same(
        "/usr/bin/sha256sum",
        &["/usr/include/stdio.h", "/bin/ls"],
        b"",
    );
}

#[test]
fn python3_json() {
    assert_same(
        "/usr/bin/python3",
        &[
            "-c",
            "import json,os; print(json.dumps(sorted(os.listdir('/etc'))[:5]))",
        ],
        b"",
    );
}

#[test]
fn busybox_echo() {
    assert_same("/bin/busybox", &["echo", "hi", "there"], b"");
}

#[test]
fn busybox_ls() {
    assert_same("/bin/busybox", &["ls", "-la", "/usr"], b"");
}

#[test]
fn shell_script_with_shebang() {
    let dir = Scratch::new("shebang");
    let script = dir.path("script.sh");
    std::fs::write(&script, "#!/bin/sh\necho \"script says $1\"\nexit 7\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = assert_same(script.to_str().unwrap(), &["hi"], b"");
    assert_eq!(out.status, 7);
    assert_eq!(out.stdout_str(), "script says hi\n");
}

#[test]
fn program_found_in_path() {
    let out = run_trapline("echo", &["via", "PATH"], b"");
    assert_eq!(out.stdout_str(), "via PATH\n");
    assert_eq!(out.status, 0);
}

/// Under a terminal (a pty from script(1)), TCGETS and TIOCGWINSZ answer as
/// natively: `stty -a` prints every setting and the window size, `test -t`
/// sees a terminal.
#[test]
fn terminal_settings_under_a_pty() {
    let trapline = common::trapline_bin();
    let t = trapline.to_str().unwrap();
    let run = |cmd: String| {
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script(1) from bsdutils");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let native = run("stty -a; test -t 0 && echo is-a-tty".into());
    let guest = run(format!("{t} run -- /bin/stty -a 2>/dev/null; {t} run -- /usr/bin/test -t 0 2>/dev/null && echo is-a-tty"));
    assert!(native.contains("is-a-tty"), "{native}");
    assert_eq!(native, guest);
}

/// Under a terminal: `tty` names it, `/dev/tty` is it, and a new
/// pseudo-terminal (python's `pty.openpty`: /dev/ptmx, /dev/pts/N) works,
/// as natively.
#[test]
fn controlling_terminal_and_ptys_under_a_pty() {
    let trapline = common::trapline_bin();
    let t = trapline.to_str().unwrap();
    let py = "import os, pty, tty\n\
              m, s = pty.openpty()\n\
              print(os.ttyname(s).startswith('/dev/pts/'))\n\
              os.write(s, b'out\\n'); print(os.read(m, 100))\n\
              os.write(m, b'in\\n'); print(os.read(s, 100))\n\
              tty.setraw(s); print(tty.tcgetattr(s)[3] & tty.ICANON)\n";
    let script = |prefix: &str| {
        let cmd = format!(
            "{prefix} /usr/bin/tty; {prefix} /bin/sh -c 'echo via-dev-tty > /dev/tty'; \
             {prefix} /usr/bin/python3 -c \"{py}\""
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script(1) from bsdutils");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with(common::NOTE))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let native = script("");
    let guest = script(&format!("{t} run --"));
    assert!(
        native.contains("/dev/pts/") && native.contains("via-dev-tty"),
        "{native}"
    );
    assert_eq!(native, guest);
}

/// Runs `cmd` with `sh -c` under a fresh pty (script(1)), with nothing
/// typed, and returns what the terminal showed.
fn under_a_pty(cmd: &str) -> String {
    let out = std::process::Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script(1) from bsdutils");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Job control on the controlling terminal (tests/c/jobctl.c): the
/// foreground group moves between the program's groups, a background
/// group gets SIGTTOU and SIGTTIN. The program runs as a shell's child,
/// as a command in an interactive shell would.
#[test]
fn job_control_under_a_pty() {
    let dir = Scratch::new("jobctl");
    let exe = common::compile(&dir.0, "jobctl", common::Link::Dynamic);
    let exe = exe.to_str().unwrap();
    let t = common::trapline_bin();
    let native = under_a_pty(&format!("{exe}; true"));
    let guest = under_a_pty(&format!("{} run -- {exe} 2>/dev/null; true", t.display()));
    assert!(
        native.contains("read                               stopped by 21"),
        "{native}"
    );
    assert_eq!(native, guest);
}

/// Ctrl-C typed at the terminal reaches the foreground group only: here a
/// child's group, not its parent's (which the host also signals: every
/// guest process is in Trapline's host group).
#[test]
fn ctrl_c_reaches_the_foreground_group_only() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = Scratch::new("jobctl-ctrl-c");
    let exe = common::compile(&dir.0, "jobctl", common::Link::Dynamic);
    let exe = exe.to_str().unwrap();
    let t = common::trapline_bin();
    let run = |cmd: String| {
        let mut child = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script(1) from bsdutils");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut seen = String::new();
        while !seen.contains("ready") {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            seen += &line;
        }
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"\x03").unwrap();
        stdin.flush().unwrap();
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        drop(stdin);
        let _ = child.wait();
        seen + &rest
    };
    let native = run(format!("{exe} ctrl-c; true"));
    let guest = run(format!(
        "{} run -- {exe} ctrl-c 2>/dev/null; true",
        t.display()
    ));
    assert!(
        native.contains("child exited 3, parent got SIGINT: 0"),
        "{native}"
    );
    assert_eq!(native, guest);
}

#[test]
fn shell_loop_of_200_true_runs() {
    let out = assert_same(
        "/bin/sh",
        &[
            "-c",
            "i=0; while [ $i -lt 200 ]; do /bin/true || exit 9; i=$((i+1)); done; echo ran $i",
        ],
        b"",
    );
    assert_eq!(out.stdout_str(), "ran 200\n");
}

#[test]
fn shell_runs_commands_and_sees_their_status() {
    assert_same(
        "/bin/sh",
        &["-c", "/bin/echo one; /bin/false; echo \"false gave $?\"; /bin/sh -c 'exit 6'; echo \"sh gave $?\"; exec /bin/echo exec-ed"],
        b"",
    );
}

/// gcc runs cc1, as and collect2/ld as child processes and writes its
/// temporary files in /tmp (Trapline's own, natively the host's).
#[test]
fn gcc_compiles_and_runs_a_program() {
    let dir = common::Scratch::new("gcc");
    let src = dir.path("hello.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void){puts(\"built under trapline\");return 4;}\n",
    )
    .unwrap();
    let script = format!(
        "out=/tmp/trapline-gcc-$$; gcc -O1 -o $out {} && $out; s=$?; rm -f $out; exit $s",
        src.display()
    );
    let out = assert_same("/bin/sh", &["-c", &script], b"");
    assert_eq!(out.stdout_str(), "built under trapline\n");
    assert_eq!(out.status, 4);
}

#[test]
fn shell_pipeline() {
    assert_same("/bin/sh", &["-c", "ls /usr | sort | head -3"], b"");
}

#[test]
fn shell_pipeline_with_stdin_and_status() {
    let out = assert_same(
        "/bin/sh",
        &["-c", "sort -r | tr a-z A-Z | head -2; exit 3"],
        b"pear\napple\nfig\n",
    );
    assert_eq!(out.status, 3);
}

/// `yes | head`: the writer dies of SIGPIPE once head exits, and the shell
/// moves on.
#[test]
fn sigpipe_ends_a_pipeline_writer() {
    assert_same("/bin/sh", &["-c", "yes | head -3; echo done"], b"");
}

#[test]
fn python3_subprocess_and_popen() {
    assert_same(
        "/usr/bin/python3",
        &[
            "-c",
            "import subprocess, os\n\
             r = subprocess.run(['sh', '-c', 'echo out; echo err >&2; exit 3'], capture_output=True)\n\
             print(r.returncode, r.stdout, r.stderr)\n\
             print(subprocess.run(['true']).returncode)\n\
             print(os.popen('ls /usr | head -2').read(), end='')",
        ],
        b"",
    );
}

/// Python threads: start, join, a lock, a queue between two threads and an
/// event (futex waits and wake-ups between host threads).
#[test]
fn python3_threading() {
    assert_same(
        "/usr/bin/python3",
        &[
            "-c",
            "import threading, queue\n\
             results = [0] * 4\n\
             lock = threading.Lock()\n\
             total = 0\n\
             def work(i):\n\
             \x20   global total\n\
             \x20   results[i] = sum(range(i * 20000))\n\
             \x20   for _ in range(500):\n\
             \x20       with lock:\n\
             \x20           total += 1\n\
             ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]\n\
             for t in ts: t.start()\n\
             for t in ts: t.join()\n\
             q = queue.Queue()\n\
             def producer():\n\
             \x20   for i in range(100): q.put(i)\n\
             \x20   q.put(None)\n\
             out = []\n\
             def consumer():\n\
             \x20   while (x := q.get()) is not None: out.append(x)\n\
             c = threading.Thread(target=consumer); p = threading.Thread(target=producer)\n\
             c.start(); p.start(); p.join(); c.join()\n\
             ev = threading.Event()\n\
             w = threading.Thread(target=lambda: ev.wait(5)); w.start(); ev.set(); w.join()\n\
             print(results, total, sum(out), threading.active_count())",
        ],
        b"",
    );
}

/// make -j2 of a small project in /tmp (the guest can write only there):
/// the jobserver pipe, pselect, parallel compiler runs, then the program.
#[test]
fn make_j2_builds_a_small_project() {
    let src = common::Scratch::new("make");
    std::fs::write(src.path("Makefile"), "all: prog\n\t./prog\nprog: a.o b.o\n\t$(CC) -o $@ a.o b.o\n%.o: %.c\n\t$(CC) -c -o $@ $<\n").unwrap();
    std::fs::write(
        src.path("a.c"),
        "#include <stdio.h>\nint b(void);\nint main(void){printf(\"b=%d\\n\", b());return 0;}\n",
    )
    .unwrap();
    std::fs::write(src.path("b.c"), "int b(void){return 42;}\n").unwrap();
    // -s: the order in which -j2 echoes the compiler runs is not fixed.
    let script = format!(
        "d=/tmp/trapline-make-$$; mkdir $d && cp {0}/Makefile {0}/a.c {0}/b.c $d && make -s -C $d -j2 2>&1; s=$?; rm -rf $d; exit $s",
        src.0.display()
    );
    let out = assert_same("/bin/sh", &["-c", &script], b"");
    assert_eq!(out.stdout_str(), "b=42\n");
}

/// multiprocessing: worker processes, POSIX semaphores in /dev/shm (a
/// private tmpfs), shared-memory futexes and pipes.
#[test]
fn python3_multiprocessing_pool() {
    assert_same(
        "/usr/bin/python3",
        &[
            "-c",
            "import multiprocessing as m\n\
             if __name__ == '__main__':\n    \
                 with m.Pool(2) as p:\n        \
                     print(p.map(abs, [-1, -2, 3, -4]))",
        ],
        b"",
    );
}
