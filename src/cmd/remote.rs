use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, Result};
use k8s_openapi::api::batch::v1::Job;

use super::{Ctx, project};
use crate::cli::{AgentArgs, RemoteArgs, RemoteOutput, SourceArgs, TaskArgs};
use crate::cluster::secrets::{self, Credentials};
use crate::cluster::{Cluster, jobs, kueue, server};
use crate::detect::Service;
use crate::failure::{Failure, Outcome};
use crate::job::{self, JobPlan};
use crate::repo::RepoError;
use crate::settings::{Flags, Settings};

pub fn run(ctx: &Ctx, args: RemoteArgs) -> Result<Outcome> {
    let task = read_task(ctx, &args.task)?;
    let settings = ctx.settings(&Flags {
        secret: args.secret.clone(),
        ttl: args.ttl,
        pr: args.pr,
        no_draft: args.no_draft,
        queue: args.queue.clone(),
        ..job_flags(&args.source, &args.agent, ctx.flags())
    })?;
    let src = project::resolve(ctx, &args.source, &settings)?;
    if src.repo.branch.is_none() {
        return Err(project::repo_failure(RepoError::Detached));
    }
    project::warn_about_sync(ctx, &src.repo);
    let pull_request = pull_request(&settings, &src.repo.url)?;
    let plan = JobPlan {
        pull_request,
        ..build_plan(&settings, task, &src)
    };
    let manifest = job::render(&load_template(ctx, &src.repo.root)?, &plan);

    if args.dry_run {
        let text = match args.output.unwrap_or(RemoteOutput::Yaml) {
            RemoteOutput::Yaml => job::to_yaml(&manifest).context("writing the Job as YAML")?,
            RemoteOutput::Json => job::to_json(&manifest),
            RemoteOutput::Name => plan.name.clone(),
        };
        ctx.printer.out(&text)?;
        return Ok(Outcome::Success);
    }
    let name = plan.name.clone();
    let created = super::block_on(submit(ctx, manifest, &plan.secret, plan.queue.as_deref()))??;
    let ns = ctx.ns_flag();
    let queued = plan
        .queue
        .as_deref()
        .map(|q| format!(", to wait in queue {q}"))
        .unwrap_or_default();
    match args.output {
        Some(RemoteOutput::Name) => ctx.printer.out(&name)?,
        Some(RemoteOutput::Yaml) => ctx
            .printer
            .out(&job::to_yaml(&created.job).context("writing the Job as YAML")?)?,
        Some(RemoteOutput::Json) => ctx.printer.out(&job::to_json(&created.job))?,
        None if args.follow || args.wait => ctx
            .printer
            .info(&format!(
                "job {name} submitted to namespace {}{queued}",
                created.namespace
            )),
        None if ctx.printer.quiet() => ctx.printer.out(&name)?,
        None => ctx.printer.out(&format!(
            "job {name} submitted to namespace {}{queued}\n  follow:  claude-sandbox logs {name}{ns}\n  status:  claude-sandbox status {name}{ns}\n  cancel:  claude-sandbox cancel {name}{ns}",
            created.namespace
        ))?,
    }
    if args.follow {
        return super::logs::follow_job(
            ctx,
            &created.cluster,
            &name,
            job::AGENT_CONTAINER,
            args.raw,
            args.timeout,
        );
    }
    if args.wait {
        let cluster = created.cluster.clone();
        let (spinner, mut on_wait) = super::wait_reporter(ctx, &name);
        let outcome = super::supervise(ctx, &name, args.timeout, async move {
            crate::follow::wait(&cluster, &plan.name, &mut on_wait).await
        });
        if let Some(s) = spinner {
            s.finish_and_clear();
        }
        return outcome;
    }
    Ok(Outcome::Success)
}

struct Submitted {
    cluster: Cluster,
    namespace: String,
    job: Job,
}

/// Check what the job needs, then create it. Nothing is created unless every check passes.
async fn submit(
    ctx: &Ctx,
    mut manifest: Job,
    secret: &str,
    queue: Option<&str>,
) -> Result<Submitted> {
    let cluster = ctx.connect().await?;
    let ns = cluster.namespace.clone();
    manifest.metadata.namespace = Some(ns.clone());

    // The credential holder is a native sidecar in every job, services or not.
    server::require_native_sidecars(&cluster).await?;
    match secrets::check_credentials(&cluster, secret).await? {
        Credentials::Complete => {}
        Credentials::Unchecked => ctx.printer.warn(&format!(
            "you may not read secrets in namespace {ns}, so the credentials in {secret} were not checked"
        )),
    }
    if let Some(queue) = queue {
        warn_without_kueue(ctx, &cluster, queue).await;
    }
    let created = jobs::create(&cluster, &manifest).await?;
    for note in &created.notes {
        ctx.printer.debug(1, note);
    }
    Ok(Submitted {
        cluster,
        namespace: ns,
        job: created.job,
    })
}

