//! Threads: the tasks of one process (its thread group), and how they end.
//!
//! Each task runs on its own host thread, the only tracer of its guest
//! thread (see ARCHITECTURE.md). A process keeps the list of its live
//! tasks in a [`ThreadGroup`]; each task holds its [`ThreadEntry`] there.
//!
//! * `exit` ends the calling thread alone: its `clear_child_tid` word is
//!   cleared and woken, its robust futexes released, and an injected host
//!   `exit` ends its host thread ([`end_host_thread`]).
//! * `exit_group` (and a fatal signal) ends them all: the other tasks are
//!   marked killed (their kernel waits end at once), then the host process
//!   is killed, which ends every host thread; each tracer sees its own
//!   guest thread die.
//! * The process ends when its last task does ([`finish`]): only then is
//!   its exit status set (exit_group's code, else the fatal signal, else the
//!   code of the last thread that called `exit`) and the parent told,
//!   exactly once.
//! * `execve` from any thread first ends the others ([`de_thread`]); the
//!   exec'ing task then takes the leader's tid.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use trapline_abi::Errno;
use trapline_platform::memory::write_obj;

use crate::futex::{FutexKey, FUTEX_BITSET_MATCH_ANY};
use crate::kernel::Kernel;
use crate::process::{lock, Process};
use crate::run::{run, ExitStatus};
use crate::task::Task;
use crate::wait;

/// One task's membership in its thread group, shared between the task and
/// the group (so that another task can end it).
#[derive(Debug)]
pub struct ThreadEntry {
    tid: AtomicI32,
    /// The thread group is ending (exit_group, a fatal signal) or another
    /// thread exec'd: every wait this task blocks in must end now.
    killed: AtomicBool,
    /// The task called `exit` (this thread only), not `exit_group`.
    thread_exit: AtomicBool,
    /// A copy of the task's `robust_list`, for get_robust_list from
    /// another thread.
    robust_list: Mutex<(u64, u64)>,
    /// A copy of the task's name (`prctl.comm`), for /proc.
    comm: Mutex<Vec<u8>>,
    /// `PR_SET_PDEATHSIG`: the signal the process gets when its parent
    /// thread ends (0 for none; a new thread or process starts with 0).
    pdeathsig: AtomicI32,
}

impl ThreadEntry {
    fn new(tid: i32) -> ThreadEntry {
        ThreadEntry {
            tid: AtomicI32::new(tid),
            killed: AtomicBool::new(false),
            thread_exit: AtomicBool::new(false),
            robust_list: Mutex::new((0, 0)),
            comm: Mutex::new(Vec::new()),
            pdeathsig: AtomicI32::new(0),
        }
    }

    /// The thread's name, as /proc shows it.
    pub fn comm(&self) -> Vec<u8> {
        lock(&self.comm).clone()
    }

    /// Records the thread's name (after exec, prctl(PR_SET_NAME), or at
    /// creation).
    pub fn set_comm(&self, comm: &[u8]) {
        *lock(&self.comm) = comm.to_vec();
    }

    pub fn pdeathsig(&self) -> i32 {
        self.pdeathsig.load(Ordering::Relaxed)
    }

    pub fn set_pdeathsig(&self, sig: i32) {
        self.pdeathsig.store(sig, Ordering::Relaxed);
    }

    /// The robust-list head and length set_robust_list recorded.
    pub fn robust_list(&self) -> (u64, u64) {
        *lock(&self.robust_list)
    }

    pub fn set_robust_list(&self, head: u64, len: u64) {
        *lock(&self.robust_list) = (head, len);
    }

    pub fn tid(&self) -> i32 {
        self.tid.load(Ordering::Relaxed)
    }

    /// Whether the task must stop: its thread group is ending, or another
    /// thread exec'd.
    pub fn killed(&self) -> bool {
        self.killed.load(Ordering::Relaxed)
    }

    fn kill(&self) {
        self.killed.store(true, Ordering::Relaxed);
    }
}

