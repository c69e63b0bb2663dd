//! Strings as strace prints them: quoting and escaping, and fetching them
//! from guest memory with strace's limits.
//!
//! strace escapes `"` `\` and the C whitespace escapes (`\t \n \v \f \r`);
//! any other non-printable byte becomes a shortest octal escape (`\1`,
//! `\177`), widened to three digits when an octal digit follows (`\0011`).
//! Buffers and argv strings are cut at [`MAX_STRLEN`] bytes (`-s 32`) with
//! `...` after the closing quote; paths are printed whole (up to `PATH_MAX`).

use trapline_platform::GuestMemory;

/// strace's default `-s`: bytes of a buffer or string shown before `...`.
pub const MAX_STRLEN: usize = 32;

/// Longest path strace prints (`PATH_MAX`).
pub const PATH_MAX: usize = 4096;

/// `0x7ffd...`, or `NULL` for 0: strace's `printaddr`.
pub fn addr(a: u64) -> String {
    if a == 0 {
        "NULL".to_string()
    } else {
        format!("{a:#x}")
    }
}

/// `%#x`: `0` for zero, `0x1f` otherwise.
pub fn hex(v: u64) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// Quotes bytes the way strace does by default (octal escapes).
pub fn quote(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len() + 2);
    s.push('"');
    for (i, &c) in data.iter().enumerate() {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x0c => s.push_str("\\f"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x0b => s.push_str("\\v"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                s.push('\\');
                let next_is_octal = data.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
                if next_is_octal {
                    s.push(char::from(b'0' + (c >> 6)));
                    s.push(char::from(b'0' + ((c >> 3) & 7)));
                } else if c >> 3 != 0 {
                    if c >> 6 != 0 {
                        s.push(char::from(b'0' + (c >> 6)));
                    }
                    s.push(char::from(b'0' + ((c >> 3) & 7)));
                }
                s.push(char::from(b'0' + (c & 7)));
            }
        }
    }
    s.push('"');
    s
}

/// Quotes at most 32 bytes (strace's default `-s 32`), with `...` after
/// the closing quote when cut.
pub fn quote_truncated(data: &[u8]) -> String {
    const LIMIT: usize = 32;
    if data.len() > LIMIT {
        format!("{}...", quote(&data[..LIMIT]))
    } else {
        quote(data)
    }
}

/// Quotes bytes with every byte as `\xNN` (strace's forced hex style, used
/// for `getrandom`).
pub fn quote_hex(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len() * 4 + 2);
    s.push('"');
    for &c in data {
        s.push_str(&format!("\\x{c:02x}"));
    }
    s.push('"');
    s
}

/// A path argument: `NULL`, the address in hex when unreadable, or the
/// whole quoted string.
pub fn path(mem: &dyn GuestMemory, a: u64) -> String {
    cstr(mem, a, PATH_MAX)
}

/// A NUL-terminated string cut at `max` bytes (`"abc"...` when longer).
pub fn cstr(mem: &dyn GuestMemory, a: u64, max: usize) -> String {
    if a == 0 {
        return "NULL".to_string();
    }
    match read_cstr(mem, a, max) {
        Some((bytes, true)) => format!("{}...", quote(&bytes)),
        Some((bytes, false)) => quote(&bytes),
        None => addr(a),
    }
}

/// Reads at most `max` bytes of a NUL-terminated string; the flag tells
/// whether it was cut. `None` when not even the first byte is readable, or
/// when the string runs into unreadable memory before its NUL.
///
/// Reads go in growing chunks that never cross a page, so a string that
/// ends just before an unmapped page is still read.
pub fn read_cstr(mem: &dyn GuestMemory, a: u64, max: usize) -> Option<(Vec<u8>, bool)> {
    const PAGE: u64 = 4096;
    let mut out: Vec<u8> = Vec::new();
    let mut chunk = 64usize;
    while out.len() <= max {
        let cur = a.checked_add(out.len() as u64)?;
        let to_page_end = (PAGE - cur % PAGE) as usize;
        let want = chunk.min(to_page_end).min(max + 1 - out.len());
        let start = out.len();
        out.resize(start + want, 0);
        if mem.read(cur, &mut out[start..]).is_err() {
            // Unreadable somewhere in this chunk: go byte by byte, a NUL
            // before the fault still ends the string.
            out.truncate(start);
            for i in 0..want as u64 {
                let mut b = [0u8; 1];
                mem.read(cur.checked_add(i)?, &mut b).ok()?;
                if b[0] == 0 {
                    return Some((out, false));
                }
                out.push(b[0]);
            }
            continue;
        }
        if let Some(nul) = out[start..].iter().position(|&b| b == 0) {
            out.truncate(start + nul);
            return Some((out, false));
        }
        chunk = chunk.saturating_mul(4);
    }
    out.truncate(max);
    Some((out, true))
}

/// A buffer of `len` bytes at `a`, cut at [`MAX_STRLEN`]: `"data"...`.
pub fn buf(mem: &dyn GuestMemory, a: u64, len: u64) -> String {
    buf_with(mem, a, len, quote)
}

/// Like [`buf`], in forced hex style.
pub fn buf_hex(mem: &dyn GuestMemory, a: u64, len: u64) -> String {
    buf_with(mem, a, len, quote_hex)
}

fn buf_with(mem: &dyn GuestMemory, a: u64, len: u64, q: fn(&[u8]) -> String) -> String {
    if a == 0 {
        return "NULL".to_string();
    }
    let shown = len.min(MAX_STRLEN as u64) as usize;
    let mut data = vec![0u8; shown];
    if mem.read(a, &mut data).is_err() {
        return addr(a);
    }
    if len > MAX_STRLEN as u64 {
        format!("{}...", q(&data))
    } else {
        q(&data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_strace() {
        assert_eq!(
            quote(b"hello\n\t\"\\ \x01\x7f\xff0abc"),
            r#""hello\n\t\"\\ \1\177\3770abc""#
        );
        assert_eq!(quote(b"a\x011\x018\0"), r#""a\0011\18\0""#);
        assert_eq!(quote(b"\x01\x02\x03\x05"), r#""\1\2\3\5""#);
        assert_eq!(quote(b"\x0b\x0c\r"), r#""\v\f\r""#);
        assert_eq!(quote_hex(&[0xb9, 0x02]), r#""\xb9\x02""#);
    }

    #[test]
    fn numbers() {
        assert_eq!(addr(0), "NULL");
        assert_eq!(addr(0x1234), "0x1234");
        assert_eq!(hex(0), "0");
        assert_eq!(hex(0x26000), "0x26000");
    }
}
