//! `--trace`: the kernel's syscall observer, rendered by `trapline-strace`.

use trapline_kernel::{ExitStatus, SyscallObserver, Task};
use trapline_platform::SyscallArgs;
use trapline_strace::Tracer;

pub struct TraceObserver {
    tracer: Tracer,
}

impl TraceObserver {
    pub fn new(out: Box<dyn std::io::Write + Send>) -> TraceObserver {
        TraceObserver {
            tracer: Tracer::new(out),
        }
    }

    /// Writes the `execve` line of the program the run starts with.
    pub fn program_started(&mut self, path: &[u8], argv: &[Vec<u8>], envc: usize) {
        self.tracer.program_started(path, argv, envc);
    }
}

impl SyscallObserver for TraceObserver {
    fn enter(&mut self, task: &Task, call: &SyscallArgs) {
        self.tracer.enter(task.tid, &task.mem(), call);
    }

    fn exit(&mut self, task: &Task, call: &SyscallArgs, result: Option<i64>) {
        self.tracer.exit(task.tid, &task.mem(), call, result);
    }

    fn signal(&mut self, task: &Task, info: &trapline_kernel::signal::SigInfo) {
        self.tracer.signal(task.tid, info);
    }

    fn ended(&mut self, task: &Task, status: ExitStatus) {
        match status {
            ExitStatus::Code(c) => self.tracer.exited(task.tid, c),
            ExitStatus::Signaled(s) => self.tracer.killed(task.tid, s),
        }
    }
}
