//! The dispatch table: every registration names a syscall of the generated
//! table, and the status of a few rows is what the handlers declare.

use trapline_syscalls::{Status, SyscallTable};

#[test]
fn every_registration_names_a_syscall() {
    let (_, unknown) = SyscallTable::build();
    assert!(
        unknown.is_empty(),
        "handlers registered under unknown names: {unknown:?}"
    );
}

#[test]
fn rows_carry_their_status() {
    let (table, _) = SyscallTable::build();
    let status = |nr: u64| table.get(nr).map(|e| e.status);
    assert_eq!(status(110), Some(Status::Implemented)); // getppid
    assert!(matches!(status(257), Some(Status::Partial(_)))); // openat
    assert_eq!(status(246), Some(Status::Unimplemented)); // kexec_load
    assert!(table.get(400).is_none()); // no such syscall on x86_64
    assert_eq!(
        table.entries().count(),
        trapline_abi::table::x86_64::SYSCALLS.len()
    );
}

#[test]
fn partial_rows_say_what_is_missing() {
    let (table, _) = SyscallTable::build();
    for e in table.entries() {
        if let Status::Partial(note) = e.status {
            assert!(note.len() > 10, "{} has no real note", e.desc.name);
        }
    }
}
