//! memfd_create (the seals are fcntl's, in `fd.rs`).

use trapline_vfs::{check_memfd_flags, MFD_CLOEXEC, MFD_NAME_MAX_LEN};

use super::{fs_cred, nofile};
use crate::prelude::*;

syscall! {
    Implemented => fn memfd_create(task, uname: UserAddr, flags: u32) -> SysResult {
        check_memfd_flags(flags)?;
        let name = task.mem().read_cstring(uname.0, MFD_NAME_MAX_LEN).map_err(|e| {
            if e == Errno::ENAMETOOLONG { Errno::EINVAL } else { e }
        })?;
        let cred = fs_cred(task);
        let file = task.kernel.vfs.memfd_create(&name, flags, &cred)?;
        let limit = nofile(task);
        let fd = lock(&task.process.fds).insert(file, flags & MFD_CLOEXEC != 0, 0, limit)?;
        Ok(fd as u64)
    }
}
