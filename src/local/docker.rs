//! The translated pod as Docker command lines, for a machine with Docker and no Podman.
//!
//! Docker cannot play a pod, so each of its containers becomes one `docker run`:
//! - The holder starts first and owns the network namespace; every other container joins it with
//!   `--network container:<holder>`, so they share `localhost` as a pod's containers do (the
//!   services on their ports, the holder's proxy on 127.0.0.1). Plain init containers then run to
//!   completion, the other sidecars start, and the agent last (it waits for the holder itself).
//! - Docker's local volume driver has no owner option, so each named volume is handed to its
//!   writer by a one-shot `chown` run as root with only the CHOWN capability, from the holder's
//!   image and without a network. Keeping the root filesystem and a tmpfs instead would lose the
//!   hand-off volume, which the receipt is read from after the agent ends. Volumes are mounted
//!   with `volume-nocopy`: otherwise Docker copies the image's directory, with its owner, into an
//!   empty volume and undoes the chown.
//! - Credentials reach the holder alone, through `--env-file` (a file the command writes, only
//!   its user can read, removed once the holder exists); no value is ever an argument.
//! - Every container drops all capabilities and may not gain privileges, whatever the template
//!   says: capabilities a template adds and `privileged` are not carried over.
//! - Every container and volume carries [`JOB_LABEL`], so the run's leftovers can be found.

use std::path::Path;

use k8s_openapi::api::core::v1::{Container, PodSpec};

use super::{LocalError, LocalVolume, Translation};
use crate::contract::{self, volume};

/// The label naming the job on everything a Docker run makes.
pub const JOB_LABEL: &str = "claude-sandbox.job";

/// One `docker run`, in start order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The container's name, also its pod name (`<job>-<container>`).
    pub name: String,
    pub argv: Vec<String>,
    /// Runs to completion before the next step (a plain init container).
    pub to_completion: bool,
}

/// Everything a Docker run does before it follows the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// For each volume: its creation, then the one-shot run that hands it to its writer.
    pub volumes: Vec<(Vec<String>, Vec<String>)>,
    /// The holder first, the agent last.
    pub steps: Vec<Step>,
}

/// The Docker commands for a translated pod. `env_file` is where the holder's credentials are;
/// `network` is the network the holder (and so the whole pod) joins, Docker's default if none.
pub fn plan(t: &Translation, network: Option<&str>, env_file: &Path) -> Result<Plan, LocalError> {
    let spec = t.pod.spec.as_ref().ok_or(LocalError::NoPod)?;
    let holder = spec
        .containers
        .iter()
        .find(|c| c.name == contract::HOLDER_CONTAINER)
        .ok_or(LocalError::NoHolder)?;
    let holder_image = holder.image.clone().unwrap_or_default();
    let label = label(t);
    let volumes = t
        .volumes
        .iter()
        .map(|v| (volume_create(v, &label), chown(v, &holder_image, &label)))
        .collect();

    let holder_name = t.container(contract::HOLDER_CONTAINER);
    let shared = format!("container:{holder_name}");
    let mut steps = vec![Step {
        name: holder_name.clone(),
        argv: run(t, spec, holder, network, Some(env_file), true)?,
        to_completion: false,
    }];
    for c in spec.init_containers.iter().flatten() {
        steps.push(Step {
            name: t.container(&c.name),
            argv: run(t, spec, c, Some(&shared), None, false)?,
            to_completion: true,
        });
    }
    // The agent last, after every service it may wait for.
    let mut rest: Vec<&Container> = spec
        .containers
        .iter()
        .filter(|c| c.name != contract::HOLDER_CONTAINER)
        .collect();
    rest.sort_by_key(|c| c.name == contract::AGENT_CONTAINER);
    for c in rest {
        steps.push(Step {
            name: t.container(&c.name),
            argv: run(t, spec, c, Some(&shared), None, true)?,
            to_completion: false,
        });
    }
    Ok(Plan { volumes, steps })
}

fn label(t: &Translation) -> String {
    format!("{JOB_LABEL}={}", t.pod_name())
}

fn volume_create(v: &LocalVolume, label: &str) -> Vec<String> {
    words(&["volume", "create", "--label", label, &v.name])
}

/// Root with the one capability a chown needs, no network, gone when done.
fn chown(v: &LocalVolume, image: &str, label: &str) -> Vec<String> {
    words(&[
        "run",
        "--rm",
        "--label",
        label,
        "--network",
        "none",
        "--user",
        "0:0",
        "--cap-drop",
        "ALL",
        "--cap-add",
        "CHOWN",
        "--security-opt",
        "no-new-privileges",
        "--mount",
        &format!("type=volume,src={},dst=/v,volume-nocopy", v.name),
        "--entrypoint",
        "chown",
        image,
        &format!("{}:{}", v.uid, v.gid),
        "/v",
    ])
}

