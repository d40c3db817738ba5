//! package-lock.json (lockfile versions 2 and 3): the `packages` map, keyed by install path.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::super::graph::Graph;

/// The parts of a lockfile the walk reads. Everything else (versions, integrity hashes, tarball
/// URLs: most of a real lockfile's bytes) is skipped without being kept, and names are borrowed
/// from the text, so a lockfile of thousands of packages costs a few milliseconds. Maps are
/// ordered, so the path shown as evidence is the same on every run.
#[derive(Deserialize)]
struct Lock<'a> {
    #[serde(borrow, default)]
    packages: Option<BTreeMap<Cow<'a, str>, Entry<'a>>>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dependencies: Option<BTreeMap<Cow<'a, str>, IgnoredAny>>,
    #[serde(borrow, default, rename = "optionalDependencies")]
    optional_dependencies: Option<BTreeMap<Cow<'a, str>, IgnoredAny>>,
    #[serde(borrow, default, rename = "peerDependencies")]
    peer_dependencies: Option<BTreeMap<Cow<'a, str>, IgnoredAny>>,
}

/// The package a `packages` key installs: `node_modules/a/node_modules/@s/b` → `@s/b`; a
/// workspace member's own path (`packages/api`) is kept as it is, and named by its entry.
fn installed_name(key: &str) -> &str {
    match key.rfind("node_modules/") {
        Some(i) => &key[i + "node_modules/".len()..],
        None => key,
    }
}

/// The resolved graph, or why the file cannot be read as one. A v1 lockfile (no `packages`)
/// gives an empty graph: it is what npm 6 wrote, and the manifests still count.
pub(crate) fn parse(text: &str) -> Result<Graph, String> {
    // Anything but an object (`[1]`) is a lockfile with nothing to follow, as a v1 one is.
    if !text.trim_start().starts_with('{') {
        serde_json::from_str::<IgnoredAny>(text).map_err(|e| format!("cannot parse: {e}"))?;
        return Ok(Graph::default());
    }
    let lock: Lock = serde_json::from_str(text).map_err(|e| format!("cannot parse: {e}"))?;
    let mut graph = Graph::default();
    let Some(packages) = lock.packages else {
        return Ok(graph);
    };
    // an alias (`"db": "npm:pg@8"`) is installed as `node_modules/db` with `"name": "pg"`
    let aliases: HashMap<&str, &str> = packages
        .iter()
        .filter_map(|(key, entry)| {
            let installed = key.strip_prefix("node_modules/")?;
            let name = entry.name.as_deref()?;
            (!installed.contains("node_modules/") && name != installed).then_some((installed, name))
        })
        .collect();
    let real = |installed: &str| -> String {
        aliases
            .get(installed)
            .copied()
            .unwrap_or(installed)
            .to_string()
    };
    for (key, entry) in &packages {
        if key.is_empty() {
            continue;
        }
        let from = if key.contains("node_modules/") {
            real(installed_name(key))
        } else {
            // a workspace member: its own name, which the root's `node_modules/<name>` links to
            entry.name.as_deref().unwrap_or(key).to_string()
        };
        graph.package(&from);
        for deps in [
            &entry.dependencies,
            &entry.optional_dependencies,
            &entry.peer_dependencies,
        ]
        .into_iter()
        .flatten()
        {
            for dep in deps.keys() {
                graph.edge(&from, &real(dep));
            }
        }
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_install_paths() {
        assert_eq!(installed_name("node_modules/pg"), "pg");
        assert_eq!(installed_name("node_modules/a/node_modules/@s/b"), "@s/b");
        assert_eq!(installed_name("packages/api"), "packages/api");
    }

    #[test]
    fn garbage_is_an_error_and_v1_is_empty() {
        assert!(parse("{").is_err());
        assert!(parse("[1]").is_ok());
        assert!(parse(r#"{"lockfileVersion": 1, "dependencies": {}}"#).is_ok());
    }
}
