//! Jobs made by this tool: finding, listing (paginated, by label), creating and deleting them, and
//! reading their state from the Job's own status and conditions (the API server cannot select by
//! `status.failed`).

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use kube::Api;
use kube::api::{DeleteParams, ListParams, PostParams};
use serde::Serialize;

use super::{Cluster, errors, retry};
use crate::failure::Failure;
use crate::job::keys;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Suspended with no pod: waiting for a queue (Kueue) to let it start.
    Queued,
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobState::Queued => "Queued",
            JobState::Pending => "Pending",
            JobState::Running => "Running",
            JobState::Succeeded => "Succeeded",
            JobState::Failed => "Failed",
        }
    }
}

fn condition_true<'a>(
    job: &'a Job,
    kinds: &[&str],
) -> Option<&'a k8s_openapi::api::batch::v1::JobCondition> {
    job.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| kinds.contains(&c.type_.as_str()) && c.status == "True")
}

pub fn state(job: &Job) -> JobState {
    // SuccessCriteriaMet and FailureTarget (1.31+) come before Complete/Failed; the outcome is
    // already decided when they appear.
    if condition_true(job, &["Failed", "FailureTarget"]).is_some() {
        return JobState::Failed;
    }
    if condition_true(job, &["Complete", "SuccessCriteriaMet"]).is_some() {
        return JobState::Succeeded;
    }
    let status = job.status.as_ref();
    if status.and_then(|s| s.failed).unwrap_or(0) > 0 {
        return JobState::Failed;
    }
    if status.and_then(|s| s.succeeded).unwrap_or(0) > 0 {
        return JobState::Succeeded;
    }
    let ready = status.and_then(|s| s.ready).unwrap_or(0);
    let active = status.and_then(|s| s.active).unwrap_or(0);
    // A job suspended while it ran keeps its pods counted as active until they are gone; only
    // then is it back in the queue.
    if is_suspended(job) && active == 0 {
        return JobState::Queued;
    }
    if ready > 0
        || (active > 0
            && status.and_then(|s| s.start_time.as_ref()).is_some()
            && status.and_then(|s| s.ready).is_none())
    {
        JobState::Running
    } else {
        JobState::Pending
    }
}

/// Whether the job is held back: its spec says so, or the controller's Suspended condition does
/// (the condition stays until the controller has seen the job resumed).
pub fn is_suspended(job: &Job) -> bool {
    job.spec.as_ref().and_then(|s| s.suspend).unwrap_or(false)
        || condition_true(job, &["Suspended"]).is_some()
}

/// Why a failed job failed, in the Job's own words (`DeadlineExceeded`, `BackoffLimitExceeded`).
pub fn failure_reason(job: &Job) -> Option<String> {
    let c = condition_true(job, &["Failed", "FailureTarget"])?;
    match (&c.reason, &c.message) {
        (Some(r), Some(m)) if !m.is_empty() => Some(format!("{r}: {m}")),
        (Some(r), _) => Some(r.clone()),
        (None, Some(m)) => Some(m.clone()),
        (None, None) => None,
    }
}

pub fn annotation<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

pub fn label<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

pub fn is_managed(job: &Job) -> bool {
    label(job, keys::MANAGED_BY) == Some(keys::MANAGED_BY_VALUE)
}

pub fn created(job: &Job) -> Option<jiff::Timestamp> {
    job.metadata.creation_timestamp.as_ref().map(|t| t.0)
}

pub fn finished(job: &Job) -> Option<jiff::Timestamp> {
    let status = job.status.as_ref()?;
    if let Some(t) = &status.completion_time {
        return Some(t.0);
    }
    // Failed jobs have no completionTime; the Failed condition's transition time is when it ended.
    condition_true(job, &["Failed", "FailureTarget"])
        .and_then(|c| c.last_transition_time.as_ref())
        .map(|t| t.0)
}

pub fn started(job: &Job) -> Option<jiff::Timestamp> {
    job.status.as_ref()?.start_time.as_ref().map(|t| t.0)
}

/// How long a job has run: start to finish, or start to now while it runs.
pub fn duration(job: &Job, now: jiff::Timestamp) -> Option<Duration> {
    let start = started(job)?;
    let end = finished(job).unwrap_or(now);
    let secs = end.as_second() - start.as_second();
    u64::try_from(secs).ok().map(Duration::from_secs)
}

pub fn age(job: &Job, now: jiff::Timestamp) -> Option<Duration> {
    let c = created(job)?;
    u64::try_from(now.as_second() - c.as_second())
        .ok()
        .map(Duration::from_secs)
}

