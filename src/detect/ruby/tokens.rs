//! A small Ruby tokenizer: enough of the language (strings, symbols, `%i[]` arrays, comments,
//! bracket nesting) to read a Gemfile or gemspec statement by statement.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Str(String),
    Sym(String),
    Ident(String),
    /// `key:` in a hash argument
    Label(String),
    Arrow,
    /// `%i[a b]`, `%w(a b)`
    Words(Vec<String>),
    Punct(char),
}

/// Tokenizes Ruby source. Returns the tokens and whether the text ended inside an
/// open bracket (so the statement continues on the next line).
pub(super) fn tokenize(src: &str) -> (Vec<Tok>, bool) {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut depth: i32 = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                // comment to end of line
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '"' | '\'' | '`' => {
                let (s, next) = read_quoted(&chars, i + 1, c);
                toks.push(Tok::Str(s));
                i = next;
            }
            '%' if i + 2 < chars.len() && "qQiIwW".contains(chars[i + 1]) => {
                let kind = chars[i + 1];
                let open = chars[i + 2];
                let close = match open {
                    '[' => ']',
                    '(' => ')',
                    '{' => '}',
                    '<' => '>',
                    other => other,
                };
                let mut j = i + 3;
                let mut body = String::new();
                while j < chars.len() && chars[j] != close {
                    body.push(chars[j]);
                    j += 1;
                }
                if "qQ".contains(kind) {
                    toks.push(Tok::Str(body));
                } else {
                    toks.push(Tok::Words(
                        body.split_whitespace().map(str::to_string).collect(),
                    ));
                }
                i = j + 1;
            }
            ':' if i + 1 < chars.len() && chars[i + 1] == '"' => {
                let (s, next) = read_quoted(&chars, i + 2, '"');
                toks.push(Tok::Sym(s));
                i = next;
            }
            ':' if i + 1 < chars.len() && is_ident_start(chars[i + 1]) => {
                let (s, next) = read_ident(&chars, i + 1);
                toks.push(Tok::Sym(s));
                i = next;
            }
            '=' if i + 1 < chars.len() && chars[i + 1] == '>' => {
                toks.push(Tok::Arrow);
                i += 2;
            }
            c if is_ident_start(c) => {
                let (s, next) = read_ident(&chars, i);
                // `key:` but not `Foo::Bar`
                if next < chars.len()
                    && chars[next] == ':'
                    && chars.get(next + 1).is_none_or(|n| *n != ':')
                {
                    toks.push(Tok::Label(s));
                    i = next + 1;
                } else {
                    toks.push(Tok::Ident(s));
                    i = next;
                }
            }
            c if c.is_whitespace() => i += 1,
            c => {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    _ => {}
                }
                toks.push(Tok::Punct(c));
                i += 1;
            }
        }
    }
    (toks, depth > 0)
}

pub(super) fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

pub(super) fn read_ident(chars: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        s.push(chars[i]);
        i += 1;
    }
    // predicate and bang methods: `respond_to?`, `gem!`
    if i < chars.len() && (chars[i] == '?' || chars[i] == '!') {
        s.push(chars[i]);
        i += 1;
    }
    (s, i)
}

pub(super) fn read_quoted(chars: &[char], mut i: usize, quote: char) -> (String, usize) {
    let mut s = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            s.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == quote {
            return (s, i + 1);
        }
        s.push(c);
        i += 1;
    }
    (s, i)
}

/// Joins physical lines into statements: a statement goes on while a bracket is open or
/// the line ends with `,` or `\` (`gem "pg",\n  "~> 1.5"`).
pub(super) fn statements(text: &str) -> Vec<Vec<Tok>> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut lines_in_pending = 0;
    for line in text.lines() {
        pending.push_str(line);
        pending.push('\n');
        lines_in_pending += 1;
        let (toks, open) = tokenize(&pending);
        let trailing = line.trim_end();
        let continues = open
            || trailing.ends_with('\\')
            || matches!(toks.last(), Some(Tok::Punct(',')) | Some(Tok::Arrow));
        if continues && lines_in_pending < 30 {
            continue;
        }
        if !toks.is_empty() {
            out.push(toks);
        }
        pending.clear();
        lines_in_pending = 0;
    }
    if !pending.is_empty() {
        let (toks, _) = tokenize(&pending);
        if !toks.is_empty() {
            out.push(toks);
        }
    }
    out
}

pub(super) fn ident(t: &Tok) -> Option<&str> {
    match t {
        Tok::Ident(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_handles_ruby_forms() {
        let (t, open) = tokenize("gem 'pg', \"~> 1\", platforms: %i[mri windows] # c \"x\"");
        assert!(!open);
        assert_eq!(t[0], Tok::Ident("gem".into()));
        assert_eq!(t[1], Tok::Str("pg".into()));
        assert!(t.contains(&Tok::Label("platforms".into())));
        assert!(t.contains(&Tok::Words(vec!["mri".into(), "windows".into()])));
        assert!(!t.contains(&Tok::Str("x".into())));
        let (_, open) = tokenize("gem('pg',");
        assert!(open);
    }
}
