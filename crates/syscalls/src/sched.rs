//! Scheduling queries and settings: affinity, policies, priorities and
//! nice values, with the errors Linux gives.

use crate::prelude::*;

/// The process a scheduling call names: 0 is the caller; a zombie is
/// still there until reaped, as on Linux.
fn target(task: &Task, pid: i32) -> Result<std::sync::Arc<trapline_kernel::Process>, Errno> {
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid == 0 || pid == task.process.pid || pid == task.tid {
        return Ok(task.process.clone());
    }
    task.kernel.process(pid).ok_or(Errno::ESRCH)
}

/// Size in bytes of Linux's cpumask for `ncpus` CPUs (whole longs).
fn mask_size(ncpus: usize) -> usize {
    ncpus.div_ceil(64) * 8
}

syscall! {
    Implemented => fn sched_getaffinity(task, pid: i32, len: usize, mask: UserAddr) -> SysResult {
        let p = target(task, pid).map_err(|e| if e == Errno::EINVAL { Errno::ESRCH } else { e })?;
        let ncpus = task.kernel.cpus.iter().max().map_or(1, |m| m + 1);
        // Linux: the buffer must hold nr_cpu_ids bits and be a whole number
        // of longs; it copies cpumask_size() bytes.
        if len.saturating_mul(8) < ncpus || !len.is_multiple_of(8) {
            return Err(Errno::EINVAL);
        }
        let cpus = lock(&p.affinity).clone().unwrap_or_else(|| task.kernel.cpus.clone());
        let mut bytes = vec![0u8; mask_size(ncpus)];
        for c in cpus {
            if let Some(b) = bytes.get_mut(c / 8) {
                *b |= 1 << (c % 8);
            }
        }
        task.mem().write(mask.0, &bytes)?;
        Ok(bytes.len() as u64)
    }
}

syscall! {
    Partial("the mask is recorded per process and reported back; Trapline keeps each guest thread on its tracer's CPU")
    => fn sched_setaffinity(task, pid: i32, len: usize, mask: UserAddr) -> SysResult {
        let p = target(task, pid).map_err(|e| if e == Errno::EINVAL { Errno::ESRCH } else { e })?;
        let mut bytes = vec![0u8; len.min(mask_size(1024))];
        task.mem().read(mask.0, &mut bytes)?;
        let wanted: Vec<usize> = task
            .kernel
            .cpus
            .iter()
            .copied()
            .filter(|&c| bytes.get(c / 8).is_some_and(|b| b & (1 << (c % 8)) != 0))
            .collect();
        if wanted.is_empty() {
            return Err(Errno::EINVAL);
        }
        *lock(&p.affinity) = Some(wanted);
        Ok(0)
    }
}

syscall! {
    Implemented => fn sched_yield(_task) -> SysResult {
        // SAFETY: no preconditions.
        unsafe { libc::sched_yield() };
        Ok(0)
    }
}

const SCHED_OTHER: i32 = 0;
const SCHED_FIFO: i32 = 1;
const SCHED_RR: i32 = 2;
const SCHED_BATCH: i32 = 3;
const SCHED_IDLE: i32 = 5;
const SCHED_DEADLINE: i32 = 6;
const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;

syscall! {
    Implemented => fn sched_get_priority_max(_task, policy: i32) -> SysResult {
        match policy {
            SCHED_FIFO | SCHED_RR => Ok(99),
            SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE => Ok(0),
            _ => Err(Errno::EINVAL),
        }
    }
}

syscall! {
    Implemented => fn sched_get_priority_min(_task, policy: i32) -> SysResult {
        match policy {
            SCHED_FIFO | SCHED_RR => Ok(1),
            SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE => Ok(0),
            _ => Err(Errno::EINVAL),
        }
    }
}

syscall! {
    Implemented => fn sched_getscheduler(task, pid: i32) -> SysResult {
        Ok(lock(&target(task, pid)?.sched_policy).0 as u64)
    }
}

syscall! {
    Implemented => fn sched_getparam(task, pid: i32, param: UserAddr) -> SysResult {
        let p = target(task, pid)?;
        if param.is_null() {
            return Err(Errno::EINVAL);
        }
        let prio = lock(&p.sched_policy).1;
        write_obj(&task.mem(), param.0, &prio)?;
        Ok(0)
    }
}

