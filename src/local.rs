//! `local`: the Job `remote` would submit, run by Podman on this machine instead of a cluster.
//!
//! The rendered Job is translated into what `podman kube play` runs: one Pod, the named volumes it
//! mounts (created beforehand, each owned by the uid that writes it), and the credentials as a
//! Podman secret only the holder's `envFrom` names; [`docker`] turns the same pod into Docker's
//! command lines. Everything here is data in, data out; the command (`cmd::local`) runs the engine.
//!
//! What differs from the cluster, and why (each change is also told where it is made):
//! - Native sidecars (the holder, the services) become ordinary containers, started before the
//!   agent: Podman ignores `restartPolicy: Always` on init containers and refuses a startup probe
//!   there. Nothing is lost: the agent waits for the holder's `state.json` and for the services'
//!   ports itself (docs/pod.md).
//! - Volumes are Podman named volumes; Podman has no size limits for them and no `fsGroup`, so
//!   each is created owned by the uid of the container that mounts it writable, with the pod's
//!   group. Memory volumes (`/dev/shm`) are dropped: every container has its own. Secret volumes
//!   (the optional age key) are dropped: there is no cluster secret to mount.
//! - The receipt goes to a file in the hand-off volume, since Podman has no termination message.
//! - Probes, ports, lifecycle hooks, annotations and references to cluster objects are left out;
//!   so is every volume kind but emptyDir (and secrets, dropped), so that no template can mount
//!   something of this machine's.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::ByteString;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    Container, EnvFromSource, EnvVar, PersistentVolumeClaimVolumeSource, Pod, PodSpec,
    ResourceRequirements, SecretEnvSource, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::contract::{self, Receipt, env as var, volume};

pub mod docker;

/// The file in the hand-off volume where the agent's PID 1 leaves its receipt.
pub const RECEIPT_FILE: &str = "receipt.json";

/// Credentials `local` hands the holder: the keys of the cluster's secret (docs/guide.md).
pub const CREDENTIAL_KEYS: &[&str] = &[
    var::GITHUB_TOKEN,
    var::CLAUDE_CODE_OAUTH_TOKEN,
    var::ANTHROPIC_API_KEY,
    var::TELEGRAM_BOT_TOKEN,
    var::TELEGRAM_CHAT_ID,
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocalError {
    #[error("the job has no pod template")]
    NoPod,
    #[error(
        "the job template's volume {name} is a {kind} volume, which a local run cannot provide (only emptyDir)"
    )]
    UnsupportedVolume { name: String, kind: &'static str },
    #[error("the pod has no credential holder")]
    NoHolder,
    #[error("Docker cannot {what} for container {container}; Podman can")]
    DockerCannot { container: String, what: String },
    #[error("{reason}")]
    Quantity { reason: String },
    #[error("{path}, line {line}: expected KEY=VALUE")]
    BadLine { path: String, line: usize },
    #[error("{path}, line {line}: {key} is not a credential claude-sandbox uses")]
    UnknownKey {
        path: String,
        line: usize,
        key: String,
    },
}

/// A named volume to create before the pod is played, owned by who writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalVolume {
    /// The engine's name for it: unique to this run.
    pub name: String,
    /// The pod's name for it (what the mounts say).
    pub pod_volume: String,
    pub uid: i64,
    pub gid: i64,
}

/// What the engine runs for one job.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub pod: Pod,
    pub volumes: Vec<LocalVolume>,
    /// The engine's secret holding the credentials; only the holder refers to it.
    pub secret: String,
}

impl Translation {
    pub fn pod_name(&self) -> &str {
        self.pod.metadata.name.as_deref().unwrap_or_default()
    }

    /// The engine's name for one of the pod's containers (`podman kube play` names them so).
    pub fn container(&self, name: &str) -> String {
        format!("{}-{name}", self.pod_name())
    }

    /// The volume the receipt is written to.
    pub fn receipt_volume(&self) -> Option<&LocalVolume> {
        self.volumes
            .iter()
            .find(|v| v.pod_volume == volume::HANDOFF)
    }
}

