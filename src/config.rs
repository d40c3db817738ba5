//! Settings files: the user's `config.toml` (in the platform config dir) and the repository's
//! `.claude-sandbox.toml`, each read and checked once. Values with a syntax of their own
//! (durations, resources, services) are parsed here, with the same parsers as the flags, and a bad
//! one names the file, the key and the line. Which value wins is decided in `settings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::core::v1::Toleration;
use serde::Deserialize;
use thiserror::Error;

use crate::plan::ServiceChoice;
use crate::units::{self, ResourceSpec};

pub const REPO_FILE: &str = ".claude-sandbox.toml";
pub const USER_FILE: &str = "config.toml";

/// Every key a config file may hold. Unknown keys are an error, so a typo never silently does
/// nothing.
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Agent image.
    pub image: Option<String>,
    /// Namespace for jobs.
    pub namespace: Option<String>,
    /// Kubernetes context.
    pub context: Option<String>,
    /// Name of the credentials secret.
    pub secret: Option<String>,
    /// `auto`, `none`, or a list like `postgres,redis`.
    pub services: Option<String>,
    /// Agent CPU, `REQUEST` or `REQUEST:LIMIT`.
    pub cpu: Option<String>,
    /// Agent memory, `REQUEST` or `REQUEST:LIMIT`.
    pub memory: Option<String>,
    /// Delete finished jobs after this long.
    pub ttl: Option<String>,
    /// Stop jobs that run longer than this.
    pub deadline: Option<String>,
    pub postgres_image: Option<String>,
    pub postgis_image: Option<String>,
    pub redis_image: Option<String>,
    /// Extra environment variables for the agent.
    pub env: Option<BTreeMap<String, String>>,
    /// Registry secrets for pulling the images.
    pub image_pull_secrets: Option<Vec<String>>,
    pub node_selector: Option<BTreeMap<String, String>>,
    pub tolerations: Option<Vec<Toleration>>,
    /// Extra arguments for `claude` in the pod.
    pub agent_args: Option<Vec<String>>,
    /// Where the pod's API proxy forwards the agent's requests: the Anthropic API, or a gateway
    /// that speaks it.
    pub anthropic_api: Option<String>,
    /// The image of the credential holder, the one container given the credentials.
    pub holder_image: Option<String>,
    /// The agent's own disk (writable layer and logs), `REQUEST` or `REQUEST:LIMIT`.
    pub ephemeral_storage: Option<String>,
    /// The size limit of the work tree volume (and of the seed and the holder's copy).
    pub workspace_size: Option<String>,
    /// The size limit of the Postgres and Redis data volumes.
    pub service_data_size: Option<String>,
    /// The most turns the agent may take (`claude --max-turns`).
    pub max_turns: Option<u32>,
    /// The most the agent may spend, in US dollars (`claude --max-budget-usd`).
    pub max_budget_usd: Option<f64>,
    /// Open a pull request for the pushed branch (`--pr`).
    pub pr: Option<bool>,
    /// Open that pull request as a draft (`--no-draft` says no).
    pub pr_draft: Option<bool>,
    /// The GitHub REST API the pull request is opened through, with the GitHub token.
    pub github_api: Option<String>,
    /// The Kueue LocalQueue that admits the job; empty means no queue.
    pub queue: Option<String>,
}

/// The keys, for `config show` and for the documentation test that keeps docs/ honest.
pub const KEYS: &[&str] = &[
    "image",
    "namespace",
    "context",
    "secret",
    "services",
    "cpu",
    "memory",
    "ephemeral_storage",
    "workspace_size",
    "service_data_size",
    "ttl",
    "deadline",
    "postgres_image",
    "postgis_image",
    "redis_image",
    "env",
    "image_pull_secrets",
    "node_selector",
    "tolerations",
    "agent_args",
    "anthropic_api",
    "holder_image",
    "max_turns",
    "max_budget_usd",
    "pr",
    "pr_draft",
    "github_api",
    "queue",
];

#[derive(Debug, Error, PartialEq)]
pub enum ConfigError {
    #[error("{file}: line {line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Unreadable { file: String, message: String },
}

/// Where the config files live for this user and this repository.
#[derive(Debug, Clone)]
pub struct Paths {
    pub user: Option<PathBuf>,
    pub repo: Option<PathBuf>,
}

pub fn user_config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "claude-sandbox").map(|d| d.config_dir().to_path_buf())
}

pub fn paths(repo_root: Option<&Path>) -> Paths {
    Paths {
        user: user_config_dir().map(|d| d.join(USER_FILE)),
        repo: repo_root.map(|r| r.join(REPO_FILE)),
    }
}

