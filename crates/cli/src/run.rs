//! `trapline run`: boot a kernel, load the program, run it, exit with its
//! status.

use std::ffi::OsString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;
use std::sync::{Arc, Weak};

use trapline_kernel::creds::Credentials;
use trapline_kernel::loader::{self, ExecArgs};
use trapline_kernel::mm::MemoryMap;
use trapline_kernel::process::ProcessInit;
use trapline_kernel::rlimit::Rlimits;
use trapline_kernel::signal::{self, SignalActions};
use trapline_kernel::{Errno, ExitStatus, Kernel, Process, Task};
use trapline_platform::cpu;
use trapline_platform::stub::StubImage;
use trapline_syscalls::SyscallTable;
use trapline_vfs::{FdTable, FsContext, MountOptions, ProcSource, Vfs};

use crate::trace::TraceObserver;

/// Prints a one-line error and returns the exit status for it.
pub fn fail(msg: &str, status: u8) -> ExitCode {
    eprintln!("trapline: {msg}");
    ExitCode::from(status)
}

pub fn run(trace: Option<&str>, mounts: &MountOptions, program: &[OsString]) -> ExitCode {
    let Some(name) = program.first() else {
        return fail(
            "no program given; usage: trapline run -- PROGRAM [ARGS...]",
            2,
        );
    };
    let name = name.as_bytes().to_vec();
    let mut observer: Option<TraceObserver> = match trace {
        None => None,
        Some("-") => Some(TraceObserver::new(Box::new(std::io::stderr()))),
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Some(TraceObserver::new(Box::new(std::io::BufWriter::new(f)))),
            Err(e) => return fail(&format!("cannot write the trace file {path}: {e}"), 2),
        },
    };

    let vfs = match Vfs::new(mounts) {
        Ok(v) => Arc::new(v),
        Err(e) => return fail(&format!("cannot set up the file system: {e}"), 2),
    };
    let stub = match StubImage::new() {
        Ok(s) => s,
        Err(e) => return fail(&format!("cannot prepare the guest stub: {e}"), 1),
    };
    let kernel = Arc::new(Kernel::new(vfs.clone(), stub));
    let proc_source: Weak<Kernel> = Arc::downgrade(&kernel);
    vfs.set_proc_source(proc_source as Weak<dyn ProcSource>);
    let (table, unknown) = SyscallTable::build();
    kernel.set_dispatcher(Arc::new(table));
    debug_assert!(
        unknown.is_empty(),
        "handlers for unknown syscalls: {unknown:?}"
    );

    // Tracer and guest share one CPU: a ptrace round trip across CPUs costs
    // several times more on these machines (see ARCHITECTURE.md).
    cpu::pin_current_thread(cpu::current_cpu());
    install_signal_handlers();

    // The guest's limits are the user's; Trapline itself then takes its
    // hard fd limit, since every open guest file may hold a host fd.
    let rlimits = Rlimits::from_host();
    raise_own_fd_limit();
    let mut fs_context = FsContext::new(&vfs);
    fs_context.set_umask(take_host_umask());

    let pid = kernel.alloc_pid();
    fs_context.set_pid(pid);
    let process = Arc::new(Process::new(ProcessInit {
        pid,
        // Like init in a new pid namespace: its parent, process group and
        // session leader are outside (the user's shell), so they read as 0.
        ppid: 0,
        pgid: 0,
        sid: 0,
        creds: Credentials::of_host_user(),
        fds: stdio_fds(),
        fs: fs_context,
        mm: MemoryMap::default(),
        rlimits,
        signals: SignalActions::default(),
    }));
    kernel.register_process(&process);

    let argv: Vec<Vec<u8>> = program.iter().map(|a| a.as_bytes().to_vec()).collect();
    let envp: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes()].concat())
        .collect();
    let path_var = std::env::var_os("PATH").map(|p| p.as_bytes().to_vec());
    let path_var = path_var.unwrap_or_else(|| b"/usr/local/bin:/usr/bin:/bin".to_vec());
    let shown = String::from_utf8_lossy(&name).into_owned();

    let creds = trapline_kernel::process::lock(&process.creds).clone();
    let image = {
        let fs = trapline_kernel::process::lock(&process.fs);
        let cred = creds.fs_cred();
        let found = loader::find_in_path(&kernel, &fs, &cred, &name, &path_var);
        let path = match found {
            Ok(p) => p,
            Err(Errno::ENOENT) if !name.contains(&b'/') => {
                return fail(&format!("{shown}: command not found (is it in PATH?)"), 127)
            }
            Err(e) => return exec_error(&shown, e),
        };
        let ids = [creds.uid, creds.euid, creds.gid, creds.egid];
        let stack = trapline_kernel::process::lock(&process.rlimits).stack();
        let (argv_shown, envc) = (argv.clone(), envp.len());
        let path_shown = path.clone();
        match loader::load(
            &kernel,
            &fs,
            &cred,
            ids,
            stack,
            ExecArgs::path(path, argv, envp),
        ) {
            Ok(image) => {
                if let Some(o) = observer.as_mut() {
                    o.program_started(&path_shown, &argv_shown, envc);
                }
                image
            }
            Err(e) => return exec_error(&shown, e),
        }
    };
    let task = Task::from_image(kernel.clone(), process, image);
    if let Some(o) = observer {
        kernel.set_observer(Box::new(o));
    }
    // The process ends with its last thread, which may not be this one.
    let status = trapline_kernel::thread::run_main(task);
    // The run is over when pid 1 ends (as in a pid namespace): no guest
    // process outlives it, not even one between two tracer threads.
    kernel.kill_all_guests();
    if let Err(e) = vfs.save_persistent() {
        eprintln!("trapline: cannot save the guest's changes: {e}");
    }
    match status {
        ExitStatus::Code(c) => ExitCode::from(c as u8),
        ExitStatus::Signaled(sig) => {
            let core = matches!(
                sig,
                libc::SIGQUIT
                    | libc::SIGILL
                    | libc::SIGABRT
                    | libc::SIGFPE
                    | libc::SIGSEGV
                    | libc::SIGBUS
                    | libc::SIGSYS
                    | libc::SIGTRAP
            );
            let what = if core { " (core dumped)" } else { "" };
            eprintln!("trapline: {shown} killed by {}{what}", signal::name(sig));
            ExitCode::from(128u8.wrapping_add(sig as u8))
        }
    }
}