/// The pod `podman kube play` runs for a rendered Job. `proxy_port` moves the holder's Anthropic
/// proxy off its usual port: on the host's network every pod and program here shares the port
/// space, so a fixed port would be taken by the next run.
pub fn translate(job: &Job, proxy_port: Option<u16>) -> Result<Translation, LocalError> {
    let name = job.metadata.name.clone().unwrap_or_default();
    let template = job
        .spec
        .as_ref()
        .map(|s| &s.template)
        .ok_or(LocalError::NoPod)?;
    let spec = template.spec.as_ref().ok_or(LocalError::NoPod)?;
    let secret = format!("{name}-credentials");

    let pod_uid = spec
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_user)
        .unwrap_or(contract::AGENT_UID);
    let pod_gid = spec
        .security_context
        .as_ref()
        .and_then(|s| s.fs_group.or(s.run_as_group))
        .unwrap_or(contract::POD_GID);

    // Sidecars first, in their order, so the holder starts before the agent; plain init
    // containers (a template's) still run to completion before all of them.
    let (sidecars, init): (Vec<Container>, Vec<Container>) = spec
        .init_containers
        .clone()
        .unwrap_or_default()
        .into_iter()
        .partition(|c| c.restart_policy.as_deref() == Some("Always"));
    let mut containers: Vec<Container> = sidecars
        .into_iter()
        .chain(spec.containers.iter().cloned())
        .collect();
    let mut init = init;

    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    let mut volumes = Vec::new();
    for v in spec.volumes.iter().flatten() {
        if let Some(dir) = &v.empty_dir {
            if dir.medium.as_deref() == Some("Memory") {
                dropped.push(v.name.clone());
                continue;
            }
            let engine_name = format!("{name}-{}", v.name);
            let uid = writer_uid(&v.name, containers.iter().chain(init.iter()), pod_uid);
            volumes.push(LocalVolume {
                name: engine_name.clone(),
                pod_volume: v.name.clone(),
                uid,
                gid: pod_gid,
            });
            kept.push(Volume {
                name: v.name.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: engine_name,
                    read_only: None,
                }),
                ..Default::default()
            });
        } else if v.secret.is_some() {
            dropped.push(v.name.clone());
        } else {
            // A claim, a host path or a config map would reach into this machine's own
            // volumes and files, which a repository's template must never choose.
            return Err(LocalError::UnsupportedVolume {
                name: v.name.clone(),
                kind: volume_kind(v),
            });
        }
    }

    for c in containers.iter_mut().chain(init.iter_mut()) {
        *c = local_container(c, &dropped, &secret);
        if let Some(port) = proxy_port {
            move_proxy(c, port);
        }
    }

    let mut labels = template.metadata.as_ref().and_then(|m| m.labels.clone());
    if let Some(job_labels) = &job.metadata.labels {
        labels
            .get_or_insert_with(BTreeMap::new)
            .extend(job_labels.clone());
    }
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some(name),
            // Labels only: the job's annotations (the whole task among them) say nothing the
            // engine needs, and the task reaches the pod as its TASK variable.
            labels,
            ..Default::default()
        },
        spec: Some(PodSpec {
            containers,
            init_containers: (!init.is_empty()).then_some(init),
            volumes: Some(kept),
            restart_policy: Some("Never".into()),
            security_context: spec.security_context.clone(),
            share_process_namespace: Some(false),
            termination_grace_period_seconds: spec.termination_grace_period_seconds,
            ..Default::default()
        }),
        ..Default::default()
    };
    Ok(Translation {
        pod,
        volumes,
        secret,
    })
}

/// The proxy's port: the holder listens on it, the agent's Claude Code is sent to it.
fn move_proxy(c: &mut Container, port: u16) {
    let (name, value) = match c.name.as_str() {
        contract::HOLDER_CONTAINER => (var::PROXY_PORT, port.to_string()),
        contract::AGENT_CONTAINER => (var::ANTHROPIC_BASE_URL, format!("http://127.0.0.1:{port}")),
        _ => return,
    };
    let env = c.env.get_or_insert_with(Vec::new);
    env.retain(|e| e.name != name);
    env.push(EnvVar {
        name: name.into(),
        value: Some(value),
        ..Default::default()
    });
}

/// The uid that writes a volume: the first container mounting it writable, else the pod's.
fn writer_uid<'a>(
    volume: &str,
    mut containers: impl Iterator<Item = &'a Container>,
    pod_uid: i64,
) -> i64 {
    containers
        .find(|c| {
            c.volume_mounts
                .iter()
                .flatten()
                .any(|m| m.name == volume && m.read_only != Some(true))
        })
        .and_then(|c| c.security_context.as_ref().and_then(|s| s.run_as_user))
        .unwrap_or(pod_uid)
}

