//! Process groups and job control: orphaned process groups.
//!
//! A process group is orphaned when no member has a parent in another
//! group of the same session: no shell is left to continue its stopped
//! jobs. When an exit makes a group orphaned and the group has a stopped
//! member, every member gets SIGHUP then SIGCONT (POSIX; Linux's
//! `kill_orphaned_pgrp`).

use trapline_abi::signal::SigInfo;

use crate::kernel::Kernel;
use crate::process::{lock, Process};

/// Whether group `pgid` is orphaned once `ignored` (a process that is
/// ending) is left out (Linux's `will_become_orphaned_pgrp`). Ended
/// processes do not count, nor pid 1, whose parent is outside.
fn will_be_orphaned(kernel: &Kernel, pgid: i32, ignored: Option<i32>) -> bool {
    !kernel.processes_snapshot().iter().any(|p| {
        p.pgid() == pgid
            && Some(p.pid) != ignored
            && lock(&p.exit_status).is_none()
            && kernel
                .process(p.ppid())
                .is_some_and(|parent| parent.pgid() != pgid && parent.sid() == p.sid())
    })
}

/// Whether a live member of group `pgid` is stopped.
fn has_stopped_jobs(kernel: &Kernel, pgid: i32) -> bool {
    kernel
        .processes_snapshot()
        .iter()
        .any(|p| p.pgid() == pgid && lock(&p.exit_status).is_none() && p.sig.is_stopped())
}

/// Linux's `kill_orphaned_pgrp`. With `parent` None, `process` ended: its
/// group may have lost its link through it. Otherwise `parent` ended and
/// `process`, its child, was reparented: the child's group may have lost
/// its link through `parent`.
pub fn check_orphaned(kernel: &Kernel, process: &Process, parent: Option<&Process>) {
    let own_parent;
    let (parent, ignored) = match parent {
        Some(p) => (p, None),
        None => {
            let Some(p) = kernel.process(process.ppid()) else {
                return;
            };
            own_parent = p;
            (&*own_parent, Some(process.pid))
        }
    };
    let pgid = process.pgid();
    if parent.pgid() != pgid
        && parent.sid() == process.sid()
        && will_be_orphaned(kernel, pgid, ignored)
        && has_stopped_jobs(kernel, pgid)
    {
        for sig in [libc::SIGHUP, libc::SIGCONT] {
            for p in kernel.processes_snapshot() {
                if p.pgid() == pgid && lock(&p.exit_status).is_none() {
                    let _ = crate::signal::send_to_process(kernel, &p, SigInfo::kernel(sig), None);
                }
            }
        }
    }
}
