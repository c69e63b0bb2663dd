//! Readers for the three sources of syscall numbers and errno names.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;

use crate::cpp::{self, CondStack, Env, Val};
use crate::defs::is_ident;
use crate::rules;

/// A syscall number, its user-visible name and its 64-bit entry point.
#[derive(Debug, Clone)]
pub struct NrRow {
    pub nr: u32,
    pub name: String,
    pub entry: String,
}

fn read(root: &Path, rel: &str) -> Result<String, String> {
    let p = root.join(rel);
    fs::read_to_string(&p).map_err(|e| format!("reading {}: {e}", p.display()))
}

/// `arch/x86/entry/syscalls/syscall_64.tbl`: the `common` and `64` rows.
pub fn x86_64_tbl(root: &Path) -> Result<Vec<NrRow>, String> {
    let rel = "arch/x86/entry/syscalls/syscall_64.tbl";
    let text = read(root, rel)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        let at = || format!("{rel}:{}", i + 1);
        if cols.len() < 3 {
            return Err(format!("{}: expected at least 3 columns", at()));
        }
        let nr: u32 = cols[0]
            .parse()
            .map_err(|e| format!("{}: bad number {:?}: {e}", at(), cols[0]))?;
        match cols[1] {
            "common" | "64" => {}
            "x32" => continue,
            abi => return Err(format!("{}: unknown ABI {abi:?}", at())),
        }
        let entry = match cols.get(3) {
            Some(e) => e.strip_prefix("__x64_").unwrap_or(e).to_string(),
            // An empty entry column: the kernel's table slot keeps its
            // default, sys_ni_syscall (see rules::EMPTY_ENTRY).
            None => rules::EMPTY_ENTRY.to_string(),
        };
        rows.push(NrRow {
            nr,
            name: cols[2].to_string(),
            entry,
        });
    }
    Ok(rows)
}

/// The macros of a header as the preprocessor sees them: `Some(body)` for
/// object-like, `None` for function-like macros.
struct HeaderEnv {
    defs: HashMap<String, Option<String>>,
}

impl Env for HeaderEnv {
    fn defined(&self, name: &str) -> Option<bool> {
        Some(self.defs.contains_key(name))
    }

    fn value(&self, name: &str, depth: u32) -> Result<Val, String> {
        match self.defs.get(name) {
            None => Ok(Some(0)),
            Some(Some(body)) if body.trim().is_empty() => {
                Err(format!("{name} has an empty body in #if"))
            }
            Some(Some(body)) => cpp::eval(body, self, depth),
            Some(None) => Err(format!("function-like macro {name} used as a value")),
        }
    }
}

/// A `__SYSCALL`-family line: the number macro and the 64-bit native entry.
struct RawRow {
    nr_macro: String,
    entry: String,
    at: String,
}

/// Runs the asm-generic syscall list for one architecture: starts at the
/// arch's `asm/unistd.h`, honours its `__ARCH_WANT_*` defines and every
/// `#if`, and expands `__SYSCALL`, `__SC_3264`, `__SC_COMP` and
/// `__SC_COMP_3264` the way a 64-bit, non-compat build does.
pub fn generic_table(root: &Path, arch_header: &str) -> Result<Vec<NrRow>, String> {
    let mut env = HeaderEnv {
        defs: rules::GENERIC_PREDEFINED
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect(),
    };
    let mut raw = Vec::new();
    run_header(root, arch_header, &mut env, &mut raw, 0)?;

    // `#define __NR_fstat __NR3264_fstat` and friends: the uapi name of
    // each __NR3264_ number in a 64-bit build.
    let mut uapi_name: HashMap<&str, &str> = HashMap::new();
    for (k, v) in &env.defs {
        if let (Some(name), Some(v)) = (k.strip_prefix("__NR_"), v) {
            if v.trim().starts_with("__NR3264_") && is_ident(v.trim()) {
                uapi_name.insert(v.trim(), name);
            }
        }
    }
    let mut rows = Vec::new();
    for r in raw {
        let name = if r.nr_macro.starts_with("__NR3264_") {
            uapi_name
                .get(r.nr_macro.as_str())
                .map(|s| s.to_string())
                .ok_or_else(|| format!("{}: no `#define __NR_x {}`", r.at, r.nr_macro))?
        } else if let Some(n) = r.nr_macro.strip_prefix("__NR_") {
            n.to_string()
        } else {
            return Err(format!("{}: unexpected number macro {}", r.at, r.nr_macro));
        };
        if !env.defs.contains_key(&r.nr_macro) {
            return Err(format!("{}: {} is not defined", r.at, r.nr_macro));
        }
        let nr = env
            .value(&r.nr_macro, 0)
            .map_err(|e| format!("{}: {e}", r.at))?
            .ok_or_else(|| format!("{}: cannot evaluate {}", r.at, r.nr_macro))?;
        let nr = u32::try_from(nr).map_err(|e| format!("{}: number {nr}: {e}", r.at))?;
        rows.push(NrRow {
            nr,
            name,
            entry: r.entry,
        });
    }
    Ok(rows)
}

