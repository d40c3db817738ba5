//! The array a PHP config file returns (`return [ 'default' => env('DB_CONNECTION', 'pgsql'),
//! … ];`), read as data: string keys, string values, `env('NAME', 'fallback')` calls and nested
//! arrays. Anything else (a function call, a constant, a concatenation) is kept as `Other`, so a
//! config file is never run or guessed at, and comments are never read as settings.

/// A value in a config array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Php {
    Str(String),
    /// `env('NAME')` or `env('NAME', 'fallback')`.
    Env {
        var: String,
        fallback: Option<String>,
    },
    /// `[ … ]` or `array( … )`; entries without a key (a list) have `None`.
    Array(Vec<(Option<String>, Php)>),
    Other,
}

impl Php {
    pub(crate) fn get(&self, key: &str) -> Option<&Php> {
        match self {
            Php::Array(entries) => entries
                .iter()
                .find(|(k, _)| k.as_deref() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Str(String),
    Word(String),
    Arrow,
    Comma,
    Open(char),
    Close,
    Semicolon,
    Other,
}

/// PHP source as tokens: comments dropped, strings unquoted. Only what an array literal needs
/// is told apart; every other character is `Other`.
fn tokens(src: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '#' => skip_line(&mut chars),
            '/' if chars.peek().map(|p| p.1) == Some('/') => skip_line(&mut chars),
            '/' if chars.peek().map(|p| p.1) == Some('*') => {
                chars.next();
                let mut last = ' ';
                for (_, n) in chars.by_ref() {
                    if last == '*' && n == '/' {
                        break;
                    }
                    last = n;
                }
            }
            '\'' | '"' => {
                let mut s = String::new();
                while let Some((_, n)) = chars.next() {
                    if n == '\\' {
                        match chars.next() {
                            Some((_, e)) if e == c || e == '\\' => s.push(e),
                            Some((_, e)) => {
                                s.push('\\');
                                s.push(e);
                            }
                            None => break,
                        }
                    } else if n == c {
                        break;
                    } else {
                        s.push(n);
                    }
                }
                out.push(Tok::Str(s));
            }
            '=' if chars.peek().map(|p| p.1) == Some('>') => {
                chars.next();
                out.push(Tok::Arrow);
            }
            ',' => out.push(Tok::Comma),
            ';' => out.push(Tok::Semicolon),
            '[' | '(' | '{' => out.push(Tok::Open(c)),
            ']' | ')' | '}' => out.push(Tok::Close),
            c if c.is_alphanumeric() || c == '_' || c == '\\' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, n)) = chars.peek() {
                    if !(n.is_alphanumeric() || n == '_' || n == '\\') {
                        break;
                    }
                    end = j + n.len_utf8();
                    chars.next();
                }
                out.push(Tok::Word(src[i..end].to_string()));
            }
            _ => out.push(Tok::Other),
        }
    }
    out
}

fn skip_line(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    for (_, n) in chars.by_ref() {
        if n == '\n' {
            break;
        }
    }
}

/// Nesting deeper than this is not a config file anyone wrote; the rest is read as `Other`.
const MAX_DEPTH: usize = 32;

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self, ahead: usize) -> Option<&Tok> {
        self.toks.get(self.at + ahead)
    }

    /// Skips one value that is not read as data, up to the `,` or closing bracket that ends it.
    fn skip_value(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.toks.get(self.at) {
            match t {
                Tok::Open(_) => depth += 1,
                Tok::Close if depth == 0 => return,
                Tok::Close => depth -= 1,
                Tok::Comma | Tok::Semicolon if depth == 0 => return,
                _ => {}
            }
            self.at += 1;
        }
    }

    /// Does the value just read end here (so it was the whole value, not the start of an
    /// expression such as `'a' . 'b'`)?
    fn value_ends(&self) -> bool {
        matches!(
            self.peek(0),
            None | Some(Tok::Comma | Tok::Close | Tok::Semicolon)
        )
    }

    fn value(&mut self, depth: usize) -> Php {
        let start = self.at;
        let v = match (self.peek(0), self.peek(1)) {
            (Some(Tok::Open('[')), _) if depth < MAX_DEPTH => {
                self.at += 1;
                self.array(depth + 1)
            }
            (Some(Tok::Word(w)), Some(Tok::Open('(')))
                if w.eq_ignore_ascii_case("array") && depth < MAX_DEPTH =>
            {
                self.at += 2;
                self.array(depth + 1)
            }
            (Some(Tok::Word(w)), Some(Tok::Open('('))) if w == "env" || w == "\\env" => {
                self.at += 2;
                self.env_call()
            }
            (Some(Tok::Str(s)), _) => {
                let s = s.clone();
                self.at += 1;
                Php::Str(s)
            }
            _ => Php::Other,
        };
        if v == Php::Other || !self.value_ends() {
            self.at = start;
            self.skip_value();
            return Php::Other;
        }
        v
    }

    /// After `env(`: the variable and its fallback when both are plain strings.
    fn env_call(&mut self) -> Php {
        let Some(Tok::Str(var)) = self.peek(0).cloned() else {
            return Php::Other;
        };
        self.at += 1;
        let fallback = match (self.peek(0), self.peek(1), self.peek(2)) {
            (Some(Tok::Close), _, _) => {
                self.at += 1;
                None
            }
            (Some(Tok::Comma), Some(Tok::Str(s)), Some(Tok::Close)) => {
                let s = s.clone();
                self.at += 3;
                Some(s)
            }
            _ => return Php::Other,
        };
        Php::Env { var, fallback }
    }

    /// After the opening bracket: entries up to the matching close.
    fn array(&mut self, depth: usize) -> Php {
        let mut entries = Vec::new();
        loop {
            match self.peek(0) {
                None => return Php::Other,
                Some(Tok::Close) => {
                    self.at += 1;
                    return Php::Array(entries);
                }
                Some(Tok::Comma) => {
                    self.at += 1;
                    continue;
                }
                _ => {}
            }
            let key = match (self.peek(0), self.peek(1)) {
                (Some(Tok::Str(k)), Some(Tok::Arrow)) => {
                    let k = k.clone();
                    self.at += 2;
                    Some(k)
                }
                _ => None,
            };
            let before = self.at;
            let v = self.value(depth);
            if key.is_none() && self.peek(0) == Some(&Tok::Arrow) {
                // a key that is not a plain string (`PDO::ATTR_SSL_CA => …`)
                self.at += 1;
                self.value(depth);
                entries.push((None, Php::Other));
                continue;
            }
            if self.at == before && !matches!(self.peek(0), Some(Tok::Close) | None) {
                // a stray `;` or `=>`: step over it so the loop always moves
                self.at += 1;
            }
            entries.push((key, v));
        }
    }
}

