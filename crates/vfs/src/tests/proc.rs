use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use super::{err, host_vfs, names, read_all, root, user, RD, WR};
use crate::{
    Errno, FsContext, Mapping, ProcFd, ProcInfo, ProcMemory, ProcSource, ProcThread, ProcUsage,
    SystemInfo, Vfs,
};

/// Processes made up for the test.
struct Fake(BTreeMap<i32, ProcInfo>);

impl ProcSource for Fake {
    fn pids(&self) -> Vec<i32> {
        self.0.keys().copied().collect()
    }
    fn process(&self, pid: i32) -> Option<ProcInfo> {
        self.0.get(&pid).cloned()
    }
    fn memory(&self, pid: i32, _counters: bool) -> Option<ProcMemory> {
        self.0.get(&pid)?;
        Some(ProcMemory {
            maps: vec![Mapping {
                start: 0x40_0000,
                end: 0x40_1000,
                prot: libc::PROT_READ | libc::PROT_EXEC,
                ..Mapping::default()
            }],
            start_brk: 0x1000,
            ..ProcMemory::default()
        })
    }
    fn usage(&self, pid: i32, _tid: Option<i32>) -> Option<ProcUsage> {
        self.0.get(&pid)?;
        Some(ProcUsage {
            state: b'S',
            ..ProcUsage::default()
        })
    }
    fn set_comm(&self, _pid: i32, _tid: i32, _comm: &[u8]) -> Result<(), Errno> {
        Err(Errno::ESRCH)
    }
    fn system(&self) -> SystemInfo {
        SystemInfo {
            hostname: b"fakehost".to_vec(),
            release: "6.1.0-test".into(),
            ..SystemInfo::default()
        }
    }
}

/// Process `pid` of user `uid`: cwd /tmp, umask 027, /dev/null on fd 0 and
/// a pipe's write end on fd 4.
fn info(vfs: &Vfs, pid: i32, uid: u32) -> ProcInfo {
    let mut ctx = FsContext::new(vfs);
    vfs.chdir(&mut ctx, None, b"/tmp", &root()).expect("chdir");
    ctx.set_umask(0o027);
    let null = vfs
        .open(&ctx, None, b"/dev/null", RD, 0, &root())
        .expect("/dev/null");
    let (_r, w) = crate::new_pipe(0, 0, 0);
    ProcInfo {
        pid,
        ppid: pid - 1,
        pgid: 1,
        sid: 1,
        threads: vec![ProcThread {
            tid: pid,
            comm: b"prog".to_vec(),
            ..ProcThread::default()
        }],
        comm: b"prog".to_vec(),
        exe: b"/usr/bin/prog".to_vec(),
        fs: Some(ctx.view()),
        cmdline: b"prog\0-x\0".to_vec(),
        environ: b"A=1\0".to_vec(),
        uids: [uid; 4],
        gids: [uid; 4],
        groups: vec![5, 6],
        fds: vec![
            ProcFd {
                fd: 0,
                file: null,
                cloexec: false,
            },
            ProcFd {
                fd: 4,
                file: w,
                cloexec: true,
            },
        ],
        sig_ignored: 1,
        sig_caught: 2,
        limits: vec![(1024, 4096); 16],
        ..ProcInfo::default()
    }
}

/// A vfs over the host's root whose /proc shows pids 1 (root's) and 7
/// (uid 1000's); the context is pid 1's.
fn proc_vfs() -> (Vfs, FsContext, Arc<dyn ProcSource>) {
    let (vfs, mut ctx) = host_vfs();
    let mut procs = BTreeMap::new();
    procs.insert(1, info(&vfs, 1, 0));
    procs.insert(7, info(&vfs, 7, 1000));
    let source: Arc<dyn ProcSource> = Arc::new(Fake(procs));
    vfs.set_proc_source(Arc::downgrade(&source));
    ctx.set_pid(1);
    (vfs, ctx, source)
}

fn read(vfs: &Vfs, ctx: &FsContext, path: &str) -> Vec<u8> {
    let f = vfs
        .open(ctx, None, path.as_bytes(), RD, 0, &root())
        .expect(path);
    read_all(&f)
}

