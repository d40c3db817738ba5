use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::PostParams;

use super::{Ctx, source};
use crate::cli::{RemoteArgs, RemoteOutput};
use crate::cluster::errors::is_transient;
use crate::cluster::{Action, Cluster, describe, retry};
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
    // The credential holder is a native sidecar in every job.
    let needs_sidecars = true;
    let created = super::block_on(submit(ctx, manifest, &plan.secret, needs_sidecars))??;
    let ns = ctx.ns_flag();
    match args.output {
        Some(RemoteOutput::Name) => ctx.printer.out(&name)?,
        Some(RemoteOutput::Yaml) => ctx
            .printer
            .out(&job::to_yaml(&created.job).context("writing the Job as YAML")?)?,
        Some(RemoteOutput::Json) => ctx.printer.out(&job::to_json(&created.job))?,
        None if args.follow || args.wait => ctx
            .printer
            .info(&format!("job {name} submitted to namespace {}", created.namespace)),
        None if ctx.printer.quiet() => ctx.printer.out(&name)?,
        None => ctx.printer.out(&format!(
            "job {name} submitted to namespace {}\n  follow:  claude-sandbox logs {name}{ns}\n  status:  claude-sandbox status {name}{ns}\n  cancel:  claude-sandbox cancel {name}{ns}",
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
        let spinner = ctx.spinner();
        let bar = spinner.clone();
        let label = name.clone();
        let outcome = super::supervise(ctx, &name, args.timeout, async move {
            let mut on_wait = move |why: &str| {
                if let Some(b) = &bar {
                    b.set_message(format!("waiting for {label}: {why}"));
                }
            };
            crate::follow::wait(&cluster, &plan.name, &mut on_wait).await
        });
        if let Some(s) = spinner {
            s.finish_and_clear();
        }
        return outcome;
    }
    Ok(Outcome::Success)
}

struct Created {
    cluster: Cluster,
    namespace: String,
    job: Job,
}

/// Check what the job needs, then create it. Nothing is created unless every check passes, and a
/// create that failed in transit is looked up by name before it is tried again, so a flaky
/// connection never yields two jobs.
async fn submit(
    ctx: &Ctx,
    mut manifest: Job,
    secret: &str,
    needs_sidecars: bool,
) -> Result<Created> {
    let cluster = ctx.connect().await?;
    let ns = cluster.namespace.clone();
    manifest.metadata.namespace = Some(ns.clone());
    let name = manifest.metadata.name.clone().unwrap_or_default();

    if needs_sidecars {
        check_native_sidecars(&cluster).await?;
    }
    check_secret(ctx, &cluster, secret).await?;

    let api: Api<Job> = Api::namespaced(cluster.client.clone(), &ns);
    let params = PostParams {
        field_manager: Some("claude-sandbox".into()),
        ..Default::default()
    };
    let action = Action::new("create", "jobs", &ns).named(&name);
    let mut attempt = 0;
    let job = loop {
        match api.create(&params, &manifest).await {
            Ok(job) => break job,
            Err(e) if is_transient(&e) && attempt < 3 => {
                ctx.printer.debug(
                    1,
                    &format!(
                        "creating the job failed ({}); checking whether it exists",
                        crate::cluster::errors::short(&e)
                    ),
                );
                tokio::time::sleep(retry::backoff(attempt)).await;
                attempt += 1;
                if let Ok(Some(existing)) = api.get_opt(&name).await {
                    break existing;
                }
            }
            Err(e) => return Err(describe(e, &action, &cluster.server).into()),
        }
    };
    Ok(Created {
        cluster,
        namespace: ns,
        job,
    })
}

/// Native sidecars (init containers with restartPolicy Always) arrived in Kubernetes 1.29. On an
/// older server the sidecars would run forever and the Job would never complete, so refuse.
async fn check_native_sidecars(cluster: &Cluster) -> Result<()> {
    let info = retry::idempotent(|| cluster.client.apiserver_version())
        .await
        .map_err(|e| {
            describe(
                e,
                &Action::new("read", "version", &cluster.namespace),
                &cluster.server,
            )
        })?;
    let major: u32 = digits(&info.major);
    let minor: u32 = digits(&info.minor);
    if (major, minor) < (1, 29) {
        return Err(Failure::new(format!(
            "the cluster runs Kubernetes {major}.{minor}, which has no native sidecars (1.29 or newer is needed: the credential holder and the postgres/redis services run as sidecars)"
        ))
        .hint("use a cluster on Kubernetes 1.29 or newer")
        .into());
    }
    Ok(())
}

fn digits(s: &str) -> u32 {
    // Managed clusters report minors like "29+".
    s.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

/// The agent needs a GitHub token and one Claude credential. Only key names are looked at.
async fn check_secret(ctx: &Ctx, cluster: &Cluster, secret: &str) -> Result<()> {
    let ns = &cluster.namespace;
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), ns);
    let found = match retry::idempotent(|| api.get_opt(secret)).await {
        Ok(s) => s,
        Err(kube::Error::Api(s)) if s.code == 403 => {
            ctx.printer.warn(&format!(
                "you may not read secrets in namespace {ns}, so the credentials in {secret} were not checked"
            ));
            return Ok(());
        }
        Err(e) => {
            return Err(describe(
                e,
                &Action::new("get", "secrets", ns).named(secret),
                &cluster.server,
            )
            .into());
        }
    };
    let Some(found) = found else {
        // A missing namespace also answers 404 for the secret; name the real problem.
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> =
            Api::all(cluster.client.clone());
        if let Ok(None) = namespaces.get_opt(ns).await {
            return Err(Failure::new(format!("namespace {ns} does not exist"))
                .hint("create it with `kubectl create namespace NAME`, or choose another with -n")
                .into());
        }
        return Err(Failure::new(format!("secret {secret} not found in namespace {ns}"))
            .hint(format!(
                "create it: kubectl -n {ns} create secret generic {secret} --from-literal=GITHUB_TOKEN=… --from-literal=CLAUDE_CODE_OAUTH_TOKEN=…"
            ))
            .into());
    };
    let keys: Vec<&str> = found
        .data
        .iter()
        .flat_map(|d| d.keys())
        .chain(found.string_data.iter().flat_map(|d| d.keys()))
        .map(String::as_str)
        .collect();
    let mut missing = Vec::new();
    if !keys.contains(&"GITHUB_TOKEN") {
        missing.push("GITHUB_TOKEN");
    }
    if !keys.contains(&"CLAUDE_CODE_OAUTH_TOKEN") && !keys.contains(&"ANTHROPIC_API_KEY") {
        missing.push("CLAUDE_CODE_OAUTH_TOKEN (or ANTHROPIC_API_KEY)");
    }
    if !missing.is_empty() {
        return Err(Failure::new(format!(
            "secret {secret} in namespace {ns} lacks {}",
            missing.join(" and ")
        ))
        .hint("add the missing keys to the secret (kubectl edit secret, or recreate it)")
        .into());
    }
    Ok(())
}

