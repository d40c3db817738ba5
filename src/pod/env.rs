//! The pod's instructions, read once from the environment the Job sets, and checked before any work.

use std::path::PathBuf;
use std::time::Duration;

use crate::units;

use crate::contract::{self, env as var, volume};

pub const DEFAULT_WORKDIR: &str = volume::WORKSPACE_PATH;
pub const DEFAULT_SERVICE_TIMEOUT: Duration = Duration::from_secs(120);
pub const DEFAULT_AGE_KEY: &str = volume::AGE_KEY_FILE;
pub const DEFAULT_TELEGRAM_API: &str = "https://api.telegram.org";

/// Variables that hold credentials: never printed. The Job sets them in the holder only; the
/// agent's programs are started without them even where a hand-made pod sets them.
pub const SECRET_VARS: &[&str] = contract::env::SECRETS;

/// Never passed to a program the agent's container starts (a hand-made pod may still set them).
pub const AGENT_WITHHELD: &[&str] = &[
    var::GITHUB_TOKEN,
    var::CLAUDE_CODE_OAUTH_TOKEN,
    var::TELEGRAM_BOT_TOKEN,
    var::TELEGRAM_CHAT_ID,
];

/// What only Claude Code needs: the setup steps do not get even the placeholder.
pub const AGENT_ONLY: &[&str] = &[var::ANTHROPIC_API_KEY, var::ANTHROPIC_BASE_URL];

