//! `setup`: create or update the credentials secret (and optionally an egress policy) without the
//! user learning kubectl. Values come from hidden prompts on a terminal, from the environment
//! otherwise, and never appear in any output.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use anyhow::Result;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::Api;
use kube::api::PostParams;

use super::Ctx;
use crate::cli::SetupArgs;
use crate::cluster::{Action, Cluster, describe, retry};
use crate::failure::{Failure, Outcome};
use crate::job;

const REQUIRED_GITHUB: &str = "GITHUB_TOKEN";
const CLAUDE_KEYS: [&str; 2] = ["CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_API_KEY"];
const OPTIONAL_KEYS: [&str; 2] = ["TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"];
pub const NETWORK_POLICY: &str = "claude-sandbox-egress";

pub fn run(ctx: &Ctx, args: SetupArgs) -> Result<Outcome> {
    let secret_name = args
        .secret
        .clone()
        .or_else(|| ctx.config().ok().and_then(|l| l.get(|c| c.secret.clone())))
        .unwrap_or_else(|| job::DEFAULT_SECRET.into());
    let interactive =
        !args.from_env && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();

    if args.dry_run && !interactive {
        let values = from_env();
        check_shapes(&values)?;
        ctx.printer.out(&redacted_yaml(
            &secret_name,
            ctx.global.namespace.as_deref(),
            &values,
        ))?;
        if args.network_policy {
            ctx.printer.out(&format!(
                "---\n{}",
                crate::job::to_yaml_value(&network_policy(None))?
            ))?;
        }
        return Ok(Outcome::Success);
    }

    super::block_on(async {
        let cluster = ctx.connect().await?;
        let api: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let existing = retry::idempotent(|| api.get_opt(&secret_name))
            .await
            .map_err(|e| {
                describe(
                    e,
                    &Action::new("get", "secrets", &cluster.namespace).named(&secret_name),
                    &cluster.server,
                )
            })?;
        let have: Vec<String> = existing
            .as_ref()
            .and_then(|s| s.data.as_ref())
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default();

        let values = if interactive {
            prompt(ctx, &have)?
        } else {
            from_env()
        };
        check_shapes(&values)?;
        let has = |k: &str| values.contains_key(k) || have.iter().any(|h| h == k);
        let mut missing = Vec::new();
        if !has(REQUIRED_GITHUB) {
            missing.push(REQUIRED_GITHUB.to_string());
        }
        if !CLAUDE_KEYS.iter().any(|k| has(k)) {
            missing.push(CLAUDE_KEYS.join(" or "));
        }
        if !missing.is_empty() {
            return Err(Failure::new(format!("missing {}", missing.join(" and ")))
                .hint(if interactive {
                    "enter a value for each required key".to_string()
                } else {
                    format!("set them in the environment, e.g. {REQUIRED_GITHUB}=… CLAUDE_CODE_OAUTH_TOKEN=… claude-sandbox setup --from-env")
                })
                .into());
        }
        if args.dry_run {
            ctx.printer.out(&redacted_yaml(
                &secret_name,
                Some(&cluster.namespace),
                &values,
            ))?;
            return Ok(Outcome::Success);
        }
        let verb = write_secret(&cluster, &api, &secret_name, existing, &values).await?;
        let mut keys: Vec<String> = have.clone();
        keys.extend(values.keys().cloned());
        keys.sort();
        keys.dedup();
        ctx.printer.out(&format!(
            "secret {secret_name} {verb} in namespace {} with {} (values not shown)",
            cluster.namespace,
            keys.join(", ")
        ))?;
        if let Some(pull) = &args.image_pull_secret {
            record_pull_secret(ctx, &cluster, pull).await?;
        }
        if args.network_policy {
            apply_network_policy(&cluster).await?;
            ctx.printer.out(&format!(
                "network policy {NETWORK_POLICY} applied: sandbox pods accept no connections and may reach only the cluster's DNS and HTTPS outside private ranges (enforced only where the cluster's network plugin supports NetworkPolicy)"
            ))?;
        }
        Ok(Outcome::Success)
    })?
}