fn list(vfs: &Vfs, ctx: &FsContext, path: &str) -> Vec<String> {
    let f = vfs
        .open(
            ctx,
            None,
            path.as_bytes(),
            RD | libc::O_DIRECTORY,
            0,
            &root(),
        )
        .expect(path);
    names(&f, 64)
        .into_iter()
        .map(|n| String::from_utf8(n).unwrap())
        .collect()
}

#[test]
fn root_lists_guest_pids_and_allowed_host_files_only() {
    let (vfs, ctx, _source) = proc_vfs();
    let names = list(&vfs, &ctx, "/proc");
    for want in [
        ".",
        "..",
        "self",
        "thread-self",
        "1",
        "7",
        "cpuinfo",
        "sys",
        "mounts",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let host_pid = std::process::id().to_string();
    for gone in [host_pid.as_str(), "kcore", "kmsg", "sysrq-trigger"] {
        assert!(!names.iter().any(|n| n == gone), "{gone} in {names:?}");
        let p = format!("/proc/{gone}");
        assert_eq!(
            err(vfs.stat(&ctx, None, p.as_bytes(), false, &root())),
            Errno::ENOENT,
            "{p}"
        );
    }
    for bad in [
        "/proc/01",
        "/proc/+1",
        "/proc/2",
        "/proc/1/nope",
        "/proc/1/task/7",
    ] {
        assert_eq!(
            err(vfs.stat(&ctx, None, bad.as_bytes(), false, &root())),
            Errno::ENOENT,
            "{bad}"
        );
    }
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/proc/1/comm/x", false, &root())),
        Errno::ENOTDIR
    );
}

#[test]
fn self_follows_the_callers_pid() {
    let (vfs, mut ctx, _source) = proc_vfs();
    let r = root();
    assert_eq!(
        vfs.readlink(&ctx, None, b"/proc/self", &r),
        Ok(b"1".to_vec())
    );
    assert_eq!(
        vfs.readlink(&ctx, None, b"/proc/thread-self", &r),
        Ok(b"1/task/1".to_vec())
    );
    assert_eq!(
        vfs.readlink(&ctx, None, b"/proc/self/exe", &r),
        Ok(b"/usr/bin/prog".to_vec())
    );
    ctx.set_pid(7);
    assert_eq!(read(&vfs, &ctx, "/proc/self/stat")[..3], *b"7 (");
    assert_eq!(read(&vfs, &ctx, "/proc/thread-self/comm"), b"prog\n");
    ctx.set_pid(0);
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/proc/self/", true, &r)),
        Errno::ENOENT
    );
}

#[test]
fn process_files() {
    let (vfs, ctx, _source) = proc_vfs();
    assert_eq!(read(&vfs, &ctx, "/proc/1/cmdline"), b"prog\0-x\0");
    assert_eq!(read(&vfs, &ctx, "/proc/1/environ"), b"A=1\0");
    assert_eq!(read(&vfs, &ctx, "/proc/1/comm"), b"prog\n");
    assert_eq!(
        read(&vfs, &ctx, "/proc/1/maps"),
        b"00400000-00401000 r-xp 00000000 00:00 0 \n"
    );
    let status = String::from_utf8(read(&vfs, &ctx, "/proc/self/status")).unwrap();
    for line in [
        "Name:\tprog\n",
        "Umask:\t0027\n",
        "State:\tR (running)\n",
        "Pid:\t1\n",
        "PPid:\t0\n",
        "Groups:\t5 6 \n",
        "Threads:\t1\n",
        "SigIgn:\t0000000000000001\n",
    ] {
        assert!(status.contains(line), "{line:?} in {status}");
    }
    let other = String::from_utf8(read(&vfs, &ctx, "/proc/7/status")).unwrap();
    assert!(other.contains("State:\tS (sleeping)\n"), "{other}");
    assert!(other.contains("Uid:\t1000\t1000\t1000\t1000\n"), "{other}");
    let stat = String::from_utf8(read(&vfs, &ctx, "/proc/7/stat")).unwrap();
    let fields: Vec<&str> = stat.split_whitespace().collect();
    assert_eq!(fields.len(), 52, "{stat}");
    assert_eq!(&fields[..6], ["7", "(prog)", "S", "6", "1", "1"]);
    assert_eq!(fields[22], "4096", "vsize");
    assert_eq!(fields[46], "4096", "start_brk");

    let st = vfs.stat(&ctx, None, b"/proc/7", true, &root()).unwrap();
    assert_eq!((st.mode, st.uid), (libc::S_IFDIR | 0o555, 1000));
    let st = vfs
        .stat(&ctx, None, b"/proc/7/environ", true, &root())
        .unwrap();
    assert_eq!(st.mode, libc::S_IFREG | 0o400);
    let f = vfs
        .open(&ctx, None, b"/proc/1/maps", RD, 0, &root())
        .unwrap();
    assert_eq!(f.statfs().map(|s| s.f_type), Ok(crate::PROC_SUPER_MAGIC));
}