fn volume_kind(v: &Volume) -> &'static str {
    if v.host_path.is_some() {
        "hostPath"
    } else if v.persistent_volume_claim.is_some() {
        "persistentVolumeClaim"
    } else if v.config_map.is_some() {
        "configMap"
    } else if v.projected.is_some() {
        "projected"
    } else {
        "cluster"
    }
}

/// One container as Podman runs it: only the fields whose meaning is the same there. A field
/// not copied here (ports, probes, lifecycle hooks) is left out on purpose.
fn local_container(c: &Container, dropped: &[String], secret: &str) -> Container {
    let is_agent = c.name == contract::AGENT_CONTAINER;
    let mut env: Vec<EnvVar> = c
        .env
        .iter()
        .flatten()
        // References to cluster objects (fields, secrets, config maps) have nothing to point
        // at here; the tool's own variables are all plain values.
        .filter(|e| e.value_from.is_none())
        .cloned()
        .collect();
    if is_agent {
        // Podman has no termination message: PID 1 writes the receipt where the CLI can read
        // it after the container ends.
        env.retain(|e| e.name != var::RECEIPT);
        env.push(EnvVar {
            name: var::RECEIPT.into(),
            value: Some(format!("{}/{RECEIPT_FILE}", volume::HANDOFF_PATH)),
            ..Default::default()
        });
    }
    // The cluster's credentials secret, for the container render gave it to (the holder):
    // here it is the engine's secret made for this run.
    let env_from: Vec<EnvFromSource> = c
        .env_from
        .iter()
        .flatten()
        .filter(|e| e.secret_ref.is_some())
        .map(|_| EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: secret.to_string(),
                optional: Some(false),
            }),
            ..Default::default()
        })
        .take(1)
        .collect();
    let mounts = c
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| !dropped.contains(&m.name))
        .cloned()
        .collect();
    Container {
        name: c.name.clone(),
        image: c.image.clone(),
        // The image built or pulled on this machine is the one to run.
        image_pull_policy: Some("IfNotPresent".into()),
        command: c.command.clone(),
        args: c.args.clone(),
        working_dir: c.working_dir.clone(),
        env: (!env.is_empty()).then_some(env),
        env_from: (!env_from.is_empty()).then_some(env_from),
        volume_mounts: Some(mounts),
        resources: c.resources.as_ref().map(cpu_and_memory),
        security_context: c.security_context.clone(),
        ..Default::default()
    }
}

/// CPU and memory only: Podman has no ephemeral-storage limit.
fn cpu_and_memory(r: &ResourceRequirements) -> ResourceRequirements {
    let keep =
        |m: &Option<BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>| {
            m.as_ref().map(|m| {
                m.iter()
                    .filter(|(k, _)| *k == "cpu" || *k == "memory")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
        };
    ResourceRequirements {
        requests: keep(&r.requests),
        limits: keep(&r.limits),
        ..Default::default()
    }
}

/// The pod as `podman kube play` reads it.
pub fn to_yaml(t: &Translation) -> Result<String, serde_saphyr::SerializeError> {
    crate::job::to_yaml_value(&t.pod)
}

/// The secret's content as Podman's `envFrom` reads it: a JSON object of base64 values. (Podman
/// 4.3 cannot read back a `Secret` played from YAML, so the secret is made with `secret create`.)
pub fn secret_payload(values: &BTreeMap<String, String>) -> Vec<u8> {
    let encoded: BTreeMap<&str, ByteString> = values
        .iter()
        .map(|(k, v)| (k.as_str(), ByteString(v.as_bytes().to_vec())))
        .collect();
    serde_json::to_vec(&encoded).unwrap_or_default()
}

/// The credentials for the holder: the file's values (KEY=VALUE lines, `#` comments), then the
/// environment's for keys the file does not set. Only [`CREDENTIAL_KEYS`].
pub fn credentials(
    lookup: impl Fn(&str) -> Option<String>,
    file: Option<(&Path, &str)>,
) -> Result<BTreeMap<String, String>, LocalError> {
    let mut values = BTreeMap::new();
    if let Some((path, text)) = file {
        let shown = path.display().to_string();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=').ok_or(LocalError::BadLine {
                path: shown.clone(),
                line: i + 1,
            })?;
            let key = key.trim();
            if !CREDENTIAL_KEYS.contains(&key) {
                return Err(LocalError::UnknownKey {
                    path: shown.clone(),
                    line: i + 1,
                    key: key.to_string(),
                });
            }
            let value = unquote(value.trim());
            if !value.is_empty() {
                values.insert(key.to_string(), value.to_string());
            }
        }
    }
    for key in CREDENTIAL_KEYS {
        if values.contains_key(*key) {
            continue;
        }
        if let Some(v) = lookup(key)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        {
            values.insert(key.to_string(), v);
        }
    }
    Ok(values)
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

