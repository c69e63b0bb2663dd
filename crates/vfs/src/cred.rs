//! Credentials and the permission rules of Linux's `generic_permission`.

use crate::{Errno, VfsResult};

/// Credentials the vfs needs for permission checks (the fs uid/gid of the
/// caller). uid 0 bypasses read/write checks like a root with
/// `CAP_DAC_OVERRIDE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cred {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

impl Cred {
    /// The superuser.
    pub fn root() -> Cred {
        Cred {
            uid: 0,
            gid: 0,
            groups: Vec::new(),
        }
    }

    /// Whether `gid` is the caller's group or one of its supplementary groups.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }

    pub fn is_root(&self) -> bool {
        self.uid == 0
    }
}

/// Read permission.
pub const MAY_READ: u32 = 4;
/// Write permission.
pub const MAY_WRITE: u32 = 2;
/// Execute (files) or search (directories) permission.
pub const MAY_EXEC: u32 = 1;

/// The owner and mode of an inode, as a permission check needs them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Owner {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// Checks `want` (a mask of `MAY_*`) against the mode bits of `who`:
/// owner bits if the caller owns it, group bits if in its group, else other
/// bits. uid 0 may read and write anything, search any directory, and execute
/// a file that has at least one execute bit.
pub(crate) fn check(cred: &Cred, who: Owner, want: u32) -> VfsResult<()> {
    let want = want & 7;
    let is_dir = who.mode & libc::S_IFMT == libc::S_IFDIR;
    if cred.is_root() {
        if want & MAY_EXEC == 0 || is_dir || who.mode & 0o111 != 0 {
            return Ok(());
        }
        return Err(Errno::EACCES);
    }
    let bits = if cred.uid == who.uid {
        (who.mode >> 6) & 7
    } else if cred.in_group(who.gid) {
        (who.mode >> 3) & 7
    } else {
        who.mode & 7
    };
    if bits & want == want {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// Linux's sticky-directory rule: in a directory with `S_ISVTX`, only the
/// owner of the entry, the owner of the directory, or root may remove or
/// rename it (`EPERM`).
pub(crate) fn check_sticky(cred: &Cred, dir: Owner, victim: Owner) -> VfsResult<()> {
    if dir.mode & libc::S_ISVTX == 0 || cred.is_root() {
        return Ok(());
    }
    if cred.uid == victim.uid || cred.uid == dir.uid {
        return Ok(());
    }
    Err(Errno::EPERM)
}

/// Capability sets, as `capget` and `/proc/PID/status` show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub bounding: u64,
}

/// Trapline's own capabilities on the host, read once: what a root guest
/// holds, as the same program run natively by the same user would.
pub fn host_capabilities() -> Capabilities {
    static CAPS: std::sync::OnceLock<Capabilities> = std::sync::OnceLock::new();
    *CAPS.get_or_init(|| {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
                .unwrap_or(0)
        };
        Capabilities {
            effective: field("CapEff:"),
            permitted: field("CapPrm:"),
            inheritable: field("CapInh:"),
            bounding: field("CapBnd:"),
        }
    })
}

/// The capabilities of a guest process with effective uid `euid` and
/// real and saved uids `ruid`, `suid`: a root guest's are Trapline's own;
/// an effective uid other than 0 holds none in effect, and keeps the
/// permitted set only while a real or saved uid is 0 (Linux's rules for
/// a process that changes uid without `PR_SET_KEEPCAPS`).
pub fn guest_capabilities(ruid: u32, euid: u32, suid: u32) -> Capabilities {
    let host = host_capabilities();
    match (euid, ruid == 0 || suid == 0) {
        (0, _) => host,
        (_, true) => Capabilities {
            effective: 0,
            ..host
        },
        (_, false) => Capabilities {
            bounding: host.bounding,
            ..Capabilities::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Cred {
        Cred {
            uid: 1000,
            gid: 1000,
            groups: vec![27],
        }
    }

    #[test]
    fn owner_group_other_bits() {
        let f = Owner {
            mode: libc::S_IFREG | 0o640,
            uid: 1000,
            gid: 5,
        };
        assert_eq!(check(&user(), f, MAY_READ | MAY_WRITE), Ok(()));
        assert_eq!(check(&user(), f, MAY_EXEC), Err(Errno::EACCES));
        let g = Owner {
            mode: libc::S_IFREG | 0o640,
            uid: 1,
            gid: 27,
        };
        assert_eq!(check(&user(), g, MAY_READ), Ok(()));
        assert_eq!(check(&user(), g, MAY_WRITE), Err(Errno::EACCES));
        let o = Owner {
            mode: libc::S_IFREG | 0o604,
            uid: 1,
            gid: 2,
        };
        assert_eq!(check(&user(), o, MAY_READ), Ok(()));
    }

    #[test]
    fn root_bypass_except_exec_without_x() {
        let f = Owner {
            mode: libc::S_IFREG,
            uid: 1,
            gid: 1,
        };
        assert_eq!(check(&Cred::root(), f, MAY_READ | MAY_WRITE), Ok(()));
        assert_eq!(check(&Cred::root(), f, MAY_EXEC), Err(Errno::EACCES));
        let d = Owner {
            mode: libc::S_IFDIR,
            uid: 1,
            gid: 1,
        };
        assert_eq!(check(&Cred::root(), d, MAY_EXEC), Ok(()));
    }
}
