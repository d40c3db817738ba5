//! Which backing services (PostgreSQL, Redis) a repository's development and test setup
//! needs, decided from its committed manifests: the tree the job will clone, not the files a
//! developer has not committed.
//!
//! Each ecosystem module reports hits with a weight (needed / optional / corroborating);
//! `resolve` turns them into the services to start and the ones that are merely possible.

mod collect;
mod compose;
mod devcontainer;
mod dotnet;
mod elixir;
mod go;
mod graph;
mod jsonc;
mod jvm;
mod node;
mod path;
mod php;
mod python;
mod ruby;
mod rust;
pub mod tree;
mod version;
mod walk;
mod yaml;

use std::fmt;
use std::str::FromStr;

use collect::{Basis, Hit, Scan, Weight};
pub use tree::{Entry, FsTree, GitTree, MemTree, Tree};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Postgres,
    Redis,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::Postgres, Service::Redis];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Postgres => "postgres",
            Service::Redis => "redis",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown service \"{0}\" (known: postgres, redis)")]
pub struct UnknownService(pub String);

impl FromStr for Service {
    type Err = UnknownService;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Ok(Service::Postgres),
            "redis" => Ok(Service::Redis),
            _ => Err(UnknownService(s.to_string())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// Relative to the repository root.
    pub file: String,
    /// Short and human: `gem "pg"`, `dependency "ioredis"`, `image postgres:16`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceEvidence {
    pub name: Service,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Detection {
    /// Exactly the sidecars to start; ordered postgres, redis.
    pub services: Vec<ServiceEvidence>,
    /// Services found only behind a condition (never also in `services`).
    pub optional: Vec<ServiceEvidence>,
    /// PostGIS detected: the job should use a PostGIS image for postgres.
    pub postgis: bool,
    /// Major.minor, e.g. "3.3".
    pub ruby_version: Option<String>,
    pub warnings: Vec<Warning>,
}

impl Detection {
    pub fn needs(&self, service: Service) -> bool {
        self.services.iter().any(|s| s.name == service)
    }

    pub fn is_optional(&self, service: Service) -> bool {
        self.optional.iter().any(|s| s.name == service)
    }

    pub fn service_names(&self) -> Vec<Service> {
        self.services.iter().map(|s| s.name).collect()
    }
}

/// Detects the services a repository needs from its tree. Pure: reads only `tree`.
pub fn detect(tree: &dyn Tree) -> Detection {
    let mut ctx = Scan::new(tree);
    let files = walk::walk(&ctx);
    ruby::scan(&mut ctx, &files);
    node::scan(&mut ctx, &files);
    python::scan(&mut ctx, &files);
    go::scan(&mut ctx, &files);
    rust::scan(&mut ctx, &files);
    elixir::scan(&mut ctx, &files);
    compose::scan(&mut ctx, &files);
    php::scan(&mut ctx, &files);
    dotnet::scan(&mut ctx, &files);
    // after compose: a Spring default on an in-process database demotes compose Postgres too
    jvm::scan(&mut ctx, &files);
    let ruby_version = version::ruby_version(&mut ctx);
    resolve(ctx, ruby_version)
}

fn resolve(mut ctx: Scan<'_>, ruby_version: Option<String>) -> Detection {
    demote_database_choices(&mut ctx);
    let mut det = Detection {
        ruby_version,
        warnings: std::mem::take(&mut ctx.warnings),
        ..Detection::default()
    };
    for service in Service::ALL {
        let hits: Vec<&Hit> = ctx.hits.iter().filter(|h| h.service == service).collect();
        let needed = hits.iter().any(|h| h.weight == Weight::Needed);
        let optional = hits
            .iter()
            .any(|h| matches!(h.weight, Weight::Optional | Weight::Deploy));
        let shown: &[Weight] = if needed {
            &[Weight::Needed, Weight::Deploy, Weight::Extra]
        } else if optional {
            &[Weight::Optional, Weight::Deploy, Weight::Extra]
        } else {
            continue;
        };
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for h in hits.iter().filter(|h| shown.contains(&h.weight)) {
            if seen.insert((h.file.as_str(), h.reason.as_str())) {
                evidence.push(Evidence {
                    file: h.file.clone(),
                    reason: h.reason.clone(),
                });
            }
        }
        let entry = ServiceEvidence {
            name: service,
            evidence,
        };
        if needed {
            if service == Service::Postgres {
                det.postgis = hits.iter().any(|h| h.postgis && h.weight != Weight::Extra);
            }
            det.services.push(entry);
        } else {
            det.optional.push(entry);
        }
    }
    det
}

/// A project whose manifests carry drivers for Postgres *and* MySQL/MariaDB (Django's
/// psycopg + mysqlclient, Go's lib/pq + go-sql-driver/mysql, …) lets its user choose a
/// database, and such projects default to SQLite or to whatever the environment says
/// (healthchecks: `DB=postgres|mysql`, else SQLite). The driver alone then does not
/// show that the default setup runs Postgres, so those driver hits become optional. What
/// does show it still counts: a dev compose file, database.yml's development/test
/// adapter, a prisma datasource — those are `Basis::Setup` and are left alone.
/// Scoped per ecosystem so a Go service on MySQL does not demote a Node service on pg.
fn demote_database_choices(ctx: &mut Scan<'_>) {
    let alts = std::mem::take(&mut ctx.alt_sql);
    for h in &mut ctx.hits {
        let Basis::Driver(eco) = h.basis else {
            continue;
        };
        if h.service != Service::Postgres || h.weight != Weight::Needed {
            continue;
        }
        if let Some(alt) = alts.iter().find(|a| a.eco == eco) {
            h.weight = Weight::Optional;
            h.reason = format!(
                "{} (the project also supports MySQL: \"{}\" in {})",
                h.reason, alt.name, alt.file
            );
        }
    }
    ctx.alt_sql = alts;
}

#[cfg(test)]
mod tests;