/// The array after the file's first top-level `return`, or None when there is none.
pub(crate) fn returned_array(src: &str) -> Option<Php> {
    let toks = tokens(src);
    let at = toks
        .iter()
        .position(|t| matches!(t, Tok::Word(w) if w == "return"))?;
    let mut p = Parser { toks, at: at + 1 };
    match p.value(0) {
        v @ Php::Array(_) => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Php {
        Php::Str(v.to_string())
    }

    #[test]
    fn reads_a_laravel_database_config() {
        let src = r#"<?php
use Illuminate\Support\Str;

return [
    // 'default' => 'mysql',
    'default' => env('DB_CONNECTION', 'pgsql'),
    'connections' => [
        'sqlite' => [
            'driver' => 'sqlite',
            'database' => env('DB_DATABASE', database_path('database.sqlite')),
        ],
        'pgsql' => [
            'driver' => 'pgsql',
            'prefix' => '',
            'options' => extension_loaded('pdo_mysql') ? array_filter([
                PDO::MYSQL_ATTR_SSL_CA => env('MYSQL_ATTR_SSL_CA'),
            ]) : [],
        ],
    ],
    /* 'redis' => [], */
    'redis' => array(
        'client' => env("REDIS_CLIENT", "phpredis"),
        'options' => [
            'prefix' => env('REDIS_PREFIX', Str::slug(env('APP_NAME', 'laravel'), '_').'_database_'),
        ],
    ),
];
"#;
        let a = returned_array(src).unwrap();
        assert_eq!(
            a.get("default"),
            Some(&Php::Env {
                var: "DB_CONNECTION".into(),
                fallback: Some("pgsql".into())
            })
        );
        let pgsql = a.get("connections").and_then(|c| c.get("pgsql")).unwrap();
        assert_eq!(pgsql.get("driver"), Some(&s("pgsql")));
        assert_eq!(pgsql.get("options"), Some(&Php::Other));
        let sqlite = a.get("connections").and_then(|c| c.get("sqlite")).unwrap();
        assert_eq!(sqlite.get("database"), Some(&Php::Other));
        let redis = a.get("redis").unwrap();
        assert_eq!(
            redis.get("client"),
            Some(&Php::Env {
                var: "REDIS_CLIENT".into(),
                fallback: Some("phpredis".into())
            })
        );
        assert_eq!(
            redis.get("options").and_then(|o| o.get("prefix")),
            Some(&Php::Other)
        );
        assert!(matches!(&a, Php::Array(e) if e.len() == 3));
    }

    #[test]
    fn expressions_are_not_values() {
        let a =
            returned_array("<?php return ['a' => 'x' . 'y', 'b' => env('B'), 'c' => 1];").unwrap();
        assert_eq!(a.get("a"), Some(&Php::Other));
        assert_eq!(
            a.get("b"),
            Some(&Php::Env {
                var: "B".into(),
                fallback: None
            })
        );
        assert_eq!(a.get("c"), Some(&Php::Other));
    }

    #[test]
    fn broken_input_ends() {
        for src in [
            "",
            "return",
            "return [",
            "return ['a' =>",
            "return [=> => ,;",
            "return ['a' => [[[",
            "return ['x' => env(",
            "return [1 => 2, 'k' => 'v'",
        ] {
            let _ = returned_array(src);
        }
        let deep = format!("return {}'x'{};", "[".repeat(10_000), "]".repeat(10_000));
        assert!(returned_array(&deep).is_some());
        assert_eq!(returned_array("<?php echo 'hi';"), None);
    }
}
