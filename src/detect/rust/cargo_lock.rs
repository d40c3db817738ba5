//! Cargo.lock: `[[package]]` tables with `name` and `dependencies = ["name", "name 1.0.0",
//! "name 1.0.0 (registry+…)"]`; the version is written only where two are locked.

use toml::{Table, Value};

use super::super::graph::{Graph, toml_packages};

pub(crate) fn graph(lock: &Table) -> Graph {
    let mut graph = Graph::default();
    for (from, package) in toml_packages(lock) {
        graph.package(from);
        let deps = package.get("dependencies").and_then(Value::as_array);
        for dep in deps.into_iter().flatten().filter_map(Value::as_str) {
            if let Some(name) = dep.split_whitespace().next() {
                graph.edge(from, name);
            }
        }
    }
    graph
}
