//! The memory files of a process: `maps`, `smaps`, `smaps_rollup`,
//! `statm` and the `Vm*` lines of `status`, from the mappings the kernel
//! keeps and the resident pages the host counts.

use std::fmt::Write as _;

use super::source::{Mapping, ProcMemory, SMAPS_FIELDS};
use super::Bytes;

const PAGE_KB: u64 = 4;

/// `maps`' permission letters.
fn perms(m: &Mapping) -> String {
    let bit = |b: i32, c: char| if m.prot & b != 0 { c } else { '-' };
    [
        bit(libc::PROT_READ, 'r'),
        bit(libc::PROT_WRITE, 'w'),
        bit(libc::PROT_EXEC, 'x'),
        if m.shared { 's' } else { 'p' },
    ]
    .iter()
    .collect()
}

/// One line of `maps` (also the header of each `smaps` entry):
/// `start-end perms offset major:minor inode`, then the name padded to
/// column 74, as Linux's `show_map_vma`.
fn header(out: &mut Vec<u8>, m: &Mapping) {
    let start = out.len();
    let (major, minor) = (libc::major(m.dev), libc::minor(m.dev));
    let _ = write!(
        Bytes(out),
        "{:08x}-{:08x} {} {:08x} {major:02x}:{minor:02x} {} ",
        m.start,
        m.end,
        perms(m),
        m.offset,
        m.ino
    );
    if !m.name.is_empty() {
        // Linux pads to 72 columns (25 + 6 * sizeof(void *) - 1), then
        // puts one more space.
        while out.len() - start < 72 {
            out.push(b' ');
        }
        out.push(b' ');
        for &b in &m.name {
            // seq_file_path escapes newlines.
            if b == b'\n' {
                out.extend_from_slice(b"\\012");
            } else {
                out.push(b);
            }
        }
    }
    out.push(b'\n');
}

/// `/proc/PID/maps`.
pub(crate) fn maps(mem: &ProcMemory) -> Vec<u8> {
    let mut out = Vec::new();
    for m in &mem.maps {
        header(&mut out, m);
    }
    out
}

/// The counter lines of one `smaps` entry (or of `smaps_rollup`).
fn counters(out: &mut Vec<u8>, usage: &[u64; SMAPS_FIELDS.len()]) {
    for (name, v) in SMAPS_FIELDS.iter().zip(usage) {
        let label = format!("{name}:");
        if label.len() < 16 {
            let _ = writeln!(Bytes(out), "{label:<16}{v:>8} kB");
        } else {
            // `Private_Hugetlb:` is one column wider than the others.
            let _ = writeln!(Bytes(out), "{label} {v:>7} kB");
        }
    }
}

/// `/proc/PID/smaps`.
pub(crate) fn smaps(mem: &ProcMemory) -> Vec<u8> {
    let mut out = Vec::new();
    for m in &mem.maps {
        header(&mut out, m);
        let _ = write!(
            Bytes(&mut out),
            "Size:           {:>8} kB\nKernelPageSize: {:>8} kB\nMMUPageSize:    {:>8} kB\n",
            m.size_kb(),
            PAGE_KB,
            PAGE_KB
        );
        counters(&mut out, &m.usage);
        let _ = write!(
            Bytes(&mut out),
            "THPeligible:    {}\nVmFlags: {}\n",
            u8::from(m.thp_eligible),
            m.vm_flags
        );
    }
    out
}

/// `/proc/PID/smaps_rollup`: the sums over all mappings, under a header
/// spanning them. Linux adds the proportional sizes by kind here.
pub(crate) fn smaps_rollup(mem: &ProcMemory) -> Vec<u8> {
    let mut sum = [0u64; SMAPS_FIELDS.len()];
    for m in &mem.maps {
        for (s, v) in sum.iter_mut().zip(&m.usage) {
            *s += v;
        }
    }
    let (start, end) = match (mem.maps.first(), mem.maps.last()) {
        (Some(a), Some(b)) => (a.start, b.end),
        _ => (0, 0),
    };
    let span = Mapping {
        start,
        end,
        name: b"[rollup]".to_vec(),
        ..Mapping::default()
    };
    let mut out = Vec::new();
    header(&mut out, &span);
    // Pss_Anon, Pss_File and Pss_Shmem follow Pss_Dirty.
    let mut rolled = Vec::new();
    counters(&mut rolled, &sum);
    let text = String::from_utf8_lossy(&rolled).into_owned();
    let anon: u64 = mem.maps.iter().map(|m| m.counter("Anonymous")).sum();
    let shmem: u64 = mem
        .maps
        .iter()
        .filter(|m| m.shared && m.ino == 0)
        .map(|m| m.counter("Pss"))
        .sum();
    let file = sum[1].saturating_sub(anon + shmem);
    for line in text.lines() {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        if line.starts_with("Pss_Dirty:") {
            for (name, v) in [
                ("Pss_Anon:", anon),
                ("Pss_File:", file),
                ("Pss_Shmem:", shmem),
            ] {
                let _ = writeln!(Bytes(&mut out), "{name:<16}{v:>8} kB");
            }
        }
    }
    out
}

/// Sizes Linux keeps per address space, in kB.
#[derive(Default)]
struct Totals {
    total: u64,
    /// Private writable mappings that are not the stack (`data_vm`).
    data: u64,
    stack: u64,
    /// Executable mappings: of the program itself (text) and the rest.
    text: u64,
    exec: u64,
}