/// One job by name, or None when the cluster has no such job.
pub async fn find(cluster: &Cluster, name: &str) -> Result<Option<Job>, Failure> {
    let api: Api<Job> = cluster.api();
    retry::idempotent(|| api.get_opt(name))
        .await
        .map_err(|e| cluster.failure(e, "get", "jobs", Some(name)))
}

/// One job by name; a failure worded for the user when it is not there.
pub async fn get(cluster: &Cluster, name: &str) -> Result<Job, Failure> {
    // `status ""` or `logs "my job"` would otherwise fail inside kube as a request it cannot
    // build; a name that cannot exist is a usage error, not a cluster problem.
    errors::check_name("job", name)?;
    let api: Api<Job> = cluster.api();
    retry::idempotent(|| api.get(name))
        .await
        .map_err(|e| cluster.failure(e, "get", "jobs", Some(name)))
}

/// Every job this tool made in the namespace that matches `extra_selector`, newest first.
/// Pages through the list so thousands of jobs do not arrive in one giant response.
pub async fn list_managed(
    cluster: &Cluster,
    extra_selector: &[String],
) -> Result<Vec<Job>, Failure> {
    let api: Api<Job> = cluster.api();
    let mut selector = vec![keys::SELECTOR.to_string()];
    selector.extend(extra_selector.iter().cloned());
    let selector = selector.join(",");
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut lp = ListParams::default().labels(&selector).limit(500);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let page = retry::idempotent(|| api.list(&lp))
            .await
            .map_err(|e| cluster.failure(e, "list", "jobs", None))?;
        token = page.metadata.continue_.clone().filter(|t| !t.is_empty());
        out.extend(page.items);
        if token.is_none() {
            break;
        }
    }
    out.sort_by(|a, b| {
        created(b)
            .cmp(&created(a))
            .then_with(|| b.metadata.name.cmp(&a.metadata.name))
    });
    Ok(out)
}

/// How many names one completion asks for: one page, so a namespace with thousands of jobs
/// still answers in a single short request.
pub const RECENT_LIMIT: u32 = 500;

/// The names of this tool's jobs, newest first, from one metadata-only request without retries:
/// for shell completion, where a quick answer or none beats a complete one. Names that are not
/// valid object names (a hostile or broken server) are left out.
pub async fn recent_names(cluster: &Cluster) -> Result<Vec<String>, Failure> {
    let api: Api<Job> = cluster.api();
    let lp = ListParams::default()
        .labels(keys::SELECTOR)
        .limit(RECENT_LIMIT);
    let list = api
        .list_metadata(&lp)
        .await
        .map_err(|e| cluster.failure(e, "list", "jobs", None))?;
    let mut jobs: Vec<(Option<jiff::Timestamp>, String)> = list
        .items
        .into_iter()
        .filter_map(|j| {
            let created = j.metadata.creation_timestamp.map(|t| t.0);
            j.metadata.name.map(|n| (created, n))
        })
        .filter(|(_, n)| errors::is_valid_name(n))
        .collect();
    jobs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    Ok(jobs.into_iter().map(|(_, n)| n).collect())
}

/// Delete a job and, through Background propagation, its pods: the API's default for Jobs
/// orphans the pods, which would keep the agent running.
pub async fn delete(cluster: &Cluster, name: &str) -> Result<(), DeleteFailure> {
    let api: Api<Job> = cluster.api();
    api.delete(name, &DeleteParams::background())
        .await
        .map(|_| ())
        .map_err(|e| DeleteFailure {
            forbidden: matches!(&e, kube::Error::Api(s) if s.code == 403),
            failure: cluster.failure(e, "delete", "jobs", Some(name)),
        })
}

/// A delete that failed, and whether the user lacks the right to delete jobs at all (then every
/// other delete in the namespace fails the same way).
#[derive(Debug)]
pub struct DeleteFailure {
    pub failure: Failure,
    pub forbidden: bool,
}

impl From<DeleteFailure> for Failure {
    fn from(d: DeleteFailure) -> Self {
        d.failure
    }
}

/// A created job, and what happened on the way for `-v` to show.
pub struct Created {
    pub job: Job,
    pub notes: Vec<String>,
}

