//! The Kubernetes Job for one task, built as typed k8s-openapi objects on a base template.
//!
//! Rendering is pure: it takes a [`JobPlan`] and a template and returns a `Job`. Values are typed
//! fields, never text spliced into YAML, so no task text can change the manifest's shape.
//! [`names`] makes valid Kubernetes names, [`template`] reads templates, [`render`] fills one in,
//! [`harden`] holds every container to Pod Security `restricted`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Toleration;

pub mod harden;
pub mod names;
mod render;
pub mod template;

pub use crate::contract::{AGENT_CONTAINER, keys};
pub use names::{
    QUEUE_LABEL, check_queue_name, is_dns_label, is_label_value, job_name, label_value,
    random_suffix, repo_label,
};
pub use render::{placeholder, render};
pub use template::{
    TemplateError, embedded_template, parse_template, to_json, to_yaml, to_yaml_value,
};

pub const DEFAULT_IMAGE: &str = "landovsky/claude-sandbox:latest";
pub const DEFAULT_POSTGRES_IMAGE: &str = "postgres:17-alpine";
pub const DEFAULT_POSTGIS_IMAGE: &str = "postgis/postgis:17-3.5-alpine";
pub const DEFAULT_REDIS_IMAGE: &str = "redis:7-alpine";
pub const DEFAULT_SECRET: &str = "claude-sandbox-secrets";
pub const DEFAULT_TTL_SECS: i32 = 3600;
pub const DEFAULT_DEADLINE_SECS: i64 = 4 * 3600;

pub const DATABASE_URL: &str = "postgres://claude:claude@localhost:5432/sandbox_development";
pub const REDIS_URL: &str = "redis://localhost:6379";

/// Environment variables the tool sets on the agent; `--env` may not replace them.
pub const RESERVED_ENV: &[&str] = crate::contract::env::RESERVED;

/// How `agent_args` from the config reaches `run-in-pod`.
pub const AGENT_ARGS_ENV: &str = crate::contract::env::AGENT_ARGS;

/// The task travels as the `TASK` variable, and Linux refuses to start a program with any single
/// environment string over 128 KiB (MAX_ARG_STRLEN): a longer task would leave the pod failing at
/// start. The margin also leaves room for the annotations' own 256 KiB cap, where the task is kept
/// whole too.
pub const MAX_TASK_BYTES: usize = 120 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Resources {
    pub cpu_request: String,
    pub cpu_limit: String,
    pub memory_request: String,
    pub memory_limit: String,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            cpu_request: "1".into(),
            cpu_limit: "2".into(),
            memory_request: "2Gi".into(),
            memory_limit: "4Gi".into(),
        }
    }
}

/// Disk the pod may use: the agent's own writable layer and every disk emptyDir are bounded, so
/// a runaway `node_modules` fails the job instead of evicting the node's other pods.
#[derive(Debug, Clone, PartialEq)]
pub struct Storage {
    pub ephemeral_request: String,
    pub ephemeral_limit: String,
    /// The size limit of the work tree, of the seed and of the holder's private repository.
    pub workspace: String,
    /// The size limit of the Postgres and Redis data volumes.
    pub service_data: String,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            ephemeral_request: "2Gi".into(),
            ephemeral_limit: "10Gi".into(),
            workspace: "20Gi".into(),
            service_data: "5Gi".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SidecarImages {
    pub postgres: String,
    pub postgis: String,
    pub redis: String,
}

impl Default for SidecarImages {
    fn default() -> Self {
        SidecarImages {
            postgres: DEFAULT_POSTGRES_IMAGE.into(),
            postgis: DEFAULT_POSTGIS_IMAGE.into(),
            redis: DEFAULT_REDIS_IMAGE.into(),
        }
    }
}

/// Everything that varies from one job to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPlan {
    pub name: String,
    pub namespace: Option<String>,
    pub task: String,
    pub repo_url: String,
    pub branch: String,
    pub commit: Option<String>,
    pub image: String,
    pub postgres: bool,
    pub postgis: bool,
    pub redis: bool,
    pub sidecar_images: SidecarImages,
    pub resources: Resources,
    pub storage: Storage,
    pub env: Vec<(String, String)>,
    pub secret: String,
    pub ttl_seconds: i32,
    pub deadline_seconds: i64,
    pub cli_version: String,
    /// Where the holder's proxy forwards the agent's Anthropic requests.
    pub anthropic_api: String,
    /// The credential holder's image. Not the agent's: a repository may choose the agent's image,
    /// which holds nothing, but only the user chooses the code that runs with the credentials.
    pub holder_image: String,
    /// Added to what the template has: where the pod may run and how it pulls images.
    pub image_pull_secrets: Vec<String>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    /// The pull request the credential holder opens once the work is pushed, when asked for.
    pub pull_request: Option<PullRequest>,
    /// The Kueue LocalQueue to wait in: the Job is created suspended, for Kueue to resume.
    pub queue: Option<String>,
}

/// Where and how the holder opens the pull request: the API gets the GitHub token.
#[derive(Debug, Clone, PartialEq)]
pub struct PullRequest {
    pub api: String,
    pub draft: bool,
}