/// The tasks of one process.
#[derive(Debug, Default)]
pub struct ThreadGroup {
    state: Mutex<GroupState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct GroupState {
    /// The live tasks by tid (a task leaves when its host thread is done).
    tasks: BTreeMap<i32, Arc<ThreadEntry>>,
    /// exit_group's status: the process's, whatever its threads then see.
    group_exit: Option<ExitStatus>,
    /// A signal that killed a thread (and so the whole host process).
    fatal: Option<ExitStatus>,
    /// The code of the latest `exit` (one thread alone): the process's
    /// status when no exit_group or signal ends it, as Linux (since 5.17)
    /// takes the code of the last thread to exit.
    last_exit: Option<ExitStatus>,
    /// No new thread may join: the group is ending or exec'ing.
    dying: bool,
    /// Tasks an exec ended whose host threads are not done yet.
    zapped: usize,
    /// How the process ended, once its last task did.
    ended: Option<ExitStatus>,
}

impl GroupState {
    /// See [`ThreadGroup::heir_of`].
    fn heir_of(&self, tid: i32) -> Option<i32> {
        self.tasks
            .iter()
            .find(|(&t, e)| t != tid && !e.killed() && !e.thread_exit.load(Ordering::Relaxed))
            .map(|(&t, _)| t)
    }
}

impl ThreadGroup {
    /// Adds a task with `tid`. A thread created by `creator` cannot join
    /// a group that is ending (`EINTR`: the creator is being killed too).
    pub fn register(
        &self,
        tid: i32,
        creator: Option<&ThreadEntry>,
    ) -> Result<Arc<ThreadEntry>, Errno> {
        let mut st = lock(&self.state);
        if st.dying || st.ended.is_some() || creator.is_some_and(|c| c.killed()) {
            return Err(Errno::EINTR);
        }
        let entry = Arc::new(ThreadEntry::new(tid));
        st.tasks.insert(tid, entry.clone());
        Ok(entry)
    }

    /// Adds the first task of a new process.
    pub fn first(&self, tid: i32) -> Arc<ThreadEntry> {
        let entry = Arc::new(ThreadEntry::new(tid));
        lock(&self.state).tasks.insert(tid, entry.clone());
        entry
    }

    /// The tids of the live threads, in order. A thread that called
    /// `exit` is gone at once (its host thread may take a moment to end),
    /// but a leader stays listed until the whole group ends, as on Linux.
    pub fn tids(&self, pid: i32) -> Vec<i32> {
        lock(&self.state)
            .tasks
            .iter()
            .filter(|(&t, e)| t == pid || !e.thread_exit.load(Ordering::Relaxed))
            .map(|(&t, _)| t)
            .collect()
    }

