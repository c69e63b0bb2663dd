//! The names `uname` gives, kept by the kernel so that `uname` and
//! `/proc/sys/kernel/{hostname,domainname,osrelease,version}` agree.

/// The Linux release Trapline implements (that of its syscall table).
pub const RELEASE: &str = "6.1.0-trapline";
/// `uname`'s version string.
pub const VERSION: &str = "#1 SMP PREEMPT_DYNAMIC Trapline";

/// The host and domain names of the guest's system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uts {
    pub hostname: Vec<u8>,
    pub domainname: Vec<u8>,
}

impl Uts {
    /// The host's names (`/etc/hostname` comes from the host as well).
    pub fn from_host() -> Uts {
        // SAFETY: utsname is plain data filled by uname.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        // SAFETY: u is a valid out-pointer.
        if unsafe { libc::uname(&mut u) } != 0 {
            return Uts {
                hostname: b"localhost".to_vec(),
                domainname: b"(none)".to_vec(),
            };
        }
        let field = |f: &[libc::c_char]| -> Vec<u8> {
            f.iter()
                .take_while(|&&c| c != 0)
                .map(|&c| c as u8)
                .collect()
        };
        Uts {
            hostname: field(&u.nodename),
            domainname: field(&u.domainname),
        }
    }
}
