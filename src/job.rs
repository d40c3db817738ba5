//! The Kubernetes Job for one task, built as typed k8s-openapi objects on a base template.
//!
//! Rendering is pure: it takes a [`JobPlan`] and a template and returns a `Job`. Values are typed
//! fields, never text spliced into YAML, so no task text can change the manifest's shape.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvFromSource, EnvVar, ExecAction,
    LocalObjectReference, PodSecurityContext, Probe, ResourceRequirements, SeccompProfile,
    SecretEnvSource, SecurityContext, Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use thiserror::Error;

pub const DEFAULT_IMAGE: &str = "landovsky/claude-sandbox:latest";
pub const DEFAULT_POSTGRES_IMAGE: &str = "postgres:17-alpine";
pub const DEFAULT_POSTGIS_IMAGE: &str = "postgis/postgis:17-3.5-alpine";
pub const DEFAULT_REDIS_IMAGE: &str = "redis:7-alpine";
pub const DEFAULT_SECRET: &str = "claude-sandbox-secrets";
pub const DEFAULT_TTL_SECS: i32 = 3600;
pub const DEFAULT_DEADLINE_SECS: i64 = 4 * 3600;
pub const AGENT_CONTAINER: &str = "claude";

pub const DATABASE_URL: &str = "postgres://claude:claude@localhost:5432/sandbox_development";
pub const REDIS_URL: &str = "redis://localhost:6379";

/// Labels and annotations the tool owns; `list`/`clean` select by these.
pub mod keys {
    pub const APP: &str = "app";
    pub const NAME: &str = "app.kubernetes.io/name";
    pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
    pub const MANAGED_BY_VALUE: &str = "claude-sandbox-cli";
    pub const REPO: &str = "claude-sandbox/repo";
    pub const BRANCH: &str = "claude-sandbox/branch";
    pub const TASK: &str = "claude-sandbox/task";
    pub const REPO_URL: &str = "claude-sandbox/repo-url";
    pub const BRANCH_FULL: &str = "claude-sandbox/branch-name";
    pub const COMMIT: &str = "claude-sandbox/commit";
    pub const CLI_VERSION: &str = "claude-sandbox/cli-version";
    /// The label selector that finds every job this tool made, and nothing else.
    pub const SELECTOR: &str = "app.kubernetes.io/managed-by=claude-sandbox-cli";
}

/// Environment variables the tool sets on the agent; `--env` may not replace them.
pub const RESERVED_ENV: &[&str] = &[
    "TASK",
    "REPO_URL",
    "REPO_BRANCH",
    "REPO_COMMIT",
    "CLAUDE_SANDBOX_JOB",
    "DATABASE_URL",
    "REDIS_URL",
];

/// How `agent_args` from the config reaches `run-in-pod`: a JSON array, so no argument is ever
/// split or joined on the way.
pub const AGENT_ARGS_ENV: &str = "CLAUDE_SANDBOX_AGENT_ARGS";

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
    pub env: Vec<(String, String)>,
    pub secret: String,
    pub ttl_seconds: i32,
    pub deadline_seconds: i64,
    pub cli_version: String,
    /// Added to what the template has: where the pod may run and how it pulls images.
    pub image_pull_secrets: Vec<String>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
}

#[derive(Debug, Error)]
pub enum TemplateError {
    #[error("{source_name} is not a valid Job: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
    #[error("{source_name} is a {kind}, not a batch/v1 Job")]
    WrongKind { source_name: String, kind: String },
}

const EMBEDDED_TEMPLATE: &str = include_str!("../templates/job.yaml");

/// The built-in template. It is part of the binary and covered by tests, so it always parses.
pub fn embedded_template() -> Job {
    parse_template(EMBEDDED_TEMPLATE, "the built-in job template")
        .unwrap_or_else(|e| unreachable!("built-in template is broken: {e}"))
}

