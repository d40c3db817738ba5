//! Time-driven stand-ins for the Job controller, the scheduler, the kubelet and the garbage
//! collector. Every step is one locked read-modify-write (one resourceVersion, one watch event),
//! so a client sees the same sequence of states a real cluster would show, only faster.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{Job, JobCondition, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, HostIP, Pod, PodCondition, PodIP, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::config::{LogSource, Scenario};
use super::kinds::Kind;
use super::state::{Shared, State};
use super::util;

// ---- events -----------------------------------------------------------------------------------

pub(super) struct EventSpec {
    pub typ: &'static str,
    pub reason: &'static str,
    pub message: String,
    pub component: &'static str,
    pub field_path: Option<String>,
}

fn ev(
    typ: &'static str,
    reason: &'static str,
    message: String,
    component: &'static str,
) -> EventSpec {
    EventSpec {
        typ,
        reason,
        message,
        component,
        field_path: None,
    }
}

fn kubelet_ev(
    typ: &'static str,
    reason: &'static str,
    message: String,
    container: &str,
    init: bool,
) -> EventSpec {
    let group = if init { "initContainers" } else { "containers" };
    EventSpec {
        field_path: Some(format!("spec.{group}{{{container}}}")),
        ..ev(typ, reason, message, "kubelet")
    }
}

/// Records a core/v1 Event about `obj` (a stored object's JSON).
pub(super) fn emit_event(st: &mut State, obj: &Value, e: EventSpec) {
    let md = &obj["metadata"];
    let name = md["name"].as_str().unwrap_or_default();
    let ns = md["namespace"].as_str().unwrap_or_default().to_string();
    let now = util::k8s_time(util::now());
    let host = if e.component == "kubelet" {
        st.settings.node_name.clone()
    } else {
        String::new()
    };
    let mut involved = json!({
        "kind": obj["kind"],
        "namespace": ns,
        "name": name,
        "uid": md["uid"],
        "apiVersion": obj["apiVersion"],
        "resourceVersion": md["resourceVersion"],
    });
    if let Some(fp) = e.field_path {
        involved["fieldPath"] = json!(fp);
    }
    let mut source = json!({"component": e.component});
    if !host.is_empty() {
        source["host"] = json!(host);
    }
    let suffix = st.rng.hex(16);
    let event = json!({
        "metadata": {"name": format!("{name}.{suffix}"), "namespace": ns},
        "involvedObject": involved,
        "reason": e.reason,
        "message": e.message,
        "source": source,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "type": e.typ,
        "eventTime": null,
        "reportingComponent": e.component,
        "reportingInstance": host,
    });
    st.create(Kind::Event, event);
}

// ---- small builders ---------------------------------------------------------------------------

fn now_time() -> Time {
    Time(util::now())
}

fn normalize_image(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let first = name.split('/').next().unwrap_or_default();
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut full = if has_registry {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    let last = full.rsplit('/').next().unwrap_or_default();
    if !last.contains(':') && digest.is_none() {
        full.push_str(":latest");
    }
    match digest {
        Some(d) => format!("{full}@{d}"),
        None => full,
    }
}

fn image_id(image: &str) -> String {
    let full = normalize_image(image);
    let repo = full.split(['@']).next().unwrap_or_default();
    let repo = match repo.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => repo,
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut hex = String::new();
    for round in 0..4u64 {
        for b in full.bytes().chain(round.to_le_bytes()) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        hex.push_str(&format!("{h:016x}"));
    }
    format!("{repo}@sha256:{hex}")
}

fn status_for(c: &Container) -> ContainerStatus {
    ContainerStatus {
        name: c.name.clone(),
        image: normalize_image(c.image.as_deref().unwrap_or_default()),
        image_id: String::new(),
        ready: false,
        started: Some(false),
        restart_count: 0,
        state: Some(ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some("PodInitializing".into()),
                message: None,
            }),
            ..Default::default()
        }),
        last_state: Some(ContainerState::default()),
        ..Default::default()
    }
}

fn waiting(reason: &str, message: Option<String>) -> ContainerState {
    ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.into()),
            message,
        }),
        ..Default::default()
    }
}

fn started_at(cs: &ContainerStatus) -> Option<Time> {
    let st = cs.state.as_ref()?;
    st.running
        .as_ref()
        .and_then(|r| r.started_at.clone())
        .or_else(|| st.terminated.as_ref().and_then(|t| t.started_at.clone()))
}

