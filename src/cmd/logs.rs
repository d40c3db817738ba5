use std::time::Duration;

use anyhow::Result;
use k8s_openapi::api::batch::v1::Job;
use kube::Api;

use super::Ctx;
use crate::cli::LogsArgs;
use crate::cluster::jobs;
use crate::cluster::{Action, Cluster, describe};
use crate::failure::{Failure, Outcome};
use crate::follow::render::Style;
use crate::follow::sink::StdoutSink;
use crate::follow::{self, Options};
use crate::job::{AGENT_CONTAINER, keys};

pub fn run(ctx: &Ctx, args: LogsArgs) -> Result<Outcome> {
    let (cluster, name) = super::block_on(async {
        let cluster = ctx.connect().await?;
        let name = match &args.job {
            Some(j) => {
                cluster.get_job(j).await?;
                j.clone()
            }
            None => newest_job(ctx, &cluster).await?,
        };
        anyhow::Ok((cluster, name))
    })??;
    let container = args
        .container
        .clone()
        .unwrap_or_else(|| AGENT_CONTAINER.into());
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
    let mut sink = make_sink(ctx, raw, container);
    let spinner = ctx.spinner();
    let bar = spinner.clone();
    let label = name.to_string();
    let verbose = ctx.printer.verbosity() > 0;
    let mut last_reason = String::new();
    let mut opts = Options {
        container: container.to_string(),
        follow: true,
        on_wait: Box::new(move |why: &str| {
            match &bar {
                Some(b) => b.set_message(format!("waiting for {label}: {why}")),
                None if verbose && why != last_reason => eprintln!("waiting for {label}: {why}"),
                None => {}
            }
            last_reason = why.to_string();
        }),
    };
    let clear = spinner.clone();
    let cluster = cluster.clone();
    let job = name.to_string();
    let outcome = super::supervise(ctx, name, timeout, async move {
        let res = follow::follow(&cluster, &job, &mut opts, &mut sink).await;
        if let Some(s) = &clear {
            s.finish_and_clear();
        }
        res
    });
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    outcome
}

fn make_sink(ctx: &Ctx, raw: bool, container: &str) -> StdoutSink {
    // Only the agent speaks stream-json; sidecar logs and pipes get the lines untouched.
    if raw || container != AGENT_CONTAINER || !ctx.printer.stdout_is_terminal() {
        StdoutSink::raw()
    } else {
        StdoutSink::rendered(Style {
            color: ctx.printer.color_stdout(),
            verbose: ctx.printer.verbosity() > 0,
        })
    }
}

/// The newest job of the repository the user stands in, else the newest job of all.
async fn newest_job(ctx: &Ctx, cluster: &Cluster) -> Result<String> {
    let api: Api<Job> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let all = jobs::list_managed(&api, &[]).await.map_err(|e| {
        describe(
            e,
            &Action::new("list", "jobs", &cluster.namespace),
            &cluster.server,
        )
    })?;
    let here = super::list::current_repo_url(ctx).ok();
    let pick = here
        .as_deref()
        .and_then(|url| {
            all.iter()
                .find(|j| jobs::annotation(j, keys::REPO_URL) == Some(url))
        })
        .or_else(|| all.first());
    match pick.and_then(|j| j.metadata.name.clone()) {
        Some(n) => {
            ctx.printer.info(&format!("following {n}"));
            Ok(n)
        }
        None => Err(Failure::new(format!(
            "no claude-sandbox jobs in namespace {}",
            cluster.namespace
        ))
        .hint("start one with `claude-sandbox remote \"…\"`")
        .into()),
    }
}
