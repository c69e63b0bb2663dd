//! Finds every `SYSCALL_DEFINEn(name, type, arg, ...)` in the C sources and
//! picks the one definition that applies to an architecture.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::cpp::{self, CondStack, Env, Val};
use crate::rules;

/// One parameter, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub ty: String,
    pub name: String,
}

/// One `SYSCALL_DEFINEn` found in the sources.
#[derive(Debug, Clone)]
pub struct Def {
    /// Path relative to the source root, with `/` separators.
    pub path: String,
    pub line: usize,
    /// The `n` of `SYSCALL_DEFINEn`.
    pub n: u8,
    /// The parsed parameters, or why they could not be parsed.
    pub params: Result<Vec<Param>, String>,
    /// The `#if` branches around the definition, outermost first: per level,
    /// the conditions of the earlier branches and then of the current one
    /// (`None` for `#else`).
    pub guards: Vec<Vec<Option<String>>>,
}

impl Def {
    pub fn location(&self) -> String {
        format!("{}:{}", self.path, self.line)
    }
}

/// All definitions, by syscall name (`foo` of `SYSCALL_DEFINEn(foo, ...)`).
#[derive(Default)]
pub struct DefIndex {
    pub by_name: BTreeMap<String, Vec<Def>>,
    pub files_scanned: usize,
}

/// Which part of the tree a file belongs to.
fn arch_of(rel: &str) -> Option<&str> {
    rel.strip_prefix("arch/").and_then(|r| r.split('/').next())
}

