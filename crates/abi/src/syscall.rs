//! The shape of one row of a generated syscall table.

/// One parameter of a syscall as written in its `SYSCALL_DEFINEn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The C type, normalised: single spaces, `__user` kept, e.g.
    /// `"const char __user *"`, `"unsigned int"`, `"struct stat __user *"`.
    pub ty: &'static str,
    /// The parameter name, e.g. `"filename"`, `"fd"`.
    pub name: &'static str,
}

impl Param {
    /// True when the parameter is a pointer into guest memory.
    pub fn is_pointer(&self) -> bool {
        self.ty.ends_with('*')
    }
}

/// One syscall of one architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallDesc {
    /// The syscall number on this architecture.
    pub nr: u32,
    /// The user-visible name, e.g. `"newfstatat"`.
    pub name: &'static str,
    /// The kernel entry point, e.g. `"sys_newfstatat"`.
    pub entry: &'static str,
    /// How many arguments the syscall takes (0..=6).
    pub nargs: u8,
    /// The typed parameter list from `SYSCALL_DEFINEn`; empty when the
    /// generator could not find a definition (see the generator's rules).
    pub params: &'static [Param],
}

impl SyscallDesc {
    /// `name(type a, type b)`: the C-like signature, as `trapline syscalls` prints it.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                if p.ty.ends_with('*') {
                    format!("{}{}", p.ty, p.name)
                } else {
                    format!("{} {}", p.ty, p.name)
                }
            })
            .collect();
        format!("{}({})", self.name, params.join(", "))
    }
}