#[test]
fn fd_links_and_task_dirs() {
    let (vfs, mut ctx, _source) = proc_vfs();
    assert_eq!(list(&vfs, &ctx, "/proc/1/fd"), [".", "..", "0", "4"]);
    assert_eq!(list(&vfs, &ctx, "/proc/1/task"), [".", "..", "1"]);
    let r = root();
    let pipe = vfs.readlink(&ctx, None, b"/proc/1/fd/4", &r).unwrap();
    assert!(pipe.starts_with(b"pipe:["), "{pipe:?}");
    let st = vfs.stat(&ctx, None, b"/proc/1/fd/4", false, &r).unwrap();
    assert_eq!(st.mode, libc::S_IFLNK | 0o300);
    // Followed, the links lead to the files themselves: fd 0 is
    // /dev/null, fd 4 the pipe, which a new open reaches too.
    let null = vfs.stat(&ctx, None, b"/proc/self/fd/0", true, &r).unwrap();
    assert_eq!(null.rdev, libc::makedev(1, 3));
    let fifo = vfs.stat(&ctx, None, b"/proc/1/fd/4", true, &r).unwrap();
    assert_eq!(fifo.mode & libc::S_IFMT, libc::S_IFIFO);
    let reader = vfs
        .open(&ctx, None, b"/proc/1/fd/4", RD, 0, &r)
        .expect("reopen the pipe");
    let writer = _source.process(1).unwrap().fds[1].file.clone();
    assert_eq!(writer.write(b"through"), Ok(7));
    let mut buf = [0u8; 16];
    assert_eq!(reader.read(&mut buf), Ok(7));
    assert_eq!(&buf[..7], b"through");
    assert_eq!(reader.path(), writer.path());
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/proc/1/fd/3", false, &r)),
        Errno::ENOENT
    );
    vfs.chdir(&mut ctx, None, b"/proc/self/task/1/fd", &r)
        .expect("chdir");
    assert_eq!(ctx.cwd_path(), "/proc/1/task/1/fd");
    vfs.chdir(&mut ctx, None, b"../../..", &r)
        .expect("chdir ..");
    assert_eq!(ctx.cwd_path(), "/proc/1");
    assert_eq!(read(&vfs, &ctx, "comm"), b"prog\n");
}

#[test]
fn another_users_links_are_eacces() {
    let (vfs, ctx, _source) = proc_vfs();
    let u = user(1000);
    assert_eq!(
        vfs.readlink(&ctx, None, b"/proc/7/exe", &u),
        Ok(b"/usr/bin/prog".to_vec())
    );
    assert_eq!(
        err(vfs.readlink(&ctx, None, b"/proc/1/exe", &u)),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/proc/1/fd", RD, 0, &u)),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/proc/1/environ", RD, 0, &u)),
        Errno::EACCES
    );
}

