//! Timers that send signals: `alarm`/`setitimer(ITIMER_REAL)` (SIGALRM to
//! the process) and POSIX timers (`timer_create`: a signal to the process
//! or to one thread, or none).
//!
//! One kernel thread serves every timer of every guest: a heap of
//! deadlines. Each arming of a timer gets a new generation number; a
//! heap entry whose generation is no longer the timer's (re-armed,
//! disarmed, deleted) is dropped when it comes up. Times are kept on the
//! monotonic clock; an absolute `CLOCK_REALTIME` time is turned into a
//! delay when the timer is armed.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use trapline_abi::signal::SigInfo;
use trapline_abi::Errno;

use crate::kernel::Kernel;
use crate::process::{lock, Process};

/// An armed timer: when it fires next, and its period (zero: once).
#[derive(Debug, Clone, Copy)]
struct Armed {
    deadline: Instant,
    interval: Duration,
    generation: u64,
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
    clock: libc::clockid_t,
    notify: Notify,
    armed: Option<Armed>,
    overrun: i32,
}

/// A process's timers (in its `ProcessSignals`).
#[derive(Debug, Default)]
pub struct ProcessTimers {
    real: Option<Armed>,
    posix: BTreeMap<i32, PosixTimer>,
    next_id: i32,
    generation: u64,
}

/// Which timer of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Real,
    Posix(i32),
}

/// The current setting of a timer: time left (zero: disarmed) and period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Setting {
    pub value: Duration,
    pub interval: Duration,
}

/// How many POSIX timers a process may have.
const MAX_TIMERS: usize = 4096;

fn setting(a: Option<Armed>) -> Setting {
    match a {
        None => Setting::default(),
        Some(a) => Setting {
            // A timer that is due reads as just about to fire.
            value: a
                .deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_nanos(1)),
            interval: a.interval,
        },
    }
}

impl ProcessTimers {
    fn arm(&mut self, new: Setting) -> Option<Armed> {
        if new.value.is_zero() {
            return None;
        }
        self.generation += 1;
        Some(Armed {
            deadline: Instant::now().checked_add(new.value)?,
            interval: new.interval,
            generation: self.generation,
        })
    }
}

/// `setitimer(ITIMER_REAL)` / `alarm`: arms (or with a zero value disarms)
/// the process's real-time timer; returns the old setting.
pub fn set_real(kernel: &Arc<Kernel>, process: &Arc<Process>, new: Setting) -> Setting {
    let mut t = lock(&process.sig.timers);
    let old = setting(t.real);
    t.real = t.arm(new);
    if let Some(a) = t.real {
        service().schedule(a, kernel, process, Key::Real);
    }
    old
}

/// `getitimer(ITIMER_REAL)`.
pub fn get_real(process: &Process) -> Setting {
    setting(lock(&process.sig.timers).real)
}

/// `timer_create`: a new disarmed timer on `clock`; returns its id. With
/// `id_as_value`, the signal's `si_value` is the timer's id (Linux's
/// default when there is no `sigevent`).
pub fn create(
    process: &Process,
    clock: libc::clockid_t,
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
    mut new: Setting,
    absolute: bool,
) -> Result<Setting, Errno> {
    let mut t = lock(&process.sig.timers);
    let clock = t.posix.get(&id).ok_or(Errno::EINVAL)?.clock;
    if absolute && !new.value.is_zero() {
        new.value = new
            .value
            .saturating_sub(clock_now(clock))
            .max(Duration::from_nanos(1));
    }
    let armed = t.arm(new);
    let timer = t.posix.get_mut(&id).ok_or(Errno::EINVAL)?;
    let old = setting(timer.armed);
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
        .map(|p| setting(p.armed))
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

/// exec deletes the POSIX timers (the real-time timer stays).
pub fn exec(process: &Process) {
    lock(&process.sig.timers).posix.clear();
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
            let (armed, notify, overrun) = match due.key {
                Key::Real => (&mut t.real, Notify::None, None),
                Key::Posix(id) => match t.posix.get_mut(&id) {
                    Some(p) => (&mut p.armed, p.notify, Some(&mut p.overrun)),
                    None => return,
                },
            };
            let Some(a) = armed.as_mut().filter(|a| a.generation == due.generation) else {
                return;
            };
            // Periods that passed while nothing ran count as overruns.
            let mut missed = 0i32;
            let rearm = if a.interval.is_zero() {
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
            };
            if let Some(o) = overrun {
                *o = missed;
            }
            match (due.key, notify) {
                (Key::Real, _) => (Some(SigInfo::kernel(libc::SIGALRM)), None, rearm),
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
