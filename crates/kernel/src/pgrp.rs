//! Process groups and job control: orphaned process groups, and the
//! foreground group of the controlling terminal.
//!
//! A process group is orphaned when no member has a parent in another
//! group of the same session: no shell is left to continue its stopped
//! jobs. When an exit makes a group orphaned and the group has a stopped
//! member, every member gets SIGHUP then SIGCONT (POSIX; Linux's
//! `kill_orphaned_pgrp`).
//!
//! The terminal Trapline runs on (if any) is the controlling terminal of
//! the guest's session 0: the session outside the guest's pid namespace,
//! where pid 1 starts, as for a container. Its foreground group is the
//! kernel's ([`Terminal`]), in guest pgids: at first the group outside
//! (0), where Trapline itself is; a guest shell doing job control moves it
//! between its jobs with `tcsetpgrp`. The host terminal's own foreground
//! group never changes: signals the terminal generates (Ctrl-C) reach
//! every guest process, and the kernel keeps them for those of the
//! foreground group.

use std::sync::atomic::{AtomicI32, Ordering};

use trapline_abi::signal::SigInfo;
use trapline_abi::Errno;

use crate::kernel::Kernel;
use crate::process::{lock, Process};
use crate::signal::{Sender, SIG_IGN};
use crate::task::Task;

/// Whether group `pgid` is orphaned once `ignored` (a process that is
/// ending) is left out (Linux's `will_become_orphaned_pgrp`). Ended
/// processes do not count, nor pid 1, whose parent is outside.
fn will_be_orphaned(kernel: &Kernel, pgid: i32, ignored: Option<i32>) -> bool {
    // The group outside has its link outside too (Trapline's parent).
    pgid != 0
        && !kernel.processes_snapshot().iter().any(|p| {
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
        signal_group(kernel, pgid, libc::SIGHUP, None);
        signal_group(kernel, pgid, libc::SIGCONT, None);
    }
}

/// Sends `sig` from the kernel to every live process of group `pgid`.
fn signal_group(kernel: &Kernel, pgid: i32, sig: i32, sender: Option<&Sender>) {
    for p in kernel.processes_snapshot() {
        if p.pgid() == pgid && lock(&p.exit_status).is_none() {
            let _ = crate::signal::send_to_process(kernel, &p, SigInfo::kernel(sig), sender);
        }
    }
}

/// The controlling terminal of session 0 (see the module's comment).
#[derive(Debug, Default)]
pub struct Terminal {
    foreground: AtomicI32,
}

impl Terminal {
    /// The foreground process group (0: the group outside).
    pub fn foreground(&self) -> i32 {
        self.foreground.load(Ordering::Relaxed)
    }

    /// Whether this is `process`'s controlling terminal: it is still in
    /// session 0 (a process that called setsid has none).
    pub fn controls(process: &Process) -> bool {
        process.sid() == 0
    }

    /// `TIOCSPGRP` by a process of session 0: the group must be that of a
    /// process (or, as Linux allows, the pid of one) of the session.
    pub fn set_foreground(&self, kernel: &Kernel, pgid: i32) -> Result<(), Errno> {
        let procs = kernel.processes_snapshot();
        let live = |p: &&std::sync::Arc<Process>| lock(&p.exit_status).is_none();
        let member = procs
            .iter()
            .filter(live)
            .find(|p| p.pgid() == pgid)
            .or_else(|| procs.iter().filter(live).find(|p| p.pid == pgid))
            .ok_or(Errno::ESRCH)?;
        if member.sid() != 0 {
            return Err(Errno::EPERM);
        }
        self.foreground.store(pgid, Ordering::Relaxed);
        Ok(())
    }
}

/// Linux's `tty_check_change`, for a task that uses its controlling
/// terminal: from a background group it may not (a read: `sig` SIGTTIN;
/// a change of the terminal: SIGTTOU). Its group gets `sig` and the call
/// restarts once the group is continued (`ERESTARTSYS`). With `sig`
/// blocked or ignored the call goes on, except a read (`EIO`); an
/// orphaned group, which nobody would continue, gets `EIO`.
pub fn check_terminal_access(task: &Task, sig: i32) -> Result<(), Errno> {
    let process = &task.process;
    if !Terminal::controls(process) {
        return Ok(());
    }
    let pgid = process.pgid();
    if pgid == task.kernel.terminal.foreground() {
        return Ok(());
    }
    let action = lock(&process.signals).get(sig as usize).unwrap_or_default();
    let blocked = task.signal_mask & crate::signal::bit(sig) != 0;
    if blocked || action.handler == SIG_IGN {
        return if sig == libc::SIGTTIN {
            Err(Errno::EIO)
        } else {
            Ok(())
        };
    }
    if will_be_orphaned(&task.kernel, pgid, None) {
        return Err(Errno::EIO);
    }
    signal_group(&task.kernel, pgid, sig, Some(&Sender::of(task)));
    Err(Errno::ERESTARTSYS)
}