/// A queued job waits for Kueue to resume it; on a cluster without Kueue it waits forever. One
/// discovery request tells; when it fails nothing is said, since the job may well be fine.
async fn warn_without_kueue(ctx: &Ctx, cluster: &Cluster, queue: &str) {
    if let Ok(None) = kueue::served_version(cluster).await {
        ctx.printer.warn(&format!(
            "the cluster does not serve Kueue's API ({}), so nothing may let the job out of queue {queue}: it is created suspended and stays so until something resumes it",
            kueue::GROUP
        ));
        ctx.printer
            .hint("install Kueue in the cluster, or submit without --queue (--queue \"\" overrides a configured queue)");
    }
}

/// The team's template when there is one: the repository's before the user's, else the built-in.
pub(super) fn load_template(ctx: &Ctx, repo_root: &Path) -> Result<Job> {
    let candidates = [
        Some(repo_root.join(".claude-sandbox").join("job.yaml")),
        crate::config::user_config_dir().map(|d| d.join("job.yaml")),
    ];
    for path in candidates.into_iter().flatten() {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(Failure::new(format!(
                    "cannot read the job template {}: {}",
                    path.display(),
                    io_reason(&e)
                ))
                .into());
            }
        };
        ctx.printer
            .debug(1, &format!("job template: {}", path.display()));
        return job::parse_template(&text, &path.display().to_string()).map_err(|e| {
            Failure::new(e.to_string())
                .hint("the template must be a batch/v1 Job; the tool fills in name, image, env and services")
                .into()
        });
    }
    Ok(job::embedded_template())
}

pub(super) fn build_plan(settings: &Settings, task: String, src: &project::Project) -> JobPlan {
    JobPlan {
        name: job::job_name(
            crate::repo::repo_name(&src.repo.url),
            jiff::Timestamp::now(),
            &job::random_suffix(),
        ),
        namespace: settings.namespace.value.clone(),
        task,
        repo_url: src.repo.url.clone(),
        branch: src.repo.branch.clone().unwrap_or_default(),
        commit: src.repo.commit.clone(),
        image: src.image.clone(),
        postgres: src.services.has(Service::Postgres),
        postgis: src.services.postgis,
        redis: src.services.has(Service::Redis),
        sidecar_images: settings.sidecar_images(),
        resources: settings.resources(),
        storage: settings.storage(),
        env: settings.agent_env(),
        secret: settings.secret.value.clone(),
        // Both were checked when resolved: the TTL fits an i32, the deadline is above zero.
        ttl_seconds: i32::try_from(settings.ttl.value.as_secs()).unwrap_or(i32::MAX),
        deadline_seconds: i64::try_from(settings.deadline.value.as_secs()).unwrap_or(i64::MAX),
        cli_version: env!("CARGO_PKG_VERSION").into(),
        anthropic_api: settings.anthropic_api.value.clone(),
        holder_image: settings.holder_image.value.clone(),
        image_pull_secrets: settings.image_pull_secrets.value.clone(),
        node_selector: settings
            .node_selector
            .iter()
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect(),
        tolerations: settings.tolerations.value.clone(),
        pull_request: None,
        queue: settings.queue.value.clone(),
    }
}

/// The pull request asked for, with the API it goes through: the user's `github_api`, else the
/// API of the repository's own host, which already receives the token from git. A remote that is
/// not `https://HOST/OWNER/REPO` cannot have one, so that is refused before anything is created.
fn pull_request(settings: &Settings, repo_url: &str) -> Result<Option<job::PullRequest>, Failure> {
    if !settings.pr.value {
        return Ok(None);
    }
    let Some(repo) = crate::github::repository(repo_url) else {
        return Err(Failure::new(format!(
            "cannot open a pull request for {repo_url}: it is not a GitHub repository address (https://HOST/OWNER/REPO)"
        ))
        .hint("leave out --pr (or set pr = false) for this repository, or give --repo-url the repository's GitHub address"));
    };
    let api = match settings.github_api.value.trim() {
        "" => crate::github::api_base(&repo),
        chosen => chosen.trim_end_matches('/').to_owned(),
    };
    Ok(Some(job::PullRequest {
        api,
        draft: settings.pr_draft.value,
    }))
}