pub fn parse_template(text: &str, source_name: &str) -> Result<Job, TemplateError> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "apiVersion")]
        api_version: Option<String>,
        kind: Option<String>,
    }
    let invalid = |message: String| TemplateError::Invalid {
        source_name: source_name.into(),
        message,
    };
    let head: Head = serde_saphyr::from_str(text).map_err(|e| invalid(yaml_error(&e)))?;
    let kind = head.kind.unwrap_or_default();
    if kind != "Job" || head.api_version.as_deref() != Some("batch/v1") {
        return Err(TemplateError::WrongKind {
            source_name: source_name.into(),
            kind: if kind.is_empty() {
                "document without a kind".into()
            } else {
                kind
            },
        });
    }
    let job: Job = serde_saphyr::from_str(text).map_err(|e| invalid(yaml_error(&e)))?;
    // Kubernetes types ignore keys they do not know, so a misspelt field would silently do
    // nothing; compare what was written with what the typed Job kept.
    let written: serde_json::Value =
        serde_saphyr::from_str(text).map_err(|e| invalid(yaml_error(&e)))?;
    let kept = serde_json::to_value(&job).unwrap_or_default();
    if let Some(path) = first_unknown(&written, &kept, String::new()) {
        let key = path.rsplit(['.', ']']).next().unwrap_or(&path).to_string();
        let line = text
            .lines()
            .position(|l| {
                l.trim_start()
                    .trim_start_matches("- ")
                    .starts_with(&format!("{key}:"))
            })
            .map_or(String::new(), |i| format!("line {}: ", i + 1));
        return Err(invalid(format!("{line}{path} is not a field of a Job")));
    }
    Ok(job)
}

/// The first line of a YAML error says where and what; the rest is a source excerpt.
fn yaml_error(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // serde-saphyr appends advice for Rust programmers ("…; use Option<String>"); a user editing
    // a YAML template can do nothing with it.
    first
        .split_once("; use Option<")
        .map_or(first, |(head, _)| head)
        .to_string()
}

fn first_unknown(
    written: &serde_json::Value,
    kept: &serde_json::Value,
    path: String,
) -> Option<String> {
    use serde_json::Value;
    match (written, kept) {
        (Value::Object(w), Value::Object(k)) => w.iter().find_map(|(key, value)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match k.get(key) {
                None if !value.is_null() => Some(here),
                None => None,
                Some(kv) => first_unknown(value, kv, here),
            }
        }),
        (Value::Array(w), Value::Array(k)) => w
            .iter()
            .zip(k)
            .enumerate()
            .find_map(|(i, (wv, kv))| first_unknown(wv, kv, format!("{path}[{i}]"))),
        _ => None,
    }
}

