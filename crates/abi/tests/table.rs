//! Checks the generated tables against the host's headers and against
//! themselves.

use std::collections::BTreeMap;

use trapline_abi::table::{aarch64, errno, riscv64, x86_64};
use trapline_abi::{Param, SyscallDesc};

const HOST_HEADERS: &[&str] = &[
    "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
    "/usr/include/asm/unistd_64.h",
];

/// `#define __NR_name number` lines of the host's x86_64 header, by name.
fn host_x86_64_numbers() -> (String, BTreeMap<String, usize>) {
    let (path, text) = HOST_HEADERS
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok().map(|t| (p.to_string(), t)))
        .unwrap_or_else(|| panic!("none of {HOST_HEADERS:?} is readable; install linux-libc-dev"));
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        let (Some("#define"), Some(name), Some(nr), None) =
            (w.next(), w.next(), w.next(), w.next())
        else {
            continue;
        };
        let (Some(name), Ok(nr)) = (name.strip_prefix("__NR_"), nr.parse::<usize>()) else {
            continue;
        };
        map.insert(name.to_string(), nr);
    }
    assert!(
        map.len() > 300,
        "{path}: only {} syscall numbers parsed",
        map.len()
    );
    (path, map)
}

#[test]
fn x86_64_matches_host_header() {
    let (path, host) = host_x86_64_numbers();
    // Every syscall of ours is in the header with the same number.
    for d in x86_64::SYSCALLS {
        assert_eq!(
            host.get(d.name),
            Some(&(d.nr as usize)),
            "{path}: __NR_{} should be {}",
            d.name,
            d.nr
        );
    }
    // Every header syscall whose number we have is ours, by the same name.
    // Numbers we lack are allowed only if the header is newer than our
    // source: past NR_COUNT (e.g. cachestat = 451) or in a gap that a later
    // kernel filled (e.g. uretprobe = 335 in 6.11).
    for (name, &nr) in &host {
        if let Some(d) = x86_64::BY_NR.get(nr).copied().flatten() {
            assert_eq!(d.name, name, "{path}: number {nr}");
        }
    }
}

fn check_table(arch: &str, rows: &[SyscallDesc], by_nr: &[Option<&SyscallDesc>], count: usize) {
    assert!(!rows.is_empty(), "{arch}: empty table");
    assert_eq!(by_nr.len(), count, "{arch}: BY_NR length");
    let max = rows.iter().map(|d| d.nr).max().unwrap_or(0) as usize;
    assert_eq!(count, max + 1, "{arch}: NR_COUNT");
    for w in rows.windows(2) {
        assert!(w[0].nr < w[1].nr, "{arch}: not sorted at {}", w[1].name);
    }
    let mut names = std::collections::BTreeSet::new();
    for d in rows {
        assert_eq!(by_nr[d.nr as usize], Some(d), "{arch}: BY_NR[{}]", d.nr);
        assert!(names.insert(d.name), "{arch}: {} twice", d.name);
        assert!(d.nargs <= 6, "{arch}: {} has {} args", d.name, d.nargs);
        assert!(
            d.entry.starts_with("sys_"),
            "{arch}: {} entry {}",
            d.name,
            d.entry
        );
        if !d.params.is_empty() {
            assert_eq!(d.nargs as usize, d.params.len(), "{arch}: {}", d.name);
        }
        for p in d.params {
            assert!(!p.name.is_empty() && !p.ty.is_empty(), "{arch}: {}", d.name);
            assert!(
                !p.ty.contains("  ") && !p.ty.contains("\t"),
                "{arch}: {:?}",
                p.ty
            );
            assert!(
                !p.ty.contains("*") || p.ty.contains(" *"),
                "{arch}: {:?}",
                p.ty
            );
        }
    }
    let filled = by_nr.iter().filter(|e| e.is_some()).count();
    assert_eq!(filled, rows.len(), "{arch}: BY_NR has extra entries");
}

#[test]
fn tables_are_consistent() {
    check_table("x86_64", x86_64::SYSCALLS, &x86_64::BY_NR, x86_64::NR_COUNT);
    check_table(
        "aarch64",
        aarch64::SYSCALLS,
        &aarch64::BY_NR,
        aarch64::NR_COUNT,
    );
    check_table(
        "riscv64",
        riscv64::SYSCALLS,
        &riscv64::BY_NR,
        riscv64::NR_COUNT,
    );
    assert!(
        x86_64::SYSCALLS.iter().all(|d| d.nr < 512),
        "x32 rows leaked in"
    );
}

