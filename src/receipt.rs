//! Reading a job's receipt back: from the agent container's termination message in the pod's
//! status while the cluster keeps the pod, and from the local archive after. The receipt itself
//! (its fields, its bound) is [`crate::contract::Receipt`]; the pod writes it.

use k8s_openapi::api::core::v1::Pod;

use crate::contract::{AGENT_CONTAINER, Receipt};
use crate::text::one_line;
use crate::units::format_age;

/// The receipt the agent container left, once it has ended. A pod's agent may have been
/// restarted; the current state is checked before the last one.
pub fn of_pod(pod: &Pod) -> Option<Receipt> {
    let status = pod
        .status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .find(|c| c.name == AGENT_CONTAINER)?;
    [status.state.as_ref(), status.last_state.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|s| s.terminated.as_ref()?.message.as_deref())
        .find_map(Receipt::parse)
}

/// The first receipt among a job's pods (newest first).
pub fn of_pods(pods: &[Pod]) -> Option<Receipt> {
    pods.iter().find_map(of_pod)
}

/// `$0.42`: what the run cost, for tables.
pub fn cost(r: &Receipt) -> Option<String> {
    r.cost_usd.map(|c| format!("${c:.2}"))
}

/// The receipt for people: a verdict line, then what was pushed where.
pub fn describe(r: &Receipt) -> Vec<String> {
    let mut first = r.outcome.clone();
    if let Some(d) = r.duration_s {
        first.push_str(&format!(
            " in {}",
            format_age(std::time::Duration::from_secs(d))
        ));
    }
    first.push_str(&format!(", exit code {}", r.exit_code));
    if let Some(t) = r.turns {
        first.push_str(&format!(", {t} turn{}", if t == 1 { "" } else { "s" }));
    }
    if let Some(c) = cost(r) {
        first.push_str(&format!(", {c}"));
    }
    if let (Some(i), Some(o)) = (r.input_tokens, r.output_tokens) {
        first.push_str(&format!(", {i} tokens in, {o} out"));
    }
    let mut lines = vec![first];
    if let Some(cap) = &r.cap {
        lines.push(format!("stopped by its {cap} budget"));
    }
    match (&r.branch, &r.commit) {
        (Some(b), Some(c)) => lines.push(format!(
            "pushed {b} at {}",
            c.chars().take(12).collect::<String>()
        )),
        (Some(b), None) => lines.push(format!("pushed {b}")),
        _ => {}
    }
    lines.extend(r.compare_url.iter().map(|u| format!("compare: {u}")));
    lines.extend(r.pr_url.iter().map(|u| format!("pull request: {u}")));
    lines.extend(r.pr_error.iter().map(|e| format!("no pull request: {e}")));
    // Whatever the pod's side wrote is shown, never acted on by the terminal.
    lines.iter().map(|l| one_line(l, LINE_WIDTH)).collect()
}

const LINE_WIDTH: usize = 300;

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateTerminated, ContainerStatus, PodStatus,
    };

    fn pod_with(name: &str, message: &str) -> Pod {
        Pod {
            status: Some(PodStatus {
                container_statuses: Some(vec![ContainerStatus {
                    name: name.into(),
                    state: Some(ContainerState {
                        terminated: Some(ContainerStateTerminated {
                            message: Some(message.into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_hostile_receipt_is_shown_not_obeyed() {
        let r = Receipt {
            outcome: "succeeded\u{1b}]52;c;ZXZpbA==\u{7}\nline two".into(),
            branch: Some("\u{1b}[2Jb".into()),
            commit: Some("ééééééééééééé".into()),
            ..Receipt::default()
        };
        for l in describe(&r) {
            assert!(!l.contains('\u{1b}') && !l.contains('\n'), "{l:?}");
        }
    }

    #[test]
    fn only_the_agents_termination_message_is_a_receipt() {
        let text = r#"{"outcome":"succeeded","exit_code":0,"cost_usd":0.5}"#;
        assert_eq!(
            of_pod(&pod_with(AGENT_CONTAINER, text)).unwrap().cost_usd,
            Some(0.5)
        );
        assert_eq!(of_pod(&pod_with("postgres", text)), None);
        assert_eq!(
            of_pod(&pod_with(AGENT_CONTAINER, "panic: out of memory")),
            None
        );
    }
}
