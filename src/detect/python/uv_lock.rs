//! uv.lock: `[[package]]` tables with `name` and `dependencies = [{ name = "…" }]`. The
//! per-extra `optional-dependencies` are left out, as in poetry.lock.

use toml::Value;

use super::super::graph::{Graph, toml_packages};
use super::normalize;

pub(crate) fn parse(text: &str) -> Result<Graph, String> {
    let doc = super::super::collect::parse_toml(text)?;
    let mut graph = Graph::default();
    for (name, package) in toml_packages(&doc) {
        let from = normalize(name);
        graph.package(&from);
        let deps = package.get("dependencies").and_then(Value::as_array);
        for dep in deps.into_iter().flatten() {
            if let Some(to) = dep.get("name").and_then(Value::as_str) {
                graph.edge(&from, &normalize(to));
            }
        }
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error() {
        assert!(parse("[[package]\n").is_err());
        assert!(parse("package = [1, \"x\"]\n").is_ok());
    }
}
