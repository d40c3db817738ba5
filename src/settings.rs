//! Every setting a job or a command uses, resolved once: flag → environment → repository file →
//! user file → default. Each value carries where it came from, so `remote` builds from it,
//! `detect` and `config show` print from it, and the three can never disagree. The defaults are
//! the constants the Job rendering uses (`job`), not copies of them.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Toleration;
use serde::Serialize;

use crate::config::{Layer, Layers, Level, REPO_FILE};
use crate::failure::Failure;
use crate::job::{self, Resources, SidecarImages, Storage};
use crate::plan::ServiceChoice;
use crate::units::{self, ResourceSpec};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "lowercase")]
pub enum Origin {
    /// A command-line flag, by its name (`--ttl`).
    Flag { name: &'static str },
    /// An environment variable, by its name.
    Env { name: &'static str },
    /// A settings file: its path, the key and the line it is set on.
    File {
        file: String,
        key: &'static str,
        line: usize,
    },
    /// Nothing was set; the built-in default applies.
    Default,
}

impl Origin {
    fn file(layer: &Layer, key: &'static str) -> Self {
        Origin::File {
            file: layer.file.clone(),
            key,
            line: layer.line_of(key),
        }
    }

    /// One short phrase for a table column: `--ttl`, `env CLAUDE_SANDBOX_SECRET`,
    /// `.claude-sandbox.toml line 3`, `user config line 1`, `default`.
    pub fn label(&self) -> String {
        match self {
            Origin::Flag { name } => format!("flag {name}"),
            Origin::Env { name } => format!("env {name}"),
            Origin::File { file, line, .. } => {
                let which = if file.ends_with(REPO_FILE) {
                    REPO_FILE
                } else {
                    "user config"
                };
                format!("{which} line {line}")
            }
            Origin::Default => "default".into(),
        }
    }
}

/// One resolved value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub source: Origin,
}

impl<T> Setting<T> {
    fn new(value: T, source: Origin) -> Self {
        Setting { value, source }
    }

    fn default(value: T) -> Self {
        Setting::new(value, Origin::Default)
    }
}

/// What the command line said. Clap has already merged each flag with its environment variable
/// where it has one; [`Flags::origin`] tells the two apart again.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub namespace: Option<String>,
    pub context: Option<String>,
    pub image: Option<String>,
    pub services: Option<ServiceChoice>,
    pub secret: Option<String>,
    pub cpu: Option<ResourceSpec>,
    pub memory: Option<ResourceSpec>,
    pub ttl: Option<Duration>,
    pub deadline: Option<Duration>,
    pub env: Vec<(String, String)>,
    pub max_turns: Option<u32>,
    pub max_budget_usd: Option<f64>,
    /// `--pr`: open a pull request for the pushed branch.
    pub pr: bool,
    /// `--no-draft`: that pull request is ready for review rather than a draft.
    pub no_draft: bool,
    pub queue: Option<String>,
}

/// A flag's value came from its environment variable when that variable holds the same text.
fn flag_or_env(value: &str, flag: &'static str, var: &'static str) -> Origin {
    if nonempty_env(var).as_deref() == Some(value) {
        Origin::Env { name: var }
    } else {
        Origin::Flag { name: flag }
    }
}

fn env_setting(var: &'static str) -> Option<Setting<String>> {
    nonempty_env(var).map(|v| Setting::new(v, Origin::Env { name: var }))
}

