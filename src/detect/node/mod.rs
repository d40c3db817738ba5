//! Node: package.json (root, workspace members from `workspaces` and
//! pnpm-workspace.yaml, and those found a few levels down), Prisma schemas, and the
//! lockfiles' resolved graphs (one module per format).

mod npm_lock;
mod pnpm_lock;
mod yarn_lock;

use std::collections::HashSet;

use serde_json::Value;

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::graph::{self, Client, Graph, Root};
use super::path::{file_name, join, parent};
use super::walk::expand_members;
use super::yaml::{self, Yaml};

const SRC: Basis = Basis::Driver(Eco::Node);

const SECTIONS: &[(&str, &str, Weight)] = &[
    ("dependencies", "dependency", Weight::Needed),
    ("devDependencies", "devDependency", Weight::Needed),
    // installed only when possible / provided by whoever depends on this package
    (
        "optionalDependencies",
        "optionalDependency",
        Weight::Optional,
    ),
    ("peerDependencies", "peerDependency", Weight::Optional),
];

enum Kind {
    Service(Service),
    AltSql,
    Fake(Service),
}

fn kind(name: &str) -> Option<Kind> {
    Some(match name {
        "pg" | "pg-native" | "postgres" | "pg-promise" | "@prisma/adapter-pg" => {
            Kind::Service(Service::Postgres)
        }
        "redis" | "ioredis" | "bull" | "bullmq" | "@redis/client" => Kind::Service(Service::Redis),
        "mysql" | "mysql2" => Kind::AltSql,
        "ioredis-mock" | "redis-mock" => Kind::Fake(Service::Redis),
        _ => return None,
    })
}

/// `"db": "npm:pg@^8"` installs `pg` under another name.
fn alias_target(spec: &str) -> Option<&str> {
    let rest = spec.trim().strip_prefix("npm:")?;
    let at = if let Some(scoped) = rest.strip_prefix('@') {
        scoped.find('@').map(|i| i + 1)
    } else {
        rest.find('@')
    };
    Some(match at {
        Some(i) => &rest[..i],
        None => rest,
    })
}

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    let mut queue: Vec<String> = files
        .iter()
        .filter(|f| file_name(f) == "package.json")
        .cloned()
        .collect();
    for f in files
        .iter()
        .filter(|f| file_name(f) == "pnpm-workspace.yaml")
    {
        for dir in pnpm_members(ctx, f) {
            if let Some(p) = join(&dir, "package.json") {
                queue.push(p);
            }
        }
    }
    let mut seen = HashSet::new();
    // what each package.json declares, by directory: the roots of the lockfiles' graphs
    let mut roots: Vec<(String, Vec<Root>)> = Vec::new();
    let mut prisma: Vec<String> = files
        .iter()
        .filter(|f| f.ends_with(".prisma"))
        .cloned()
        .collect();
    let mut i = 0;
    while i < queue.len() {
        let path = queue[i].clone();
        i += 1;
        if !seen.insert(path.clone()) {
            continue;
        }
        let Some(pkg) = ctx.json_object(&path) else {
            continue;
        };
        let dir = parent(&path).to_string();
        let declared = dependencies(ctx, &path, &pkg);
        roots.push((dir.clone(), declared));
        for member in workspace_members(ctx, &dir, &pkg) {
            if let Some(p) = join(&member, "package.json") {
                queue.push(p);
            }
        }
        prisma.extend(prisma_schemas(ctx, &dir, &pkg));
    }
    let mut done = HashSet::new();
    for p in prisma {
        if done.insert(p.clone()) {
            prisma_schema(ctx, &p);
        }
    }
    for f in files {
        let parse: fn(&str) -> Result<Graph, String> = match file_name(f) {
            "package-lock.json" => npm_lock::parse,
            "pnpm-lock.yaml" => pnpm_lock::parse,
            "yarn.lock" => yarn_lock::parse,
            _ => continue,
        };
        lockfile(ctx, f, &roots, parse);
    }
}

/// A lockfile at the root of a project or workspace covers the package.json files at and
/// below its directory.
fn lockfile(
    ctx: &mut Scan<'_>,
    file: &str,
    roots: &[(String, Vec<Root>)],
    parse: fn(&str) -> Result<Graph, String>,
) {
    let dir = parent(file);
    let covered: Vec<Root> = roots
        .iter()
        .filter(|(d, _)| dir.is_empty() || d == dir || d.starts_with(&format!("{dir}/")))
        .flat_map(|(_, r)| r.iter().cloned())
        .collect();
    if covered.is_empty() {
        return;
    }
    let Some(text) = ctx.text(file) else { return };
    let graph = match parse(&text) {
        Ok(g) => g,
        Err(e) => {
            ctx.warn(file, e);
            return;
        }
    };
    let client = |name: &str| match kind(name) {
        Some(Kind::Service(service)) => Some(Client {
            service,
            postgis: false,
        }),
        _ => None,
    };
    let reaches = graph::reach(&graph, &covered, &client);
    graph::report(ctx, file, reaches, SRC);
}

