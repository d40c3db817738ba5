//! One module per command: each takes its parsed arguments and the shared context, does its work
//! through the library modules, and returns how it ended. None of them exits the process.

pub mod bring;
pub mod cancel;
pub mod clean;
pub mod complete;
pub mod completions;
pub mod config;
pub mod detect;
pub mod doctor;
pub mod image;
pub mod list;
pub mod local;
pub mod logs;
pub mod man;
mod project;
pub mod remote;
pub mod setup;
pub mod status;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::cluster::{self, Cluster, Target};
use crate::config::{self as config_files, Layers};
use crate::failure::{Failure, Outcome};
use crate::follow::Ending;
use crate::output::{Printer, Tone};
use crate::settings::{self, Flags, Settings};

/// What every command may need: how to print, the global flags, and the config files.
pub struct Ctx {
    pub printer: Printer,
    pub global: GlobalArgs,
    layers: std::cell::OnceCell<Layers>,
}

impl Ctx {
    pub fn new(global: GlobalArgs) -> Ctx {
        Ctx {
            printer: Printer::new(global.quiet, global.verbose, global.color),
            global,
            layers: std::cell::OnceCell::new(),
        }
    }

    /// The directory the command works in (`-C DIR`, else the current directory).
    pub fn dir(&self) -> PathBuf {
        self.global
            .directory
            .clone()
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The config file paths for where the command runs (the repository's only inside one).
    pub fn config_paths(&self) -> config_files::Paths {
        let root = git2::Repository::discover(self.dir())
            .ok()
            .and_then(|r| r.workdir().map(|p| p.to_path_buf()));
        config_files::paths(root.as_deref())
    }

    /// The user's and the repository's config files, read on first use.
    pub fn config(&self) -> Result<&Layers> {
        if let Some(l) = self.layers.get() {
            return Ok(l);
        }
        let layers = Layers::load(&self.config_paths()).map_err(|e| {
            let failure = Failure::new(e.to_string());
            // The list of keys helps with a misspelt key only; under "ttl: '30' needs a unit" or
            // a TOML syntax error it pointed away from the real problem.
            let unknown_key = matches!(&e, config_files::ConfigError::Invalid { message, .. }
                if message.starts_with("unknown field"));
            if unknown_key {
                failure.hint(format!(
                    "the keys a config file may hold: {}",
                    config_files::KEYS.join(", ")
                ))
            } else {
                failure
            }
        })?;
        Ok(self.layers.get_or_init(|| layers))
    }

    /// The global flags as the resolver takes them; a command adds its own.
    pub fn flags(&self) -> Flags {
        Flags {
            namespace: self.global.namespace.clone(),
            context: self.global.context.clone(),
            ..Flags::default()
        }
    }

    /// Every setting, resolved once from these flags, the environment and the config files.
    pub fn settings(&self, flags: &Flags) -> Result<Settings> {
        Ok(settings::resolve(flags, self.config()?)?)
    }

    /// Where to connect: the kubeconfig from the flag or KUBECONFIG, the context and namespace as
    /// resolved.
    pub fn target(&self) -> Result<Target> {
        let s = self.settings(&self.flags())?;
        Ok(Target {
            kubeconfig: self.global.kubeconfig.clone(),
            context: s.context.value,
            namespace: s.namespace.value,
        })
    }

    pub async fn connect(&self) -> Result<Cluster> {
        let cluster = cluster::connect(&self.target()?).await?;
        self.printer.debug(
            1,
            &format!(
                "context {}, server {}, namespace {}",
                cluster.context, cluster.server, cluster.namespace
            ),
        );
        Ok(cluster)
    }

    /// `-n NS` to repeat in suggested commands when the user chose a namespace explicitly.
    pub fn ns_flag(&self) -> String {
        match &self.global.namespace {
            Some(ns) => format!(" -n {ns}"),
            None => String::new(),
        }
    }
}

/// The network commands are async; one small runtime on this thread is all a CLI needs. It is
/// shared by every call of a command because the kube client's connection worker lives on the
/// runtime that created the client.
pub fn block_on<F: Future>(fut: F) -> Result<F::Output> {
    static RUNTIME: std::sync::OnceLock<std::io::Result<tokio::runtime::Runtime>> =
        std::sync::OnceLock::new();
    let rt = RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        })
        .as_ref()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    Ok(rt.block_on(fut))
}