/// The settings' flags every command that runs the agent shares (`remote`, `local`).
pub(super) fn job_flags(source: &SourceArgs, agent: &AgentArgs, base: Flags) -> Flags {
    Flags {
        image: source.image.clone(),
        services: source.services.clone(),
        cpu: agent.cpu.clone(),
        memory: agent.memory.clone(),
        deadline: agent.deadline,
        env: agent.env.clone(),
        max_turns: agent.max_turns,
        max_budget_usd: agent.max_budget_usd,
        ..base
    }
}

/// The task from its argument, `--task-file FILE` or standard input (`-`); shared with `local`.
pub(super) fn read_task(ctx: &Ctx, args: &TaskArgs) -> Result<String> {
    let task = match (&args.task, args.task_file.as_deref()) {
        (Some(t), _) => t.clone(),
        (None, Some(path)) if path == Path::new("-") => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                ctx.printer.info("Type the task, then press Ctrl-D:");
            }
            let buf = read_bounded(stdin.lock(), None)
                .context("reading the task from standard input")??;
            String::from_utf8(buf)
                .map_err(|_| Failure::new("the task on standard input is not UTF-8 text"))?
        }
        (None, Some(path)) => {
            let cannot_read = |e: std::io::Error| {
                Failure::new(format!(
                    "cannot read the task file {}: {}",
                    path.display(),
                    io_reason(&e)
                ))
                .hint("--task-file takes a readable text file, or - for standard input")
            };
            let file = std::fs::File::open(path).map_err(cannot_read)?;
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            let bytes = read_bounded(file, size).map_err(cannot_read)??;
            String::from_utf8(bytes).map_err(|_| {
                Failure::new(format!(
                    "the task file {} is not UTF-8 text",
                    path.display()
                ))
            })?
        }
        (None, None) => String::new(),
    };
    validate_task(&task)?;
    Ok(task)
}

/// Read a task, but never more than one byte past the limit: `--task-file /dev/zero` or
/// `yes | claude-sandbox remote --task-file -` used to read until memory ran out. An oversized
/// task is refused with its size when the file tells it (`size`), else as "more than" the limit.
fn read_bounded(reader: impl Read, size: Option<u64>) -> std::io::Result<Result<Vec<u8>, Failure>> {
    let mut buf = Vec::new();
    reader
        .take(job::MAX_TASK_BYTES as u64 + 1)
        .read_to_end(&mut buf)?;
    if buf.len() > job::MAX_TASK_BYTES {
        let size = match size {
            Some(n) => format!("{} KiB", n.div_ceil(1024)),
            None => format!("more than {} KiB", job::MAX_TASK_BYTES / 1024),
        };
        return Ok(Err(too_long(&size)));
    }
    Ok(Ok(buf))
}

fn too_long(size: &str) -> Failure {
    Failure::usage(format!(
        "the task is {size}; the limit is {} KiB, because Kubernetes keeps it in an annotation",
        job::MAX_TASK_BYTES / 1024
    ))
    .hint("commit the long instructions to a file in the repository and ask the agent to read it")
}

fn validate_task(task: &str) -> Result<(), Failure> {
    if task.trim().is_empty() {
        return Err(Failure::usage("the task is empty")
            .hint("say what the agent should do: claude-sandbox remote \"fix the failing test\""));
    }
    if task.contains('\0') {
        return Err(Failure::usage(
            "the task contains a NUL byte, which Kubernetes cannot store",
        ));
    }
    if task.len() > job::MAX_TASK_BYTES {
        return Err(too_long(&format!("{} KiB", task.len().div_ceil(1024))));
    }
    Ok(())
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_checked_before_anything_else() {
        assert_eq!(validate_task("  \n\t").unwrap_err().code, 2);
        assert_eq!(validate_task("a\0b").unwrap_err().code, 2);
        assert!(validate_task(&"x".repeat(job::MAX_TASK_BYTES + 1)).is_err());
        assert!(validate_task(&"x".repeat(100 * 1024)).is_ok());
    }
}
