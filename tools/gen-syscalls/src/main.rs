//! Generates the syscall and errno tables in `crates/abi/src/table/` from a
//! Linux source tree:
//!
//! ```text
//! tar -C /tmp -xf /usr/src/linux-source-6.1.tar.xz
//! cargo run -p gen-syscalls -- /tmp/linux-source-6.1        # [--out DIR]
//! ```
//!
//! It writes `x86_64.rs`, `aarch64.rs`, `riscv64.rs` and `errno.rs`, prints
//! every rule it applied to stderr, and warns about each row that has no
//! definition. It fails, rather than guess, on anything no rule covers:
//! two different definitions of one syscall, an `#if` in the uapi headers it
//! cannot decide, an unknown `#include`, a duplicate number or name.
//!
//! # Sources
//!
//! * x86_64: `arch/x86/entry/syscalls/syscall_64.tbl`, rows of the `common`
//!   and `64` ABIs (the `x32` rows, 512 and up, are skipped). The name is
//!   column 3, the entry column 4 without any `__x64_` prefix.
//! * aarch64, riscv64: the arch's `include/uapi/asm/unistd.h`, which sets
//!   `__ARCH_WANT_*` and includes `include/uapi/asm-generic/unistd.h`. A small
//!   preprocessor (`cpp.rs`) honours every `#if` for a 64-bit native build
//!   and expands `__SYSCALL(nr, sys)`, `__SC_3264(nr, _32, _64)` to `_64`,
//!   `__SC_COMP(nr, sys, compat)` to `sys` and `__SC_COMP_3264(nr, _32, _64,
//!   compat)` to `_64`. arm64 wants RENAMEAT, NEW_STAT, SET_GET_RLIMIT,
//!   SYS_CLONE3, MEMFD_SECRET and TIME32_SYSCALLS (the last is for its compat
//!   table; every time32 block also says `|| __BITS_PER_LONG != 32`, so it
//!   changes nothing here). riscv64 wants NEW_STAT and SET_GET_RLIMIT (under
//!   `__LP64__`), SYS_CLONE3 and MEMFD_SECRET, not RENAMEAT, and adds
//!   `riscv_flush_icache` = `__NR_arch_specific_syscall + 15` = 259. A
//!   `__NR3264_x` number takes the name of its 64-bit uapi alias
//!   (`#define __NR_fstat __NR3264_fstat`): `fcntl statfs fstatfs truncate
//!   ftruncate lseek sendfile newfstatat fstat mmap fadvise64`.
//! * errno: `errno-base.h`, then `errno.h`. `EWOULDBLOCK` (= `EAGAIN`) and
//!   `EDEADLOCK` (= `EDEADLK`) are aliases and skipped, so 11 is `EAGAIN`, 35
//!   is `EDEADLK`, and 41 and 58 are `""`.
//! * `nargs`/`params`: `SYSCALL_DEFINEn(name, type, arg, ...)` at the start of
//!   a line in any `*.c` outside `arch/`, plus `arch/x86/`, `arch/arm64/` or
//!   `arch/riscv/` for that architecture's table (`defs.rs`). Comments are
//!   stripped; `COMPAT_SYSCALL_DEFINEn` does not match, nor do `COND_SYSCALL`
//!   and `SYS_NI` in `kernel/sys_ni.c`. Entry `sys_foo` matches
//!   `SYSCALL_DEFINEn(foo, ...)`, so rows whose entry is not `sys_<name>` need
//!   no rule: x86_64 `stat`, `fstat`, `lstat` (`sys_new*`), `uname`
//!   (`sys_newuname`), `umount2` (`sys_umount`), `sendfile`
//!   (`sys_sendfile64`); generic `fstat`, `uname`, `umount2`, `sendfile`, and
//!   `fadvise64` (`sys_fadvise64_64`). Arch-specific definitions are found the
//!   same way: x86 `mmap` (`kernel/sys_x86_64.c`), `arch_prctl`,
//!   `rt_sigreturn`, `iopl`, `ioperm`, `modify_ldt`; arm64 `mmap`,
//!   `rt_sigreturn`, `arm64_personality`; riscv `mmap`, `rt_sigreturn`,
//!   `riscv_flush_icache`. Types: whitespace collapsed, `__user` kept, one
//!   space before a `*` and none after (`const char __user *const __user *`);
//!   a trailing `*const` (the parameter variable itself is const) becomes `*`
//!   so every pointer type ends in `*`: `landlock_create_ruleset` `attr`,
//!   `landlock_add_rule` `rule_attr`. Pointer typedefs such as
//!   `cap_user_header_t` stay as written.
//!
//! # Rules (`rules.rs`) and every syscall of Linux 6.1 they affect
//!
//! * `EMPTY_ENTRY`: a tbl row without an entry column gets `sys_ni_syscall`,
//!   the default of every slot in the kernel's table: x86_64 `uselib`,
//!   `create_module`, `get_kernel_syms`, `query_module`, `nfsservctl`,
//!   `getpmsg`, `putpmsg`, `afs_syscall`, `tuxcall`, `security`,
//!   `set_thread_area`, `get_thread_area`, `epoll_ctl_old`, `epoll_wait_old`,
//!   `vserver`.
//! * `NO_DEFINE_ENTRIES`: `sys_ni_syscall` is a plain `(void)` C function in
//!   `kernel/sys_ni.c`, so `nargs: 0, params: &[]` (no warning): the 15 rows
//!   above plus x86_64 `_sysctl`, and aarch64/riscv64 `nfsservctl`.
//! * `MISSING_DEFINITIONS`: `sys_lookup_dcookie` (all three tables) has no
//!   definition since 5.11 (`COND_SYSCALL` makes it `-ENOSYS`); `nargs: 3`
//!   from its prototype in `include/linux/syscalls.h`, `params: &[]`, and a
//!   warning. These are the only rows without params and `nargs > 0`.
//! * `ENTRY_OVERRIDES`: aarch64 `personality` is `sys_arm64_personality`
//!   (`arch/arm64/kernel/sys.c` redirects `__arm64_sys_personality`).
//! * `EXCLUDED_PATHS`: `arch/x86/um/` (User-Mode Linux) would add second
//!   definitions of `arch_prctl`, `mmap` and `modify_ldt`.
//! * `LOSING_FILES`: a definition there loses to one elsewhere:
//!   `mm/nommu.c` (no-MMU builds) for `brk`, `munmap`, `mremap`;
//!   `kernel/time/posix-stubs.c` (`CONFIG_POSIX_TIMERS=n`) for
//!   `clock_settime`, `clock_gettime`, `clock_getres`, `clock_nanosleep`;
//!   `arch/x86/kernel/process_32.c` (32-bit) for `arch_prctl`.
//! * `ARCH_CONFIGS`: `clone` has four `#if`-alternative definitions in
//!   `kernel/fork.c`. x86_64 does not select `CONFIG_CLONE_BACKWARDS*`, so
//!   it gets the `#else` one `(clone_flags, newsp, parent_tidptr,
//!   child_tidptr, tls)`; arm64 and riscv select `CONFIG_CLONE_BACKWARDS`, so
//!   they get `(clone_flags, newsp, parent_tidptr, tls, child_tidptr)`.
//! * Identical duplicates: when the definitions left all have the same
//!   signature, the first by path is used: x86_64 `iopl` and `ioperm` (the
//!   real and the stub versions in `arch/x86/kernel/ioport.c`).
//! * `UNDEFINED_NARGS`: a row with no definition and no rule would get
//!   `nargs: 6` and an `UNEXPLAINED` warning. None in 6.1.
//! * `GENERIC_PREDEFINED`, `HEADER_INCLUDES`: the 64-bit build environment
//!   of the uapi headers (`__BITS_PER_LONG` 64, `__LP64__`; no
//!   `__SYSCALL_COMPAT`, no `__ARCH_NOMMU`).