fn nonempty_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// Everything resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The agent image the user chose; None means the default image, tagged for the project's
    /// Ruby version when detection finds one.
    pub image: Setting<Option<String>>,
    /// None: the kubeconfig context's namespace.
    pub namespace: Setting<Option<String>>,
    /// None: the kubeconfig's current context.
    pub context: Setting<Option<String>>,
    pub secret: Setting<String>,
    pub services: Setting<ServiceChoice>,
    /// (request, limit) in Kubernetes quantities.
    pub cpu: Setting<(String, String)>,
    pub memory: Setting<(String, String)>,
    /// The agent's ephemeral storage (request, limit), and the size limits of the work tree and
    /// the services' data volumes.
    pub ephemeral_storage: Setting<(String, String)>,
    pub workspace_size: Setting<String>,
    pub service_data_size: Setting<String>,
    pub ttl: Setting<Duration>,
    pub deadline: Setting<Duration>,
    pub postgres_image: Setting<String>,
    pub postgis_image: Setting<String>,
    pub redis_image: Setting<String>,
    /// Extra environment for the agent, by name: files merged key by key, then `--env`.
    pub env: BTreeMap<String, Setting<String>>,
    pub image_pull_secrets: Setting<Vec<String>>,
    pub node_selector: BTreeMap<String, Setting<String>>,
    pub tolerations: Setting<Vec<Toleration>>,
    pub agent_args: Setting<Option<Vec<String>>>,
    /// Where the pod's API proxy forwards the agent's requests, with the real credential added.
    pub anthropic_api: Setting<String>,
    /// The credential holder's image: the user's choice only, never the repository's.
    pub holder_image: Setting<String>,
    /// Budgets for the agent: `claude --max-turns`, `--max-budget-usd`.
    pub max_turns: Setting<Option<u32>>,
    pub max_budget_usd: Setting<Option<f64>>,
    /// Open a pull request once the agent's work is pushed, as a draft unless `pr_draft` is off.
    pub pr: Setting<bool>,
    pub pr_draft: Setting<bool>,
    /// Where the holder sends the GitHub token to open it; empty: the API of the repository's
    /// own host ([`crate::github::api_base`]). The user's choice only, like `anthropic_api`.
    pub github_api: Setting<String>,
    /// The Kueue LocalQueue the job waits in; None: the job starts at once.
    pub queue: Setting<Option<String>>,
}

/// A spending cap must be a positive, finite number of dollars.
pub fn check_budget(dollars: f64) -> Result<(), String> {
    if dollars.is_finite() && dollars > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "{dollars} is not a budget: give a number of dollars above zero, like 5 or 2.50"
        ))
    }
}

/// A budget from the flag, else the lowest the files set: a repository's file is written by
/// whoever can push to it (an earlier job's agent included), so it may tighten the user's budget
/// but never loosen it.
fn budget<T: PartialOrd + Copy>(
    flag: Option<T>,
    flag_name: &'static str,
    key: &'static str,
    layers: &Layers,
    get: fn(&crate::config::FileConfig) -> Option<T>,
) -> Setting<Option<T>> {
    if let Some(v) = flag {
        return Setting::new(Some(v), Origin::Flag { name: flag_name });
    }
    layers
        .in_order()
        .filter_map(|(_, layer)| get(&layer.values).map(|v| (v, layer)))
        .fold(None, |low: Option<(T, &Layer)>, (v, layer)| match low {
            Some((l, _)) if l <= v => low,
            _ => Some((v, layer)),
        })
        .map_or_else(
            || Setting::default(None),
            |(v, layer)| Setting::new(Some(v), Origin::file(layer, key)),
        )
}

impl Settings {
    /// The agent's environment in the order it is rendered, with `agent_args` passed the way the
    /// pod reads them; an explicit `--env CLAUDE_SANDBOX_AGENT_ARGS=…` wins over the files.
    pub fn agent_env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .env
            .iter()
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect();
        let mut args = self.agent_args.value.clone().unwrap_or_default();
        // The budgets come last, so they win over the same option in `agent_args`.
        if let Some(n) = self.max_turns.value {
            args.extend(["--max-turns".to_owned(), n.to_string()]);
        }
        if let Some(d) = self.max_budget_usd.value {
            args.extend(["--max-budget-usd".to_owned(), d.to_string()]);
        }
        let configured = self.agent_args.value.is_some() || !args.is_empty();
        if configured && !self.env.contains_key(job::AGENT_ARGS_ENV) {
            env.push((
                job::AGENT_ARGS_ENV.to_owned(),
                serde_json::to_string(&args).unwrap_or_else(|_| "[]".into()),
            ));
        }
        env
    }

    pub fn sidecar_images(&self) -> SidecarImages {
        SidecarImages {
            postgres: self.postgres_image.value.clone(),
            postgis: self.postgis_image.value.clone(),
            redis: self.redis_image.value.clone(),
        }
    }

    pub fn storage(&self) -> Storage {
        Storage {
            ephemeral_request: self.ephemeral_storage.value.0.clone(),
            ephemeral_limit: self.ephemeral_storage.value.1.clone(),
            workspace: self.workspace_size.value.clone(),
            service_data: self.service_data_size.value.clone(),
        }
    }

    pub fn resources(&self) -> Resources {
        Resources {
            cpu_request: self.cpu.value.0.clone(),
            cpu_limit: self.cpu.value.1.clone(),
            memory_request: self.memory.value.0.clone(),
            memory_limit: self.memory.value.1.clone(),
        }
    }
}

