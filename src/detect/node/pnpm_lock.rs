//! pnpm-lock.yaml: `packages` (lockfile 5 and 6) or `snapshots` (lockfile 9), each keyed by
//! a resolved package (`/knex/3.1.0`, `/knex@3.1.0(pg@8.11.0)`, `knex@3.1.0(pg@8.11.0)`)
//! with the names it depends on.

use super::super::graph::Graph;
use super::super::yaml::{self, Yaml};

/// The package name of a resolved key or of a dependency's version that is an alias
/// (`npm:redis@3.1.2`, `/redis@3.1.2`, `redis@3.1.2`). None for a bare version (`8.11.0`).
fn package_of(key: &str) -> Option<&str> {
    let key = key.strip_prefix("npm:").unwrap_or(key);
    // `link:../lib`, `file:…`, `workspace:*`: a local package, not a registry name
    if key.contains(':') {
        return None;
    }
    let key = key.strip_prefix('/').unwrap_or(key);
    // peer suffixes: `knex@3.1.0(pg@8.11.0)(supports-color@8.1.1)`
    let key = key.split('(').next().unwrap_or(key);
    let name = match key.get(1..).and_then(|rest| rest.rfind('@')) {
        Some(i) => &key[..=i],
        // lockfile 5: `knex/3.1.0`, `@scope/name/1.0.0`
        None => key.rsplit_once('/').map_or(key, |(name, _)| name),
    };
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

pub(crate) fn parse(text: &str) -> Result<Graph, String> {
    let doc = yaml::parse(text).map_err(|e| format!("cannot parse: {e}"))?;
    let mut graph = Graph::default();
    for table in ["packages", "snapshots"] {
        let Some(entries) = doc.get(table) else {
            continue;
        };
        for (key, entry) in entries.entries() {
            let Some(from) = package_of(key) else {
                continue;
            };
            graph.package(from);
            for section in ["dependencies", "optionalDependencies"] {
                for (dep, version) in entry.get(section).map_or(&[][..], Yaml::entries) {
                    let to = version.as_str().and_then(package_of).unwrap_or(dep);
                    graph.edge(from, to);
                }
            }
        }
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_in_every_lockfile_version() {
        assert_eq!(package_of("/knex/3.1.0"), Some("knex"));
        assert_eq!(package_of("/@redis/client/1.5.0"), Some("@redis/client"));
        assert_eq!(package_of("/knex@3.1.0(pg@8.11.0)"), Some("knex"));
        assert_eq!(package_of("@redis/client@1.5.0"), Some("@redis/client"));
        assert_eq!(package_of("npm:redis@3.1.2"), Some("redis"));
        assert_eq!(package_of("8.11.0"), None);
        assert_eq!(package_of("8.11.0(pg@8)"), None);
        assert_eq!(package_of(""), None);
        assert_eq!(package_of("link:../lib"), None);
        assert_eq!(package_of("@"), Some("@"));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse("packages: [").is_err());
        assert!(parse("- 1").is_ok());
    }
}
