//! The Job for one plan: the template, with every field the contract depends on set by the tool.
//!
//! Two containers share the work: `claude` (the agent, no credential of any kind) and `holder`
//! (a native sidecar with its own uid, the only one given the secret). docs/pod.md describes the
//! roles; the names and paths come from [`crate::contract`].

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvFromSource, EnvVar, ExecAction, LocalObjectReference,
    PodSpec, Probe, ResourceRequirements, SecretEnvSource, SecretVolumeSource, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::harden::{harden, hardened};
use super::names::{label_value, repo_label};
use super::{DATABASE_URL, JobPlan, REDIS_URL, Resources};
use crate::contract::{self, HOLDER_UID, env, keys, role, volume};

/// Build the Job. Fields the contract depends on are set here whatever the template says.
pub fn render(template: &Job, plan: &JobPlan) -> Job {
    let mut job = template.clone();

    let meta = &mut job.metadata;
    meta.name = Some(plan.name.clone());
    meta.generate_name = None;
    meta.namespace = plan.namespace.clone();
    let labels = job_labels(plan);
    let job_labels = meta.labels.get_or_insert_with(BTreeMap::new);
    job_labels.extend(labels.clone());
    // On the Job only: Kueue reads it there. Without `--queue` a team's template may still name
    // a queue itself, which is left as it is.
    if let Some(queue) = &plan.queue {
        job_labels.insert(super::QUEUE_LABEL.into(), queue.clone());
    }
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
    // Kueue admits a queued job by resuming it; created running, the pod would start before
    // Kueue's quota had a say.
    if plan.queue.is_some() {
        spec.suspend = Some(true);
    }

    let template_meta = spec.template.metadata.get_or_insert_with(Default::default);
    template_meta
        .labels
        .get_or_insert_with(BTreeMap::new)
        .extend(labels);

    let pod = spec.template.spec.get_or_insert_with(Default::default);
    pod.restart_policy = Some("Never".into());
    pod.automount_service_account_token = Some(false);
    // Time to stop the agent and push its work after a cancel or the deadline.
    pod.termination_grace_period_seconds = Some(contract::GRACE_SECONDS);
    set_volumes(pod, plan);
    add_scheduling(pod, plan);

    let agent = agent_container(&mut pod.containers);
    fill_agent(agent, plan);

    let init = pod.init_containers.get_or_insert_with(Vec::new);
    init.retain(|c| ![contract::HOLDER_CONTAINER, "postgres", "redis"].contains(&c.name.as_str()));
    // First among the init containers: the agent and the services wait for nothing it needs,
    // but the agent cannot start before its clone.
    init.insert(0, holder_container(plan));
    if plan.postgres {
        init.push(postgres_sidecar(plan));
    }
    if plan.redis {
        init.push(redis_sidecar(plan));
    }
    confine_credentials(pod, plan);
    harden(pod);
    job
}