impl DefIndex {
    /// Scans every `*.c` file under `root` outside `arch/`, and those under
    /// `arch/<dir>/` for each `dir` in `arch_dirs`, minus
    /// [`rules::EXCLUDED_PATHS`].
    pub fn scan(root: &Path, arch_dirs: &[&str]) -> Result<DefIndex, String> {
        let mut idx = DefIndex::default();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries =
                fs::read_dir(&dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
                let path = entry.path();
                let rel = path
                    .strip_prefix(root)
                    .map_err(|e| format!("{}: {e}", path.display()))?
                    .to_string_lossy()
                    .replace('\\', "/");
                let ft = entry
                    .file_type()
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                if ft.is_dir() {
                    let rel_dir = format!("{rel}/");
                    if rules::EXCLUDED_PATHS
                        .iter()
                        .any(|(p, _)| rel_dir.starts_with(p))
                    {
                        continue;
                    }
                    if let Some(a) = arch_of(&rel_dir) {
                        if !a.is_empty() && !arch_dirs.contains(&a) {
                            continue;
                        }
                    }
                    stack.push(path);
                } else if ft.is_file() && rel.ends_with(".c") {
                    let bytes =
                        fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
                    idx.files_scanned += 1;
                    let text = String::from_utf8_lossy(&bytes);
                    if text.contains("SYSCALL_DEFINE") {
                        idx.scan_file(&rel, &text)
                            .map_err(|e| format!("{rel}: {e}"))?;
                    }
                }
            }
        }
        for defs in idx.by_name.values_mut() {
            defs.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        }
        Ok(idx)
    }

    fn scan_file(&mut self, rel: &str, text: &str) -> Result<(), String> {
        let stripped = cpp::strip_comments(text);
        let lines = cpp::logical_lines(&stripped);
        // Per open `#if`: the condition of each branch so far (`None` for
        // `#else`); evaluated per architecture at lookup time.
        let mut guards: Vec<Vec<Option<String>>> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let ll = &lines[i];
            i += 1;
            if let Some((kw, rest)) = cpp::directive(&ll.text) {
                let ident = || cpp::leading_ident(rest).map(|(n, _)| n).unwrap_or("");
                let branch_err = || format!("line {}: #{kw} without #if", ll.line);
                match kw {
                    "if" => guards.push(vec![Some(rest.to_string())]),
                    "ifdef" => guards.push(vec![Some(format!("defined({})", ident()))]),
                    "ifndef" => guards.push(vec![Some(format!("!defined({})", ident()))]),
                    "elif" => guards
                        .last_mut()
                        .ok_or_else(branch_err)?
                        .push(Some(rest.to_string())),
                    "else" => guards.last_mut().ok_or_else(branch_err)?.push(None),
                    "endif" => {
                        guards.pop().ok_or_else(branch_err)?;
                    }
                    _ => {}
                }
                continue;
            }
            let t = ll.text.trim_start();
            let Some(after) = t.strip_prefix("SYSCALL_DEFINE") else {
                continue;
            };
            let Some(n) = after.chars().next().and_then(|c| c.to_digit(10)) else {
                continue;
            };
            let after = after[1..].trim_start();
            if !after.starts_with('(') {
                continue;
            }
            // Gather the argument list, which may span several lines.
            let mut buf = after[1..].to_string();
            let args = loop {
                if let Some(inner) = balanced_prefix(&buf) {
                    break inner.to_string();
                }
                let next = lines
                    .get(i)
                    .ok_or_else(|| format!("line {}: unterminated SYSCALL_DEFINE{n}(", ll.line))?;
                if cpp::directive(&next.text).is_some() {
                    return Err(format!(
                        "line {}: preprocessor directive inside SYSCALL_DEFINE{n}(",
                        ll.line
                    ));
                }
                buf.push(' ');
                buf.push_str(&next.text);
                i += 1;
            };
            let parts = split_top_level(&args);
            let name = parts.first().map(|s| s.trim()).unwrap_or("");
            if !is_ident(name) {
                return Err(format!(
                    "line {}: SYSCALL_DEFINE{n} with a strange name {name:?}",
                    ll.line
                ));
            }
            let def = Def {
                path: rel.to_string(),
                line: ll.line,
                n: n as u8,
                params: parse_params(n as usize, &parts[1..]),
                guards: guards.clone(),
            };
            self.by_name.entry(name.to_string()).or_default().push(def);
        }
        Ok(())
    }

    /// The definition of `name` that applies to `arch_dir` (the directory
    /// under `arch/`), after the duplicate rules. `Ok(None)` when there is none.
    /// `configs` are the config options known for this architecture.
    pub fn lookup(
        &self,
        name: &str,
        arch_dir: &str,
        configs: &[(&str, bool)],
        log: &mut Vec<String>,
    ) -> Result<Option<&Def>, String> {
        let Some(all) = self.by_name.get(name) else {
            return Ok(None);
        };
        let mut cands: Vec<&Def> = all
            .iter()
            .filter(|d| arch_of(&d.path).is_none_or(|a| a == arch_dir))
            .collect();
        if cands.len() > 1 {
            let env = ConfigEnv(configs);
            let (dead, live): (Vec<&Def>, Vec<&Def>) = cands
                .iter()
                .partition(|d| guards_active(&d.guards, &env) == Some(false));
            if !live.is_empty() && !dead.is_empty() {
                for d in &dead {
                    log.push(format!(
                        "{name}: ignored {} (compiled out by ARCH_CONFIGS: {})",
                        d.location(),
                        describe_guards(&d.guards)
                    ));
                }
                cands = live;
            }
        }
        if cands.len() > 1 {
            let (losers, winners): (Vec<&Def>, Vec<&Def>) = cands
                .iter()
                .partition(|d| rules::LOSING_FILES.iter().any(|(f, _)| d.path == *f));
            if !winners.is_empty() && !losers.is_empty() {
                for d in &losers {
                    log.push(format!(
                        "{name}: ignored {} (listed in LOSING_FILES)",
                        d.location()
                    ));
                }
                cands = winners;
            }
        }
        if cands.len() > 1 {
            let first = cands[0];
            if cands
                .iter()
                .all(|d| d.n == first.n && d.params == first.params)
            {
                let others: Vec<String> = cands[1..].iter().map(|d| d.location()).collect();
                log.push(format!(
                    "{name}: identical definitions, used {} (also {})",
                    first.location(),
                    others.join(", ")
                ));
                cands.truncate(1);
            } else {
                let locs: Vec<String> = cands.iter().map(|d| d.location()).collect();
                return Err(format!(
                    "{name}: {} different definitions for arch/{arch_dir} and no rule picks \
                     one: {}",
                    cands.len(),
                    locs.join(", ")
                ));
            }
        }
        Ok(cands.first().copied())
    }
}

/// Is code under `guards` compiled? `None` when it depends on unknowns.
fn guards_active(guards: &[Vec<Option<String>>], env: &ConfigEnv) -> Option<bool> {
    let mut conds = CondStack::default();
    let mut eval = |e: &str| Ok(cpp::eval(e, env, 0).ok().flatten().map(|v| v != 0));
    for level in guards {
        for (i, branch) in level.iter().enumerate() {
            let (kw, expr) = match (i, branch) {
                (0, Some(e)) => ("if", e.as_str()),
                (_, Some(e)) => ("elif", e.as_str()),
                (_, None) => ("else", ""),
            };
            // Cannot fail: every level starts with an `#if`.
            if conds.handle(kw, expr, &mut eval).is_err() {
                return None;
            }
        }
    }
    conds.active()
}

/// `#if a / #elif b` as text, for the log.
fn describe_guards(guards: &[Vec<Option<String>>]) -> String {
    let mut out = Vec::new();
    for level in guards {
        let mut s = String::new();
        for (i, branch) in level.iter().enumerate() {
            if i > 0 {
                s.push_str(" / ");
            }
            match (i, branch) {
                (0, Some(e)) => s.push_str(&format!("#if {e}")),
                (_, Some(e)) => s.push_str(&format!("#elif {e}")),
                (_, None) => s.push_str("#else"),
            }
        }
        out.push(s);
    }
    out.join(" > ")
}