/// The one-line error for a program that cannot be started, with the exit
/// status a shell gives (126: found but not executable, 127: not found).
fn exec_error(shown: &str, e: Errno) -> ExitCode {
    let status = if e == Errno::ENOENT { 127 } else { 126 };
    fail(&format!("cannot run {shown}: {}", e.message()), status)
}

/// The guest's fds 0, 1 and 2 are Trapline's own stdin, stdout and stderr.
fn stdio_fds() -> FdTable {
    let mut table = FdTable::new();
    for fd in 0..3 {
        // SAFETY: fcntl(F_GETFL) on a possibly closed fd only reads flags.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 {
            continue;
        }
        // SAFETY: F_DUPFD_CLOEXEC returns a new fd we own, or -1.
        let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
        if dup < 0 {
            continue;
        }
        // SAFETY: dup is a fresh fd nobody else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(dup) };
        let path = format!("/dev/fd/{fd}").into_bytes();
        let file = trapline_vfs::host_stdio(owned, flags, path);
        let _ = table.insert_at(fd, file, false, u64::MAX);
    }
    table
}

/// The umask Trapline was started with, which becomes the guest's.
/// Trapline's own is 0 from now on: the kernel applies the guest's umask
/// to the modes it asks the host for (files made in a writable bind),
/// and the host must not apply another.
fn take_host_umask() -> u32 {
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(0) }
}

fn raise_own_fd_limit() {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: r is a valid in/out pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < r.rlim_max {
            r.rlim_cur = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}

extern "C" fn ignore(_: libc::c_int) {}

/// Trapline itself survives Ctrl-C and friends: the terminal sends them to
/// the guest too (same process group), and the guest's fate decides ours.
/// A handler (not SIG_IGN) so that the guest still gets default
/// dispositions, and without SA_RESTART so that a host call the kernel is
/// blocked in for the guest (a sleep, a terminal read) ends with EINTR and
/// the kernel can look at the guest's pending signals.
fn install_signal_handlers() {
    for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGTSTP] {
        // SAFETY: sigaction with a valid handler that does nothing.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = ignore as *const () as usize;
            sa.sa_flags = 0;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}
