//! Timers that send signals: `alarm`/`setitimer(ITIMER_REAL)` (SIGALRM to
//! the process), the CPU-time interval timers `ITIMER_VIRTUAL` (SIGVTALRM)
//! and `ITIMER_PROF` (SIGPROF), and POSIX timers (`timer_create`: a signal
//! to the process or to one thread, or none) on a wall clock or a CPU-time
//! clock.
//!
//! One kernel thread serves every timer of every guest: a heap of
//! deadlines. Each arming of a timer gets a new generation number; a
//! heap entry whose generation is no longer the timer's (re-armed,
//! disarmed, deleted) is dropped when it comes up. Wall times are kept on
//! the monotonic clock; an absolute `CLOCK_REALTIME` time is turned into a
//! delay when the timer is armed.
//!
//! The guest's CPU time is its host threads' CPU time (the host is the
//! guest's CPU). A CPU-time timer expires at a CPU time; its heap entry is
//! only the next time to look: CPU time cannot run faster than wall time
//! times the number of threads, so the thread looks again when the timer
//! could first have expired, reads the host clock, and fires it or looks
//! again later.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use trapline_abi::signal::SigInfo;
use trapline_abi::Errno;

use crate::kernel::Kernel;
use crate::process::{lock, Process};

/// An armed timer: when it fires next (or, for a CPU-time timer, when to
/// look next), and its period (zero: once).
#[derive(Debug, Clone, Copy)]
struct Armed {
    deadline: Instant,
    /// A CPU-time timer's expiry, on its clock.
    expiry: Option<Duration>,
    interval: Duration,
    generation: u64,
}

/// The kinds of a process's CPU clock, numbered as in Linux's clock ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuKind {
    /// User and system time (`CPUCLOCK_PROF`, ITIMER_PROF).
    Prof = 0,
    /// User time (`CPUCLOCK_VIRT`, ITIMER_VIRTUAL).
    Virt = 1,
    /// Time on a CPU (`CPUCLOCK_SCHED`, CLOCK_PROCESS_CPUTIME_ID).
    Sched = 2,
}

/// What a timer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerClock {
    /// Wall time on a host clock (REALTIME, MONOTONIC, BOOTTIME, TAI).
    Wall(libc::clockid_t),
    /// The process's CPU time.
    Process(CpuKind),
    /// One thread's CPU time (its guest tid).
    Thread(i32),
}

/// Where a POSIX timer's expiry goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    /// `SIGEV_NONE`: nothing; the time can be read.
    None,
    /// `SIGEV_SIGNAL` (`tid` None) or `SIGEV_THREAD_ID`.
    Signal {
        signo: i32,
        value: u64,
        tid: Option<i32>,
    },
}

#[derive(Debug)]
struct PosixTimer {
    clock: TimerClock,
    notify: Notify,
    armed: Option<Armed>,
    overrun: i32,
}

/// A process's timers (in its `ProcessSignals`).
#[derive(Debug, Default)]
pub struct ProcessTimers {
    real: Option<Armed>,
    virt: Option<Armed>,
    prof: Option<Armed>,
    posix: BTreeMap<i32, PosixTimer>,
    next_id: i32,
    generation: u64,
}

/// Which timer of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Real,
    Virtual,
    Prof,
    Posix(i32),
}

/// The interval timers of setitimer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Itimer {
    Real,
    Virtual,
    Prof,
}

impl Itimer {
    fn key(self) -> Key {
        match self {
            Itimer::Real => Key::Real,
            Itimer::Virtual => Key::Virtual,
            Itimer::Prof => Key::Prof,
        }
    }

    fn clock(self) -> TimerClock {
        match self {
            Itimer::Real => TimerClock::Wall(libc::CLOCK_MONOTONIC),
            Itimer::Virtual => TimerClock::Process(CpuKind::Virt),
            Itimer::Prof => TimerClock::Process(CpuKind::Prof),
        }
    }

    fn signal(self) -> i32 {
        match self {
            Itimer::Real => libc::SIGALRM,
            Itimer::Virtual => libc::SIGVTALRM,
            Itimer::Prof => libc::SIGPROF,
        }
    }
}

/// The current setting of a timer: time left (zero: disarmed) and period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Setting {
    pub value: Duration,
    pub interval: Duration,
}

/// How many POSIX timers a process may have.
const MAX_TIMERS: usize = 4096;

