//! Rails YAML: config/database.yml (or its committed template) and config/cable.yml, read per
//! environment, since only development and test say what the dev setup runs.

use super::super::Service;
use super::super::collect::{Basis, Scan, Weight};
use super::super::path::{file_name, parent};
use super::super::yaml::{self, Yaml};

const DATABASE_YML_NAMES: &[&str] = &[
    "database.yml",
    "database.yaml",
    "database.yml.example",
    "database.example.yml",
    "database.yml.sample",
    "database.sample.yml",
    "database.yml.dist",
    "database.yml.template",
    "database.yml.tmpl",
];

/// The first of database.yml and its checked-in templates that exists in that config
/// directory: the template stands in for the real file only when that is not committed.
pub(super) fn chosen_database_yml(file: &str, files: &[String]) -> bool {
    let dir = parent(file);
    let name = file_name(file);
    if !DATABASE_YML_NAMES.contains(&name) {
        return false;
    }
    DATABASE_YML_NAMES
        .iter()
        .map(|n| format!("{dir}/{n}"))
        .find(|p| files.contains(p))
        .is_some_and(|p| p == file)
}

enum EnvKind {
    DevTest,
    Other,
    /// shared blocks merged into real environments (`default: &default`)
    Template,
}

fn env_kind(env: &str) -> EnvKind {
    match env.to_ascii_lowercase().as_str() {
        "development" | "dev" | "test" | "testing" | "ci" | "cucumber" => EnvKind::DevTest,
        "default" | "defaults" | "common" | "base" | "shared" | "global" => EnvKind::Template,
        e if e.starts_with("x-") || e.starts_with('.') || e.starts_with('<') => EnvKind::Template,
        _ => EnvKind::Other,
    }
}

/// The adapters an environment uses: `adapter:`, or the scheme of `url:`, on the
/// environment itself or on each database of a multi-database (three-tier) config.
fn adapters(env: &Yaml) -> Vec<String> {
    let mut out = Vec::new();
    let mut one = |cfg: &Yaml| {
        if let Some(a) = cfg.get("adapter").and_then(Yaml::as_str) {
            out.push(a.trim().to_ascii_lowercase());
        } else if let Some(u) = cfg.get("url").and_then(Yaml::as_str)
            && let Some((scheme, _)) = u.split_once("://")
        {
            out.push(scheme.trim().to_ascii_lowercase());
        }
    };
    one(env);
    if env.get("adapter").is_none() && env.get("url").is_none() {
        for (_, db) in env.entries() {
            if matches!(db, Yaml::Map(_)) {
                one(db);
            }
        }
    }
    out
}

/// Runs over the environments of a Rails YAML config, grouping the ones whose
/// adapter matches into (dev/test envs, other envs).
fn envs_using(doc: &Yaml, matches: impl Fn(&str) -> bool) -> (Vec<String>, Vec<String>, bool) {
    let (mut devtest, mut other, mut postgis) = (Vec::new(), Vec::new(), false);
    for (env, cfg) in doc.entries() {
        let hits: Vec<String> = adapters(cfg).into_iter().filter(|a| matches(a)).collect();
        if hits.is_empty() {
            continue;
        }
        postgis |= hits.iter().any(|a| a.contains("postgis"));
        match env_kind(env) {
            EnvKind::DevTest => devtest.push(env.clone()),
            EnvKind::Other => other.push(env.clone()),
            EnvKind::Template => {}
        }
    }
    (devtest, other, postgis)
}

fn is_pg_adapter(a: &str) -> bool {
    matches!(
        a,
        "postgresql"
            | "postgres"
            | "postgis"
            | "jdbcpostgresql"
            | "postgresql_makara"
            | "postgis_makara"
    ) || a.starts_with("postgresql")
        || a.starts_with("postgis")
}

pub(super) fn database_yml(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let doc = match yaml::parse_erb(&text) {
        Ok(d) => d,
        Err(e) => return ctx.warn(file, format!("cannot parse: {e}")),
    };
    let (devtest, other, postgis) = envs_using(&doc, is_pg_adapter);
    let adapter = if postgis { "postgis" } else { "postgresql" };
    if !devtest.is_empty() {
        let reason = format!("adapter: {adapter} ({})", devtest.join(", "));
        ctx.postgres_hit(file, reason, postgis, Weight::Needed, Basis::Setup);
    }
    if !other.is_empty() {
        let reason = format!("adapter: {adapter} ({})", other.join(", "));
        ctx.hit(
            Service::Postgres,
            file,
            reason,
            Weight::Optional,
            Basis::Setup,
        );
    }
}

/// Action Cable on Redis in development/test needs a Redis server; on Redis only in
/// production it does not (the dev setup runs the `async` adapter), so that is shown as
/// corroborating evidence only.
pub(super) fn cable_yml(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let doc = match yaml::parse_erb(&text) {
        Ok(d) => d,
        Err(e) => return ctx.warn(file, format!("cannot parse: {e}")),
    };
    let (devtest, other, _) = envs_using(&doc, |a| a == "redis");
    if !devtest.is_empty() {
        let reason = format!("cable adapter: redis ({})", devtest.join(", "));
        ctx.hit(Service::Redis, file, reason, Weight::Needed, Basis::Setup);
    }
    if !other.is_empty() {
        let reason = format!("cable adapter: redis ({} only)", other.join(", "));
        ctx.hit(Service::Redis, file, reason, Weight::Extra, Basis::Setup);
    }
}
