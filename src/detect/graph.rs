//! The resolved dependency graph a lockfile records, and the one walk every format shares:
//! from the packages a manifest asks for to the service clients they pull in.
//!
//! Each lockfile format has its own small parser that fills a `Graph`; the ecosystem module
//! gives the roots (what the manifest declares, with the weight the manifest gives it) and
//! says which package names are service clients. A client is only ever reached from a
//! declared root, so a lockfile never adds a need the manifests rule out.

use std::collections::VecDeque;

use super::Service;
use super::collect::{Basis, Scan, Weight};
use super::tree::FnvMap;

/// Package name → the names it depends on. Versions are merged: a client reached through
/// any resolved version of a package is reached.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    deps: FnvMap<String, Vec<String>>,
}

impl Graph {
    /// Records `package`, even with no dependencies, so that it counts as resolved.
    pub(crate) fn package(&mut self, package: &str) {
        self.deps.entry(package.to_string()).or_default();
    }

    pub(crate) fn edge(&mut self, from: &str, to: &str) {
        let list = self.deps.entry(from.to_string()).or_default();
        if !list.iter().any(|d| d == to) {
            list.push(to.to_string());
        }
    }

    /// Whether the lock resolved `package` itself, not only named it as somebody's
    /// dependency (an optional peer that nothing installed).
    fn resolved(&self, package: &str) -> bool {
        self.deps.contains_key(package)
    }

    fn deps_of(&self, package: &str) -> &[String] {
        self.deps.get(package).map_or(&[], Vec::as_slice)
    }
}

/// The `[[package]]` entries of a TOML lockfile (Cargo.lock, poetry.lock, uv.lock) that name
/// their package, with that name; the formats differ only in how they list dependencies.
pub(crate) fn toml_packages(lock: &toml::Table) -> impl Iterator<Item = (&str, &toml::Value)> {
    lock.get("package")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|package| Some((package.get("name")?.as_str()?, package)))
}

/// A dependency the manifest declares.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    pub name: String,
    /// The weight the manifest gives what this dependency pulls in.
    pub weight: Weight,
    /// Why it is optional, shown after the path (`group :production`).
    pub note: Option<String>,
}

/// What a package name is, for the walk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Client {
    pub service: Service,
    pub postgis: bool,
}

/// A client reached from a root through at least one other package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reach {
    pub service: Service,
    pub postgis: bool,
    pub weight: Weight,
    /// From the root to the client: `["redis-namespace", "redis"]`.
    pub path: Vec<String>,
    pub note: Option<String>,
}

/// For each service, the shortest path from the needed roots to one of its clients, and
/// when none is needed, the shortest from the optional roots. A service whose client is
/// itself declared with that weight is left out: the manifest already said so directly.
pub(crate) fn reach(
    graph: &Graph,
    roots: &[Root],
    client: &dyn Fn(&str) -> Option<Client>,
) -> Vec<Reach> {
    let mut found: Vec<Reach> = Vec::new();
    for weight in [Weight::Needed, Weight::Optional] {
        let level: Vec<&Root> = roots.iter().filter(|r| r.weight == weight).collect();
        let direct: Vec<Service> = level
            .iter()
            .filter_map(|r| client(&r.name).map(|c| c.service))
            .collect();
        let mut from: FnvMap<&str, Option<&str>> = FnvMap::default();
        let mut queue: VecDeque<&str> = VecDeque::new();
        for r in &level {
            if from.insert(r.name.as_str(), None).is_none() {
                queue.push_back(r.name.as_str());
            }
        }
        while let Some(node) = queue.pop_front() {
            for next in graph.deps_of(node) {
                if from.contains_key(next.as_str()) {
                    continue;
                }
                from.insert(next.as_str(), Some(node));
                queue.push_back(next.as_str());
                let Some(c) = client(next).filter(|_| graph.resolved(next)) else {
                    continue;
                };
                if direct.contains(&c.service) || found.iter().any(|f| f.service == c.service) {
                    continue;
                }
                let mut path = vec![next.to_string()];
                let mut at = node;
                path.push(at.to_string());
                while let Some(Some(prev)) = from.get(at) {
                    path.push((*prev).to_string());
                    at = prev;
                }
                path.reverse();
                let note = level
                    .iter()
                    .find(|r| r.name == path[0])
                    .and_then(|r| r.note.clone());
                found.push(Reach {
                    service: c.service,
                    postgis: c.postgis,
                    weight,
                    path,
                    note,
                });
            }
        }
    }
    found
}

