//! Following a job: waiting for its pod, streaming the agent container, rendering what it says.
//!
//! The stream is read with timestamps so that when it drops, the reconnect asks for the log from
//! the last second seen and [`resume::Resume`] drops what was already printed: no line is lost or
//! repeated.

pub mod pod_state;
pub mod render;
pub mod resume;
pub mod sink;

use std::time::{Duration, Instant};

use futures::AsyncBufReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::LogParams;

use crate::cluster::errors::{is_not_found, is_timeout, is_transient};
use crate::cluster::jobs::{self, JobState};
use crate::cluster::{Cluster, kueue, pods, retry};
use crate::failure::Failure;
use pod_state::PodView;
use resume::Resume;
pub use sink::Sink;

/// How a followed job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Succeeded,
    Failed(String),
    /// The pod cannot start (image pull error, unschedulable …); the job is still there.
    Stuck {
        reason: String,
        message: String,
    },
    Deleted,
    /// `--no-follow` printed what there was while the job still runs.
    StillRunning,
}

pub struct Options {
    pub container: String,
    pub follow: bool,
    /// Called with a short status while waiting (spinner text); not called once streaming starts.
    pub on_wait: Box<dyn FnMut(&str) + Send>,
}

/// How often to look at the pod while it starts: quick at first, then gentler on the API server.
fn poll_interval(since: Instant) -> Duration {
    if since.elapsed() < Duration::from_secs(10) {
        Duration::from_millis(250)
    } else {
        Duration::from_secs(1)
    }
}

