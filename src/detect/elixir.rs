//! Elixir: dependency tuples in mix.exs (`{:postgrex, ">= 0.0.0"}`), including umbrella
//! apps found a few levels down.

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::path::file_name;

const SRC: Basis = Basis::Driver(Eco::Elixir);

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    for f in files.iter().filter(|f| file_name(f) == "mix.exs") {
        mix_exs(ctx, f);
    }
}

/// Source with comments blanked out and strings kept, so `# {:redix, …}` is no dependency.
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut in_str: Option<char> = None;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match in_str {
            Some(q) => {
                out.push(c);
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else if c == q {
                    in_str = None;
                }
            }
            None => match c {
                '"' | '\'' => {
                    in_str = Some(c);
                    out.push(c);
                }
                // `?#` is the character literal for '#'
                '?' if chars.peek() == Some(&'#') => {
                    out.push(c);
                    chars.next();
                    out.push('_');
                }
                '#' => {
                    for n in chars.by_ref() {
                        if n == '\n' {
                            out.push('\n');
                            break;
                        }
                    }
                }
                _ => out.push(c),
            },
        }
    }
    out
}

/// `{:name, …}` tuples of the dependencies detection cares about: (name, tuple text).
fn tuples(src: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '{' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        if chars.get(j) != Some(&':') {
            i += 1;
            continue;
        }
        let name: String = chars[j + 1..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_')
            .collect();
        if !matches!(name.as_str(), "postgrex" | "redix" | "myxql") {
            i += 1;
            continue;
        }
        // The matching close brace, skipping strings. A dependency tuple is short;
        // bounding the scan keeps unbalanced input linear.
        let limit = chars.len().min(i + 1024);
        let mut depth = 0;
        let mut k = i;
        let mut in_str: Option<char> = None;
        while k < limit {
            let c = chars[k];
            match in_str {
                Some(_) if c == '\\' => k += 1,
                Some(q) if c == q => in_str = None,
                Some(_) => {}
                None => match c {
                    '"' | '\'' => in_str = Some(c),
                    '{' | '[' | '(' => depth += 1,
                    '}' | ']' | ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                },
            }
            k += 1;
        }
        if k >= limit {
            // unbalanced: not a dependency tuple
            i += 1;
            continue;
        }
        out.push((name, chars[i..=k].iter().collect()));
        i = k + 1;
    }
    out
}

/// Environments in `only: :prod` / `only: [:dev, :test]`; None when unrestricted.
fn only_envs(tuple: &str) -> Option<Vec<String>> {
    let idx = tuple.find("only:")?;
    let rest = tuple[idx + 5..].trim_start();
    let list = if let Some(inner) = rest.strip_prefix('[') {
        inner.split(']').next().unwrap_or("")
    } else {
        rest.split([',', '}']).next().unwrap_or("")
    };
    Some(
        list.split(',')
            .map(|e| e.trim().trim_start_matches(':').to_string())
            .filter(|e| !e.is_empty())
            .collect(),
    )
}

fn mix_exs(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let code = strip_comments(&text);
    for (name, tuple) in tuples(&code) {
        let service = match name.as_str() {
            "postgrex" => Service::Postgres,
            "redix" => Service::Redis,
            "myxql" => {
                if only_envs(&tuple).is_none() {
                    ctx.alt_sql(Eco::Elixir, file, "myxql");
                }
                continue;
            }
            _ => continue,
        };
        let reason = format!("dependency :{name}");
        let compact: String = tuple.split_whitespace().collect::<Vec<_>>().join(" ");
        let weight_reason = match only_envs(&tuple) {
            Some(envs) if !envs.iter().any(|e| e == "dev" || e == "test") => Some(format!(
                "{reason} (only: {})",
                envs.iter()
                    .map(|e| format!(":{e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ if compact.contains("optional: true") => Some(format!("{reason} (optional: true)")),
            _ => None,
        };
        match weight_reason {
            Some(r) => ctx.hit(service, file, r, Weight::Optional, SRC),
            None => ctx.hit(service, file, reason, Weight::Needed, SRC),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_and_only() {
        let src = strip_comments(
            "defp deps do\n  [\n    # {:redix, \"~> 1\"},\n    {:postgrex, \">= 0.0.0\",\n      only: [:prod]},\n    {:phoenix, \"~> 1.7\"}\n  ]\nend\n",
        );
        let t = tuples(&src);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].0, "postgrex");
        assert_eq!(only_envs(&t[0].1), Some(vec!["prod".to_string()]));
        assert_eq!(only_envs("{:phoenix, \"~> 1.7\"}"), None);
        assert_eq!(
            only_envs("{:x, only: :test}"),
            Some(vec!["test".to_string()])
        );
    }
}