#[derive(Debug, Clone)]
pub struct PodEnv {
    pub task: String,
    pub repo_url: String,
    pub branch: String,
    /// Full 40-hex commit to check out, when the CLI knew it.
    pub commit: Option<String>,
    pub job: String,
    pub workdir: PathBuf,
    pub service_timeout: Duration,
    pub services: Vec<ServiceEndpoint>,
    /// Extra arguments for `claude`, after the fixed ones.
    pub agent_args: Vec<String>,
    pub telegram: Option<Telegram>,
    pub age_key: PathBuf,
    /// The holder's seed volume, the agent's hand-off volume, the holder's private volume.
    pub seed_dir: PathBuf,
    pub handoff_dir: PathBuf,
    pub holder_dir: PathBuf,
    /// Time from the pod's start to the Job's deadline, when the Job has one.
    pub deadline: Option<Duration>,
    pub proxy_port: u16,
    /// Where the holder's proxy forwards to.
    pub anthropic_api: String,
    /// The pull request the holder opens once the work is pushed, when the user asked for one.
    pub pull_request: Option<PullRequestEnv>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PullRequestEnv {
    /// The REST API's base address; it receives the GitHub token.
    pub api: String,
    pub draft: bool,
    pub repo: crate::github::Repository,
}

/// The pull request's instructions; the CLI never sends others, so anything else is a hand-made
/// Job and refused before any work.
fn pull_request(kind: &str, api: Option<&str>, repo_url: &str) -> Result<PullRequestEnv, String> {
    let draft = match kind {
        "draft" => true,
        "ready" => false,
        other => {
            return Err(format!(
                "{} must be draft or ready, not {other:?}",
                var::PULL_REQUEST
            ));
        }
    };
    let repo = crate::github::repository(repo_url).ok_or_else(|| {
        format!("a pull request needs REPO_URL to be https://HOST/OWNER/REPO, not {repo_url}")
    })?;
    let api = match api {
        Some(a) if a.starts_with("https://") || a.starts_with("http://") => {
            a.trim_end_matches('/').to_owned()
        }
        Some(a) => {
            return Err(format!(
                "{} must be an http:// or https:// URL, not {a:?}",
                var::GITHUB_API
            ));
        }
        None => crate::github::api_base(&repo),
    };
    Ok(PullRequestEnv { api, draft, repo })
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceEndpoint {
    /// `postgres` or `redis`, for messages.
    pub name: &'static str,
    /// The variable it came from.
    pub var: &'static str,
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone)]
pub struct Telegram {
    pub token: String,
    pub chat_id: String,
    pub api_base: String,
}

/// When no agent arguments are configured: the pod is the sandbox, so the agent works without
/// asking for permission it cannot be given (nobody is at its terminal).
pub const DEFAULT_AGENT_ARGS: &[&str] = &["--dangerously-skip-permissions"];

impl PodEnv {
    pub fn from_process() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Built from any lookup so the rules are testable without touching the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let set = |name: &str| get(name).filter(|v| !v.is_empty());
        let required = |name: &str| {
            set(name).ok_or_else(|| {
                format!(
                    "{name} is not set. run-in-pod is the sandbox image's entrypoint and takes its \
                     instructions from the Job's environment; submit work with `claude-sandbox remote`"
                )
            })
        };
        let task = required(var::TASK)?;
        let repo_url = required(var::REPO_URL)?;
        check_repo_url(&repo_url)?;
        let branch = required(var::REPO_BRANCH)?;
        if branch.starts_with('-') || branch.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("REPO_BRANCH {branch:?} is not a branch name"));
        }
        let commit = match set(var::REPO_COMMIT) {
            Some(c) if c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(c.to_ascii_lowercase())
            }
            Some(c) => return Err(format!("REPO_COMMIT {c:?} is not a full commit id")),
            None => None,
        };
        let job = set(var::JOB).unwrap_or_else(|| "local".to_owned());
        if !crate::job::is_dns_label(&job) {
            return Err(format!(
                "CLAUDE_SANDBOX_JOB {job:?} is not a job name (lowercase letters, digits and '-')"
            ));
        }
        let service_timeout = match set(var::SERVICE_TIMEOUT) {
            Some(t) => units::parse_duration(&t)
                .map_err(|e| format!("CLAUDE_SANDBOX_SERVICE_TIMEOUT: {e}"))?,
            None => DEFAULT_SERVICE_TIMEOUT,
        };
        let mut services = Vec::new();
        for (name, var, port) in [
            ("postgres", var::DATABASE_URL, 5432),
            ("redis", var::REDIS_URL, 6379),
        ] {
            if let Some(url) = set(var) {
                let (host, port) = host_port(&url, port)
                    .ok_or_else(|| format!("{var} has no host to connect to"))?;
                services.push(ServiceEndpoint {
                    name,
                    var,
                    host,
                    port,
                });
            }
        }
        let extra = match set(var::AGENT_ARGS) {
            Some(json) => serde_json::from_str::<Vec<String>>(&json).map_err(|_| {
                "CLAUDE_SANDBOX_AGENT_ARGS must be a JSON array of strings, like [\"--model\", \"opus\"]"
                    .to_owned()
            })?,
            None => Vec::new(),
        };
        let agent_args = with_default_permissions(extra);
        let telegram = match (set(var::TELEGRAM_BOT_TOKEN), set(var::TELEGRAM_CHAT_ID)) {
            (Some(token), Some(chat_id)) => Some(Telegram {
                token,
                chat_id,
                api_base: set(var::TELEGRAM_API).unwrap_or_else(|| DEFAULT_TELEGRAM_API.to_owned()),
            }),
            _ => None,
        };
        let pull_request = match set(var::PULL_REQUEST) {
            Some(kind) => Some(pull_request(
                &kind,
                set(var::GITHUB_API).as_deref(),
                &repo_url,
            )?),
            None => None,
        };
        let deadline = match set(var::DEADLINE) {
            Some(t) => Some(Duration::from_secs(t.parse().map_err(|_| {
                format!("{} must be a number of seconds, not {t:?}", var::DEADLINE)
            })?)),
            None => None,
        };
        let proxy_port = match set(var::PROXY_PORT) {
            Some(p) => p
                .parse()
                .map_err(|_| format!("{} must be a port number, not {p:?}", var::PROXY_PORT))?,
            None => contract::PROXY_PORT,
        };
        let dir = |name: &str, default: &str| {
            set(name).map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        Ok(PodEnv {
            pull_request,
            seed_dir: dir(var::SEED_DIR, volume::SEED_PATH),
            handoff_dir: dir(var::HANDOFF_DIR, volume::HANDOFF_PATH),
            holder_dir: dir(var::HOLDER_DIR, volume::HOLDER_PATH),
            deadline,
            proxy_port,
            anthropic_api: set(var::ANTHROPIC_API)
                .unwrap_or_else(|| contract::DEFAULT_ANTHROPIC_API.to_owned()),
            task,
            repo_url,
            branch,
            commit,
            job,
            workdir: set(var::WORKDIR)
                .map_or_else(|| PathBuf::from(DEFAULT_WORKDIR), PathBuf::from),
            service_timeout,
            services,
            agent_args,
            telegram,
            age_key: set(var::AGE_KEY)
                .map_or_else(|| PathBuf::from(DEFAULT_AGE_KEY), PathBuf::from),
        })
    }
}

/// The configured arguments come after the default permission mode, unless they choose one
/// themselves.
fn with_default_permissions(extra: Vec<String>) -> Vec<String> {
    let chooses_mode = extra
        .iter()
        .any(|a| a == "--dangerously-skip-permissions" || a.starts_with("--permission-mode"));
    if chooses_mode {
        return extra;
    }
    DEFAULT_AGENT_ARGS
        .iter()
        .map(|s| s.to_string())
        .chain(extra)
        .collect()
}

impl PodEnv {
    /// The credential values present in this pod, for the log's redaction.
    pub fn secret_values(&self) -> Vec<String> {
        SECRET_VARS
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .collect()
    }

    /// The branch the agent's work is pushed to.
    pub fn work_branch(&self) -> String {
        format!("claude-sandbox/{}", self.job)
    }
}

