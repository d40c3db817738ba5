use anyhow::Result;

use super::Ctx;
use super::source::env_nonempty;
use crate::cli::ConfigCommand;
use crate::config::{FileConfig, Source};
use crate::failure::Outcome;
use crate::job;
use crate::output::table;

pub fn run(ctx: &Ctx, cmd: ConfigCommand) -> Result<Outcome> {
    match cmd {
        ConfigCommand::Path => {
            let paths = ctx.config_paths();
            let show = |p: Option<std::path::PathBuf>| {
                p.map_or("(none: not inside a git repository)".to_string(), |p| {
                    let state = if p.exists() { "" } else { "  (does not exist)" };
                    format!("{}{state}", p.display())
                })
            };
            ctx.printer.out(&format!(
                "user        {}\nrepository  {}",
                show(paths.user),
                show(paths.repo)
            ))?;
        }
        ConfigCommand::Show => {
            let layers = ctx.config()?;
            let mut rows = Vec::new();
            let mut row = |key: &str, value: Option<(String, Source)>, default: &str| {
                let (v, src) = value.unwrap_or_else(|| (default.to_string(), Source::Default));
                rows.push(vec![key.to_string(), v, source_label(&src)]);
            };
            let file = |get: fn(&FileConfig) -> Option<String>| layers.pick(get);
            let env_or = |vars: &[&'static str], get: fn(&FileConfig) -> Option<String>| {
                vars.iter()
                    .find_map(|v| env_nonempty(v).map(|val| (val, Source::Env(v))))
                    .or_else(|| layers.pick(get))
            };
            let flag_env = |flag: &Option<String>, var: &'static str| {
                flag.clone().map(|v| {
                    let src = if env_nonempty(var).as_deref() == Some(v.as_str()) {
                        Source::Env(var)
                    } else {
                        Source::Flag
                    };
                    (v, src)
                })
            };
            row(
                "image",
                env_or(&["CLAUDE_SANDBOX_IMAGE", "CLAUDE_IMAGE"], |c| {
                    c.image.clone()
                }),
                &format!("{} (ruby-X.Y tag when detected)", job::DEFAULT_IMAGE),
            );
            row(
                "namespace",
                flag_env(&ctx.global.namespace, "CLAUDE_SANDBOX_NAMESPACE")
                    .or_else(|| file(|c| c.namespace.clone())),
                "(the context's namespace, else default)",
            );
            row(
                "context",
                flag_env(&ctx.global.context, "CLAUDE_SANDBOX_CONTEXT")
                    .or_else(|| file(|c| c.context.clone())),
                "(the kubeconfig's current context)",
            );
            row(
                "secret",
                env_or(&["CLAUDE_SANDBOX_SECRET"], |c| c.secret.clone()),
                job::DEFAULT_SECRET,
            );
            row(
                "services",
                env_or(&["CLAUDE_SANDBOX_SERVICES"], |c| c.services.clone()),
                "auto",
            );
            row("cpu", file(|c| c.cpu.clone()), "1:2");
            row("memory", file(|c| c.memory.clone()), "2Gi:4Gi");
            row("ttl", file(|c| c.ttl.clone()), "1h");
            row("deadline", file(|c| c.deadline.clone()), "4h");
            row(
                "postgres_image",
                file(|c| c.postgres_image.clone()),
                job::DEFAULT_POSTGRES_IMAGE,
            );
            row(
                "postgis_image",
                file(|c| c.postgis_image.clone()),
                job::DEFAULT_POSTGIS_IMAGE,
            );
            row(
                "redis_image",
                file(|c| c.redis_image.clone()),
                job::DEFAULT_REDIS_IMAGE,
            );
            let list = |v: Vec<String>| {
                if v.is_empty() {
                    None
                } else {
                    Some(v.join(", "))
                }
            };
            row(
                "env",
                list(layers.merged_map(|c| c.env.clone()).into_keys().collect())
                    .map(|v| (v, Source::Repo)),
                "(none)",
            );
            row(
                "image_pull_secrets",
                layers
                    .pick(|c| c.image_pull_secrets.clone())
                    .map(|(v, s)| (v.join(", "), s)),
                "(none)",
            );
            row(
                "node_selector",
                list(
                    layers
                        .merged_map(|c| c.node_selector.clone())
                        .into_iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect(),
                )
                .map(|v| (v, Source::Repo)),
                "(none)",
            );
            row(
                "tolerations",
                layers
                    .pick(|c| c.tolerations.clone())
                    .map(|(v, s)| (format!("{} entries", v.len()), s)),
                "(none)",
            );
            row(
                "agent_args",
                layers
                    .pick(|c| c.agent_args.clone())
                    .map(|(v, s)| (v.join(" "), s)),
                "(none)",
            );
            ctx.printer.out(&table(&["KEY", "VALUE", "FROM"], &rows))?;
        }
    }
    Ok(Outcome::Success)
}

fn source_label(s: &Source) -> String {
    match s {
        Source::Flag => "flag".into(),
        Source::Env(v) => format!("env {v}"),
        Source::Repo => crate::config::REPO_FILE.into(),
        Source::User => "user config".into(),
        Source::Default => "default".into(),
    }
}