fn run(
    t: &Translation,
    spec: &PodSpec,
    c: &Container,
    network: Option<&str>,
    env_file: Option<&Path>,
    detached: bool,
) -> Result<Vec<String>, LocalError> {
    let mut a = words(&["run"]);
    if detached {
        a.push("--detach".into());
    }
    a.extend(words(&[
        "--name",
        &t.container(&c.name),
        "--label",
        &label(t),
    ]));
    if let Some(n) = network {
        a.extend(words(&["--network", n]));
    }
    let pod_sc = spec.security_context.as_ref();
    let sc = c.security_context.as_ref();
    let uid = sc
        .and_then(|s| s.run_as_user)
        .or(pod_sc.and_then(|s| s.run_as_user))
        .unwrap_or(contract::AGENT_UID);
    let gid = sc
        .and_then(|s| s.run_as_group)
        .or(pod_sc.and_then(|s| s.run_as_group))
        .unwrap_or(contract::POD_GID);
    a.extend(words(&["--user", &format!("{uid}:{gid}")]));
    if let Some(fs_group) = pod_sc.and_then(|s| s.fs_group).filter(|g| *g != gid) {
        a.extend(words(&["--group-add", &fs_group.to_string()]));
    }
    if sc.and_then(|s| s.read_only_root_filesystem) == Some(true) {
        a.push("--read-only".into());
    }
    a.extend(words(&[
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
    ]));
    let limits = c.resources.as_ref().and_then(|r| r.limits.as_ref());
    if let Some(m) = limits.and_then(|l| l.get("memory")) {
        a.extend(words(&["--memory", &bytes(&m.0)?]));
    }
    if let Some(cpu) = limits.and_then(|l| l.get("cpu")) {
        a.extend(words(&["--cpus", &cpus(&cpu.0)?]));
    }
    if let Some(dir) = &c.working_dir {
        a.extend(words(&["--workdir", dir]));
    }
    for m in c.volume_mounts.iter().flatten() {
        if m.sub_path.is_some() || m.sub_path_expr.is_some() {
            return Err(LocalError::DockerCannot {
                container: c.name.clone(),
                what: format!("mount a part of volume {} (subPath)", m.name),
            });
        }
        let engine_volume = t
            .volumes
            .iter()
            .find(|v| v.pod_volume == m.name)
            .map(|v| v.name.as_str())
            .unwrap_or(m.name.as_str());
        let mut mount = format!(
            "type=volume,src={engine_volume},dst={},volume-nocopy",
            m.mount_path
        );
        if m.read_only == Some(true) {
            mount.push_str(",readonly");
        }
        a.extend(words(&["--mount", &mount]));
    }
    for e in c.env.iter().flatten() {
        a.extend(words(&[
            "--env",
            &format!("{}={}", e.name, e.value.as_deref().unwrap_or_default()),
        ]));
    }
    if let Some(file) = env_file.filter(|_| c.env_from.as_ref().is_some_and(|e| !e.is_empty())) {
        a.push("--env-file".into());
        a.push(file.display().to_string());
    }
    let mut command = c.command.iter().flatten();
    if let Some(entry) = command.next() {
        a.extend(words(&["--entrypoint", entry]));
    }
    a.push(c.image.clone().unwrap_or_default());
    a.extend(command.cloned());
    a.extend(c.args.iter().flatten().cloned());
    Ok(a)
}

/// A memory quantity in bytes, which every Docker version reads.
fn bytes(q: &str) -> Result<String, LocalError> {
    let value = crate::units::parse_quantity(q)
        .map_err(|reason| LocalError::Quantity { reason })?
        .value;
    Ok(format!("{}", value.round() as u64))
}

/// A CPU quantity as Docker's decimal `--cpus`.
fn cpus(q: &str) -> Result<String, LocalError> {
    let value = crate::units::parse_quantity(q)
        .map_err(|reason| LocalError::Quantity { reason })?
        .value;
    let text = format!("{value:.3}");
    Ok(text.trim_end_matches('0').trim_end_matches('.').to_string())
}