fn totals(mem: &ProcMemory, exe: &[u8]) -> Totals {
    let mut t = Totals::default();
    for m in &mem.maps {
        let kb = m.size_kb();
        t.total += kb;
        let stack = m.name == b"[stack]";
        if stack {
            t.stack += kb;
        } else if m.prot & libc::PROT_WRITE != 0 && !m.shared {
            t.data += kb;
        }
        if m.prot & libc::PROT_EXEC != 0 && m.prot & libc::PROT_WRITE == 0 && !stack {
            t.exec += kb;
            if !exe.is_empty() && m.name == exe {
                t.text += kb;
            }
        }
    }
    t
}

/// The `Vm*`, `Rss*` and `HugetlbPages` lines of `status`.
pub(crate) fn status_lines(mem: &ProcMemory, exe: &[u8]) -> String {
    let t = totals(mem, exe);
    let r = &mem.resident;
    let rss = r.anon + r.file + r.shmem;
    let mut s = String::new();
    for (name, kb) in [
        ("VmPeak", r.peak_vm.max(t.total)),
        ("VmSize", t.total),
        ("VmLck", r.locked),
        ("VmPin", r.pinned),
        ("VmHWM", r.hwm.max(rss)),
        ("VmRSS", rss),
        ("RssAnon", r.anon),
        ("RssFile", r.file),
        ("RssShmem", r.shmem),
        ("VmData", t.data),
        ("VmStk", t.stack),
        ("VmExe", t.text),
        ("VmLib", t.exec - t.text),
        ("VmPTE", r.page_tables),
        ("VmSwap", r.swap),
        ("HugetlbPages", 0),
    ] {
        let _ = writeln!(s, "{name}:\t{kb:>8} kB");
    }
    s
}

/// `/proc/PID/statm`: sizes in pages.
pub(crate) fn statm(mem: &ProcMemory, exe: &[u8]) -> Vec<u8> {
    let t = totals(mem, exe);
    let r = &mem.resident;
    let shared = (r.file + r.shmem) / PAGE_KB;
    format!(
        "{} {} {} {} 0 {} 0\n",
        t.total / PAGE_KB,
        shared + r.anon / PAGE_KB,
        shared,
        t.text / PAGE_KB,
        (t.data + t.stack) / PAGE_KB
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proc::source::Resident;

    fn mapping(start: u64, end: u64, prot: i32, name: &[u8]) -> Mapping {
        Mapping {
            start,
            end,
            prot,
            name: name.to_vec(),
            ..Mapping::default()
        }
    }

    fn memory() -> ProcMemory {
        let mut file = mapping(
            0x1000,
            0x3000,
            libc::PROT_READ | libc::PROT_EXEC,
            b"/bin/cat",
        );
        file.dev = libc::makedev(254, 0);
        file.ino = 1234;
        file.offset = 0x2000;
        file.usage[0] = 8;
        let rw = libc::PROT_READ | libc::PROT_WRITE;
        ProcMemory {
            maps: vec![
                file,
                mapping(0x5000, 0x8000, rw, b"[heap]"),
                mapping(0x7fff_0000_0000, 0x7fff_0000_1000, rw, b""),
                mapping(0x7fff_1000_0000, 0x7fff_1000_4000, rw, b"[stack]"),
            ],
            start_brk: 0x5000,
            resident: Resident {
                anon: 12,
                file: 8,
                ..Resident::default()
            },
        }
    }

    #[test]
    fn maps_lines_look_like_linux() {
        let text = String::from_utf8(maps(&memory())).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "{:<73}/bin/cat",
                "00001000-00003000 r-xp 00002000 fe:00 1234"
            )
        );
        assert_eq!(
            lines[1],
            format!("{:<73}[heap]", "00005000-00008000 rw-p 00000000 00:00 0")
        );
        assert_eq!(lines[2], "7fff00000000-7fff00001000 rw-p 00000000 00:00 0 ");
    }

    #[test]
    fn smaps_entries_carry_the_counters() {
        let text = String::from_utf8(smaps(&memory())).unwrap();
        assert!(text.contains("\nSize:                  8 kB\n"), "{text}");
        assert!(text.contains("\nRss:                   8 kB\n"), "{text}");
        assert!(text.contains("\nPrivate_Hugetlb:       0 kB\n"), "{text}");
        assert!(text.contains("\nTHPeligible:    0\nVmFlags: \n"), "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("Size:")).count(), 4);
        let rollup = String::from_utf8(smaps_rollup(&memory())).unwrap();
        assert!(rollup.contains("[rollup]\nRss:"), "{rollup}");
        assert!(rollup.contains("\nPss_File:"), "{rollup}");
    }

    #[test]
    fn sizes_add_up_as_linux() {
        let mem = memory();
        let status = status_lines(&mem, b"/bin/cat");
        for line in [
            "VmSize:\t      40 kB\n",
            "VmRSS:\t      20 kB\n",
            "VmData:\t      16 kB\n",
            "VmStk:\t      16 kB\n",
            "VmExe:\t       8 kB\n",
            "VmLib:\t       0 kB\n",
        ] {
            assert!(status.contains(line), "{line:?} in {status}");
        }
        assert_eq!(statm(&mem, b"/bin/cat"), b"10 5 2 2 0 8 0\n");
    }
}