pub fn run(cli: Cli) -> Result<Outcome> {
    let ctx = Ctx::new(cli.global);
    match cli.command {
        Command::Remote(args) => remote::run(&ctx, *args),
        Command::Detect(args) => detect::run(&ctx, args),
        Command::Logs(args) => logs::run(&ctx, args),
        Command::List(args) => list::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::Cancel(args) => cancel::run(&ctx, args),
        Command::Clean(args) => clean::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Config(args) => config::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Setup(args) => setup::run(&ctx, args),
        Command::Image(args) => image::run(&ctx, args),
        Command::Diff(args) => bring::diff(&ctx, args),
        Command::Checkout(args) => bring::checkout(&ctx, args),
        Command::Man(args) => man::run(&ctx, args),
        Command::Local(args) => local::run(&ctx, *args),
    }
}

/// How a followed or awaited job ended, told to the user, as the exit code scripts see.
pub fn report_ending(ctx: &Ctx, job: &str, ending: &Ending) -> Outcome {
    let p = &ctx.printer;
    let ns = ctx.ns_flag();
    match ending {
        Ending::Succeeded => {
            p.info(&p.paint_err(&format!("job {job} succeeded"), Tone::Good));
            Outcome::Success
        }
        Ending::StillRunning => Outcome::Success,
        Ending::Failed(why) => {
            p.alert(&format!("job {job} failed: {why}"));
            p.hint(&format!(
                "see what happened with `claude-sandbox status {job}{ns}`"
            ));
            Outcome::JobFailed
        }
        Ending::Stuck { reason, message } => {
            let detail = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            p.alert(&format!("job {job} cannot start: {reason}{detail}"));
            p.hint(&format!(
                "it will not recover by itself; fix the cause and remove it with `claude-sandbox cancel {job}{ns}`"
            ));
            Outcome::JobFailed
        }
        Ending::Deleted => {
            p.alert(&format!("job {job} was deleted before it finished"));
            Outcome::JobFailed
        }
    }
}

/// Run a wait (follow or --wait) with Ctrl-C detaching and an optional time limit.
pub fn supervise<F>(ctx: &Ctx, job: &str, timeout: Option<Duration>, fut: F) -> Result<Outcome>
where
    F: Future<Output = Result<Ending>>,
{
    let ns = ctx.ns_flag();
    block_on(async {
        let limited = async {
            match timeout {
                Some(t) => tokio::time::timeout(t, fut).await.ok(),
                None => Some(fut.await),
            }
        };
        tokio::select! {
            res = limited => match res {
                Some(Ok(ending)) => Ok(report_ending(ctx, job, &ending)),
                Some(Err(e)) => Err(e),
                None => {
                    ctx.printer.alert(&format!(
                        "timed out after {} waiting for job {job}; it keeps running",
                        crate::units::format_duration(timeout.unwrap_or_default())
                    ));
                    ctx.printer.hint(&format!("follow it with `claude-sandbox logs {job}{ns}`"));
                    Ok(Outcome::TimedOut)
                }
            },
            _ = tokio::signal::ctrl_c() => {
                // A fresh line: the terminal shows ^C where the cursor was.
                ctx.printer.alert(&format!("\ndetached from job {job}; it keeps running"));
                ctx.printer.hint(&format!("re-attach with `claude-sandbox logs {job}{ns}`"));
                Ok(Outcome::Detached)
            }
        }
    })?
}

/// What `-f`, `--wait` and `logs` show while a job has not started: on a terminal a spinner with
/// the latest reason; elsewhere one line on stderr each time the queue's reason changes (a job
/// may wait there for hours), the other reasons only with `-v`.
pub fn wait_reporter(
    ctx: &Ctx,
    job: &str,
) -> (
    Option<indicatif::ProgressBar>,
    impl FnMut(&str) + Send + 'static,
) {
    let spinner = ctx.printer.spinner();
    let bar = spinner.clone();
    let printer = ctx.printer.clone();
    let label = job.to_string();
    let mut last = String::new();
    let report = move |why: &str| {
        match &bar {
            Some(b) => b.set_message(format!("waiting for {label}: {why}")),
            None if why == last => {}
            None if why.starts_with("queued") => printer.info(&format!("{label} {why}")),
            None => printer.debug(1, &format!("waiting for {label}: {why}")),
        }
        last = why.to_string();
    };
    (spinner, report)
}
