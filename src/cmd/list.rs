use anyhow::Result;
use k8s_openapi::api::batch::v1::Job;
use serde::Serialize;

use super::Ctx;
use crate::cli::{ListArgs, ListOutput};
use crate::cluster::jobs::{self, JobState};
use crate::cluster::{kueue, pods};
use crate::contract::Receipt;
use crate::failure::{Failure, Outcome};
use crate::job::{self, keys};
use crate::output::{cut, table};
use crate::units::format_age;

/// One job as `list -o json` prints it (stable for scripts).
#[derive(Serialize)]
pub struct JobRow {
    pub name: String,
    pub namespace: String,
    pub repo_url: Option<String>,
    pub branch: Option<String>,
    pub commit: Option<String>,
    pub status: JobState,
    pub reason: Option<String>,
    pub created: Option<String>,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub duration_seconds: Option<u64>,
    pub task: Option<String>,
    /// What the run did and cost, once the agent has ended and while the cluster keeps its pod.
    pub receipt: Option<Receipt>,
}

impl JobRow {
    pub fn from_job(j: &Job, now: jiff::Timestamp) -> Self {
        JobRow {
            name: j.metadata.name.clone().unwrap_or_default(),
            namespace: j.metadata.namespace.clone().unwrap_or_default(),
            repo_url: jobs::annotation(j, keys::REPO_URL).map(String::from),
            branch: jobs::annotation(j, keys::BRANCH_FULL).map(String::from),
            commit: jobs::annotation(j, keys::COMMIT).map(String::from),
            status: jobs::state(j),
            reason: jobs::failure_reason(j),
            created: jobs::created(j).map(|t| t.to_string()),
            started: jobs::started(j).map(|t| t.to_string()),
            finished: jobs::finished(j).map(|t| t.to_string()),
            duration_seconds: jobs::duration(j, now).map(|d| d.as_secs()),
            task: jobs::annotation(j, keys::TASK).map(String::from),
            receipt: None,
        }
    }
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<Outcome> {
    if args.archived {
        return archived(ctx, args.output);
    }
    let repo_url = match args.repo.as_deref() {
        Some(".") => Some(current_repo_url(ctx)?),
        Some(u) => Some(
            crate::repo::normalize_url(u).map_err(|e| Failure::usage(format!("--repo: {e}")))?,
        ),
        None => None,
    };
    let mut selector = Vec::new();
    if let Some(u) = &repo_url {
        selector.push(format!("{}={}", keys::REPO, job::repo_label(u)));
    }
    if let Some(b) = &args.branch {
        selector.push(format!("{}={}", keys::BRANCH, job::label_value(b)));
    }
    // Receipts live in the pods' status: one more request, only where they are shown.
    let with_receipts = matches!(args.output, ListOutput::Json | ListOutput::Wide);
    let (all, pods, queue_reasons) = super::block_on(async {
        let cluster = ctx.connect().await?;
        let all = jobs::list_managed(&cluster, &selector).await?;
        let pods = if with_receipts {
            pods::of_managed_jobs(&cluster).await
        } else {
            Ok(Vec::new())
        };
        // Kueue's reasons cost two requests, made only when a queued job is there to explain.
        let queued = all.iter().any(|j| jobs::state(j) == JobState::Queued);
        let mut queue_reasons = Default::default();
        if with_receipts
            && queued
            && let Ok(Some(version)) = kueue::served_version(&cluster).await
        {
            queue_reasons = kueue::reasons(&cluster, &version, None).await;
        }
        anyhow::Ok((all, pods, queue_reasons))
    })??;
    let pods = pods.unwrap_or_else(|e| {
        ctx.printer
            .warn(&format!("receipts are not shown: {}", e.message));
        Vec::new()
    });
    let receipt_of = |j: &Job| -> Option<Receipt> {
        let name = j.metadata.name.as_deref()?;
        let of_job: Vec<_> = pods
            .iter()
            .filter(|p| {
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("job-name"))
                    .is_some_and(|n| n == name)
            })
            .cloned()
            .collect();
        crate::receipt::of_pods(&of_job)
    };
    // Labels are shortened and sanitised; the annotations hold the exact values.
    let selected: Vec<&Job> = all
        .iter()
        .filter(|j| {
            repo_url
                .as_deref()
                .is_none_or(|u| jobs::annotation(j, keys::REPO_URL) == Some(u))
        })
        .filter(|j| {
            args.branch
                .as_deref()
                .is_none_or(|b| jobs::annotation(j, keys::BRANCH_FULL) == Some(b))
        })
        .filter(|j| {
            args.status
                .is_none_or(|s| jobs::state(j) == JobState::from(s))
        })
        .collect();
    let now = jiff::Timestamp::now();
    match args.output {
        ListOutput::Json => {
            let rows: Vec<JobRow> = selected
                .iter()
                .map(|j| {
                    let row = JobRow::from_job(j, now);
                    let queued = j
                        .metadata
                        .uid
                        .as_ref()
                        .and_then(|uid| queue_reasons.get(uid).cloned());
                    JobRow {
                        receipt: receipt_of(j),
                        reason: row.reason.clone().or(queued),
                        ..row
                    }
                })
                .collect();
            ctx.printer.out(&serde_json::to_string_pretty(&rows)?)?;
        }
        ListOutput::Name => {
            let names: Vec<String> = selected
                .iter()
                .filter_map(|j| j.metadata.name.clone())
                .collect();
            if !names.is_empty() {
                ctx.printer.out(&names.join("\n"))?;
            }
        }
        ListOutput::Table | ListOutput::Wide => {
            if selected.is_empty() {
                ctx.printer.info("no jobs found");
                return Ok(Outcome::Success);
            }
            let wide = args.output == ListOutput::Wide;
            let rows: Vec<Vec<String>> = selected
                .iter()
                .map(|j| row(j, now, wide.then(|| receipt_of(j))))
                .collect();
            let header: &[&str] = if wide {
                &[
                    "NAME", "REPO", "BRANCH", "STATUS", "AGE", "DURATION", "COMMIT", "IMAGE",
                    "COST", "PUSHED", "TASK",
                ]
            } else {
                &[
                    "NAME", "REPO", "BRANCH", "STATUS", "AGE", "DURATION", "TASK",
                ]
            };
            ctx.printer.out(&table(header, &rows))?;
        }
    }
    Ok(Outcome::Success)
}

