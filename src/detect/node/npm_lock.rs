//! package-lock.json (lockfile versions 2 and 3): the `packages` map, keyed by install path.

use serde_json::Value;

use super::super::graph::Graph;

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
    let lock: Value = serde_json::from_str(text).map_err(|e| format!("cannot parse: {e}"))?;
    let mut graph = Graph::default();
    let Some(packages) = lock.get("packages").and_then(Value::as_object) else {
        return Ok(graph);
    };
    // an alias (`"db": "npm:pg@8"`) is installed as `node_modules/db` with `"name": "pg"`
    let real = |installed: &str| -> String {
        packages
            .get(&format!("node_modules/{installed}"))
            .and_then(|e| e.get("name"))
            .and_then(Value::as_str)
            .unwrap_or(installed)
            .to_string()
    };
    for (key, entry) in packages {
        if key.is_empty() {
            continue;
        }
        let from = if key.contains("node_modules/") {
            real(installed_name(key))
        } else {
            // a workspace member: its own name, which the root's `node_modules/<name>` links to
            entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(key)
                .to_string()
        };
        graph.package(&from);
        for section in ["dependencies", "optionalDependencies", "peerDependencies"] {
            let Some(deps) = entry.get(section).and_then(Value::as_object) else {
                continue;
            };
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