/// The most of a volume's export read while looking for the receipt: the hand-off volume holds
/// a few small files, unless the agent filled it.
const MAX_EXPORT_BYTES: u64 = 64 * 1024 * 1024;

/// The receipt the agent's PID 1 left in the hand-off volume, from the volume as a tar stream
/// (`podman volume export`, which also works where this user cannot read the volume's directory,
/// as with rootless Podman). The volume is the agent's, so the stream is untrusted: only a regular
/// file named `receipt.json` at its top counts (a link is an entry of its own and is never
/// followed), no bigger than a receipt can be, within a bounded read.
pub fn receipt_from_tar(stream: impl std::io::Read) -> Option<Receipt> {
    use std::io::Read;
    let mut r = stream.take(MAX_EXPORT_BYTES);
    let mut header = [0u8; 512];
    // After a pax or GNU long-name header, the next entry's own name field is not its name.
    let mut renamed = false;
    loop {
        r.read_exact(&mut header).ok()?;
        if header.iter().all(|b| *b == 0) {
            return None;
        }
        let size = octal(&header[124..136])?;
        let kind = header[156];
        let name = field(&header[0..100]);
        let prefix = field(&header[345..500]);
        let is_receipt = !renamed
            && matches!(kind, b'0' | 0)
            && prefix.is_empty()
            && name.strip_prefix("./").unwrap_or(name) == RECEIPT_FILE;
        renamed = matches!(kind, b'x' | b'L' | b'K');
        if is_receipt {
            if size > contract::MAX_RECEIPT_BYTES as u64 {
                return None;
            }
            let mut body = vec![0u8; usize::try_from(size).ok()?];
            r.read_exact(&mut body).ok()?;
            return Receipt::parse(std::str::from_utf8(&body).ok()?);
        }
        let padded = size.checked_next_multiple_of(512)?;
        let skipped = std::io::copy(&mut (&mut r).take(padded), &mut std::io::sink()).ok()?;
        if skipped != padded {
            return None;
        }
    }
}

/// A NUL-terminated text field of a tar header.
fn field(bytes: &[u8]) -> &str {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..end]).unwrap_or("\u{fffd}")
}

