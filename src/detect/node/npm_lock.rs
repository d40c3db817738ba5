//! package-lock.json: the `packages` map keyed by install path (lockfile versions 2 and 3), or
//! npm 6's nested `dependencies` tree (version 1), whose entries name what they `requires`.

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
    /// Version 1's tree; version 2 writes it next to `packages` for old npms, and it is then
    /// not read.
    #[serde(borrow, default)]
    dependencies: Option<BTreeMap<Cow<'a, str>, V1Entry<'a>>>,
}

/// A package in version 1's tree: an alias shows as `"version": "npm:pg@8.11.0"`; `dev` and
/// `optional` flags are not needed, since the roots say what is a development dependency.
#[derive(Deserialize)]
struct V1Entry<'a> {
    #[serde(borrow, default)]
    version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    requires: Option<BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
    #[serde(borrow, default)]
    dependencies: Option<BTreeMap<Cow<'a, str>, V1Entry<'a>>>,
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

/// The resolved graph, or why the file cannot be read as one.
pub(crate) fn parse(text: &str) -> Result<Graph, String> {
    // Anything but an object (`[1]`) is a lockfile with nothing to follow, as a v1 one is.
    if !text.trim_start().starts_with('{') {
        serde_json::from_str::<IgnoredAny>(text).map_err(|e| format!("cannot parse: {e}"))?;
        return Ok(Graph::default());
    }
    let lock: Lock = serde_json::from_str(text).map_err(|e| format!("cannot parse: {e}"))?;
    let mut graph = Graph::default();
    let Some(packages) = lock.packages else {
        if let Some(tree) = &lock.dependencies {
            v1_tree(&mut graph, tree);
        }
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

/// Version 1's tree, level by level (a loop, not recursion: the nesting is the input's).
/// A name is installed as what its version says when that is an alias (`npm:pg@8`); a
/// `requires` entry names its target the same way.
fn v1_tree(graph: &mut Graph, root: &BTreeMap<Cow<'_, str>, V1Entry<'_>>) {
    let mut level = vec![root];
    while let Some(tree) = level.pop() {
        for (name, entry) in tree {
            let from = entry
                .version
                .as_deref()
                .and_then(super::alias_target)
                .unwrap_or(name);
            graph.package(from);
            for (dep, spec) in entry.requires.iter().flatten() {
                graph.edge(from, super::alias_target(spec).unwrap_or(dep));
            }
            if let Some(nested) = &entry.dependencies {
                level.push(nested);
            }
        }
    }
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
    fn garbage_is_an_error() {
        assert!(parse("{").is_err());
        assert!(parse("[1]").is_ok());
        assert!(parse(r#"{"lockfileVersion": 1, "dependencies": {}}"#).is_ok());
        assert!(parse(r#"{"dependencies": {"a": {"requires": {"b": 1}}}}"#).is_err());
    }
}
