use std::time::Duration;

use anyhow::Result;
use k8s_openapi::api::batch::v1::Job;

use super::Ctx;
use crate::archive::Archive;
use crate::cli::LogsArgs;
use crate::cluster::{Cluster, jobs, pods};
use crate::failure::{Failure, Outcome};
use crate::follow::render::Style;
use crate::follow::sink::StdoutSink;
use crate::follow::{self, Options};
use crate::job::{AGENT_CONTAINER, keys};

pub fn run(ctx: &Ctx, args: LogsArgs) -> Result<Outcome> {
    let found = super::block_on(async {
        let cluster = ctx.connect().await?;
        let job = match &args.job {
            Some(j) => match jobs::find(&cluster, j).await? {
                Some(job) => job,
                None => return anyhow::Ok(Found::Gone(cluster, j.clone())),
            },
            None => newest_job(ctx, &cluster, "following").await?,
        };
        anyhow::Ok(Found::Live(cluster, Box::new(job)))
    })??;
    let (cluster, job) = match found {
        Found::Live(c, j) => (c, j),
        Found::Gone(c, n) => return from_archive(ctx, &c, &n, args.raw),
    };
    let name = job.metadata.name.clone().unwrap_or_default();
    let container = args
        .container
        .clone()
        .unwrap_or_else(|| AGENT_CONTAINER.into());
    // Following a container the pod will never have would wait forever.
    let known = containers_of(&job);
    if !known.iter().any(|c| c == &container) {
        return Err(
            Failure::new(format!("job {name} has no container '{container}'"))
                .hint(format!("its containers: {}", known.join(", ")))
                .into(),
        );
    }
    if args.no_follow {
        let mut sink = make_sink(ctx, args.raw, &container);
        let outcome = super::block_on(async {
            let mut opts = Options {
                container: container.clone(),
                follow: false,
                on_wait: Box::new(|_| {}),
            };
            follow::follow(&cluster, &name, &mut opts, &mut sink).await
        })??;
        if container == AGENT_CONTAINER {
            show_receipt(ctx, &cluster, &name);
        }
        return Ok(super::report_ending(ctx, &name, &outcome));
    }
    follow_job(ctx, &cluster, &name, &container, args.raw, None)
}

/// Stream a job's container to stdout until it ends (shared by `logs` and `remote -f`).
pub fn follow_job(
    ctx: &Ctx,
    cluster: &Cluster,
    name: &str,
    container: &str,
    raw: bool,
    timeout: Option<Duration>,
) -> Result<Outcome> {
    // Only the agent's log is kept: it is the record of what the job did.
    let archive = (container == AGENT_CONTAINER)
        .then(Archive::default_location)
        .flatten()
        .and_then(|a| a.writer(&cluster.namespace, name).ok());
    let mut sink = make_sink(ctx, raw, container).with_archive(archive);
    let (spinner, report) = super::wait_reporter(ctx, name);
    let mut opts = Options {
        container: container.to_string(),
        follow: true,
        on_wait: Box::new(report),
    };
    let clear = spinner.clone();
    let following = cluster.clone();
    let job = name.to_string();
    let outcome = super::supervise(ctx, name, timeout, async move {
        let res = follow::follow(&following, &job, &mut opts, &mut sink).await;
        if let Some(s) = &clear {
            s.finish_and_clear();
        }
        res
    });
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    if container == AGENT_CONTAINER && matches!(outcome, Ok(Outcome::Success | Outcome::JobFailed))
    {
        show_receipt(ctx, cluster, name);
    }
    outcome
}

/// End the log with the job's receipt (on stderr: stdout stays the log itself), and keep it with
/// the saved copy. A job still running, or from an image that writes none, has none to show.
fn show_receipt(ctx: &Ctx, cluster: &Cluster, name: &str) {
    let found = super::block_on(async { pods::of_job(cluster, name).await });
    let Some(receipt) = found
        .ok()
        .and_then(Result::ok)
        .and_then(|pods| crate::receipt::of_pods(&pods))
    else {
        return;
    };
    if let Some(archive) = Archive::default_location() {
        let _ = archive.save_receipt(&cluster.namespace, name, &receipt);
    }
    print_receipt(ctx, &receipt);
}

pub(super) fn print_receipt(ctx: &Ctx, receipt: &crate::contract::Receipt) {
    for (i, line) in crate::receipt::describe(receipt).iter().enumerate() {
        let key = if i == 0 { "receipt:" } else { "" };
        ctx.printer.info(&format!("{key:<9}{line}"));
    }
}

enum Found {
    Live(Cluster, Box<Job>),
    Gone(Cluster, String),
}

fn containers_of(job: &Job) -> Vec<String> {
    let Some(pod) = job.spec.as_ref().and_then(|s| s.template.spec.as_ref()) else {
        return Vec::new();
    };
    pod.containers
        .iter()
        .chain(pod.init_containers.iter().flatten())
        .map(|c| c.name.clone())
        .collect()
}

/// The cluster has deleted the job (its TTL ran out); serve the copy saved while following it.
fn from_archive(ctx: &Ctx, cluster: &Cluster, name: &str, raw: bool) -> Result<Outcome> {
    let saved = Archive::default_location().and_then(|a| a.read(&cluster.namespace, name));
    let Some((text, entry)) = saved else {
        return Err(Failure::new(format!("job {name} not found in namespace {}", cluster.namespace))
            .hint("see the jobs there with `claude-sandbox list`, and saved logs with `claude-sandbox list --archived`")
            .into());
    };
    let when = jiff::Timestamp::try_from(entry.saved)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    ctx.printer.info(&format!(
        "job {name} is no longer in the cluster; showing the copy saved {when} ({})",
        entry.path.display()
    ));
    let mut sink = make_sink(ctx, raw, AGENT_CONTAINER);
    for line in text.lines() {
        sink.line(line);
    }
    use crate::follow::Sink as _;
    sink.flush()?;
    if let Some(receipt) =
        Archive::default_location().and_then(|a| a.receipt(&cluster.namespace, name))
    {
        print_receipt(ctx, &receipt);
    }
    Ok(Outcome::Success)
}

pub(super) fn make_sink(ctx: &Ctx, raw: bool, container: &str) -> StdoutSink {
    // Only the agent speaks stream-json; sidecar logs and pipes get the lines untouched.
    let out = Box::new(ctx.printer.data_writer());
    if raw || container != AGENT_CONTAINER || !ctx.printer.stdout_is_terminal() {
        StdoutSink::raw(out)
    } else {
        StdoutSink::rendered(
            out,
            Style {
                color: ctx.printer.color_stdout(),
                verbose: ctx.printer.verbosity() > 0,
            },
        )
    }
}

/// The newest job of the repository the user stands in, else the newest job of all.
pub(super) async fn newest_job(ctx: &Ctx, cluster: &Cluster, doing: &str) -> Result<Job> {
    let all = jobs::list_managed(cluster, &[]).await?;
    let here = super::list::current_repo_url(ctx).ok();
    let pick = here
        .as_deref()
        .and_then(|url| {
            all.iter()
                .find(|j| jobs::annotation(j, keys::REPO_URL) == Some(url))
        })
        .or_else(|| all.first());
    match pick {
        Some(j) => {
            ctx.printer.info(&format!(
                "{doing} {}",
                j.metadata.name.as_deref().unwrap_or("?")
            ));
            Ok(j.clone())
        }
        None => Err(Failure::new(format!(
            "no claude-sandbox jobs in namespace {}",
            cluster.namespace
        ))
        .hint("start one with `claude-sandbox remote \"…\"`")
        .into()),
    }
}
