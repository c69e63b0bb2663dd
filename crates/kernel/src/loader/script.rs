//! `#!` scripts, with Linux's rules (fs/binfmt_script.c).

use trapline_abi::Errno;

/// Splits the first line of a script into interpreter and optional single
/// argument (everything after the interpreter, trimmed, spaces included).
pub fn parse_shebang(head: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), Errno> {
    let body = &head[2..];
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let line = match body.iter().position(|&b| b == b'\n') {
        Some(nl) => &body[..nl],
        None => {
            // No newline in the first 256 bytes: Linux accepts it only if
            // the interpreter name itself ends inside the buffer.
            let start = body
                .iter()
                .position(|b| !is_blank(b))
                .ok_or(Errno::ENOEXEC)?;
            if !body[start..].iter().any(is_blank) {
                return Err(Errno::ENOEXEC);
            }
            body
        }
    };
    let line = trim(line);
    let end = line.iter().position(is_blank).unwrap_or(line.len());
    let interp = line[..end].to_vec();
    if interp.is_empty() {
        return Err(Errno::ENOEXEC);
    }
    let rest = trim(&line[end..]);
    let arg = (!rest.is_empty()).then(|| rest.to_vec());
    Ok((interp, arg))
}

fn trim(s: &[u8]) -> &[u8] {
    let blank = |b: &u8| *b == b' ' || *b == b'\t' || *b == b'\r' || *b == 0;
    let start = s.iter().position(|b| !blank(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !blank(b)).map_or(start, |e| e + 1);
    &s[start..end]
}

/// The argv the interpreter runs with: `interp [arg] script argv[1..]`.
pub fn interpreter_argv(
    interp: &[u8],
    arg: Option<Vec<u8>>,
    script: &[u8],
    argv: Vec<Vec<u8>>,
) -> Vec<Vec<u8>> {
    let mut out = vec![interp.to_vec()];
    out.extend(arg);
    out.push(script.to_vec());
    out.extend(argv.into_iter().skip(1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreter_and_one_argument() {
        let (i, a) = parse_shebang(b"#! /usr/bin/env  python3 -u \nprint(1)").unwrap();
        assert_eq!(i, b"/usr/bin/env");
        assert_eq!(a.as_deref(), Some(&b"python3 -u"[..]));
    }

    #[test]
    fn empty_interpreter_is_enoexec() {
        assert_eq!(parse_shebang(b"#!   \n"), Err(Errno::ENOEXEC));
    }

    #[test]
    fn argv_puts_the_script_after_the_interpreter() {
        let argv = interpreter_argv(
            b"/bin/sh",
            None,
            b"./s.sh",
            vec![b"s.sh".to_vec(), b"x".to_vec()],
        );
        assert_eq!(
            argv,
            vec![b"/bin/sh".to_vec(), b"./s.sh".to_vec(), b"x".to_vec()]
        );
    }
}