/// The registry secret must exist where jobs run; then every job gets it through the config.
async fn record_pull_secret(ctx: &Ctx, cluster: &Cluster, name: &str) -> Result<()> {
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let found = retry::idempotent(|| api.get_opt(name)).await.map_err(|e| {
        describe(
            e,
            &Action::new("get", "secrets", &cluster.namespace).named(name),
            &cluster.server,
        )
    })?;
    if found.is_none() {
        return Err(Failure::new(format!("registry secret {name} not found in namespace {}", cluster.namespace))
            .hint(format!(
                "create it first: kubectl -n {} create secret docker-registry {name} --docker-server=… --docker-username=… --docker-password=…",
                cluster.namespace
            ))
            .into());
    }
    let path = ctx
        .config_paths()
        .user
        .ok_or_else(|| Failure::new("no config directory is known for this user"))?;
    let added = crate::config::add_image_pull_secret(&path, name)
        .map_err(|e| Failure::new(e.to_string()))?;
    ctx.printer.out(&if added {
        format!("image pull secret {name} recorded in {}", path.display())
    } else {
        format!("image pull secret {name} was already in {}", path.display())
    })?;
    Ok(())
}

fn from_env() -> BTreeMap<String, String> {
    std::iter::once(REQUIRED_GITHUB)
        .chain(CLAUDE_KEYS)
        .chain(OPTIONAL_KEYS)
        .filter_map(|k| {
            std::env::var(k)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .map(|v| (k.to_string(), v))
        })
        .collect()
}

fn prompt(ctx: &Ctx, have: &[String]) -> Result<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    ctx.printer.info("Enter each credential (input is hidden). Leave a field empty to keep what the secret has, or to skip it.");
    for key in std::iter::once(REQUIRED_GITHUB)
        .chain(CLAUDE_KEYS)
        .chain(OPTIONAL_KEYS)
    {
        let state = if have.iter().any(|h| h == key) {
            "set; empty keeps it"
        } else {
            "not set"
        };
        let value = dialoguer::Password::new()
            .with_prompt(format!("{key} ({state})"))
            .allow_empty_password(true)
            .interact()
            .map_err(|e| Failure::new(format!("could not read {key}: {e}")))?;
        let value = value.trim().to_string();
        if !value.is_empty() {
            values.insert(key.to_string(), value);
        }
    }
    Ok(values)
}

/// Catch the common paste mistakes before they reach the cluster: a value in the wrong field, or
/// with stray spaces. The message names the key, never the value.
pub fn check_shapes(values: &BTreeMap<String, String>) -> Result<(), Failure> {
    let looks_anthropic = |v: &str| v.starts_with("sk-ant-");
    let looks_github = |v: &str| {
        ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]
            .iter()
            .any(|p| v.starts_with(p))
    };
    for (key, value) in values {
        if value.chars().any(char::is_whitespace) {
            return Err(Failure::usage(format!(
                "{key} contains whitespace; paste only the token"
            )));
        }
        if key == REQUIRED_GITHUB && looks_anthropic(value) {
            return Err(Failure::usage(format!(
                "{key} looks like an Anthropic key, not a GitHub token"
            ))
            .hint("put it in CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_API_KEY instead"));
        }
        if CLAUDE_KEYS.contains(&key.as_str()) && looks_github(value) {
            return Err(Failure::usage(format!(
                "{key} looks like a GitHub token, not a Claude credential"
            ))
            .hint("put it in GITHUB_TOKEN instead"));
        }
    }
    Ok(())
}

fn redacted_yaml(name: &str, namespace: Option<&str>, values: &BTreeMap<String, String>) -> String {
    let mut out = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n");
    if let Some(ns) = namespace {
        out.push_str(&format!("  namespace: {ns}\n"));
    }
    out.push_str("type: Opaque\nstringData:\n");
    if values.is_empty() {
        out.push_str("  {}\n");
    }
    for key in values.keys() {
        out.push_str(&format!("  {key}: <redacted>\n"));
    }
    out
}

