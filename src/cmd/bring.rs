//! `diff` and `checkout`: a job's work, brought into the user's own repository with their git.

use anyhow::Result;

use super::Ctx;
use crate::bring::{BringError, DiffForm, JobWork, Local};
use crate::cli::{CheckoutArgs, DiffArgs};
use crate::cluster::jobs;
use crate::failure::{Failure, Outcome};
use crate::job::keys;

pub fn diff(ctx: &Ctx, args: DiffArgs) -> Result<Outcome> {
    let work = locate(ctx, args.job.as_deref(), "showing")?;
    let local = Local::new(&ctx.dir(), &work).map_err(explain)?;
    let tip = local.fetch(&work).map_err(explain)?;
    let form = if args.stat {
        DiffForm::Stat
    } else if args.name_only {
        DiffForm::NameOnly
    } else {
        DiffForm::Patch
    };
    let bytes = local
        .diff(&work, &tip, form, ctx.printer.color_stdout())
        .map_err(explain)?;
    if bytes.is_empty() {
        ctx.printer.info(&format!(
            "{} has no changes since the job started",
            work.branch()
        ));
    } else {
        ctx.printer.out(&String::from_utf8_lossy(&bytes))?;
    }
    Ok(Outcome::Success)
}

pub fn checkout(ctx: &Ctx, args: CheckoutArgs) -> Result<Outcome> {
    let work = locate(ctx, args.job.as_deref(), "checking out")?;
    let local = Local::new(&ctx.dir(), &work).map_err(explain)?;
    let tip = local.fetch(&work).map_err(explain)?;
    let short: String = tip.chars().take(12).collect();
    match &args.worktree {
        Some(dir) => {
            local.add_worktree(&work, &tip, dir).map_err(explain)?;
            ctx.printer.info(&format!(
                "{} at {short} is checked out in {}",
                work.branch(),
                dir.display()
            ));
        }
        None => {
            local.switch(&work, &tip).map_err(explain)?;
            ctx.printer
                .info(&format!("switched to {} at {short}", work.branch()));
        }
    }
    Ok(Outcome::Success)
}

/// The job's branch, repository and start commit, from its annotations.
fn locate(ctx: &Ctx, name: Option<&str>, doing: &str) -> Result<JobWork> {
    let job = super::block_on(async {
        let cluster = ctx.connect().await?;
        match name {
            Some(n) => anyhow::Ok(jobs::get(&cluster, n).await?),
            None => super::logs::newest_job(ctx, &cluster, doing).await,
        }
    })??;
    let name = job.metadata.name.clone().unwrap_or_default();
    let annotation = |key| jobs::annotation(&job, key).map(str::to_owned);
    let (Some(repo_url), Some(base)) = (annotation(keys::REPO_URL), annotation(keys::COMMIT))
    else {
        return Err(Failure::new(format!(
            "job {name} does not say which repository and commit it started from"
        ))
        .hint(
            "it was made by an older claude-sandbox; fetch its branch claude-sandbox/JOB with git",
        )
        .into());
    };
    // It becomes an argument of git's: a commit id and nothing else.
    if base.len() != 40 || !base.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Failure::new(format!(
            "job {name} names its start commit as {base:?}, which is not a commit id"
        ))
        .into());
    }
    Ok(JobWork {
        job: name,
        repo_url,
        base,
    })
}

/// Each failure in the user's words, with what to do about it.
fn explain(e: BringError) -> anyhow::Error {
    let hint = match &e {
        BringError::NoGit(_) => "install git, or put it on PATH",
        BringError::Git { .. } => {
            "the message above is git's own; your git setup decides how it fetches"
        }
        BringError::NoBranch { .. } => "see what the job did with `claude-sandbox logs JOB`",
        BringError::Dirty { .. } => {
            "commit or stash them first, or leave this work tree as it is with --worktree DIR"
        }
        BringError::Diverged { .. } => {
            "rename or delete your local branch, or look at the job's work with `claude-sandbox diff`"
        }
    };
    let verb = if matches!(e, BringError::Dirty { .. }) {
        "refusing to switch branches: "
    } else {
        ""
    };
    Failure::new(format!("{verb}{e}")).hint(hint).into()
}