/// The time left and the period of a timer on `clock`, as
/// getitimer/timer_gettime report it.
fn setting(process: &Process, clock: TimerClock, a: Option<Armed>) -> Setting {
    let Some(a) = a else {
        return Setting::default();
    };
    let left = match a.expiry {
        None => a.deadline.saturating_duration_since(Instant::now()),
        Some(expiry) => expiry.saturating_sub(cpu_now(process, clock).unwrap_or(expiry)),
    };
    Setting {
        // A timer that is due reads as just about to fire.
        value: left.max(Duration::from_nanos(1)),
        interval: a.interval,
    }
}

impl ProcessTimers {
    fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    fn slot(&mut self, key: Key) -> Option<&mut Option<Armed>> {
        match key {
            Key::Real => Some(&mut self.real),
            Key::Virtual => Some(&mut self.virt),
            Key::Prof => Some(&mut self.prof),
            Key::Posix(id) => self.posix.get_mut(&id).map(|p| &mut p.armed),
        }
    }
}

/// Arms a timer on `clock` for `new` (`absolute`: `new.value` is a time on
/// the clock), or with a zero value leaves it disarmed (`None`).
fn arm(
    process: &Process,
    clock: TimerClock,
    new: Setting,
    absolute: bool,
    generation: u64,
) -> Option<Armed> {
    if new.value.is_zero() {
        return None;
    }
    let now = Instant::now();
    match clock {
        TimerClock::Wall(c) => {
            let delay = if absolute {
                // One already past fires at once.
                new.value
                    .saturating_sub(clock_now(c))
                    .max(Duration::from_nanos(1))
            } else {
                new.value
            };
            Some(Armed {
                deadline: now.checked_add(delay)?,
                expiry: None,
                interval: new.interval,
                generation,
            })
        }
        _ => {
            let cpu = cpu_now(process, clock).unwrap_or_default();
            let expiry = if absolute {
                new.value
            } else {
                cpu.checked_add(new.value)?
            };
            Some(Armed {
                deadline: next_look(process, expiry.saturating_sub(cpu)),
                expiry: Some(expiry),
                interval: new.interval,
                generation,
            })
        }
    }
}

/// When to look again at a CPU-time timer with `left` to go: the earliest
/// its process's threads could have used that much, at least 1 ms away.
fn next_look(process: &Process, left: Duration) -> Instant {
    let threads = u32::try_from(process.threads.count().max(1)).unwrap_or(u32::MAX);
    Instant::now() + (left / threads).max(Duration::from_millis(1))
}

/// The CPU time of `process` (or one of its threads) on `clock`, from its
/// host threads; `None` for a wall clock or a thread that is gone.
fn cpu_now(process: &Process, clock: TimerClock) -> Option<Duration> {
    match clock {
        TimerClock::Wall(_) => None,
        TimerClock::Process(kind) => {
            let tgid = process.sig.host_tgid()?;
            // Linux's clock id of a process's CPU clock: (~pid << 3) | kind.
            Some(clock_now(((!tgid) << 3) | kind as i32))
        }
        TimerClock::Thread(tid) => {
            let (tgid, host) = process.sig.thread(tid)?.host()?;
            let stat =
                std::fs::read_to_string(format!("/proc/{tgid}/task/{host}/schedstat")).ok()?;
            let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
            Some(Duration::from_nanos(ns))
        }
    }
}

/// `setitimer` / `alarm`: arms (or with a zero value disarms) one of the
/// process's interval timers; returns the old setting. As Linux, a CPU
/// timer's first expiry is a tick later than asked, so that it never
/// fires early.
pub fn set_itimer(
    kernel: &Arc<Kernel>,
    process: &Arc<Process>,
    which: Itimer,
    mut new: Setting,
) -> Setting {
    if which != Itimer::Real && !new.value.is_zero() {
        new.value += tick();
    }
    set_itimer_exactly(kernel, process, which, new)
}

