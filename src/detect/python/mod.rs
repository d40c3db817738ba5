//! Python: requirements files (following `-r`), pyproject.toml (PEP 621, PEP 735
//! dependency groups, Poetry, uv, PDM) and Pipfile; poetry.lock and uv.lock's resolved
//! graphs (one module per format).

mod pipfile_lock;
mod poetry_lock;
mod uv_lock;

use std::collections::HashSet;

use toml::{Table, Value};

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::graph::{self, Client, Graph, Root};
use super::path::{file_name, join, parent};

const SRC: Basis = Basis::Driver(Eco::Python);

/// A parsed PEP 508 requirement: normalised name, extras, environment marker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Req {
    pub name: String,
    pub extras: Vec<String>,
    pub marker: String,
}

/// PEP 503: case-insensitive, runs of `-`, `_`, `.` are one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

pub(crate) fn parse_req(s: &str) -> Option<Req> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    let name = normalize(&s[..end]);
    let rest = s[end..].trim_start();
    let mut extras = Vec::new();
    if let Some(inner) = rest.strip_prefix('[')
        && let Some(close) = inner.find(']')
    {
        extras = inner[..close]
            .split(',')
            .map(normalize)
            .filter(|e| !e.is_empty())
            .collect();
    }
    let marker = rest
        .split_once(';')
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_default();
    Some(Req {
        name,
        extras,
        marker,
    })
}

enum Kind {
    Service(Service),
    AltSql,
    Fake(Service),
}

fn kind(req: &Req) -> Option<Kind> {
    Some(match req.name.as_str() {
        "psycopg" | "psycopg-binary" | "psycopg-c" | "psycopg2" | "psycopg2-binary" | "asyncpg" => {
            Kind::Service(Service::Postgres)
        }
        "redis" | "django-redis" | "rq" | "django-rq" => Kind::Service(Service::Redis),
        "celery" if req.extras.iter().any(|e| e == "redis") => Kind::Service(Service::Redis),
        "mysqlclient"
        | "pymysql"
        | "mysql-connector-python"
        | "aiomysql"
        | "asyncmy"
        | "mariadb" => Kind::AltSql,
        "fakeredis" => Kind::Fake(Service::Redis),
        _ => return None,
    })
}

/// Markers that leave a Linux CPython default environment out (`sys_platform ==
/// "win32"`), or tie the requirement to an extra, make it conditional.
fn marker_is_conditional(marker: &str) -> bool {
    let m = marker.to_ascii_lowercase().replace('\'', "\"");
    if m.contains("extra") {
        return true;
    }
    ["win32", "windows", "nt", "darwin", "cygwin", "java"]
        .iter()
        .any(|v| {
            m.match_indices(&format!("\"{v}\"")).any(|(i, _)| {
                let before = m[..i].trim_end();
                before.ends_with("==") && !before.ends_with("!=")
            })
        })
}

/// A development group or file (`dependency-group [lint]`, `poetry dev-dependency`,
/// `requirements-dev.txt`) but not a test one: tooling, whose own dependencies the default
/// setup does not run.
fn dev_tooling(file: &str, reason: &str) -> bool {
    let label = reason.split('"').next().unwrap_or("").to_ascii_lowercase();
    let named = if label.starts_with("requirement") {
        file_name(file).to_ascii_lowercase()
    } else {
        label
    };
    (named.contains("dev") || named.contains('[')) && !named.contains("test")
}