fn terminated(cs: &ContainerStatus, exit_code: i32, reason: &str) -> ContainerState {
    ContainerState {
        terminated: Some(ContainerStateTerminated {
            exit_code,
            reason: Some(reason.into()),
            started_at: started_at(cs).or_else(|| Some(now_time())),
            finished_at: Some(now_time()),
            container_id: cs.container_id.clone(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn cond(
    conds: &mut Vec<PodCondition>,
    typ: &str,
    status: bool,
    reason: Option<&str>,
    message: Option<String>,
) {
    let s = if status { "True" } else { "False" };
    match conds.iter_mut().find(|c| c.type_ == typ) {
        Some(c) => {
            if c.status != s {
                c.last_transition_time = Some(now_time());
            }
            c.status = s.into();
            c.reason = reason.map(String::from);
            c.message = message;
        }
        None => conds.push(PodCondition {
            type_: typ.into(),
            status: s.into(),
            reason: reason.map(String::from),
            message,
            last_transition_time: Some(now_time()),
            last_probe_time: None,
            ..Default::default()
        }),
    }
    let order = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ];
    conds.sort_by_key(|c| {
        order
            .iter()
            .position(|o| *o == c.type_)
            .unwrap_or(order.len())
    });
}

fn qos_class(pod: &Pod) -> &'static str {
    let Some(spec) = &pod.spec else {
        return "BestEffort";
    };
    let all: Vec<&Container> = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .collect();
    let any = all.iter().any(|c| {
        c.resources.as_ref().is_some_and(|r| {
            r.requests.as_ref().is_some_and(|m| !m.is_empty())
                || r.limits.as_ref().is_some_and(|m| !m.is_empty())
        })
    });
    if !any {
        return "BestEffort";
    }
    let guaranteed = all.iter().all(|c| {
        let Some(r) = &c.resources else { return false };
        let limits = r.limits.clone().unwrap_or_default();
        let requests = r.requests.clone().unwrap_or_default();
        ["cpu", "memory"].iter().all(|k| limits.contains_key(*k))
            && requests.iter().all(|(k, v)| limits.get(k) == Some(v))
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn sidecar_log(image: &str) -> Vec<&'static str> {
    if image.contains("postgres") || image.contains("postgis") {
        vec![
            "PostgreSQL init process complete; ready for start up.",
            "LOG:  database system is ready to accept connections",
        ]
    } else if image.contains("redis") || image.contains("valkey") {
        vec!["* Server initialized", "* Ready to accept connections tcp"]
    } else {
        vec![]
    }
}

fn crash_line(image: &str) -> &'static str {
    if image.contains("postgres") || image.contains("postgis") {
        "FATAL:  data directory \"/var/lib/postgresql/data\" has wrong ownership"
    } else if image.contains("redis") {
        "# Fatal error, can't open config file '/etc/redis/redis.conf': Permission denied"
    } else {
        "Error: exiting with status 1"
    }
}

// ---- the simulation ---------------------------------------------------------------------------

enum Outcome {
    Succeeded,
    Failed,
    /// The pod was deleted or is being deleted.
    PodGone,
}

type Step<T> = Result<T, Outcome>;

struct Sim {
    shared: Arc<Shared>,
    ns: String,
    job: String,
    uid: String,
    scenario: Scenario,
    /// Sidecars a pre-1.29 server demoted to plain init containers: they never exit.
    demoted: Vec<String>,
    tick: Duration,
}

/// The main container: `claude` when present, else the first one.
fn main_container(pod: &Pod) -> String {
    let Some(spec) = &pod.spec else {
        return String::new();
    };
    spec.containers
        .iter()
        .find(|c| c.name == "claude")
        .or(spec.containers.first())
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// Called with the state locked (by the create handler), hence `tick` passed in.
pub(super) fn spawn_job(
    shared: Arc<Shared>,
    tick: Duration,
    ns: String,
    job: String,
    uid: String,
    scenario: Scenario,
    demoted: Vec<String>,
) {
    let sim = Sim {
        shared,
        ns,
        job,
        uid,
        scenario,
        demoted,
        tick,
    };
    tokio::spawn(async move { sim.run().await });
}

impl Sim {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.lock()
    }

    fn job_live(&self, st: &State) -> Option<Job> {
        let j = st.job(&self.ns, &self.job)?;
        (j.metadata.uid.as_deref() == Some(self.uid.as_str())
            && j.metadata.deletion_timestamp.is_none())
        .then_some(j)
    }

    fn update_job(&self, f: impl FnOnce(&mut Job)) -> bool {
        let mut st = self.lock();
        let Some(mut job) = self.job_live(&st) else {
            return false;
        };
        f(&mut job);
        st.put(Kind::Job, serde_json::to_value(&job).unwrap_or_default());
        true
    }

    fn job_event(&self, e: EventSpec) {
        let mut st = self.lock();
        if let Some(obj) = st.get(Kind::Job, &self.ns, &self.job) {
            emit_event(&mut st, &obj, e);
        }
    }

    /// One kubelet/scheduler write to the pod; fails once the pod is gone or terminating.
    fn update_pod(
        &self,
        pod: &str,
        f: impl FnOnce(&mut Pod, &mut State) -> Vec<EventSpec>,
    ) -> Step<()> {
        let mut st = self.lock();
        let Some(mut p) = st.pod(&self.ns, pod) else {
            return Err(Outcome::PodGone);
        };
        if p.metadata.deletion_timestamp.is_some() {
            return Err(Outcome::PodGone);
        }
        let events = f(&mut p, &mut st);
        let stored = st.put(Kind::Pod, serde_json::to_value(&p).unwrap_or_default());
        for e in events {
            emit_event(&mut st, &stored, e);
        }
        Ok(())
    }

    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }

    /// Waits until the pod goes away (deleted, or being deleted).
    async fn park(&self, pod: &str) -> Outcome {
        let mut rx = self.lock().subscribe();
        loop {
            rx.borrow_and_update();
            {
                let st = self.lock();
                match st.pod(&self.ns, pod) {
                    Some(p) if p.metadata.deletion_timestamp.is_none() => {}
                    _ => return Outcome::PodGone,
                }
            }
            if rx.changed().await.is_err() {
                return Outcome::PodGone;
            }
        }
    }

    async fn run(self) {
        self.sleep(self.tick).await;
        let Some(job) = self.job_live(&self.lock()) else {
            return;
        };
        let spec = job.spec.clone().unwrap_or_default();
        let backoff_limit = spec.backoff_limit.unwrap_or(6);
        let start = Instant::now();
        let mut deadline = spec
            .active_deadline_seconds
            .map(|s| start + Duration::from_secs(s.max(0) as u64));
        if let Scenario::DeadlineExceeded { after, .. } = &self.scenario {
            let d = start + *after;
            deadline = Some(deadline.map_or(d, |x| x.min(d)));
        }
        let far = start + Duration::from_secs(10 * 365 * 86_400);
        let mut failed = 0;
        let mut first = true;
        loop {
            let mut pod_name = String::new();
            let attempt = self.attempt(first, &mut pod_name);
            first = false;
            let outcome = tokio::select! {
                o = attempt => Some(o),
                _ = tokio::time::sleep_until(deadline.unwrap_or(far)) => None,
            };
            match outcome {
                None => {
                    self.deadline_exceeded(&pod_name).await;
                    break;
                }
                Some(Outcome::Succeeded) => {
                    self.finish(
                        &pod_name,
                        true,
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                    )
                    .await;
                    break;
                }
                Some(Outcome::Failed) | Some(Outcome::PodGone) => {
                    if self.job_live(&self.lock()).is_none() {
                        return;
                    }
                    failed += 1;
                    if failed > backoff_limit {
                        self.finish(
                            &pod_name,
                            false,
                            "BackoffLimitExceeded",
                            "Job has reached the specified backoff limit",
                        )
                        .await;
                        break;
                    }
                    self.update_job(|j| {
                        let s = j.status.get_or_insert_with(Default::default);
                        s.failed = Some(failed);
                        s.active = Some(0);
                        s.ready = Some(0);
                    });
                    self.untrack(&pod_name);
                    // The Job controller's pod-failure back-off, compressed.
                    self.sleep(self.tick * 2).await;
                }
            }
        }
        self.ttl().await;
    }

    /// Removes the Job controller's tracking finalizer once it has counted the pod.
    fn untrack(&self, pod: &str) {
        let mut st = self.lock();
        st.modify::<Pod, _>(Kind::Pod, &self.ns, pod, |p| {
            if let Some(f) = p.metadata.finalizers.as_mut() {
                f.retain(|x| x != "batch.kubernetes.io/job-tracking");
            }
        });
    }

    async fn finish(&self, pod: &str, success: bool, reason: &str, message: &str) {
        let now = now_time();
        let interim = if success {
            "SuccessCriteriaMet"
        } else {
            "FailureTarget"
        };
        let live = self.update_job(|j| {
            let s = j.status.get_or_insert_with(Default::default);
            s.active = Some(0);
            s.ready = Some(0);
            s.terminating = Some(0);
            if success {
                s.succeeded = Some(s.succeeded.unwrap_or(0) + 1);
            } else {
                s.failed = Some(s.failed.unwrap_or(0) + 1);
            }
            s.conditions
                .get_or_insert_with(Vec::new)
                .push(JobCondition {
                    type_: interim.into(),
                    status: "True".into(),
                    reason: Some(reason.into()),
                    message: Some(message.into()),
                    last_probe_time: Some(now.clone()),
                    last_transition_time: Some(now.clone()),
                });
        });
        self.untrack(pod);
        if !live {
            return;
        }
        self.sleep(self.tick).await;
        let now = now_time();
        self.update_job(|j| {
            let s = j.status.get_or_insert_with(Default::default);
            s.conditions
                .get_or_insert_with(Vec::new)
                .push(JobCondition {
                    type_: if success { "Complete" } else { "Failed" }.into(),
                    status: "True".into(),
                    reason: Some(reason.into()),
                    message: Some(message.into()),
                    last_probe_time: Some(now.clone()),
                    last_transition_time: Some(now.clone()),
                });
            if success {
                s.completion_time = Some(now.clone());
            }
        });
        if success {
            self.job_event(ev(
                "Normal",
                "Completed",
                "Job completed".into(),
                "job-controller",
            ));
        } else {
            let r = if reason == "DeadlineExceeded" {
                "DeadlineExceeded"
            } else {
                "BackoffLimitExceeded"
            };
            self.job_event(ev("Warning", r, message.into(), "job-controller"));
        }
    }

    async fn deadline_exceeded(&self, pod: &str) {
        let message = "Job was active longer than specified deadline";
        let now = now_time();
        let live = self.update_job(|j| {
            let s = j.status.get_or_insert_with(Default::default);
            s.conditions
                .get_or_insert_with(Vec::new)
                .push(JobCondition {
                    type_: "FailureTarget".into(),
                    status: "True".into(),
                    reason: Some("DeadlineExceeded".into()),
                    message: Some(message.into()),
                    last_probe_time: Some(now.clone()),
                    last_transition_time: Some(now.clone()),
                });
        });
        if !live {
            return;
        }
        if !pod.is_empty() {
            let mut st = self.lock();
            if delete_pod(&self.shared, &mut st, &self.ns, pod, None).is_some() {
                drop(st);
                self.job_event(ev(
                    "Normal",
                    "SuccessfulDelete",
                    format!("Deleted pod: {pod}"),
                    "job-controller",
                ));
            }
        }
        // Wait for the kubelet to kill it, as the controller waits for terminating pods.
        self.sleep(self.tick * 3).await;
        let now = now_time();
        self.update_job(|j| {
            let s = j.status.get_or_insert_with(Default::default);
            s.active = Some(0);
            s.ready = Some(0);
            s.terminating = Some(0);
            s.failed = Some(s.failed.unwrap_or(0) + 1);
            s.conditions
                .get_or_insert_with(Vec::new)
                .push(JobCondition {
                    type_: "Failed".into(),
                    status: "True".into(),
                    reason: Some("DeadlineExceeded".into()),
                    message: Some(message.into()),
                    last_probe_time: Some(now.clone()),
                    last_transition_time: Some(now.clone()),
                });
        });
        self.job_event(ev(
            "Warning",
            "DeadlineExceeded",
            message.into(),
            "job-controller",
        ));
    }

    async fn ttl(&self) {
        let ttl = {
            let st = self.lock();
            self.job_live(&st)
                .and_then(|j| j.spec.and_then(|s| s.ttl_seconds_after_finished))
        };
        let Some(ttl) = ttl else { return };
        self.sleep(Duration::from_secs(ttl.max(0) as u64)).await;
        let mut st = self.lock();
        if self.job_live(&st).is_some() {
            // The TTL controller deletes with foreground propagation.
            delete_job(&self.shared, &mut st, &self.ns, &self.job, "Foreground");
        }
    }

    /// The job controller creates the pod; returns its name through `name` as soon as it exists.
    fn create_pod(&self, first: bool) -> Option<String> {
        let mut st = self.lock();
        let job = self.job_live(&st)?;
        let spec = job.spec.clone().unwrap_or_default();
        let tmpl = spec.template.clone();
        let tmd = tmpl.metadata.clone().unwrap_or_default();
        let mut prefix = format!("{}-", self.job);
        prefix.truncate(58);
        let name = format!("{prefix}{}", st.next_name_suffix());
        let mut annotations = tmd.annotations.clone().unwrap_or_default();
        annotations.insert("batch.kubernetes.io/job-tracking".into(), String::new());
        let mut pod_spec = tmpl.spec.clone().unwrap_or_default();
        pod_spec
            .service_account_name
            .get_or_insert_with(|| "default".into());
        pod_spec.enable_service_links.get_or_insert(true);
        pod_spec.priority.get_or_insert(0);
        pod_spec
            .preemption_policy
            .get_or_insert_with(|| "PreemptLowerPriority".into());
        if pod_spec.tolerations.is_none() {
            let t = |key: &str| k8s_openapi::api::core::v1::Toleration {
                key: Some(key.into()),
                operator: Some("Exists".into()),
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(300),
                ..Default::default()
            };
            pod_spec.tolerations = Some(vec![
                t("node.kubernetes.io/not-ready"),
                t("node.kubernetes.io/unreachable"),
            ]);
        }
        let uid = st.new_uid();
        let mut pod = Pod {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                generate_name: Some(prefix),
                namespace: Some(self.ns.clone()),
                uid: Some(uid),
                labels: tmd.labels.clone(),
                annotations: Some(annotations),
                finalizers: Some(vec!["batch.kubernetes.io/job-tracking".into()]),
                owner_references: Some(vec![OwnerReference {
                    api_version: "batch/v1".into(),
                    kind: "Job".into(),
                    name: self.job.clone(),
                    uid: self.uid.clone(),
                    controller: Some(true),
                    block_owner_deletion: Some(true),
                }]),
                creation_timestamp: Some(now_time()),
                ..Default::default()
            },
            spec: Some(pod_spec),
            status: None,
        };
        pod.status = Some(PodStatus {
            phase: Some("Pending".into()),
            qos_class: Some(qos_class(&pod).into()),
            ..Default::default()
        });
        st.create(Kind::Pod, serde_json::to_value(&pod).unwrap_or_default());
        let mut job = job;
        let s = job.status.get_or_insert_with(Default::default);
        if first {
            s.start_time.get_or_insert_with(now_time);
        }
        s.active = Some(1);
        s.ready = Some(0);
        s.terminating = Some(0);
        s.uncounted_terminated_pods
            .get_or_insert_with(UncountedTerminatedPods::default);
        st.put(Kind::Job, serde_json::to_value(&job).unwrap_or_default());
        if let Some(obj) = st.get(Kind::Job, &self.ns, &self.job) {
            emit_event(
                &mut st,
                &obj,
                ev(
                    "Normal",
                    "SuccessfulCreate",
                    format!("Created pod: {name}"),
                    "job-controller",
                ),
            );
        }
        Some(name)
    }

    async fn attempt(&self, first: bool, pod_name: &mut String) -> Outcome {
        let Some(name) = self.create_pod(first) else {
            return Outcome::PodGone;
        };
        *pod_name = name.clone();
        match self.drive(&name).await {
            Ok(o) | Err(o) => o,
        }
    }

    async fn drive(&self, pod: &str) -> Step<Outcome> {
        let tick = self.tick;
        let (slow_start, exit_with_main) = {
            let st = self.lock();
            (
                st.faults.slow_start,
                st.settings.regular_sidecars_exit_with_main,
            )
        };
        let p = self.lock().pod(&self.ns, pod).ok_or(Outcome::PodGone)?;
        let spec = p.spec.clone().unwrap_or_default();
        let inits = spec.init_containers.clone().unwrap_or_default();
        let main = main_container(&p);
        let main_c = spec
            .containers
            .iter()
            .find(|c| c.name == main)
            .cloned()
            .unwrap_or_default();
        let ns = self.ns.clone();
        let pod_s = pod.to_string();

        // Scheduler.
        self.sleep(tick).await;
        if matches!(self.scenario, Scenario::Unschedulable) {
            self.update_pod(pod, |p, _| {
                let s = p.status.get_or_insert_with(Default::default);
                let conds = s.conditions.get_or_insert_with(Vec::new);
                cond(
                    conds,
                    "PodScheduled",
                    false,
                    Some("Unschedulable"),
                    Some("0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.".into()),
                );
                vec![ev("Warning", "FailedScheduling", "0/3 nodes are available: 3 Insufficient memory.".into(), "default-scheduler")]
            })?;
            return Ok(self.park(pod).await);
        }
        self.update_pod(pod, |p, st| {
            let node = st.settings.node_name.clone();
            p.spec.get_or_insert_with(Default::default).node_name = Some(node.clone());
            let s = p.status.get_or_insert_with(Default::default);
            cond(
                s.conditions.get_or_insert_with(Vec::new),
                "PodScheduled",
                true,
                None,
                None,
            );
            vec![ev(
                "Normal",
                "Scheduled",
                format!("Successfully assigned {ns}/{pod_s} to {node}"),
                "default-scheduler",
            )]
        })?;

        // Kubelet: first status, everything waiting while the sandbox is created.
        self.sleep(tick).await;
        let has_inits = !inits.is_empty();
        let init_names: Vec<String> = inits.iter().map(|c| c.name.clone()).collect();
        self.update_pod(pod, |p, _| {
            let spec = p.spec.clone().unwrap_or_default();
            let s = p.status.get_or_insert_with(Default::default);
            s.host_ip = Some("172.18.0.2".into());
            s.host_ips = Some(vec![HostIP {
                ip: "172.18.0.2".into(),
            }]);
            s.start_time = Some(now_time());
            let conds = s.conditions.get_or_insert_with(Vec::new);
            cond(conds, "PodReadyToStartContainers", false, None, None);
            if has_inits {
                cond(
                    conds,
                    "Initialized",
                    false,
                    Some("ContainersNotInitialized"),
                    Some(format!(
                        "containers with incomplete status: [{}]",
                        init_names.join(" ")
                    )),
                );
            } else {
                cond(conds, "Initialized", true, None, None);
            }
            let unready: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
            let msg = format!("containers with unready status: [{}]", unready.join(" "));
            cond(
                conds,
                "Ready",
                false,
                Some("ContainersNotReady"),
                Some(msg.clone()),
            );
            cond(
                conds,
                "ContainersReady",
                false,
                Some("ContainersNotReady"),
                Some(msg),
            );
            s.init_container_statuses = has_inits.then(|| inits.iter().map(status_for).collect());
            let mut cs: Vec<ContainerStatus> = spec.containers.iter().map(status_for).collect();
            if !has_inits {
                for c in &mut cs {
                    c.state = Some(waiting("ContainerCreating", None));
                }
            }
            cs.sort_by(|a, b| a.name.cmp(&b.name));
            s.container_statuses = Some(cs);
            vec![]
        })?;

        self.sleep(slow_start).await;
        self.update_pod(pod, |p, st| {
            let s = p.status.get_or_insert_with(Default::default);
            let ip = format!("10.244.0.{}", 2 + st.rng.next_u64() % 250);
            s.pod_ip = Some(ip.clone());
            s.pod_ips = Some(vec![PodIP { ip }]);
            cond(
                s.conditions.get_or_insert_with(Vec::new),
                "PodReadyToStartContainers",
                true,
                None,
                None,
            );
            vec![]
        })?;

        // Init containers, one after the other.
        let crash_target = if matches!(self.scenario, Scenario::CrashLoopBackOff) {
            inits
                .iter()
                .find(|c| c.restart_policy.as_deref() == Some("Always"))
                .map(|c| (c.name.clone(), true))
                .or_else(|| Some((main.clone(), false)))
        } else {
            None
        };
        for c in &inits {
            if crash_target
                .as_ref()
                .is_some_and(|(n, init)| *init && *n == c.name)
            {
                return self.crash_loop(pod, c, true).await;
            }
            let sidecar = c.restart_policy.as_deref() == Some("Always");
            self.start_container(pod, c, true, sidecar)?;
            self.sleep(tick).await;
            if sidecar {
                self.set_status(pod, &c.name, true, |cs| {
                    cs.started = Some(true);
                    cs.ready = true;
                })?;
            } else if self.demoted.contains(&c.name) {
                // A service run as a plain init container never exits: the pod stays in Init.
                return Ok(self.park(pod).await);
            } else {
                self.terminate_container(pod, &c.name, true, 0, "Completed")?;
            }
        }
        if has_inits {
            self.update_pod(pod, |p, _| {
                let s = p.status.get_or_insert_with(Default::default);
                cond(
                    s.conditions.get_or_insert_with(Vec::new),
                    "Initialized",
                    true,
                    None,
                    None,
                );
                for cs in s.container_statuses.iter_mut().flatten() {
                    cs.state = Some(waiting("ContainerCreating", None));
                }
                vec![]
            })?;
        }

        // The main container's own failure modes before it runs.
        match &self.scenario {
            Scenario::ImagePullBackOff => {
                self.sleep(tick).await;
                let image = main_c.image.clone().unwrap_or_default();
                let full = normalize_image(&image);
                let err = format!(
                    "failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
                );
                let main_s = main.clone();
                self.update_pod(pod, |p, _| {
                    set_cs(p, &main_s, false, |cs| {
                        cs.state = Some(waiting("ErrImagePull", Some(err.clone())));
                    });
                    vec![
                        kubelet_ev(
                            "Normal",
                            "Pulling",
                            format!("Pulling image \"{image}\""),
                            &main_s,
                            false,
                        ),
                        kubelet_ev(
                            "Warning",
                            "Failed",
                            format!("Failed to pull image \"{image}\": {err}"),
                            &main_s,
                            false,
                        ),
                        kubelet_ev(
                            "Warning",
                            "Failed",
                            "Error: ErrImagePull".into(),
                            &main_s,
                            false,
                        ),
                    ]
                })?;
                self.sleep(tick * 2).await;
                let image = main_c.image.clone().unwrap_or_default();
                self.update_pod(pod, |p, _| {
                    set_cs(p, &main, false, |cs| {
                        cs.state = Some(waiting(
                            "ImagePullBackOff",
                            Some(format!(
                                "Back-off pulling image \"{image}\": ErrImagePull: {}",
                                "not found"
                            )),
                        ));
                    });
                    vec![
                        kubelet_ev(
                            "Normal",
                            "BackOff",
                            format!("Back-off pulling image \"{image}\""),
                            &main,
                            false,
                        ),
                        kubelet_ev(
                            "Warning",
                            "Failed",
                            "Error: ImagePullBackOff".into(),
                            &main,
                            false,
                        ),
                    ]
                })?;
                return Ok(self.park(pod).await);
            }
            Scenario::CreateContainerConfigError => {
                self.sleep(tick).await;
                let missing = main_c
                    .env_from
                    .iter()
                    .flatten()
                    .find_map(|e| e.secret_ref.as_ref().map(|s| s.name.clone()))
                    .unwrap_or_else(|| "claude-sandbox-secrets".into());
                let msg = format!("secret \"{missing}\" not found");
                self.update_pod(pod, |p, _| {
                    set_cs(p, &main, false, |cs| {
                        cs.state = Some(waiting("CreateContainerConfigError", Some(msg.clone())));
                    });
                    vec![kubelet_ev(
                        "Warning",
                        "Failed",
                        format!("Error: {msg}"),
                        &main,
                        false,
                    )]
                })?;
                return Ok(self.park(pod).await);
            }
            _ => {}
        }
        if crash_target.as_ref().is_some_and(|(_, init)| !init) {
            if spec.restart_policy.as_deref() == Some("OnFailure") {
                return self.crash_loop(pod, &main_c, false).await;
            }
            self.start_container(pod, &main_c, false, false)?;
            self.sleep(tick).await;
            self.lock().append_log(
                &self.ns,
                pod,
                &main,
                crash_line(main_c.image.as_deref().unwrap_or_default()),
            );
            return self.end_main(pod, &main, 1, "Error", exit_with_main).await;
        }

        // Start the regular containers.
        self.sleep(tick).await;
        for c in &spec.containers {
            self.start_container(pod, c, false, false)?;
        }
        self.update_pod(pod, |p, _| {
            let s = p.status.get_or_insert_with(Default::default);
            s.phase = Some("Running".into());
            for cs in s.container_statuses.iter_mut().flatten() {
                cs.started = Some(true);
                cs.ready = true;
            }
            let conds = s.conditions.get_or_insert_with(Vec::new);
            cond(conds, "Ready", true, None, None);
            cond(conds, "ContainersReady", true, None, None);
            vec![]
        })?;
        self.update_job(|j| {
            j.status.get_or_insert_with(Default::default).ready = Some(1);
        });

        let (log, interval, exit): (LogSource, Duration, Option<(i32, &str)>) = match &self.scenario
        {
            Scenario::Succeed { log, line_interval } => {
                (log.clone(), *line_interval, Some((0, "Completed")))
            }
            Scenario::Fail {
                log,
                line_interval,
                exit_code,
            } => (log.clone(), *line_interval, Some((*exit_code, "Error"))),
            Scenario::OomKilled { log } => (log.clone(), tick, Some((137, "OOMKilled"))),
            Scenario::DeadlineExceeded { log, .. } => (log.clone(), tick, None),
            Scenario::StayRunning { log, line_interval } => (log.clone(), *line_interval, None),
            _ => (LogSource::default(), tick, Some((0, "Completed"))),
        };
        self.emit_log(pod, &main, &log, interval).await?;
        let Some((code, reason)) = exit else {
            return Ok(self.park(pod).await);
        };
        self.sleep(tick).await;
        self.end_main(pod, &main, code, reason, exit_with_main)
            .await
    }

    async fn emit_log(
        &self,
        pod: &str,
        container: &str,
        log: &LogSource,
        interval: Duration,
    ) -> Step<()> {
        let alive = |st: &State| {
            st.pod(&self.ns, pod)
                .is_some_and(|p| p.metadata.deletion_timestamp.is_none())
        };
        if interval.is_zero() {
            let mut st = self.lock();
            if !alive(&st) {
                return Err(Outcome::PodGone);
            }
            let l = st.log_mut(&self.ns, pod, container);
            match log {
                LogSource::Generated { line, count } => l.set_bulk(line, *count),
                LogSource::Lines(lines) => {
                    for line in lines {
                        l.push(line.clone());
                    }
                }
            }
            st.notify();
            return Ok(());
        }
        for i in 0..log.len() {
            if i > 0 {
                self.sleep(interval).await;
            }
            let mut st = self.lock();
            if !alive(&st) {
                return Err(Outcome::PodGone);
            }
            st.append_log(&self.ns, pod, container, log.line(i));
        }
        Ok(())
    }

    async fn end_main(
        &self,
        pod: &str,
        main: &str,
        code: i32,
        reason: &str,
        exit_with_main: bool,
    ) -> Step<Outcome> {
        self.terminate_container(pod, main, false, code, reason)?;
        let others_running = {
            let st = self.lock();
            let p = st.pod(&self.ns, pod).ok_or(Outcome::PodGone)?;
            p.status
                .and_then(|s| s.container_statuses)
                .unwrap_or_default()
                .iter()
                .any(|cs| cs.name != main && cs.state.as_ref().is_some_and(|s| s.running.is_some()))
        };
        self.sleep(self.tick).await;
        if others_running && !exit_with_main {
            // Regular containers that do not exit keep the pod Running: the Job never ends.
            return Ok(self.park(pod).await);
        }
        let success = code == 0;
        self.update_pod(pod, |p, _| {
            let spec = p.spec.clone().unwrap_or_default();
            let s = p.status.get_or_insert_with(Default::default);
            for cs in s
                .init_container_statuses
                .iter_mut()
                .flatten()
                .chain(s.container_statuses.iter_mut().flatten())
            {
                if cs.state.as_ref().is_some_and(|st| st.running.is_some()) {
                    cs.state = Some(terminated(cs, 0, "Completed"));
                    cs.ready = false;
                    cs.started = Some(false);
                }
            }
            s.phase = Some(if success { "Succeeded" } else { "Failed" }.into());
            let conds = s.conditions.get_or_insert_with(Vec::new);
            cond(conds, "PodReadyToStartContainers", false, None, None);
            if spec.init_containers.as_ref().is_some_and(|i| !i.is_empty()) {
                cond(conds, "Initialized", true, Some("PodCompleted"), None);
            }
            cond(conds, "Ready", false, Some("PodCompleted"), None);
            cond(conds, "ContainersReady", false, Some("PodCompleted"), None);
            vec![]
        })?;
        {
            let mut st = self.lock();
            for ((lns, lpod, _), log) in st.logs.iter_mut() {
                if *lns == self.ns && lpod == pod {
                    log.finished = true;
                }
            }
            st.notify();
        }
        self.sleep(self.tick).await;
        Ok(if success {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        })
    }

    fn set_status(
        &self,
        pod: &str,
        container: &str,
        init: bool,
        f: impl FnOnce(&mut ContainerStatus),
    ) -> Step<()> {
        self.update_pod(pod, |p, _| {
            set_cs(p, container, init, f);
            vec![]
        })
    }

    fn start_container(&self, pod: &str, c: &Container, init: bool, sidecar: bool) -> Step<()> {
        let image = c.image.clone().unwrap_or_default();
        let name = c.name.clone();
        let pull = c.image_pull_policy.as_deref() == Some("Always");
        let sidecar_lines = if sidecar || !init {
            sidecar_log(&image)
        } else {
            vec![]
        };
        self.update_pod(pod, |p, st| {
            let id = format!("containerd://{}", st.rng.hex(64));
            set_cs(p, &name, init, |cs| {
                cs.state = Some(ContainerState {
                    running: Some(ContainerStateRunning { started_at: Some(now_time()) }),
                    ..Default::default()
                });
                cs.container_id = Some(id);
                cs.image_id = image_id(&image);
                cs.started = Some(!sidecar && !init);
                cs.ready = false;
            });
            let log = st.log_mut(&p.metadata.namespace.clone().unwrap_or_default(), &p.metadata.name.clone().unwrap_or_default(), &name);
            log.finished = false;
            for l in &sidecar_lines {
                log.push((*l).to_string());
            }
            let mut evs = Vec::new();
            if pull {
                evs.push(kubelet_ev("Normal", "Pulling", format!("Pulling image \"{image}\""), &name, init));
                evs.push(kubelet_ev("Normal", "Pulled", format!("Successfully pulled image \"{image}\" in 1.2s (1.2s including waiting). Image size: 104857600 bytes."), &name, init));
            } else {
                evs.push(kubelet_ev("Normal", "Pulled", format!("Container image \"{image}\" already present on machine"), &name, init));
            }
            evs.push(kubelet_ev("Normal", "Created", format!("Created container: {name}"), &name, init));
            evs.push(kubelet_ev("Normal", "Started", format!("Started container {name}"), &name, init));
            evs
        })
    }

    fn terminate_container(
        &self,
        pod: &str,
        container: &str,
        init: bool,
        code: i32,
        reason: &str,
    ) -> Step<()> {
        let r = self.update_pod(pod, |p, _| {
            let main = !init;
            set_cs(p, container, init, |cs| {
                cs.state = Some(terminated(cs, code, reason));
                cs.ready = false;
                cs.started = Some(false);
            });
            if main {
                let s = p.status.get_or_insert_with(Default::default);
                let conds = s.conditions.get_or_insert_with(Vec::new);
                let msg = format!("containers with unready status: [{container}]");
                cond(
                    conds,
                    "Ready",
                    false,
                    Some("ContainersNotReady"),
                    Some(msg.clone()),
                );
                cond(
                    conds,
                    "ContainersReady",
                    false,
                    Some("ContainersNotReady"),
                    Some(msg),
                );
            }
            vec![]
        });
        let mut st = self.lock();
        if let Some(l) = st
            .logs
            .get_mut(&(self.ns.clone(), pod.to_string(), container.to_string()))
        {
            l.finished = true;
        }
        st.notify();
        r
    }

    async fn crash_loop(&self, pod: &str, c: &Container, init: bool) -> Step<Outcome> {
        let image = c.image.clone().unwrap_or_default();
        let mut restarts = 0;
        loop {
            self.start_container(pod, c, init, false)?;
            self.set_status(pod, &c.name, init, |cs| cs.restart_count = restarts)?;
            self.lock()
                .append_log(&self.ns, pod, &c.name, crash_line(&image));
            self.sleep(self.tick).await;
            self.terminate_container(pod, &c.name, init, 1, "Error")?;
            self.sleep(self.tick).await;
            restarts += 1;
            let back_off = 10u64 << (restarts - 1).min(5) as u64;
            let (name, ns) = (c.name.clone(), self.ns.clone());
            self.update_pod(pod, |p, _| {
                let pod_name = p.metadata.name.clone().unwrap_or_default();
                let uid = p.metadata.uid.clone().unwrap_or_default();
                set_cs(p, &name, init, |cs| {
                    let last = cs.state.clone();
                    cs.last_state = last;
                    cs.restart_count = restarts;
                    cs.state = Some(waiting(
                        "CrashLoopBackOff",
                        Some(format!("back-off {back_off}s restarting failed container={name} pod={pod_name}_{ns}({uid})")),
                    ));
                });
                vec![kubelet_ev(
                    "Warning",
                    "BackOff",
                    format!("Back-off restarting failed container {name} in pod {pod_name}_{ns}({uid})"),
                    &name,
                    init,
                )]
            })?;
            self.sleep(self.tick * (1 << restarts.min(5)) as u32).await;
        }
    }
}

fn set_cs(p: &mut Pod, container: &str, init: bool, f: impl FnOnce(&mut ContainerStatus)) {
    let s = p.status.get_or_insert_with(Default::default);
    let list = if init {
        s.init_container_statuses.get_or_insert_with(Vec::new)
    } else {
        s.container_statuses.get_or_insert_with(Vec::new)
    };
    if let Some(cs) = list.iter_mut().find(|cs| cs.name == container) {
        f(cs);
    }
}

// ---- deletion and garbage collection ------------------------------------------------------------

/// Graceful pod deletion: deletionTimestamp now, containers killed a tick later, gone a tick after.
/// Unscheduled pods and a zero grace period go at once. Returns the object the DELETE answers with.
pub(super) fn delete_pod(
    shared: &Arc<Shared>,
    st: &mut State,
    ns: &str,
    name: &str,
    grace: Option<i64>,
) -> Option<Value> {
    let cur = st.get(Kind::Pod, ns, name)?;
    if cur["metadata"]["deletionTimestamp"].is_string() {
        return Some((*cur).clone());
    }
    let scheduled = cur["spec"]["nodeName"]
        .as_str()
        .is_some_and(|n| !n.is_empty());
    let grace = grace
        .or(cur["spec"]["terminationGracePeriodSeconds"].as_i64())
        .unwrap_or(30);
    if !scheduled || grace == 0 {
        return st.remove(Kind::Pod, ns, name).map(|v| (*v).clone());
    }
    let at = util::now()
        .checked_add(jiff::SignedDuration::from_secs(grace))
        .unwrap_or_else(|_| util::now());
    let mut obj = (*cur).clone();
    obj["metadata"]["deletionTimestamp"] = json!(util::k8s_time(at));
    obj["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
    let stored = st.put(Kind::Pod, obj);
    let tick = st.settings.tick;
    let (shared, ns, name) = (shared.clone(), ns.to_string(), name.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(tick).await;
        {
            let mut st = shared.lock();
            let Some(mut p) = st.pod(&ns, &name) else {
                return;
            };
            let main = main_container(&p);
            let mut killed = Vec::new();
            let s = p.status.get_or_insert_with(Default::default);
            let mut main_ok = false;
            for (init, cs) in s
                .init_container_statuses
                .iter_mut()
                .flatten()
                .map(|c| (true, c))
                .chain(
                    s.container_statuses
                        .iter_mut()
                        .flatten()
                        .map(|c| (false, c)),
                )
            {
                if cs.state.as_ref().is_some_and(|x| x.running.is_some()) {
                    cs.state = Some(terminated(cs, 143, "Error"));
                    cs.ready = false;
                    cs.started = Some(false);
                    killed.push((cs.name.clone(), init));
                } else if cs.name == main
                    && cs
                        .state
                        .as_ref()
                        .and_then(|x| x.terminated.as_ref())
                        .is_some_and(|t| t.exit_code == 0)
                {
                    main_ok = true;
                }
            }
            if s.phase.as_deref() != Some("Succeeded") && s.phase.as_deref() != Some("Failed") {
                s.phase = Some(if main_ok { "Succeeded" } else { "Failed" }.into());
            }
            let conds = s.conditions.get_or_insert_with(Vec::new);
            cond(conds, "Ready", false, Some("PodCompleted"), None);
            cond(conds, "ContainersReady", false, Some("PodCompleted"), None);
            let stored = st.put(Kind::Pod, serde_json::to_value(&p).unwrap_or_default());
            for (c, init) in killed {
                emit_event(
                    &mut st,
                    &stored,
                    kubelet_ev(
                        "Normal",
                        "Killing",
                        format!("Stopping container {c}"),
                        &c,
                        init,
                    ),
                );
            }
            for ((lns, lpod, _), log) in st.logs.iter_mut() {
                if *lns == ns && *lpod == name {
                    log.finished = true;
                }
            }
            st.notify();
        }
        tokio::time::sleep(tick).await;
        shared.lock().remove(Kind::Pod, &ns, &name);
    });
    Some((*stored).clone())
}

fn owned_pods(st: &State, ns: &str, uid: &str) -> Vec<String> {
    st.range(Kind::Pod, Some(ns), None)
        .filter(|(_, p)| {
            p["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
        })
        .map(|((_, _, n), _)| n.clone())
        .collect()
}

/// Deletes a Job the way the apiserver and garbage collector do for each propagation policy.
/// Returns what the DELETE answers with: the object while finalizers hold it, else None.
pub(super) fn delete_job(
    shared: &Arc<Shared>,
    st: &mut State,
    ns: &str,
    name: &str,
    policy: &str,
) -> Option<Value> {
    let cur = st.get(Kind::Job, ns, name)?;
    let uid = cur["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let tick = st.settings.tick;
    let (shared, ns_s, name_s) = (shared.clone(), ns.to_string(), name.to_string());
    if policy == "Background" {
        st.remove(Kind::Job, ns, name);
        tokio::spawn(async move {
            tokio::time::sleep(tick).await;
            let mut st = shared.lock();
            for p in owned_pods(&st, &ns_s, &uid) {
                delete_pod(&shared, &mut st, &ns_s, &p, None);
            }
        });
        return None;
    }
    if cur["metadata"]["deletionTimestamp"].is_string() {
        return Some((*cur).clone());
    }
    let finalizer = if policy == "Foreground" {
        "foregroundDeletion"
    } else {
        "orphan"
    };
    let mut obj = (*cur).clone();
    obj["metadata"]["deletionTimestamp"] = json!(util::k8s_time(util::now()));
    obj["metadata"]["deletionGracePeriodSeconds"] = json!(0);
    let mut fins: Vec<Value> = obj["metadata"]["finalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    fins.push(json!(finalizer));
    obj["metadata"]["finalizers"] = json!(fins);
    let stored = st.put(Kind::Job, obj);
    let foreground = policy == "Foreground";
    tokio::spawn(async move {
        tokio::time::sleep(tick).await;
        let pods = {
            let mut st = shared.lock();
            let pods = owned_pods(&st, &ns_s, &uid);
            for p in &pods {
                if foreground {
                    delete_pod(&shared, &mut st, &ns_s, p, None);
                } else {
                    st.modify::<Pod, _>(Kind::Pod, &ns_s, p, |pod| {
                        if let Some(refs) = pod.metadata.owner_references.as_mut() {
                            refs.retain(|r| r.uid != uid);
                        }
                        if pod
                            .metadata
                            .owner_references
                            .as_ref()
                            .is_some_and(Vec::is_empty)
                        {
                            pod.metadata.owner_references = None;
                        }
                    });
                }
            }
            pods
        };
        if foreground {
            let mut rx = shared.lock().subscribe();
            loop {
                rx.borrow_and_update();
                let left = {
                    let st = shared.lock();
                    pods.iter().any(|p| st.get(Kind::Pod, &ns_s, p).is_some())
                };
                if !left || rx.changed().await.is_err() {
                    break;
                }
            }
        }
        let mut st = shared.lock();
        if st
            .get(Kind::Job, &ns_s, &name_s)
            .is_some_and(|j| j["metadata"]["uid"] == uid.as_str())
        {
            st.remove(Kind::Job, &ns_s, &name_s);
        }
    });
    Some((*stored).clone())
}
