//! Compose files: the ones a dev container starts, those at the root or in `.devcontainer/`,
//! `dev/`, `docker/`, `deploy/`, and those elsewhere that the project's docs use.
//!
//! Where the file lives says what it is for: the root, `.devcontainer/` and `dev/` hold
//! the development environment, so a database there is one the dev setup runs;
//! `docker/` and `deploy/` hold self-hosting setups, which run a database for the
//! packaged app whether or not development needs one (healthchecks ships
//! `docker/docker-compose.yml` with postgres:16 but develops on SQLite). A compose file in
//! any other directory is read only when the docs use it: its path appears in a README,
//! CONTRIBUTING or development guide at the root or in `docs/`, or the README next to it
//! runs `docker compose`. Then it counts as a dev setup (a deployment one when its name says
//! production). Otherwise it is somebody's example or infrastructure and says nothing.

use std::collections::HashSet;

use super::Service;
use super::collect::{Basis, Scan, Weight};
use super::devcontainer::{self, ComposeUse};
use super::path::{file_name, join, parent};
use super::walk::is_compose_name;
use super::yaml::{self, Yaml};

const DEV_DIRS: &[&str] = &["", ".devcontainer", "dev"];
const DEPLOY_DIRS: &[&str] = &["docker", "deploy"];

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    let uses = devcontainer::scan(ctx, files);
    let mut elsewhere: Vec<&str> = Vec::new();
    for f in files {
        let dir = parent(f);
        let lower = file_name(f).to_ascii_lowercase();
        if !is_compose_name(&lower) || uses.iter().any(|u| u.compose == *f) {
            continue;
        }
        let weight = if DEPLOY_DIRS.contains(&dir) || production_name(&lower) {
            Weight::Deploy
        } else if DEV_DIRS.contains(&dir) {
            Weight::Needed
        } else {
            elsewhere.push(f);
            continue;
        };
        compose_file(ctx, f, weight, None, "");
    }
    let mut read: HashSet<&str> = HashSet::new();
    for u in &uses {
        if !read.insert(u.compose.as_str()) {
            continue;
        }
        if ctx.text(&u.compose).is_none() {
            ctx.warn(
                &u.by,
                format!(
                    "dockerComposeFile \"{}\" is not in the repository",
                    u.compose
                ),
            );
            continue;
        }
        let note = format!(" (dev container {})", u.by);
        compose_file(ctx, &u.compose, Weight::Needed, Some(u), &note);
    }
    documented(ctx, &elsewhere);
}

/// Reads the compose files outside the usual places that the docs use.
fn documented(ctx: &mut Scan<'_>, candidates: &[&str]) {
    if candidates.is_empty() {
        return;
    }
    let mut guides: Vec<String> = Vec::new();
    for dir in ["", "docs", "doc"] {
        for e in ctx.list(dir).iter().filter(|e| !e.is_dir) {
            let lower = e.name.to_ascii_lowercase();
            let doc_ext = [".md", ".markdown", ".rst", ".adoc", ".txt"]
                .iter()
                .any(|x| lower.ends_with(x));
            let guide_name = ["readme", "contributing", "develop", "hacking", "setup"]
                .iter()
                .any(|p| lower.starts_with(p));
            if (dir.is_empty() && guide_name && (doc_ext || !lower.contains('.')))
                || (!dir.is_empty() && doc_ext)
            {
                guides.extend(join(dir, &e.name));
            }
        }
    }
    // a bound on the reading a repository with a huge docs/ can cause
    guides.truncate(64);
    for f in candidates {
        let dir = parent(f);
        let mut used_in: Option<String> = None;
        for g in &guides {
            if ctx.text(g).is_some_and(|t| t.contains(*f)) {
                used_in = Some(g.clone());
                break;
            }
        }
        if used_in.is_none() {
            let readmes: Vec<String> = ctx
                .list(dir)
                .iter()
                .filter(|e| !e.is_dir && e.name.to_ascii_lowercase().starts_with("readme"))
                .filter_map(|e| join(dir, &e.name))
                .collect();
            used_in = readmes
                .into_iter()
                .find(|r| ctx.text(r).is_some_and(|t| runs_compose(&t)));
        }
        let Some(doc) = used_in else { continue };
        let weight = if production_name(&file_name(f).to_ascii_lowercase()) {
            Weight::Deploy
        } else {
            Weight::Needed
        };
        compose_file(ctx, f, weight, None, &format!(" (used in {doc})"));
    }
}