/// The team's template when there is one: the repository's before the user's, else the built-in.
fn load_template(ctx: &Ctx, repo_root: &Path) -> Result<Job> {
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

fn build_plan(ctx: &Ctx, args: &RemoteArgs, task: String, src: &source::Source) -> Result<JobPlan> {
    let layers = ctx.config()?;
    for (k, _) in &args.env {
        if job::RESERVED_ENV.contains(&k.as_str()) {
            return Err(Failure::usage(format!(
                "--env {k} is set by claude-sandbox itself and cannot be replaced"
            ))
            .into());
        }
    }
    // Config values were validated when the file was read; a flag replaces them.
    let from_config = |get: fn(&crate::config::FileConfig) -> Option<String>| {
        layers
            .get(get)
            .and_then(|v| crate::units::parse_duration(&v).ok())
    };
    let ttl = args
        .ttl
        .or_else(|| from_config(|c| c.ttl.clone()))
        .unwrap_or(Duration::from_secs(job::DEFAULT_TTL_SECS as u64));
    let ttl_seconds = i32::try_from(ttl.as_secs())
        .map_err(|_| Failure::usage("--ttl is too long: at most about 68 years"))?;
    let deadline = args
        .deadline
        .or_else(|| from_config(|c| c.deadline.clone()))
        .unwrap_or(Duration::from_secs(job::DEFAULT_DEADLINE_SECS as u64));
    if deadline.is_zero() {
        return Err(Failure::usage("--deadline must be longer than zero").into());
    }
    let defaults = Resources::default();
    let resource = |flag: &Option<crate::units::ResourceSpec>,
                    get: fn(&crate::config::FileConfig) -> Option<String>| {
        flag.clone().or_else(|| {
            layers
                .get(get)
                .and_then(|v| crate::units::parse_resource(&v).ok())
        })
    };
    let cpu = resource(&args.cpu, |c| c.cpu.clone());
    let memory = resource(&args.memory, |c| c.memory.clone());
    let (cpu_request, cpu_limit) =
        pick_resources(cpu.as_ref(), &defaults.cpu_request, &defaults.cpu_limit);
    let (memory_request, memory_limit) = pick_resources(
        memory.as_ref(),
        &defaults.memory_request,
        &defaults.memory_limit,
    );
    // Config env first, then --env; a later value for the same name replaces the earlier one.
    let mut env: Vec<(String, String)> = layers.merged_map(|c| c.env.clone()).into_iter().collect();
    for (k, v) in &args.env {
        env.retain(|(key, _)| key != k);
        env.push((k.clone(), v.clone()));
    }
    // An explicit `--env CLAUDE_SANDBOX_AGENT_ARGS=…` is a flag, and flags win over files.
    let agent_args_given = env.iter().any(|(k, _)| k == job::AGENT_ARGS_ENV);
    if let Some(agent_args) = layers
        .get(|c| c.agent_args.clone())
        .filter(|_| !agent_args_given)
    {
        env.push((
            job::AGENT_ARGS_ENV.to_owned(),
            serde_json::to_string(&agent_args).expect("a list of strings is JSON"),
        ));
    }
    let secret = args
        .secret
        .clone()
        .or_else(|| layers.get(|c| c.secret.clone()))
        .unwrap_or_else(|| job::DEFAULT_SECRET.into());
    // `--secret ""` (e.g. an unset shell variable) once rendered `secretRef: {name: ""}` and then
    // failed the preflight as "cannot reach the cluster"; say what is wrong before anything else.
    crate::cluster::errors::check_name("secret", &secret).map_err(|f| {
        f.hint("--secret takes the name of the Kubernetes secret with the agent's credentials, e.g. claude-sandbox-secrets")
    })?;
    let defaults_images = job::SidecarImages::default();
    let branch = src.repo.branch.clone().unwrap_or_default();
    Ok(JobPlan {
        name: job::job_name(
            crate::repo::repo_name(&src.repo.url),
            jiff::Timestamp::now(),
            &job::random_suffix(),
        ),
        // `-n ""` means "no choice", as it does when connecting (the context's namespace); a
        // dry run must not print `namespace: ""`.
        namespace: ctx
            .global
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| layers.get(|c| c.namespace.clone())),
        task,
        repo_url: src.repo.url.clone(),
        branch,
        commit: src.repo.commit.clone(),
        image: src.image.clone(),
        postgres: src.services.has(Service::Postgres),
        postgis: src.services.postgis,
        redis: src.services.has(Service::Redis),
        sidecar_images: job::SidecarImages {
            postgres: layers
                .get(|c| c.postgres_image.clone())
                .unwrap_or(defaults_images.postgres),
            postgis: layers
                .get(|c| c.postgis_image.clone())
                .unwrap_or(defaults_images.postgis),
            redis: layers
                .get(|c| c.redis_image.clone())
                .unwrap_or(defaults_images.redis),
        },
        resources: Resources {
            cpu_request,
            cpu_limit,
            memory_request,
            memory_limit,
        },
        storage: job::Storage::default(),
        env,
        secret,
        ttl_seconds,
        deadline_seconds: deadline.as_secs() as i64,
        cli_version: env!("CARGO_PKG_VERSION").into(),
        anthropic_api: layers
            .get(|c| c.anthropic_api.clone())
            .unwrap_or_else(|| crate::contract::DEFAULT_ANTHROPIC_API.into()),
        image_pull_secrets: layers
            .get(|c| c.image_pull_secrets.clone())
            .unwrap_or_default(),
        node_selector: layers.merged_map(|c| c.node_selector.clone()),
        tolerations: layers.get(|c| c.tolerations.clone()).unwrap_or_default(),
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
