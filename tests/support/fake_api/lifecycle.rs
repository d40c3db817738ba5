//! Time-driven stand-ins for the Job controller, the scheduler and the kubelet. Every step is one
//! locked read-modify-write (one resourceVersion, one watch event), so a client sees the same
//! sequence of states a real cluster would show, only faster.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{Job, JobCondition, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStatus, HostIP, Pod, PodIP,
    PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use tokio::time::Instant;

use super::config::{LogSource, Scenario};
use super::events::{EventSpec, emit_event, ev, kubelet_ev};
use super::gc::{delete_job, delete_pod};
use super::kinds::Kind;
use super::pod_status::{
    cond, crash_line, image_id, main_container, normalize_image, now_time, qos_class, set_cs,
    sidecar_log, status_for, terminated, waiting,
};
use super::state::{Shared, State};

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
        if let Scenario::AdmissionRefused { message } = &self.scenario {
            // The Job controller keeps retrying; the Job stays without a pod until its deadline.
            self.job_event(ev(
                "Warning",
                "FailedCreate",
                format!("Error creating: {message}"),
                "job-controller",
            ));
            return;
        }
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
        let r = self.update_pod(pod, |p, st| {
            let main = !init;
            let message = if main {
                st.settings.termination_message.clone()
            } else {
                None
            };
            set_cs(p, container, init, |cs| {
                let mut state = terminated(cs, code, reason);
                if let Some(t) = state.terminated.as_mut() {
                    t.message = message;
                }
                cs.state = Some(state);
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