#[test]
fn nothing_in_proc_can_be_changed() {
    let (vfs, ctx, _source) = proc_vfs();
    let r = root();
    // The mode decides who may open a file for writing; most of them
    // then refuse the write.
    assert_eq!(
        err(vfs.open(&ctx, None, b"/proc/7/status", WR, 0, &user(1000))),
        Errno::EACCES
    );
    let status = vfs
        .open(&ctx, None, b"/proc/7/status", WR, 0, &r)
        .expect("root opens status for writing");
    assert_eq!(status.write(b"x"), Err(Errno::EINVAL));
    // comm is written by the process's own threads only.
    let comm = vfs.open(&ctx, None, b"/proc/7/comm", WR, 0, &r).unwrap();
    assert_eq!(comm.write(b"x"), Err(Errno::EINVAL));
    let comm = vfs.open(&ctx, None, b"/proc/1/comm", WR, 0, &r).unwrap();
    assert_eq!(
        comm.write(b"x"),
        Err(Errno::ESRCH),
        "the fake source renames nothing"
    );
    // The system-wide files, as on Linux: root opens them, writes are
    // EIO; sysctl settings cannot be changed.
    let cpuinfo = vfs.open(&ctx, None, b"/proc/cpuinfo", WR, 0, &r).unwrap();
    assert_eq!(cpuinfo.write(b"x"), Err(Errno::EIO));
    assert_eq!(
        err(vfs.open(&ctx, None, b"/proc/cpuinfo", WR, 0, &user(1000))),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/proc/sys/kernel/ostype", WR, 0, &r)),
        Errno::EACCES
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/proc/sys/kernel/hostname", WR, 0, &r)),
        Errno::EROFS
    );
    assert_eq!(
        err(vfs.open(&ctx, None, b"/proc/new", WR | libc::O_CREAT, 0o644, &r)),
        Errno::ENOENT
    );
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/proc/d", 0o755, &r)),
        Errno::ENOENT
    );
    assert_eq!(
        err(vfs.mkdir(&ctx, None, b"/proc/1", 0o755, &r)),
        Errno::EEXIST
    );
    assert_eq!(
        err(vfs.unlink(&ctx, None, b"/proc/1/comm", &r)),
        Errno::EPERM
    );
    assert_eq!(err(vfs.unlink(&ctx, None, b"/proc/1/x", &r)), Errno::ENOENT);
    assert_eq!(
        err(vfs.chmod(&ctx, None, b"/proc/1/comm", 0o600, true, &r)),
        Errno::EPERM
    );
    assert_eq!(
        err(vfs.symlink(&ctx, None, b"x", b"/proc/1/y", &r)),
        Errno::ENOENT
    );
}

#[test]
fn host_files_pass_through() {
    let (vfs, ctx, _source) = proc_vfs();
    let host = std::fs::read("/proc/meminfo").expect("host /proc/meminfo");
    let guest = read(&vfs, &ctx, "/proc/meminfo");
    assert_eq!(guest[..20], host[..20]);
    // The kernel's own version and host name replace the host's.
    assert!(read(&vfs, &ctx, "/proc/version").starts_with(b"Linux version 6.1.0-test ("));
    assert_eq!(read(&vfs, &ctx, "/proc/sys/kernel/hostname"), b"fakehost\n");
    assert_eq!(
        read(&vfs, &ctx, "/proc/sys/kernel/osrelease"),
        b"6.1.0-test\n"
    );
    let host = std::fs::read("/proc/sys/kernel/ostype").expect("host ostype");
    assert_eq!(read(&vfs, &ctx, "/proc/sys/kernel/ostype"), host);
    let st = vfs
        .stat(&ctx, None, b"/proc/sys/kernel/..", true, &root())
        .unwrap();
    let sys = vfs.stat(&ctx, None, b"/proc/sys", true, &root()).unwrap();
    assert_eq!(st.ino, sys.ino);
    let up = vfs
        .stat(&ctx, None, b"/proc/sys/..", true, &root())
        .unwrap();
    let proc = vfs.stat(&ctx, None, b"/proc", true, &root()).unwrap();
    assert_eq!((up.dev, up.ino), (proc.dev, proc.ino));
}

#[test]
fn without_a_source_there_are_no_processes() {
    let (vfs, mut ctx) = host_vfs();
    ctx.set_pid(1);
    assert_eq!(
        err(vfs.stat(&ctx, None, b"/proc/self/", true, &root())),
        Errno::ENOENT
    );
    let gone: Weak<dyn ProcSource> = Arc::downgrade(&(Arc::new(Fake(BTreeMap::new())) as _));
    vfs.set_proc_source(gone);
    let names = list(&vfs, &ctx, "/proc");
    assert!(!names
        .iter()
        .any(|n| n.starts_with(|c: char| c.is_ascii_digit())));
}

