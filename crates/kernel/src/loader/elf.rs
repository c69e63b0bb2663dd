//! ELF executables and interpreters: checking and mapping them.

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{self, Header};
use goblin::elf::program_header::{self, ProgramHeader};

use trapline_abi::Errno;
use trapline_vfs::OpenFile;

use crate::mm::{page_down, page_up, AddressSpace, VmaKind, PAGE_SIZE, TASK_SIZE};

/// An ELF file's headers, checked to be something we can run.
pub struct ElfFile {
    pub header: Header,
    pub phdrs: Vec<ProgramHeader>,
    /// `PT_INTERP`: the dynamic loader to run instead.
    pub interp: Option<Vec<u8>>,
}

/// Where an ELF ended up in memory.
pub struct Loaded {
    /// Load bias (0 for ET_EXEC).
    pub base: u64,
    pub entry: u64,
    /// Address of the program headers in memory (AT_PHDR).
    pub phdr: u64,
    /// Page-aligned end of the highest segment (where the heap starts).
    pub end: u64,
}

/// Sizes of the 64-bit ELF header and of one program header.
const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;

/// Where position-independent executables go when nothing is in the way
/// (Linux's ELF_ET_DYN_BASE without randomisation).
pub(crate) const PIE_BASE: u64 = 0x5555_5555_4000;

/// Parses and checks the headers; anything but a 64-bit little-endian
/// x86_64 executable or shared object is `ENOEXEC`, as on Linux.
pub fn read(file: &OpenFile, head: &[u8]) -> Result<ElfFile, Errno> {
    if head.len() < EHDR_SIZE || &head[..4] != header::ELFMAG {
        return Err(Errno::ENOEXEC);
    }
    let hdr = goblin::elf::Elf::parse_header(head).map_err(|_| Errno::ENOEXEC)?;
    let ok = hdr.e_ident[header::EI_CLASS] == header::ELFCLASS64
        && hdr.e_ident[header::EI_DATA] == header::ELFDATA2LSB
        && hdr.e_machine == header::EM_X86_64
        && matches!(hdr.e_type, header::ET_EXEC | header::ET_DYN)
        && usize::from(hdr.e_phentsize) == PHDR_SIZE
        && hdr.e_phnum > 0
        && usize::from(hdr.e_phnum) * PHDR_SIZE <= 65536;
    if !ok {
        return Err(Errno::ENOEXEC);
    }
    let mut table = vec![0u8; usize::from(hdr.e_phnum) * PHDR_SIZE];
    if super::read_full(file, &mut table, hdr.e_phoff)? != table.len() {
        return Err(Errno::ENOEXEC);
    }
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let phdrs = ProgramHeader::parse(&table, 0, usize::from(hdr.e_phnum), ctx)
        .map_err(|_| Errno::ENOEXEC)?;
    if !phdrs.iter().any(|p| p.p_type == program_header::PT_LOAD) {
        return Err(Errno::ENOEXEC);
    }
    let interp = match phdrs.iter().find(|p| p.p_type == program_header::PT_INTERP) {
        Some(p) => Some(read_interp(file, p)?),
        None => None,
    };
    Ok(ElfFile {
        header: hdr,
        phdrs,
        interp,
    })
}

fn read_interp(file: &OpenFile, p: &ProgramHeader) -> Result<Vec<u8>, Errno> {
    if p.p_filesz < 2 || p.p_filesz > 4096 {
        return Err(Errno::ENOEXEC);
    }
    let mut path = vec![0u8; p.p_filesz as usize];
    if super::read_full(file, &mut path, p.p_offset)? != path.len() || path.pop() != Some(0) {
        return Err(Errno::ENOEXEC);
    }
    Ok(path)
}

fn prot_of(p: &ProgramHeader) -> i32 {
    let mut prot = 0;
    if p.is_read() {
        prot |= libc::PROT_READ;
    }
    if p.is_write() {
        prot |= libc::PROT_WRITE;
    }
    if p.is_executable() {
        prot |= libc::PROT_EXEC;
    }
    prot
}