/// Build the Job. Fields the contract depends on are set here whatever the template says.
pub fn render(template: &Job, plan: &JobPlan) -> Job {
    let mut job = template.clone();

    let meta = &mut job.metadata;
    meta.name = Some(plan.name.clone());
    meta.generate_name = None;
    meta.namespace = plan.namespace.clone();
    let labels = job_labels(plan);
    meta.labels
        .get_or_insert_with(BTreeMap::new)
        .extend(labels.clone());
    let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert(keys::TASK.into(), plan.task.clone());
    annotations.insert(keys::REPO_URL.into(), plan.repo_url.clone());
    annotations.insert(keys::BRANCH_FULL.into(), plan.branch.clone());
    if let Some(c) = &plan.commit {
        annotations.insert(keys::COMMIT.into(), c.clone());
    }
    annotations.insert(keys::CLI_VERSION.into(), plan.cli_version.clone());

    let spec = job.spec.get_or_insert_with(Default::default);
    // One attempt: a second run of an agent would redo (and re-push) work.
    spec.backoff_limit = Some(0);
    spec.ttl_seconds_after_finished = Some(plan.ttl_seconds);
    spec.active_deadline_seconds = Some(plan.deadline_seconds);
    // The job controller adds its own selector; a template must not pin one.
    spec.selector = None;
    spec.manual_selector = None;

    let template_meta = spec.template.metadata.get_or_insert_with(Default::default);
    template_meta
        .labels
        .get_or_insert_with(BTreeMap::new)
        .extend(labels);

    let pod = spec.template.spec.get_or_insert_with(Default::default);
    pod.restart_policy = Some("Never".into());
    pod.automount_service_account_token = Some(false);
    harden_pod(pod.security_context.get_or_insert_with(Default::default));
    ensure_volumes(pod.volumes.get_or_insert_with(Vec::new));

    if !plan.node_selector.is_empty() {
        pod.node_selector
            .get_or_insert_with(BTreeMap::new)
            .extend(plan.node_selector.clone());
    }
    if !plan.tolerations.is_empty() {
        pod.tolerations
            .get_or_insert_with(Vec::new)
            .extend(plan.tolerations.iter().cloned());
    }
    for secret in &plan.image_pull_secrets {
        let list = pod.image_pull_secrets.get_or_insert_with(Vec::new);
        if !list.iter().any(|r| &r.name == secret) {
            list.push(LocalObjectReference {
                name: secret.clone(),
            });
        }
    }

    let agent = agent_container(&mut pod.containers);
    agent.image = Some(plan.image.clone());
    agent.env = Some(merge_env(
        agent.env.take().unwrap_or_default(),
        agent_env(plan),
    ));
    let env_from = agent.env_from.get_or_insert_with(Vec::new);
    if !env_from
        .iter()
        .any(|e| e.secret_ref.as_ref().is_some_and(|s| s.name == plan.secret))
    {
        env_from.push(EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: plan.secret.clone(),
                optional: Some(false),
            }),
            ..Default::default()
        });
    }
    let resources = agent.resources.get_or_insert_with(Default::default);
    set_resources(resources, &plan.resources);
    harden_container(agent.security_context.get_or_insert_with(Default::default));
    ensure_mounts(agent.volume_mounts.get_or_insert_with(Vec::new));

    let init = pod.init_containers.get_or_insert_with(Vec::new);
    init.retain(|c| c.name != "postgres" && c.name != "redis");
    if plan.postgres {
        init.push(postgres_sidecar(plan));
        let volumes = pod.volumes.get_or_insert_with(Vec::new);
        ensure_volume(volumes, empty_dir("pgdata", None, None));
    }
    if plan.redis {
        init.push(redis_sidecar(plan));
        let volumes = pod.volumes.get_or_insert_with(Vec::new);
        ensure_volume(volumes, empty_dir("redisdata", None, None));
    }
    if init.is_empty() {
        pod.init_containers = None;
    }
    job
}

fn job_labels(plan: &JobPlan) -> BTreeMap<String, String> {
    BTreeMap::from([
        (keys::APP.into(), "claude-sandbox".into()),
        (keys::NAME.into(), "claude-sandbox".into()),
        (keys::MANAGED_BY.into(), keys::MANAGED_BY_VALUE.into()),
        (keys::REPO.into(), repo_label(&plan.repo_url)),
        (keys::BRANCH.into(), label_value(&plan.branch)),
    ])
}

/// The `claude-sandbox/repo` label for a normalised URL: `owner.repo`, so `list --repo` can select
/// server-side; the exact URL is in an annotation for the final check.
pub fn repo_label(url: &str) -> String {
    label_value(&crate::repo::repo_slug(url).replace('/', "."))
}

fn agent_env(plan: &JobPlan) -> Vec<EnvVar> {
    let mut env = vec![
        env_var("TASK", &plan.task),
        env_var("REPO_URL", &plan.repo_url),
        env_var("REPO_BRANCH", &plan.branch),
    ];
    if let Some(c) = &plan.commit {
        env.push(env_var("REPO_COMMIT", c));
    }
    env.push(env_var("CLAUDE_SANDBOX_JOB", &plan.name));
    if plan.postgres {
        env.push(env_var("DATABASE_URL", DATABASE_URL));
    }
    if plan.redis {
        env.push(env_var("REDIS_URL", REDIS_URL));
    }
    for (k, v) in &plan.env {
        if !RESERVED_ENV.contains(&k.as_str()) {
            env.push(env_var(k, v));
        }
    }
    env
}