/// Reports the drivers a package.json names and returns everything it declares, as roots
/// for a lockfile's graph. What a devDependency pulls in is development tooling's, so it
/// is optional there, even though a driver named as a devDependency is the tests' own.
fn dependencies(ctx: &mut Scan<'_>, path: &str, pkg: &Value) -> Vec<Root> {
    let mut roots = Vec::new();
    for (section, label, weight) in SECTIONS {
        let Some(deps) = pkg.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, spec) in deps {
            let target = spec.as_str().and_then(alias_target);
            let real = target.unwrap_or(name);
            let needed = *section == "dependencies";
            roots.push(Root {
                name: real.to_string(),
                weight: if needed {
                    Weight::Needed
                } else {
                    Weight::Optional
                },
                note: (!needed).then(|| (*label).to_string()),
            });
            let Some(k) = kind(real) else { continue };
            let reason = match target {
                Some(t) => format!("{label} \"{name}\" (npm:{t})"),
                None => format!("{label} \"{name}\""),
            };
            match k {
                Kind::Service(s) => ctx.hit(s, path, reason, *weight, SRC),
                Kind::AltSql if *weight == Weight::Needed => ctx.alt_sql(Eco::Node, path, real),
                Kind::AltSql => {}
                Kind::Fake(s) => ctx.hit(
                    s,
                    path,
                    format!("{reason} (a test fake)"),
                    Weight::Optional,
                    SRC,
                ),
            }
        }
    }
    roots
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// npm/yarn `workspaces`: an array of globs, or `{ "packages": [...] }` (yarn classic).
fn workspace_members(ctx: &Scan<'_>, dir: &str, pkg: &Value) -> Vec<String> {
    let ws = pkg.get("workspaces");
    let globs = match ws {
        Some(Value::Array(_)) => strings(ws),
        Some(Value::Object(o)) => strings(o.get("packages")),
        _ => return Vec::new(),
    };
    expand_members(ctx, dir, &globs, &[])
}

fn pnpm_members(ctx: &mut Scan<'_>, file: &str) -> Vec<String> {
    let Some(text) = ctx.text(file) else {
        return Vec::new();
    };
    let doc = match yaml::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            ctx.warn(file, format!("cannot parse: {e}"));
            return Vec::new();
        }
    };
    let globs: Vec<String> = doc
        .get("packages")
        .map(Yaml::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Yaml::as_str)
        .map(str::to_string)
        .collect();
    expand_members(ctx, parent(file), &globs, &[])
}

/// Prisma schemas of a package: its `prisma.schema` setting, else the conventional
/// `prisma/schema.prisma` or multi-file `prisma/schema/*.prisma`.
fn prisma_schemas(ctx: &Scan<'_>, dir: &str, pkg: &Value) -> Vec<String> {
    let mut dirs = Vec::new();
    let mut out = Vec::new();
    if let Some(s) = pkg
        .get("prisma")
        .and_then(|p| p.get("schema"))
        .and_then(Value::as_str)
        && let Some(p) = join(dir, s)
    {
        if p.ends_with(".prisma") {
            out.push(p);
        } else {
            dirs.push(p);
        }
    }
    for d in ["prisma", "prisma/schema"] {
        if let Some(p) = join(dir, d) {
            dirs.push(p);
        }
    }
    for d in dirs {
        if !ctx.is_dir(&d) {
            continue;
        }
        for e in ctx.list(&d).iter() {
            if !e.is_dir && e.name.ends_with(".prisma") {
                out.push(format!("{d}/{}", e.name));
            }
        }
    }
    out
}

fn strip_line_comment(line: &str) -> &str {
    let mut in_str = false;
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'"' => in_str = !in_str,
            b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn prisma_schema(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let mut in_datasource = false;
    let mut provider: Option<String> = None;
    let mut postgis = false;
    for line in text.lines() {
        let line = strip_line_comment(line).trim();
        if !in_datasource {
            in_datasource = line.starts_with("datasource ") && line.ends_with('{');
            continue;
        }
        if line.starts_with('}') {
            in_datasource = false;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "provider" => provider = Some(value.trim_matches('"').to_ascii_lowercase()),
            "extensions" => {
                postgis |= value
                    .trim_matches(['[', ']'])
                    .split(',')
                    .any(|e| e.trim().trim_matches('"').starts_with("postgis"))
            }
            _ => {}
        }
    }
    if let Some(p) = provider.filter(|p| p == "postgresql" || p == "postgres") {
        let reason = format!("datasource provider = \"{p}\"");
        ctx.postgres_hit(file, reason, postgis, Weight::Needed, Basis::Setup);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases() {
        assert_eq!(alias_target("npm:pg@^8.0.0"), Some("pg"));
        assert_eq!(alias_target("npm:@redis/client@1"), Some("@redis/client"));
        assert_eq!(alias_target("npm:ioredis"), Some("ioredis"));
        assert_eq!(alias_target("^8.0.0"), None);
    }
}