/// The values of one file whose text has a syntax of its own, parsed once when the file is read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub services: Option<ServiceChoice>,
    pub cpu: Option<ResourceSpec>,
    pub memory: Option<ResourceSpec>,
    pub ephemeral_storage: Option<ResourceSpec>,
    pub workspace_size: Option<units::Quantity>,
    pub service_data_size: Option<units::Quantity>,
    pub ttl: Option<Duration>,
    pub deadline: Option<Duration>,
}

/// One settings file, read and checked: where it is, what it says, and on which line each key is.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub file: String,
    pub values: FileConfig,
    pub parsed: Parsed,
    text: String,
}

impl Layer {
    /// The line where `key` is set (1 when it cannot be found), so a source can be pointed at.
    pub fn line_of(&self, key: &str) -> usize {
        key_line(&self.text, key)
    }

    /// A layer made in code, for tests of the precedence rules.
    #[cfg(test)]
    pub fn from_values(file: &str, values: FileConfig) -> Self {
        Layer {
            file: file.to_string(),
            values,
            parsed: Parsed::default(),
            text: String::new(),
        }
    }
}

/// Read one config file; a missing file is simply no settings.
pub fn load(path: &Path) -> Result<Option<Layer>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ConfigError::Unreadable {
                file: path.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    parse(&text, &path.display().to_string()).map(Some)
}

pub fn parse(text: &str, file: &str) -> Result<Layer, ConfigError> {
    let cfg: FileConfig = toml::from_str(text).map_err(|e| ConfigError::Invalid {
        file: file.to_string(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        message: e.message().trim().replace('\n', " "),
    })?;
    let parsed = validate(&cfg, text, file)?;
    Ok(Layer {
        file: file.to_string(),
        values: cfg,
        parsed,
        text: text.to_string(),
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set, for pointing at a bad value.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('=') || rest.starts_with(']'))
                || l.starts_with(&format!("[{key}]"))
                || l.starts_with(&format!("[[{key}]]"))
        })
        .map_or(1, |i| i + 1)
}

/// Values are checked with the same parsers as the flags, so a file cannot hold what the command
/// line would refuse; what they parse to is kept, so nothing parses them again.
fn validate(cfg: &FileConfig, text: &str, file: &str) -> Result<Parsed, ConfigError> {
    let bad = |key: &str, message: String| ConfigError::Invalid {
        file: file.to_string(),
        line: key_line(text, key),
        message: format!("{key}: {message}"),
    };
    let resource = |key: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|v| units::parse_resource(v).map_err(|m| bad(key, m)))
            .transpose()
    };
    let size = |key: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|v| units::parse_quantity(v).map_err(|m| bad(key, m)))
            .transpose()
    };
    let duration = |key: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|v| units::parse_duration(v).map_err(|m| bad(key, m)))
            .transpose()
    };
    let parsed = Parsed {
        services: cfg
            .services
            .as_deref()
            .map(|s| crate::plan::parse_services(s).map_err(|m| bad("services", m)))
            .transpose()?,
        cpu: resource("cpu", &cfg.cpu)?,
        memory: resource("memory", &cfg.memory)?,
        ephemeral_storage: resource("ephemeral_storage", &cfg.ephemeral_storage)?,
        workspace_size: size("workspace_size", &cfg.workspace_size)?,
        service_data_size: size("service_data_size", &cfg.service_data_size)?,
        ttl: duration("ttl", &cfg.ttl)?,
        deadline: duration("deadline", &cfg.deadline)?,
    };
    // The same limits `--ttl` and `--deadline` have, so every command refuses such a file alike.
    if parsed
        .ttl
        .is_some_and(|d| i32::try_from(d.as_secs()).is_err())
    {
        return Err(bad("ttl", "is too long: at most about 68 years".into()));
    }
    if parsed.deadline.is_some_and(|d| d.is_zero()) {
        return Err(bad("deadline", "must be longer than zero".into()));
    }
    if cfg.max_turns == Some(0) {
        return Err(bad("max_turns", "must be at least 1".into()));
    }
    if let Some(b) = cfg.max_budget_usd
        && crate::settings::check_budget(b).is_err()
    {
        return Err(bad(
            "max_budget_usd",
            "must be a number of dollars above zero, like 5 or 2.50".into(),
        ));
    }
    if let Some(q) = &cfg.queue
        && let Err(m) = crate::job::check_queue_name(q)
    {
        return Err(bad("queue", m));
    }
    if let Some(env) = &cfg.env {
        for k in env.keys() {
            if !units::is_env_name(k) {
                return Err(bad(
                    "env",
                    format!("'{k}' is not a valid environment variable name"),
                ));
            }
            if crate::job::RESERVED_ENV.contains(&k.as_str()) {
                return Err(bad("env", format!("{k} is set by claude-sandbox itself")));
            }
        }
    }
    for (key, value) in [
        ("anthropic_api", &cfg.anthropic_api),
        ("github_api", &cfg.github_api),
    ] {
        if let Some(url) = value
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(bad(
                key,
                format!("'{url}' is not an http:// or https:// URL"),
            ));
        }
    }
    for (key, value) in [
        ("image", &cfg.image),
        ("namespace", &cfg.namespace),
        ("context", &cfg.context),
        ("secret", &cfg.secret),
        ("postgres_image", &cfg.postgres_image),
        ("postgis_image", &cfg.postgis_image),
        ("redis_image", &cfg.redis_image),
        ("holder_image", &cfg.holder_image),
    ] {
        if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
            return Err(bad(key, "must not be empty".into()));
        }
    }
    Ok(parsed)
}

