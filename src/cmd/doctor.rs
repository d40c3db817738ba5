//! `doctor`: every precondition of a job, checked one by one, each failure with its fix.

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::cli::{DoctorArgs, TextOrJson};
use crate::cluster::{self, Cluster, secrets, server};
use crate::failure::{Failure, Outcome};
use crate::output::Tone;
use crate::settings::Flags;

#[derive(Debug, Serialize)]
struct Check {
    name: String,
    ok: bool,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

impl Check {
    fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// What the tool does in a namespace, as (verb, group, resource, subresource).
const PERMISSIONS: &[(&str, &str, &str, &str)] = &[
    ("create", "batch", "jobs", ""),
    ("list", "batch", "jobs", ""),
    ("delete", "batch", "jobs", ""),
    ("get", "", "pods", ""),
    ("list", "", "pods", ""),
    ("watch", "", "pods", ""),
    ("get", "", "pods", "log"),
    ("list", "", "events", ""),
    ("get", "", "secrets", ""),
];

pub fn run(ctx: &Ctx, args: DoctorArgs) -> Result<Outcome> {
    let checks = super::block_on(checks(ctx, args.secret.clone()))?;
    match args.output {
        TextOrJson::Json => ctx.printer.out(&serde_json::to_string_pretty(&checks)?)?,
        TextOrJson::Text => {
            let p = &ctx.printer;
            let mut text = String::new();
            for c in &checks {
                let mark = if c.ok {
                    p.paint_out("✓", Tone::Good)
                } else {
                    p.paint_out("✗", Tone::Bad)
                };
                text.push_str(&format!("{mark} {}: {}\n", c.name, c.detail));
                if let Some(fix) = &c.fix {
                    text.push_str(&format!("    fix: {fix}\n"));
                }
            }
            p.out(&text)?;
        }
    }
    let failed = checks.iter().filter(|c| !c.ok).count();
    if failed > 0 {
        return Err(Failure::new(format!(
            "{failed} check{} failed",
            if failed == 1 { "" } else { "s" }
        ))
        .into());
    }
    Ok(Outcome::Success)
}

async fn checks(ctx: &Ctx, secret_flag: Option<String>) -> Vec<Check> {
    let mut out = Vec::new();
    let target = match ctx.target() {
        Ok(t) => t,
        Err(e) => {
            out.push(Check::fail(
                "configuration",
                format!("{e:#}"),
                "fix the config file named above",
            ));
            return out;
        }
    };
    let cluster = match cluster::connect(&target).await {
        Ok(c) => {
            out.push(Check::pass(
                "kubeconfig",
                format!(
                    "context {} → {} (namespace {})",
                    c.context, c.server, c.namespace
                ),
            ));
            c
        }
        Err(f) => {
            out.push(Check::fail(
                "kubeconfig",
                f.message,
                f.hint.unwrap_or_else(|| "check the kubeconfig".into()),
            ));
            return out;
        }
    };

    match server::version(&cluster).await {
        Ok(v) => {
            out.push(Check::pass(
                "cluster",
                format!("reachable, Kubernetes {}", v.text),
            ));
            if v.has_native_sidecars() {
                out.push(Check::pass(
                    "native sidecars",
                    "supported (1.29+), so postgres/redis can run beside the agent",
                ));
            } else {
                out.push(Check::fail(
                    "native sidecars",
                    format!("not supported by {}.{}", v.major, v.minor),
                    "use --services none, or a cluster on Kubernetes 1.29 or newer",
                ));
            }
        }
        Err(e) => {
            let f = cluster.failure(e, "reach", "the API server", None);
            out.push(Check::fail(
                "cluster",
                f.message,
                f.hint.unwrap_or_default(),
            ));
            return out;
        }
    }

    for (verb, group, resource, sub) in PERMISSIONS {
        let what = if sub.is_empty() {
            resource.to_string()
        } else {
            format!("{resource}/{sub}")
        };
        let name = format!("may {verb} {what}");
        match server::may(&cluster, verb, group, resource, sub).await {
            Ok(true) => out.push(Check::pass(
                name,
                format!("allowed in namespace {}", cluster.namespace),
            )),
            Ok(false) => out.push(Check::fail(
                name,
                format!("denied in namespace {}", cluster.namespace),
                format!(
                    "ask a cluster admin for a Role allowing {verb} on {what} in {}",
                    cluster.namespace
                ),
            )),
            Err(e) => out.push(Check::fail(
                name,
                format!("could not be checked: {e}"),
                "check that SelfSubjectAccessReview is allowed",
            )),
        }
    }

    let settings = match ctx.settings(&Flags {
        secret: secret_flag,
        ..ctx.flags()
    }) {
        Ok(s) => s,
        Err(e) => {
            out.push(Check::fail(
                "configuration",
                format!("{e:#}"),
                "fix the value named above",
            ));
            return out;
        }
    };
    out.push(secret_check(&cluster, &settings.secret.value).await);

    for name in &settings.image_pull_secrets.value {
        out.push(match secrets::find(&cluster, name).await {
            Ok(Some(_)) => Check::pass(format!("image pull secret {name}"), "present"),
            Ok(None) => Check::fail(
                format!("image pull secret {name}"),
                format!("not found in namespace {}", cluster.namespace),
                format!("kubectl -n {} create secret docker-registry {name} --docker-server=… --docker-username=… --docker-password=…", cluster.namespace),
            ),
            Err(e) => Check::fail(format!("image pull secret {name}"), crate::cluster::errors::short(&e), "check access to secrets"),
        });
    }
    out
}

/// Key names only: values are never read into anything that is printed.
async fn secret_check(cluster: &Cluster, name: &str) -> Check {
    let label = format!("secret {name}");
    let found = match secrets::find(cluster, name).await {
        Ok(f) => f,
        Err(e) => {
            return Check::fail(
                label,
                crate::cluster::errors::short(&e),
                "check access to secrets",
            );
        }
    };
    let Some(secret) = found else {
        return Check::fail(
            label,
            format!("not found in namespace {}", cluster.namespace),
            "create it with `claude-sandbox setup`",
        );
    };
    let keys = secrets::key_names(&secret);
    let missing = secrets::missing_keys(|k| keys.iter().any(|x| x == k));
    if missing.is_empty() {
        Check::pass(label, format!("has {}", keys.join(", ")))
    } else {
        Check::fail(
            label,
            format!("lacks {}", missing.join(" and ")),
            "add them with `claude-sandbox setup`",
        )
    }
}