/// The CLI only ever sends credential-free URLs; anything else means a hand-made Job that would
/// write its secret into `.git/config` and every log line that names the remote.
fn check_repo_url(url: &str) -> Result<(), String> {
    if url.starts_with('-') {
        return Err("REPO_URL must be a repository URL".to_owned());
    }
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(
                "REPO_URL carries credentials; give the URL without them and the token in GITHUB_TOKEN"
                    .to_owned(),
            );
        }
    }
    Ok(())
}

/// Host and port of a service URL (`postgres://u:p@host:5432/db`, `redis://[::1]:6379`).
pub fn host_port(url: &str, default_port: u16) -> Option<(String, u16)> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(p) if !p.is_empty() => p.parse().ok()?,
        _ => default_port,
    };
    Some((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Result<PodEnv, String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        PodEnv::from_lookup(|k| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[
        ("TASK", "fix it"),
        ("REPO_URL", "https://github.com/acme/shop.git"),
        ("REPO_BRANCH", "main"),
        (
            "CLAUDE_SANDBOX_JOB",
            "claude-sandbox-shop-20261123-101500-ab12",
        ),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v = BASE.to_vec();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn service_urls_give_host_and_port() {
        assert_eq!(
            host_port(
                "postgres://claude:claude@localhost:5432/sandbox_development",
                1
            ),
            Some(("localhost".into(), 5432))
        );
        assert_eq!(
            host_port("redis://localhost", 6379),
            Some(("localhost".into(), 6379))
        );
        assert_eq!(
            host_port("redis://[::1]:7000/0", 6379),
            Some(("::1".into(), 7000))
        );
        assert_eq!(
            host_port("postgres://u:p@ss@db:6543", 5432),
            Some(("db".into(), 6543))
        );
        assert_eq!(host_port("postgres:///socket-only", 5432), None);
        assert_eq!(host_port("redis://host:notaport", 6379), None);
    }

    #[test]
    fn the_job_environment_is_read_and_checked() {
        let e = env(&with(&[
            ("DATABASE_URL", "postgres://claude:claude@localhost:5432/db"),
            ("CLAUDE_SANDBOX_SERVICE_TIMEOUT", "5s"),
            ("CLAUDE_SANDBOX_AGENT_ARGS", r#"["--model","opus"]"#),
        ]))
        .unwrap();
        assert_eq!(e.services.len(), 1);
        assert_eq!(e.services[0].name, "postgres");
        assert_eq!(e.service_timeout, Duration::from_secs(5));
        assert_eq!(
            e.agent_args,
            ["--dangerously-skip-permissions", "--model", "opus"]
        );
        assert_eq!(e.workdir, PathBuf::from("/workspace"));
        assert_eq!(
            e.work_branch(),
            "claude-sandbox/claude-sandbox-shop-20261123-101500-ab12"
        );
        assert!(e.telegram.is_none());

        let defaults = env(BASE).unwrap();
        assert_eq!(defaults.agent_args, DEFAULT_AGENT_ARGS);
        assert_eq!(defaults.service_timeout, DEFAULT_SERVICE_TIMEOUT);
    }

    #[test]
    fn configured_agent_arguments_may_choose_their_own_permission_mode() {
        let e = env(&with(&[(
            "CLAUDE_SANDBOX_AGENT_ARGS",
            r#"["--permission-mode","acceptEdits","--allowedTools","Bash(npm test)"]"#,
        )]))
        .unwrap();
        assert_eq!(
            e.agent_args,
            [
                "--permission-mode",
                "acceptEdits",
                "--allowedTools",
                "Bash(npm test)"
            ]
        );
    }

    #[test]
    fn bad_instructions_are_refused_with_the_variable_named() {
        for (extra, words) in [
            (vec![("REPO_COMMIT", "abc123")], "REPO_COMMIT"),
            (
                vec![("REPO_URL", "https://x-access-token:ghp_x@github.com/a/b")],
                "credentials",
            ),
            (vec![("REPO_BRANCH", "--upload-pack=evil")], "REPO_BRANCH"),
            (
                vec![("CLAUDE_SANDBOX_SERVICE_TIMEOUT", "soon")],
                "CLAUDE_SANDBOX_SERVICE_TIMEOUT",
            ),
            (
                vec![("CLAUDE_SANDBOX_AGENT_ARGS", "--model opus")],
                "JSON array",
            ),
            (vec![("CLAUDE_SANDBOX_JOB", "../etc")], "CLAUDE_SANDBOX_JOB"),
            (vec![("TASK", "")], "TASK is not set"),
        ] {
            let err = env(&with(&extra)).unwrap_err();
            assert!(err.contains(words), "{extra:?}: {err}");
            assert!(!err.contains("ghp_x"), "{err}");
        }
    }
}