/// Resolve every setting. Values from files were parsed and checked when the files were read;
/// flags are checked here, each failing as a usage error that names the flag.
pub fn resolve(flags: &Flags, layers: &Layers) -> Result<Settings, Failure> {
    // A file value with where it is set; `get` reads it from one layer.
    let from_file = |key: &'static str, get: &dyn Fn(&Layer) -> Option<String>| {
        layers
            .pick(get)
            .map(|(v, _, layer)| Setting::new(v, Origin::file(layer, key)))
    };

    let image = match &flags.image {
        Some(v) if !v.trim().is_empty() => {
            Setting::new(Some(v.trim().to_string()), Origin::Flag { name: "--image" })
        }
        _ => ["CLAUDE_SANDBOX_IMAGE", "CLAUDE_IMAGE"]
            .into_iter()
            .find_map(|var| {
                nonempty_env(var)
                    .map(|v| Setting::new(Some(v.trim().to_string()), Origin::Env { name: var }))
            })
            .or_else(|| {
                from_file("image", &|l| l.values.image.clone())
                    .map(|s| Setting::new(Some(s.value.trim().to_string()), s.source))
            })
            .unwrap_or_else(|| Setting::default(None)),
    };

    // `-n ""` (an unset shell variable) is no choice at all, in a dry run and a submit alike.
    let optional_name = |flag: &Option<String>,
                         name: &'static str,
                         var: &'static str,
                         key: &'static str,
                         get: fn(&Layer) -> Option<String>| {
        match flag.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => Setting::new(Some(v.to_string()), flag_or_env(v, name, var)),
            None => from_file(key, &get)
                .map(|s| Setting::new(Some(s.value), s.source))
                .unwrap_or_else(|| Setting::default(None)),
        }
    };
    let namespace = optional_name(
        &flags.namespace,
        "--namespace",
        "CLAUDE_SANDBOX_NAMESPACE",
        "namespace",
        |l| l.values.namespace.clone(),
    );
    let context = optional_name(
        &flags.context,
        "--context",
        "CLAUDE_SANDBOX_CONTEXT",
        "context",
        |l| l.values.context.clone(),
    );

    let secret = match &flags.secret {
        Some(s) => Setting::new(
            s.clone(),
            flag_or_env(s, "--secret", "CLAUDE_SANDBOX_SECRET"),
        ),
        // Commands without the flag (`config show`) still honour its environment variable.
        None => env_setting("CLAUDE_SANDBOX_SECRET")
            .or_else(|| from_file("secret", &|l| l.values.secret.clone()))
            .unwrap_or_else(|| Setting::default(job::DEFAULT_SECRET.to_string())),
    };
    // `--secret ""` (e.g. an unset shell variable) once rendered `secretRef: {name: ""}` and then
    // failed the preflight as "cannot reach the cluster"; say what is wrong before anything else.
    crate::cluster::errors::check_name("secret", &secret.value).map_err(|f| {
        f.hint("--secret takes the name of the Kubernetes secret with the agent's credentials, e.g. claude-sandbox-secrets")
    })?;

    let services = match &flags.services {
        Some(choice) => {
            let from_env = nonempty_env("CLAUDE_SANDBOX_SERVICES")
                .and_then(|v| crate::plan::parse_services(&v).ok())
                .is_some_and(|v| &v == choice);
            let source = if from_env {
                Origin::Env {
                    name: "CLAUDE_SANDBOX_SERVICES",
                }
            } else {
                Origin::Flag { name: "--services" }
            };
            Setting::new(choice.clone(), source)
        }
        None if let Some(env) = env_setting("CLAUDE_SANDBOX_SERVICES") => {
            let choice = crate::plan::parse_services(&env.value)
                .map_err(|m| Failure::usage(format!("CLAUDE_SANDBOX_SERVICES: {m}")))?;
            Setting::new(choice, env.source)
        }
        None => layers
            .pick(|l| l.parsed.services.clone())
            .map(|(v, _, layer)| Setting::new(v, Origin::file(layer, "services")))
            .unwrap_or_else(|| Setting::default(ServiceChoice::Auto)),
    };

    let defaults = Resources::default();
    let resource = |flag: &Option<ResourceSpec>,
                    name: &'static str,
                    key: &'static str,
                    get: fn(&Layer) -> Option<ResourceSpec>,
                    request: &str,
                    limit: &str| {
        let chosen = match flag {
            Some(spec) => Some((spec.clone(), Origin::Flag { name })),
            None => layers
                .pick(get)
                .map(|(v, _, layer)| (v, Origin::file(layer, key))),
        };
        match chosen {
            Some((spec, source)) => Setting::new(with_default_limit(&spec, limit), source),
            None => Setting::default((request.to_string(), limit.to_string())),
        }
    };
    let cpu = resource(
        &flags.cpu,
        "--cpu",
        "cpu",
        |l| l.parsed.cpu.clone(),
        &defaults.cpu_request,
        &defaults.cpu_limit,
    );
    let memory = resource(
        &flags.memory,
        "--memory",
        "memory",
        |l| l.parsed.memory.clone(),
        &defaults.memory_request,
        &defaults.memory_limit,
    );

    let disk = Storage::default();
    let ephemeral_storage = resource(
        &None,
        "ephemeral_storage",
        "ephemeral_storage",
        |l| l.parsed.ephemeral_storage.clone(),
        &disk.ephemeral_request,
        &disk.ephemeral_limit,
    );
    let size = |key: &'static str, get: fn(&Layer) -> Option<units::Quantity>, default: String| {
        layers
            .pick(get)
            .map(|(q, _, layer)| Setting::new(q.text, Origin::file(layer, key)))
            .unwrap_or_else(|| Setting::default(default))
    };
    let workspace_size = size(
        "workspace_size",
        |l| l.parsed.workspace_size.clone(),
        disk.workspace,
    );
    let service_data_size = size(
        "service_data_size",
        |l| l.parsed.service_data_size.clone(),
        disk.service_data,
    );

    let duration = |flag: Option<Duration>,
                    name: &'static str,
                    key: &'static str,
                    get: fn(&Layer) -> Option<Duration>,
                    default: Duration| match flag {
        Some(d) => Setting::new(d, Origin::Flag { name }),
        None => layers
            .pick(get)
            .map(|(v, _, layer)| Setting::new(v, Origin::file(layer, key)))
            .unwrap_or_else(|| Setting::default(default)),
    };
    let ttl = duration(
        flags.ttl,
        "--ttl",
        "ttl",
        |l| l.parsed.ttl,
        Duration::from_secs(job::DEFAULT_TTL_SECS as u64),
    );
    if i32::try_from(ttl.value.as_secs()).is_err() {
        return Err(too_far(
            &ttl.source,
            "ttl",
            "is too long: at most about 68 years",
        ));
    }
    let deadline = duration(
        flags.deadline,
        "--deadline",
        "deadline",
        |l| l.parsed.deadline,
        Duration::from_secs(job::DEFAULT_DEADLINE_SECS as u64),
    );
    if deadline.value.is_zero() {
        return Err(too_far(
            &deadline.source,
            "deadline",
            "must be longer than zero",
        ));
    }

    let sidecars = SidecarImages::default();
    let image_of = |key: &'static str, get: fn(&Layer) -> Option<String>, default: String| {
        from_file(key, &get).unwrap_or_else(|| Setting::default(default))
    };
    let postgres_image = image_of(
        "postgres_image",
        |l| l.values.postgres_image.clone(),
        sidecars.postgres,
    );
    let postgis_image = image_of(
        "postgis_image",
        |l| l.values.postgis_image.clone(),
        sidecars.postgis,
    );
    let redis_image = image_of(
        "redis_image",
        |l| l.values.redis_image.clone(),
        sidecars.redis,
    );

    let merged =
        |key: &'static str,
         get: fn(&crate::config::FileConfig) -> Option<BTreeMap<String, String>>| {
            layers
                .merged_map(get)
                .into_iter()
                .map(|(k, (v, level))| {
                    let layer = match level {
                        Level::Repo => layers.repo.as_ref(),
                        Level::User => layers.user.as_ref(),
                    };
                    let source = layer.map_or(Origin::Default, |l| Origin::file(l, key));
                    (k, Setting::new(v, source))
                })
                .collect::<BTreeMap<_, _>>()
        };
    // Files first, then --env; a later value for the same name replaces the earlier one.
    let mut env = merged("env", |c| c.env.clone());
    for (k, v) in &flags.env {
        if job::RESERVED_ENV.contains(&k.as_str()) {
            return Err(Failure::usage(format!(
                "--env {k} is set by claude-sandbox itself and cannot be replaced"
            )));
        }
        env.insert(
            k.clone(),
            Setting::new(v.clone(), Origin::Flag { name: "--env" }),
        );
    }
    let node_selector = merged("node_selector", |c| c.node_selector.clone());

    let list = |key: &'static str, get: fn(&Layer) -> Option<Vec<String>>| {
        layers
            .pick(get)
            .map(|(v, _, layer)| Setting::new(v, Origin::file(layer, key)))
    };
    let image_pull_secrets = list("image_pull_secrets", |l| {
        l.values.image_pull_secrets.clone()
    })
    .unwrap_or_else(|| Setting::default(Vec::new()));
    let agent_args = list("agent_args", |l| l.values.agent_args.clone())
        .map(|s| Setting::new(Some(s.value), s.source))
        .unwrap_or_else(|| Setting::default(None));
    let tolerations = layers
        .pick(|l| l.values.tolerations.clone())
        .map(|(v, _, layer)| Setting::new(v, Origin::file(layer, "tolerations")))
        .unwrap_or_else(|| Setting::default(Vec::new()));

    let anthropic_api = user_only(
        layers,
        "anthropic_api",
        "CLAUDE_SANDBOX_ANTHROPIC_API",
        |c| c.anthropic_api.clone(),
        crate::contract::DEFAULT_ANTHROPIC_API.into(),
        http_url,
    )?;
    let holder_image = user_only(
        layers,
        "holder_image",
        "CLAUDE_SANDBOX_HOLDER_IMAGE",
        |c| c.holder_image.clone(),
        job::DEFAULT_IMAGE.into(),
        any_text,
    )?;

    if let Some(d) = flags.max_budget_usd {
        check_budget(d).map_err(|m| Failure::usage(format!("--max-budget-usd: {m}")))?;
    }
    if flags.max_turns == Some(0) {
        return Err(Failure::usage("--max-turns: must be at least 1"));
    }
    let max_turns = budget(flags.max_turns, "--max-turns", "max_turns", layers, |c| {
        c.max_turns
    });
    let max_budget_usd = budget(
        flags.max_budget_usd,
        "--max-budget-usd",
        "max_budget_usd",
        layers,
        |c| c.max_budget_usd,
    );

    let switch = |flag: bool,
                  name: &'static str,
                  value_of_flag: bool,
                  key: &'static str,
                  get: fn(&Layer) -> Option<bool>,
                  default: bool| {
        if flag {
            Setting::new(value_of_flag, Origin::Flag { name })
        } else {
            layers
                .pick(get)
                .map(|(v, _, layer)| Setting::new(v, Origin::file(layer, key)))
                .unwrap_or_else(|| Setting::default(default))
        }
    };
    let pr = switch(flags.pr, "--pr", true, "pr", |l| l.values.pr, false);
    let pr_draft = switch(
        flags.no_draft,
        "--no-draft",
        false,
        "pr_draft",
        |l| l.values.pr_draft,
        true,
    );
    // The holder sends the GitHub token there, so a repository's file may not choose it.
    let github_api = user_only(
        layers,
        "github_api",
        "CLAUDE_SANDBOX_GITHUB_API",
        |c| c.github_api.clone(),
        String::new(),
        http_url,
    )?;

    // The empty name is a choice of no queue, so `--queue ""` submits past a queue that a file
    // names.
    let queue = match &flags.queue {
        Some(q) => {
            crate::job::check_queue_name(q).map_err(|m| Failure::usage(format!("--queue: {m}")))?;
            Setting::new(
                Some(q.clone()),
                flag_or_env(q, "--queue", "CLAUDE_SANDBOX_QUEUE"),
            )
        }
        None => {
            // A repository's file may name its team's queue, but its empty name does not take
            // away the queue the user chose: that would let the repository's jobs (and a file an
            // earlier agent committed) past the user's quota.
            let users = layers.user.as_ref().and_then(|l| {
                let q = l.values.queue.clone().filter(|q| !q.is_empty())?;
                Some(Setting::new(q, Origin::file(l, "queue")))
            });
            match from_file("queue", &|l| l.values.queue.clone()) {
                Some(s) if s.value.is_empty() && users.is_some() => users,
                chosen => chosen,
            }
            .map(|s| Setting::new(Some(s.value), s.source))
            .unwrap_or_else(|| Setting::default(None))
        }
    };
    let queue = Setting::new(queue.value.filter(|q| !q.is_empty()), queue.source);

    Ok(Settings {
        pr,
        pr_draft,
        github_api,
        queue,
        max_turns,
        max_budget_usd,
        image,
        namespace,
        context,
        secret,
        services,
        cpu,
        memory,
        ephemeral_storage,
        workspace_size,
        service_data_size,
        ttl,
        deadline,
        postgres_image,
        postgis_image,
        redis_image,
        env,
        image_pull_secrets,
        node_selector,
        tolerations,
        agent_args,
        anthropic_api,
        holder_image,
    })
}