/// The host kernel's tick (`TICK_NSEC`): the resolution of its coarse
/// clocks.
fn tick() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_getres(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

fn set_itimer_exactly(
    kernel: &Arc<Kernel>,
    process: &Arc<Process>,
    which: Itimer,
    new: Setting,
) -> Setting {
    let mut t = lock(&process.sig.timers);
    let generation = t.next_generation();
    let armed = arm(process, which.clock(), new, false, generation);
    let slot = match which {
        Itimer::Real => &mut t.real,
        Itimer::Virtual => &mut t.virt,
        Itimer::Prof => &mut t.prof,
    };
    let old = setting(process, which.clock(), *slot);
    *slot = armed;
    if let Some(a) = armed {
        service().schedule(a, kernel, process, which.key());
    }
    old
}

/// `getitimer`.
pub fn get_itimer(process: &Process, which: Itimer) -> Setting {
    let t = lock(&process.sig.timers);
    let armed = match which {
        Itimer::Real => t.real,
        Itimer::Virtual => t.virt,
        Itimer::Prof => t.prof,
    };
    setting(process, which.clock(), armed)
}

/// `timer_create`: a new disarmed timer on `clock`; returns its id. With
/// `id_as_value`, the signal's `si_value` is the timer's id (Linux's
/// default when there is no `sigevent`).
pub fn create(
    process: &Process,
    clock: TimerClock,
    mut notify: Notify,
    id_as_value: bool,
) -> Result<i32, Errno> {
    let mut t = lock(&process.sig.timers);
    if t.posix.len() >= MAX_TIMERS {
        return Err(Errno::EAGAIN);
    }
    let id = t.next_id;
    t.next_id = t.next_id.checked_add(1).ok_or(Errno::EAGAIN)?;
    if let (Notify::Signal { value, .. }, true) = (&mut notify, id_as_value) {
        *value = id as u64;
    }
    t.posix.insert(
        id,
        PosixTimer {
            clock,
            notify,
            armed: None,
            overrun: 0,
        },
    );
    Ok(id)
}

/// The time on a host clock, as a duration since its epoch.
fn clock_now(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// `timer_settime`: arms or disarms timer `id`; returns the old setting.
/// With `absolute`, `new.value` is a time on the timer's clock (one
/// already past fires at once).
pub fn settime(
    kernel: &Arc<Kernel>,
    process: &Arc<Process>,
    id: i32,
    new: Setting,
    absolute: bool,
) -> Result<Setting, Errno> {
    let mut t = lock(&process.sig.timers);
    let clock = t.posix.get(&id).ok_or(Errno::EINVAL)?.clock;
    let generation = t.next_generation();
    let armed = arm(process, clock, new, absolute, generation);
    let timer = t.posix.get_mut(&id).ok_or(Errno::EINVAL)?;
    let old = setting(process, clock, timer.armed);
    timer.armed = armed;
    timer.overrun = 0;
    if let Some(a) = armed {
        service().schedule(a, kernel, process, Key::Posix(id));
    }
    Ok(old)
}

/// `timer_gettime`.
pub fn gettime(process: &Process, id: i32) -> Result<Setting, Errno> {
    let t = lock(&process.sig.timers);
    t.posix
        .get(&id)
        .map(|p| setting(process, p.clock, p.armed))
        .ok_or(Errno::EINVAL)
}

/// `timer_getoverrun`: expiries that found the previous signal still
/// pending, at its last delivery.
pub fn getoverrun(process: &Process, id: i32) -> Result<i32, Errno> {
    let t = lock(&process.sig.timers);
    t.posix.get(&id).map(|p| p.overrun).ok_or(Errno::EINVAL)
}

/// `timer_delete`.
pub fn delete(process: &Process, id: i32) -> Result<(), Errno> {
    let mut t = lock(&process.sig.timers);
    t.posix.remove(&id).map(|_| ()).ok_or(Errno::EINVAL)
}

/// exec deletes the POSIX timers. The interval timers stay; the CPU-time
/// ones start over with the time they had left, on the new host process
/// (whose CPU clock starts at zero).
pub fn exec(kernel: &Arc<Kernel>, process: &Arc<Process>, left: &[(Itimer, Setting)]) {
    lock(&process.sig.timers).posix.clear();
    for &(which, s) in left {
        set_itimer_exactly(kernel, process, which, s);
    }
}

/// The CPU-time interval timers' settings, taken before an exec replaces
/// the host process (for [`exec`]).
pub fn cpu_itimers_before_exec(process: &Process) -> Vec<(Itimer, Setting)> {
    [Itimer::Virtual, Itimer::Prof]
        .into_iter()
        .map(|w| (w, get_itimer(process, w)))
        .filter(|(_, s)| !s.value.is_zero())
        .collect()
}

/// One timer expiry in the service's heap.
struct Due {
    deadline: Instant,
    seq: u64,
    generation: u64,
    key: Key,
    kernel: Weak<Kernel>,
    process: Weak<Process>,
}

impl PartialEq for Due {
    fn eq(&self, o: &Self) -> bool {
        (self.deadline, self.seq) == (o.deadline, o.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Due {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(o.deadline, o.seq))
    }
}

#[derive(Default)]
struct Heap {
    heap: BinaryHeap<Reverse<Due>>,
    seq: u64,
}

/// The timer thread and its heap.
struct Service {
    heap: Mutex<Heap>,
    cv: Condvar,
}

fn service() -> &'static Arc<Service> {
    static SERVICE: OnceLock<Arc<Service>> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let s = Arc::new(Service {
            heap: Mutex::new(Heap::default()),
            cv: Condvar::new(),
        });
        let worker = s.clone();
        // If the thread cannot start, timers never fire (a note says so).
        if std::thread::Builder::new()
            .name("trapline-timers".into())
            .spawn(move || worker.run())
            .is_err()
        {
            tracing::warn!("no timer thread: guest timers will not fire");
        }
        s
    })
}

