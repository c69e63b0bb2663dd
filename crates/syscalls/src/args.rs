//! Typed syscall arguments: how a raw register value becomes a handler's
//! parameter. A conversion that can fail fails with the errno Linux gives.

use trapline_abi::Errno;

/// Converts one raw argument register.
pub trait FromArg: Sized {
    fn from_arg(raw: u64) -> Result<Self, Errno>;
}

impl FromArg for u64 {
    fn from_arg(raw: u64) -> Result<Self, Errno> {
        Ok(raw)
    }
}

impl FromArg for i64 {
    fn from_arg(raw: u64) -> Result<Self, Errno> {
        Ok(raw as i64)
    }
}

impl FromArg for usize {
    fn from_arg(raw: u64) -> Result<Self, Errno> {
        Ok(raw as usize)
    }
}

/// `int` and `unsigned int` parameters: Linux uses the low 32 bits.
impl FromArg for i32 {
    fn from_arg(raw: u64) -> Result<Self, Errno> {
        Ok(raw as u32 as i32)
    }
}

impl FromArg for u32 {
    fn from_arg(raw: u64) -> Result<Self, Errno> {
        Ok(raw as u32)
    }
}

/// A file descriptor argument (the low 32 bits, as `int`). Negative values
/// are kept: some calls give them meaning (`AT_FDCWD`), others `EBADF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fd(pub i32);

impl FromArg for Fd {
    fn from_arg(raw: u64) -> Result<Self, Errno> {
        Ok(Fd(raw as u32 as i32))
    }
}

/// A pointer into guest memory. Never dereferenced: only handed to the
/// task's guest memory accessor, which checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserAddr(pub u64);

impl UserAddr {
    pub fn is_null(self) -> bool {
        self.0 == 0
    }
}

impl FromArg for UserAddr {
    fn from_arg(raw: u64) -> Result<Self, Errno> {
        Ok(UserAddr(raw))
    }
}

/// Registers a syscall handler where it is defined.
///
/// ```ignore
/// syscall! { Implemented => fn getppid(task) -> SysResult { Ok(task.process.ppid() as u64) } }
/// ```
///
/// The function keeps its typed signature (callable from other handlers and
/// tests); the macro adds a registration entry that converts the raw
/// registers with [`FromArg`]. The function name is the syscall's name in the
/// generated table.
#[macro_export]
macro_rules! syscall {
    ($(#[$meta:meta])* $status:expr => fn $name:ident($task:ident $(, $arg:ident : $ty:ty)* $(,)?) -> SysResult $body:block) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        pub fn $name($task: &mut $crate::prelude::Task $(, $arg: $ty)*) -> $crate::prelude::SysResult $body

        const _: () = {
            #[linkme::distributed_slice($crate::dispatch::REGISTRY)]
            #[linkme(crate = linkme)]
            static REGISTRATION: $crate::dispatch::Registration = $crate::dispatch::Registration {
                name: stringify!($name),
                status: $status,
                handler: |task, raw| {
                    let mut _next = raw.iter().copied();
                    $(let $arg = <$ty as $crate::args::FromArg>::from_arg(_next.next().unwrap_or(0))?;)*
                    $name(task $(, $arg)*)
                },
            };
        };
    };
}
