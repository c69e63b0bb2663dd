//! Credentials of a process: the invoking user's by default, so runs compare
//! with native ones.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    pub groups: Vec<u32>,
}

impl Credentials {
    /// The credentials of the user who started Trapline.
    pub fn of_host_user() -> Credentials {
        // SAFETY: these getters have no preconditions and cannot fail.
        let (uid, euid, gid, egid) = unsafe {
            (
                libc::getuid(),
                libc::geteuid(),
                libc::getgid(),
                libc::getegid(),
            )
        };
        let mut groups = vec![0 as libc::gid_t; 256];
        // SAFETY: groups has room for 256 entries, the size we pass.
        let n = unsafe { libc::getgroups(groups.len() as i32, groups.as_mut_ptr()) };
        groups.truncate(usize::try_from(n).unwrap_or(0));
        Credentials {
            uid,
            euid,
            suid: euid,
            fsuid: euid,
            gid,
            egid,
            sgid: egid,
            fsgid: egid,
            groups,
        }
    }

    /// The view the file system uses for permission checks.
    pub fn fs_cred(&self) -> trapline_vfs::Cred {
        trapline_vfs::Cred {
            uid: self.fsuid,
            gid: self.fsgid,
            groups: self.groups.clone(),
        }
    }
}