/// Only the holder may reach the credentials secret, the age key or the holder's own volume. A
/// template may add containers (a cache warmer, a log shipper), but a template is a file in the
/// repository, which the agent of an earlier job could have changed on its branch: whatever it
/// says, no other container gets an environment variable or a volume backed by those secrets, and
/// a volume of the template's that is backed by them is dropped.
fn confine_credentials(pod: &mut PodSpec, plan: &JobPlan) {
    let guarded = |name: &str| name == plan.secret || name == volume::AGE_KEY_SECRET;
    let mut dropped: Vec<String> = Vec::new();
    if let Some(volumes) = pod.volumes.as_mut() {
        volumes.retain(|v| {
            if v.name == volume::AGE_KEY {
                return true;
            }
            let direct = v
                .secret
                .as_ref()
                .and_then(|s| s.secret_name.as_deref())
                .is_some_and(guarded);
            let projected = v.projected.as_ref().is_some_and(|p| {
                p.sources
                    .iter()
                    .flatten()
                    .filter_map(|s| s.secret.as_ref())
                    .any(|s| guarded(&s.name))
            });
            if direct || projected {
                dropped.push(v.name.clone());
            }
            !(direct || projected)
        });
    }
    let holder_only = [volume::AGE_KEY, volume::HOLDER];
    let others = pod.containers.iter_mut().chain(
        pod.init_containers
            .iter_mut()
            .flatten()
            .filter(|c| c.name != contract::HOLDER_CONTAINER),
    );
    for c in others {
        if let Some(env) = c.env.as_mut() {
            env.retain(|e| {
                e.value_from
                    .as_ref()
                    .and_then(|f| f.secret_key_ref.as_ref())
                    .is_none_or(|r| !guarded(&r.name))
            });
        }
        if let Some(from) = c.env_from.as_mut() {
            from.retain(|e| e.secret_ref.as_ref().is_none_or(|r| !guarded(&r.name)));
        }
        if let Some(mounts) = c.volume_mounts.as_mut() {
            mounts
                .retain(|m| !holder_only.contains(&m.name.as_str()) && !dropped.contains(&m.name));
        }
    }
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

fn add_scheduling(pod: &mut PodSpec, plan: &JobPlan) {
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
}

/// The command every container of ours starts with: the binary the image puts on PATH.
fn run_in_pod(role: &str) -> Vec<String> {
    vec![
        contract::BINARY.into(),
        contract::RUN_IN_POD.into(),
        role.into(),
    ]
}

/// What both roles are told about the job: the task, its repository and commit, its name and
/// deadline.
fn job_env(plan: &JobPlan) -> Vec<EnvVar> {
    let mut vars = vec![
        env_var(env::TASK, &plan.task),
        env_var(env::REPO_URL, &plan.repo_url),
        env_var(env::REPO_BRANCH, &plan.branch),
    ];
    if let Some(c) = &plan.commit {
        vars.push(env_var(env::REPO_COMMIT, c));
    }
    vars.push(env_var(env::JOB, &plan.name));
    vars.push(env_var(env::DEADLINE, &plan.deadline_seconds.to_string()));
    vars
}

/// What the agent's container sees: the task, where its repository came from, its services, the
/// user's `--env`, and the proxy with a placeholder where a credential would be. Nothing else.
fn agent_env(plan: &JobPlan) -> Vec<EnvVar> {
    let mut vars = job_env(plan);
    if plan.postgres {
        vars.push(env_var(env::DATABASE_URL, DATABASE_URL));
    }
    if plan.redis {
        vars.push(env_var(env::REDIS_URL, REDIS_URL));
    }
    vars.push(env_var(
        env::ANTHROPIC_BASE_URL,
        &format!("http://127.0.0.1:{}", contract::PROXY_PORT),
    ));
    vars.push(env_var(env::ANTHROPIC_API_KEY, &placeholder(plan)));
    for (k, v) in &plan.env {
        if !env::RESERVED.contains(&k.as_str()) {
            vars.push(env_var(k, v));
        }
    }
    vars
}

/// The agent's stand-in for the Anthropic credential: it names the job, so it is different in
/// every pod, and it is worth nothing outside it (only the holder's loopback proxy takes it).
pub fn placeholder(plan: &JobPlan) -> String {
    format!("sk-ant-placeholder-{}", plan.name)
}

fn fill_agent(agent: &mut Container, plan: &JobPlan) {
    agent.image = Some(plan.image.clone());
    agent.command = Some(run_in_pod(role::AGENT));
    agent.args = None;
    agent.working_dir = Some(volume::WORKSPACE_PATH.into());
    // The receipt: the file, not the log's tail, so a failed agent's last words never stand in
    // for it.
    agent.termination_message_path = Some(contract::RECEIPT_PATH.into());
    agent.termination_message_policy = Some("File".into());
    // Nothing from the credentials secret reaches the agent, whatever the template says.
    let template_env = agent
        .env
        .take()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| {
            e.value_from
                .as_ref()
                .is_none_or(|f| f.secret_key_ref.is_none())
        })
        .collect();
    agent.env = Some(merge_env(template_env, agent_env(plan)));
    agent.env_from = agent.env_from.take().map(|list| {
        list.into_iter()
            .filter(|e| e.secret_ref.is_none())
            .collect()
    });
    let resources = agent.resources.get_or_insert_with(Default::default);
    set_resources(resources, &plan.resources);
    let requests = resources.requests.get_or_insert_with(BTreeMap::new);
    requests.insert(
        "ephemeral-storage".into(),
        Quantity(plan.storage.ephemeral_request.clone()),
    );
    let limits = resources.limits.get_or_insert_with(BTreeMap::new);
    limits.insert(
        "ephemeral-storage".into(),
        Quantity(plan.storage.ephemeral_limit.clone()),
    );
    agent.security_context = Some(hardened(None));
    let mounts = agent.volume_mounts.get_or_insert_with(Vec::new);
    // The holder's volumes are not the agent's to mount, whatever the template says.
    mounts.retain(|m| m.name != volume::AGE_KEY && m.name != volume::HOLDER);
    for m in [
        mount(volume::WORKSPACE, volume::WORKSPACE_PATH, false),
        mount(volume::SEED, volume::SEED_PATH, true),
        mount(volume::HANDOFF, volume::HANDOFF_PATH, false),
        mount(volume::DSHM, volume::DSHM_PATH, false),
    ] {
        mounts.retain(|x| x.mount_path != m.mount_path && x.name != m.name);
        mounts.push(m);
    }
}