/// Replace only the keys given, keeping every other key of an existing secret; the
/// resourceVersion makes a concurrent change fail rather than be overwritten.
async fn write_secret(
    cluster: &Cluster,
    api: &Api<Secret>,
    name: &str,
    existing: Option<Secret>,
    values: &BTreeMap<String, String>,
) -> Result<&'static str> {
    let ns = &cluster.namespace;
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
            api.replace(name, &params, &secret).await.map_err(|e| {
                describe(
                    e,
                    &Action::new("update", "secrets", ns).named(name),
                    &cluster.server,
                )
            })?;
            Ok("updated")
        }
        None => {
            let secret = Secret {
                metadata: ObjectMeta {
                    name: Some(name.into()),
                    namespace: Some(ns.clone()),
                    labels: Some(BTreeMap::from([(
                        job::keys::MANAGED_BY.into(),
                        job::keys::MANAGED_BY_VALUE.into(),
                    )])),
                    ..Default::default()
                },
                type_: Some("Opaque".into()),
                data: Some(new_data.collect()),
                ..Default::default()
            };
            api.create(&params, &secret).await.map_err(|e| {
                describe(
                    e,
                    &Action::new("create", "secrets", ns).named(name),
                    &cluster.server,
                )
            })?;
            Ok("created")
        }
    }
}

/// Addresses a sandbox pod must not reach even on 443: private ranges (other pods, the API
/// server, internal services), carrier-grade NAT, loopback and link-local (the cloud metadata
/// service at 169.254.169.254).
pub const BLOCKED_V4: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
];
/// The IPv6 equivalents: loopback, IPv4-mapped addresses (a way back into the ranges above),
/// unique-local and link-local.
pub const BLOCKED_V6: &[&str] = &["::1/128", "::ffff:0:0/96", "fc00::/7", "fe80::/10"];

/// Sandbox pods accept no connection, and may open only DNS to the cluster's DNS pods and HTTPS to
/// public addresses (the Claude API, GitHub, package registries). The agent runs arbitrary code,
/// so anything inside the cluster or its cloud stays out of its reach. SSH is not allowed: the
/// pod clones and pushes over HTTPS, and the image has no SSH client.
pub fn network_policy(namespace: Option<&str>) -> NetworkPolicy {
    let port = |protocol: &str, port: i32| NetworkPolicyPort {
        protocol: Some(protocol.into()),
        port: Some(IntOrString::Int(port)),
        ..Default::default()
    };
    let public = |cidr: &str, except: &[&str]| NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: cidr.into(),
            except: Some(except.iter().map(|c| c.to_string()).collect()),
        }),
        ..Default::default()
    };
    let cluster_dns = NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".into(),
                "kube-system".into(),
            )])),
            ..Default::default()
        }),
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([("k8s-app".into(), "kube-dns".into())])),
            ..Default::default()
        }),
        ..Default::default()
    };
    NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(NETWORK_POLICY.into()),
            namespace: namespace.map(String::from),
            labels: Some(BTreeMap::from([(
                job::keys::MANAGED_BY.into(),
                job::keys::MANAGED_BY_VALUE.into(),
            )])),
            ..Default::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([("app".into(), "claude-sandbox".into())])),
                ..Default::default()
            }),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            // Listed as a policy type with no rule: every incoming connection is refused.
            ingress: Some(vec![]),
            egress: Some(vec![
                NetworkPolicyEgressRule {
                    to: Some(vec![cluster_dns]),
                    ports: Some(vec![port("UDP", 53), port("TCP", 53)]),
                },
                NetworkPolicyEgressRule {
                    to: Some(vec![
                        public("0.0.0.0/0", BLOCKED_V4),
                        public("::/0", BLOCKED_V6),
                    ]),
                    ports: Some(vec![port("TCP", 443)]),
                },
            ]),
        }),
    }
}