/// Maps every `PT_LOAD` segment of `elf` into `space`.
pub fn map(space: &mut AddressSpace<'_>, file: &OpenFile, elf: &ElfFile) -> Result<Loaded, Errno> {
    let loads: Vec<&ProgramHeader> = elf
        .phdrs
        .iter()
        .filter(|p| p.p_type == program_header::PT_LOAD)
        .collect();
    let lo = loads
        .iter()
        .map(|p| page_down(p.p_vaddr))
        .min()
        .ok_or(Errno::ENOEXEC)?;
    let hi = loads
        .iter()
        .map(|p| p.p_vaddr.checked_add(p.p_memsz).and_then(page_up))
        .try_fold(0u64, |acc, e| e.map(|e| acc.max(e)))
        .ok_or(Errno::ENOEXEC)?;
    if hi <= lo || hi - lo > TASK_SIZE {
        return Err(Errno::ENOEXEC);
    }
    let base = if elf.header.e_type == header::ET_DYN {
        // Reserve the whole span first so the segments land together, then
        // map each one over the reservation.
        let hint = if elf.interp.is_some() || lo != 0 {
            PIE_BASE
        } else {
            0
        };
        let private = libc::MAP_PRIVATE | libc::MAP_NORESERVE;
        let got = space.map_anon(hint, hi - lo, libc::PROT_NONE, private, VmaKind::Anonymous)?;
        got - lo
    } else {
        0
    };
    if base.checked_add(hi).is_none_or(|end| end > TASK_SIZE) {
        return Err(Errno::ENOEXEC);
    }
    for p in &loads {
        map_segment(space, file, p, base)?;
    }
    Ok(Loaded {
        base,
        entry: base.wrapping_add(elf.header.e_entry),
        phdr: base.wrapping_add(phdr_vaddr(elf).unwrap_or(0)),
        end: base + hi,
    })
}

fn map_segment(
    space: &mut AddressSpace<'_>,
    file: &OpenFile,
    p: &ProgramHeader,
    base: u64,
) -> Result<(), Errno> {
    if p.p_offset % PAGE_SIZE != p.p_vaddr % PAGE_SIZE || p.p_filesz > p.p_memsz {
        return Err(Errno::ENOEXEC);
    }
    let prot = prot_of(p);
    let fixed = libc::MAP_PRIVATE | libc::MAP_FIXED;
    let vaddr = base + p.p_vaddr;
    let start = page_down(vaddr);
    let file_end = vaddr + p.p_filesz;
    let mem_end = vaddr + p.p_memsz;
    if p.p_filesz > 0 {
        let len = page_up(file_end).ok_or(Errno::ENOEXEC)? - start;
        space.map_file(start, len, prot, fixed, file, p.p_offset - (vaddr - start))?;
    }
    if p.p_memsz > p.p_filesz {
        // The bss: the rest of the last file page is zeroed, whole pages
        // beyond are fresh anonymous memory.
        let tail = page_up(file_end).ok_or(Errno::ENOEXEC)?;
        if p.p_filesz > 0 && tail > file_end {
            zero_tail(space, file_end, (tail - file_end) as usize, prot)?;
        }
        let anon_start = if p.p_filesz > 0 { tail } else { start };
        let anon_end = page_up(mem_end).ok_or(Errno::ENOEXEC)?;
        if anon_end > anon_start {
            space.map_anon(
                anon_start,
                anon_end - anon_start,
                prot,
                fixed,
                VmaKind::Anonymous,
            )?;
        }
    }
    Ok(())
}

fn zero_tail(space: &mut AddressSpace<'_>, addr: u64, len: usize, prot: i32) -> Result<(), Errno> {
    use trapline_platform::GuestMemory;
    let page = page_down(addr);
    let writable = prot & libc::PROT_WRITE != 0;
    if !writable {
        space.protect(page, PAGE_SIZE, prot | libc::PROT_WRITE)?;
    }
    space.tracee_memory().zero(addr, len)?;
    if !writable {
        space.protect(page, PAGE_SIZE, prot)?;
    }
    Ok(())
}

/// The virtual address of the program headers: `PT_PHDR`, or the load
/// segment that contains them in the file.
fn phdr_vaddr(elf: &ElfFile) -> Option<u64> {
    if let Some(p) = elf
        .phdrs
        .iter()
        .find(|p| p.p_type == program_header::PT_PHDR)
    {
        return Some(p.p_vaddr);
    }
    let off = elf.header.e_phoff;
    elf.phdrs
        .iter()
        .filter(|p| p.p_type == program_header::PT_LOAD)
        .find(|p| p.p_offset <= off && off < p.p_offset + p.p_filesz)
        .map(|p| p.p_vaddr + (off - p.p_offset))
}
