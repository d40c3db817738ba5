//! `config show` and `config path`: the resolved settings with where each came from, and where
//! the files are.

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::cli::{ConfigCommand, TextOrJson};
use crate::failure::Outcome;
use crate::job;
use crate::output::table;
use crate::plan::ServiceChoice;
use crate::settings::{Origin, Setting, Settings};

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
        ConfigCommand::Show(args) => {
            let settings = ctx.settings(&ctx.flags())?;
            let rows = rows(&settings);
            match args.output {
                TextOrJson::Json => {
                    let map: serde_json::Map<String, serde_json::Value> = rows
                        .into_iter()
                        .map(|r| {
                            let entry = serde_json::json!({
                                "value": r.value,
                                "source": r.source,
                            });
                            (r.key.to_string(), entry)
                        })
                        .collect();
                    ctx.printer.out(&serde_json::to_string_pretty(&map)?)?;
                }
                TextOrJson::Text => {
                    let cells: Vec<Vec<String>> = rows
                        .iter()
                        .map(|r| vec![r.key.to_string(), r.text.clone(), r.source_label()])
                        .collect();
                    ctx.printer.out(&table(&["KEY", "VALUE", "FROM"], &cells))?;
                }
            }
        }
    }
    Ok(Outcome::Success)
}

/// One key of `config show`: its value as JSON and as text, and where it came from.
struct Row {
    key: &'static str,
    value: serde_json::Value,
    text: String,
    /// One source, or several for the maps merged key by key (`env`, `node_selector`).
    source: Vec<Origin>,
}

impl Row {
    fn source_label(&self) -> String {
        let mut labels: Vec<String> = self.source.iter().map(Origin::label).collect();
        labels.dedup();
        labels.join(", ")
    }
}

fn row<T: Serialize>(key: &'static str, s: &Setting<T>, text: String) -> Row {
    Row {
        key,
        value: serde_json::to_value(&s.value).unwrap_or_default(),
        text,
        source: vec![s.source.clone()],
    }
}

/// `reveal` false: only the names are shown, in JSON too (the agent's env may hold tokens).
fn map_row(
    key: &'static str,
    map: &std::collections::BTreeMap<String, Setting<String>>,
    reveal: bool,
    text: impl Fn(&str, &str) -> String,
) -> Row {
    let value = if reveal {
        serde_json::Value::Object(
            map.iter()
                .map(|(k, s)| (k.clone(), serde_json::Value::String(s.value.clone())))
                .collect(),
        )
    } else {
        serde_json::Value::from(map.keys().cloned().collect::<Vec<_>>())
    };
    let shown: Vec<String> = map.iter().map(|(k, s)| text(k, &s.value)).collect();
    Row {
        key,
        value,
        text: if shown.is_empty() {
            "(none)".into()
        } else {
            shown.join(", ")
        },
        source: if map.is_empty() {
            vec![Origin::Default]
        } else {
            map.values().map(|s| s.source.clone()).collect()
        },
    }
}

fn rows(s: &Settings) -> Vec<Row> {
    let or = |v: &Option<String>, default: &str| v.clone().unwrap_or_else(|| default.to_string());
    let pair = |(request, limit): &(String, String)| format!("{request}:{limit}");
    let list = |v: &[String], sep: &str| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            v.join(sep)
        }
    };
    vec![
        row(
            "image",
            &s.image,
            or(
                &s.image.value,
                &format!("{} (ruby-X.Y tag when detected)", job::DEFAULT_IMAGE),
            ),
        ),
        row(
            "namespace",
            &s.namespace,
            or(
                &s.namespace.value,
                "(the context's namespace, else default)",
            ),
        ),
        row(
            "context",
            &s.context,
            or(&s.context.value, "(the kubeconfig's current context)"),
        ),
        row("secret", &s.secret, s.secret.value.clone()),
        Row {
            key: "services",
            value: serde_json::Value::String(services_text(&s.services.value)),
            text: services_text(&s.services.value),
            source: vec![s.services.source.clone()],
        },
        row("cpu", &s.cpu, pair(&s.cpu.value)),
        row("memory", &s.memory, pair(&s.memory.value)),
        row(
            "ephemeral_storage",
            &s.ephemeral_storage,
            pair(&s.ephemeral_storage.value),
        ),
        row(
            "workspace_size",
            &s.workspace_size,
            s.workspace_size.value.clone(),
        ),
        row(
            "service_data_size",
            &s.service_data_size,
            s.service_data_size.value.clone(),
        ),
        Row {
            key: "ttl",
            value: serde_json::Value::String(crate::units::format_duration(s.ttl.value)),
            text: crate::units::format_duration(s.ttl.value),
            source: vec![s.ttl.source.clone()],
        },
        Row {
            key: "deadline",
            value: serde_json::Value::String(crate::units::format_duration(s.deadline.value)),
            text: crate::units::format_duration(s.deadline.value),
            source: vec![s.deadline.source.clone()],
        },
        row(
            "postgres_image",
            &s.postgres_image,
            s.postgres_image.value.clone(),
        ),
        row(
            "postgis_image",
            &s.postgis_image,
            s.postgis_image.value.clone(),
        ),
        row("redis_image", &s.redis_image, s.redis_image.value.clone()),
        // Names only: values may be tokens.
        map_row("env", &s.env, false, |k, _| k.to_string()),
        row(
            "image_pull_secrets",
            &s.image_pull_secrets,
            list(&s.image_pull_secrets.value, ", "),
        ),
        map_row("node_selector", &s.node_selector, true, |k, v| {
            format!("{k}={v}")
        }),
        row(
            "tolerations",
            &s.tolerations,
            if s.tolerations.value.is_empty() {
                "(none)".into()
            } else {
                format!("{} entries", s.tolerations.value.len())
            },
        ),
        row(
            "agent_args",
            &s.agent_args,
            s.agent_args
                .value
                .as_deref()
                .map_or("(none)".to_string(), |a| list(a, " ")),
        ),
        row(
            "anthropic_api",
            &s.anthropic_api,
            s.anthropic_api.value.clone(),
        ),
        row(
            "holder_image",
            &s.holder_image,
            s.holder_image.value.clone(),
        ),
        row(
            "max_turns",
            &s.max_turns,
            s.max_turns.value.map_or("(none)".into(), |n| n.to_string()),
        ),
        row(
            "max_budget_usd",
            &s.max_budget_usd,
            s.max_budget_usd
                .value
                .map_or("(none)".into(), |d| format!("${d}")),
        ),
        row("pr", &s.pr, s.pr.value.to_string()),
        row("pr_draft", &s.pr_draft, s.pr_draft.value.to_string()),
        row(
            "github_api",
            &s.github_api,
            if s.github_api.value.is_empty() {
                "(the API of the repository's host)".into()
            } else {
                s.github_api.value.clone()
            },
        ),
        row(
            "queue",
            &s.queue,
            s.queue.value.clone().unwrap_or_else(|| "(none)".into()),
        ),
    ]
}

fn services_text(choice: &ServiceChoice) -> String {
    match choice {
        ServiceChoice::Auto => "auto".into(),
        ServiceChoice::None => "none".into(),
        ServiceChoice::List(list) => list
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}
