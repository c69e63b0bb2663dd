//! Loading a program into a fresh address space (execve).
//!
//! Every exec starts a new stub process (see `platform::stub`): the loader
//! maps the ELF file and its interpreter into it with injected `mmap`s,
//! builds the initial stack (argv, envp, auxv) and points the registers at
//! the entry point. Only when all of that worked does the task switch to
//! the new image, so a failed exec leaves the caller untouched.

mod elf;
mod script;
mod stack;

use std::sync::Arc;

use trapline_abi::Errno;
use trapline_platform::{Regs, Tracee};
use trapline_vfs::{Cred, FsContext, OpenFile};

use crate::kernel::Kernel;
use crate::mm::{AddressSpace, MemoryMap};
use crate::process::lock;
use crate::task::Task;

/// Linux's limit on one argument or environment string, NUL included.
pub const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Linux's limit on the number of argument or environment strings.
pub const MAX_ARG_STRINGS: usize = 0x7fff_ffff;
/// How deep `#!` interpreters may nest (Linux gives ELOOP beyond).
const MAX_INTERP_DEPTH: usize = 5;

/// A program image, loaded and ready to run, not yet attached to a task.
pub struct Image {
    pub tracee: Tracee,
    pub regs: Regs,
    pub map: MemoryMap,
    /// The guest path of the executable that was finally loaded.
    pub exe: Vec<u8>,
    /// The path whose last component is the thread's name (comm): as the
    /// caller of exec gave it, as on Linux (see `ExecArgs::comm_from_file`).
    pub execfn: Vec<u8>,
    /// argv and envp as loaded, each string followed by a NUL (for
    /// /proc/PID/cmdline and environ).
    pub cmdline: Vec<u8>,
    pub environ: Vec<u8>,
    /// The auxiliary vector as written on the stack (/proc/PID/auxv).
    pub auxv: Vec<u8>,
}

/// What to exec: the path as the caller gave it, argv and envp.
pub struct ExecArgs {
    /// The name exec reports (`AT_EXECFN`, a script interpreter's
    /// argument, and comm's last component): the path given, or
    /// `/dev/fd/N[/path]` for execveat relative to an fd.
    pub path: Vec<u8>,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    /// The executable, already open (execveat); `None`: open `path`.
    pub file: Option<Arc<OpenFile>>,
    /// `path` names a close-on-exec fd, gone once the exec is done: a
    /// script cannot be run from it (its interpreter could not open it),
    /// `ENOENT` as on Linux.
    pub path_inaccessible: bool,
    /// comm is the file's own name, not `path`'s (execveat of an fd with
    /// an empty path, Linux ≥ 6.11).
    pub comm_from_file: bool,
}

impl ExecArgs {
    /// execve's arguments: a path to open.
    pub fn path(path: Vec<u8>, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> ExecArgs {
        ExecArgs {
            path,
            argv,
            envp,
            file: None,
            path_inaccessible: false,
            comm_from_file: false,
        }
    }
}

/// Loads `args.path` into a new address space.
pub fn load(
    kernel: &Arc<Kernel>,
    fs: &FsContext,
    cred: &Cred,
    ids: [u32; 4],
    stack_limit: u64,
    args: ExecArgs,
) -> Result<Image, Errno> {
    let ExecArgs {
        path,
        mut argv,
        envp,
        file: mut opened,
        path_inaccessible,
        comm_from_file,
    } = args;
    let execfn = path.clone();
    let mut comm_name = None;
    let mut current = path;
    for depth in 0..=MAX_INTERP_DEPTH {
        let file = match opened.take() {
            Some(f) => f,
            None => kernel.vfs.open_exec(fs, &current, cred)?,
        };
        // Linux names the thread after the file that is finally run.
        if comm_from_file {
            comm_name = Some(file.path().to_vec());
        }
        let mut head = [0u8; 256];
        let n = read_full(&file, &mut head, 0)?;
        let head = &head[..n];
        if head.starts_with(b"#!") {
            if path_inaccessible && depth == 0 {
                return Err(Errno::ENOENT);
            }
            let (interp, arg) = script::parse_shebang(head)?;
            argv = script::interpreter_argv(&interp, arg, &current, argv);
            current = interp;
            continue;
        }
        let exe = elf::read(&file, head)?;
        let interp = match &exe.interp {
            Some(p) => Some(kernel.vfs.open_exec(fs, p, cred)?),
            None => None,
        };
        let interp_elf = match &interp {
            Some(f) => {
                let mut ihead = [0u8; 256];
                let n = read_full(f, &mut ihead, 0)?;
                Some(elf::read(f, &ihead[..n])?)
            }
            None => None,
        };
        let nul_joined = |v: &[Vec<u8>]| {
            v.iter()
                .flat_map(|s| s.iter().chain(&[0]))
                .copied()
                .collect()
        };
        let (cmdline, environ) = (nul_joined(&argv), nul_joined(&envp));
        let given = comm_name.unwrap_or_else(|| execfn.clone());
        return build_image(
            kernel,
            &file,
            &exe,
            interp.as_deref().zip(interp_elf.as_ref()),
            ids,
            stack_limit,
            stack::Strings { argv, envp, execfn },
        )
        .map(|image| Image {
            execfn: given,
            cmdline,
            environ,
            ..image
        });
    }
    Err(Errno::ELOOP)
}

fn build_image(
    kernel: &Arc<Kernel>,
    file: &OpenFile,
    exe: &elf::ElfFile,
    interp: Option<(&OpenFile, &elf::ElfFile)>,
    ids: [u32; 4],
    stack_limit: u64,
    strings: stack::Strings,
) -> Result<Image, Errno> {
    stack::check_limits(&strings, stack_limit)?;
    let mut tracee = Tracee::spawn(&kernel.stub).map_err(|e| {
        kernel.note(&format!("trapline: cannot start a guest process: {e}"));
        Errno::ENOMEM
    })?;
    let mut regs = Regs::zeroed();
    tracee.get_regs(&mut regs).map_err(|_| Errno::ENOMEM)?;
    let host_auxv = tracee.host_auxv().map_err(|_| Errno::ENOMEM)?;
    let mut map = MemoryMap::default();
    let mut space = AddressSpace {
        tracee: &mut tracee,
        regs: &regs,
        map: &mut map,
    };

    let main = elf::map(&mut space, file, exe)?;
    let (entry, interp_base) = match interp {
        Some((ifile, ielf)) => {
            let loaded = elf::map(&mut space, ifile, ielf)?;
            (loaded.entry, loaded.base)
        }
        None => (main.entry, 0),
    };
    let stack_top = stack::map_stack(&mut space, stack_limit)?;
    let auxv = stack::auxv(&main, exe, interp_base, ids, &host_auxv);
    let (sp, auxv) = stack::build(&space.tracee_memory(), stack_top, &strings, auxv)?;

    // Linux puts a static PIE's heap at ELF_ET_DYN_BASE: the binary itself
    // sits among the top-down mmaps, with no room to grow after it.
    let static_pie = exe.header.e_type == goblin::elf::header::ET_DYN && interp.is_none();
    let brk = if static_pie { elf::PIE_BASE } else { main.end };
    space.map.brk_start = brk;
    space.map.brk = brk;
    regs.reset_for_exec(entry, sp);
    Ok(Image {
        tracee,
        regs,
        map,
        exe: file.path().to_vec(),
        execfn: Vec::new(),
        cmdline: Vec::new(),
        environ: Vec::new(),
        auxv,
    })
}

impl AddressSpace<'_> {
    fn tracee_memory(&self) -> trapline_platform::ProcessMemory {
        trapline_platform::ProcessMemory::new(self.tracee.host_pid())
    }
}