pub async fn follow(
    cluster: &Cluster,
    job_name: &str,
    opts: &mut Options,
    sink: &mut dyn Sink,
) -> anyhow::Result<Ending> {
    let started = Instant::now();
    let mut queue = kueue::Watch::default();
    let mut resume = Resume::default();
    let mut stream_failures = 0u32;
    // Whether the log of a finished container has been read to its end once more (see below).
    let mut drained = false;

    loop {
        let pod = match current_pod(cluster, job_name, &mut queue).await? {
            PodOrEnd::Pod(p) => p,
            PodOrEnd::End(e) => return Ok(e),
            PodOrEnd::NoPodYet(why) => {
                if !opts.follow {
                    return Err(
                        Failure::new(format!("job {job_name} has no pod yet ({why})"))
                            .hint(format!("follow it with `claude-sandbox logs {job_name}`"))
                            .into(),
                    );
                }
                (opts.on_wait)(&why);
                tokio::time::sleep(poll_interval(started)).await;
                continue;
            }
        };
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        match pod_state::view(&pod, &opts.container) {
            PodView::Waiting(why) => {
                if !opts.follow {
                    return Err(Failure::new(format!(
                        "the {} container has not started yet ({why})",
                        opts.container
                    ))
                    .hint(format!("follow it with `claude-sandbox logs {job_name}`"))
                    .into());
                }
                (opts.on_wait)(&why);
                tokio::time::sleep(poll_interval(started)).await;
                continue;
            }
            PodView::Stuck {
                container,
                reason,
                message,
            } => {
                let message = if message.is_empty() && reason == "Unschedulable" {
                    pods::scheduling_message(cluster, &pod_name)
                        .await
                        .unwrap_or_default()
                } else {
                    message
                };
                let reason = match container {
                    Some(c) if c != opts.container => format!("{reason} ({c})"),
                    _ => reason,
                };
                return Ok(Ending::Stuck { reason, message });
            }
            PodView::Running | PodView::Terminated { .. } => {}
        }

        let since_time = resume
            .since_time()
            .and_then(|s| s.parse::<jiff::Timestamp>().ok());
        let params = LogParams {
            container: Some(opts.container.clone()),
            follow: opts.follow,
            timestamps: true,
            since_time,
            ..Default::default()
        };
        resume.reconnect();
        let outcome = tokio::select! {
            outcome = stream_once(cluster, &pod_name, &params, &mut resume, sink) => outcome,
            // Some kubelets keep a follow stream open after the container has exited; the read
            // below (from the last line printed) then collects whatever the stream held back.
            () = container_ended(cluster, &pod_name, &opts.container), if opts.follow => Ok(()),
        };
        sink.flush()?;
        match outcome {
            Ok(()) => stream_failures = 0,
            Err(e) if is_not_found(&e) => {}
            // The connection broke mid-stream: what was complete is printed; ask again from there.
            Err(kube::Error::ReadEvents(_)) => {}
            // A reconnect that timed out is one more passing failure of a long follow, bounded
            // by the count below; elsewhere a timeout is reported at once.
            Err(e) if is_transient(&e) || is_timeout(&e) || is_waiting_to_start(&e) => {
                stream_failures += 1;
                if stream_failures > 8 {
                    return Err(cluster
                        .failure(e, "read", "pods/log", Some(&pod_name))
                        .into());
                }
                tokio::time::sleep(retry::backoff(stream_failures.min(4))).await;
            }
            Err(e) => {
                return Err(cluster
                    .failure(e, "read", "pods/log", Some(&pod_name))
                    .into());
            }
        }

        // The stream ended: either the container finished, or the connection dropped.
        let pod = match pods::find(cluster, &pod_name).await? {
            Some(p) => p,
            None => match current_pod(cluster, job_name, &mut queue).await? {
                PodOrEnd::End(e) => return Ok(e),
                _ => continue,
            },
        };
        let view = pod_state::view(&pod, &opts.container);
        // A stream that dropped just as the container ended may have stopped short of the last
        // lines; read what follows the last printed line once more before reporting the end.
        if opts.follow && !drained && matches!(view, PodView::Terminated { .. }) {
            drained = true;
            let params = LogParams {
                container: Some(opts.container.clone()),
                timestamps: true,
                since_time: resume
                    .since_time()
                    .and_then(|s| s.parse::<jiff::Timestamp>().ok()),
                ..Default::default()
            };
            resume.reconnect();
            let rest = stream_once(cluster, &pod_name, &params, &mut resume, sink).await;
            sink.flush()?;
            if rest.is_err() {
                // Go round again: a finished container's follow stream ends by itself.
                tokio::time::sleep(retry::backoff(1)).await;
                continue;
            }
        }
        match view {
            PodView::Terminated { exit_code: 0, .. } => return Ok(Ending::Succeeded),
            PodView::Terminated { exit_code, reason } => {
                // A deadline or a cancel kills the agent too; then the Job says what happened.
                match jobs::find(cluster, job_name).await {
                    Ok(None) => return Ok(Ending::Deleted),
                    Ok(Some(job)) if jobs::state(&job) == JobState::Failed => {
                        if let Some(r) = jobs::failure_reason(&job)
                            .filter(|r| !r.starts_with("BackoffLimitExceeded"))
                        {
                            return Ok(Ending::Failed(r));
                        }
                    }
                    _ => {}
                }
                let why = match reason.as_deref() {
                    Some("OOMKilled") => {
                        "killed for running out of memory (OOMKilled); try --memory".to_string()
                    }
                    Some(r) if r != "Error" && r != "Completed" => {
                        format!("{r} (exit code {exit_code})")
                    }
                    _ => format!("the agent exited with code {exit_code}"),
                };
                return Ok(Ending::Failed(why));
            }
            _ if !opts.follow => return Ok(Ending::StillRunning),
            _ => continue,
        }
    }
}

async fn stream_once(
    cluster: &Cluster,
    pod: &str,
    params: &LogParams,
    resume: &mut Resume,
    sink: &mut dyn Sink,
) -> Result<(), kube::Error> {
    let reader = pods::log(cluster, pod, params).await?;
    let mut reader = Box::pin(reader);
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let chunk = match reader.fill_buf().await {
            Ok(c) => c,
            // A dropped connection: what was complete is printed; the partial line is asked for again.
            Err(e) => return Err(kube::Error::ReadEvents(e)),
        };
        if chunk.is_empty() {
            break;
        }
        let len = chunk.len();
        let mut start = 0;
        while let Some(pos) = chunk[start..].iter().position(|b| *b == b'\n') {
            let end = start + pos;
            if partial.is_empty() {
                emit(&chunk[start..end], resume, sink);
            } else {
                partial.extend_from_slice(&chunk[start..end]);
                emit(&partial, resume, sink);
                partial.clear();
            }
            start = end + 1;
        }
        partial.extend_from_slice(&chunk[start..]);
        reader.consume_unpin(len);
        if sink.flush().is_err() {
            // stdout is gone (a closed pipe); stop reading, the caller sees it on its next write.
            return Ok(());
        }
    }
    if !partial.is_empty() && !params.follow {
        emit(&partial, resume, sink);
    }
    Ok(())
}

