//! Every special case the generator applies, in one place. The crate's doc
//! comment (main.rs) lists which syscalls each rule affects and why.

/// One output table built from the asm-generic syscall list.
pub struct GenericArch {
    /// Output file stem under `crates/abi/src/table/`.
    pub module: &'static str,
    /// The directory under `arch/` whose C files may define its syscalls.
    pub arch_dir: &'static str,
    /// The arch header that sets `__ARCH_WANT_*` and includes the list.
    pub header: &'static str,
}

/// The x86_64 table comes from this directory's `syscall_64.tbl`.
pub const X86_ARCH_DIR: &str = "x86";

/// The asm-generic architectures we generate.
pub const GENERIC_ARCHES: &[GenericArch] = &[
    GenericArch {
        module: "aarch64",
        arch_dir: "arm64",
        header: "arch/arm64/include/uapi/asm/unistd.h",
    },
    GenericArch {
        module: "riscv64",
        arch_dir: "riscv",
        header: "arch/riscv/include/uapi/asm/unistd.h",
    },
];

/// RULE EMPTY_ENTRY: a `syscall_64.tbl` row without an entry column gets
/// this entry point: arch/x86/entry/syscall_64.c fills every slot with
/// `__x64_sys_ni_syscall` before the table's entries.
pub const EMPTY_ENTRY: &str = "sys_ni_syscall";

/// RULE NO_DEFINE_ENTRIES: entry points that are plain C functions rather
/// than `SYSCALL_DEFINEn`, with their argument count and where it comes from.
/// Rows with these entries get `params: &[]` and no warning.
pub const NO_DEFINE_ENTRIES: &[(&str, u8, &str)] = &[(
    "sys_ni_syscall",
    0,
    "kernel/sys_ni.c: `asmlinkage long sys_ni_syscall(void)`, returns -ENOSYS",
)];

/// RULE MISSING_DEFINITIONS: entry points the syscall table still names
/// but that no longer have any definition, with the argument count we
/// justify and why. Rows with these entries get `params: &[]` and a
/// warning that cites this list.
pub const MISSING_DEFINITIONS: &[(&str, u8, &str)] = &[(
    "sys_lookup_dcookie",
    3,
    "fs/dcookies.c was removed in 5.11; kernel/sys_ni.c `COND_SYSCALL(lookup_dcookie)` \
     makes the entry a weak alias of sys_ni_syscall (-ENOSYS); 3 args per the prototype \
     kept in include/linux/syscalls.h: (u64 cookie64, char __user *buf, size_t len)",
)];

/// RULE ENTRY_OVERRIDES: (module, syscall name, real entry, why). The
/// asm-generic list names one entry, but the architecture's table maps it to
/// another function.
pub const ENTRY_OVERRIDES: &[(&str, &str, &str, &str)] = &[(
    "aarch64",
    "personality",
    "sys_arm64_personality",
    "arch/arm64/kernel/sys.c: `#define __arm64_sys_personality \
     __arm64_sys_arm64_personality` (refuses PER_LINUX32 without 32-bit EL0)",
)];

/// RULE EXCLUDED_PATHS: directories never scanned for `SYSCALL_DEFINE`
/// (besides `arch/*` of other architectures, which are always skipped).
pub const EXCLUDED_PATHS: &[(&str, &str)] = &[(
    "arch/x86/um/",
    "User-Mode Linux's own arch_prctl/mmap/modify_ldt/*_thread_area, built only \
     for ARCH=um, never into an x86_64 kernel",
)];

/// RULE LOSING_FILES: when a syscall is defined both here and elsewhere,
/// the other definition wins.
pub const LOSING_FILES: &[(&str, &str)] = &[
    (
        "mm/nommu.c",
        "built only when CONFIG_MMU=n; mm/mmap.c and mm/mremap.c hold the MMU versions",
    ),
    (
        "kernel/time/posix-stubs.c",
        "built only when CONFIG_POSIX_TIMERS=n; kernel/time/posix-timers.c is the real one",
    ),
    (
        "arch/x86/kernel/process_32.c",
        "built only for 32-bit x86; arch/x86/kernel/process_64.c is the x86_64 one",
    ),
];

/// RULE ARCH_CONFIGS: config options whose value decides between
/// `#if`-alternative definitions, per `arch/` directory, from that
/// architecture's Kconfig. Definitions in a branch these rule out lose to
/// the others; all other options are treated as unknown.
pub const ARCH_CONFIGS: &[(&str, &[(&str, bool)])] = &[
    (
        "x86",
        &[
            // arch/x86/Kconfig: `select CLONE_BACKWARDS` under X86_32 only.
            ("CONFIG_CLONE_BACKWARDS", false),
            ("CONFIG_CLONE_BACKWARDS2", false), // s390 only
            ("CONFIG_CLONE_BACKWARDS3", false), // microblaze only
        ],
    ),
    (
        "arm64",
        &[
            // arch/arm64/Kconfig: `select CLONE_BACKWARDS`.
            ("CONFIG_CLONE_BACKWARDS", true),
            ("CONFIG_CLONE_BACKWARDS2", false),
            ("CONFIG_CLONE_BACKWARDS3", false),
        ],
    ),
    (
        "riscv",
        &[
            // arch/riscv/Kconfig: `select CLONE_BACKWARDS`.
            ("CONFIG_CLONE_BACKWARDS", true),
            ("CONFIG_CLONE_BACKWARDS2", false),
            ("CONFIG_CLONE_BACKWARDS3", false),
        ],
    ),
];

/// RULE GENERIC_PREDEFINED: macros a 64-bit native (not compat) build of the
/// uapi headers sees. `__SYSCALL_COMPAT` and `__ARCH_NOMMU` stay undefined.
pub const GENERIC_PREDEFINED: &[(&str, &str)] = &[("__BITS_PER_LONG", "64"), ("__LP64__", "1")];

/// RULE HEADER_INCLUDES: how `#include`s in the uapi headers are followed
/// (`None`: skipped, its content is in GENERIC_PREDEFINED).
pub const HEADER_INCLUDES: &[(&str, Option<&str>)] = &[
    (
        "<asm-generic/unistd.h>",
        Some("include/uapi/asm-generic/unistd.h"),
    ),
    ("<asm/bitsperlong.h>", None),
];

/// Where errno names come from, in order.
pub const ERRNO_HEADERS: &[&str] = &[
    "include/uapi/asm-generic/errno-base.h",
    "include/uapi/asm-generic/errno.h",
];

/// RULE UNDEFINED_NARGS: what `nargs` a row gets when no definition was
/// found and no other rule explains it (the generator warns): all six
/// argument registers, so a tracer shows everything.
pub const UNDEFINED_NARGS: u8 = 6;
