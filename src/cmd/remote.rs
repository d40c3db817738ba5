use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{Ctx, source};
use crate::cli::{RemoteArgs, RemoteOutput};
use crate::detect::Service;
use crate::failure::{Failure, Outcome};
use crate::job::{self, JobPlan, Resources};
use crate::repo::RepoError;

pub fn run(ctx: &Ctx, args: RemoteArgs) -> Result<Outcome> {
    let task = read_task(ctx, &args)?;
    let src = source::resolve(ctx, &args.source)?;
    if src.repo.branch.is_none() {
        return Err(source::repo_failure(RepoError::Detached));
    }
    source::warn_about_sync(ctx, &src.repo);
    let plan = build_plan(ctx, &args, task, &src)?;
    let manifest = job::render(&job::embedded_template(), &plan);

    if args.dry_run {
        let text = match args.output.unwrap_or(RemoteOutput::Yaml) {
            RemoteOutput::Yaml => job::to_yaml(&manifest).context("writing the Job as YAML")?,
            RemoteOutput::Json => job::to_json(&manifest),
            RemoteOutput::Name => plan.name.clone(),
        };
        ctx.printer.out(&text)?;
        return Ok(Outcome::Success);
    }
    Err(
        Failure::new("submitting to a cluster is not available in this build")
            .hint("use --dry-run and kubectl apply -f -")
            .into(),
    )
}

fn build_plan(ctx: &Ctx, args: &RemoteArgs, task: String, src: &source::Source) -> Result<JobPlan> {
    for (k, _) in &args.env {
        if job::RESERVED_ENV.contains(&k.as_str()) {
            return Err(Failure::usage(format!(
                "--env {k} is set by claude-sandbox itself and cannot be replaced"
            ))
            .into());
        }
    }
    let ttl = args
        .ttl
        .unwrap_or(Duration::from_secs(job::DEFAULT_TTL_SECS as u64));
    let ttl_seconds = i32::try_from(ttl.as_secs())
        .map_err(|_| Failure::usage("--ttl is too long: at most about 68 years"))?;
    let deadline = args
        .deadline
        .unwrap_or(Duration::from_secs(job::DEFAULT_DEADLINE_SECS as u64));
    if deadline.is_zero() {
        return Err(Failure::usage("--deadline must be longer than zero").into());
    }
    let defaults = Resources::default();
    let (cpu_request, cpu_limit) = pick_resources(
        args.cpu.as_ref(),
        &defaults.cpu_request,
        &defaults.cpu_limit,
    );
    let (memory_request, memory_limit) = pick_resources(
        args.memory.as_ref(),
        &defaults.memory_request,
        &defaults.memory_limit,
    );
    let branch = src.repo.branch.clone().unwrap_or_default();
    Ok(JobPlan {
        name: job::job_name(
            crate::repo::repo_name(&src.repo.url),
            jiff::Timestamp::now(),
            &job::random_suffix(),
        ),
        namespace: ctx.global.namespace.clone(),
        task,
        repo_url: src.repo.url.clone(),
        branch,
        commit: src.repo.commit.clone(),
        image: src.image.clone(),
        postgres: src.services.has(Service::Postgres),
        postgis: src.services.postgis,
        redis: src.services.has(Service::Redis),
        sidecar_images: Default::default(),
        resources: Resources {
            cpu_request,
            cpu_limit,
            memory_request,
            memory_limit,
        },
        env: args.env.clone(),
        secret: args
            .secret
            .clone()
            .unwrap_or_else(|| job::DEFAULT_SECRET.into()),
        ttl_seconds,
        deadline_seconds: deadline.as_secs() as i64,
        cli_version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// A single value is the request; the limit stays at the default unless that would be below it.
fn pick_resources(
    spec: Option<&crate::units::ResourceSpec>,
    request: &str,
    limit: &str,
) -> (String, String) {
    let Some(spec) = spec else {
        return (request.to_string(), limit.to_string());
    };
    let limit = match &spec.limit {
        Some(l) => l.text.clone(),
        None => {
            let default_limit = crate::units::parse_quantity(limit)
                .map(|q| q.value)
                .unwrap_or(0.0);
            if spec.request.value > default_limit {
                spec.request.text.clone()
            } else {
                limit.to_string()
            }
        }
    };
    (spec.request.text.clone(), limit)
}

fn read_task(ctx: &Ctx, args: &RemoteArgs) -> Result<String> {
    let task = match (&args.task, &args.task_file) {
        (Some(t), _) => t.clone(),
        (None, Some(path)) if path == Path::new("-") => {
            let mut stdin = std::io::stdin();
            if stdin.is_terminal() {
                ctx.printer.info("Type the task, then press Ctrl-D:");
            }
            let mut buf = Vec::new();
            stdin
                .read_to_end(&mut buf)
                .context("reading the task from standard input")?;
            String::from_utf8(buf)
                .map_err(|_| Failure::new("the task on standard input is not UTF-8 text"))?
        }
        (None, Some(path)) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Failure::new(format!(
                    "cannot read the task file {}: {}",
                    path.display(),
                    io_reason(&e)
                ))
                .hint("--task-file takes a readable text file, or - for standard input")
            })?;
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
        return Err(Failure::usage(format!(
            "the task is {} KiB; the limit is {} KiB, because Kubernetes keeps it in an annotation",
            task.len().div_ceil(1024),
            job::MAX_TASK_BYTES / 1024
        ))
        .hint(
            "commit the long instructions to a file in the repository and ask the agent to read it",
        ));
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

    #[test]
    fn a_single_resource_value_is_the_request() {
        let two = crate::units::parse_resource("500m").unwrap();
        assert_eq!(
            pick_resources(Some(&two), "1", "2"),
            ("500m".into(), "2".into())
        );
        let big = crate::units::parse_resource("3").unwrap();
        assert_eq!(
            pick_resources(Some(&big), "1", "2"),
            ("3".into(), "3".into())
        );
        assert_eq!(pick_resources(None, "1", "2"), ("1".into(), "2".into()));
    }
}
