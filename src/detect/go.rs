//! Go: every go.mod found (root, a few levels down, and go.work `use` directories).

use std::collections::HashSet;

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::path::{file_name, join, parent};

const SRC: Basis = Basis::Driver(Eco::Go);

enum Kind {
    Service(Service),
    AltSql,
    Fake(Service),
}

/// Module path without a major-version suffix: `github.com/jackc/pgx/v5` → `…/pgx`.
fn base_path(module: &str) -> &str {
    match module.rsplit_once('/') {
        Some((base, v))
            if v.len() > 1 && v.starts_with('v') && v[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => module,
    }
}

fn kind(module: &str) -> Option<Kind> {
    Some(match base_path(module) {
        "github.com/lib/pq"
        | "github.com/jackc/pgx"
        | "gorm.io/driver/postgres"
        | "github.com/go-pg/pg"
        | "github.com/uptrace/bun/driver/pgdriver" => Kind::Service(Service::Postgres),
        "github.com/redis/go-redis"
        | "github.com/go-redis/redis"
        | "github.com/gomodule/redigo"
        | "github.com/redis/rueidis" => Kind::Service(Service::Redis),
        "github.com/go-sql-driver/mysql" | "gorm.io/driver/mysql" => Kind::AltSql,
        "github.com/alicebob/miniredis" => Kind::Fake(Service::Redis),
        _ => return None,
    })
}

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    let mut mods: Vec<String> = files
        .iter()
        .filter(|f| file_name(f) == "go.mod")
        .cloned()
        .collect();
    for w in files.iter().filter(|f| file_name(f) == "go.work") {
        for dir in go_work_uses(ctx, w) {
            if let Some(p) = join(&dir, "go.mod") {
                mods.push(p);
            }
        }
    }
    let mut seen = HashSet::new();
    for m in mods {
        if seen.insert(m.clone()) {
            go_mod(ctx, &m);
        }
    }
}

/// Directive lines of a go.mod/go.work: `(directive, args, comment)`, with `( … )`
/// blocks expanded so every entry carries its directive; and the directive of a block
/// left open at the end of the file, if any.
fn directives(text: &str) -> (Vec<(String, String, String)>, Option<String>) {
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for raw in text.lines() {
        let (code, comment) = match raw.find("//") {
            Some(i) => (&raw[..i], raw[i + 2..].trim()),
            None => (raw, ""),
        };
        let code = code.trim();
        if let Some(b) = &block {
            if code == ")" {
                block = None;
            } else if !code.is_empty() {
                out.push((b.clone(), code.to_string(), comment.to_string()));
            }
            continue;
        }
        let Some((directive, rest)) = code.split_once(char::is_whitespace) else {
            continue;
        };
        let rest = rest.trim();
        if rest == "(" {
            block = Some(directive.to_string());
        } else {
            out.push((directive.to_string(), rest.to_string(), comment.to_string()));
        }
    }
    (out, block)
}

fn go_work_uses(ctx: &mut Scan<'_>, file: &str) -> Vec<String> {
    let Some(text) = ctx.text(file) else {
        return Vec::new();
    };
    directives(&text)
        .0
        .into_iter()
        .filter(|(d, _, _)| d == "use")
        .filter_map(|(_, arg, _)| join(parent(file), arg.trim_matches('"')))
        .collect()
}

fn go_mod(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let (entries, open_block) = directives(&text);
    // The go command refuses both of these; detection reads what it can and says so, rather
    // than silently reporting "no services" for a file it did not understand.
    if let Some(block) = open_block {
        ctx.warn(
            file,
            format!("cannot parse: the `{block} (` block is never closed with `)`"),
        );
    } else if !entries.iter().any(|(d, _, _)| d == "module") {
        ctx.warn(
            file,
            "cannot parse: no `module` directive, so it is not a go.mod the go command accepts"
                .to_string(),
        );
    }
    let pruned = complete_indirects(ctx, file, &entries);
    for (directive, args, comment) in entries {
        if directive != "require" {
            continue;
        }
        let mut words = args.split_whitespace();
        let Some(module) = words.next().map(|m| m.trim_matches('"')) else {
            continue;
        };
        let version = words.next().unwrap_or("");
        let Some(k) = kind(module) else { continue };
        // `// indirect`: a dependency of a dependency, which the code may not import
        let indirect = comment.split([';', ' ']).any(|w| w == "indirect");
        let reason = format!("require {module} {version}").trim_end().to_string();
        let (weight, reason) = if indirect && pruned {
            (
                Weight::Needed,
                format!("{reason} // indirect (imported through a dependency)"),
            )
        } else if indirect {
            (Weight::Optional, format!("{reason} // indirect"))
        } else {
            (Weight::Needed, reason)
        };
        match k {
            Kind::Service(s) => ctx.hit(s, file, reason, weight, SRC),
            Kind::AltSql if weight == Weight::Needed => ctx.alt_sql(Eco::Go, file, module),
            Kind::AltSql => {}
            Kind::Fake(s) => ctx.hit(
                s,
                file,
                format!("{reason} (a test fake)"),
                Weight::Optional,
                SRC,
            ),
        }
    }
}

/// Whether this go.mod's `// indirect` lines are Go's resolved import graph: from
/// `go 1.17` on, go.mod lists every module that provides a package the main module's
/// packages or tests import, directly or through a dependency, and a go.sum next to it
/// shows the graph was resolved. Modules only a dependency's unused packages need are
/// not listed then. Requirements of `tool` directives are listed the same way, so with
/// tools an indirect line may be a tool's, which the app does not run.
fn complete_indirects(ctx: &Scan<'_>, file: &str, entries: &[(String, String, String)]) -> bool {
    let modern = entries.iter().any(|(d, args, _)| {
        d == "go" && {
            let mut parts = args.trim().split('.');
            let major = parts.next().and_then(|p| p.parse::<u32>().ok());
            let minor = parts
                .next()
                .and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|p| p.parse::<u32>().ok());
            matches!((major, minor), (Some(1), Some(m)) if m >= 17) || major.is_some_and(|m| m > 1)
        }
    });
    let tools = entries.iter().any(|(d, _, _)| d == "tool");
    let sum = ctx
        .list(parent(file))
        .iter()
        .any(|e| !e.is_dir && e.name == "go.sum");
    modern && !tools && sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_versions() {
        assert_eq!(base_path("github.com/jackc/pgx/v5"), "github.com/jackc/pgx");
        assert_eq!(base_path("github.com/lib/pq"), "github.com/lib/pq");
        assert_eq!(base_path("github.com/x/v"), "github.com/x/v");
        assert!(kind("github.com/jackc/pgx-something").is_none());
        assert!(kind("github.com/go-redis/redis/v8").is_some());
    }
}