/// Reports each reach as a hit on the lockfile: `redis-namespace → redis`.
pub(crate) fn report(ctx: &mut Scan<'_>, file: &str, reaches: Vec<Reach>, basis: Basis) {
    for r in reaches {
        let mut reason = r.path.join(" → ");
        if let Some(note) = &r.note {
            reason = format!("{reason} ({note})");
        }
        if r.service == Service::Postgres {
            ctx.postgres_hit(file, reason, r.postgis, r.weight, basis);
        } else {
            ctx.hit(r.service, file, reason, r.weight, basis);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(name: &str) -> Option<Client> {
        let service = match name {
            "redis" => Service::Redis,
            "pg" => Service::Postgres,
            _ => return None,
        };
        Some(Client {
            service,
            postgis: false,
        })
    }

    fn root(name: &str, weight: Weight) -> Root {
        Root {
            name: name.to_string(),
            weight,
            note: None,
        }
    }

    fn graph(edges: &[(&str, &str)]) -> Graph {
        let mut g = Graph::default();
        for (a, b) in edges {
            g.edge(a, b);
            g.package(b);
        }
        g
    }

    fn paths(r: &[Reach]) -> Vec<(String, Weight)> {
        r.iter().map(|r| (r.path.join(" → "), r.weight)).collect()
    }

    #[test]
    fn shortest_path_from_a_needed_root() {
        let g = graph(&[
            ("a", "b"),
            ("b", "c"),
            ("c", "redis"),
            ("ns", "redis"),
            ("good_job", "pg"),
        ]);
        let r = reach(
            &g,
            &[root("a", Weight::Needed), root("ns", Weight::Needed)],
            &client,
        );
        assert_eq!(paths(&r), [("ns → redis".to_string(), Weight::Needed)]);
    }

    #[test]
    fn needed_wins_over_optional_and_optional_fills_the_rest() {
        let g = graph(&[("w", "redis"), ("x", "redis"), ("x", "pg")]);
        let r = reach(
            &g,
            &[root("x", Weight::Optional), root("w", Weight::Needed)],
            &client,
        );
        assert_eq!(
            paths(&r),
            [
                ("w → redis".to_string(), Weight::Needed),
                ("x → pg".to_string(), Weight::Optional)
            ]
        );
    }

    #[test]
    fn undeclared_packages_and_direct_clients_add_nothing() {
        // `orphan` is resolved but nothing declared leads to it; `redis` is declared itself
        let g = graph(&[("orphan", "pg"), ("w", "redis")]);
        let r = reach(
            &g,
            &[root("redis", Weight::Needed), root("w", Weight::Needed)],
            &client,
        );
        assert_eq!(r, []);
        assert_eq!(reach(&g, &[], &client), []);
    }

    #[test]
    fn a_client_the_lock_names_but_never_resolved_is_not_reached() {
        // knex names pg as an optional peer; without pg in the lock nothing installs it
        let mut g = Graph::default();
        g.edge("knex", "pg");
        assert_eq!(reach(&g, &[root("knex", Weight::Needed)], &client), []);
        g.package("pg");
        assert_eq!(
            paths(&reach(&g, &[root("knex", Weight::Needed)], &client)),
            [("knex → pg".to_string(), Weight::Needed)]
        );
    }

    #[test]
    fn cycles_end() {
        let g = graph(&[("a", "b"), ("b", "a"), ("b", "pg")]);
        let r = reach(&g, &[root("a", Weight::Needed)], &client);
        assert_eq!(paths(&r), [("a → b → pg".to_string(), Weight::Needed)]);
    }
}
