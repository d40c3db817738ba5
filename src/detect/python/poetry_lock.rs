//! poetry.lock: `[[package]]` tables with `name` and `[package.dependencies]`. A dependency
//! marked `optional = true` is installed only for one of the package's extras, which the
//! lock does not tie to the extras the project asked for, so it is left out.

use toml::Value;

use super::super::graph::{Graph, toml_packages};
use super::normalize;

pub(crate) fn parse(text: &str) -> Result<Graph, String> {
    let doc = super::super::collect::parse_toml(text)?;
    let mut graph = Graph::default();
    for (name, package) in toml_packages(&doc) {
        let from = normalize(name);
        graph.package(&from);
        let deps = package.get("dependencies").and_then(Value::as_table);
        for (dep, spec) in deps.into_iter().flatten() {
            let optional = spec
                .as_table()
                .and_then(|t| t.get("optional"))
                .and_then(Value::as_bool)
                == Some(true);
            if !optional {
                graph.edge(&from, &normalize(dep));
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
        assert!(parse("package = 3\n").is_ok());
    }
}