    /// The live threads, as `tids` lists them.
    pub fn entries(&self, pid: i32) -> Vec<Arc<ThreadEntry>> {
        lock(&self.state)
            .tasks
            .iter()
            .filter(|(&t, e)| t == pid || !e.thread_exit.load(Ordering::Relaxed))
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// The parent-death signals its threads set (Linux sends each).
    pub fn pdeath_signals(&self) -> Vec<i32> {
        lock(&self.state)
            .tasks
            .values()
            .map(|e| e.pdeathsig())
            .filter(|&s| s != 0)
            .collect()
    }

    /// The thread that takes over the children of thread `tid` when it
    /// ends (Linux's `find_alive_thread`): the first other one that is
    /// not ending.
    pub fn heir_of(&self, tid: i32) -> Option<i32> {
        lock(&self.state).heir_of(tid)
    }

    /// The number of live threads.
    pub fn count(&self) -> usize {
        lock(&self.state).tasks.len()
    }

    /// Whether `tid` is a live thread of this group.
    pub fn contains(&self, tid: i32) -> bool {
        lock(&self.state).tasks.contains_key(&tid)
    }

    /// Waits until the process's last task ended and returns how the
    /// process ended.
    pub fn wait_ended(&self) -> ExitStatus {
        let mut st = lock(&self.state);
        loop {
            if let Some(s) = st.ended {
                return s;
            }
            st = self
                .changed
                .wait_timeout(st, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// `exit`: the calling thread ends; the process goes on while it has other
/// threads.
pub fn exit_thread(task: &mut Task, code: i32) {
    let status = ExitStatus::Code(code & 0xff);
    lock(&task.process.threads.state).last_exit = Some(status);
    task.thread.thread_exit.store(true, Ordering::Relaxed);
    task.exit = Some(status);
}

/// `exit_group` (and any end of the whole process decided by the kernel):
/// every thread ends, and the process's status is `status` (the first such
/// call wins). The other tasks are marked killed now; the run loop then
/// kills the host process ([`end_host_thread`]).
pub fn exit_group(task: &mut Task, status: ExitStatus) {
    kill_others(&task.process, &task.thread, Some(status));
    task.exit = Some(status);
}

/// Marks every task of `process` but `me` killed and the group dying,
/// recording `status` as the group's if it is the first.
fn kill_others(process: &Process, me: &ThreadEntry, status: Option<ExitStatus>) {
    let mut st = lock(&process.threads.state);
    if st.group_exit.is_none() {
        st.group_exit = status;
    }
    st.dying = true;
    for e in st.tasks.values() {
        if !std::ptr::eq(&**e, me) {
            e.kill();
        }
    }
}

/// Ends the host side of a task whose guest thread called exit or
/// exit_group (the run loop calls it). A thread that exits alone while
/// others live gets Linux's exit work (robust futexes, `clear_child_tid`)
/// and an injected host `exit`; otherwise the whole host process is killed.
pub fn end_host_thread(task: &mut Task) {
    let alone = task.thread.thread_exit.load(Ordering::Relaxed) && {
        let st = lock(&task.process.threads.state);
        !st.dying && st.tasks.len() > 1
    };
    if !alone {
        task.tracee.kill();
        return;
    }
    crate::futex::exit_robust_list(task);
    if task.clear_child_tid != 0 {
        // As Linux's mm_release: a failed write is ignored.
        let addr = task.clear_child_tid;
        if write_obj(&task.mem(), addr, &0u32).is_ok() {
            if let Ok(key) = FutexKey::new(task, addr, true) {
                task.kernel.futexes.wake(key, 1, FUTEX_BITSET_MATCH_ANY);
            }
        }
        task.clear_child_tid = 0;
    }
    if let Err(e) = task.tracee.exit_thread(&task.regs) {
        tracing::warn!("ending host thread of tid {} failed: {e}", task.tid);
        task.tracee.kill();
    }
}

/// The end of a task's host thread: it leaves its group; the last task
/// out ends the process (files closed, status recorded, parent told).
/// `own` is how this task's run ended.
pub fn finish(kernel: &Kernel, process: &Arc<Process>, entry: &Arc<ThreadEntry>, own: ExitStatus) {
    let group = &process.threads;
    let status = {
        let mut st = lock(&group.state);
        let tid = entry.tid();
        let member = st.tasks.get(&tid).is_some_and(|e| Arc::ptr_eq(e, entry));
        if !member {
            // Ended by another thread's exec, which waits for this.
            st.zapped = st.zapped.saturating_sub(1);
            drop(st);
            group.changed.notify_all();
            return;
        }
        st.tasks.remove(&tid);
        if let ExitStatus::Signaled(sig) = own {
            // Every thread of a process killed by a signal reports it; a
            // thread that was lost on the host reports SIGKILL, which a real
            // signal replaces.
            let weaker = matches!(st.fatal, None | Some(ExitStatus::Signaled(libc::SIGKILL)));
            if weaker && !entry.killed() {
                st.fatal = Some(ExitStatus::Signaled(sig));
            }
        }
        if st.ended.is_some() {
            return;
        }
        if !st.tasks.is_empty() {
            // A thread ended alone: another takes its children. (When the
            // whole group ends they go to pid 1 instead.)
            let heir = if st.dying { None } else { st.heir_of(tid) };
            drop(st);
            if let Some(heir) = heir {
                wait::parent_thread_ended(kernel, process, tid, heir);
            }
            return;
        }
        st.dying = true;
        st.group_exit.or(st.fatal).or(st.last_exit).unwrap_or(own)
    };
    // The process is gone: its files close now, before its parent hears of
    // it (Linux's exit_files), so the other ends of its pipes see EOF or
    // EPIPE while it is a zombie.
    let files = std::mem::take(&mut *lock(&process.fds));
    drop(files);
    wait::process_ended(kernel, process, status);
    lock(&group.state).ended = Some(status);
    group.changed.notify_all();
}

/// Runs `task` on the calling host thread until it ends, then does the
/// end-of-thread bookkeeping ([`finish`]).
pub fn run_to_end(mut task: Task) {
    let own = run(&mut task);
    // Reaps the host thread (already dead on every normal path).
    task.tracee.kill();
    let (kernel, process, entry) = (
        task.kernel.clone(),
        task.process.clone(),
        task.thread.clone(),
    );
    drop(task);
    finish(&kernel, &process, &entry, own);
}

/// Runs a process's first task on the calling host thread and returns how
/// the process ended (after its last thread did, which may be later).
pub fn run_main(task: Task) -> ExitStatus {
    let process = task.process.clone();
    run_to_end(task);
    process.threads.wait_ended()
}

/// How long an exec waits for the other threads' host threads to be done
/// before it goes on without them (a thread stuck in an uninterruptible
/// host call; it can only touch the old image, which is gone).
const DE_THREAD_PATIENCE: Duration = Duration::from_secs(10);

/// Linux's de_thread, for execve from a task of a multi-threaded process:
/// every other thread ends (the host process of the old image is killed,
/// and the exec waits until their host threads are done), then the caller
/// takes the leader's tid. Nothing happens for a lone thread. Call it at
/// the point of no return, before the old image is dropped.
pub fn de_thread(task: &mut Task) {
    let group = &task.process.threads;
    let others: Vec<i32> = {
        let mut st = lock(&group.state);
        if st.tasks.len() <= 1 {
            return;
        }
        st.dying = true;
        let me = task.thread.clone();
        let others: Vec<i32> = st
            .tasks
            .iter()
            .filter(|(_, e)| !Arc::ptr_eq(e, &me))
            .map(|(&t, _)| t)
            .collect();
        for t in &others {
            if let Some(e) = st.tasks.remove(t) {
                e.kill();
                st.zapped += 1;
            }
        }
        others
    };
    // Kills the old host process, every thread of it, and reaps this
    // task's own host thread first: the host reports the leader's end,
    // which another tracer waits for, only once every thread is reaped.
    task.tracee.kill();
    let deadline = Instant::now() + DE_THREAD_PATIENCE;
    let mut st = lock(&group.state);
    while st.zapped > 0 && Instant::now() < deadline {
        st = group
            .changed
            .wait_timeout(st, Duration::from_millis(50))
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    if st.zapped > 0 {
        task.kernel.note(
            "trapline: exec went on while another thread of the process was still busy on the host",
        );
    }
    let old = task.tid;
    if let Some(me) = st.tasks.remove(&old) {
        me.tid.store(task.process.pid, Ordering::Relaxed);
        st.tasks.insert(task.process.pid, me);
    }
    st.dying = false;
    st.fatal = None;
    st.last_exit = None;
    drop(st);
    let pid = task.process.pid;
    task.tid = pid;
    // The children of the ended threads are this one's now, and are
    // told; its own follow it to the leader's tid.
    for t in others {
        wait::parent_thread_ended(&task.kernel, &task.process, t, pid);
    }
    for c in lock(&task.process.children).iter() {
        if c.parent_tid() == old {
            c.parent_tid.store(pid, Ordering::Relaxed);
        }
    }
}

/// The thread group and entry of the task with virtual tid `tid`, if it
/// lives (for signals sent to one thread).
pub fn find_task(kernel: &Kernel, tid: i32) -> Option<(Arc<Process>, Arc<ThreadEntry>)> {
    kernel.processes_snapshot().into_iter().find_map(|p| {
        let entry = lock(&p.threads.state).tasks.get(&tid).cloned()?;
        Some((p, entry))
    })
}
