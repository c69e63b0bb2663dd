//! The dispatch table: syscall number → handler, in O(1).

use trapline_abi::table::x86_64;
use trapline_abi::{Errno, SyscallDesc};
use trapline_kernel::{Dispatcher, SysResult, Task};
use trapline_platform::SyscallArgs;

/// How complete a syscall's implementation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Implemented,
    /// Works for the common cases; the note says what is missing.
    Partial(&'static str),
    /// No handler: returns ENOSYS and is reported once per run.
    Unimplemented,
}

impl Status {
    pub fn label(&self) -> &'static str {
        match self {
            Status::Implemented => "implemented",
            Status::Partial(_) => "partial",
            Status::Unimplemented => "unimplemented",
        }
    }
}

/// A handler as the table stores it: raw argument registers in.
pub type Handler = fn(&mut Task, &[u64; 6]) -> SysResult;

/// One handler's registration, made by [`crate::syscall!`] next to it.
pub struct Registration {
    pub name: &'static str,
    pub status: Status,
    pub handler: Handler,
}

#[linkme::distributed_slice]
pub static REGISTRY: [Registration];

/// One row of the table.
#[derive(Clone, Copy)]
pub struct Entry {
    pub desc: &'static SyscallDesc,
    pub status: Status,
    pub handler: Option<Handler>,
}

/// The x86_64 syscall table with handlers.
pub struct SyscallTable {
    by_nr: Vec<Option<Entry>>,
}

impl SyscallTable {
    /// Builds the table from the generated syscall list and the registry.
    /// Registrations whose name is not a syscall are returned as errors
    /// (a test keeps that list empty).
    pub fn build() -> (SyscallTable, Vec<&'static str>) {
        let mut by_nr: Vec<Option<Entry>> = x86_64::BY_NR
            .iter()
            .map(|d| {
                d.map(|desc| Entry {
                    desc,
                    status: Status::Unimplemented,
                    handler: None,
                })
            })
            .collect();
        let mut unknown = Vec::new();
        for reg in REGISTRY.iter() {
            let slot = trapline_abi::table::x86_64_by_name(reg.name)
                .and_then(|d| by_nr.get_mut(d.nr as usize))
                .and_then(|s| s.as_mut());
            match slot {
                Some(e) => {
                    e.status = reg.status;
                    e.handler = Some(reg.handler);
                }
                None => unknown.push(reg.name),
            }
        }
        (SyscallTable { by_nr }, unknown)
    }

    /// Every row, in number order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.by_nr.iter().flatten()
    }

    pub fn get(&self, nr: u64) -> Option<&Entry> {
        self.by_nr.get(usize::try_from(nr).ok()?)?.as_ref()
    }
}

impl Dispatcher for SyscallTable {
    fn dispatch(&self, task: &mut Task, call: &SyscallArgs) -> SysResult {
        match self.get(call.nr) {
            Some(Entry {
                handler: Some(h), ..
            }) => h(task, &call.args),
            Some(e) => {
                task.kernel.report_unimplemented(call.nr, e.desc.name);
                Err(Errno::ENOSYS)
            }
            None => {
                task.kernel
                    .report_unimplemented(call.nr, &format!("syscall_{}", call.nr));
                Err(Errno::ENOSYS)
            }
        }
    }
}