/// Template env stays unless the tool sets the same name; the tool's values win.
fn merge_env(template: Vec<EnvVar>, ours: Vec<EnvVar>) -> Vec<EnvVar> {
    let mut merged: Vec<EnvVar> = template
        .into_iter()
        .filter(|t| !ours.iter().any(|o| o.name == t.name))
        .collect();
    merged.extend(ours);
    merged
}

fn env_var(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..Default::default()
    }
}

fn agent_container(containers: &mut Vec<Container>) -> &mut Container {
    let index = match containers.iter().position(|c| c.name == AGENT_CONTAINER) {
        Some(i) => i,
        None => {
            containers.insert(
                0,
                Container {
                    name: AGENT_CONTAINER.into(),
                    ..Default::default()
                },
            );
            0
        }
    };
    &mut containers[index]
}

fn set_resources(r: &mut ResourceRequirements, plan: &Resources) {
    let requests = r.requests.get_or_insert_with(BTreeMap::new);
    requests.insert("cpu".into(), Quantity(plan.cpu_request.clone()));
    requests.insert("memory".into(), Quantity(plan.memory_request.clone()));
    let limits = r.limits.get_or_insert_with(BTreeMap::new);
    limits.insert("cpu".into(), Quantity(plan.cpu_limit.clone()));
    limits.insert("memory".into(), Quantity(plan.memory_limit.clone()));
}

fn resources(cpu: (&str, &str), memory: (&str, &str)) -> ResourceRequirements {
    let mut r = ResourceRequirements::default();
    set_resources(
        &mut r,
        &Resources {
            cpu_request: cpu.0.into(),
            cpu_limit: cpu.1.into(),
            memory_request: memory.0.into(),
            memory_limit: memory.1.into(),
        },
    );
    r
}

fn harden_pod(sc: &mut PodSecurityContext) {
    sc.run_as_non_root = Some(true);
    sc.run_as_user = Some(1000);
    sc.run_as_group = Some(1000);
    sc.fs_group = Some(1000);
    sc.seccomp_profile = Some(SeccompProfile {
        type_: "RuntimeDefault".into(),
        ..Default::default()
    });
}

fn harden_container(sc: &mut SecurityContext) {
    sc.allow_privilege_escalation = Some(false);
    sc.privileged = Some(false);
    sc.capabilities = Some(Capabilities {
        drop: Some(vec!["ALL".into()]),
        add: None,
    });
    // The pod-level settings apply; a template must not loosen them per container.
    sc.run_as_non_root = Some(true);
    sc.run_as_user = None;
}

fn hardened() -> SecurityContext {
    let mut sc = SecurityContext::default();
    harden_container(&mut sc);
    sc
}

fn empty_dir(name: &str, medium: Option<&str>, size: Option<&str>) -> Volume {
    Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource {
            medium: medium.map(Into::into),
            size_limit: size.map(|s| Quantity(s.into())),
        }),
        ..Default::default()
    }
}

fn ensure_volume(volumes: &mut Vec<Volume>, v: Volume) {
    if !volumes.iter().any(|x| x.name == v.name) {
        volumes.push(v);
    }
}

