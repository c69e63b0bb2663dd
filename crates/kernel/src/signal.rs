//! Signal dispositions (bookkeeping: what the guest asked for with
//! rt_sigaction). Delivery to guest handlers is not implemented yet: a host
//! signal that reaches a guest is either dropped (ignored) or takes its
//! default action.

/// Number of signals, 1..=64.
pub const NSIG: usize = 64;

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
