//! Rust: Cargo.toml of the root, of workspace members (globs, `exclude`) and of crates
//! a few levels down; `[workspace.dependencies]` inheritance; Cargo features.
//!
//! Whether an `optional = true` dependency is built depends on features, and within a
//! workspace one member may turn on another's (`lemmy_db_schema = { features =
//! ["full"] }` → `full = ["diesel-async"]`). So features are resolved over the whole
//! workspace the way `cargo test --workspace` unifies them, starting from each
//! member's `default`.

use std::collections::{BTreeSet, HashMap, HashSet};

use toml::{Table, Value};

mod cargo_lock;

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::graph::{self, Client, Root};
use super::path::{file_name, join, parent};
use super::walk::expand_members;

const SRC: Basis = Basis::Driver(Eco::Rust);

#[derive(Debug, Clone)]
struct Dep {
    /// the name in the manifest (a rename is `key = { package = "real" }`)
    key: String,
    package: String,
    /// features written on the dependency in the member manifest
    own_features: Vec<String>,
    /// features inherited from `[workspace.dependencies]`
    ws_features: Vec<String>,
    optional: bool,
    inherited: bool,
    /// `cfg(…)` of a `[target.….dependencies]` table
    target: Option<String>,
}

struct Manifest {
    path: String,
    name: Option<String>,
    deps: Vec<Dep>,
    features: HashMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Service(Service),
    AltSql,
}

/// What a crate with these features talks to, and the feature that says so.
fn kinds(package: &str, features: &[String]) -> Vec<(Kind, Option<String>)> {
    let has = |names: &[&str]| {
        features
            .iter()
            .find(|f| names.contains(&f.as_str()))
            .cloned()
    };
    let mut out = Vec::new();
    let pg = Kind::Service(Service::Postgres);
    match package {
        "postgres" | "tokio-postgres" | "deadpool-postgres" | "bb8-postgres" | "r2d2_postgres"
        | "sqlx-postgres" | "pq-sys" => out.push((pg, None)),
        "redis" | "bb8-redis" | "deadpool-redis" | "fred" | "r2d2_redis" => {
            out.push((Kind::Service(Service::Redis), None))
        }
        "mysql" | "mysql_async" | "mysqlclient-sys" | "sqlx-mysql" => {
            out.push((Kind::AltSql, None))
        }
        "sqlx" => {
            if let Some(f) = has(&["postgres"]) {
                out.push((pg, Some(f)));
            }
            if let Some(f) = has(&["mysql"]) {
                out.push((Kind::AltSql, Some(f)));
            }
        }
        "diesel" => {
            if let Some(f) = has(&["postgres", "postgres_backend"]) {
                out.push((pg, Some(f)));
            }
            if let Some(f) = has(&["mysql", "mysql_backend"]) {
                out.push((Kind::AltSql, Some(f)));
            }
        }
        "diesel-async" => {
            if let Some(f) = has(&["postgres"]) {
                out.push((pg, Some(f)));
            }
            if let Some(f) = has(&["mysql"]) {
                out.push((Kind::AltSql, Some(f)));
            }
        }
        "sea-orm" | "sea-orm-migration" => {
            if let Some(f) = has(&["sqlx-postgres"]) {
                out.push((pg, Some(f)));
            }
            if let Some(f) = has(&["sqlx-mysql"]) {
                out.push((Kind::AltSql, Some(f)));
            }
        }
        _ => {}
    }
    out
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

/// Dependency tables of a manifest with their `cfg` (None for the plain ones).
fn dep_tables(t: &Table) -> Vec<(Option<String>, &Table)> {
    let mut out = Vec::new();
    for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(d) = t.get(kind).and_then(Value::as_table) {
            out.push((None, d));
        }
    }
    if let Some(targets) = t.get("target").and_then(Value::as_table) {
        for (cfg, tt) in targets {
            for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(d) = tt.get(kind).and_then(Value::as_table) {
                    out.push((Some(cfg.clone()), d));
                }
            }
        }
    }
    out
}