/// The holder's credentials as `--env-file` reads them. Values hold no whitespace (the command
/// checks their shape first), so one line each is exact.
pub fn env_file(values: &std::collections::BTreeMap<String, String>) -> String {
    values.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

/// The receipt's path in the agent container, for `docker cp`.
pub fn receipt_path() -> String {
    format!("{}/{}", volume::HANDOFF_PATH, super::RECEIPT_FILE)
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

/// The engine's command lines after the start, in the order a run uses them.
pub mod argv {
    use super::{JOB_LABEL, words};
    use crate::local::Translation;

    /// The ids of every container of this run, running or not.
    pub fn containers(t: &Translation) -> Vec<String> {
        words(&[
            "ps",
            "--all",
            "--quiet",
            "--filter",
            &format!("label={JOB_LABEL}={}", t.pod_name()),
        ])
    }

    pub fn rm(ids: &[String]) -> Vec<String> {
        let mut a = words(&["rm", "--force"]);
        a.extend(ids.iter().cloned());
        a
    }

    pub fn stop(ids: &[String]) -> Vec<String> {
        let mut a = words(&["stop"]);
        a.extend(ids.iter().cloned());
        a
    }

    pub fn volume_rm(names: &[String]) -> Vec<String> {
        let mut a = words(&["volume", "rm", "--force"]);
        a.extend(names.iter().cloned());
        a
    }

    /// The receipt as a one-file tar stream on standard output; a link stays a link.
    pub fn receipt(container: &str) -> Vec<String> {
        words(&["cp", &format!("{container}:{}", super::receipt_path()), "-"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::tests::rendered;
    use crate::local::translate;

    fn the_plan() -> (Translation, Plan) {
        let t = translate(&rendered(), None).unwrap();
        let p = plan(&t, None, Path::new("/tmp/x/credentials.env")).unwrap();
        (t, p)
    }

    fn flag<'a>(argv: &'a [String], name: &str) -> Vec<&'a str> {
        argv.windows(2)
            .filter(|w| w[0] == name)
            .map(|w| w[1].as_str())
            .collect()
    }

    #[test]
    fn the_holder_owns_the_network_and_the_agent_starts_last() {
        let (t, p) = the_plan();
        let names: Vec<&str> = p.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.first(), Some(&t.container("holder").as_str()));
        assert_eq!(names.last(), Some(&t.container("claude").as_str()));
        assert!(flag(&p.steps[0].argv, "--network").is_empty());
        for s in &p.steps[1..] {
            assert_eq!(
                flag(&s.argv, "--network"),
                [format!("container:{}", t.container("holder"))]
            );
        }
    }

    #[test]
    fn only_the_holder_reads_the_credentials_and_every_container_is_confined() {
        let (_, p) = the_plan();
        for (i, s) in p.steps.iter().enumerate() {
            let files = flag(&s.argv, "--env-file");
            assert_eq!(files.len(), usize::from(i == 0), "{:?}", s.argv);
            assert_eq!(flag(&s.argv, "--cap-drop"), ["ALL"]);
            assert!(flag(&s.argv, "--cap-add").is_empty());
            assert_eq!(flag(&s.argv, "--security-opt"), ["no-new-privileges"]);
            assert_eq!(flag(&s.argv, "--user").len(), 1);
            assert!(!s.argv.iter().any(|a| a == "--privileged"));
        }
        let agent = &p.steps.last().unwrap().argv;
        assert_eq!(flag(agent, "--memory"), ["4294967296"]);
        assert_eq!(flag(agent, "--cpus"), ["2"]);
        assert_eq!(cpus("500m").unwrap(), "0.5");
    }

    #[test]
    fn a_plain_init_container_runs_to_completion_in_the_holders_network() {
        let mut job = rendered();
        let spec = job.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        spec.init_containers
            .get_or_insert_with(Vec::new)
            .push(Container {
                name: "prepare".into(),
                image: Some("busybox".into()),
                args: Some(vec!["true".into()]),
                ..Default::default()
            });
        let t = translate(&job, None).unwrap();
        let p = plan(&t, None, Path::new("/f")).unwrap();
        let names: Vec<&str> = p.steps.iter().map(|s| s.name.as_str()).collect();
        let at = names
            .iter()
            .position(|n| *n == t.container("prepare"))
            .unwrap();
        assert_eq!(at, 1, "{names:?}");
        let step = &p.steps[at];
        assert!(step.to_completion);
        assert!(!step.argv.iter().any(|a| a == "--detach"));
        assert!(flag(&step.argv, "--env-file").is_empty());
        assert_eq!(&step.argv[step.argv.len() - 2..], ["busybox", "true"]);
        assert!(p.steps.iter().skip(1).all(
            |s| flag(&s.argv, "--network") == [format!("container:{}", t.container("holder"))]
        ));
    }

    #[test]
    fn volumes_are_handed_to_their_writer_and_never_copied_over() {
        let (t, p) = the_plan();
        assert_eq!(p.volumes.len(), t.volumes.len());
        for ((create, chown), v) in p.volumes.iter().zip(&t.volumes) {
            assert_eq!(create.last(), Some(&v.name));
            assert_eq!(
                &chown[chown.len() - 2..],
                [format!("{}:{}", v.uid, v.gid), "/v".to_string()]
            );
            assert_eq!(flag(chown, "--cap-add"), ["CHOWN"]);
            assert_eq!(flag(chown, "--network"), ["none"]);
        }
        for s in &p.steps {
            for m in flag(&s.argv, "--mount") {
                assert!(m.contains("volume-nocopy"), "{m}");
            }
        }
    }
}
