//! The initial stack of a new program: strings, argv, envp and the
//! auxiliary vector, laid out as Linux does (fs/binfmt_elf.c,
//! create_elf_tables).

use trapline_abi::Errno;
use trapline_platform::stub::STUB_RANGE;
use trapline_platform::GuestMemory;

use super::elf::{ElfFile, Loaded};
use super::{MAX_ARG_STRINGS, MAX_ARG_STRLEN};
use crate::mm::{page_up, AddressSpace, VmaKind, PAGE_SIZE};

pub struct Strings {
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    pub execfn: Vec<u8>,
}

/// The largest main-thread stack Trapline maps (the host grows nothing for
/// us, so the whole stack is reserved up front, without commitment).
const MAX_STACK: u64 = 256 << 20;
const DEFAULT_STACK: u64 = 8 << 20;

/// Linux's `E2BIG` rules: each string at most MAX_ARG_STRLEN, and all of
/// them with their pointers at most a quarter of the stack limit.
pub fn check_limits(s: &Strings, stack_limit: u64) -> Result<(), Errno> {
    if s.argv.len() > MAX_ARG_STRINGS || s.envp.len() > MAX_ARG_STRINGS {
        return Err(Errno::E2BIG);
    }
    let mut total: u64 = 0;
    for str in s.argv.iter().chain(&s.envp) {
        if str.len() + 1 > MAX_ARG_STRLEN {
            return Err(Errno::E2BIG);
        }
        total += str.len() as u64 + 1 + 8;
    }
    let limit = (stack_limit.min(MAX_STACK) / 4).max(32 * PAGE_SIZE);
    if total > limit {
        return Err(Errno::E2BIG);
    }
    Ok(())
}

/// Maps the main thread's stack just below the stub and returns its top.
pub fn map_stack(space: &mut AddressSpace<'_>, stack_limit: u64) -> Result<u64, Errno> {
    let size = match stack_limit {
        u64::MAX => DEFAULT_STACK,
        l => page_up(l.clamp(128 << 10, MAX_STACK)).ok_or(Errno::ENOMEM)?,
    };
    let hint = STUB_RANGE.start - 16 * PAGE_SIZE - size;
    let flags = libc::MAP_PRIVATE | libc::MAP_NORESERVE | libc::MAP_STACK;
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    let start = space.map_anon(hint, size, rw, flags, VmaKind::Stack)?;
    Ok(start + size)
}

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_BASE: u64 = 7;
const AT_FLAGS: u64 = 8;
const AT_ENTRY: u64 = 9;
const AT_UID: u64 = 11;
const AT_EUID: u64 = 12;
const AT_GID: u64 = 13;
const AT_EGID: u64 = 14;
const AT_PLATFORM: u64 = 15;
const AT_HWCAP: u64 = 16;
const AT_CLKTCK: u64 = 17;
const AT_SECURE: u64 = 23;
const AT_RANDOM: u64 = 25;
const AT_HWCAP2: u64 = 26;
const AT_EXECFN: u64 = 31;
const AT_SYSINFO_EHDR: u64 = 33;
const AT_MINSIGSTKSZ: u64 = 51;

/// Auxv entries whose values point into the stack are filled in by
/// [`build`]; this lists everything else. `ids` = uid, euid, gid, egid.
pub fn auxv(
    main: &Loaded,
    exe: &ElfFile,
    interp_base: u64,
    ids: [u32; 4],
    host: &[(u64, u64)],
) -> Vec<(u64, u64)> {
    let from_host = |key| host.iter().find(|(k, _)| *k == key).map(|&(_, v)| v);
    let mut v = Vec::new();
    // The vDSO the host mapped into the stub: clock_gettime and friends run
    // natively, without a trap.
    if let Some(vdso) = from_host(AT_SYSINFO_EHDR) {
        v.push((AT_SYSINFO_EHDR, vdso));
    }
    if let Some(m) = from_host(AT_MINSIGSTKSZ) {
        v.push((AT_MINSIGSTKSZ, m));
    }
    v.push((AT_HWCAP, from_host(AT_HWCAP).unwrap_or(0)));
    v.push((AT_PAGESZ, PAGE_SIZE));
    v.push((AT_CLKTCK, from_host(AT_CLKTCK).unwrap_or(100)));
    v.push((AT_PHDR, main.phdr));
    v.push((AT_PHENT, u64::from(exe.header.e_phentsize)));
    v.push((AT_PHNUM, u64::from(exe.header.e_phnum)));
    v.push((AT_BASE, interp_base));
    v.push((AT_FLAGS, 0));
    v.push((AT_ENTRY, main.entry));
    v.push((AT_UID, u64::from(ids[0])));
    v.push((AT_EUID, u64::from(ids[1])));
    v.push((AT_GID, u64::from(ids[2])));
    v.push((AT_EGID, u64::from(ids[3])));
    v.push((AT_SECURE, 0));
    if let Some(h2) = from_host(AT_HWCAP2) {
        v.push((AT_HWCAP2, h2));
    }
    v
}

/// Writes the initial stack below `top` and returns the stack pointer
/// (pointing at argc, 16-byte aligned) and the auxiliary vector as
/// written (for /proc/PID/auxv).
pub fn build(
    mem: &impl GuestMemory,
    top: u64,
    s: &Strings,
    mut auxv: Vec<(u64, u64)>,
) -> Result<(u64, Vec<u8>), Errno> {
    // Strings area, built downwards from the top: execfn, envp, argv,
    // platform, random bytes (the same order as Linux).
    let mut area: Vec<u8> = Vec::new();
    let mut place = |bytes: &[u8], nul: bool| -> u64 {
        area.splice(0..0, bytes.iter().copied().chain(nul.then_some(0)));
        area.len() as u64 // offset from the top, fixed up below
    };
    let execfn_off = place(&s.execfn, true);
    let env_offs: Vec<u64> = s.envp.iter().rev().map(|e| place(e, true)).collect();
    let arg_offs: Vec<u64> = s.argv.iter().rev().map(|a| place(a, true)).collect();
    let platform_off = place(b"x86_64", true);
    let mut random = [0u8; 16];
    getrandom(&mut random);
    let random_off = place(&random, false);
    let strings_start = top - 8 - area.len() as u64;
    let at = |off: u64| top - 8 - off;

    auxv.push((AT_RANDOM, at(random_off)));
    auxv.push((AT_EXECFN, at(execfn_off)));
    auxv.push((AT_PLATFORM, at(platform_off)));
    auxv.push((AT_NULL, 0));

    let mut words: Vec<u64> = Vec::new();
    words.push(s.argv.len() as u64);
    words.extend(arg_offs.iter().rev().map(|&o| at(o)));
    words.push(0);
    words.extend(env_offs.iter().rev().map(|&o| at(o)));
    words.push(0);
    let auxv_start = words.len();
    for (k, v) in auxv {
        words.push(k);
        words.push(v);
    }
    let auxv_bytes: Vec<u8> = words[auxv_start..]
        .iter()
        .flat_map(|w| w.to_ne_bytes())
        .collect();
    let table_len = words.len() as u64 * 8;
    let sp = (strings_start - table_len) & !15;
    let table: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
    mem.write(sp, &table)?;
    mem.write(strings_start, &area)?;
    mem.write(top - 8, &[0u8; 8])?;
    Ok((sp, auxv_bytes))
}

fn getrandom(buf: &mut [u8]) {
    // SAFETY: buf is a valid writable buffer of buf.len() bytes.
    let _ = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
}