/// Settings that decide where the user's credentials go: the proxy's upstream receives the real
/// Anthropic credential, the GitHub API the GitHub token, and the holder's image runs with every
/// credential. Only the user may
/// choose them: a repository's file is written by whoever can push to the repository, the agent of
/// an earlier job included (its branch carries the file to the next `remote` run from there).
fn user_only(
    layers: &Layers,
    key: &'static str,
    var: &'static str,
    get: fn(&crate::config::FileConfig) -> Option<String>,
    default: String,
    check: fn(&str) -> Result<(), String>,
) -> Result<Setting<String>, Failure> {
    if let Some(repo) = &layers.repo
        && get(&repo.values).is_some()
    {
        return Err(Failure::new(format!(
            "{}: line {}: {key} cannot be set in a repository's file, because it decides where your credentials go",
            repo.file,
            repo.line_of(key)
        ))
        .hint(format!(
            "set it in your own config ({}) or with {var}, and remove it from the repository's file",
            layers.user.as_ref().map_or_else(
                || "config.toml in the config directory".to_string(),
                |u| u.file.clone()
            )
        )));
    }
    if let Some(env) = env_setting(var) {
        check(&env.value).map_err(|m| Failure::usage(format!("{var}: {m}")))?;
        return Ok(env);
    }
    let user = layers.user.as_ref().and_then(|l| {
        get(&l.values).map(|v| Setting::new(v.trim().to_string(), Origin::file(l, key)))
    });
    Ok(user.unwrap_or_else(|| Setting::default(default)))
}

