//! System information, randomness and scheduling queries.

use trapline_abi::structs::{Sysinfo, Utsname};

use crate::prelude::*;

fn put(field: &mut [libc::c_char; 65], value: &[u8]) {
    for (dst, &src) in field.iter_mut().zip(value.iter().take(64)) {
        *dst = src as libc::c_char;
    }
}

syscall! {
    Implemented => fn uname(task, buf: UserAddr) -> SysResult {
        use trapline_kernel::uts::{RELEASE, VERSION};
        let names = lock(&task.kernel.uts).clone();
        let mut u = Utsname::zeroed();
        put(&mut u.sysname, b"Linux");
        put(&mut u.nodename, &names.hostname);
        put(&mut u.release, RELEASE.as_bytes());
        put(&mut u.version, VERSION.as_bytes());
        put(&mut u.machine, b"x86_64");
        put(&mut u.domainname, &names.domainname);
        write_obj(&task.mem(), buf.0, &u)?;
        Ok(0)
    }
}

/// The most getrandom hands out per call (Linux's limit is larger; a short
/// count is allowed and callers loop).
const GETRANDOM_MAX: usize = 1 << 20;

syscall! {
    Implemented => fn getrandom(task, buf: UserAddr, count: usize, flags: u32) -> SysResult {
        let known = libc::GRND_NONBLOCK | libc::GRND_RANDOM | libc::GRND_INSECURE;
        if flags & !known != 0 || flags & (libc::GRND_RANDOM | libc::GRND_INSECURE) == (libc::GRND_RANDOM | libc::GRND_INSECURE) {
            return Err(Errno::EINVAL);
        }
        let mut bytes = vec![0u8; count.min(GETRANDOM_MAX)];
        // SAFETY: bytes is a writable buffer of bytes.len() bytes.
        let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
        let n = usize::try_from(n).map_err(|_| Errno::EAGAIN)?;
        task.mem().write(buf.0, &bytes[..n])?;
        Ok(n as u64)
    }
}

syscall! {
    Implemented => fn sysinfo(task, info: UserAddr) -> SysResult {
        // SAFETY: libc::sysinfo is plain data filled by sysinfo.
        let mut h: libc::sysinfo = unsafe { std::mem::zeroed() };
        // SAFETY: h is a valid out-pointer.
        unsafe { libc::sysinfo(&mut h) };
        let s = Sysinfo {
            uptime: trapline_kernel::rusage::since_boot().as_secs() as i64,
            loads: h.loads,
            totalram: h.totalram,
            freeram: h.freeram,
            sharedram: h.sharedram,
            bufferram: h.bufferram,
            totalswap: h.totalswap,
            freeswap: h.freeswap,
            procs: u16::try_from(task.kernel.task_count()).unwrap_or(u16::MAX),
            totalhigh: h.totalhigh,
            freehigh: h.freehigh,
            mem_unit: h.mem_unit,
            ..Sysinfo::default()
        };
        write_obj(&task.mem(), info.0, &s)?;
        Ok(0)
    }
}
