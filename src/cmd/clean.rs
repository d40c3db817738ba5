use std::io::IsTerminal;

use anyhow::Result;
use k8s_openapi::api::batch::v1::Job;

use super::Ctx;
use crate::cli::CleanArgs;
use crate::cluster::jobs::{self, JobState};
use crate::failure::{Failure, Outcome, Reported};
use crate::units::format_age;

pub fn run(ctx: &Ctx, args: CleanArgs) -> Result<Outcome> {
    super::block_on(clean(ctx, args))?
}

async fn clean(ctx: &Ctx, args: CleanArgs) -> Result<Outcome> {
    let cluster = ctx.connect().await?;
    let ns = cluster.namespace.clone();
    let all = jobs::list_managed(&cluster, &[]).await?;
    let now = jiff::Timestamp::now();
    let chosen: Vec<&Job> = all.iter().filter(|j| selected(j, &args, now)).collect();
    if chosen.is_empty() {
        ctx.printer.info("nothing to clean");
        return Ok(Outcome::Success);
    }
    let running = chosen
        .iter()
        .filter(|j| !jobs::state(j).is_finished())
        .count();

    if args.dry_run {
        for j in &chosen {
            ctx.printer.out(&format!(
                "would delete {} ({})",
                name(j),
                describe_age(j, now)
            ))?;
        }
        return Ok(Outcome::Success);
    }
    if running > 0 && !args.yes {
        if !std::io::stdin().is_terminal() || !ctx.printer.stderr_is_terminal() {
            return Err(Failure::usage(format!(
                "--all would delete {running} running job{}; confirm with --yes",
                if running == 1 { "" } else { "s" }
            ))
            .into());
        }
        let question = format!(
            "Delete {} jobs in namespace {ns}, {running} of them still running?",
            chosen.len()
        );
        let yes = dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()
            .map_err(|e| Failure::new(format!("could not read the answer: {e}")))?;
        if !yes {
            ctx.printer.info("nothing deleted");
            return Ok(Outcome::Success);
        }
    }

    let mut failed = 0usize;
    for (i, j) in chosen.iter().enumerate() {
        match jobs::delete(&cluster, name(j)).await {
            Ok(()) => ctx.printer.out(&format!("deleted {}", name(j)))?,
            // Refused the first time: every other delete would be refused the same way, so say it
            // once rather than once per job.
            Err(d) if i == 0 && d.forbidden => return Err(Failure::from(d).into()),
            Err(d) => {
                ctx.printer.error(&d.failure);
                failed += 1;
            }
        }
    }
    if failed > 0 {
        // Each failure had its own `error:` line; the count is a summary, not one more error.
        ctx.printer.info(&format!(
            "deleted {} of {} jobs; {failed} could not be deleted",
            chosen.len() - failed,
            chosen.len()
        ));
        return Err(Reported.into());
    }
    ctx.printer.info(&format!(
        "deleted {} job{}",
        chosen.len(),
        if chosen.len() == 1 { "" } else { "s" }
    ));
    Ok(Outcome::Success)
}

fn name(j: &Job) -> &str {
    j.metadata.name.as_deref().unwrap_or("?")
}

fn selected(j: &Job, args: &CleanArgs, now: jiff::Timestamp) -> bool {
    let state = jobs::state(j);
    let by_state = if args.all {
        true
    } else if args.failed || args.succeeded {
        (args.failed && state == JobState::Failed)
            || (args.succeeded && state == JobState::Succeeded)
    } else {
        state.is_finished()
    };
    let by_age = match args.older_than {
        None => true,
        Some(limit) => {
            let reference = jobs::finished(j).or_else(|| jobs::created(j));
            reference.is_some_and(|t| now.as_second() - t.as_second() > limit.as_secs() as i64)
        }
    };
    by_state && by_age
}

fn describe_age(j: &Job, now: jiff::Timestamp) -> String {
    let state = jobs::state(j).label();
    match jobs::finished(j) {
        Some(t) => {
            let secs = u64::try_from(now.as_second() - t.as_second()).unwrap_or(0);
            format!(
                "{state}, ended {} ago",
                format_age(std::time::Duration::from_secs(secs))
            )
        }
        None => format!(
            "{state}, created {} ago",
            jobs::age(j, now).map_or("?".into(), format_age)
        ),
    }
}