fn http_url(value: &str) -> Result<(), String> {
    if value.starts_with("https://") || value.starts_with("http://") {
        Ok(())
    } else {
        Err(format!("'{value}' is not an http:// or https:// URL"))
    }
}

fn any_text(_: &str) -> Result<(), String> {
    Ok(())
}

/// A value out of range: a usage error for a flag, a file error naming file, key and line.
fn too_far(source: &Origin, key: &str, problem: &str) -> Failure {
    match source {
        Origin::File { file, line, .. } => {
            Failure::new(format!("{file}: line {line}: {key}: {problem}"))
        }
        _ => Failure::usage(format!("--{key} {problem}")),
    }
}

/// A single value is the request; the limit stays at the default unless that would be below it.
fn with_default_limit(spec: &ResourceSpec, default_limit: &str) -> (String, String) {
    let limit = match &spec.limit {
        Some(l) => l.text.clone(),
        None => {
            let default = units::parse_quantity(default_limit)
                .map(|q| q.value)
                .unwrap_or(0.0);
            if spec.request.value > default {
                spec.request.text.clone()
            } else {
                default_limit.to_string()
            }
        }
    };
    (spec.request.text.clone(), limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileConfig;

    #[test]
    fn a_single_resource_value_is_the_request() {
        let small = units::parse_resource("500m").unwrap();
        assert_eq!(with_default_limit(&small, "2"), ("500m".into(), "2".into()));
        let big = units::parse_resource("3").unwrap();
        assert_eq!(with_default_limit(&big, "2"), ("3".into(), "3".into()));
    }

    #[test]
    fn defaults_are_the_rendering_constants() {
        let s = resolve(&Flags::default(), &Layers::default()).unwrap();
        let r = Resources::default();
        assert_eq!(s.cpu.value, (r.cpu_request, r.cpu_limit));
        assert_eq!(s.memory.source, Origin::Default);
        assert_eq!(s.ttl.value.as_secs(), job::DEFAULT_TTL_SECS as u64);
        assert_eq!(s.secret.value, job::DEFAULT_SECRET);
        assert_eq!(s.postgres_image.value, job::DEFAULT_POSTGRES_IMAGE);
    }

    #[test]
    fn flags_win_over_files_and_files_say_where() {
        let repo = crate::config::parse(
            "secret = \"repo-secret\"\n\nttl = \"2h\"\n",
            "/r/.claude-sandbox.toml",
        )
        .unwrap();
        let layers = Layers {
            user: Some(Layer::from_values(
                "/u/config.toml",
                FileConfig {
                    secret: Some("user-secret".into()),
                    ..Default::default()
                },
            )),
            repo: Some(repo),
        };
        let s = resolve(&Flags::default(), &layers).unwrap();
        assert_eq!(s.secret.value, "repo-secret");
        assert_eq!(
            s.ttl.source,
            Origin::File {
                file: "/r/.claude-sandbox.toml".into(),
                key: "ttl",
                line: 3
            }
        );
        assert_eq!(s.ttl.source.label(), ".claude-sandbox.toml line 3");
        let flags = Flags {
            ttl: Some(Duration::from_secs(60)),
            ..Default::default()
        };
        let s = resolve(&flags, &layers).unwrap();
        assert_eq!(s.ttl.source, Origin::Flag { name: "--ttl" });
    }

    #[test]
    fn out_of_range_values_name_their_source() {
        let mut repo = Layer::from_values("/r/.claude-sandbox.toml", FileConfig::default());
        repo.parsed.deadline = Some(Duration::ZERO);
        let layers = Layers {
            repo: Some(repo),
            user: None,
        };
        let f = resolve(&Flags::default(), &layers).unwrap_err();
        assert_eq!(f.code, 1);
        assert!(
            f.message.contains("line 1") && f.message.contains("deadline"),
            "{}",
            f.message
        );
        let flags = Flags {
            deadline: Some(Duration::ZERO),
            ..Default::default()
        };
        assert_eq!(resolve(&flags, &Layers::default()).unwrap_err().code, 2);
    }
}