/// Reads as much of `buf` as the file has from `off`.
fn read_full(file: &OpenFile, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
    let mut done = 0;
    while done < buf.len() {
        let n = file.pread(&mut buf[done..], off + done as u64)?;
        if n == 0 {
            break;
        }
        done += n;
    }
    Ok(done)
}

impl Task {
    /// Replaces this task's program with `image` (the point of no return of
    /// execve): the old host process is killed, close-on-exec fds closed,
    /// handled signals reset.
    pub fn commit_exec(&mut self, image: Image) {
        // Read on the old host process while it lives.
        let cpu_timers = crate::signal::timer::cpu_itimers_before_exec(&self.process);
        // The other threads end first; this one takes the leader's tid.
        crate::thread::de_thread(self);
        // A vfork parent waits for this moment.
        self.process.vfork_release();
        self.process
            .did_exec
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.process
            .exec_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.tracee = image.tracee;
        crate::signal::deliver::thread(self).set_host(self.tracee.host_pid());
        // POSIX timers go; CPU-time interval timers go on, on the new host.
        crate::signal::timer::exec(&self.kernel, &self.process, &cpu_timers);
        self.regs = image.regs;
        *lock(&self.process.mm) = image.map;
        *lock(&self.process.exe) = image.exe;
        // The closed files are dropped after the table is unlocked.
        let closed = lock(&self.process.fds).close_on_exec();
        drop(closed);
        lock(&self.process.signals).reset_for_exec();
        self.prctl = crate::task::PrctlState::after_exec(&image.execfn, &self.prctl);
        let comm = self.prctl.comm.clone();
        self.set_comm(comm);
        *lock(&self.process.auxv) = image.auxv;
        *lock(&self.process.cmdline) = image.cmdline;
        *lock(&self.process.environ) = image.environ;
        self.clear_child_tid = 0;
        self.robust_list = (0, 0);
    }
}

/// Finds `name` as `execvp` would: names with a slash are used as they are,
/// others are looked up in the colon-separated `path` list of directories.
pub fn find_in_path(
    kernel: &Kernel,
    fs: &FsContext,
    cred: &Cred,
    name: &[u8],
    path: &[u8],
) -> Result<Vec<u8>, Errno> {
    if name.is_empty() {
        return Err(Errno::ENOENT);
    }
    if name.contains(&b'/') {
        return Ok(name.to_vec());
    }
    let mut err = Errno::ENOENT;
    for dir in path.split(|&b| b == b':') {
        let dir: &[u8] = if dir.is_empty() { b"." } else { dir };
        let mut candidate = dir.to_vec();
        candidate.push(b'/');
        candidate.extend_from_slice(name);
        match kernel.vfs.open_exec(fs, &candidate, cred) {
            Ok(_) => return Ok(candidate),
            Err(Errno::EACCES) => err = Errno::EACCES,
            Err(_) => {}
        }
    }
    Err(err)
}
