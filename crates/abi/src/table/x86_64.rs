// @generated placeholder: replaced by tools/gen-syscalls.
use crate::{Param, SyscallDesc};
pub static SYSCALLS: &[SyscallDesc] = &[
    SyscallDesc { nr: 0, name: "read", entry: "sys_read", nargs: 3, params: &[Param { ty: "unsigned int", name: "fd" }, Param { ty: "char __user *", name: "buf" }, Param { ty: "size_t", name: "count" }] },
];
pub static BY_NR: [Option<&SyscallDesc>; 1] = [Some(&SYSCALLS[0])];
