//! Resource limits, kept by the kernel (the host's limits of the Trapline
//! process are the starting values).

use trapline_abi::Errno;

/// Number of resource kinds Linux has (RLIMIT_NLIMITS).
pub const RLIM_NLIMITS: usize = 16;
pub const RLIM_INFINITY: u64 = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

#[derive(Debug, Clone)]
pub struct Rlimits {
    limits: [Rlimit; RLIM_NLIMITS],
}

impl Rlimits {
    /// The limits Trapline itself runs with.
    pub fn from_host() -> Rlimits {
        let mut limits = [Rlimit {
            cur: RLIM_INFINITY,
            max: RLIM_INFINITY,
        }; RLIM_NLIMITS];
        for (i, l) in limits.iter_mut().enumerate() {
            let mut r = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: r is a valid out-pointer; i < RLIMIT_NLIMITS.
            if unsafe { libc::getrlimit(i as libc::__rlimit_resource_t, &mut r) } == 0 {
                *l = Rlimit {
                    cur: r.rlim_cur,
                    max: r.rlim_max,
                };
            }
        }
        Rlimits { limits }
    }

    pub fn get(&self, resource: u32) -> Result<Rlimit, Errno> {
        self.limits
            .get(resource as usize)
            .copied()
            .ok_or(Errno::EINVAL)
    }

    /// Sets a limit with Linux's rules: `cur <= max`, and raising `max`
    /// needs privilege (`CAP_SYS_RESOURCE`, here: euid 0).
    pub fn set(&mut self, resource: u32, new: Rlimit, privileged: bool) -> Result<(), Errno> {
        let slot = self
            .limits
            .get_mut(resource as usize)
            .ok_or(Errno::EINVAL)?;
        if new.cur > new.max {
            return Err(Errno::EINVAL);
        }
        if new.max > slot.max && !privileged {
            return Err(Errno::EPERM);
        }
        if resource == libc::RLIMIT_NOFILE && new.max > NR_OPEN {
            return Err(Errno::EPERM);
        }
        *slot = new;
        Ok(())
    }

    /// Every limit, by `RLIMIT_*` number.
    pub fn all(&self) -> &[Rlimit; RLIM_NLIMITS] {
        &self.limits
    }

    /// The soft limit on open files, for the fd table.
    pub fn nofile(&self) -> u64 {
        self.limits[libc::RLIMIT_NOFILE as usize].cur
    }

    /// The soft limit on the stack size, for exec.
    pub fn stack(&self) -> u64 {
        self.limits[libc::RLIMIT_STACK as usize].cur
    }
}

/// Linux's fs.nr_open default: the highest RLIMIT_NOFILE anyone may set.
const NR_OPEN: u64 = 1 << 20;