/// Does a text run Compose (`docker compose up`, `docker-compose up -d`)?
fn runs_compose(text: &str) -> bool {
    text.contains("docker compose ") || text.contains("docker-compose ")
}

fn production_name(lower: &str) -> bool {
    lower
        .split(['.', '-', '_'])
        .any(|w| matches!(w, "prod" | "production" | "deploy"))
}

/// Reads one compose file. `dev` is the dev container that starts it, if one does; `note`
/// ends every reason.
fn compose_file(
    ctx: &mut Scan<'_>,
    file: &str,
    weight: Weight,
    dev: Option<&ComposeUse>,
    note: &str,
) {
    let Some(text) = ctx.text(file) else { return };
    let doc = match yaml::parse(&text) {
        Ok(d) => d,
        Err(e) => return ctx.warn(file, format!("cannot parse: {e}")),
    };
    let Some(services) = doc.get("services") else {
        return;
    };
    for (name, svc) in services.entries() {
        if dev.is_some_and(|d| d.app.as_deref() == Some(name.as_str())) {
            continue;
        }
        let not_run = dev
            .and_then(|d| d.run_services.as_ref())
            .is_some_and(|run| !run.iter().any(|r| r == name));
        // a service behind a profile starts only when that profile is asked for
        let profiled = !svc
            .get("profiles")
            .map(Yaml::items)
            .unwrap_or_default()
            .is_empty();
        let weight = if (profiled || not_run) && weight == Weight::Needed {
            Weight::Optional
        } else {
            weight
        };
        let image = svc.get("image").and_then(Yaml::as_str);
        let found = image.and_then(classify_image);
        let profile_note = if profiled {
            format!(" (in a profile){note}")
        } else if not_run {
            format!(" (not in runServices){note}")
        } else {
            note.to_string()
        };
        match (found, image) {
            (Some((service, postgis)), Some(img)) => {
                let reason = format!("image {img}{profile_note}");
                if postgis {
                    ctx.postgres_hit(file, reason, true, weight, Basis::Setup);
                } else {
                    ctx.hit(service, file, reason, weight, Basis::Setup);
                }
            }
            (None, Some(img)) if postgres_service(name, svc) => {
                let reason =
                    format!("service \"{name}\" (image {img}, POSTGRES_* settings){profile_note}");
                ctx.hit(Service::Postgres, file, reason, weight, Basis::Setup);
            }
            _ => {}
        }
    }
}

/// An image we do not know, in a service named like a database and configured with the
/// official image's POSTGRES_* variables: a Postgres build. Both are required, since app
/// services also carry POSTGRES_* variables to connect.
fn postgres_service(name: &str, svc: &Yaml) -> bool {
    let named = matches!(
        name.to_ascii_lowercase().as_str(),
        "postgres" | "postgresql" | "postgis" | "pg" | "db" | "database"
    );
    let env = svc.get("environment");
    let keys: Vec<String> = match env {
        Some(Yaml::Map(m)) => m.iter().map(|(k, _)| k.clone()).collect(),
        Some(Yaml::Seq(items)) => items
            .iter()
            .filter_map(Yaml::as_str)
            .map(|s| s.split('=').next().unwrap_or("").to_string())
            .collect(),
        _ => Vec::new(),
    };
    named
        && keys.iter().any(|k| {
            matches!(
                k.trim(),
                "POSTGRES_PASSWORD" | "POSTGRES_USER" | "POSTGRES_DB"
            )
        })
}