impl Service {
    fn schedule(&self, a: Armed, kernel: &Arc<Kernel>, process: &Arc<Process>, key: Key) {
        let mut h = lock(&self.heap);
        h.seq += 1;
        let seq = h.seq;
        h.heap.push(Reverse(Due {
            deadline: a.deadline,
            seq,
            generation: a.generation,
            key,
            kernel: Arc::downgrade(kernel),
            process: Arc::downgrade(process),
        }));
        self.cv.notify_all();
    }

    fn run(&self) {
        let mut h = lock(&self.heap);
        loop {
            let now = Instant::now();
            let next = h.heap.peek().map(|Reverse(d)| d.deadline);
            match next {
                Some(d) if d <= now => {
                    if let Some(Reverse(due)) = h.heap.pop() {
                        drop(h);
                        self.fire(due);
                        h = lock(&self.heap);
                    }
                }
                Some(d) => {
                    h = match self.cv.wait_timeout(h, d - now) {
                        Ok((g, _)) => g,
                        Err(p) => p.into_inner().0,
                    };
                }
                None => {
                    h = match self.cv.wait(h) {
                        Ok(g) => g,
                        Err(p) => p.into_inner(),
                    };
                }
            }
        }
    }

    fn fire(&self, due: Due) {
        let (Some(kernel), Some(process)) = (due.kernel.upgrade(), due.process.upgrade()) else {
            return;
        };
        if lock(&process.exit_status).is_some() {
            return;
        }
        let now = Instant::now();
        let (info, tid, rearm) = {
            let mut t = lock(&process.sig.timers);
            let (clock, notify) = match due.key {
                Key::Real => (Itimer::Real.clock(), Notify::None),
                Key::Virtual => (Itimer::Virtual.clock(), Notify::None),
                Key::Prof => (Itimer::Prof.clock(), Notify::None),
                Key::Posix(id) => match t.posix.get(&id) {
                    Some(p) => (p.clock, p.notify),
                    None => return,
                },
            };
            let Some(armed) = t.slot(due.key) else {
                return;
            };
            let Some(a) = armed.as_mut().filter(|a| a.generation == due.generation) else {
                return;
            };
            // Periods that passed while nothing ran count as overruns.
            let mut missed = 0i32;
            let rearm = match a.expiry {
                None => {
                    if a.interval.is_zero() {
                        *armed = None;
                        None
                    } else {
                        let mut next = a.deadline + a.interval;
                        while next <= now {
                            next += a.interval;
                            missed = missed.saturating_add(1);
                        }
                        a.deadline = next;
                        Some(*a)
                    }
                }
                Some(expiry) => {
                    let Some(cpu) = cpu_now(&process, clock) else {
                        return;
                    };
                    if cpu < expiry {
                        // Not yet: look again when it could have expired.
                        a.deadline = next_look(&process, expiry - cpu);
                        let again = *a;
                        drop(t);
                        self.schedule(again, &kernel, &process, due.key);
                        return;
                    }
                    if a.interval.is_zero() {
                        *armed = None;
                        None
                    } else {
                        let mut next = expiry + a.interval;
                        while next <= cpu {
                            next += a.interval;
                            missed = missed.saturating_add(1);
                        }
                        a.expiry = Some(next);
                        a.deadline = next_look(&process, next - cpu);
                        Some(*a)
                    }
                }
            };
            if let Key::Posix(id) = due.key {
                if let Some(p) = t.posix.get_mut(&id) {
                    p.overrun = missed;
                }
            }
            match (due.key, notify) {
                (Key::Real, _) => (Some(SigInfo::kernel(Itimer::Real.signal())), None, rearm),
                (Key::Virtual, _) => (Some(SigInfo::kernel(Itimer::Virtual.signal())), None, rearm),
                (Key::Prof, _) => (Some(SigInfo::kernel(Itimer::Prof.signal())), None, rearm),
                (Key::Posix(id), Notify::Signal { signo, value, tid }) => {
                    (Some(SigInfo::timer(signo, id, missed, value)), tid, rearm)
                }
                (Key::Posix(_), Notify::None) => (None, None, rearm),
            }
        };
        if let Some(a) = rearm {
            self.schedule(a, &kernel, &process, due.key);
        }
        if let Some(info) = info {
            let _ = match tid {
                Some(tid) => super::send_to_thread(&kernel, &process, tid, info, None),
                None => super::send_to_process(&kernel, &process, info, None),
            };
        }
    }
}
