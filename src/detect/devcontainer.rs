//! Dev containers: `.devcontainer/devcontainer.json`, `.devcontainer/<name>/devcontainer.json`
//! and `.devcontainer.json`, anywhere the walk reaches. Such a file is the project's own
//! statement of what its development environment runs: the compose files it names start with
//! it (all their services except the one the editor attaches to, or those `runServices`
//! lists), and a feature that installs a database server runs one.

use super::Service;
use super::collect::{Basis, Scan, Weight};
use super::jsonc;
use super::path::{file_name, join, parent};

/// A compose file a dev container starts.
#[derive(Debug, Clone)]
pub(crate) struct ComposeUse {
    pub compose: String,
    /// The devcontainer.json that names it.
    pub by: String,
    /// The service the editor attaches to: the application, not a backing service.
    pub app: Option<String>,
    /// When set, only these services start with the dev container.
    pub run_services: Option<Vec<String>>,
}

pub(crate) fn is_devcontainer_file(path: &str) -> bool {
    match file_name(path) {
        ".devcontainer.json" => true,
        "devcontainer.json" => {
            let dir = parent(path);
            file_name(dir) == ".devcontainer" || file_name(parent(dir)) == ".devcontainer"
        }
        _ => false,
    }
}

/// Reads every dev container definition among `files`: reports the services its features
/// install, and returns the compose files it starts.
pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) -> Vec<ComposeUse> {
    let mut uses = Vec::new();
    for f in files.iter().filter(|f| is_devcontainer_file(f)) {
        let Some(text) = ctx.text(f) else { continue };
        let doc = match jsonc::parse(&text) {
            Ok(d) => d,
            Err(e) => {
                ctx.warn(f, e);
                continue;
            }
        };
        features(ctx, f, &doc);
        let composes: Vec<&str> = match doc.get("dockerComposeFile") {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        };
        let app = doc
            .get("service")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let run_services = doc.get("runServices").and_then(|v| v.as_array()).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(str::to_string)
                .collect()
        });
        for c in composes {
            // `${localEnv:…}` paths depend on the developer's machine
            if c.contains("${") {
                continue;
            }
            let Some(compose) = join(parent(f), c.trim()) else {
                ctx.warn(
                    f,
                    format!("dockerComposeFile \"{c}\" is outside the repository"),
                );
                continue;
            };
            uses.push(ComposeUse {
                compose,
                by: f.clone(),
                app: app.clone(),
                run_services: run_services.clone(),
            });
        }
    }
    uses
}

/// Features that run a database server in the dev container (not a client's):
/// `ghcr.io/itsmechlark/features/postgresql:1`, `…/redis-server:1`.
fn features(ctx: &mut Scan<'_>, file: &str, doc: &serde_json::Value) {
    let Some(features) = doc.get("features").and_then(|v| v.as_object()) else {
        return;
    };
    for id in features.keys() {
        if let Some(service) = feature_service(id) {
            ctx.hit(
                service,
                file,
                format!("feature {id}"),
                Weight::Needed,
                Basis::Setup,
            );
        }
    }
}

fn feature_service(id: &str) -> Option<Service> {
    let no_digest = id.split('@').next().unwrap_or(id);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    let name = last.split(':').next().unwrap_or(last).to_ascii_lowercase();
    match name.as_str() {
        "postgresql" | "postgres" | "postgresql-server" | "postgres-server" => {
            Some(Service::Postgres)
        }
        "redis" | "redis-server" | "valkey" | "valkey-server" => Some(Service::Redis),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_ids() {
        let pg = Some(Service::Postgres);
        let redis = Some(Service::Redis);
        assert_eq!(
            feature_service("ghcr.io/itsmechlark/features/postgresql:1"),
            pg
        );
        assert_eq!(
            feature_service("ghcr.io/itsmechlark/features/redis-server:1.2"),
            redis
        );
        assert_eq!(
            feature_service("ghcr.io/itsmechlark/features/valkey@sha256:ab"),
            redis
        );
        assert_eq!(
            feature_service("ghcr.io/CargoSense/devcontainer-features/postgresql-client:1"),
            None
        );
        assert_eq!(
            feature_service("ghcr.io/devcontainers/features/node:1"),
            None
        );
        assert_eq!(feature_service("./local-feature"), None);
    }

    #[test]
    fn where_definitions_live() {
        assert!(is_devcontainer_file(".devcontainer/devcontainer.json"));
        assert!(is_devcontainer_file(
            ".devcontainer/python/devcontainer.json"
        ));
        assert!(is_devcontainer_file("app/.devcontainer/devcontainer.json"));
        assert!(is_devcontainer_file(".devcontainer.json"));
        assert!(!is_devcontainer_file("devcontainer.json"));
        assert!(!is_devcontainer_file("docs/devcontainer.json"));
    }
}
