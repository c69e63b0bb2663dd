// @generated placeholder: replaced by tools/gen-syscalls.
pub static NAMES: &[&str] = &["", "EPERM", "ENOENT"];
