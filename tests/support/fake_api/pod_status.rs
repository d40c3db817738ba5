//! Builders for the pod status the kubelet reports: container states, conditions, QoS class,
//! image names as the runtime resolves them.

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
    Pod, PodCondition,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::util;

pub(super) fn now_time() -> Time {
    Time(util::now())
}

pub(super) fn normalize_image(image: &str) -> String {
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

pub(super) fn image_id(image: &str) -> String {
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

pub(super) fn status_for(c: &Container) -> ContainerStatus {
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

pub(super) fn waiting(reason: &str, message: Option<String>) -> ContainerState {
    ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.into()),
            message,
        }),
        ..Default::default()
    }
}

pub(super) fn started_at(cs: &ContainerStatus) -> Option<Time> {
    let st = cs.state.as_ref()?;
    st.running
        .as_ref()
        .and_then(|r| r.started_at.clone())
        .or_else(|| st.terminated.as_ref().and_then(|t| t.started_at.clone()))
}

pub(super) fn terminated(cs: &ContainerStatus, exit_code: i32, reason: &str) -> ContainerState {
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

pub(super) fn cond(
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

pub(super) fn qos_class(pod: &Pod) -> &'static str {
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

pub(super) fn sidecar_log(image: &str) -> Vec<&'static str> {
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

pub(super) fn crash_line(image: &str) -> &'static str {
    if image.contains("postgres") || image.contains("postgis") {
        "FATAL:  data directory \"/var/lib/postgresql/data\" has wrong ownership"
    } else if image.contains("redis") {
        "# Fatal error, can't open config file '/etc/redis/redis.conf': Permission denied"
    } else {
        "Error: exiting with status 1"
    }
}

/// The main container: `claude` when present, else the first one.
pub(super) fn main_container(pod: &Pod) -> String {
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

pub(super) fn set_cs(
    p: &mut Pod,
    container: &str,
    init: bool,
    f: impl FnOnce(&mut ContainerStatus),
) {
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