fn report(ctx: &mut Scan<'_>, file: &str, req: &Req, reason: String, weight: Weight) {
    let tooling = weight == Weight::Needed && dev_tooling(file, &reason);
    ctx.declared.push((
        Eco::Python,
        file.to_string(),
        Root {
            name: req.name.clone(),
            weight: if tooling { Weight::Optional } else { weight },
            note: (tooling || weight != Weight::Needed)
                .then(|| reason.split(" \"").next().unwrap_or("").to_string()),
        },
    ));
    let conditional = !req.marker.is_empty() && marker_is_conditional(&req.marker);
    let (weight, reason) = if conditional && weight == Weight::Needed {
        (
            Weight::Optional,
            format!("{reason} (only when {})", req.marker),
        )
    } else {
        (weight, reason)
    };
    match kind(req) {
        Some(Kind::Service(s)) => ctx.hit(s, file, reason, weight, SRC),
        Some(Kind::AltSql) if weight == Weight::Needed => ctx.alt_sql(Eco::Python, file, &req.name),
        Some(Kind::Fake(s)) => ctx.hit(
            s,
            file,
            format!("{reason} (a test fake)"),
            Weight::Optional,
            SRC,
        ),
        _ => {}
    }
}

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    let mut visited = HashSet::new();
    for f in files {
        let name = file_name(f);
        let lower = name.to_ascii_lowercase();
        if name == "pyproject.toml" {
            pyproject(ctx, f, &mut visited);
        } else if name == "Pipfile" {
            pipfile(ctx, f);
        } else if lower.ends_with(".txt")
            && (lower.contains("requirements") || file_name(parent(f)) == "requirements")
        {
            requirements(ctx, f, &mut visited, 0, None);
        }
    }
    for f in files.iter().filter(|f| file_name(f) == "Pipfile.lock") {
        pipfile_lock(ctx, f);
    }
    for f in files {
        let parse: fn(&str) -> Result<Graph, String> = match file_name(f) {
            "poetry.lock" => poetry_lock::parse,
            "uv.lock" => uv_lock::parse,
            _ => continue,
        };
        let roots = ctx.declared_below(Eco::Python, parent(f));
        if roots.is_empty() {
            continue;
        }
        let Some(text) = ctx.text(f) else { continue };
        let graph = match parse(&text) {
            Ok(g) => g,
            Err(e) => {
                ctx.warn(f, e);
                continue;
            }
        };
        let client = |name: &str| {
            let req = Req {
                name: name.to_string(),
                extras: Vec::new(),
                marker: String::new(),
            };
            match kind(&req) {
                Some(Kind::Service(service)) => Some(Client {
                    service,
                    postgis: false,
                }),
                _ => None,
            }
        };
        let reaches = graph::reach(&graph, &roots, &client);
        graph::report(ctx, f, reaches, SRC);
    }
}

/// Pipfile.lock next to a Pipfile: a client locked in `default` is installed with the
/// Pipfile's packages, one only in `develop` with its development packages (optional, as
/// tooling's). The Pipfile must still declare something there: a lock whose Pipfile
/// declares nothing, or that has no Pipfile, is left alone.
fn pipfile_lock(ctx: &mut Scan<'_>, file: &str) {
    let pipfile = match join(parent(file), "Pipfile") {
        Some(p) => p,
        None => return,
    };
    let declared: Vec<bool> = ctx
        .declared
        .iter()
        .filter(|(e, f, _)| *e == Eco::Python && *f == pipfile)
        .map(|(_, _, r)| r.weight == Weight::Needed)
        .collect();
    if declared.is_empty() {
        return;
    }
    let Some(text) = ctx.text(file) else { return };
    let locked = match pipfile_lock::parse(&text) {
        Ok(l) => l,
        Err(e) => {
            ctx.warn(file, e);
            return;
        }
    };
    let needed_roots = declared.iter().any(|n| *n);
    let in_default: Vec<String> = locked
        .iter()
        .filter(|l| !l.develop)
        .map(|l| l.name.clone())
        .collect();
    for l in &locked {
        if l.develop && in_default.contains(&l.name) {
            continue;
        }
        let req = Req {
            name: l.name.clone(),
            extras: Vec::new(),
            marker: l.marker.clone(),
        };
        let Some(Kind::Service(service)) = kind(&req) else {
            continue;
        };
        let (weight, section) = if l.develop {
            (Weight::Optional, "develop")
        } else if needed_roots {
            (Weight::Needed, "default")
        } else {
            (Weight::Optional, "default")
        };
        let conditional = !l.marker.is_empty() && marker_is_conditional(&l.marker);
        let (weight, reason) = if conditional {
            (
                Weight::Optional,
                format!(
                    "{} locked in \"{section}\" (only when {})",
                    l.name, l.marker
                ),
            )
        } else {
            (weight, format!("{} locked in \"{section}\"", l.name))
        };
        ctx.hit(service, file, reason, weight, SRC);
    }
}

/// Requirements meant for production deployment only (`requirements/production.txt`).
fn production_file(path: &str) -> bool {
    let lower = file_name(path).to_ascii_lowercase();
    let stem = lower.trim_end_matches(".txt");
    stem.split(['-', '_', '.', '/'])
        .any(|w| matches!(w, "prod" | "production" | "deploy" | "deployment"))
}

const MAX_INCLUDE_DEPTH: usize = 16;

