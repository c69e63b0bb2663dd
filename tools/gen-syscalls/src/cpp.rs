//! Just enough of the C preprocessor for the generator: comment stripping,
//! logical lines, `#if` expressions with an optional "unknown" value, and a
//! conditional stack.

/// A value of a preprocessor expression; `None` means "cannot be known"
/// (used when scanning C sources, where most `CONFIG_*` symbols are unknown).
pub type Val = Option<i64>;

/// What the evaluator needs to know about macros.
pub trait Env {
    /// `defined(name)`: `Some(true/false)` or `None` when unknown.
    fn defined(&self, name: &str) -> Option<bool>;
    /// The value of an identifier in an `#if` expression.
    fn value(&self, name: &str, depth: u32) -> Result<Val, String>;
}

/// Replaces comments by spaces, keeping newlines (so line numbers stay right).
/// String and character literals are left as they are.
pub fn strip_comments(src: &str) -> String {
    #[derive(PartialEq)]
    enum S {
        Code,
        Line,
        Block,
        Str(char),
    }
    let mut out = String::with_capacity(src.len());
    let mut st = S::Code;
    let mut it = src.chars().peekable();
    while let Some(c) = it.next() {
        match st {
            S::Code => match c {
                '/' if it.peek() == Some(&'/') => {
                    it.next();
                    out.push_str("  ");
                    st = S::Line;
                }
                '/' if it.peek() == Some(&'*') => {
                    it.next();
                    out.push_str("  ");
                    st = S::Block;
                }
                '"' | '\'' => {
                    out.push(c);
                    st = S::Str(c);
                }
                _ => out.push(c),
            },
            S::Line => {
                if c == '\n' {
                    out.push('\n');
                    st = S::Code;
                } else {
                    out.push(' ');
                }
            }
            S::Block => {
                if c == '*' && it.peek() == Some(&'/') {
                    it.next();
                    out.push_str("  ");
                    st = S::Code;
                } else if c == '\n' {
                    out.push('\n');
                } else {
                    out.push(' ');
                }
            }
            S::Str(q) => {
                out.push(c);
                if c == '\\' {
                    if let Some(n) = it.next() {
                        out.push(n);
                    }
                } else if c == q || c == '\n' {
                    st = S::Code;
                }
            }
        }
    }
    out
}

/// One logical line (backslash continuations joined) and its 1-based first
/// physical line number.
pub struct LogicalLine {
    pub line: usize,
    pub text: String,
}

pub fn logical_lines(src: &str) -> Vec<LogicalLine> {
    let mut out = Vec::new();
    let mut cur: Option<LogicalLine> = None;
    for (i, raw) in src.lines().enumerate() {
        let (body, cont) = match raw.trim_end().strip_suffix('\\') {
            Some(b) => (b, true),
            None => (raw, false),
        };
        let ll = cur.get_or_insert_with(|| LogicalLine {
            line: i + 1,
            text: String::new(),
        });
        if !ll.text.is_empty() {
            ll.text.push(' ');
        }
        ll.text.push_str(body);
        if !cont {
            out.extend(cur.take());
        }
    }
    out.extend(cur);
    out
}

/// A preprocessor directive, split into its keyword and the rest.
pub fn directive(text: &str) -> Option<(&str, &str)> {
    let rest = text.trim_start().strip_prefix('#')?.trim_start();
    let end = rest
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(rest.len());
    Some((&rest[..end], rest[end..].trim()))
}

/// The first identifier of `s` (after leading spaces) and the rest.
pub fn leading_ident(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(s.len());
    if end == 0 || s.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    Some((&s[..end], &s[end..]))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(i64),
    Op(&'static str),
}

const OPS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "!", "(", ")", "+", "-", "*", "/", "%", "<",
    ">", "~", "&", "|", "^", "?", ":", ",",
];

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            toks.push(Tok::Ident(s[st..i].to_string()));
        } else if c.is_ascii_digit() {
            let st = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let lit = s[st..i].trim_end_matches(['u', 'U', 'l', 'L']);
            let v = if let Some(h) = lit.strip_prefix("0x").or_else(|| lit.strip_prefix("0X")) {
                i64::from_str_radix(h, 16)
            } else if lit.len() > 1 && lit.starts_with('0') {
                i64::from_str_radix(&lit[1..], 8)
            } else {
                lit.parse()
            };
            toks.push(Tok::Num(v.map_err(|e| {
                format!("bad number {:?} in {:?}: {e}", &s[st..i], s)
            })?));
        } else {
            let op = OPS
                .iter()
                .find(|op| s[i..].starts_with(**op))
                .ok_or_else(|| format!("unexpected character {:?} in {:?}", c as char, s))?;
            toks.push(Tok::Op(op));
            i += op.len();
        }
    }
    Ok(toks)
}

