use std::sync::Arc;
use std::time::Duration;

use crate::locks::{record_range, FileKey, FileLocks, LockKind, LockOwner, OFFSET_MAX};
use crate::Errno;

/// Locks of a made-up file no other test uses.
fn locks(ino: u64) -> Arc<FileLocks> {
    FileLocks::of(FileKey {
        host: false,
        dev: u64::MAX,
        ino,
    })
}

const A: LockOwner = LockOwner::Process(100);
const B: LockOwner = LockOwner::Process(200);
use LockKind::{Read, Write};

/// The locks `owner` holds as (kind, start, end), seen by asking for each
/// byte in `0..n` as someone else.
fn held(l: &FileLocks, owner: LockOwner, n: u64) -> Vec<(LockKind, u64, u64)> {
    let other = LockOwner::Process(-7);
    let mut out = Vec::new();
    for b in 0..n {
        if let Some(r) = l.test(other, Some(Write), b, b) {
            if r.owner == owner && !out.contains(&(r.kind, r.start, r.end)) {
                out.push((r.kind, r.start, r.end));
            }
        }
    }
    out
}

#[test]
fn ranges_split_merge_and_change_kind() {
    let l = locks(1);
    assert_eq!(l.set(A, Some(Write), 0, 99, false), Ok(()));
    assert_eq!(l.set(A, None, 40, 59, false), Ok(()));
    assert_eq!(held(&l, A, 120), vec![(Write, 0, 39), (Write, 60, 99)]);
    assert_eq!(l.set(A, Some(Read), 10, 19, false), Ok(()));
    assert_eq!(
        held(&l, A, 120),
        vec![
            (Write, 0, 9),
            (Read, 10, 19),
            (Write, 20, 39),
            (Write, 60, 99)
        ]
    );
    // Adjacent locks of one kind merge; so does filling the gap.
    assert_eq!(l.set(A, Some(Write), 40, 59, false), Ok(()));
    assert_eq!(
        held(&l, A, 120),
        vec![(Write, 0, 9), (Read, 10, 19), (Write, 20, 99)]
    );
    assert_eq!(l.set(A, Some(Write), 10, 19, false), Ok(()));
    assert_eq!(held(&l, A, 120), vec![(Write, 0, 99)]);
    assert_eq!(l.set(A, None, 0, OFFSET_MAX, false), Ok(()));
    assert_eq!(held(&l, A, 120), vec![]);
}

#[test]
fn owners_conflict_unless_both_read() {
    let l = locks(2);
    assert_eq!(l.set(A, Some(Read), 0, 9, false), Ok(()));
    assert_eq!(l.set(B, Some(Read), 5, 14, false), Ok(()));
    assert_eq!(l.set(B, Some(Write), 5, 5, false), Err(Errno::EAGAIN));
    assert_eq!(l.set(B, Some(Write), 10, 14, false), Ok(()));
    // An F_UNLCK test finds the asker's own lock.
    assert_eq!(l.test(A, None, 0, OFFSET_MAX).map(|r| r.owner), Some(A));
    l.release_owner(A);
    assert_eq!(l.set(B, Some(Write), 0, 9, false), Ok(()));
}

#[test]
fn flock_conversion_drops_the_old_lock() {
    let l = locks(3);
    assert_eq!(l.flock(1, Some(Read), false), Ok(()));
    assert_eq!(l.flock(2, Some(Read), false), Ok(()));
    assert_eq!(l.flock(2, Some(Write), false), Err(Errno::EAGAIN));
    assert_eq!(l.flock(1, Some(Write), false), Ok(()));
    l.release_file(1);
    assert_eq!(l.flock(2, Some(Write), false), Ok(()));
}

#[test]
fn a_blocked_request_waits_for_the_unlock() {
    let l = locks(4);
    assert_eq!(l.set(A, Some(Write), 0, 0, false), Ok(()));
    let l2 = l.clone();
    let waiter = std::thread::spawn(move || l2.set(B, Some(Write), 0, 0, true));
    std::thread::sleep(Duration::from_millis(50));
    assert!(!waiter.is_finished());
    assert_eq!(l.set(A, None, 0, 0, false), Ok(()));
    assert_eq!(waiter.join().ok(), Some(Ok(())));
}

#[test]
fn a_cycle_of_waiters_is_a_deadlock() {
    let l = locks(5);
    let (c, d) = (LockOwner::Process(300), LockOwner::Process(400));
    assert_eq!(l.set(c, Some(Write), 0, 0, false), Ok(()));
    assert_eq!(l.set(d, Some(Write), 1, 1, false), Ok(()));
    let l2 = l.clone();
    let waiter = std::thread::spawn(move || l2.set(d, Some(Write), 0, 0, true));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(l.set(c, Some(Write), 1, 1, true), Err(Errno::EDEADLK));
    l.release_owner(c);
    assert_eq!(waiter.join().ok(), Some(Ok(())));
}

#[test]
fn record_ranges_as_linux_computes_them() {
    use libc::{SEEK_CUR, SEEK_END, SEEK_SET};
    let r = |w: i32, s, l| record_range(w as i16, s, l, 10, 100);
    assert_eq!(r(SEEK_SET, 0, 0), Ok((0, OFFSET_MAX)));
    assert_eq!(r(SEEK_SET, 5, 5), Ok((5, 9)));
    assert_eq!(r(SEEK_SET, 5, -5), Ok((0, 4)));
    assert_eq!(r(SEEK_SET, 5, -6), Err(Errno::EINVAL));
    assert_eq!(r(SEEK_CUR, -10, 1), Ok((0, 0)));
    assert_eq!(r(SEEK_CUR, -11, 1), Err(Errno::EINVAL));
    assert_eq!(r(SEEK_END, -1, 1), Ok((99, 99)));
    assert_eq!(r(SEEK_SET, i64::MAX, 1), Ok((OFFSET_MAX, OFFSET_MAX)));
    assert_eq!(r(SEEK_SET, i64::MAX, 2), Err(Errno::EOVERFLOW));
    assert_eq!(r(SEEK_CUR, i64::MAX, 0), Err(Errno::EOVERFLOW));
    assert_eq!(r(3, 0, 0), Err(Errno::EINVAL));
}