/// One table row; `wide` carries the job's receipt, when it has one.
fn row(j: &Job, now: jiff::Timestamp, wide: Option<Option<Receipt>>) -> Vec<String> {
    let dash = || "-".to_string();
    let repo = jobs::annotation(j, keys::REPO_URL)
        .map_or_else(dash, |u| crate::repo::repo_slug(u).to_string());
    let mut cells = vec![
        j.metadata.name.clone().unwrap_or_default(),
        repo,
        jobs::annotation(j, keys::BRANCH_FULL).map_or_else(dash, String::from),
        jobs::state(j).label().to_string(),
        jobs::age(j, now).map_or_else(dash, format_age),
        jobs::duration(j, now).map_or_else(dash, format_age),
    ];
    if let Some(receipt) = &wide {
        cells.push(
            jobs::annotation(j, keys::COMMIT).map_or_else(dash, |c| c.chars().take(12).collect()),
        );
        let image = j
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .and_then(|p| p.containers.iter().find(|c| c.name == job::AGENT_CONTAINER))
            .and_then(|c| c.image.clone());
        cells.push(image.unwrap_or_else(dash));
        let receipt = receipt.as_ref();
        cells.push(receipt.and_then(crate::receipt::cost).unwrap_or_else(dash));
        cells.push(
            receipt
                .and_then(|r| r.branch.as_deref())
                .map_or_else(dash, |b| crate::text::one_line(b, 60)),
        );
    }
    let width = if wide.is_some() { 80 } else { 40 };
    cells.push(jobs::annotation(j, keys::TASK).map_or_else(dash, |t| cut(t, width)));
    cells
}

/// The normalised URL of the repository the user stands in (for `--repo .`).
pub fn current_repo_url(ctx: &Ctx) -> Result<String> {
    let git = crate::repo::open(&ctx.dir()).map_err(super::project::repo_failure)?;
    let info =
        crate::repo::inspect(&git, &Default::default()).map_err(super::project::repo_failure)?;
    Ok(info.url)
}

#[derive(Serialize)]
struct ArchivedRow {
    name: String,
    namespace: String,
    bytes: u64,
    saved: String,
    path: String,
}

/// The logs kept on this machine; `logs NAME` shows one when the cluster no longer has the job.
fn archived(ctx: &Ctx, output: ListOutput) -> Result<Outcome> {
    let entries = crate::archive::Archive::default_location()
        .map(|a| a.list())
        .unwrap_or_default();
    let rows: Vec<ArchivedRow> = entries
        .into_iter()
        .map(|e| ArchivedRow {
            saved: jiff::Timestamp::try_from(e.saved)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            name: e.job,
            namespace: e.namespace,
            bytes: e.bytes,
            path: e.path.display().to_string(),
        })
        .collect();
    match output {
        ListOutput::Json => ctx.printer.out(&serde_json::to_string_pretty(&rows)?)?,
        ListOutput::Name => {
            if !rows.is_empty() {
                let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
                ctx.printer.out(&names.join("\n"))?;
            }
        }
        ListOutput::Table | ListOutput::Wide => {
            if rows.is_empty() {
                ctx.printer.info("no saved logs");
                return Ok(Outcome::Success);
            }
            let now = jiff::Timestamp::now();
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let age = r
                        .saved
                        .parse::<jiff::Timestamp>()
                        .ok()
                        .and_then(|t| u64::try_from(now.as_second() - t.as_second()).ok())
                        .map_or("-".into(), |s| {
                            format_age(std::time::Duration::from_secs(s))
                        });
                    let mut row = vec![
                        r.name.clone(),
                        r.namespace.clone(),
                        format!("{:.1} KiB", r.bytes as f64 / 1024.0),
                        age,
                    ];
                    if output == ListOutput::Wide {
                        row.push(r.path.clone());
                    }
                    row
                })
                .collect();
            let header: &[&str] = if output == ListOutput::Wide {
                &["NAME", "NAMESPACE", "SIZE", "SAVED", "PATH"]
            } else {
                &["NAME", "NAMESPACE", "SIZE", "SAVED"]
            };
            ctx.printer.out(&table(header, &cells))?;
        }
    }
    Ok(Outcome::Success)
}