/// Returns once `container` in `pod` has terminated (never, while it runs or cannot be read).
async fn container_ended(cluster: &Cluster, pod: &str, container: &str) {
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if let Ok(Some(p)) = pods::find(cluster, pod).await
            && matches!(pod_state::view(&p, container), PodView::Terminated { .. })
        {
            return;
        }
    }
}

fn emit(bytes: &[u8], resume: &mut Resume, sink: &mut dyn Sink) {
    let line = String::from_utf8_lossy(bytes);
    let line = line.strip_suffix('\r').unwrap_or(&line);
    if let Some(text) = resume.accept_line(line) {
        sink.line(text);
    }
}

fn is_waiting_to_start(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 400 && (s.message.contains("waiting to start") || s.message.contains("ContainerCreating") || s.message.contains("PodInitializing")))
}

enum PodOrEnd {
    Pod(Box<Pod>),
    NoPodYet(String),
    End(Ending),
}

/// The job's newest pod, or how the job ended when it has none.
async fn current_pod(
    cluster: &Cluster,
    job_name: &str,
    queue: &mut kueue::Watch,
) -> anyhow::Result<PodOrEnd> {
    if let Some(p) = pods::of_job(cluster, job_name).await?.into_iter().next() {
        return Ok(PodOrEnd::Pod(Box::new(p)));
    }
    Ok(match jobs::find(cluster, job_name).await? {
        None => PodOrEnd::End(Ending::Deleted),
        Some(job) => match jobs::state(&job) {
            JobState::Failed => PodOrEnd::End(Ending::Failed(
                jobs::failure_reason(&job).unwrap_or_else(|| "the job failed".into()),
            )),
            JobState::Succeeded => PodOrEnd::End(Ending::Succeeded),
            // Waiting for the queue is not stuck: the pod comes once the job is let in.
            JobState::Queued => PodOrEnd::NoPodYet(queue.describe(cluster, &job).await),
            _ => match pods::refused(cluster, job_name).await {
                Some(message) => PodOrEnd::End(Ending::Stuck {
                    reason: "FailedCreate".into(),
                    message,
                }),
                None => PodOrEnd::NoPodYet("waiting for the pod to be created".into()),
            },
        },
    })
}

/// Wait for the job to end without streaming its log (`remote --wait`).
pub async fn wait(
    cluster: &Cluster,
    job_name: &str,
    on_wait: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<Ending> {
    let started = Instant::now();
    let mut queue = kueue::Watch::default();
    loop {
        let Some(job) = jobs::find(cluster, job_name).await? else {
            return Ok(Ending::Deleted);
        };
        match jobs::state(&job) {
            JobState::Succeeded => return Ok(Ending::Succeeded),
            JobState::Failed => {
                return Ok(Ending::Failed(
                    jobs::failure_reason(&job).unwrap_or_else(|| "the job failed".into()),
                ));
            }
            _ => {}
        }
        match current_pod(cluster, job_name, &mut queue).await? {
            PodOrEnd::Pod(pod) => match pod_state::view(&pod, crate::job::AGENT_CONTAINER) {
                PodView::Stuck {
                    reason, message, ..
                } => return Ok(Ending::Stuck { reason, message }),
                PodView::Waiting(why) => on_wait(&why),
                PodView::Running => on_wait("running"),
                PodView::Terminated { .. } => on_wait("finishing"),
            },
            PodOrEnd::End(ending) => return Ok(ending),
            PodOrEnd::NoPodYet(why) => on_wait(&why),
        }
        tokio::time::sleep(poll_interval(started)).await;
    }
}