#[test]
fn the_view_follows_the_context() {
    let (vfs, mut ctx) = host_vfs();
    let view = ctx.view();
    vfs.mkdir(&ctx, None, b"/tmp/viewed", 0o755, &root())
        .expect("mkdir");
    vfs.chdir(&mut ctx, None, b"/tmp/viewed", &root())
        .expect("chdir");
    ctx.set_umask(0o077);
    assert_eq!(view.cwd_path(), b"/tmp/viewed");
    assert_eq!(view.root_path(), b"/");
    assert_eq!(view.umask(), 0o077);
    let mut child = ctx.clone();
    vfs.chdir(&mut child, None, b"/", &root()).expect("chdir /");
    assert_eq!(view.cwd_path(), b"/tmp/viewed");
    assert_eq!(child.view().cwd_path(), b"/");
    vfs.rmdir(&ctx, None, b"/tmp/viewed", &root())
        .expect("rmdir");
    assert_eq!(view.cwd_path(), b"/tmp/viewed (deleted)");
}

#[test]
fn the_newer_process_files() {
    let (vfs, mut ctx, _source) = proc_vfs();
    let r = root();
    let text = |p: &str| String::from_utf8(read(&vfs, &ctx, p)).unwrap();
    let fdinfo = text("/proc/1/fdinfo/4");
    assert!(
        fdinfo.starts_with("pos:\t0\nflags:\t02000001\nmnt_id:\t0\nino:\t"),
        "{fdinfo}"
    );
    assert_eq!(list(&vfs, &ctx, "/proc/1/fdinfo"), [".", "..", "0", "4"]);
    let limits = text("/proc/1/limits");
    assert!(
        limits.starts_with("Limit                     Soft Limit"),
        "{limits}"
    );
    assert!(
        limits.contains(
            "\nMax open files            1024                 4096                 files     \n"
        ),
        "{limits}"
    );
    assert!(limits.ends_with(
        "Max realtime timeout      1024                 4096                 us        \n"
    ));
    let ns = list(&vfs, &ctx, "/proc/1/ns");
    assert!(ns.iter().any(|n| n == "pid_for_children"), "{ns:?}");
    let pid_ns = vfs.readlink(&ctx, None, b"/proc/1/ns/pid", &r).unwrap();
    assert_eq!(
        vfs.readlink(&ctx, None, b"/proc/7/ns/pid_for_children", &r),
        Ok(pid_ns.clone())
    );
    assert!(
        pid_ns.starts_with(b"pid:[") && pid_ns.ends_with(b"]"),
        "{pid_ns:?}"
    );
    let st = vfs.stat(&ctx, None, b"/proc/1/ns/pid", true, &r).unwrap();
    assert_eq!(format!("pid:[{}]", st.ino).into_bytes(), pid_ns);
    let mountinfo = text("/proc/self/mountinfo");
    let first = mountinfo.lines().next().unwrap();
    assert!(
        first.starts_with("1 1 ") && first.contains(" / / rw,relatime - "),
        "{mountinfo}"
    );
    assert!(
        mountinfo.contains(" / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"),
        "{mountinfo}"
    );
    assert!(
        text("/proc/1/mounts").contains("\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n")
    );
    assert_eq!(text("/proc/mounts"), text("/proc/1/mounts"));
    let status = text("/proc/7/status");
    for line in [
        "FDSize:\t64\n",
        "VmSize:\t       4 kB\n",
        "SigQ:\t0/1024\n",
        "CapEff:\t0000000000000000\n",
    ] {
        assert!(status.contains(line), "{line:?} in {status}");
    }
    // A root guest holds Trapline's own capabilities.
    let eff = format!("CapEff:\t{:016x}\n", crate::host_capabilities().effective);
    assert!(text("/proc/1/status").contains(&eff));
    assert_eq!(text("/proc/1/statm"), "1 0 0 0 0 0 0\n");
    assert_eq!(text("/proc/1/cgroup"), "0::/\n");
    assert!(text("/proc/1/smaps").contains("\nRss:                   0 kB\n"));
    // cwd and root lead to the directories themselves.
    vfs.chdir(&mut ctx, None, b"/proc/7/cwd", &r)
        .expect("chdir");
    assert_eq!(ctx.cwd_path(), "/tmp");
    assert_eq!(
        err(vfs.open(&ctx, None, b"/proc/1/cwd", RD, 0, &user(1000))),
        Errno::EACCES
    );
}
