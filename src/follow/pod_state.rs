//! Reading a pod the way a person watching `kubectl describe` would: is it waiting, running,
//! finished, or stuck for a reason that will not fix itself?

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

/// Waiting reasons that do not resolve on their own: following on would wait until the deadline.
const STUCK_REASONS: &[&str] = &[
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "CrashLoopBackOff",
    "ErrImageNeverPull",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodView {
    /// Not started yet; the text says why (ContainerCreating, PodInitializing, waiting for a node).
    Waiting(String),
    /// It will not start: reason and the kubelet's or scheduler's message.
    Stuck {
        container: Option<String>,
        reason: String,
        message: String,
    },
    /// The container is running (its log can be streamed).
    Running,
    /// The container has ended.
    Terminated {
        exit_code: i32,
        reason: Option<String>,
    },
}

pub fn container_status<'a>(pod: &'a Pod, name: &str) -> Option<&'a ContainerStatus> {
    let status = pod.status.as_ref()?;
    status
        .container_statuses
        .iter()
        .flatten()
        .chain(status.init_container_statuses.iter().flatten())
        .find(|c| c.name == name)
}

/// The state of `container` in `pod`, with any stuck sidecar or scheduling failure taking
/// precedence, since the agent cannot start while they last.
pub fn view(pod: &Pod, container: &str) -> PodView {
    let status = pod.status.as_ref();
    if let Some(cs) = container_status(pod, container)
        && let Some(state) = &cs.state
    {
        if let Some(t) = &state.terminated {
            return PodView::Terminated {
                exit_code: t.exit_code,
                reason: t.reason.clone(),
            };
        }
        if state.running.is_some() {
            return PodView::Running;
        }
    }
    let all = status.into_iter().flat_map(|s| {
        s.init_container_statuses
            .iter()
            .flatten()
            .chain(s.container_statuses.iter().flatten())
    });
    for cs in all {
        if let Some(w) = cs.state.as_ref().and_then(|s| s.waiting.as_ref())
            && let Some(reason) = &w.reason
            && STUCK_REASONS.contains(&reason.as_str())
        {
            return PodView::Stuck {
                container: Some(cs.name.clone()),
                reason: reason.clone(),
                message: w.message.clone().unwrap_or_default(),
            };
        }
    }
    if let Some(c) = status.and_then(|s| s.conditions.as_ref()).and_then(|cs| {
        cs.iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
    }) && c.reason.as_deref() == Some("Unschedulable")
    {
        return PodView::Stuck {
            container: None,
            reason: "Unschedulable".into(),
            message: c.message.clone().unwrap_or_default(),
        };
    }
    if status.and_then(|s| s.phase.as_deref()) == Some("Failed") {
        return PodView::Terminated {
            exit_code: 1,
            reason: status.and_then(|s| s.reason.clone()),
        };
    }
    let why = container_status(pod, container)
        .and_then(|cs| cs.state.as_ref()?.waiting.as_ref()?.reason.clone())
        .or_else(|| {
            // While native sidecars start, the agent waits in PodInitializing.
            status
                .and_then(|s| s.init_container_statuses.as_ref())
                .and_then(|list| list.iter().find(|c| !c.started.unwrap_or(false)))
                .map(|c| format!("starting {}", c.name))
        })
        .unwrap_or_else(|| match status.and_then(|s| s.phase.as_deref()) {
            Some(p) => p.to_string(),
            None => "Pending".to_string(),
        });
    PodView::Waiting(why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
        PodCondition, PodStatus,
    };

    fn pod(
        statuses: Vec<ContainerStatus>,
        init: Vec<ContainerStatus>,
        conditions: Vec<PodCondition>,
    ) -> Pod {
        Pod {
            status: Some(PodStatus {
                phase: Some("Pending".into()),
                container_statuses: Some(statuses),
                init_container_statuses: Some(init),
                conditions: Some(conditions),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn waiting(name: &str, reason: &str) -> ContainerStatus {
        ContainerStatus {
            name: name.into(),
            state: Some(ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some(reason.into()),
                    message: Some(format!("{reason} detail")),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn image_pull_failures_are_stuck_even_on_a_sidecar() {
        let p = pod(
            vec![waiting("claude", "PodInitializing")],
            vec![waiting("postgres", "ImagePullBackOff")],
            vec![],
        );
        match view(&p, "claude") {
            PodView::Stuck {
                container, reason, ..
            } => {
                assert_eq!(container.as_deref(), Some("postgres"));
                assert_eq!(reason, "ImagePullBackOff");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unschedulable_is_stuck_with_the_scheduler_message() {
        let p = pod(
            vec![],
            vec![],
            vec![PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("Unschedulable".into()),
                message: Some("0/3 nodes are available".into()),
                ..Default::default()
            }],
        );
        assert!(
            matches!(view(&p, "claude"), PodView::Stuck { reason, message, .. } if reason == "Unschedulable" && message.contains("0/3"))
        );
    }

    #[test]
    fn creating_is_waiting_and_states_are_read() {
        assert_eq!(
            view(
                &pod(vec![waiting("claude", "ContainerCreating")], vec![], vec![]),
                "claude"
            ),
            PodView::Waiting("ContainerCreating".into())
        );
        let running = ContainerStatus {
            name: "claude".into(),
            state: Some(ContainerState {
                running: Some(ContainerStateRunning::default()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            view(&pod(vec![running], vec![], vec![]), "claude"),
            PodView::Running
        );
        let done = ContainerStatus {
            name: "claude".into(),
            state: Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: 137,
                    reason: Some("OOMKilled".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            view(&pod(vec![done], vec![], vec![]), "claude"),
            PodView::Terminated {
                exit_code: 137,
                reason: Some("OOMKilled".into())
            }
        );
    }
}