mod cpp;
mod defs;
mod emit;
mod rules;
mod tables;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use defs::DefIndex;
use emit::Row;
use tables::NrRow;

const USAGE: &str = "usage: gen-syscalls <linux-source-dir> [--out <dir>]\n\
    Writes x86_64.rs, aarch64.rs, riscv64.rs and errno.rs into <dir>\n\
    (default: crates/abi/src/table of this workspace).";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-syscalls: error: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Args {
    src: PathBuf,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut src = None;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => return Err(USAGE.into()),
            "--out" => out = Some(PathBuf::from(it.next().ok_or("--out needs a directory")?)),
            _ if src.is_none() && !a.starts_with('-') => src = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument {a:?}\n{USAGE}")),
        }
    }
    let src = src.ok_or(USAGE)?;
    let out = out.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/abi/src/table")
    });
    Ok(Args { src, out })
}

/// `VERSION.PATCHLEVEL` from the top-level Makefile, e.g. `6.1`.
fn kernel_version(root: &Path) -> Result<String, String> {
    let p = root.join("Makefile");
    let text = fs::read_to_string(&p).map_err(|e| {
        format!(
            "reading {}: {e} (is this an unpacked Linux source tree?)",
            p.display()
        )
    })?;
    let get = |key: &str| {
        text.lines()
            .find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().to_string())
            })
            .ok_or_else(|| format!("{}: no {key} line", p.display()))
    };
    Ok(format!("{}.{}", get("VERSION")?, get("PATCHLEVEL")?))
}