/// Create the job, marked with a uid made for this submission. A create whose answer was lost
/// (dropped, timed out, a 5xx after the job was stored, or kube's own re-send told the name is
/// taken) is looked up by name and taken as done only when the job there carries that uid, so a
/// flaky connection never yields two jobs, nor a failure reported for a job that runs.
pub async fn create(cluster: &Cluster, manifest: &Job) -> Result<Created, Failure> {
    let api: Api<Job> = cluster.api();
    let name = manifest.metadata.name.clone().unwrap_or_default();
    let submission = submission_uid();
    let mut manifest = manifest.clone();
    manifest
        .metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert(keys::SUBMISSION.into(), submission.clone());
    let params = PostParams {
        field_manager: Some("claude-sandbox".into()),
        ..Default::default()
    };
    let mut notes = Vec::new();
    let mut attempt = 0;
    loop {
        match api.create(&params, &manifest).await {
            Ok(job) => return Ok(Created { job, notes }),
            Err(e) if is_conflict(&e) => {
                return match ours(&api, &name, &submission).await {
                    Some(job) => {
                        notes.push(
                            "the cluster stored the job but its answer was lost; carrying on with it"
                                .to_string(),
                        );
                        Ok(Created { job, notes })
                    }
                    None => Err(cluster.failure(e, "create", "jobs", Some(&name))),
                };
            }
            Err(e) if (errors::is_transient(&e) || errors::is_timeout(&e)) && attempt < 3 => {
                notes.push(format!(
                    "creating the job failed ({}); checking whether it exists",
                    errors::short(&e)
                ));
                tokio::time::sleep(retry::backoff(attempt)).await;
                attempt += 1;
                if let Some(job) = ours(&api, &name, &submission).await {
                    return Ok(Created { job, notes });
                }
            }
            Err(e) => return Err(cluster.failure(e, "create", "jobs", Some(&name))),
        }
    }
}

fn is_conflict(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(s) if s.code == 409)
}

/// The job of that name, if it is the one this submission created.
async fn ours(api: &Api<Job>, name: &str, submission: &str) -> Option<Job> {
    let job = retry::idempotent(|| api.get_opt(name)).await.ok()??;
    (annotation(&job, keys::SUBMISSION) == Some(submission)).then_some(job)
}

/// 128 bits from the standard library's randomly seeded hashers, the clock and the process id:
/// unique per submission, which is all the mark needs (it guards against no attacker).
fn submission_uid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let half = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(now);
        h.write_u32(std::process::id());
        h.write_u64(salt);
        h.finish()
    };
    format!("{:016x}{:016x}", half(1), half(2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::{JobCondition, JobStatus};

    fn with(status: JobStatus) -> Job {
        Job {
            status: Some(status),
            ..Default::default()
        }
    }

    fn cond(kind: &str, reason: &str) -> JobCondition {
        JobCondition {
            type_: kind.into(),
            status: "True".into(),
            reason: Some(reason.into()),
            ..Default::default()
        }
    }

    #[test]
    fn state_comes_from_conditions_first() {
        let failed = with(JobStatus {
            conditions: Some(vec![cond("Failed", "DeadlineExceeded")]),
            active: Some(1),
            ..Default::default()
        });
        assert_eq!(state(&failed), JobState::Failed);
        assert_eq!(failure_reason(&failed).as_deref(), Some("DeadlineExceeded"));
        let done = with(JobStatus {
            conditions: Some(vec![cond("SuccessCriteriaMet", "CompletionsReached")]),
            ..Default::default()
        });
        assert_eq!(state(&done), JobState::Succeeded);
    }

    #[test]
    fn a_suspended_job_without_pods_is_queued() {
        let mut job = with(JobStatus::default());
        job.spec = Some(k8s_openapi::api::batch::v1::JobSpec {
            suspend: Some(true),
            ..Default::default()
        });
        assert_eq!(state(&job), JobState::Queued);
        // Its pods are still being stopped: not back in the queue yet.
        job.status = Some(JobStatus {
            active: Some(1),
            ready: Some(1),
            ..Default::default()
        });
        assert_eq!(state(&job), JobState::Running);
        // Resumed, but the controller has not yet cleared its condition.
        let held = with(JobStatus {
            conditions: Some(vec![cond("Suspended", "JobSuspended")]),
            ..Default::default()
        });
        assert_eq!(state(&held), JobState::Queued);
        let ended = with(JobStatus {
            conditions: Some(vec![cond("Suspended", "JobSuspended"), cond("Failed", "x")]),
            ..Default::default()
        });
        assert_eq!(state(&ended), JobState::Failed);
    }

    #[test]
    fn submission_uids_differ() {
        let a = submission_uid();
        assert_eq!(a.len(), 32);
        assert_ne!(a, submission_uid());
    }

    #[test]
    fn running_needs_a_ready_pod() {
        let pending = with(JobStatus {
            active: Some(1),
            ready: Some(0),
            ..Default::default()
        });
        assert_eq!(state(&pending), JobState::Pending);
        let running = with(JobStatus {
            active: Some(1),
            ready: Some(1),
            ..Default::default()
        });
        assert_eq!(state(&running), JobState::Running);
        assert_eq!(state(&Job::default()), JobState::Pending);
    }
}