/// Evaluates a `#if` expression.
pub fn eval(expr: &str, env: &dyn Env, depth: u32) -> Result<Val, String> {
    if depth > 32 {
        return Err(format!("macro expansion too deep in {expr:?}"));
    }
    let toks = tokenize(expr)?;
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        env,
        depth,
    };
    let v = p.binary(0)?;
    if p.pos != toks.len() {
        return Err(format!("trailing tokens in #if expression {expr:?}"));
    }
    Ok(v)
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    env: &'a dyn Env,
    depth: u32,
}

fn truth(v: Val) -> Option<bool> {
    v.map(|x| x != 0)
}

fn from_bool(b: Option<bool>) -> Val {
    b.map(i64::from)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn expect(&mut self, op: &str) -> Result<(), String> {
        match self.toks.get(self.pos) {
            Some(Tok::Op(o)) if *o == op => {
                self.pos += 1;
                Ok(())
            }
            other => Err(format!("expected {op:?}, found {other:?}")),
        }
    }

    fn binary(&mut self, min_prec: u8) -> Result<Val, String> {
        let mut lhs = self.unary()?;
        while let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            let prec = match op {
                "||" => 1,
                "&&" => 2,
                "|" => 3,
                "^" => 4,
                "&" => 5,
                "==" | "!=" => 6,
                "<" | ">" | "<=" | ">=" => 7,
                "<<" | ">>" => 8,
                "+" | "-" => 9,
                "*" | "/" | "%" => 10,
                _ => break,
            };
            if prec < min_prec {
                break;
            }
            self.pos += 1;
            let rhs = self.binary(prec + 1)?;
            lhs = match op {
                "||" => match (truth(lhs), truth(rhs)) {
                    (Some(true), _) | (_, Some(true)) => Some(1),
                    (Some(false), Some(false)) => Some(0),
                    _ => None,
                },
                "&&" => match (truth(lhs), truth(rhs)) {
                    (Some(false), _) | (_, Some(false)) => Some(0),
                    (Some(true), Some(true)) => Some(1),
                    _ => None,
                },
                _ => match (lhs, rhs) {
                    (Some(a), Some(b)) => Some(match op {
                        "|" => a | b,
                        "^" => a ^ b,
                        "&" => a & b,
                        "==" => i64::from(a == b),
                        "!=" => i64::from(a != b),
                        "<" => i64::from(a < b),
                        ">" => i64::from(a > b),
                        "<=" => i64::from(a <= b),
                        ">=" => i64::from(a >= b),
                        "<<" => a.checked_shl(b as u32).ok_or("bad shift")?,
                        ">>" => a.checked_shr(b as u32).ok_or("bad shift")?,
                        "+" => a.wrapping_add(b),
                        "-" => a.wrapping_sub(b),
                        "*" => a.wrapping_mul(b),
                        "/" => a.checked_div(b).ok_or("division by zero")?,
                        _ => a.checked_rem(b).ok_or("division by zero")?,
                    }),
                    _ => None,
                },
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Val, String> {
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or("unexpected end of #if expression")?;
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Some(n)),
            Tok::Op("!") => Ok(from_bool(truth(self.unary()?).map(|b| !b))),
            Tok::Op("-") => Ok(self.unary()?.map(|v| -v)),
            Tok::Op("~") => Ok(self.unary()?.map(|v| !v)),
            Tok::Op("(") => {
                let v = self.binary(0)?;
                self.expect(")")?;
                Ok(v)
            }
            Tok::Ident(id) if id == "defined" => {
                let paren = matches!(self.peek(), Some(Tok::Op("(")));
                if paren {
                    self.pos += 1;
                }
                let name = match self.toks.get(self.pos) {
                    Some(Tok::Ident(n)) => n.clone(),
                    other => return Err(format!("defined needs a name, found {other:?}")),
                };
                self.pos += 1;
                if paren {
                    self.expect(")")?;
                }
                Ok(from_bool(self.env.defined(&name)))
            }
            Tok::Ident(id) => {
                if matches!(self.peek(), Some(Tok::Op("("))) {
                    // A function-like macro: IS_ENABLED(X) and friends mean
                    // "X is defined"; anything else is unknown.
                    self.pos += 1;
                    let start = self.pos;
                    let mut depth = 1;
                    while depth > 0 {
                        match self.toks.get(self.pos) {
                            Some(Tok::Op("(")) => depth += 1,
                            Some(Tok::Op(")")) => depth -= 1,
                            None => return Err("unbalanced parentheses".into()),
                            _ => {}
                        }
                        self.pos += 1;
                    }
                    let args = &self.toks[start..self.pos - 1];
                    return Ok(match (id.as_str(), args) {
                        ("IS_ENABLED" | "IS_BUILTIN" | "IS_REACHABLE", [Tok::Ident(n)]) => {
                            from_bool(self.env.defined(n))
                        }
                        _ => None,
                    });
                }
                self.env.value(&id, self.depth + 1)
            }
            Tok::Op(op) => Err(format!("unexpected {op:?} in #if expression")),
        }
    }
}