/// What happened while building one table, for the report on stderr.
#[derive(Default)]
struct Report {
    /// Rules that fired, one line each.
    rules: Vec<String>,
    /// Rows without any definition, one line each.
    warnings: Vec<String>,
    /// How many of those no rule explains.
    unexplained: usize,
    /// Rows whose entry point is not `sys_<name>` (matched by entry; no rule).
    renamed: Vec<String>,
}

fn configs_for(arch_dir: &str) -> &'static [(&'static str, bool)] {
    rules::ARCH_CONFIGS
        .iter()
        .find(|(a, _)| *a == arch_dir)
        .map_or(&[], |(_, c)| c)
}

/// Turns numbered rows into finished rows with argument lists.
fn build(
    module: &str,
    arch_dir: &str,
    nr_rows: Vec<NrRow>,
    idx: &DefIndex,
    rep: &mut Report,
) -> Result<Vec<Row>, String> {
    let configs = configs_for(arch_dir);
    let mut by_nr: BTreeMap<u32, Row> = BTreeMap::new();
    let mut names: BTreeMap<String, u32> = BTreeMap::new();
    for r in nr_rows {
        let mut entry = r.entry;
        if let Some((_, _, to, why)) = rules::ENTRY_OVERRIDES
            .iter()
            .find(|(m, n, _, _)| *m == module && *n == r.name)
        {
            rep.rules.push(format!(
                "ENTRY_OVERRIDES: {} {entry} -> {to} ({why})",
                r.name
            ));
            entry = to.to_string();
        }
        if entry != format!("sys_{}", r.name) {
            rep.renamed.push(format!("{}->{entry}", r.name));
        }
        let (nargs, params) = if let Some((_, n, why)) = rules::NO_DEFINE_ENTRIES
            .iter()
            .find(|(e, _, _)| *e == entry)
        {
            rep.rules.push(format!(
                "NO_DEFINE_ENTRIES: {} ({entry}, nargs {n}: {why})",
                r.name
            ));
            (*n, Vec::new())
        } else {
            let def_name = entry.strip_prefix("sys_").ok_or_else(|| {
                format!(
                    "{module} {} (nr {}): entry {entry:?} lacks sys_",
                    r.name, r.nr
                )
            })?;
            let def = idx.lookup(def_name, arch_dir, configs, &mut rep.rules)?;
            let missing = rules::MISSING_DEFINITIONS
                .iter()
                .find(|(e, _, _)| *e == entry);
            match (def, missing) {
                (Some(def), missing) => {
                    if missing.is_some() {
                        rep.warnings.push(format!(
                            "{module} {}: MISSING_DEFINITIONS lists {entry}, but it is \
                             defined at {}; remove the rule",
                            r.name,
                            def.location()
                        ));
                    }
                    let params = def.params.clone().map_err(|e| {
                        format!("{module} {}: definition at {}: {e}", r.name, def.location())
                    })?;
                    (def.n, params)
                }
                (None, Some((_, n, why))) => {
                    rep.warnings.push(format!(
                        "{module} {} (nr {}): no definition of {entry}; nargs {n}, params \
                         empty (explained by MISSING_DEFINITIONS: {why})",
                        r.name, r.nr
                    ));
                    (*n, Vec::new())
                }
                (None, None) => {
                    rep.unexplained += 1;
                    rep.warnings.push(format!(
                        "{module} {} (nr {}): UNEXPLAINED: no SYSCALL_DEFINE for {entry}; \
                         nargs {} (UNDEFINED_NARGS), params empty",
                        r.name,
                        r.nr,
                        rules::UNDEFINED_NARGS
                    ));
                    (rules::UNDEFINED_NARGS, Vec::new())
                }
            }
        };
        if let Some(old) = names.insert(r.name.clone(), r.nr) {
            return Err(format!(
                "{module}: {} is both nr {old} and nr {}",
                r.name, r.nr
            ));
        }
        let row = Row {
            nr: r.nr,
            name: r.name,
            entry,
            nargs,
            params,
        };
        if let Some(old) = by_nr.insert(row.nr, row) {
            return Err(format!(
                "{module}: nr {} used twice (also {})",
                old.nr, old.name
            ));
        }
    }
    Ok(by_nr.into_values().collect())
}