/// A tar header's octal number (spaces and NULs around it).
fn octal(bytes: &[u8]) -> Option<u64> {
    let text = field(bytes).trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// The engine's command lines, in the order a run uses them.
pub mod argv {
    use super::{LocalVolume, Translation};

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    pub fn volume_create(v: &LocalVolume) -> Vec<String> {
        vec![
            "volume".into(),
            "create".into(),
            "--opt".into(),
            format!("o=uid={},gid={}", v.uid, v.gid),
            v.name.clone(),
        ]
    }

    /// The value comes on standard input, never in an argument.
    pub fn secret_create(t: &Translation) -> Vec<String> {
        words(&["secret", "create", &t.secret, "-"])
    }

    /// The pod's YAML comes on standard input.
    pub fn play(network: Option<&str>) -> Vec<String> {
        let mut a = words(&["kube", "play"]);
        if let Some(n) = network {
            a.push("--network".into());
            a.push(n.into());
        }
        a.push("-".into());
        a
    }

    pub fn logs(container: &str) -> Vec<String> {
        words(&["logs", "--follow", container])
    }

    pub fn wait(container: &str) -> Vec<String> {
        words(&["wait", container])
    }

    /// The volume's files as a tar stream on standard output.
    pub fn volume_export(v: &LocalVolume) -> Vec<String> {
        words(&["volume", "export", &v.name])
    }

    pub fn pod_stop(t: &Translation) -> Vec<String> {
        // `--ignore`: a play that failed early may have made no pod.
        words(&["pod", "stop", "--ignore", t.pod_name()])
    }

    pub fn pod_rm(t: &Translation) -> Vec<String> {
        words(&["pod", "rm", "--force", "--ignore", t.pod_name()])
    }

    pub fn volume_rm(names: &[String]) -> Vec<String> {
        let mut a = words(&["volume", "rm", "--force"]);
        a.extend(names.iter().cloned());
        a
    }

    pub fn secret_rm(t: &Translation) -> Vec<String> {
        words(&["secret", "rm", &t.secret])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{self, JobPlan};

    pub(super) fn rendered() -> Job {
        let plan = JobPlan {
            name: "claude-sandbox-shop-20261204-101010-abcd".into(),
            namespace: None,
            task: "fix it".into(),
            repo_url: "https://example.com/me/shop.git".into(),
            branch: "main".into(),
            commit: None,
            image: "img".into(),
            postgres: true,
            postgis: false,
            redis: false,
            sidecar_images: job::SidecarImages::default(),
            resources: job::Resources::default(),
            storage: job::Storage::default(),
            env: vec![],
            secret: "claude-sandbox-secrets".into(),
            ttl_seconds: 60,
            deadline_seconds: 3600,
            cli_version: "0".into(),
            anthropic_api: contract::DEFAULT_ANTHROPIC_API.into(),
            holder_image: "holder-img".into(),
            image_pull_secrets: vec![],
            node_selector: BTreeMap::new(),
            tolerations: vec![],
            pull_request: None,
            queue: None,
        };
        job::render(&job::embedded_template(), &plan)
    }

    fn container<'a>(t: &'a Translation, name: &str) -> &'a Container {
        t.pod
            .spec
            .as_ref()
            .unwrap()
            .containers
            .iter()
            .find(|c| c.name == name)
            .unwrap()
    }

    #[test]
    fn sidecars_become_containers_that_start_before_the_agent() {
        let t = translate(&rendered(), None).unwrap();
        let spec = t.pod.spec.as_ref().unwrap();
        let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["holder", "postgres", "claude"]);
        assert!(spec.init_containers.is_none());
        for c in &spec.containers {
            assert!(
                c.restart_policy.is_none() && c.startup_probe.is_none(),
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn a_moved_proxy_is_where_the_agent_is_sent() {
        let t = translate(&rendered(), Some(40123)).unwrap();
        let value = |c: &str, name: &str| {
            container(&t, c)
                .env
                .iter()
                .flatten()
                .filter(|e| e.name == name)
                .map(|e| e.value.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(value("holder", var::PROXY_PORT), ["40123"]);
        assert_eq!(
            value("claude", var::ANTHROPIC_BASE_URL),
            ["http://127.0.0.1:40123"]
        );
    }

    #[test]
    fn only_the_holder_names_the_secret() {
        let t = translate(&rendered(), None).unwrap();
        for c in &t.pod.spec.as_ref().unwrap().containers {
            let refs: Vec<&str> = c
                .env_from
                .iter()
                .flatten()
                .filter_map(|e| e.secret_ref.as_ref().map(|r| r.name.as_str()))
                .collect();
            if c.name == contract::HOLDER_CONTAINER {
                assert_eq!(refs, [t.secret.as_str()]);
            } else {
                assert!(refs.is_empty(), "{}", c.name);
            }
        }
    }

    #[test]
    fn volumes_are_owned_by_their_writer() {
        let t = translate(&rendered(), None).unwrap();
        let owner = |v: &str| {
            let found = t.volumes.iter().find(|x| x.pod_volume == v).unwrap();
            (found.uid, found.gid)
        };
        assert_eq!(
            owner(volume::SEED),
            (contract::HOLDER_UID, contract::POD_GID)
        );
        assert_eq!(
            owner(volume::HOLDER),
            (contract::HOLDER_UID, contract::POD_GID)
        );
        assert_eq!(
            owner(volume::WORKSPACE),
            (contract::AGENT_UID, contract::POD_GID)
        );
        assert_eq!(
            owner(volume::HANDOFF),
            (contract::AGENT_UID, contract::POD_GID)
        );
        // No memory or secret volume, and no mount of one.
        let spec = t.pod.spec.as_ref().unwrap();
        let names: Vec<&str> = spec
            .volumes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect();
        assert!(!names.contains(&volume::DSHM) && !names.contains(&volume::AGE_KEY));
        for c in &spec.containers {
            for m in c.volume_mounts.iter().flatten() {
                assert!(
                    names.contains(&m.name.as_str()),
                    "{} mounts {}",
                    c.name,
                    m.name
                );
            }
        }
        let agent = container(&t, contract::AGENT_CONTAINER);
        assert!(
            agent
                .env
                .iter()
                .flatten()
                .any(|e| e.name == var::RECEIPT
                    && e.value.as_deref() == Some("/handoff/receipt.json"))
        );
        assert!(
            agent
                .resources
                .as_ref()
                .unwrap()
                .limits
                .as_ref()
                .unwrap()
                .keys()
                .all(|k| k != "ephemeral-storage")
        );
    }

    #[test]
    fn a_template_volume_from_outside_the_pod_is_refused() {
        let mut job = rendered();
        let spec = job.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        spec.volumes.get_or_insert_with(Vec::new).push(Volume {
            name: "theirs".into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: "my-precious-data".into(),
                read_only: None,
            }),
            ..Default::default()
        });
        assert_eq!(
            translate(&job, None).unwrap_err(),
            LocalError::UnsupportedVolume {
                name: "theirs".into(),
                kind: "persistentVolumeClaim"
            }
        );
    }

    #[test]
    fn credentials_come_from_the_file_then_the_environment() {
        let env = |k: &str| match k {
            "GITHUB_TOKEN" => Some("ghs_env".to_string()),
            "ANTHROPIC_API_KEY" => Some("sk-ant-env".to_string()),
            _ => None,
        };
        let text = "# mine\nexport GITHUB_TOKEN=\"ghs_file\"\nTELEGRAM_CHAT_ID=42\n";
        let got = credentials(env, Some((Path::new("creds"), text))).unwrap();
        assert_eq!(got["GITHUB_TOKEN"], "ghs_file");
        assert_eq!(got["ANTHROPIC_API_KEY"], "sk-ant-env");
        assert_eq!(got["TELEGRAM_CHAT_ID"], "42");
        assert!(matches!(
            credentials(env, Some((Path::new("creds"), "AWS_SECRET=1\n"))),
            Err(LocalError::UnknownKey { line: 1, .. })
        ));
        assert!(matches!(
            credentials(env, Some((Path::new("creds"), "\nnonsense\n"))),
            Err(LocalError::BadLine { line: 2, .. })
        ));
    }

    #[test]
    fn the_secret_is_base64_json() {
        let payload = secret_payload(&BTreeMap::from([("GITHUB_TOKEN".into(), "ghs_x".into())]));
        assert_eq!(
            String::from_utf8(payload).unwrap(),
            r#"{"GITHUB_TOKEN":"Z2hzX3g="}"#
        );
    }

    /// One tar entry: a header (name, size, type) and its padded body.
    fn entry(name: &str, kind: u8, body: &[u8]) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let size = format!("{:011o}\0", body.len());
        h[124..136].copy_from_slice(size.as_bytes());
        h[156] = kind;
        let mut out = h;
        out.extend_from_slice(body);
        out.resize(out.len().next_multiple_of(512), 0);
        out
    }

    #[test]
    fn the_receipt_is_the_regular_file_at_the_top_of_the_export() {
        let receipt = br#"{"outcome":"succeeded","exit_code":0}"#;
        let mut tar = entry("done.json", b'0', b"{}");
        tar.extend(entry("./receipt.json", b'0', receipt));
        tar.extend([0u8; 1024]);
        assert_eq!(receipt_from_tar(&tar[..]).unwrap().outcome, "succeeded");

        // A link by that name, a file of that name deeper down, a renamed entry, or one too big
        // for a receipt: none of them is read.
        let mut tar = entry("receipt.json", b'2', b"");
        tar.extend(entry("sub/receipt.json", b'0', receipt));
        tar.extend(entry("././@LongLink", b'L', b"receipt.json"));
        tar.extend(entry("receipt.json", b'0', receipt));
        let big = format!(
            r#"{{"outcome":"succeeded","exit_code":0,"x":"{}"}}"#,
            "a".repeat(5000)
        );
        tar.extend(entry("receipt.json", b'0', big.as_bytes()));
        tar.extend([0u8; 1024]);
        assert_eq!(receipt_from_tar(&tar[..]), None);
        assert_eq!(receipt_from_tar(&b"not a tar"[..]), None);
    }
}
