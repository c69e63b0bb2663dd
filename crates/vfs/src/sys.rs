//! `/sys`: the few sysfs files programs read to learn about the machine,
//! and nothing else of the host's `/sys`.
//!
//! * `devices/system/cpu/{online,possible,present,offline,kernel_max}` and
//!   `cpuN/{online,topology/*}` for each CPU the host has: guests run on
//!   the host's CPUs, so these are the host's (read when opened). glibc's
//!   `get_nprocs` reads `online`, `get_nprocs_conf` counts the `cpuN`
//!   directories. Which CPUs a guest may use is its affinity
//!   (`sched_getaffinity`), as on Linux.
//! * `fs/cgroup`: an empty directory. Trapline has no control groups, so
//!   none is mounted there, as on a Linux system whose init mounted none;
//!   `/proc/PID/cgroup` shows the guest at the root of the unified
//!   hierarchy, and `mountinfo` lists no cgroup file system, which tells
//!   runtimes (the JVM, Go, systemd) that no limits apply.
//!
//! The tree is made at boot from what the host has and never changes; it
//! is mounted read-only.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use crate::synth::{Builder, Content, SynthFs};

/// `f_type` of sysfs.
pub(crate) const SYSFS_MAGIC: i64 = 0x6265_6572;
/// The made-up device number of `/sys`.
const SYS_DEV: u64 = 0x2e;

/// The host's CPU files shown, when the host has them.
const CPU_FILES: &[&str] = &["online", "possible", "present", "offline", "kernel_max"];
/// The topology files of each CPU shown, when the host has them.
const TOPOLOGY_FILES: &[&str] = &[
    "physical_package_id",
    "die_id",
    "cluster_id",
    "core_id",
    "core_cpus",
    "core_cpus_list",
    "thread_siblings",
    "thread_siblings_list",
    "core_siblings",
    "core_siblings_list",
    "cluster_cpus",
    "cluster_cpus_list",
    "die_cpus",
    "die_cpus_list",
    "package_cpus",
    "package_cpus_list",
];

/// Adds the host file `host` as `name` in `dir`, if the host has it: its
/// permissions, its contents read when opened.
fn host_file(b: &mut Builder, dir: usize, name: &str, host: String) {
    let Ok(meta) = std::fs::metadata(&host) else {
        return;
    };
    if !meta.is_file() {
        return;
    }
    let perms = meta.permissions().mode() & 0o777;
    b.add(
        dir,
        name.as_bytes(),
        perms,
        Content::File(Box::new(move || {
            std::fs::read(&host).map_err(|e| crate::Errno(e.raw_os_error().unwrap_or(libc::EIO)))
        })),
    );
}

/// The host's CPU directories (`cpu0`, `cpu1`, ...), by number.
fn host_cpus(dir: &str) -> Vec<u32> {
    let mut cpus: Vec<u32> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name();
                    let digits = name.as_bytes().strip_prefix(b"cpu")?;
                    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    std::str::from_utf8(digits).ok()?.parse().ok()
                })
                .collect()
        })
        .unwrap_or_default();
    cpus.sort_unstable();
    cpus
}

/// The `/sys` tree, from the host's `/sys` as it is now.
pub(crate) fn sysfs() -> Arc<SynthFs> {
    const HOST_CPU: &str = "/sys/devices/system/cpu";
    let mut b = Builder::new(0o555);
    let devices = b.dir(0, b"devices", 0o755);
    let system = b.dir(devices, b"system", 0o755);
    let cpu = b.dir(system, b"cpu", 0o755);
    for name in CPU_FILES {
        host_file(&mut b, cpu, name, format!("{HOST_CPU}/{name}"));
    }
    for n in host_cpus(HOST_CPU) {
        let host = format!("{HOST_CPU}/cpu{n}");
        let dir = b.dir(cpu, format!("cpu{n}").as_bytes(), 0o755);
        host_file(&mut b, dir, "online", format!("{host}/online"));
        let topology = b.dir(dir, b"topology", 0o755);
        for name in TOPOLOGY_FILES {
            host_file(&mut b, topology, name, format!("{host}/topology/{name}"));
        }
    }
    let fs = b.dir(0, b"fs", 0o755);
    b.dir(fs, b"cgroup", 0o755);
    b.build(
        "sysfs",
        "ro,nosuid,nodev,noexec,relatime",
        SYSFS_MAGIC,
        SYS_DEV,
    )
}
