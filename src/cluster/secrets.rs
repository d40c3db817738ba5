//! The credentials secret: which keys a job needs, reading key names (never values) from the
//! cluster, and writing the secret for `setup`.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kube::api::PostParams;

use super::{Cluster, retry};
use crate::failure::Failure;
use crate::job::keys;

/// The agent clones and pushes with this.
pub const GITHUB_KEY: &str = "GITHUB_TOKEN";
/// The agent needs one of these to talk to Claude.
pub const CLAUDE_KEYS: [&str; 2] = ["CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_API_KEY"];

/// The required keys a secret lacks, as the user should read them; empty when it has them all.
/// `has` answers for one key name, so `setup` can count keys it is about to write.
pub fn missing_keys(has: impl Fn(&str) -> bool) -> Vec<String> {
    let mut missing = Vec::new();
    if !has(GITHUB_KEY) {
        missing.push(GITHUB_KEY.to_string());
    }
    if !CLAUDE_KEYS.iter().any(|k| has(k)) {
        missing.push(CLAUDE_KEYS.join(" or "));
    }
    missing
}

/// The names of a secret's keys, from `data` and from `stringData` (which a secret written by
/// some tools still carries when read back). Values are never looked at.
pub fn key_names(secret: &Secret) -> Vec<String> {
    let mut names: Vec<String> = secret
        .data
        .iter()
        .flat_map(|d| d.keys())
        .chain(secret.string_data.iter().flat_map(|d| d.keys()))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// One secret by name, or None. The error is kube's own, so a caller can treat 403 (may not read
/// secrets) as something to warn about rather than fail on.
pub async fn find(cluster: &Cluster, name: &str) -> Result<Option<Secret>, kube::Error> {
    let api: Api<Secret> = cluster.api();
    retry::idempotent(|| api.get_opt(name)).await
}

/// What the credentials check before a submit found, short of a failure.
pub enum Credentials {
    Complete,
    /// The user may not read secrets, so the keys were not checked.
    Unchecked,
}

/// Before a submit: the secret exists and has the keys a job needs. A missing namespace also
/// answers 404 for the secret, so that case is told apart and named.
pub async fn check_credentials(cluster: &Cluster, secret: &str) -> Result<Credentials, Failure> {
    let ns = &cluster.namespace;
    let found = match find(cluster, secret).await {
        Ok(s) => s,
        Err(kube::Error::Api(s)) if s.code == 403 => return Ok(Credentials::Unchecked),
        Err(e) => return Err(cluster.failure(e, "get", "secrets", Some(secret))),
    };
    let Some(found) = found else {
        if namespace_is_missing(cluster).await {
            return Err(Failure::new(format!("namespace {ns} does not exist")).hint(
                "create it with `kubectl create namespace NAME`, or choose another with -n",
            ));
        }
        return Err(Failure::new(format!("secret {secret} not found in namespace {ns}"))
            .hint(format!(
                "create it: kubectl -n {ns} create secret generic {secret} --from-literal=GITHUB_TOKEN=… --from-literal=CLAUDE_CODE_OAUTH_TOKEN=…"
            )));
    };
    let names = key_names(&found);
    let missing = missing_keys(|k| names.iter().any(|n| n == k));
    if !missing.is_empty() {
        return Err(Failure::new(format!(
            "secret {secret} in namespace {ns} lacks {}",
            missing.join(" and ")
        ))
        .hint("add the missing keys to the secret (kubectl edit secret, or recreate it)"));
    }
    Ok(Credentials::Complete)
}

/// True only when the server says the namespace is not there; any other answer is not proof.
async fn namespace_is_missing(cluster: &Cluster) -> bool {
    let namespaces: Api<Namespace> = Api::all(cluster.client.clone());
    matches!(namespaces.get_opt(&cluster.namespace).await, Ok(None))
}

/// Write the given keys into the secret, keeping every other key of an existing one; the
/// resourceVersion of `existing` makes a concurrent change fail rather than be overwritten.
/// Returns "created" or "updated".
pub async fn write(
    cluster: &Cluster,
    name: &str,
    existing: Option<Secret>,
    values: &BTreeMap<String, String>,
) -> Result<&'static str, Failure> {
    let api: Api<Secret> = cluster.api();
    let new_data = values
        .iter()
        .map(|(k, v)| (k.clone(), ByteString(v.as_bytes().to_vec())));
    let params = PostParams {
        field_manager: Some("claude-sandbox".into()),
        ..Default::default()
    };
    match existing {
        Some(mut secret) => {
            secret
                .data
                .get_or_insert_with(BTreeMap::new)
                .extend(new_data);
            api.replace(name, &params, &secret)
                .await
                .map_err(|e| cluster.failure(e, "update", "secrets", Some(name)))?;
            Ok("updated")
        }
        None => {
            let secret = Secret {
                metadata: ObjectMeta {
                    name: Some(name.into()),
                    namespace: Some(cluster.namespace.clone()),
                    labels: Some(BTreeMap::from([(
                        keys::MANAGED_BY.into(),
                        keys::MANAGED_BY_VALUE.into(),
                    )])),
                    ..Default::default()
                },
                type_: Some("Opaque".into()),
                data: Some(new_data.collect()),
                ..Default::default()
            };
            api.create(&params, &secret)
                .await
                .map_err(|e| cluster.failure(e, "create", "secrets", Some(name)))?;
            Ok("created")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_count_from_data_and_string_data() {
        let secret = Secret {
            data: Some(BTreeMap::from([(
                "GITHUB_TOKEN".to_string(),
                ByteString(b"x".to_vec()),
            )])),
            string_data: Some(BTreeMap::from([(
                "ANTHROPIC_API_KEY".to_string(),
                "y".to_string(),
            )])),
            ..Default::default()
        };
        let names = key_names(&secret);
        assert_eq!(names, ["ANTHROPIC_API_KEY", "GITHUB_TOKEN"]);
        assert!(missing_keys(|k| names.iter().any(|n| n == k)).is_empty());
        assert_eq!(
            missing_keys(|_| false),
            [
                "GITHUB_TOKEN",
                "CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_API_KEY"
            ]
        );
    }
}