/// Sets a policy: the normal ones with priority 0; real-time ones only for
/// a privileged caller (euid 0, as CAP_SYS_NICE) and only on itself: the
/// policy is then applied to its host process, so it takes effect.
fn set_policy(task: &Task, pid: i32, policy: Option<i32>, param: UserAddr) -> SysResult {
    if param.is_null() {
        return Err(Errno::EINVAL);
    }
    let prio: i32 = read_obj(&task.mem(), param.0)?;
    let p = target(task, pid)?;
    let policy = policy.unwrap_or(lock(&p.sched_policy).0) & !SCHED_RESET_ON_FORK;
    match policy {
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE if prio != 0 => Err(Errno::EINVAL),
        SCHED_FIFO | SCHED_RR if !(1..=99).contains(&prio) => Err(Errno::EINVAL),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_FIFO | SCHED_RR => {
            let realtime = matches!(policy, SCHED_FIFO | SCHED_RR);
            let is_self = std::sync::Arc::ptr_eq(&p, &task.process);
            if realtime && (lock(&task.process.creds).euid != 0 || !is_self) {
                return Err(Errno::EPERM);
            }
            if is_self {
                let param = libc::sched_param {
                    sched_priority: prio,
                };
                // SAFETY: a valid sched_param for the guest's own host process.
                if unsafe { libc::sched_setscheduler(task.tracee.host_pid(), policy, &param) } != 0
                {
                    return Err(Errno(
                        std::io::Error::last_os_error()
                            .raw_os_error()
                            .unwrap_or(libc::EPERM),
                    ));
                }
            }
            *lock(&p.sched_policy) = (policy, prio);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

syscall! {
    Partial("real-time policies only for a root guest on itself (EPERM otherwise, as without CAP_SYS_NICE); SCHED_DEADLINE is refused")
    => fn sched_setscheduler(task, pid: i32, policy: i32, param: UserAddr) -> SysResult {
        if policy < 0 {
            return Err(Errno::EINVAL);
        }
        set_policy(task, pid, Some(policy), param)
    }
}

syscall! {
    Partial("as sched_setscheduler")
    => fn sched_setparam(task, pid: i32, param: UserAddr) -> SysResult {
        set_policy(task, pid, None, param)
    }
}

const PRIO_PROCESS: i32 = 0;
const PRIO_PGRP: i32 = 1;
const PRIO_USER: i32 = 2;

/// The processes a getpriority/setpriority names.
fn prio_targets(
    task: &Task,
    which: i32,
    who: i32,
) -> Result<Vec<std::sync::Arc<trapline_kernel::Process>>, Errno> {
    let live = |p: &std::sync::Arc<trapline_kernel::Process>| lock(&p.exit_status).is_none();
    let all = task.kernel.processes_snapshot();
    let found: Vec<_> = match which {
        PRIO_PROCESS => return target(task, who).map(|p| vec![p]).map_err(|_| Errno::ESRCH),
        PRIO_PGRP => {
            let g = if who == 0 { task.process.pgid() } else { who };
            all.into_iter()
                .filter(|p| live(p) && p.pgid() == g)
                .collect()
        }
        PRIO_USER => {
            let u = if who == 0 {
                lock(&task.process.creds).uid
            } else {
                who as u32
            };
            all.into_iter()
                .filter(|p| live(p) && lock(&p.creds).uid == u)
                .collect()
        }
        _ => return Err(Errno::EINVAL),
    };
    if found.is_empty() {
        return Err(Errno::ESRCH);
    }
    Ok(found)
}

syscall! {
    Implemented => fn getpriority(task, which: i32, who: i32) -> SysResult {
        let best = prio_targets(task, which, who)?.iter().map(|p| p.nice.load(std::sync::atomic::Ordering::Relaxed)).min().unwrap_or(0);
        // The raw syscall returns 20 - nice (1..=40), never negative.
        Ok((20 - best) as u64)
    }
}

syscall! {
    Implemented => fn setpriority(task, which: i32, who: i32, niceval: i32) -> SysResult {
        let targets = prio_targets(task, which, who)?;
        let nice = niceval.clamp(-20, 19);
        let privileged = lock(&task.process.creds).euid == 0;
        for p in targets {
            let old = p.nice.load(std::sync::atomic::Ordering::Relaxed);
            // Lowering nice needs CAP_SYS_NICE (or RLIMIT_NICE).
            let limit = lock(&p.rlimits).get(libc::RLIMIT_NICE).map_or(0, |l| l.cur);
            if nice < old && !privileged && (20 - nice) as u64 > limit {
                return Err(Errno::EACCES);
            }
            p.nice.store(nice, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(0)
    }
}
