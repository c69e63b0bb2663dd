//! The run loop: runs one task from stop to stop until it exits.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use trapline_platform::{Stop, SyscallArgs};

use crate::process::lock;
use crate::signal::{self, ThreadSignals};
use crate::task::Task;
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
    /// A signal is about to be delivered to the task (its handler run,
    /// or its default action taken).
    fn signal(&mut self, _task: &Task, _info: &crate::signal::SigInfo) {}
}

/// Runs `task` until its process ends and returns how it ended. The
/// syscall table and the `--trace` observer come from the kernel.
pub fn run(task: &mut Task) -> ExitStatus {
    let kernel = task.kernel.clone();
    let dispatcher: &dyn Dispatcher = &**kernel.dispatcher();
    let observer = kernel.observer();
    // The task's signal state; blocking waits in the vfs (pipes) end with
    // EINTR when a signal for this guest arrives, and ask through this
    // hook. The host process behind the task changes at exec, hence the
    // cell.
    let thr = signal::deliver::attach(task);
    let host_pid = Rc::new(Cell::new(task.tracee.host_pid()));
    let _hook = InterruptHook::install(host_pid.clone(), task, thr.clone());
    // A syscall interrupted by a signal and rewound to run again, with its
    // restart code: the handler about to run decides (SA_RESTART).
    let mut interrupted: Option<Errno> = None;
    let status = loop {
        // Nothing returns to the guest while it has a deliverable signal.
        if let Some(status) = signal::deliver::before_resume(task, &thr, &mut interrupted) {
            crate::thread::exit_group(task, status);
            end_task(task);
            break status;
        }
        let stop = match task.tracee.switch(&mut task.regs, 0) {
            Ok(stop) => stop,
            Err(e) => {
                // A thread another thread ended (exit_group, exec) is gone
                // as it should be.
                if !task.thread.killed() {
                    task.kernel.note(&format!("trapline: lost the guest: {e}"));
                }
                break ExitStatus::Signaled(libc::SIGKILL);
            }
        };
        match stop {
            Stop::Syscall => {
                interrupted = None;
                let call = task.regs.syscall();
                if let Some(o) = observer {
                    lock(o).enter(task, &call);
                }
                let mut result = match dispatch_guarded(dispatcher, task, &call) {
                    Some(r) => r,
                    None => break ExitStatus::Signaled(libc::SIGKILL),
                };
                // An interrupted call with nothing for the guest to see (a
                // signal for Trapline alone, or one already gone) runs again
                // at once, in the kernel.
                while let Err(e) = result {
                    if !e.is_restart() || task.exit.is_some() || task.interrupted() {
                        break;
                    }
                    result = if e == Errno::ERESTART_RESTARTBLOCK {
                        signal::deliver::run_restart_block(task)
                    } else {
                        dispatcher.dispatch(task, &call)
                    };
                }
                // exec may have changed the host thread, and the tid.
                thr.set_tid(task.tid);
                thr.set_host(task.tracee.host_pid());
                host_pid.set(task.tracee.host_pid());
                tracing::trace!(tid = task.tid, nr = call.nr, args = ?call.args, ?result, "syscall");
                if task.exit.is_none() && task.thread.killed() {
                    // Another thread ended the process (exit_group) or
                    // exec'd: this one ends here, whatever its call did.
                    task.tracee.kill();
                    break ExitStatus::Signaled(libc::SIGKILL);
                }
                if let Some(status) = task.exit {
                    if let Some(o) = observer {
                        lock(o).exit(task, &call, None);
                    }
                    end_task(task);
                    break status;
                }
                let ret = match result {
                    Ok(v) => v,
                    Err(e) if e.is_restart() => {
                        // Rewound: it runs again unless a handler's rules
                        // make it EINTR (decided in before_resume).
                        signal::deliver::rewind(task, e);
                        interrupted = Some(e);
                        e.as_return()
                    }
                    Err(e) => e.as_return(),
                };
                if interrupted.is_none() {
                    task.regs.set_return(ret);
                }
                if let Some(o) = observer {
                    lock(o).exit(task, &call, Some(ret as i64));
                }
            }
            Stop::Signal(sig) => {
                if let Err(e) = task.tracee.get_regs(&mut task.regs) {
                    task.kernel.note(&format!("trapline: lost the guest: {e}"));
                    break ExitStatus::Signaled(libc::SIGKILL);
                }
                signal::deliver::host_signal(task, &thr, sig, true);
            }
            // A stray event stop (e.g. the first stop of an adopted
            // tracee): nothing to do but resume.
            Stop::Event(_) => {}
            Stop::Exited(code) => break ExitStatus::Code(code),
            Stop::Killed(sig) => break ExitStatus::Signaled(sig),
        }
        for sig in task.tracee.take_pending_signals() {
            signal::deliver::host_signal(task, &thr, sig, false);
        }
    };
    task.process.sig.detach(&thr);
    // The process's files close when its last task has ended
    // (`crate::thread::finish`), not here: a thread that ends alone, or
    // one an exec from another thread ends, leaves them to the others.
    if let Some(o) = observer {
        lock(o).ended(task, status);
    }
    status
}

/// The interruption check of the host thread serving a task, removed when
/// the task's run ends.
struct InterruptHook;

impl InterruptHook {
    fn install(host_pid: Rc<Cell<i32>>, task: &Task, thr: Arc<ThreadSignals>) -> InterruptHook {
        let process = task.process.clone();
        let entry = task.thread.clone();
        trapline_vfs::blocking::set_interrupt_check(Box::new(move || {
            entry.killed() || signal::deliver::interrupted_with(&thr, &process, host_pid.get())
        }));
        InterruptHook
    }
}

impl Drop for InterruptHook {
    fn drop(&mut self) {
        trapline_vfs::blocking::clear_interrupt_check();
    }
}

/// Ends the host side of a task whose guest thread exits (exit,
/// exit_group, or a fatal signal).
fn end_task(task: &mut Task) {
    *lock(&task.process.usage_at_exit) = crate::rusage::of_host(task.tracee.host_pid());
    crate::thread::end_host_thread(task);
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