fn write(out: &Path, file: &str, text: &str) -> Result<(), String> {
    let p = out.join(file);
    fs::write(&p, text).map_err(|e| format!("writing {}: {e}", p.display()))?;
    eprintln!("wrote {}", p.display());
    Ok(())
}

fn print_report(module: &str, rows: &[Row], rep: &Report) {
    let empty = rows
        .iter()
        .filter(|r| r.params.is_empty() && r.nargs > 0)
        .count();
    eprintln!(
        "{module}: {} rows, NR_COUNT {}, {} without params but nargs > 0",
        rows.len(),
        rows.last().map_or(0, |r| r.nr + 1),
        empty
    );
    let mut rules = rep.rules.clone();
    rules.sort();
    rules.dedup();
    for r in &rules {
        eprintln!("  rule  {r}");
    }
    if !rep.renamed.is_empty() {
        eprintln!("  entry differs from name: {}", rep.renamed.join(" "));
    }
    for w in &rep.warnings {
        eprintln!("warning: {w}");
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let root = &args.src;
    let version = kernel_version(root)?;
    let out = args
        .out
        .canonicalize()
        .map_err(|e| format!("output directory {}: {e}", args.out.display()))?;

    let mut arch_dirs = vec![rules::X86_ARCH_DIR];
    arch_dirs.extend(rules::GENERIC_ARCHES.iter().map(|a| a.arch_dir));
    let idx = DefIndex::scan(root, &arch_dirs)?;
    eprintln!(
        "scanned {} C files, {} SYSCALL_DEFINE names",
        idx.files_scanned,
        idx.by_name.len()
    );

    let mut unexplained = 0;
    let mut rep = Report::default();
    let rows = build(
        "x86_64",
        rules::X86_ARCH_DIR,
        tables::x86_64_tbl(root)?,
        &idx,
        &mut rep,
    )?;
    print_report("x86_64", &rows, &rep);
    unexplained += rep.unexplained;
    let x86 = emit::syscalls(
        &version,
        "arch/x86/entry/syscalls/syscall_64.tbl (common and 64 ABIs) and SYSCALL_DEFINEn",
        &rows,
    );

    let mut generic = Vec::new();
    for a in rules::GENERIC_ARCHES {
        let mut rep = Report::default();
        let rows = build(
            a.module,
            a.arch_dir,
            tables::generic_table(root, a.header)?,
            &idx,
            &mut rep,
        )?;
        print_report(a.module, &rows, &rep);
        unexplained += rep.unexplained;
        let source = format!(
            "{} with include/uapi/asm-generic/unistd.h (64-bit, non-compat) and SYSCALL_DEFINEn",
            a.header
        );
        generic.push((a.module, emit::syscalls(&version, &source, &rows)));
    }

    let names = tables::errno_names(root)?;
    eprintln!("errno: {} values", names.len());
    let errno = emit::errno(&version, &rules::ERRNO_HEADERS.join(" and "), &names);

    // Write only once everything has been built.
    write(&out, "x86_64.rs", &x86)?;
    for (module, text) in &generic {
        write(&out, &format!("{module}.rs"), text)?;
    }
    write(&out, "errno.rs", &errno)?;
    if unexplained > 0 {
        eprintln!("{unexplained} row(s) without a definition that no rule explains");
    }
    Ok(())
}