fn run_header(
    root: &Path,
    rel: &str,
    env: &mut HeaderEnv,
    out: &mut Vec<RawRow>,
    depth: u32,
) -> Result<(), String> {
    if depth > 8 {
        return Err(format!("{rel}: includes nested too deeply"));
    }
    let text = cpp::strip_comments(&read(root, rel)?);
    let mut conds = CondStack::default();
    for ll in cpp::logical_lines(&text) {
        let at = format!("{rel}:{}", ll.line);
        if let Some((kw, rest)) = cpp::directive(&ll.text) {
            let env_ref: &HeaderEnv = env;
            let handled = conds
                .handle(kw, rest, &mut |e| {
                    let v = cpp::eval(e, env_ref, 0)?;
                    Ok(Some(v.ok_or("unknown value")? != 0))
                })
                .map_err(|e| format!("{at}: {e}"))?;
            if handled || conds.active() != Some(true) {
                continue;
            }
            match kw {
                "define" => {
                    let (name, body) = cpp::leading_ident(rest)
                        .ok_or_else(|| format!("{at}: bad #define {rest:?}"))?;
                    let body = if body.starts_with('(') {
                        None
                    } else {
                        Some(body.trim().to_string())
                    };
                    env.defs.insert(name.to_string(), body);
                }
                "undef" => {
                    let (name, _) = cpp::leading_ident(rest)
                        .ok_or_else(|| format!("{at}: bad #undef {rest:?}"))?;
                    env.defs.remove(name);
                }
                "include" => {
                    let target = rest.trim();
                    match rules::HEADER_INCLUDES
                        .iter()
                        .find(|(inc, _)| *inc == target)
                    {
                        Some((_, Some(file))) => run_header(root, file, env, out, depth + 1)?,
                        Some((_, None)) => {}
                        None => {
                            return Err(format!(
                                "{at}: #include {target} is not in HEADER_INCLUDES"
                            ))
                        }
                    }
                }
                "error" => return Err(format!("{at}: #error {rest}")),
                _ => {}
            }
            continue;
        }
        match conds.active() {
            Some(true) => {}
            Some(false) => continue,
            None => return Err(format!("{at}: cannot decide whether this line is active")),
        }
        let t = ll.text.trim();
        let Some((mac, rest)) = cpp::leading_ident(t) else {
            continue;
        };
        // Which argument is the 64-bit native entry point.
        let pick = match mac {
            "__SYSCALL" => 1,      // (nr, sym)
            "__SC_3264" => 2,      // (nr, _32, _64)
            "__SC_COMP" => 1,      // (nr, sys, compat)
            "__SC_COMP_3264" => 2, // (nr, _32, _64, compat)
            _ => continue,
        };
        let inner = rest
            .trim()
            .strip_prefix('(')
            .and_then(|r| r.trim_end().trim_end_matches(';').strip_suffix(')'))
            .ok_or_else(|| format!("{at}: cannot parse {t:?}"))?;
        let args: Vec<&str> = inner.split(',').map(str::trim).collect();
        let want = match mac {
            "__SYSCALL" => 2,
            "__SC_COMP_3264" => 4,
            _ => 3,
        };
        if args.len() != want || !args.iter().all(|a| is_ident(a)) {
            return Err(format!("{at}: {mac} needs {want} identifiers: {t:?}"));
        }
        out.push(RawRow {
            nr_macro: args[0].to_string(),
            entry: args[pick].to_string(),
            at,
        });
    }
    if conds.depth() != 0 {
        return Err(format!("{rel}: unterminated #if"));
    }
    Ok(())
}

/// Errno names by value from `errno-base.h` and `errno.h`. Aliases
/// (`#define EWOULDBLOCK EAGAIN`) are skipped so the primary name wins.
pub fn errno_names(root: &Path) -> Result<Vec<String>, String> {
    let mut by_value: BTreeMap<usize, String> = BTreeMap::new();
    for rel in rules::ERRNO_HEADERS {
        let text = cpp::strip_comments(&read(root, rel)?);
        for ll in cpp::logical_lines(&text) {
            let Some(("define", rest)) = cpp::directive(&ll.text) else {
                continue;
            };
            let Some((name, body)) = cpp::leading_ident(rest) else {
                continue;
            };
            let body = body.trim();
            if !name.starts_with('E') || body.is_empty() {
                continue; // include guards
            }
            if is_ident(body) {
                continue; // an alias of an earlier name
            }
            let v: usize = body
                .parse()
                .map_err(|e| format!("{rel}:{}: {name} = {body:?}: {e}", ll.line))?;
            if let Some(old) = by_value.insert(v, name.to_string()) {
                return Err(format!("{rel}:{}: {name} and {old} are both {v}", ll.line));
            }
        }
    }
    let max = by_value.keys().next_back().copied().unwrap_or(0);
    let mut names = vec![String::new(); max + 1];
    for (v, n) in by_value {
        names[v] = n;
    }
    Ok(names)
}