fn find(rows: &'static [SyscallDesc], name: &str) -> &'static SyscallDesc {
    rows.iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn p(ty: &'static str, name: &'static str) -> Param {
    Param { ty, name }
}

#[test]
fn spot_checks_x86_64() {
    let openat = find(x86_64::SYSCALLS, "openat");
    assert_eq!(openat.nr, 257);
    assert_eq!(openat.nargs, 4);
    assert_eq!(
        openat.params,
        &[
            p("int", "dfd"),
            p("const char __user *", "filename"),
            p("int", "flags"),
            p("umode_t", "mode"),
        ]
    );
    assert_eq!(
        openat.signature(),
        "openat(int dfd, const char __user *filename, int flags, umode_t mode)"
    );

    let getppid = find(x86_64::SYSCALLS, "getppid");
    assert_eq!(
        (getppid.nr, getppid.nargs, getppid.params.len()),
        (110, 0, 0)
    );

    let read = trapline_abi::table::x86_64_by_nr(0).expect("read");
    assert_eq!(read.name, "read");
    assert_eq!(read.params[0], p("unsigned int", "fd"));

    let stat = trapline_abi::table::x86_64_by_name("newfstatat").expect("newfstatat");
    assert_eq!(
        (stat.nr, stat.entry, stat.nargs),
        (262, "sys_newfstatat", 4)
    );
    assert_eq!(find(x86_64::SYSCALLS, "umount2").entry, "sys_umount");
    assert_eq!(find(x86_64::SYSCALLS, "mmap").nargs, 6);
    assert_eq!(find(x86_64::SYSCALLS, "arch_prctl").nargs, 2);
    assert_eq!(find(x86_64::SYSCALLS, "rt_sigreturn").nargs, 0);
    let execve = find(x86_64::SYSCALLS, "execve");
    assert_eq!(execve.params[1].ty, "const char __user *const __user *");
    let clone = find(x86_64::SYSCALLS, "clone");
    assert_eq!(clone.params[3].name, "child_tidptr");
    assert_eq!(clone.params[4].name, "tls");
    let uselib = find(x86_64::SYSCALLS, "uselib");
    assert_eq!((uselib.entry, uselib.nargs), ("sys_ni_syscall", 0));
    assert!(trapline_abi::table::x86_64_by_nr(335).is_none());
    assert!(trapline_abi::table::x86_64_by_nr(x86_64::NR_COUNT as u64).is_none());
}

#[test]
fn spot_checks_generic() {
    for (arch, rows) in [
        ("aarch64", aarch64::SYSCALLS),
        ("riscv64", riscv64::SYSCALLS),
    ] {
        let nr = |name: &str| rows.iter().find(|d| d.name == name).map(|d| d.nr);
        assert_eq!(nr("openat"), Some(56), "{arch}");
        assert_eq!(nr("newfstatat"), Some(79), "{arch}");
        assert_eq!(nr("fstat"), Some(80), "{arch}");
        assert_eq!(nr("lseek"), Some(62), "{arch}");
        assert_eq!(nr("mmap"), Some(222), "{arch}");
        assert_eq!(nr("fadvise64"), Some(223), "{arch}");
        assert_eq!(nr("getrlimit"), Some(163), "{arch}");
        assert_eq!(nr("clone3"), Some(435), "{arch}");
        assert_eq!(nr("memfd_secret"), Some(447), "{arch}");
        assert_eq!(nr("set_mempolicy_home_node"), Some(450), "{arch}");
        assert_eq!(nr("open"), None, "{arch}");
        assert_eq!(nr("clock_gettime64"), None, "{arch}");
        let clone = find(rows, "clone");
        // Both select CONFIG_CLONE_BACKWARDS: tls before child_tidptr.
        assert_eq!(clone.params[3].name, "tls", "{arch}");
        assert_eq!(find(rows, "fadvise64").entry, "sys_fadvise64_64", "{arch}");
    }
    assert_eq!(
        aarch64::SYSCALLS
            .iter()
            .find(|d| d.name == "renameat")
            .map(|d| d.nr),
        Some(38)
    );
    assert!(riscv64::SYSCALLS.iter().all(|d| d.name != "renameat"));
    assert_eq!(
        find(aarch64::SYSCALLS, "personality").entry,
        "sys_arm64_personality"
    );
    let flush = find(riscv64::SYSCALLS, "riscv_flush_icache");
    assert_eq!((flush.nr, flush.nargs), (259, 3));
    assert_eq!(aarch64::SYSCALLS.len(), riscv64::SYSCALLS.len());
}

#[test]
fn errno_names() {
    let n = errno::NAMES;
    assert_eq!(n.len(), 134);
    assert_eq!(n[0], "");
    assert_eq!(n[1], "EPERM");
    assert_eq!(n[2], "ENOENT");
    assert_eq!(n[11], "EAGAIN");
    assert_eq!(n[35], "EDEADLK");
    assert_eq!(n[38], "ENOSYS");
    assert_eq!(n[41], "");
    assert_eq!(n[58], "");
    assert_eq!(n[133], "EHWPOISON");
    assert_eq!(trapline_abi::Errno::ENOENT.name(), Some("ENOENT"));
    assert_eq!(trapline_abi::Errno(41).name(), None);
    let names: std::collections::BTreeSet<_> = n.iter().filter(|s| !s.is_empty()).collect();
    assert_eq!(names.len(), n.iter().filter(|s| !s.is_empty()).count());
}
