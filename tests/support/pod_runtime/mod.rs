//! The pod tier's runtime: the containers of a rendered Job run on this machine the way a kubelet
//! would run them, each as a separate process tree in its own mount and PID namespaces, under its
//! own uid with no capabilities, with only its own environment and volumes.
//!
//! ```ignore
//! let job: Job = serde_json::from_str(&rendered)?;
//! let image = Image::from_dockerfile(&repo.join("image/Dockerfile"))
//!     .with_program("claude-sandbox", Path::new(env!("CARGO_BIN_EXE_claude-sandbox")));
//! let run = Pod::new(job, image, secrets).run();
//! assert_eq!(run.outcome, Outcome::Succeeded);
//! ```
//!
//! What it takes from the Job: init containers in order (a native sidecar, `restartPolicy:
//! Always`, is started and its startup probe awaited; a plain one runs to completion), then the
//! main containers together; `command`/`args` (or the image's entrypoint), `env` with
//! `secretKeyRef`/`fieldRef`, `envFrom` secrets, `volumeMounts` of emptyDir and secret volumes
//! (readOnly honoured), `workingDir`, pod and container `runAsUser`/`runAsGroup`, `fsGroup` as a
//! supplementary group, `terminationGracePeriodSeconds`, `activeDeadlineSeconds`. A `postgres` or
//! `redis` sidecar is a TCP listener on its port. Anything else the harness does not know makes it
//! panic instead of running something other than what the Job says.
//!
//! What it adds, for the tests only: each container's own `/hostile-loot` directory (see
//! [`LOOT_PATH`]), where a hostile program leaves what it found.
//!
//! The pod's network is the host's loopback, as containers of one pod share theirs.

pub mod container;
pub mod image;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, PodSpec, Probe, Volume};

pub use container::{Bind, Launch, Running};
pub use image::Image;

/// The per-container directory every container gets for the tests' own records.
pub const LOOT_PATH: &str = "/hostile-loot";

/// Secrets by name, then key.
pub type Secrets = BTreeMap<String, BTreeMap<String, Vec<u8>>>;

/// Kubernetes' default when a pod does not say.
const DEFAULT_GRACE: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every main container exited 0.
    Succeeded,
    /// A container failed; its name and exit code.
    Failed(Vec<(String, i32)>),
    /// activeDeadlineSeconds passed; every container was stopped.
    DeadlineExceeded,
}

/// How one container ended and what it printed.
#[derive(Clone, Debug)]
pub struct Ended {
    pub name: String,
    pub exit: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Its /hostile-loot directory on the host.
    pub loot: PathBuf,
    /// How long it ran.
    pub ran: Duration,
}

#[derive(Debug)]
pub struct PodRun {
    pub outcome: Outcome,
    pub containers: Vec<Ended>,
    pub elapsed: Duration,
    /// When the deadline passed, measured from the pod's start.
    pub deadline_at: Option<Duration>,
    /// Volumes, loot and logs on the host; removed when the run is dropped.
    pub _dir: tempfile::TempDir,
}

pub struct Pod {
    pub name: String,
    pub namespace: String,
    spec: PodSpec,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    deadline: Option<Duration>,
    image: Image,
    secrets: Secrets,
    dir: tempfile::TempDir,
    /// Written into every container's loot directory before it starts.
    loot_files: Vec<(String, Vec<u8>)>,
}

impl Pod {
    pub fn new(job: Job, image: Image, secrets: Secrets) -> Pod {
        let name = job.metadata.name.clone().expect("the Job has a name");
        let job_spec = job.spec.expect("the Job has a spec");
        let template = job_spec.template;
        let meta = template.metadata.unwrap_or_default();
        let spec = template.spec.expect("the Job has a pod template");
        let dir = tempfile::Builder::new()
            .prefix("pod-tier-")
            .tempdir()
            .expect("pod dir");
        Pod {
            name: format!("{name}-x7k2p"),
            namespace: job.metadata.namespace.unwrap_or_else(|| "sandbox".into()),
            spec,
            labels: meta.labels.unwrap_or_default(),
            annotations: meta.annotations.unwrap_or_default(),
            deadline: job_spec
                .active_deadline_seconds
                .map(|s| Duration::from_secs(s.max(0) as u64)),
            image,
            secrets,
            dir,
            loot_files: vec![],
        }
    }