/// Reads one requirements file; `from` is the file that included it, if any.
fn requirements(
    ctx: &mut Scan<'_>,
    file: &str,
    visited: &mut HashSet<String>,
    depth: usize,
    from: Option<&str>,
) {
    if depth > MAX_INCLUDE_DEPTH || !visited.insert(file.to_string()) {
        return;
    }
    let Some(text) = ctx.text(file) else {
        if let Some(from) = from {
            ctx.warn(file, format!("listed in {from} but not in the tree"));
        }
        return;
    };
    let weight = if production_file(file) {
        Weight::Optional
    } else {
        Weight::Needed
    };
    let dir = parent(file).to_string();
    let mut logical = String::new();
    for raw in text.lines() {
        if let Some(cont) = raw.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw);
        let line = strip_comment(&logical).trim().to_string();
        logical.clear();
        if line.is_empty() {
            continue;
        }
        if let Some(opt) = line.strip_prefix('-') {
            if let Some(target) = include_target(opt)
                && let Some(path) = join(&dir, target)
            {
                requirements(ctx, &path, visited, depth + 1, Some(file));
            }
            // -c constraints, -e editables, index options: not dependencies
            continue;
        }
        let spec = match line.find("#egg=") {
            Some(i) if line.contains("://") => &line[i + 5..],
            _ if line.contains("://") && !line.contains(" @ ") => continue,
            _ => line.as_str(),
        };
        let Some(req) = parse_req(spec) else { continue };
        let shown = spec.split(';').next().unwrap_or(spec).trim();
        report(ctx, file, &req, format!("requirement \"{shown}\""), weight);
    }
}

/// `-r x.txt`, `-rx.txt`, `--requirement x.txt`, `--requirement=x.txt`.
fn include_target(opt: &str) -> Option<&str> {
    let rest = if let Some(r) = opt.strip_prefix("-requirement") {
        r
    } else {
        opt.strip_prefix('r')?
    };
    let t = rest.trim_start_matches('=').trim();
    (!t.is_empty()).then_some(t)
}

/// A `#` starts a comment at the start of a line or after whitespace (pip's rule, so
/// that URL fragments like `#egg=` survive).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

fn path<'a>(t: &'a Table, keys: &[&str]) -> Option<&'a Value> {
    let (first, rest) = keys.split_first()?;
    let mut v = t.get(*first)?;
    for k in rest {
        v = v.as_table()?.get(*k)?;
    }
    Some(v)
}

/// A table of named PEP 508 lists (extras, dependency groups); each is reported as `what [name]`.
fn pep508_groups(
    ctx: &mut Scan<'_>,
    file: &str,
    groups: Option<&Value>,
    weight: Weight,
    what: &str,
) {
    for (name, list) in groups.and_then(Value::as_table).into_iter().flatten() {
        pep508_list(ctx, file, Some(list), weight, &format!("{what} [{name}]"));
    }
}

fn pep508_list(ctx: &mut Scan<'_>, file: &str, list: Option<&Value>, weight: Weight, what: &str) {
    let Some(items) = list.and_then(Value::as_array) else {
        return;
    };
    for item in items {
        // PEP 735 `{include-group = "…"}` entries point at groups read anyway
        let Some(s) = item.as_str() else { continue };
        let Some(req) = parse_req(s) else { continue };
        let shown = s.split(';').next().unwrap_or(s).trim();
        report(ctx, file, &req, format!("{what} \"{shown}\""), weight);
    }
}