/// How C sources are evaluated: only the architecture's [`rules::ARCH_CONFIGS`]
/// are known; everything else is unknown.
struct ConfigEnv<'a>(&'a [(&'a str, bool)]);

impl Env for ConfigEnv<'_> {
    fn defined(&self, name: &str) -> Option<bool> {
        self.0.iter().find(|(c, _)| *c == name).map(|(_, v)| *v)
    }

    fn value(&self, name: &str, _depth: u32) -> Result<Val, String> {
        Ok(self.defined(name).map(i64::from))
    }
}

/// If `s` (the text after an opening parenthesis) contains the matching
/// closing parenthesis, the text before it.
fn balanced_prefix(s: &str) -> Option<&str> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(&s[..i]),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

pub fn is_ident(s: &str) -> bool {
    cpp::leading_ident(s).is_some_and(|(id, rest)| id == s && rest.is_empty())
}

fn parse_params(n: usize, parts: &[&str]) -> Result<Vec<Param>, String> {
    if parts.len() == 1 && parts[0].trim().is_empty() && n == 0 {
        return Ok(Vec::new());
    }
    if parts.len() != 2 * n {
        return Err(format!(
            "SYSCALL_DEFINE{n} has {} type/name items, expected {}",
            parts.len(),
            2 * n
        ));
    }
    parts
        .chunks(2)
        .map(|pair| {
            let ty = normalise_type(pair[0])?;
            let name = pair[1].trim();
            if !is_ident(name) {
                return Err(format!("parameter name {name:?} is not an identifier"));
            }
            Ok(Param {
                ty,
                name: name.to_string(),
            })
        })
        .collect()
}

/// Collapses whitespace and spells pointers as `T *` / `T **` /
/// `T *const U *`: one space before a `*` (none between two `*`), none after.
/// A trailing `*const` (a const parameter variable) loses its `const`;
/// `const` elsewhere (`const char __user *`, `const int`) is kept.
pub fn normalise_type(raw: &str) -> Result<String, String> {
    let mut toks: Vec<&str> = Vec::new();
    let mut rest = raw.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('*') {
            toks.push("*");
            rest = r.trim_start();
        } else if let Some((id, r)) = cpp::leading_ident(rest) {
            toks.push(id);
            rest = r.trim_start();
        } else {
            return Err(format!("cannot parse parameter type {raw:?}"));
        }
    }
    // `T *const p`: the `const` qualifies the parameter variable, not what
    // the caller passes; drop it so every pointer type ends in `*`.
    while toks.len() >= 2 && toks[toks.len() - 1] == "const" && toks[toks.len() - 2] == "*" {
        toks.pop();
    }
    if toks.is_empty() {
        return Err("empty parameter type".into());
    }
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        if i > 0 && toks[i - 1] != "*" {
            out.push(' ');
        }
        out.push_str(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        let n = |s| normalise_type(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n(" const  char __user* "), "const char __user *");
        assert_eq!(n("unsigned\tint"), "unsigned int");
        assert_eq!(
            n("const char __user *const __user *"),
            "const char __user *const __user *"
        );
        assert_eq!(
            n("struct iocb __user * __user *"),
            "struct iocb __user *__user *"
        );
        assert_eq!(n("const void __user *const"), "const void __user *");
        assert_eq!(n("const int"), "const int");
        assert!(normalise_type("int[2]").is_err());
    }

    #[test]
    fn params_and_guards() {
        let mut idx = DefIndex::default();
        let src = "/* SYSCALL_DEFINE1(no, int, x) */\n\
                   #ifdef CONFIG_CLONE_BACKWARDS\n\
                   SYSCALL_DEFINE2(f, int, a,\n   char __user *, b)\n\
                   #else\n\
                   SYSCALL_DEFINE2(f, char __user *, b, int, a)\n\
                   #endif\n\
                   COMPAT_SYSCALL_DEFINE1(g, int, x)\n\
                   SYSCALL_DEFINE0(h)\n";
        idx.scan_file("kernel/x.c", src)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!idx.by_name.contains_key("no") && !idx.by_name.contains_key("g"));
        let mut log = Vec::new();
        let on = [("CONFIG_CLONE_BACKWARDS", true)];
        let off = [("CONFIG_CLONE_BACKWARDS", false)];
        let first = |cfg: &[(&str, bool)], log: &mut Vec<String>| {
            idx.lookup("f", "x86", cfg, log)
                .ok()
                .flatten()
                .map(|d| d.line)
        };
        assert_eq!(first(&on, &mut log), Some(3));
        assert_eq!(first(&off, &mut log), Some(6));
        assert!(idx.lookup("f", "x86", &[], &mut log).is_err());
        let h = idx.lookup("h", "x86", &[], &mut log).ok().flatten();
        assert_eq!(h.map(|d| (d.n, d.params.clone())), Some((0, Ok(vec![]))));
    }
}
