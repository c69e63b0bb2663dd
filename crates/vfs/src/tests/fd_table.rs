use std::sync::Arc;

use crate::dev::{DevFile, DevKind};
use crate::{Errno, FdTable, OpenFile};

fn file() -> Arc<OpenFile> {
    OpenFile::from_ops(
        Arc::new(DevFile {
            kind: DevKind::Null,
        }),
        libc::O_RDWR,
        b"/dev/null".to_vec(),
    )
}

#[test]
fn lowest_free_fd_and_emfile() {
    let mut t = FdTable::new();
    assert_eq!(t.insert(file(), false, 0, 3), Ok(0));
    assert_eq!(t.insert(file(), false, 0, 3), Ok(1));
    assert_eq!(t.insert(file(), false, 0, 3), Ok(2));
    assert_eq!(t.insert(file(), false, 0, 3), Err(Errno::EMFILE));
    assert!(t.remove(1).is_ok());
    assert_eq!(t.insert(file(), false, 0, 3), Ok(1));
    assert_eq!(t.remove(7).err(), Some(Errno::EBADF));
    assert_eq!(t.remove(-1).err(), Some(Errno::EBADF));
    assert_eq!(t.get(5).err(), Some(Errno::EBADF));
    // F_DUPFD: lowest free at or above min_fd; min_fd past the limit is EINVAL.
    assert_eq!(t.insert(file(), false, 10, 64), Ok(10));
    assert_eq!(t.insert(file(), false, 10, 64), Ok(11));
    assert_eq!(t.insert(file(), false, 64, 64), Err(Errno::EINVAL));
    assert_eq!(t.insert(file(), false, -1, 64), Err(Errno::EINVAL));
    assert_eq!(t.fds(), vec![0, 1, 2, 10, 11]);
}

#[test]
fn dup2_replaces_and_shares() {
    let mut t = FdTable::new();
    let a = file();
    let b = file();
    assert_eq!(t.insert(a.clone(), false, 0, 16), Ok(0));
    assert_eq!(t.insert(b.clone(), true, 0, 16), Ok(1));
    let old = t.insert_at(1, a.clone(), false, 16).expect("dup2");
    assert!(old.is_some_and(|o| Arc::ptr_eq(&o, &b)));
    assert!(Arc::ptr_eq(&t.get(1).expect("fd 1"), &a));
    assert_eq!(t.cloexec(1), Ok(false));
    assert_eq!(
        t.insert_at(9, a.clone(), true, 16).map(|o| o.is_none()),
        Ok(true)
    );
    assert_eq!(
        t.insert_at(16, a.clone(), false, 16).err(),
        Some(Errno::EBADF)
    );
    assert_eq!(t.insert_at(-1, a, false, 16).err(), Some(Errno::EBADF));
}

#[test]
fn cloexec_and_close_range() {
    let mut t = FdTable::new();
    for _ in 0..6 {
        t.insert(file(), false, 0, 64).expect("insert");
    }
    assert_eq!(t.set_cloexec(2, true), Ok(()));
    assert_eq!(t.cloexec(2), Ok(true));
    assert_eq!(t.set_cloexec(40, true), Err(Errno::EBADF));
    t.close_range(4, u32::MAX, true);
    assert_eq!(t.cloexec(4), Ok(true));
    assert_eq!(t.cloexec(5), Ok(true));
    t.close_on_exec();
    assert_eq!(t.fds(), vec![0, 1, 3]);
    t.close_range(1, 1, false);
    assert_eq!(t.fds(), vec![0, 3]);
    t.close_range(5, 2, false);
    assert_eq!(t.fds(), vec![0, 3]);
    t.close_range(0, u32::MAX, false);
    assert!(t.fds().is_empty());
    assert_eq!(t.insert(file(), false, 0, 64), Ok(0));
}
