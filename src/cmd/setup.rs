//! `setup`: create or update the credentials secret (and optionally an egress policy) without the
//! user learning kubectl. Values come from hidden prompts on a terminal, from the environment
//! otherwise, and never appear in any output.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use anyhow::Result;

use super::Ctx;
use crate::cli::SetupArgs;
use crate::cluster::Cluster;
use crate::cluster::policy::{self, NETWORK_POLICY};
use crate::cluster::secrets::{self, CLAUDE_KEYS, GITHUB_KEY as REQUIRED_GITHUB};
use crate::failure::{Failure, Outcome};
use crate::settings::Flags;

const OPTIONAL_KEYS: [&str; 2] = ["TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"];

pub fn run(ctx: &Ctx, args: SetupArgs) -> Result<Outcome> {
    let secret_name = ctx
        .settings(&Flags {
            secret: args.secret.clone(),
            ..ctx.flags()
        })?
        .secret
        .value;
    let interactive =
        !args.from_env && std::io::stdin().is_terminal() && ctx.printer.stderr_is_terminal();

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
                crate::job::to_yaml_value(&policy::network_policy(None))?
            ))?;
        }
        return Ok(Outcome::Success);
    }

    super::block_on(async {
        let cluster = ctx.connect().await?;
        let existing = secrets::find(&cluster, &secret_name)
            .await
            .map_err(|e| cluster.failure(e, "get", "secrets", Some(&secret_name)))?;
        let have: Vec<String> = existing
            .as_ref()
            .map(secrets::key_names)
            .unwrap_or_default();

        let values = if interactive {
            prompt(ctx, &have)?
        } else {
            from_env()
        };
        check_shapes(&values)?;
        let missing =
            secrets::missing_keys(|k| values.contains_key(k) || have.iter().any(|h| h == k));
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
        let verb = secrets::write(&cluster, &secret_name, existing, &values).await?;
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
            policy::apply(&cluster).await?;
            ctx.printer.out(&format!(
                "network policy {NETWORK_POLICY} applied: sandbox pods accept no connections and may reach only the cluster's DNS and HTTPS outside private ranges (enforced only where the cluster's network plugin supports NetworkPolicy)"
            ))?;
        }
        Ok(Outcome::Success)
    })?
}

/// The registry secret must exist where jobs run; then every job gets it through the config.
async fn record_pull_secret(ctx: &Ctx, cluster: &Cluster, name: &str) -> Result<()> {
    let found = secrets::find(cluster, name)
        .await
        .map_err(|e| cluster.failure(e, "get", "secrets", Some(name)))?;
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
}
