//! Credentials of a process: the invoking user's by default, so runs compare
//! with native ones.

use trapline_abi::Errno;

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

/// An id argument of the set*id calls: -1 (as u32::MAX) leaves it alone.
const KEEP: u32 = u32::MAX;

impl Credentials {
    /// CAP_SETUID/CAP_SETGID inside the sandbox: effective uid 0.
    fn privileged(&self) -> bool {
        self.euid == 0
    }

    /// setresuid(2): an unprivileged caller may only pick among its current
    /// real, effective and saved uids. The fs uid follows the effective one.
    pub fn set_res_uid(&mut self, r: u32, e: u32, s: u32) -> Result<(), Errno> {
        let allowed = |v: u32| v == KEEP || [self.uid, self.euid, self.suid].contains(&v);
        if !(self.privileged() || (allowed(r) && allowed(e) && allowed(s))) {
            return Err(Errno::EPERM);
        }
        if r != KEEP {
            self.uid = r;
        }
        if e != KEEP {
            self.euid = e;
        }
        if s != KEEP {
            self.suid = s;
        }
        self.fsuid = self.euid;
        Ok(())
    }

    /// setresgid(2), with CAP_SETGID (euid 0) as the privilege.
    pub fn set_res_gid(&mut self, r: u32, e: u32, s: u32) -> Result<(), Errno> {
        let allowed = |v: u32| v == KEEP || [self.gid, self.egid, self.sgid].contains(&v);
        if !(self.privileged() || (allowed(r) && allowed(e) && allowed(s))) {
            return Err(Errno::EPERM);
        }
        if r != KEEP {
            self.gid = r;
        }
        if e != KEEP {
            self.egid = e;
        }
        if s != KEEP {
            self.sgid = s;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// setuid(2): privileged callers set all three ids, others only the
    /// effective one (to the real or saved uid).
    pub fn set_uid(&mut self, uid: u32) -> Result<(), Errno> {
        if uid == KEEP {
            return Err(Errno::EINVAL);
        }
        if self.privileged() {
            self.uid = uid;
            self.euid = uid;
            self.suid = uid;
        } else if uid == self.uid || uid == self.suid {
            self.euid = uid;
        } else {
            return Err(Errno::EPERM);
        }
        self.fsuid = self.euid;
        Ok(())
    }

    /// setgid(2), the same rules for groups.
    pub fn set_gid(&mut self, gid: u32) -> Result<(), Errno> {
        if gid == KEEP {
            return Err(Errno::EINVAL);
        }
        if self.privileged() {
            self.gid = gid;
            self.egid = gid;
            self.sgid = gid;
        } else if gid == self.gid || gid == self.sgid {
            self.egid = gid;
        } else {
            return Err(Errno::EPERM);
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// setreuid(2): the real uid may become the effective one, the
    /// effective one any of the three; the saved uid follows the new
    /// effective one when the real uid is set or the effective one moves
    /// away from the real one.
    pub fn set_re_uid(&mut self, r: u32, e: u32) -> Result<(), Errno> {
        let old = self.clone();
        let ok_r = r == KEEP || r == old.uid || r == old.euid;
        let ok_e = e == KEEP || [old.uid, old.euid, old.suid].contains(&e);
        if !(old.privileged() || (ok_r && ok_e)) {
            return Err(Errno::EPERM);
        }
        if r != KEEP {
            self.uid = r;
        }
        if e != KEEP {
            self.euid = e;
        }
        if r != KEEP || (e != KEEP && e != old.uid) {
            self.suid = self.euid;
        }
        self.fsuid = self.euid;
        Ok(())
    }

    /// setregid(2), the same rules for groups.
    pub fn set_re_gid(&mut self, r: u32, e: u32) -> Result<(), Errno> {
        let old = self.clone();
        let ok_r = r == KEEP || r == old.gid || r == old.egid;
        let ok_e = e == KEEP || [old.gid, old.egid, old.sgid].contains(&e);
        if !(old.privileged() || (ok_r && ok_e)) {
            return Err(Errno::EPERM);
        }
        if r != KEEP {
            self.gid = r;
        }
        if e != KEEP {
            self.egid = e;
        }
        if r != KEEP || (e != KEEP && e != old.gid) {
            self.sgid = self.egid;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// setfsuid(2): returns the old fs uid whatever happens; changes it
    /// when privileged or to one of the four current uids.
    pub fn set_fs_uid(&mut self, fsuid: u32) -> u32 {
        let old = self.fsuid;
        if fsuid != KEEP
            && (self.privileged() || [self.uid, self.euid, self.suid, self.fsuid].contains(&fsuid))
        {
            self.fsuid = fsuid;
        }
        old
    }

    /// setfsgid(2), the same for groups (privilege: euid 0).
    pub fn set_fs_gid(&mut self, fsgid: u32) -> u32 {
        let old = self.fsgid;
        if fsgid != KEEP
            && (self.privileged() || [self.gid, self.egid, self.sgid, self.fsgid].contains(&fsgid))
        {
            self.fsgid = fsgid;
        }
        old
    }

    /// setgroups(2): privileged only.
    pub fn set_groups(&mut self, groups: Vec<u32>) -> Result<(), Errno> {
        if !self.privileged() {
            return Err(Errno::EPERM);
        }
        self.groups = groups;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(uid: u32) -> Credentials {
        Credentials {
            uid,
            euid: uid,
            suid: uid,
            fsuid: uid,
            gid: uid,
            egid: uid,
            sgid: uid,
            fsgid: uid,
            groups: vec![],
        }
    }

    #[test]
    fn root_drops_to_a_user_for_good() {
        let mut c = user(0);
        c.set_uid(1000).unwrap();
        assert_eq!((c.uid, c.euid, c.suid, c.fsuid), (1000, 1000, 1000, 1000));
        assert_eq!(c.set_uid(0), Err(Errno::EPERM));
    }

    #[test]
    fn saved_uid_lets_a_process_switch_back() {
        let mut c = user(0);
        c.set_res_uid(1000, 1000, 0).unwrap();
        c.set_res_uid(KEEP, 0, KEEP).unwrap();
        assert_eq!(c.euid, 0);
    }

    #[test]
    fn setreuid_moves_the_saved_uid() {
        let mut c = user(0);
        c.set_re_uid(KEEP, 1000).unwrap();
        assert_eq!((c.uid, c.euid, c.suid), (0, 1000, 1000));
    }

    #[test]
    fn setfsuid_reports_the_old_value_even_when_refused() {
        let mut c = user(1000);
        assert_eq!(c.set_fs_uid(0), 1000);
        assert_eq!(c.fsuid, 1000);
    }
}