fn read_deps(t: &Table, ws_deps: Option<&Table>) -> Vec<Dep> {
    let mut out = Vec::new();
    for (target, table) in dep_tables(t) {
        for (key, v) in table {
            let spec = v.as_table();
            let field = |name: &str| spec.and_then(|s| s.get(name));
            let inherited = field("workspace").and_then(Value::as_bool) == Some(true);
            let ws = if inherited {
                ws_deps.and_then(|w| w.get(key))
            } else {
                None
            };
            let ws_field = |name: &str| ws.and_then(Value::as_table).and_then(|s| s.get(name));
            let package = field("package")
                .or_else(|| ws_field("package"))
                .and_then(Value::as_str)
                .unwrap_or(key)
                .to_string();
            out.push(Dep {
                key: key.clone(),
                package,
                own_features: strings(field("features")),
                ws_features: strings(ws_field("features")),
                optional: field("optional").and_then(Value::as_bool) == Some(true),
                inherited,
                target: target.clone(),
            });
        }
    }
    out
}

/// A target-specific dependency for a platform the job (Linux) is not.
fn foreign_target(cfg: &str) -> bool {
    let c = cfg.replace(' ', "");
    if c.contains("not(") {
        return false;
    }
    [
        "windows",
        "macos",
        "target_os=\"ios\"",
        "wasm32",
        "target_os=\"android\"",
    ]
    .iter()
    .any(|w| c.contains(w))
        && !c.contains("linux")
        && !c.contains("unix")
}

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    // Manifests in walk order; a workspace queues its members as it is read, since
    // they may sit deeper than the walk goes.
    let mut order: Vec<String> = Vec::new();
    let mut tables: HashMap<String, Table> = HashMap::new();
    let mut workspaces: Vec<(String, Vec<String>)> = Vec::new();
    // Crates a workspace excludes are outside its build and tests (fuzz targets,
    // experiments), so they are not read at all.
    let mut excluded: Vec<String> = Vec::new();
    let mut queue: Vec<String> = files
        .iter()
        .filter(|f| file_name(f) == "Cargo.toml")
        .cloned()
        .collect();
    let mut i = 0;
    while i < queue.len() {
        let path = queue[i].clone();
        i += 1;
        if tables.contains_key(&path) || excluded.iter().any(|d| path.starts_with(&format!("{d}/")))
        {
            continue;
        }
        let Some(t) = ctx.toml(&path) else { continue };
        if let Some(ws) = t.get("workspace").and_then(Value::as_table) {
            let dir = parent(&path).to_string();
            for x in strings(ws.get("exclude")) {
                excluded.extend(expand_members(ctx, &dir, &[x], &[]));
            }
            let members = expand_members(
                ctx,
                &dir,
                &strings(ws.get("members")),
                &strings(ws.get("exclude")),
            );
            let mut manifests = Vec::new();
            if t.get("package").is_some() {
                manifests.push(path.clone());
            }
            for m in members {
                if let Some(p) = join(&m, "Cargo.toml")
                    && p != path
                {
                    queue.push(p.clone());
                    manifests.push(p);
                }
            }
            workspaces.push((path.clone(), manifests));
        }
        order.push(path.clone());
        tables.insert(path, t);
    }

    // Each crate belongs to the workspace that lists it, else to the nearest enclosing
    // workspace root (inheritance still comes from there), else stands alone.
    let mut group_of: HashMap<String, String> = HashMap::new();
    for (root, members) in &workspaces {
        for m in members {
            group_of.entry(m.clone()).or_insert_with(|| root.clone());
        }
    }
    for p in &order {
        if group_of.contains_key(p) {
            continue;
        }
        let enclosing = workspaces
            .iter()
            .filter(|(root, _)| {
                let d = parent(root);
                d.is_empty() || p.starts_with(&format!("{d}/"))
            })
            .max_by_key(|(root, _)| root.len())
            .map(|(root, _)| root.clone());
        group_of.insert(p.clone(), enclosing.unwrap_or_else(|| p.clone()));
    }

    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut group_index: HashMap<String, usize> = HashMap::new();
    for p in &order {
        if let Some(g) = group_of.get(p) {
            let idx = *group_index.entry(g.clone()).or_insert_with(|| {
                groups.push((g.clone(), Vec::new()));
                groups.len() - 1
            });
            if let Some((_, members)) = groups.get_mut(idx) {
                members.push(p.clone());
            }
        }
    }
    for (g, members) in groups {
        let ws_deps = tables
            .get(&g)
            .and_then(|t| t.get("workspace"))
            .and_then(Value::as_table)
            .and_then(|w| w.get("dependencies"))
            .and_then(Value::as_table)
            .cloned();
        let manifests: Vec<Manifest> = members
            .iter()
            .filter_map(|p| {
                let table = tables.get(p)?;
                table.get("package")?;
                Some(Manifest {
                    path: p.clone(),
                    name: table
                        .get("package")
                        .and_then(|pk| pk.get("name"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    deps: read_deps(table, ws_deps.as_ref()),
                    features: table
                        .get("features")
                        .and_then(Value::as_table)
                        .map(|f| {
                            f.iter()
                                .map(|(k, v)| (k.clone(), strings(Some(v))))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            })
            .collect();
        report_group(ctx, &g, &manifests, ws_deps.as_ref());
    }

    for f in files.iter().filter(|f| file_name(f) == "Cargo.lock") {
        lockfile(ctx, f);
    }
}

/// Which optional deps are on, and which extra features deps get through `dep/feat`.
struct Resolved {
    active_deps: HashSet<(usize, String)>,
    dep_features: HashMap<(usize, String), BTreeSet<String>>,
}

fn resolve_features(ms: &[Manifest]) -> Resolved {
    let index: HashMap<&str, usize> = ms
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((m.name.as_deref()?, i)))
        .collect();
    let mut active_features: HashSet<(usize, String)> = HashSet::new();
    let mut res = Resolved {
        active_deps: HashSet::new(),
        dep_features: HashMap::new(),
    };
    let mut work: Vec<(usize, String)> = Vec::new();
    // a member enables features of another member it depends on
    let enable_dep = |d: &Dep, work: &mut Vec<(usize, String)>| {
        if let Some(&j) = index.get(d.package.as_str()) {
            work.push((j, "default".to_string()));
            for f in d.own_features.iter().chain(&d.ws_features) {
                work.push((j, f.clone()));
            }
        }
    };
    for (i, m) in ms.iter().enumerate() {
        work.push((i, "default".to_string()));
        for d in m.deps.iter().filter(|d| !d.optional) {
            enable_dep(d, &mut work);
        }
    }
    while let Some((i, feat)) = work.pop() {
        if !active_features.insert((i, feat.clone())) {
            continue;
        }
        let m = &ms[i];
        let activate = |key: &str, work: &mut Vec<(usize, String)>, res: &mut Resolved| {
            if let Some(d) = m.deps.iter().find(|d| d.key == key && d.optional)
                && res.active_deps.insert((i, key.to_string()))
            {
                enable_dep(d, work);
                // the features `dep/feat` already asked for reach a member now built
                if let Some(fs) = res.dep_features.get(&(i, key.to_string()))
                    && let Some(&j) = index.get(d.package.as_str())
                {
                    for f in fs {
                        work.push((j, f.clone()));
                    }
                }
            }
        };
        let Some(items) = m.features.get(&feat) else {
            // an optional dependency's implicit feature
            activate(&feat, &mut work, &mut res);
            continue;
        };
        for item in items {
            if let Some(dep) = item.strip_prefix("dep:") {
                activate(dep, &mut work, &mut res);
            } else if let Some((dep, f)) = item.split_once('/') {
                let weak = dep.ends_with('?');
                let dep = dep.trim_end_matches('?');
                res.dep_features
                    .entry((i, dep.to_string()))
                    .or_default()
                    .insert(f.to_string());
                if !weak {
                    activate(dep, &mut work, &mut res);
                }
                if let Some(d) = m.deps.iter().find(|d| d.key == dep)
                    && (!d.optional || res.active_deps.contains(&(i, dep.to_string())))
                    && let Some(&j) = index.get(d.package.as_str())
                {
                    work.push((j, f.to_string()));
                }
            } else if m.features.contains_key(item) {
                work.push((i, item.clone()));
            } else {
                activate(item, &mut work, &mut res);
            }
        }
    }
    res
}

fn quoted_list(v: &[String]) -> String {
    v.iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every `dep/feat` some feature of the manifest could turn on.
fn possible_dep_features(m: &Manifest, key: &str) -> Vec<String> {
    m.features
        .values()
        .flatten()
        .filter_map(|item| item.split_once('/'))
        .filter(|(d, _)| d.trim_end_matches('?') == key)
        .map(|(_, f)| f.to_string())
        .collect()
}

fn report_group(ctx: &mut Scan<'_>, root: &str, ms: &[Manifest], ws_deps: Option<&Table>) {
    let res = resolve_features(ms);
    let mut used_ws: HashSet<String> = HashSet::new();
    for (i, m) in ms.iter().enumerate() {
        for d in &m.deps {
            if d.inherited {
                used_ws.insert(d.key.clone());
            }
            let via: Vec<String> = res
                .dep_features
                .get(&(i, d.key.clone()))
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            let enabled: Vec<String> = d
                .ws_features
                .iter()
                .chain(&d.own_features)
                .chain(&via)
                .cloned()
                .collect();
            let mut possible = enabled.clone();
            possible.extend(possible_dep_features(m, &d.key));
            let dep_active = !d.optional || res.active_deps.contains(&(i, d.key.clone()));
            declare(ctx, m, d, dep_active);
            for (kind, feature) in kinds(&d.package, &possible) {
                let active = dep_active && feature.as_ref().is_none_or(|f| enabled.contains(f));
                let renamed = if d.key != d.package {
                    format!(" (package \"{}\")", d.package)
                } else {
                    String::new()
                };
                // Evidence points at the file that holds the deciding fact.
                let (file, mut reason) = match &feature {
                    Some(f) if d.ws_features.contains(f) && !d.own_features.contains(f) => (
                        root.to_string(),
                        format!(
                            "{} with feature \"{f}\" ([workspace.dependencies])",
                            d.package
                        ),
                    ),
                    Some(f) if d.own_features.contains(f) => (
                        m.path.clone(),
                        format!(
                            "{}{renamed} with features {}",
                            d.package,
                            quoted_list(&d.own_features)
                        ),
                    ),
                    Some(f) => (
                        m.path.clone(),
                        format!(
                            "{}{renamed} with feature \"{f}\" (via [features])",
                            d.package
                        ),
                    ),
                    None => (m.path.clone(), format!("dependency \"{}\"{renamed}", d.key)),
                };
                if d.inherited && feature.is_none() {
                    reason.push_str(" (workspace = true)");
                }
                let foreign = d.target.as_deref().is_some_and(foreign_target);
                let weight = if !active {
                    reason.push_str(" (optional, not enabled by default features)");
                    Weight::Optional
                } else if foreign {
                    reason.push_str(&format!(
                        " (only for {})",
                        d.target.as_deref().unwrap_or("")
                    ));
                    Weight::Optional
                } else {
                    Weight::Needed
                };
                match kind {
                    Kind::Service(s) => ctx.hit(s, &file, reason, weight, SRC),
                    Kind::AltSql if weight == Weight::Needed => {
                        ctx.alt_sql(Eco::Rust, &file, &d.package)
                    }
                    Kind::AltSql => {}
                }
            }
        }
    }
    // Declared for the workspace but used by no member (or by none we could read):
    // corroboration only.
    if let Some(ws) = ws_deps {
        for (key, v) in ws {
            if used_ws.contains(key) {
                continue;
            }
            let t = v.as_table();
            let package = t
                .and_then(|t| t.get("package"))
                .and_then(Value::as_str)
                .unwrap_or(key);
            let feats = strings(t.and_then(|t| t.get("features")));
            for (kind, _) in kinds(package, &feats) {
                if let Kind::Service(s) = kind {
                    ctx.hit(
                        s,
                        root,
                        format!("{package} in [workspace.dependencies]"),
                        Weight::Extra,
                        SRC,
                    );
                }
            }
        }
    }
}

/// Records a member's dependency as a root of Cargo.lock's graph. Crates that are clients
/// themselves, or become one through their own features (sqlx, diesel, sea-orm), are left
/// to the manifest's reading above: the lock resolves every member's features at once, so
/// it cannot say which of them the default build turns on.
fn declare(ctx: &mut Scan<'_>, m: &Manifest, d: &Dep, active: bool) {
    if !kinds(&d.package, &[]).is_empty()
        || matches!(
            d.package.as_str(),
            "sqlx" | "diesel" | "diesel-async" | "sea-orm" | "sea-orm-migration"
        )
    {
        return;
    }
    let note = if !active {
        Some("optional, not enabled by default features".to_string())
    } else {
        d.target
            .as_deref()
            .filter(|t| foreign_target(t))
            .map(|t| format!("only for {t}"))
    };
    ctx.declared.push((
        Eco::Rust,
        m.path.clone(),
        Root {
            name: d.package.clone(),
            weight: if note.is_some() {
                Weight::Optional
            } else {
                Weight::Needed
            },
            note,
        },
    ));
}

/// Cargo.lock shows what was resolved (e.g. `pq-sys` under diesel): corroboration on its
/// own, since a locked crate may sit behind a feature nobody turns on by default. From the
/// members' declared crates its graph leads to clients they pull in (`apalis-redis → redis`).
fn lockfile(ctx: &mut Scan<'_>, file: &str) {
    let Some(t) = ctx.toml(file) else { return };
    let roots = ctx.declared_below(Eco::Rust, parent(file));
    if !roots.is_empty() {
        let client = |name: &str| {
            kinds(name, &[]).into_iter().find_map(|(k, _)| match k {
                Kind::Service(service) => Some(Client {
                    service,
                    postgis: false,
                }),
                Kind::AltSql => None,
            })
        };
        let reaches = graph::reach(&cargo_lock::graph(&t), &roots, &client);
        graph::report(ctx, file, reaches, SRC);
    }
    let Some(pkgs) = t.get("package").and_then(Value::as_array) else {
        return;
    };
    let mut seen = HashSet::new();
    for p in pkgs {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        if !seen.insert(name.to_string()) {
            continue;
        }
        for (kind, _) in kinds(name, &[]) {
            if let Kind::Service(s) = kind {
                ctx.hit(
                    s,
                    file,
                    format!("locked package \"{name}\""),
                    Weight::Extra,
                    SRC,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_kinds() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(kinds("sqlx", &f(&["runtime-tokio", "postgres"])).len() == 1);
        assert!(kinds("sqlx", &f(&["sqlite"])).is_empty());
        assert!(kinds("diesel", &f(&["sqlite"])).is_empty());
        assert!(kinds("sea-orm", &f(&["sqlx-postgres"])).len() == 1);
        assert!(kinds("pgvector", &[]).is_empty());
        assert!(foreign_target("cfg(windows)"));
        assert!(!foreign_target("cfg(not(windows))"));
        assert!(!foreign_target("cfg(target_arch = \"x86_64\")"));
    }
}