/// Which file a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Repo,
    User,
}

/// The user and repository files, read once.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    pub user: Option<Layer>,
    pub repo: Option<Layer>,
}

impl Layers {
    pub fn load(paths: &Paths) -> Result<Self, ConfigError> {
        Ok(Layers {
            user: paths.user.as_deref().map(load).transpose()?.flatten(),
            repo: paths.repo.as_deref().map(load).transpose()?.flatten(),
        })
    }

    /// The files, repository first: the order in which they win.
    pub fn in_order(&self) -> impl Iterator<Item = (Level, &Layer)> {
        [(Level::Repo, &self.repo), (Level::User, &self.user)]
            .into_iter()
            .filter_map(|(level, layer)| layer.as_ref().map(|l| (level, l)))
    }

    /// The first value set, repository before user, with the file it came from.
    pub fn pick<T>(&self, get: impl Fn(&Layer) -> Option<T>) -> Option<(T, Level, &Layer)> {
        self.in_order()
            .find_map(|(level, layer)| get(layer).map(|v| (v, level, layer)))
    }

    /// Maps (env, node selector) merge: repository entries override the user's, key by key.
    /// Each entry says which file it came from.
    pub fn merged_map(
        &self,
        get: impl Fn(&FileConfig) -> Option<BTreeMap<String, String>>,
    ) -> BTreeMap<String, (String, Level)> {
        let mut out = BTreeMap::new();
        for (level, layer) in [(Level::User, &self.user), (Level::Repo, &self.repo)] {
            if let Some(map) = layer.as_ref().and_then(|l| get(&l.values)) {
                out.extend(map.into_iter().map(|(k, v)| (k, (v, level))));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses() {
        let cfg = parse(
            r#"
image = "me/agent:1"
namespace = "agents"
services = "postgres"
cpu = "2:4"
memory = "4Gi"
ttl = "2h"
deadline = "6h"
image_pull_secrets = ["registry"]
[env]
RAILS_ENV = "test"
[node_selector]
pool = "agents"
[[tolerations]]
key = "dedicated"
operator = "Equal"
value = "agents"
effect = "NoSchedule"
"#,
            "config.toml",
        )
        .unwrap();
        assert_eq!(cfg.values.image.as_deref(), Some("me/agent:1"));
        assert_eq!(
            cfg.values.tolerations.as_ref().unwrap()[0].key.as_deref(),
            Some("dedicated")
        );
        assert_eq!(cfg.values.env.as_ref().unwrap()["RAILS_ENV"], "test");
        assert_eq!(cfg.parsed.ttl, Some(Duration::from_secs(7200)));
        assert_eq!(cfg.line_of("deadline"), 8);
    }

    #[test]
    fn unknown_keys_name_the_file_key_and_line() {
        let err = parse(
            "image = \"x\"\n\nimagee = \"y\"\n",
            "repo/.claude-sandbox.toml",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("repo/.claude-sandbox.toml")
                && text.contains("line 3")
                && text.contains("imagee"),
            "{text}"
        );
    }

    #[test]
    fn bad_values_name_the_key_and_line() {
        let err = parse("image = \"x\"\nttl = \"30\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("ttl"), "{err}");
        let err = parse("services = \"mysql\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("services") && err.contains("mysql"), "{err}");
        let err = parse("[env]\nTASK = \"x\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("TASK"), "{err}");
        let err = parse("cpu = 2\n", "c.toml").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn the_repository_wins_over_the_user() {
        let user = FileConfig {
            image: Some("user/img".into()),
            secret: Some("user-secret".into()),
            env: Some(BTreeMap::from([
                ("A".into(), "user".into()),
                ("B".into(), "user".into()),
            ])),
            ..Default::default()
        };
        let repo = FileConfig {
            image: Some("repo/img".into()),
            env: Some(BTreeMap::from([("A".into(), "repo".into())])),
            ..Default::default()
        };
        let layers = Layers {
            user: Some(Layer::from_values("user.toml", user)),
            repo: Some(Layer::from_values("repo.toml", repo)),
        };
        let image = layers.pick(|l| l.values.image.clone()).unwrap();
        assert_eq!((image.0.as_str(), image.1), ("repo/img", Level::Repo));
        let secret = layers.pick(|l| l.values.secret.clone()).unwrap();
        assert_eq!((secret.0.as_str(), secret.1), ("user-secret", Level::User));
        let env = layers.merged_map(|c| c.env.clone());
        assert_eq!(env["A"], ("repo".to_string(), Level::Repo));
        assert_eq!(env["B"], ("user".to_string(), Level::User));
    }

    #[test]
    fn the_api_address_must_be_a_web_url() {
        let err = parse("anthropic_api = \"api.anthropic.com\"\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("anthropic_api"), "{err}");
        assert!(parse("anthropic_api = \"http://127.0.0.1:9\"\n", "t.toml").is_ok());
    }

    #[test]
    fn every_listed_key_is_accepted_and_nothing_else() {
        // KEYS documents the file format; each must parse, so the list cannot drift from the struct.
        for key in KEYS {
            let value = match *key {
                "env" | "node_selector" => format!("[{key}]\nA = \"b\"\n"),
                "image_pull_secrets" | "agent_args" => format!("{key} = [\"r\"]\n"),
                "tolerations" => format!("[[{key}]]\nkey = \"k\"\n"),
                "services" => format!("{key} = \"none\"\n"),
                "cpu" | "memory" | "ephemeral_storage" => format!("{key} = \"1\"\n"),
                "workspace_size" | "service_data_size" => format!("{key} = \"1Gi\"\n"),
                "ttl" | "deadline" => format!("{key} = \"1h\"\n"),
                "anthropic_api" => format!("{key} = \"https://gateway.example\"\n"),
                "max_turns" => format!("{key} = 30\n"),
                "max_budget_usd" => format!("{key} = 2.5\n"),
                "pr" | "pr_draft" => format!("{key} = true\n"),
                "github_api" => format!("{key} = \"https://ghe.example/api/v3\"\n"),
                "queue" => format!("{key} = \"team-a\"\n"),
                _ => format!("{key} = \"x\"\n"),
            };
            assert!(
                parse(&value, "t.toml").is_ok(),
                "{key}: {:?}",
                parse(&value, "t.toml")
            );
        }
    }
}

/// Add a registry secret to `image_pull_secrets` in a config file, keeping the rest of the file as
/// written (comments included). Returns false when it was already there.
pub fn add_image_pull_secret(path: &Path, name: &str) -> Result<bool, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(ConfigError::Unreadable {
                file: path.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    let file = path.display().to_string();
    let current = parse(&text, &file)?;
    let mut list = current.values.image_pull_secrets.unwrap_or_default();
    if list.iter().any(|n| n == name) {
        return Ok(false);
    }
    list.push(name.to_string());
    let quoted: Vec<String> = list.iter().map(|n| format!("{n:?}")).collect();
    let line = format!("image_pull_secrets = [{}]", quoted.join(", "));
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let existing = lines
        .iter()
        .position(|l| l.trim_start().starts_with("image_pull_secrets"));
    match existing {
        // A one-line array is replaced; anything longer is left for the user to edit.
        Some(i) if lines[i].contains(']') => lines[i] = line,
        Some(i) => {
            return Err(ConfigError::Invalid {
                file,
                line: i + 1,
                message: format!(
                    "image_pull_secrets spans several lines; add \"{name}\" to it by hand"
                ),
            });
        }
        // Top-level keys must come before the first [table].
        None => {
            let at = lines
                .iter()
                .position(|l| l.trim_start().starts_with('['))
                .unwrap_or(lines.len());
            lines.insert(at, line);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    parse(&out, &file)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| ConfigError::Unreadable {
            file: file.clone(),
            message: e.to_string(),
        })?;
    }
    std::fs::write(path, out).map_err(|e| ConfigError::Unreadable {
        file,
        message: e.to_string(),
    })?;
    Ok(true)
}

#[cfg(test)]
mod edit_tests {
    use super::*;

    #[test]
    fn pull_secrets_are_added_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert!(add_image_pull_secret(&path, "ghcr").unwrap());
        assert!(!add_image_pull_secret(&path, "ghcr").unwrap());
        std::fs::write(&path, "# team settings\nimage = \"x\"\n[env]\nA = \"1\"\n").unwrap();
        assert!(add_image_pull_secret(&path, "ghcr").unwrap());
        assert!(add_image_pull_secret(&path, "quay").unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# team settings\n"), "{text}");
        let cfg = parse(&text, "c").unwrap();
        assert_eq!(cfg.values.image_pull_secrets.unwrap(), ["ghcr", "quay"]);
        assert_eq!(cfg.values.env.unwrap()["A"], "1");
    }
}
