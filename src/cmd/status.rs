use anyhow::Result;
use k8s_openapi::api::core::v1::ContainerStatus;

use super::Ctx;
use crate::cli::StatusArgs;
use crate::cluster::jobs::{self, JobState};
use crate::cluster::{Cluster, pods};
use crate::failure::Outcome;
use crate::follow::pod_state::{self, PodView};
use crate::job::{AGENT_CONTAINER, keys};
use crate::output::{Tone, cut};
use crate::units::format_age;

pub fn run(ctx: &Ctx, args: StatusArgs) -> Result<Outcome> {
    let text = super::block_on(async {
        let cluster = ctx.connect().await?;
        describe_job(ctx, &cluster, &args.job).await
    })??;
    ctx.printer.out(&text)?;
    Ok(Outcome::Success)
}

async fn describe_job(ctx: &Ctx, cluster: &Cluster, name: &str) -> Result<String> {
    let ns = &cluster.namespace;
    let job = jobs::get(cluster, name).await?;
    let pods = pods::of_job(cluster, name).await?;
    let pod = pods.first();
    let mut events = pods::events_about(cluster, name).await.unwrap_or_default();
    if let Some(p) = pod.and_then(|p| p.metadata.name.as_deref()) {
        events.extend(pods::events_about(cluster, p).await.unwrap_or_default());
    }

    let p = &ctx.printer;
    let now = jiff::Timestamp::now();
    let state = jobs::state(&job);
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<11}{v}\n"));
    line("job", name.to_string());
    line("namespace", ns.clone());
    if let Some(url) = jobs::annotation(&job, keys::REPO_URL) {
        let branch = jobs::annotation(&job, keys::BRANCH_FULL).unwrap_or("?");
        let commit = jobs::annotation(&job, keys::COMMIT)
            .map(|c| format!(" at {}", &c[..c.len().min(12)]))
            .unwrap_or_default();
        line("repository", format!("{url} ({branch}{commit})"));
    }
    if let Some(task) = jobs::annotation(&job, keys::TASK) {
        line("task", cut(task, 100));
    }
    let tone = match state {
        JobState::Succeeded => Tone::Good,
        JobState::Failed => Tone::Bad,
        _ => Tone::Bold,
    };
    let mut status = p.paint_out(state.label(), tone);
    let reason = match state {
        JobState::Queued => crate::cluster::kueue::reason_for(cluster, &job).await,
        _ => jobs::failure_reason(&job),
    };
    if let Some(reason) = reason {
        status.push_str(&format!(": {reason}"));
    }
    if let Some(age) = jobs::age(&job, now) {
        status.push_str(&format!(" (created {} ago", format_age(age)));
        if let Some(d) = jobs::duration(&job, now) {
            status.push_str(&format!(", ran {}", format_age(d)));
        }
        status.push(')');
    }
    line("status", status);

    let mut stuck = false;
    match pod {
        None => {
            // Admission refused the pod: the reason is the point, so it is not cut short.
            let refused = events
                .iter()
                .rev()
                .filter(|e| e.type_.as_deref() == Some("Warning"))
                .find(|e| e.reason.as_deref() == Some("FailedCreate"))
                .and_then(|e| e.message.clone());
            match refused {
                Some(message) => {
                    stuck = true;
                    line("pod", format!("none, FailedCreate: {message}"));
                }
                None if state == JobState::Queued => {
                    line("pod", "none until the queue lets the job start".into());
                }
                None => line("pod", "none yet".into()),
            }
        }
        Some(pod) => {
            let mut phase = pod
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_else(|| "Unknown".into());
            if let PodView::Stuck { reason, .. } = pod_state::view(pod, AGENT_CONTAINER) {
                phase.push_str(&format!(", cannot start: {reason}"));
            }
            line(
                "pod",
                format!("{} ({phase})", pod.metadata.name.as_deref().unwrap_or("?")),
            );
            let status = pod.status.as_ref();
            for cs in status
                .iter()
                .flat_map(|s| s.container_statuses.iter().flatten())
            {
                out.push_str(&format!(
                    "  {:<10} {}\n",
                    cs.name,
                    container_line(cs, false)
                ));
            }
            for cs in status
                .iter()
                .flat_map(|s| s.init_container_statuses.iter().flatten())
            {
                out.push_str(&format!("  {:<10} {}\n", cs.name, container_line(cs, true)));
            }
            stuck = matches!(pod_state::view(pod, AGENT_CONTAINER), PodView::Stuck { .. });
        }
    }
    if let Some(receipt) = crate::receipt::of_pods(&pods) {
        for (i, l) in crate::receipt::describe(&receipt).iter().enumerate() {
            let key = if i == 0 { "receipt" } else { "" };
            out.push_str(&format!("{key:<11}{l}\n"));
        }
    }
    let warnings: Vec<_> = events
        .iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .collect();
    if !warnings.is_empty() {
        out.push_str("warnings\n");
        for e in warnings.iter().rev().take(5).rev() {
            let when = e
                .last_timestamp
                .as_ref()
                .map(|t| t.0)
                .or_else(|| e.event_time.as_ref().map(|t| t.0))
                .and_then(|t| u64::try_from(now.as_second() - t.as_second()).ok())
                .map(|s| format!("{} ago", format_age(std::time::Duration::from_secs(s))))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {:<8} {} {}\n",
                when,
                e.reason.as_deref().unwrap_or(""),
                cut(e.message.as_deref().unwrap_or(""), 120)
            ));
        }
    }
    let nsf = ctx.ns_flag();
    let next = match state {
        _ if stuck => {
            format!("claude-sandbox cancel {name}{nsf}   (it cannot start; fix the cause first)")
        }
        JobState::Queued => {
            format!("claude-sandbox logs {name}{nsf}   (waits until the queue lets it start)")
        }
        JobState::Pending | JobState::Running => format!("claude-sandbox logs {name}{nsf}"),
        JobState::Succeeded => {
            format!("claude-sandbox logs {name}{nsf} --no-follow   (then: claude-sandbox clean)")
        }
        JobState::Failed => format!("claude-sandbox logs {name}{nsf} --no-follow"),
    };
    out.push_str(&format!("{:<11}{next}\n", "next"));
    Ok(out)
}

fn container_line(cs: &ContainerStatus, sidecar: bool) -> String {
    let kind = if sidecar { "sidecar, " } else { "" };
    let ready = if cs.ready { "ready" } else { "not ready" };
    let Some(state) = &cs.state else {
        return format!("{kind}unknown");
    };
    if let Some(w) = &state.waiting {
        let msg = w
            .message
            .as_deref()
            .map(|m| format!(": {}", cut(m, 100)))
            .unwrap_or_default();
        return format!("{kind}waiting: {}{msg}", w.reason.as_deref().unwrap_or("?"));
    }
    if state.running.is_some() {
        return format!("{kind}running, {ready}");
    }
    if let Some(t) = &state.terminated {
        let reason = t.reason.as_deref().unwrap_or("Terminated");
        return format!("{kind}{reason}, exit code {}", t.exit_code);
    }
    format!("{kind}unknown")
}