/// Replaces `${VAR:-default}` / `${VAR-default}` with the default and drops plain
/// `${VAR}` / `$VAR`.
fn interpolate(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                rest = "";
                break;
            };
            let inner = &body[..end];
            if let Some((_, default)) = inner.split_once(":-").or_else(|| inner.split_once('-')) {
                out.push_str(default);
            }
            rest = &body[end + 1..];
        } else if let Some(lit) = after.strip_prefix('$') {
            out.push('$');
            rest = lit;
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Repository path of an image reference without registry, tag or digest, lowercased:
/// `"ghcr.io/acme/postgres:16@sha256:…"` → `acme/postgres`.
pub(crate) fn image_repository(image: &str) -> Option<String> {
    let s = interpolate(image.trim().trim_matches(['"', '\'']));
    let s = s.split('@').next().unwrap_or("");
    let (path, last) = match s.rsplit_once('/') {
        Some((p, l)) => (Some(p), l),
        None => (None, s),
    };
    let last = last.split(':').next().unwrap_or("");
    if last.is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = path.map(|p| p.split('/').collect()).unwrap_or_default();
    // a first component with a dot, a port or "localhost" is a registry
    if parts
        .first()
        .is_some_and(|f| f.contains('.') || f.contains(':') || *f == "localhost")
    {
        parts.remove(0);
    }
    if parts.first() == Some(&"library") {
        parts.remove(0);
    }
    parts.push(last);
    Some(parts.join("/").to_ascii_lowercase())
}

/// Postgres-based images that are not named postgres.
const KNOWN_POSTGRES: &[&str] = &[
    "pgautoupgrade/pgautoupgrade",
    "pgvector/pgvector",
    "ankane/pgvector",
    "timescale/timescaledb",
    "timescale/timescaledb-ha",
    "citusdata/citus",
];

/// (service, is PostGIS) for an image reference.
pub(crate) fn classify_image(image: &str) -> Option<(Service, bool)> {
    let repo = image_repository(image)?;
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    if last.ends_with("postgis") {
        return Some((Service::Postgres, true));
    }
    if last.ends_with("postgres") || last == "postgresql" || KNOWN_POSTGRES.contains(&repo.as_str())
    {
        return Some((Service::Postgres, false));
    }
    if last.ends_with("redis")
        || last.ends_with("valkey")
        || matches!(last, "redis-stack" | "redis-stack-server" | "redis-cluster")
    {
        return Some((Service::Redis, false));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_compose_name("docker-compose.yml"));
        assert!(is_compose_name("docker-compose.dev.yaml"));
        assert!(is_compose_name("compose.yaml"));
        assert!(is_compose_name("compose-test.yml"));
        assert!(!is_compose_name("composer.yml"));
        assert!(!is_compose_name("docker-compose.json"));
    }

    #[test]
    fn image_forms() {
        let pg = Some((Service::Postgres, false));
        let redis = Some((Service::Redis, false));
        assert_eq!(classify_image("postgres"), pg);
        assert_eq!(classify_image("postgres:16-alpine"), pg);
        assert_eq!(classify_image("\"postgres:16\""), pg);
        assert_eq!(classify_image("docker.io/library/postgres:16"), pg);
        assert_eq!(classify_image("ghcr.io/acme/postgres@sha256:abcd"), pg);
        assert_eq!(classify_image("localhost:5000/postgres:15"), pg);
        assert_eq!(classify_image("${PG_IMAGE:-postgres}:16"), pg);
        assert_eq!(classify_image("bitnami/postgresql:16"), pg);
        assert_eq!(classify_image("pgautoupgrade/pgautoupgrade:18-alpine"), pg);
        assert_eq!(classify_image("supabase/postgres:15"), pg);
        assert_eq!(
            classify_image("postgis/postgis:16-3.4"),
            Some((Service::Postgres, true))
        );
        assert_eq!(classify_image("redis"), redis);
        assert_eq!(classify_image("redis/redis-stack:latest"), redis);
        assert_eq!(classify_image("bitnami/redis:7"), redis);
        assert_eq!(classify_image("valkey/valkey:8"), redis);
        assert_eq!(classify_image("${REDIS_IMAGE-redis:7}"), redis);
        assert_eq!(classify_image("oliver006/redis_exporter"), None);
        assert_eq!(classify_image("rediscommander/redis-commander"), None);
        assert_eq!(classify_image("dpage/pgadmin4"), None);
        assert_eq!(
            classify_image("prometheuscommunity/postgres-exporter"),
            None
        );
        assert_eq!(classify_image("postgrest/postgrest"), None);
        assert_eq!(classify_image("${IMAGE}"), None);
        assert_eq!(classify_image(""), None);
    }
}