/// The credential holder, a native sidecar: it starts first, clones, and its startup probe holds
/// the agent back until the seed repository is ready; it lives until the agent has exited, so it
/// can publish the agent's work.
fn holder_container(plan: &JobPlan) -> Container {
    let mut vars = job_env(plan);
    vars.push(env_var(env::ANTHROPIC_API, &plan.anthropic_api));
    vars.push(env_var(env::PLACEHOLDER, &placeholder(plan)));
    vars.push(env_var("HOME", volume::HOLDER_PATH));
    if let Some(pr) = &plan.pull_request {
        vars.push(env_var(
            env::PULL_REQUEST,
            if pr.draft { "draft" } else { "ready" },
        ));
        vars.push(env_var(env::GITHUB_API, &pr.api));
    }
    Container {
        name: contract::HOLDER_CONTAINER.into(),
        image: Some(plan.holder_image.clone()),
        command: Some(run_in_pod(role::HOLDER)),
        restart_policy: Some("Always".into()),
        env: Some(vars),
        env_from: Some(vec![EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: plan.secret.clone(),
                optional: Some(false),
            }),
            ..Default::default()
        }]),
        startup_probe: Some(Probe {
            // A big repository may take a while to clone; the probe only waits for the clone,
            // a failed clone answers at once (the agent then reports why and exits).
            failure_threshold: Some(900),
            ..exec_probe(&run_in_pod(role::READY))
        }),
        resources: Some(resources(("100m", "1"), ("128Mi", "1Gi"))),
        security_context: Some(hardened(Some(HOLDER_UID))),
        volume_mounts: Some(vec![
            mount(volume::SEED, volume::SEED_PATH, false),
            mount(volume::HOLDER, volume::HOLDER_PATH, false),
            mount(volume::WORKSPACE, volume::WORKSPACE_PATH, true),
            mount(volume::HANDOFF, volume::HANDOFF_PATH, true),
            mount(volume::AGE_KEY, volume::AGE_KEY_PATH, true),
        ]),
        ..Default::default()
    }
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
    let index = match containers
        .iter()
        .position(|c| c.name == contract::AGENT_CONTAINER)
    {
        Some(i) => i,
        None => {
            containers.insert(
                0,
                Container {
                    name: contract::AGENT_CONTAINER.into(),
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

fn empty_dir(name: &str, medium: Option<&str>, size: &str) -> Volume {
    Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource {
            medium: medium.map(Into::into),
            size_limit: Some(Quantity(size.into())),
        }),
        ..Default::default()
    }
}

/// The tool's volumes replace any of the same name a template has; every disk emptyDir, the
/// template's included, gets a size limit so no runaway install can fill the node's disk.
fn set_volumes(pod: &mut PodSpec, plan: &JobPlan) {
    let s = &plan.storage;
    let mut ours = vec![
        empty_dir(volume::WORKSPACE, None, &s.workspace),
        empty_dir(volume::SEED, None, &s.workspace),
        empty_dir(volume::HOLDER, None, &s.workspace),
        empty_dir(volume::HANDOFF, None, "16Mi"),
        empty_dir(volume::DSHM, Some("Memory"), "2Gi"),
        Volume {
            name: volume::AGE_KEY.into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(volume::AGE_KEY_SECRET.into()),
                optional: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        },
    ];
    if plan.postgres {
        ours.push(empty_dir(volume::PGDATA, None, &s.service_data));
    }
    if plan.redis {
        ours.push(empty_dir(volume::REDISDATA, None, &s.service_data));
    }
    let volumes = pod.volumes.get_or_insert_with(Vec::new);
    volumes.retain(|v| !ours.iter().any(|o| o.name == v.name));
    for v in volumes.iter_mut() {
        if let Some(dir) = &mut v.empty_dir
            && dir.medium.as_deref() != Some("Memory")
            && dir.size_limit.is_none()
        {
            dir.size_limit = Some(Quantity(s.workspace.clone()));
        }
    }
    volumes.extend(ours);
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: read_only.then_some(true),
        ..Default::default()
    }
}

fn exec_probe(command: &[String]) -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: Some(command.to_vec()),
        }),
        // Up to two minutes for first start (image pull is not counted; that is Pending).
        period_seconds: Some(2),
        failure_threshold: Some(60),
        timeout_seconds: Some(2),
        ..Default::default()
    }
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| s.to_string()).collect()
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
        startup_probe: Some(exec_probe(&strings(&[
            "pg_isready",
            "-h",
            "127.0.0.1",
            "-U",
            "claude",
            "-d",
            "sandbox_development",
        ]))),
        resources: Some(resources(("100m", "1"), ("256Mi", "1Gi"))),
        security_context: Some(hardened(None)),
        volume_mounts: Some(vec![mount(
            volume::PGDATA,
            "/var/lib/postgresql/data",
            false,
        )]),
        ..Default::default()
    }
}

fn redis_sidecar(plan: &JobPlan) -> Container {
    Container {
        name: "redis".into(),
        image: Some(plan.sidecar_images.redis.clone()),
        restart_policy: Some("Always".into()),
        startup_probe: Some(exec_probe(&strings(&[
            "redis-cli",
            "-h",
            "127.0.0.1",
            "ping",
        ]))),
        resources: Some(resources(("50m", "500m"), ("64Mi", "512Mi"))),
        security_context: Some(hardened(None)),
        volume_mounts: Some(vec![mount(volume::REDISDATA, "/data", false)]),
        ..Default::default()
    }
}
