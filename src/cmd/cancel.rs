use anyhow::Result;

use super::Ctx;
use crate::cli::CancelArgs;
use crate::cluster::{Cluster, jobs};
use crate::failure::{Failure, Outcome, Reported};

/// Each job is tried even when another fails; each failure is one `error:` line of its own, and
/// the count of failures is a summary for a person, not another error.
pub fn run(ctx: &Ctx, args: CancelArgs) -> Result<Outcome> {
    let failures = super::block_on(async {
        let cluster = ctx.connect().await?;
        let mut failures = 0usize;
        for name in &args.jobs {
            match cancel_one(&cluster, name).await {
                Ok(msg) => ctx.printer.out(&msg)?,
                Err(f) => {
                    ctx.printer.error(&f);
                    failures += 1;
                }
            }
        }
        anyhow::Ok(failures)
    })??;
    if failures == 0 {
        return Ok(Outcome::Success);
    }
    if args.jobs.len() > 1 {
        ctx.printer.info(&format!(
            "{failures} of {} jobs could not be cancelled",
            args.jobs.len()
        ));
    }
    Err(Reported.into())
}

async fn cancel_one(cluster: &Cluster, name: &str) -> Result<String, Failure> {
    let job = jobs::get(cluster, name).await?;
    if !jobs::is_managed(&job) {
        return Err(Failure::new(format!(
            "job {name} was not made by claude-sandbox; leaving it alone"
        ))
        .hint("delete it with kubectl if you mean to"));
    }
    let finished = jobs::state(&job).is_finished();
    jobs::delete(cluster, name).await.map_err(Failure::from)?;
    Ok(if finished {
        format!("job {name} deleted (it had already finished)")
    } else {
        format!("job {name} cancelled")
    })
}