fn ensure_volumes(volumes: &mut Vec<Volume>) {
    ensure_volume(volumes, empty_dir("workspace", None, None));
    ensure_volume(volumes, empty_dir("dshm", Some("Memory"), Some("2Gi")));
    ensure_volume(
        volumes,
        Volume {
            name: "age-key".into(),
            secret: Some(k8s_openapi::api::core::v1::SecretVolumeSource {
                secret_name: Some("age-key".into()),
                optional: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: read_only.then_some(true),
        ..Default::default()
    }
}

fn ensure_mounts(mounts: &mut Vec<VolumeMount>) {
    for m in [
        mount("workspace", "/workspace", false),
        mount("dshm", "/dev/shm", false),
        mount("age-key", "/secrets", true),
    ] {
        if !mounts.iter().any(|x| x.mount_path == m.mount_path) {
            mounts.push(m);
        }
    }
}

fn exec_probe(command: &[&str]) -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: Some(command.iter().map(|s| s.to_string()).collect()),
        }),
        // Up to two minutes for first start (image pull is not counted; that is Pending).
        period_seconds: Some(2),
        failure_threshold: Some(60),
        timeout_seconds: Some(2),
        ..Default::default()
    }
}

/// Native sidecar: an init container with `restartPolicy: Always` starts before the agent, is
/// ready once its startup probe passes, and is stopped when the agent exits, so the Job completes.
fn postgres_sidecar(plan: &JobPlan) -> Container {
    let image = if plan.postgis {
        &plan.sidecar_images.postgis
    } else {
        &plan.sidecar_images.postgres
    };
    Container {
        name: "postgres".into(),
        image: Some(image.clone()),
        restart_policy: Some("Always".into()),
        env: Some(vec![
            env_var("POSTGRES_USER", "claude"),
            env_var("POSTGRES_PASSWORD", "claude"),
            env_var("POSTGRES_DB", "sandbox_development"),
            // A subdirectory, because initdb refuses a mount point that holds lost+found.
            env_var("PGDATA", "/var/lib/postgresql/data/pgdata"),
        ]),
        startup_probe: Some(exec_probe(&[
            "pg_isready",
            "-h",
            "127.0.0.1",
            "-U",
            "claude",
            "-d",
            "sandbox_development",
        ])),
        resources: Some(resources(("100m", "1"), ("256Mi", "1Gi"))),
        security_context: Some(hardened()),
        volume_mounts: Some(vec![mount("pgdata", "/var/lib/postgresql/data", false)]),
        ..Default::default()
    }
}

fn redis_sidecar(plan: &JobPlan) -> Container {
    Container {
        name: "redis".into(),
        image: Some(plan.sidecar_images.redis.clone()),
        restart_policy: Some("Always".into()),
        startup_probe: Some(exec_probe(&["redis-cli", "-h", "127.0.0.1", "ping"])),
        resources: Some(resources(("50m", "500m"), ("64Mi", "512Mi"))),
        security_context: Some(hardened()),
        volume_mounts: Some(vec![mount("redisdata", "/data", false)]),
        ..Default::default()
    }
}

/// `claude-sandbox-<repo>-<yyyymmdd-hhmmss>-<rand4>`: a DNS-1123 label of at most 63 characters.
pub fn job_name(repo: &str, now: jiff::Timestamp, suffix: &str) -> String {
    const PREFIX: &str = "claude-sandbox-";
    // prefix + "-yyyymmdd-hhmmss" (16) + "-xxxx" (5) leaves this much for the repository.
    const REPO_ROOM: usize = 63 - 15 - 16 - 5;
    let mut slug = dns_label_part(repo);
    if slug.len() > REPO_ROOM {
        slug.truncate(REPO_ROOM);
        slug = slug.trim_end_matches('-').to_string();
    }
    if slug.is_empty() {
        slug = "repo".into();
    }
    let stamp = now.strftime("%Y%m%d-%H%M%S");
    format!("{PREFIX}{slug}-{stamp}-{suffix}")
}

