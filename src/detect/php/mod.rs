//! PHP: composer.json (`require` and `require-dev`, root and a few levels down), composer.lock's
//! resolved graph next to it, and the app's own setup (Laravel's config files and the
//! committed env template, in `laravel`).
//!
//! Framework packages (`laravel/framework`, `illuminate/redis`, `symfony/cache`,
//! `doctrine/dbal`) support several backends and say nothing alone; the drivers do: the
//! `pgsql`/`pdo_pgsql` and `redis` extensions, `predis/predis`.

mod array;
mod composer_lock;
mod laravel;

use serde_json::Value;

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::graph::{self, Client, Root};
use super::path::{file_name, join, parent};

const SRC: Basis = Basis::Driver(Eco::Php);

enum Kind {
    Service(Service),
    AltSql,
}

/// Composer names are case-insensitive, and an extension may be written `ext-pdo-pgsql` or
/// `ext-pdo_pgsql`: one spelling for both.
pub(crate) fn package_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.strip_prefix("ext-") {
        Some(ext) => format!("ext-{}", ext.replace('-', "_")),
        None => lower,
    }
}

fn kind(name: &str) -> Option<Kind> {
    Some(match name {
        "ext-pgsql" | "ext-pdo_pgsql" | "amphp/postgres" => Kind::Service(Service::Postgres),
        // Horizon runs only on Redis queues
        "predis/predis"
        | "ext-redis"
        | "ext-relay"
        | "colinmollenhour/credis"
        | "amphp/redis"
        | "clue/redis-react"
        | "laravel/horizon" => Kind::Service(Service::Redis),
        "ext-mysqli" | "ext-pdo_mysql" | "amphp/mysql" => Kind::AltSql,
        _ => return None,
    })
}

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    for f in files.iter().filter(|f| file_name(f) == "composer.json") {
        let Some(manifest) = ctx.json_object(f) else {
            continue;
        };
        let roots = requirements(ctx, f, &manifest);
        let dir = parent(f);
        if let Some(lock) = join(dir, "composer.lock").filter(|l| files.contains(l)) {
            lockfile(ctx, &lock, &roots);
        }
        laravel::scan(ctx, dir, files);
    }
}

/// Reports the drivers composer.json requires and returns every requirement as a root of the
/// lock's graph. A driver in `require-dev` is the tests' own, so needed; what a `require-dev`
/// package pulls in is tooling's, so optional (as for npm's devDependencies).
fn requirements(ctx: &mut Scan<'_>, file: &str, manifest: &Value) -> Vec<Root> {
    let mut roots = Vec::new();
    for section in ["require", "require-dev"] {
        let Some(deps) = manifest.get(section).and_then(Value::as_object) else {
            continue;
        };
        let dev = section == "require-dev";
        for raw in deps.keys() {
            let name = package_name(raw);
            roots.push(Root {
                name: name.clone(),
                weight: if dev {
                    Weight::Optional
                } else {
                    Weight::Needed
                },
                note: dev.then(|| section.to_string()),
            });
            match kind(&name) {
                Some(Kind::Service(s)) => {
                    let reason = format!("{section} \"{raw}\"");
                    ctx.hit(s, file, reason, Weight::Needed, SRC);
                }
                Some(Kind::AltSql) if !dev => ctx.alt_sql(Eco::Php, file, &name),
                _ => {}
            }
        }
    }
    roots
}

fn lockfile(ctx: &mut Scan<'_>, file: &str, roots: &[Root]) {
    if roots.is_empty() {
        return;
    }
    let Some(text) = ctx.text(file) else { return };
    let graph = match composer_lock::parse(&text) {
        Ok(g) => g,
        Err(e) => return ctx.warn(file, e),
    };
    let client = |name: &str| match kind(name) {
        Some(Kind::Service(service)) => Some(Client {
            service,
            postgis: false,
        }),
        _ => None,
    };
    let reaches = graph::reach(&graph, roots, &client);
    graph::report(ctx, file, reaches, SRC);
}