    /// Stops the pod at `at` from its start, as the Job's deadline would, whatever the Job says:
    /// the containers see only SIGTERM, as on a cancel.
    pub fn deadline(mut self, at: Duration) -> Pod {
        self.deadline = Some(at);
        self
    }

    /// A file every container finds in its /hostile-loot before it starts.
    pub fn loot_file(mut self, name: &str, content: impl Into<Vec<u8>>) -> Pod {
        self.loot_files.push((name.to_owned(), content.into()));
        self
    }

    /// Every mountPath of every container, init containers included.
    pub fn mount_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .all_containers()
            .flat_map(|c| c.volume_mounts.iter().flatten())
            .map(|m| m.mount_path.clone())
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.spec
            .init_containers
            .iter()
            .flatten()
            .chain(self.spec.containers.iter())
    }

    fn grace(&self) -> Duration {
        self.spec
            .termination_grace_period_seconds
            .map_or(DEFAULT_GRACE, |s| Duration::from_secs(s.max(0) as u64))
    }

    /// Runs the pod to its end: success, a failure, or the deadline.
    pub fn run(self) -> PodRun {
        let started = Instant::now();
        let deadline = self.deadline.map(|d| started + d);
        let volumes = self.materialise_volumes();
        let mut running: Vec<Running> = vec![];
        let mut sidecars: Vec<usize> = vec![];
        let mut listeners: Vec<TcpListener> = vec![];
        let mut ended: Vec<Ended> = vec![];
        let mut outcome = None;
        let mut deadline_at = None;

        for c in self.spec.init_containers.iter().flatten() {
            let sidecar = c.restart_policy.as_deref() == Some("Always");
            if let Some(port) = service_port(c) {
                listeners.push(
                    TcpListener::bind(("127.0.0.1", port))
                        .unwrap_or_else(|e| panic!("{} stand-in on port {port}: {e}", c.name)),
                );
                continue;
            }
            let r = self.start(c, &volumes);
            if sidecar {
                running.push(r);
                let idx = running.len() - 1;
                sidecars.push(idx);
                if let Err(why) = self.await_startup(&mut running[idx], c, deadline) {
                    outcome = Some(Outcome::Failed(vec![(c.name.clone(), -1)]));
                    eprintln!("pod tier: sidecar {} never started: {why}", c.name);
                    break;
                }
            } else {
                running.push(r);
                let idx = running.len() - 1;
                let code = match deadline {
                    Some(d) => running[idx].wait_until(d),
                    None => running[idx].wait_until(Instant::now() + Duration::from_secs(3600)),
                };
                match code {
                    Some(0) => {}
                    Some(code) => {
                        outcome = Some(Outcome::Failed(vec![(c.name.clone(), code)]));
                        break;
                    }
                    None => {
                        outcome = Some(Outcome::DeadlineExceeded);
                        break;
                    }
                }
            }
        }

        let mut mains: Vec<usize> = vec![];
        if outcome.is_none() {
            for c in &self.spec.containers {
                running.push(self.start(c, &volumes));
                mains.push(running.len() - 1);
            }
            loop {
                let all_done = mains.iter().all(|&i| running[i].poll().is_some());
                if all_done {
                    let failed: Vec<(String, i32)> = mains
                        .iter()
                        .filter_map(|&i| {
                            let code = running[i].exit.unwrap_or(-1);
                            (code != 0).then(|| (running[i].name.clone(), code))
                        })
                        .collect();
                    outcome = Some(if failed.is_empty() {
                        Outcome::Succeeded
                    } else {
                        Outcome::Failed(failed)
                    });
                    break;
                }
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    outcome = Some(Outcome::DeadlineExceeded);
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }

        let grace = self.grace();
        if outcome == Some(Outcome::DeadlineExceeded) {
            // Every container at once, as the kubelet does when the Job controller deletes the pod.
            deadline_at = Some(started.elapsed());
            for r in &running {
                r.signal(libc::SIGTERM);
            }
            let until = Instant::now() + grace;
            for r in &mut running {
                r.wait_until(until);
            }
            for r in &mut running {
                if r.poll().is_none() {
                    r.terminate(Duration::ZERO);
                }
            }
        } else {
            // Main containers are done: sidecars stop in reverse order of their start.
            for &i in sidecars.iter().rev() {
                running[i].terminate(grace);
            }
            for r in &mut running {
                if r.poll().is_none() {
                    r.terminate(grace);
                }
            }
        }
        drop(listeners);
        drop(volumes);

        for r in &running {
            ended.push(Ended {
                name: r.name.clone(),
                exit: r.exit,
                stdout: r.stdout_text(),
                stderr: r.stderr_text(),
                loot: self.loot_dir(&r.name),
                ran: r.started.elapsed(),
            });
        }
        PodRun {
            outcome: outcome.expect("the pod reached an end"),
            containers: ended,
            elapsed: started.elapsed(),
            deadline_at,
            _dir: self.dir,
        }
    }

    /// The host directory behind a container's /hostile-loot.
    pub fn loot_dir(&self, container: &str) -> PathBuf {
        self.dir.path().join("loot").join(container)
    }

    /// A host directory for every volume, filled as the kubelet would before any container starts.
    fn materialise_volumes(&self) -> BTreeMap<String, PathBuf> {
        let fs_group = self.fs_group();
        let mut out = BTreeMap::new();
        for v in self.spec.volumes.iter().flatten() {
            let dir = self.dir.path().join("volumes").join(&v.name);
            std::fs::create_dir_all(&dir).expect("volume dir");
            self.fill_volume(v, &dir, fs_group);
            out.insert(v.name.clone(), dir);
        }
        out
    }

    fn fill_volume(&self, v: &Volume, dir: &Path, fs_group: Option<u32>) {
        if v.empty_dir.is_some() {
            // World-writable with the fsGroup's setgid bit, as the kubelet makes an emptyDir.
            chown(dir, Some(0), fs_group).expect("chown emptyDir");
            let mode = if fs_group.is_some() { 0o2777 } else { 0o777 };
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
                .expect("chmod emptyDir");
        } else if let Some(s) = &v.secret {
            let name = s
                .secret_name
                .clone()
                .expect("a secret volume names its secret");
            let optional = s.optional.unwrap_or(false);
            let data = match self.secrets.get(&name) {
                Some(d) => d.clone(),
                None if optional => BTreeMap::new(),
                None => panic!(
                    "volume {} needs secret {name}, which the test did not give",
                    v.name
                ),
            };
            let mode = s.default_mode.unwrap_or(0o644) as u32;
            let files: Vec<(String, Vec<u8>, u32)> = match &s.items {
                Some(items) => items
                    .iter()
                    .filter_map(|i| {
                        data.get(&i.key).map(|bytes| {
                            (
                                i.path.clone(),
                                bytes.clone(),
                                i.mode.map_or(mode, |m| m as u32),
                            )
                        })
                    })
                    .collect(),
                None => data.into_iter().map(|(k, b)| (k, b, mode)).collect(),
            };
            for (path, bytes, mode) in files {
                let f = dir.join(&path);
                std::fs::create_dir_all(f.parent().expect("parent")).expect("secret dir");
                std::fs::write(&f, bytes).expect("secret file");
                chown(&f, Some(0), fs_group).expect("chown secret file");
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode))
                    .expect("chmod secret file");
            }
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
                .expect("chmod secret dir");
        } else {
            panic!("the pod tier does not know volume {}'s kind: {v:?}", v.name);
        }
    }

    fn fs_group(&self) -> Option<u32> {
        self.spec
            .security_context
            .as_ref()
            .and_then(|s| s.fs_group)
            .map(|g| g as u32)
    }

    fn start(&self, c: &Container, volumes: &BTreeMap<String, PathBuf>) -> Running {
        let pod_sc = self.spec.security_context.clone().unwrap_or_default();
        let sc = c.security_context.clone().unwrap_or_default();
        let image_user = self.image.user;
        let uid = sc
            .run_as_user
            .or(pod_sc.run_as_user)
            .map(|u| u as u32)
            .or(image_user.map(|(u, _)| u))
            .unwrap_or(0);
        let gid = sc
            .run_as_group
            .or(pod_sc.run_as_group)
            .map(|g| g as u32)
            .or(image_user.and_then(|(_, g)| g))
            .unwrap_or(0);
        let mut groups: Vec<u32> = vec![gid];
        groups.extend(self.fs_group());
        groups.extend(
            pod_sc
                .supplemental_groups
                .iter()
                .flatten()
                .map(|g| *g as u32),
        );
        groups.sort();
        groups.dedup();

        let env = self.environment(c);
        let argv = self.argv(c, &env);
        let loot = self.loot_dir(&c.name);
        std::fs::create_dir_all(&loot).expect("loot dir");
        std::fs::set_permissions(&loot, std::fs::Permissions::from_mode(0o1777))
            .expect("chmod loot");
        for (name, content) in &self.loot_files {
            std::fs::write(loot.join(name), content).expect("loot file");
        }
        let mut binds: Vec<Bind> = c
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| {
                let base = volumes.get(&m.name).unwrap_or_else(|| {
                    panic!(
                        "{} mounts volume {}, which the pod does not have",
                        c.name, m.name
                    )
                });
                Bind {
                    host: match &m.sub_path {
                        Some(sub) if !sub.is_empty() => base.join(sub),
                        _ => base.clone(),
                    },
                    path: m.mount_path.clone(),
                    read_only: m.read_only.unwrap_or(false),
                }
            })
            .collect();
        binds.push(Bind {
            host: loot,
            path: LOOT_PATH.into(),
            read_only: false,
        });
        let launch = Launch {
            name: c.name.clone(),
            uid,
            gid,
            groups,
            env,
            argv,
            workdir: c
                .working_dir
                .clone()
                .or_else(|| self.image.workdir.clone())
                .unwrap_or_else(|| "/".into()),
            home: self.image.home().map(str::to_owned),
            binds,
            programs: self.image.programs.clone(),
            system_git_config: self.image.system_git_config.clone(),
        };
        let dir = self.dir.path().join("containers").join(&c.name);
        std::fs::create_dir_all(&dir).expect("container dir");
        Running::start(launch, &dir)
    }

    /// The image's environment, then HOSTNAME, then the container's own, in the kubelet's order.
    fn environment(&self, c: &Container) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self.image.env.clone();
        let set = |env: &mut Vec<(String, String)>, k: String, v: String| {
            env.retain(|(name, _)| *name != k);
            env.push((k, v));
        };
        set(&mut env, "HOSTNAME".into(), self.name.clone());
        for from in c.env_from.iter().flatten() {
            if from.config_map_ref.is_some() {
                panic!("the pod tier has no ConfigMaps; {} asks for one", c.name);
            }
            let Some(s) = &from.secret_ref else { continue };
            let name = &s.name;
            let prefix = from.prefix.clone().unwrap_or_default();
            match self.secrets.get(name) {
                Some(data) => {
                    for (k, v) in data {
                        set(&mut env, format!("{prefix}{k}"), text(v));
                    }
                }
                None if s.optional == Some(true) => {}
                None => panic!(
                    "{} takes envFrom secret {name}, which the test did not give",
                    c.name
                ),
            }
        }
        for e in c.env.iter().flatten() {
            let value = if let Some(from) = &e.value_from {
                if let Some(r) = &from.secret_key_ref {
                    match self.secrets.get(&r.name).and_then(|d| d.get(&r.key)) {
                        Some(v) => text(v),
                        None if r.optional == Some(true) => continue,
                        None => panic!(
                            "{} takes {} from secret {}/{}, which the test did not give",
                            c.name, e.name, r.name, r.key
                        ),
                    }
                } else if let Some(f) = &from.field_ref {
                    self.field(&f.field_path)
                } else {
                    panic!(
                        "the pod tier cannot resolve {}'s {}: {from:?}",
                        c.name, e.name
                    )
                }
            } else {
                expand(e.value.as_deref().unwrap_or(""), &env)
            };
            set(&mut env, e.name.clone(), value);
        }
        env
    }

    fn field(&self, path: &str) -> String {
        let keyed = |prefix: &str, map: &BTreeMap<String, String>| {
            path.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix("']"))
                .map(|k| map.get(k).cloned().unwrap_or_default())
        };
        if let Some(v) = keyed("metadata.labels['", &self.labels) {
            return v;
        }
        if let Some(v) = keyed("metadata.annotations['", &self.annotations) {
            return v;
        }
        match path {
            "metadata.name" => self.name.clone(),
            "metadata.namespace" => self.namespace.clone(),
            "metadata.uid" => "0b6c2a5e-7d1f-4c9a-9e57-5c1f0e1a2b3c".into(),
            "spec.nodeName" => "pod-tier-node".into(),
            "spec.serviceAccountName" => "default".into(),
            "status.podIP" | "status.hostIP" => "127.0.0.1".into(),
            other => panic!("the pod tier does not know fieldRef {other}"),
        }
    }

    /// command/args, or the image's entrypoint, with `$(VAR)` expanded; a leading
    /// `claude-sandbox` is the compiled binary the image carries.
    fn argv(&self, c: &Container, env: &[(String, String)]) -> Vec<String> {
        let mut argv: Vec<String> = match &c.command {
            Some(cmd) => cmd.clone(),
            None => self.image.entrypoint.clone(),
        };
        argv.extend(c.args.iter().flatten().cloned());
        let argv: Vec<String> = argv.iter().map(|a| expand(a, env)).collect();
        assert!(!argv.is_empty(), "{} has nothing to run", c.name);
        argv
    }

    /// Polls a native sidecar's startupProbe until it passes; without one it counts as started.
    fn await_startup(
        &self,
        r: &mut Running,
        c: &Container,
        deadline: Option<Instant>,
    ) -> Result<(), String> {
        let Some(probe) = &c.startup_probe else {
            return Ok(());
        };
        let period = Duration::from_secs(probe.period_seconds.unwrap_or(10).max(1) as u64);
        let failures = probe.failure_threshold.unwrap_or(3).max(1) as u64;
        // Polled faster than the probe's period so tests do not wait for it; the budget stays
        // the probe's own.
        let budget = period * failures as u32
            + Duration::from_secs(probe.initial_delay_seconds.unwrap_or(0).max(0) as u64);
        let until = Instant::now() + budget;
        loop {
            if let Some(code) = r.poll() {
                return Err(format!("it exited with {code}"));
            }
            if probe_passes(r, probe) {
                return Ok(());
            }
            let now = Instant::now();
            if now >= until {
                return Err(format!("its startup probe kept failing for {budget:?}"));
            }
            if deadline.is_some_and(|d| now >= d) {
                return Err("the deadline passed".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The port a `postgres` or `redis` sidecar serves, when the harness stands in for it.
fn service_port(c: &Container) -> Option<u16> {
    match c.name.as_str() {
        "postgres" => Some(5432),
        "redis" => Some(6379),
        _ => None,
    }
}

fn probe_passes(r: &Running, p: &Probe) -> bool {
    if let Some(exec) = &p.exec {
        return r.exec_ok(exec.command.as_deref().unwrap_or_default());
    }
    let port = |p: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString| match p {
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => *n as u16,
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => {
            panic!("the pod tier does not resolve named port {s}")
        }
    };
    if let Some(t) = &p.tcp_socket {
        return std::net::TcpStream::connect(("127.0.0.1", port(&t.port))).is_ok();
    }
    if let Some(h) = &p.http_get {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port(&h.port))) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let path = h.path.as_deref().unwrap_or("/");
        if write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
            return false;
        }
        let mut head = [0u8; 12];
        if s.read_exact(&mut head).is_err() {
            return false;
        }
        let status = String::from_utf8_lossy(&head[9..12])
            .parse::<u16>()
            .unwrap_or(0);
        return (200..400).contains(&status);
    }
    panic!("the pod tier does not know this probe: {p:?}")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("test secrets are UTF-8")
}

/// `$(VAR)` from variables defined so far; `$$(VAR)` stays literal, as in Kubernetes.
fn expand(value: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find("$(") {
        if i > 0 && rest.as_bytes()[i - 1] == b'$' {
            out.push_str(&rest[..i - 1]);
            out.push_str("$(");
            rest = &rest[i + 2..];
            continue;
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(end) => {
                let name = &after[..end];
                match env.iter().rev().find(|(k, _)| k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&format!("$({name})")),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