async fn apply_network_policy(cluster: &Cluster) -> Result<()> {
    let ns = &cluster.namespace;
    let api: Api<NetworkPolicy> = Api::namespaced(cluster.client.clone(), ns);
    let mut policy = network_policy(Some(ns));
    let params = PostParams {
        field_manager: Some("claude-sandbox".into()),
        ..Default::default()
    };
    let action = Action::new("apply", "networkpolicies", ns).named(NETWORK_POLICY);
    match retry::idempotent(|| api.get_opt(NETWORK_POLICY)).await {
        Ok(Some(current)) => {
            policy.metadata.resource_version = current.metadata.resource_version;
            api.replace(NETWORK_POLICY, &params, &policy)
                .await
                .map_err(|e| describe(e, &action, &cluster.server))?;
        }
        Ok(None) => {
            api.create(&params, &policy)
                .await
                .map_err(|e| describe(e, &action, &cluster.server))?;
        }
        Err(e) => return Err(describe(e, &action, &cluster.server).into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(k: &str, v: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(k.to_string(), v.to_string())])
    }

    #[test]
    fn swapped_tokens_are_caught_without_echoing_them() {
        let err = check_shapes(&one("GITHUB_TOKEN", "sk-ant-oat01-SECRET")).unwrap_err();
        assert!(err.message.contains("Anthropic") && !err.message.contains("SECRET"));
        let err = check_shapes(&one("ANTHROPIC_API_KEY", "ghp_SECRET")).unwrap_err();
        assert!(err.message.contains("GitHub") && !err.message.contains("SECRET"));
        assert!(check_shapes(&one("GITHUB_TOKEN", "ghp abc")).is_err());
        assert!(check_shapes(&one("GITHUB_TOKEN", "github_pat_x")).is_ok());
        assert!(check_shapes(&one("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-x")).is_ok());
    }

    #[test]
    fn the_policy_denies_ingress_and_allows_only_cluster_dns_and_public_https() {
        let spec = network_policy(Some("ns")).spec.unwrap();
        assert_eq!(
            spec.policy_types.as_deref(),
            Some(&["Ingress".to_string(), "Egress".to_string()][..])
        );
        assert_eq!(
            spec.ingress.as_deref(),
            Some(&[][..]),
            "no ingress rule at all"
        );
        let egress = spec.egress.unwrap();
        assert_eq!(egress.len(), 2);
        let ports = |r: &NetworkPolicyEgressRule| -> Vec<(String, i32)> {
            r.ports
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|p| match p.port {
                    Some(IntOrString::Int(n)) => (p.protocol.unwrap_or_default(), n),
                    _ => (String::new(), 0),
                })
                .collect()
        };

        let dns = &egress[0];
        assert_eq!(ports(dns), [("UDP".into(), 53), ("TCP".into(), 53)]);
        let to = dns.to.clone().unwrap();
        assert_eq!(to.len(), 1);
        assert!(
            to[0].ip_block.is_none(),
            "DNS goes to the DNS pods, not anywhere"
        );
        assert_eq!(
            to[0].pod_selector.clone().unwrap().match_labels.unwrap()["k8s-app"],
            "kube-dns"
        );
        assert_eq!(
            to[0]
                .namespace_selector
                .clone()
                .unwrap()
                .match_labels
                .unwrap()["kubernetes.io/metadata.name"],
            "kube-system"
        );

        let https = &egress[1];
        assert_eq!(ports(https), [("TCP".into(), 443)]);
        let blocks: Vec<IPBlock> = https
            .to
            .clone()
            .unwrap()
            .into_iter()
            .map(|p| p.ip_block.expect("HTTPS goes to address blocks only"))
            .collect();
        assert_eq!(blocks[0].cidr, "0.0.0.0/0");
        assert_eq!(blocks[1].cidr, "::/0");
        let v4 = blocks[0].except.clone().unwrap();
        for private in [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "169.254.0.0/16",
        ] {
            assert!(v4.iter().any(|c| c == private), "{private} is not excluded");
        }
        let v6 = blocks[1].except.clone().unwrap();
        for private in ["fc00::/7", "fe80::/10", "::1/128", "::ffff:0:0/96"] {
            assert!(v6.iter().any(|c| c == private), "{private} is not excluded");
        }
    }
}