fn pyproject(ctx: &mut Scan<'_>, file: &str, visited: &mut HashSet<String>) {
    let Some(t) = ctx.toml(file) else {
        return;
    };
    let dir = parent(file).to_string();
    pep508_list(
        ctx,
        file,
        path(&t, &["project", "dependencies"]),
        Weight::Needed,
        "dependency",
    );
    pep508_groups(
        ctx,
        file,
        path(&t, &["project", "optional-dependencies"]),
        Weight::Optional,
        "optional-dependency",
    );
    // Development groups are installed for development and tests (uv does by default).
    pep508_groups(
        ctx,
        file,
        t.get("dependency-groups"),
        Weight::Needed,
        "dependency-group",
    );
    pep508_list(
        ctx,
        file,
        path(&t, &["tool", "uv", "dev-dependencies"]),
        Weight::Needed,
        "uv dev-dependency",
    );
    pep508_groups(
        ctx,
        file,
        path(&t, &["tool", "pdm", "dev-dependencies"]),
        Weight::Needed,
        "pdm dev-dependency",
    );
    if let Some(poetry) = path(&t, &["tool", "poetry"]).and_then(Value::as_table) {
        poetry_table(
            ctx,
            file,
            poetry.get("dependencies"),
            Weight::Needed,
            "poetry dependency",
        );
        poetry_table(
            ctx,
            file,
            poetry.get("dev-dependencies"),
            Weight::Needed,
            "poetry dev-dependency",
        );
        if let Some(groups) = poetry.get("group").and_then(Value::as_table) {
            for (name, g) in groups {
                let optional = g.get("optional").and_then(Value::as_bool) == Some(true);
                let weight = if optional {
                    Weight::Optional
                } else {
                    Weight::Needed
                };
                poetry_table(
                    ctx,
                    file,
                    g.get("dependencies"),
                    weight,
                    &format!("poetry group [{name}]"),
                );
            }
        }
    }
    // `dynamic = ["dependencies"]` with setuptools reading them from files: those files
    // are the dependency list, whatever they are called.
    if let Some(spec) = path(
        &t,
        &["tool", "setuptools", "dynamic", "dependencies", "file"],
    ) {
        let files: Vec<String> = match spec {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        for f in files {
            if let Some(p) = join(&dir, &f) {
                requirements(ctx, &p, visited, 1, Some(file));
            }
        }
    }
}

/// Poetry/Pipfile style `{ name = "^1.0" | { version, extras, optional, markers } }`.
fn poetry_table(ctx: &mut Scan<'_>, file: &str, deps: Option<&Value>, weight: Weight, what: &str) {
    let Some(deps) = deps.and_then(Value::as_table) else {
        return;
    };
    for (name, spec) in deps {
        if name == "python" {
            continue;
        }
        // several constraints for one package are a list of tables
        let specs: Vec<&Value> = match spec {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        for spec in specs {
            let table = spec.as_table();
            let extras: Vec<String> = table
                .and_then(|t| t.get("extras"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(normalize).collect())
                .unwrap_or_default();
            let optional = table
                .and_then(|t| t.get("optional"))
                .and_then(Value::as_bool)
                == Some(true);
            let marker = table
                .and_then(|t| t.get("markers").or_else(|| t.get("sys_platform")))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let req = Req {
                name: normalize(name),
                extras,
                marker,
            };
            let (w, suffix) = if optional {
                (Weight::Optional, " (optional = true)")
            } else {
                (weight, "")
            };
            report(ctx, file, &req, format!("{what} \"{name}\"{suffix}"), w);
        }
    }
}

fn pipfile(ctx: &mut Scan<'_>, file: &str) {
    let Some(t) = ctx.toml(file) else {
        return;
    };
    poetry_table(ctx, file, t.get("packages"), Weight::Needed, "package");
    poetry_table(
        ctx,
        file,
        t.get("dev-packages"),
        Weight::Needed,
        "dev-package",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_and_pep508() {
        assert_eq!(normalize("Psycopg2_Binary"), "psycopg2-binary");
        assert_eq!(normalize("django.redis"), "django-redis");
        assert_eq!(normalize("a--__b"), "a-b");
        let r = parse_req("psycopg[c, Pool]==3.3.4 ; python_version >= '3.9'").unwrap();
        assert_eq!(r.name, "psycopg");
        assert_eq!(r.extras, vec!["c", "pool"]);
        assert!(!marker_is_conditional(&r.marker));
        let r = parse_req("celery[redis,sqs]>=5").unwrap();
        assert_eq!(r.extras, vec!["redis", "sqs"]);
        assert!(parse_req("==1").is_none());
        assert!(marker_is_conditional("sys_platform == 'win32'"));
        assert!(!marker_is_conditional("sys_platform != \"win32\""));
        assert!(marker_is_conditional("extra == \"pg\""));
    }

    #[test]
    fn include_forms() {
        assert_eq!(include_target("r base.txt"), Some("base.txt"));
        assert_eq!(include_target("rbase.txt"), Some("base.txt"));
        assert_eq!(include_target("-requirement=base.txt"), Some("base.txt"));
        assert_eq!(include_target("-requirement base.txt"), Some("base.txt"));
        assert_eq!(include_target("c constraints.txt"), None);
        assert_eq!(include_target("e ."), None);
    }
}
