//! The run loop: runs one task from stop to stop until it exits.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use trapline_platform::{Stop, SyscallArgs};

use crate::process::{lock, Process};
use crate::signal;
use crate::task::{guest_signal_pending, Task};
use crate::{Errno, SysResult};

/// How a guest process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// exit/exit_group with this code (0..=255).
    Code(i32),
    /// Killed by this signal.
    Signaled(i32),
}

/// Serves one system call. Implemented by the `syscalls` crate's table.
pub trait Dispatcher {
    fn dispatch(&self, task: &mut Task, call: &SyscallArgs) -> SysResult;
}

/// Watches calls go by (`--trace`). Not called at all when tracing is off.
pub trait SyscallObserver {
    /// Before the handler runs (input arguments are still in guest memory).
    fn enter(&mut self, task: &Task, call: &SyscallArgs);
    /// After it ran; `result` is what the guest will see in `rax`, or `None`
    /// when the call does not return (exit, exit_group).
    fn exit(&mut self, task: &Task, call: &SyscallArgs, result: Option<i64>);
    /// The process ended.
    fn ended(&mut self, task: &Task, status: ExitStatus);
}

/// Runs `task` until its process ends and returns how it ended. The
/// syscall table and the `--trace` observer come from the kernel.
pub fn run(task: &mut Task) -> ExitStatus {
    let kernel = task.kernel.clone();
    let dispatcher: &dyn Dispatcher = &**kernel.dispatcher();
    let observer = kernel.observer();
    // Blocking waits in the vfs (pipes) end with EINTR when a signal for
    // this guest arrives; they ask through this hook. The host process
    // behind the task changes at exec, hence the cell.
    let host_pid = Rc::new(Cell::new(task.tracee.host_pid()));
    let _hook = InterruptHook::install(host_pid.clone(), task.process.clone());
    let mut deliver = 0;
    let status = loop {
        let stop = match task.tracee.switch(&mut task.regs, deliver) {
            Ok(stop) => stop,
            Err(e) => {
                task.kernel.note(&format!("trapline: lost the guest: {e}"));
                break ExitStatus::Signaled(libc::SIGKILL);
            }
        };
        deliver = 0;
        match stop {
            Stop::Syscall => {
                host_pid.set(task.tracee.host_pid());
                let call = task.regs.syscall();
                if let Some(o) = observer {
                    lock(o).enter(task, &call);
                }
                let mut result = match dispatch_guarded(dispatcher, task, &call) {
                    Some(r) => r,
                    None => break ExitStatus::Signaled(libc::SIGKILL),
                };
                // A host call the handler blocked in was interrupted by a
                // signal for Trapline alone: the guest never sees it, the
                // call starts again (Linux's ERESTARTNOINTR, in effect).
                while result == Err(Errno::EINTR) && task.exit.is_none() && !task.interrupted() {
                    result = dispatcher.dispatch(task, &call);
                }
                tracing::trace!(tid = task.tid, nr = call.nr, args = ?call.args, ?result, "syscall");
                let ret = match result {
                    Ok(v) => v,
                    Err(e) => e.as_return(),
                };
                if let Some(status) = task.exit {
                    if let Some(o) = observer {
                        lock(o).exit(task, &call, None);
                    }
                    *lock(&task.process.usage_at_exit) =
                        crate::rusage::of_host(task.tracee.host_pid());
                    task.tracee.kill();
                    break status;
                }
                task.regs.set_return(ret);
                if let Some(o) = observer {
                    lock(o).exit(task, &call, Some(ret as i64));
                }
            }
            Stop::Signal(sig) => deliver = signal_action(task, sig),
            // A stray event stop (e.g. the first stop of an adopted
            // tracee): nothing to do but resume.
            Stop::Event(_) => {}
            Stop::Exited(code) => break ExitStatus::Code(code),
            Stop::Killed(sig) => break ExitStatus::Signaled(sig),
        }
        for sig in task.tracee.take_pending_signals() {
            if deliver == 0 {
                deliver = signal_action(task, sig);
            }
        }
    };
    // The process is gone: its files close now, before its parent hears of
    // it (Linux's exit_files), so the other ends of its pipes see EOF or
    // EPIPE while it is a zombie. One task per process for now; with
    // threads, the last user of the fd table does this.
    let files = std::mem::take(&mut *lock(&task.process.fds));
    drop(files);
    if let Some(o) = observer {
        lock(o).ended(task, status);
    }
    status
}

/// The interruption check of the host thread serving a task, removed when
/// the task's run ends.
struct InterruptHook;

impl InterruptHook {
    fn install(host_pid: Rc<Cell<i32>>, process: Arc<Process>) -> InterruptHook {
        trapline_vfs::blocking::set_interrupt_check(Box::new(move || {
            guest_signal_pending(host_pid.get(), &process)
        }));
        InterruptHook
    }
}

impl Drop for InterruptHook {
    fn drop(&mut self) {
        trapline_vfs::blocking::clear_interrupt_check();
    }
}

/// Runs one handler. A handler must never panic on guest input; if one
/// does anyway (a Trapline bug), the guest is stopped with a clear message
/// and the kernel keeps its state, instead of the whole run unwinding.
fn dispatch_guarded(
    dispatcher: &dyn Dispatcher,
    task: &mut Task,
    call: &SyscallArgs,
) -> Option<SysResult> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        dispatcher.dispatch(task, call)
    }));
    match result {
        Ok(r) => Some(r),
        Err(_) => {
            let name = trapline_abi::table::x86_64_by_nr(call.nr).map_or("unknown", |d| d.name);
            task.kernel.note(&format!(
                "trapline: internal error while serving {name} (nr {}); the guest was stopped. Please report this bug.",
                call.nr
            ));
            task.tracee.kill();
            None
        }
    }
}

/// Decides what a host signal that reached the guest does: dropped when the
/// guest ignores it, otherwise its default action (delivery to a guest
/// handler is not implemented yet: a handled signal also takes the default
/// action, which the user is told about).
fn signal_action(task: &Task, sig: i32) -> i32 {
    let action = lock(&task.process.signals)
        .get(sig as usize)
        .unwrap_or_default();
    if action.handler == signal::SIG_IGN && !matches!(sig, libc::SIGKILL | libc::SIGSTOP) {
        return 0;
    }
    if action.handler == signal::SIG_DFL && signal::default_is_ignore(sig) {
        return 0;
    }
    if action.handler > signal::SIG_IGN {
        task.kernel.note(&format!(
            "trapline: {} has a guest handler, but signal delivery is not implemented yet; taking the default action",
            signal::name(sig)
        ));
    }
    sig
}
