//! yarn.lock: classic (v1, its own indented format) and berry (YAML with `__metadata`).
//! Both key each resolved package by the ranges that asked for it
//! (`bee-queue@^1.7.1, bee-queue@^1.7.0`, `"bee-queue@npm:^1.7.1"`) and list the names it
//! depends on.

use super::super::graph::Graph;
use super::super::yaml::{self, Yaml};

/// The package a descriptor resolves to: `pg@^8` → `pg`, `@s/b@npm:^1` → `@s/b`, and for
/// an alias `kv@npm:redis@^3` → `redis`.
fn package_of(descriptor: &str) -> Option<&str> {
    let d = descriptor.trim().trim_matches('"').trim();
    let at = d.get(1..)?.find('@')? + 1;
    let (name, range) = (&d[..at], &d[at + 1..]);
    match range.strip_prefix("npm:").and_then(target_of) {
        Some(real) => Some(real),
        None => (!name.is_empty()).then_some(name),
    }
}

/// The package an alias range names: `redis@^3` (after `npm:`) → `redis`; a bare range → None.
fn target_of(range: &str) -> Option<&str> {
    let at = range.get(1..)?.find('@')? + 1;
    Some(&range[..at])
}

/// What a dependency's range installs: itself, or for `npm:redis@^3` the aliased package.
fn dependency<'a>(name: &'a str, range: &'a str) -> &'a str {
    range
        .trim()
        .trim_matches('"')
        .strip_prefix("npm:")
        .and_then(target_of)
        .unwrap_or(name)
}

pub(crate) fn parse(text: &str) -> Result<Graph, String> {
    if text.lines().any(|l| l.starts_with("__metadata:")) {
        berry(text)
    } else {
        Ok(classic(text))
    }
}

fn classic(text: &str) -> Graph {
    let mut graph = Graph::default();
    let mut from: Option<&str> = None;
    let mut in_deps = false;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        match indent {
            0 => {
                from = body
                    .trim_end_matches(':')
                    .split(", ")
                    .next()
                    .and_then(package_of);
                if let Some(f) = from {
                    graph.package(f);
                }
                in_deps = false;
            }
            2 => {
                in_deps = matches!(body, "dependencies:" | "optionalDependencies:");
            }
            4 if in_deps => {
                let Some(f) = from else { continue };
                // `"@s/b" "^1"`, `redis "^3.1.2"`, `kv "npm:redis@^3"`
                let (name, range) = match body.strip_prefix('"') {
                    Some(rest) => match rest.split_once('"') {
                        Some((name, range)) => (name, range),
                        None => continue,
                    },
                    None => body.split_once(' ').unwrap_or((body, "")),
                };
                graph.edge(f, dependency(name, range));
            }
            _ => {}
        }
    }
    graph
}

fn berry(text: &str) -> Result<Graph, String> {
    let doc = yaml::parse(text).map_err(|e| format!("cannot parse: {e}"))?;
    let mut graph = Graph::default();
    for (key, entry) in doc.entries() {
        let from = entry
            .get("resolution")
            .and_then(Yaml::as_str)
            .and_then(package_of)
            .or_else(|| key.split(", ").next().and_then(package_of));
        let Some(from) = from else { continue };
        graph.package(from);
        for section in ["dependencies", "optionalDependencies"] {
            for (dep, range) in entry.get(section).map_or(&[][..], Yaml::entries) {
                graph.edge(from, dependency(dep, range.as_str().unwrap_or("")));
            }
        }
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_name_their_package() {
        assert_eq!(package_of("pg@^8"), Some("pg"));
        assert_eq!(
            package_of("\"@redis/client@^1.5.0\""),
            Some("@redis/client")
        );
        assert_eq!(package_of("bee-queue@npm:^1.7.1"), Some("bee-queue"));
        assert_eq!(package_of("kv@npm:redis@^3"), Some("redis"));
        assert_eq!(package_of("redis@npm:3.1.2"), Some("redis"));
        assert_eq!(package_of("nothing"), None);
        assert_eq!(package_of("@"), None);
        assert_eq!(package_of(""), None);
        assert_eq!(dependency("kv", "\"npm:redis@^3\""), "redis");
        assert_eq!(dependency("pg", "^8"), "pg");
    }

    #[test]
    fn garbage_is_an_error_only_for_berry() {
        assert!(parse("__metadata:\n  version: [").is_err());
        assert!(parse("\"unterminated\n    x\n\0").is_ok());
    }
}
