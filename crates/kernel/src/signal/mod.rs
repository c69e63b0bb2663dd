//! Signals, as Linux has them: dispositions (per process), pending queues
//! (per thread and per process) with their `siginfo_t`, blocked masks,
//! alternate stacks, delivery to guest handlers on a Linux signal frame,
//! `rt_sigreturn`, default actions and the restart rules of interrupted
//! calls.
//!
//! * [`queue`]: a pending queue (standard signals coalesce, real-time ones
//!   queue).
//! * [`state`]: the per-process ([`ProcessSignals`]) and per-thread
//!   ([`ThreadSignals`]) state, and the cheap "is something deliverable"
//!   check every blocking wait makes.
//! * [`send`]: generation: permission, ignored signals discarded, SIGCONT
//!   and stop signals, the choice of a target thread, and the doorbell that
//!   makes the target's tracer look.
//! * [`deliver`]: what happens before a task returns to the guest: default
//!   actions, handler invocation, restart of interrupted calls.
//! * [`frame`]: the `rt_sigframe` on the guest stack, and `rt_sigreturn`.
//! * [`timer`]: alarm, setitimer and POSIX timers, which send signals.
//!
//! Locks, always in this order: `Process::signals` (the actions), then
//! `ProcessSignals`'s group lock, then a `ThreadSignals`'s own lock.

pub mod deliver;
pub mod frame;
pub mod queue;
pub mod send;
pub mod state;
pub mod timer;

pub use deliver::{interrupted, sleep, wait_for_signal};
pub use frame::sigreturn;
pub use send::{send_to_process, send_to_thread, Sender};
pub use state::{ProcessSignals, RestartFn, ThreadSignals};
pub use trapline_abi::signal::{SigInfo, NSIG};

/// One `struct sigaction` as the guest's kernel ABI lays it out (x86_64).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

// SAFETY: four u64 fields, no padding; any bit pattern is valid.
unsafe impl trapline_abi::Plain for SigAction {}

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

/// The dispositions of a thread group.
#[derive(Debug, Clone)]
pub struct SignalActions {
    actions: [SigAction; NSIG],
}

impl Default for SignalActions {
    fn default() -> Self {
        SignalActions {
            actions: [SigAction::default(); NSIG],
        }
    }
}

impl SignalActions {
    /// The action for signal `sig` (1..=64).
    pub fn get(&self, sig: usize) -> Option<SigAction> {
        self.actions.get(sig.checked_sub(1)?).copied()
    }

    pub fn set(&mut self, sig: usize, act: SigAction) {
        if let Some(slot) = sig.checked_sub(1).and_then(|i| self.actions.get_mut(i)) {
            *slot = act;
        }
    }

    /// exec resets handled signals to their default; ignored stay ignored.
    pub fn reset_for_exec(&mut self) {
        for a in &mut self.actions {
            if a.handler != SIG_IGN {
                *a = SigAction::default();
            }
        }
    }
}

/// Whether Linux's default action for `sig` is to ignore it.
pub fn default_is_ignore(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGCHLD | libc::SIGURG | libc::SIGWINCH | libc::SIGCONT
    )
}

/// What a signal does at `SIG_DFL` (Linux's `sig_kernel_*` sets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    /// Terminate with a core dump (reported in the wait status when
    /// RLIMIT_CORE allows one).
    Core,
    Ignore,
    Stop,
    /// SIGCONT: its effect (resuming a stopped group) happens when it is
    /// sent; delivered, it is ignored.
    Continue,
}

pub fn default_action(sig: i32) -> DefaultAction {
    match sig {
        libc::SIGCONT => DefaultAction::Continue,
        libc::SIGCHLD | libc::SIGURG | libc::SIGWINCH => DefaultAction::Ignore,
        libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU => DefaultAction::Stop,
        s if crate::wait::dumps_core(s) => DefaultAction::Core,
        _ => DefaultAction::Terminate,
    }
}

/// The bit of signal `sig` (1..=64) in a mask.
pub const fn bit(sig: i32) -> u64 {
    1u64 << (sig.wrapping_sub(1) as u32 & 63)
}

/// Signals that can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = bit(libc::SIGKILL) | bit(libc::SIGSTOP);

/// Signals whose default action stops the process.
pub const STOP_SIGNALS: u64 =
    bit(libc::SIGSTOP) | bit(libc::SIGTSTP) | bit(libc::SIGTTIN) | bit(libc::SIGTTOU);

/// Whether a signal with this action is discarded (Linux's
/// `sig_handler_ignored`): `SIG_IGN`, or `SIG_DFL` for a signal whose
/// default is to ignore it.
pub fn handler_ignores(action: &SigAction, sig: i32) -> bool {
    action.handler == SIG_IGN || (action.handler == SIG_DFL && default_is_ignore(sig))
}

/// The name of a signal, e.g. `"SIGSEGV"`.
pub fn name(sig: i32) -> String {
    let known = [
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGILL, "SIGILL"),
        (libc::SIGTRAP, "SIGTRAP"),
        (libc::SIGABRT, "SIGABRT"),
        (libc::SIGBUS, "SIGBUS"),
        (libc::SIGFPE, "SIGFPE"),
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGSEGV, "SIGSEGV"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGSTKFLT, "SIGSTKFLT"),
        (libc::SIGCHLD, "SIGCHLD"),
        (libc::SIGCONT, "SIGCONT"),
        (libc::SIGSTOP, "SIGSTOP"),
        (libc::SIGTSTP, "SIGTSTP"),
        (libc::SIGTTIN, "SIGTTIN"),
        (libc::SIGTTOU, "SIGTTOU"),
        (libc::SIGURG, "SIGURG"),
        (libc::SIGXCPU, "SIGXCPU"),
        (libc::SIGXFSZ, "SIGXFSZ"),
        (libc::SIGVTALRM, "SIGVTALRM"),
        (libc::SIGPROF, "SIGPROF"),
        (libc::SIGWINCH, "SIGWINCH"),
        (libc::SIGIO, "SIGIO"),
        (libc::SIGPWR, "SIGPWR"),
        (libc::SIGSYS, "SIGSYS"),
    ];
    known
        .iter()
        .find(|(n, _)| *n == sig)
        .map(|(_, s)| s.to_string())
        .unwrap_or_else(|| format!("SIGRT_{}", sig - libc::SIGRTMIN()))
}
