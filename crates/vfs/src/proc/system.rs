//! The system-wide files of `/proc`.
//!
//! The host's `/proc` shows through for the names in `PASSTHROUGH`: what
//! they describe (CPUs, memory, time since boot, sysctl settings) is the
//! host's, because guests run on the host's CPUs and memory and read the
//! host's clocks through the vDSO. Where a file also says something about
//! processes or about the kernel the guest talks to, the kernel's view
//! replaces it (`kernel_file`): the process counts of `stat` and
//! `loadavg`, the version, the host name, the last pid.

use super::source::SystemInfo;

/// The entries of the host's `/proc` a guest may see: system-wide, and
/// nothing about host processes (`mounts` is a link to `self/mounts`).
pub(crate) const PASSTHROUGH: &[&[u8]] = &[
    b"cpuinfo",
    b"meminfo",
    b"stat",
    b"uptime",
    b"loadavg",
    b"version",
    b"filesystems",
    b"mounts",
    b"sys",
];

/// The largest pid (Linux's `PID_MAX_LIMIT` on 64-bit, the value
/// systemd sets).
pub const PID_MAX: i32 = 4_194_304;

/// `/proc/version`, in Linux's format, for the kernel `uname` describes.
fn version(sys: &SystemInfo) -> Vec<u8> {
    format!(
        "Linux version {} (trapline@trapline) (rustc) {}\n",
        sys.release, sys.version
    )
    .into_bytes()
}

/// The host's `/proc/stat` with the kernel's process counts.
fn stat(sys: &SystemInfo) -> Vec<u8> {
    let host = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut out = String::new();
    for line in host.lines() {
        let key = line.split(' ').next().unwrap_or("");
        match key {
            "processes" => out.push_str(&format!("processes {}", sys.forks)),
            "procs_running" => out.push_str(&format!("procs_running {}", sys.running.max(1))),
            "procs_blocked" => out.push_str("procs_blocked 0"),
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// The host's load averages, with the kernel's task counts and last pid.
fn loadavg(sys: &SystemInfo) -> Vec<u8> {
    let host = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let loads: Vec<&str> = host.split_whitespace().take(3).collect();
    let loads = if loads.len() == 3 {
        loads.join(" ")
    } else {
        "0.00 0.00 0.00".to_string()
    };
    format!(
        "{loads} {}/{} {}\n",
        sys.running.max(1),
        sys.tasks.max(1),
        sys.last_pid
    )
    .into_bytes()
}

fn line(bytes: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v.push(b'\n');
    v
}

/// The contents the kernel gives the host file at `rel` (a path below
/// `/proc`), if it replaces the host's.
pub(crate) fn kernel_file(rel: &[u8], sys: impl FnOnce() -> SystemInfo) -> Option<Vec<u8>> {
    const OWN: &[&[u8]] = &[
        b"/version",
        b"/stat",
        b"/loadavg",
        b"/sys/kernel/hostname",
        b"/sys/kernel/domainname",
        b"/sys/kernel/osrelease",
        b"/sys/kernel/ostype",
        b"/sys/kernel/version",
        b"/sys/kernel/pid_max",
        b"/sys/kernel/ns_last_pid",
    ];
    if !OWN.contains(&rel) {
        return None;
    }
    let sys = sys();
    Some(match rel {
        b"/version" => version(&sys),
        b"/stat" => stat(&sys),
        b"/loadavg" => loadavg(&sys),
        b"/sys/kernel/hostname" => line(&sys.hostname),
        b"/sys/kernel/domainname" => line(&sys.domainname),
        b"/sys/kernel/osrelease" => line(sys.release.as_bytes()),
        b"/sys/kernel/ostype" => line(b"Linux"),
        b"/sys/kernel/version" => line(sys.version.as_bytes()),
        b"/sys/kernel/pid_max" => line(sys.pid_max.to_string().as_bytes()),
        _ => line(sys.last_pid.to_string().as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sys() -> SystemInfo {
        SystemInfo {
            hostname: b"box".to_vec(),
            domainname: b"(none)".to_vec(),
            release: "6.1.0-trapline".into(),
            version: "#1 SMP".into(),
            last_pid: 42,
            forks: 41,
            tasks: 3,
            running: 1,
            pid_max: PID_MAX,
        }
    }

    #[test]
    fn the_kernel_replaces_what_it_knows() {
        assert_eq!(
            kernel_file(b"/sys/kernel/hostname", sys),
            Some(b"box\n".to_vec())
        );
        assert_eq!(
            kernel_file(b"/sys/kernel/ns_last_pid", sys),
            Some(b"42\n".to_vec())
        );
        assert_eq!(kernel_file(b"/sys/kernel/threads-max", sys), None);
        assert_eq!(kernel_file(b"/meminfo", sys), None);
        let v = String::from_utf8(kernel_file(b"/version", sys).unwrap()).unwrap();
        assert!(v.starts_with("Linux version 6.1.0-trapline ("), "{v}");
        let l = String::from_utf8(kernel_file(b"/loadavg", sys).unwrap()).unwrap();
        assert!(l.ends_with(" 1/3 42\n"), "{l}");
        let s = String::from_utf8(kernel_file(b"/stat", sys).unwrap()).unwrap();
        assert!(s.contains("\nprocesses 41\n"), "{s}");
        assert!(s.starts_with("cpu "), "{s}");
    }
}