/// Four random characters of [a-z0-9], from the standard library's randomly seeded hasher (a name
/// suffix needs uniqueness between two submits in the same second, not cryptographic strength).
pub fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut n = h.finish();
    (0..4)
        .map(|_| {
            let c = ALPHABET[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}

fn dns_label_part(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Any text as a valid label value: at most 63 of `[A-Za-z0-9._-]`, starting and ending with an
/// alphanumeric. Long values keep a hash of the whole so two long branch names stay distinct.
pub fn label_value(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.len() <= 63 && trimmed == mapped {
        return trimmed.to_string();
    }
    if trimmed.len() <= 63 && mapped.len() <= 63 {
        return trimmed.to_string();
    }
    let hash = format!("{:08x}", fnv1a32(s.as_bytes()));
    let head: String = trimmed.chars().take(54).collect();
    let head = head.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if head.is_empty() {
        hash
    } else {
        format!("{head}-{hash}")
    }
}

/// FNV-1a: tiny, stable across versions and platforms, which label values need.
fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x01000193);
    }
    h
}

pub fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
}

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub fn to_yaml(job: &Job) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(job)
}

/// Any Kubernetes object as YAML, the same way the Job is written.
pub fn to_yaml_value<T: serde::Serialize>(obj: &T) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(obj)
}

pub fn to_json(job: &Job) -> String {
    // Serialising a typed Job cannot fail: every field is a plain string, number or map.
    serde_json::to_string_pretty(job).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn job_names_are_dns_labels_within_63() {
        let t = at("2026-11-23T10:05:09Z");
        assert_eq!(
            job_name("my_App", t, "ab12"),
            "claude-sandbox-my-app-20261123-100509-ab12"
        );
        let long = job_name(&"x".repeat(200), t, "zz99");
        assert!(long.len() <= 63 && is_dns_label(&long), "{long}");
        assert_eq!(
            job_name("___", t, "a1b2"),
            "claude-sandbox-repo-20261123-100509-a1b2"
        );
        let cut = job_name("abcdefghijklmnopqrstuvwxy-z", t, "q1w2");
        assert!(is_dns_label(&cut), "{cut}");
    }

    #[test]
    fn random_suffixes_are_four_lowercase_alphanumerics() {
        let s = random_suffix();
        assert_eq!(s.len(), 4);
        assert!(
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }

    #[test]
    fn label_values_are_always_valid() {
        assert_eq!(label_value("feature/login-fix"), "feature-login-fix");
        assert_eq!(label_value("-weird-"), "weird");
        assert_eq!(label_value("ünïcode"), "n-code");
        let a = label_value(&format!("{}a", "b".repeat(100)));
        let b = label_value(&format!("{}c", "b".repeat(100)));
        assert!(is_label_value(&a) && is_label_value(&b));
        assert_ne!(a, b, "long values must not collide");
        assert!(is_label_value(&label_value("////")));
    }

    #[test]
    fn the_embedded_template_parses() {
        let job = embedded_template();
        assert_eq!(job.spec.unwrap().backoff_limit, Some(0));
    }

    #[test]
    fn misspelt_template_fields_are_named_with_their_line() {
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      tolerashuns: []\n      containers:\n        - name: claude\n          imagee: foo\n";
        let err = parse_template(text, "t.yaml").unwrap_err().to_string();
        assert!(
            err.contains("line 10") && err.contains("spec.template.spec.containers[0].imagee"),
            "{err}"
        );
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      tolerashuns: []\n      containers: []\n";
        let err = parse_template(text, "t.yaml").unwrap_err().to_string();
        assert!(
            err.contains("line 7") && err.contains("spec.template.spec.tolerashuns"),
            "{err}"
        );
        let broken = parse_template(
            "apiVersion: batch/v1\nkind: Job\nspec: [unclosed\n",
            "t.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            broken.contains("line 3") && !broken.contains('\n'),
            "{broken}"
        );
    }

    #[test]
    fn templates_of_another_kind_are_refused() {
        let err = parse_template("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "t.yaml")
            .unwrap_err();
        assert!(err.to_string().contains("Pod"), "{err}");
        assert!(parse_template("::: not yaml", "t.yaml").is_err());
    }
}