/// The state of nested `#if` blocks.
#[derive(Default)]
pub struct CondStack {
    /// Per level: (did an earlier branch hold?, does the current branch hold?)
    frames: Vec<(Option<bool>, Option<bool>)>,
}

impl CondStack {
    /// Is the current line compiled? `None` when it depends on unknowns.
    pub fn active(&self) -> Option<bool> {
        let mut all = Some(true);
        for &(prior, cur) in &self.frames {
            let here = match (prior, cur) {
                (Some(true), _) | (_, Some(false)) => Some(false),
                (Some(false), Some(true)) => Some(true),
                _ => None,
            };
            all = match (all, here) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
        }
        all
    }

    /// Handles a conditional directive; returns false for other directives.
    /// `eval` is called for `#if`/`#elif` expressions.
    pub fn handle(
        &mut self,
        kw: &str,
        rest: &str,
        eval: &mut dyn FnMut(&str) -> Result<Option<bool>, String>,
    ) -> Result<bool, String> {
        match kw {
            "if" => {
                let v = eval(rest)?;
                self.frames.push((Some(false), v));
            }
            "ifdef" | "ifndef" => {
                let name = leading_ident(rest).map(|(n, _)| n).unwrap_or("");
                let v = eval(&format!("defined({name})"))?;
                let v = if kw == "ifndef" { v.map(|b| !b) } else { v };
                self.frames.push((Some(false), v));
            }
            "elif" | "else" => {
                let v = if kw == "elif" {
                    eval(rest)?
                } else {
                    Some(true)
                };
                let f = self.frames.last_mut().ok_or(format!("#{kw} without #if"))?;
                f.0 = match (f.0, f.1) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
                f.1 = v;
            }
            "endif" => {
                self.frames.pop().ok_or("#endif without #if")?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub fn depth(&self) -> usize {
        self.frames.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Known;
    impl Env for Known {
        fn defined(&self, name: &str) -> Option<bool> {
            Some(name == "A" || name == "N")
        }
        fn value(&self, name: &str, _depth: u32) -> Result<Val, String> {
            Ok(Some(if name == "N" { 64 } else { 0 }))
        }
    }

    #[test]
    fn expressions() {
        let e = |s: &str| eval(s, &Known, 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e("defined(A) || N != 32"), Some(1));
        assert_eq!(e("defined(B) || N == 32"), Some(0));
        assert_eq!(e("!defined B && (N + 15) == 79"), Some(1));
        assert_eq!(e("IS_ENABLED(A)"), Some(1));
    }

    #[test]
    fn comments_and_lines() {
        let s = strip_comments("a /* x\ny */ b // c\n\"/*\" d");
        assert_eq!(s, "a     \n     b     \n\"/*\" d");
        let l = logical_lines("#define X \\\n  1\nY");
        assert_eq!((l[0].line, l[0].text.as_str()), (1, "#define X    1"));
        assert_eq!((l[1].line, l[1].text.as_str()), (3, "Y"));
    }
}
