//! `image build` and `image push`: the agent image made and published with the container engine on
//! this machine. The engine's own output is the progress; it goes to stderr so stdout keeps only
//! the result.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::build_context::{self, ContextError};
use crate::cli::{ImageBuildArgs, ImageCommand, ImagePushArgs, ImageTagArgs, TextOrJson};
use crate::detect::{self, tree::GitTree};
use crate::engine::{self, Engine, EngineError, Purpose};
use crate::failure::{Failure, Outcome, code};
use crate::plan;

pub fn run(ctx: &Ctx, command: ImageCommand) -> Result<Outcome> {
    match command {
        ImageCommand::Build(args) => build(ctx, args),
        ImageCommand::Push(args) => push(ctx, args),
    }
}

#[derive(Serialize)]
struct Built<'a> {
    image: &'a str,
    engine: &'a str,
    build_args: Vec<String>,
    with_agents: &'a [&'static str],
}

#[derive(Serialize)]
struct Pushed<'a> {
    image: &'a str,
    engine: &'a str,
    config_line: &'a str,
}

fn build(ctx: &Ctx, args: ImageBuildArgs) -> Result<Outcome> {
    let engine = find_engine(ctx, Purpose::Images)?;
    let detected_ruby = args.ruby.clone().or_else(|| repository_ruby(ctx));
    let tag = tag_for(ctx, &args.image, detected_ruby.as_deref())?;
    let source = source_dir(args.source.as_deref())?;
    let claude_home = if args.with_agents {
        Some(home_dir()?.join(".claude"))
    } else {
        None
    };
    let context = build_context::prepare(&source, claude_home.as_deref(), &std::env::temp_dir())
        .map_err(context_failure)?;
    ctx.printer.debug(
        1,
        &format!(
            "building from {} in the context {}",
            source.display(),
            context.dir().display()
        ),
    );

    let build_args = build_context::build_args(detected_ruby.as_deref(), args.node.as_deref());
    let dockerfile = context.dockerfile();
    let argv = engine::build_args(&engine::BuildRequest {
        tag: &tag,
        context: context.dir(),
        dockerfile: &dockerfile,
        build_args: &build_args,
        quiet: ctx.printer.quiet(),
    });
    ctx.printer.info(&format!(
        "building {tag} with {}{}",
        engine.kind.name(),
        if context.claude_items.is_empty() {
            String::new()
        } else {
            format!(", with your {}", context.claude_items.join(" and "))
        }
    ));
    let baked = context.claude_items.clone();
    run_engine(ctx, &engine, "build", &argv)?;
    drop(context);

    let shown_args: Vec<String> = build_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
    match args.image.output {
        TextOrJson::Json => ctx.printer.out(&serde_json::to_string_pretty(&Built {
            image: &tag,
            engine: engine.kind.name(),
            build_args: shown_args,
            with_agents: &baked,
        })?)?,
        TextOrJson::Text => {
            ctx.printer.out(&tag)?;
            ctx.printer.hint(&format!(
                "publish it with `claude-sandbox image push -t {tag}`"
            ));
        }
    }
    Ok(Outcome::Success)
}

fn push(ctx: &Ctx, args: ImagePushArgs) -> Result<Outcome> {
    let engine = find_engine(ctx, Purpose::Images)?;
    let tag = tag_for(ctx, &args.image, repository_ruby(ctx).as_deref())?;
    ctx.printer
        .info(&format!("pushing {tag} with {}", engine.kind.name()));
    run_engine(
        ctx,
        &engine,
        "push",
        &engine::push_args(&tag, ctx.printer.quiet()),
    )?;
    let line = config_line(&tag);
    match args.image.output {
        TextOrJson::Json => ctx.printer.out(&serde_json::to_string_pretty(&Pushed {
            image: &tag,
            engine: engine.kind.name(),
            config_line: &line,
        })?)?,
        TextOrJson::Text => {
            ctx.printer.out(&line)?;
            let paths = ctx.config_paths();
            let file = paths
                .repo
                .or(paths.user)
                .map_or_else(|| "a config file".to_string(), |p| p.display().to_string());
            ctx.printer.hint(&format!(
                "put that line at the top of {file} (before any [section]) and jobs will run this image"
            ));
        }
    }
    Ok(Outcome::Success)
}

/// `image = "…"`, quoted so that any tag reads back as itself: a JSON string's escapes are a
/// subset of a TOML basic string's.
fn config_line(tag: &str) -> String {
    let quoted = serde_json::to_string(tag).unwrap_or_else(|_| format!("\"{tag}\""));
    format!("image = {quoted}")
}

/// The engine for `purpose` (CLAUDE_SANDBOX_ENGINE, else the best one on PATH), or a failure
/// that says what to install or set; shared with `local`.
pub(super) fn find_engine(ctx: &Ctx, purpose: Purpose) -> Result<Engine> {
    let chosen = std::env::var_os(engine::ENGINE_VAR);
    let path = std::env::var_os("PATH");
    let found = engine::discover(purpose, chosen.as_deref(), path.as_deref()).map_err(|e| {
        let hint = match (&e, purpose) {
            (EngineError::NoneFound { .. }, Purpose::Images) => {
                "install Podman or Docker, or name your engine's program with CLAUDE_SANDBOX_ENGINE"
            }
            (EngineError::NoneFound { .. }, Purpose::Containers) => {
                "install Podman (it runs the pod without a daemon) or Docker"
            }
            (_, Purpose::Images) => {
                "set CLAUDE_SANDBOX_ENGINE to podman, docker or buildah, or the path of one"
            }
            (_, Purpose::Containers) => {
                "set CLAUDE_SANDBOX_ENGINE to podman or docker, or the path of one"
            }
        };
        Failure::new(e.to_string()).hint(hint)
    })?;
    ctx.printer.debug(
        1,
        &format!(
            "container engine: {} ({})",
            found.kind.name(),
            found.program.display()
        ),
    );
    Ok(found)
}

/// The tag `remote` would use: the user's choice (flag, environment, config), else the default
/// image tagged for the Ruby version.
fn tag_for(ctx: &Ctx, args: &ImageTagArgs, ruby: Option<&str>) -> Result<String> {
    if let Some(tag) = args.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        return Ok(tag.to_string());
    }
    let settings = ctx.settings(&ctx.flags())?;
    Ok(plan::image(settings.image.value.as_deref(), ruby))
}

/// The Ruby version detection finds in the committed tree, as `remote` reads it; none outside a
/// repository.
fn repository_ruby(ctx: &Ctx) -> Option<String> {
    let git = crate::repo::open(&ctx.dir()).ok()?;
    let tree = match GitTree::head(&git) {
        Ok(t) => t,
        Err(e) => {
            ctx.printer
                .debug(1, &format!("no Ruby version detected: {}", e.message()));
            return None;
        }
    };
    detect::detect(&tree).ruby_version
}

/// The source tree to build: the flag or CLAUDE_SANDBOX_SOURCE, else the checkout this binary was
/// compiled from, which is where an installed-from-source binary's Dockerfile lives.
fn source_dir(chosen: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = chosen {
        return Ok(dir.to_path_buf());
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"));
    if built_from.join(build_context::DOCKERFILE).is_file() {
        return Ok(built_from.to_path_buf());
    }
    Err(Failure::new(format!(
        "the claude-sandbox source this binary was built from ({}) is not there any more",
        built_from.display()
    ))
    .hint(
        "clone claude-sandbox and pass its directory with --source DIR (or CLAUDE_SANDBOX_SOURCE)",
    )
    .into())
}

fn home_dir() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            Failure::new("--with-agents needs HOME to find ~/.claude, and HOME is not set").into()
        })
}

fn context_failure(e: ContextError) -> anyhow::Error {
    let failure = Failure::new(e.to_string());
    match e {
        ContextError::NotSource { .. } => failure
            .hint("--source (or CLAUDE_SANDBOX_SOURCE) takes the top directory of a claude-sandbox checkout")
            .into(),
        ContextError::NoAgents { .. } => failure
            .hint("Claude Code keeps user agents in ~/.claude/agents and commands in ~/.claude/commands")
            .into(),
        _ => failure.into(),
    }
}

/// Run the engine with its output shown as it comes. Ctrl-C reaches the engine too (it is in the
/// same process group); we wait for it to stop so the build context is still removed.
fn run_engine(ctx: &Ctx, engine: &Engine, what: &str, argv: &[OsString]) -> Result<()> {
    ctx.printer.debug(
        1,
        &format!(
            "running {} {}",
            engine.program.display(),
            argv.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    let mut child = Command::new(&engine.program)
        .args(argv)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .spawn()
        .map_err(|e| Failure::new(format!("cannot start {}: {e}", engine.program.display())))?;
    let (status, interrupted) = super::block_on(async move {
        let mut wait = tokio::task::spawn_blocking(move || child.wait());
        tokio::select! {
            res = &mut wait => (res, false),
            _ = tokio::signal::ctrl_c() => (wait.await, true),
        }
    })?;
    let status: ExitStatus = status
        .map_err(|e| Failure::new(format!("waiting for {}: {e}", engine.kind.name())))?
        .map_err(|e| Failure::new(format!("waiting for {}: {e}", engine.kind.name())))?;
    // The engine shares our process group, so Ctrl-C may stop it before our own handler has
    // seen the signal: an engine that ended by SIGINT (or with the shell's 130 for it) was
    // interrupted too.
    let engine_interrupted = {
        use std::os::unix::process::ExitStatusExt;
        status.signal() == Some(libc::SIGINT) || status.code() == Some(130)
    };
    if interrupted || engine_interrupted {
        return Err(Failure {
            code: code::INTERRUPTED,
            ..Failure::new(format!("\n{} {what} interrupted", engine.kind.name()))
        }
        .into());
    }
    if !status.success() {
        let how = status.code().map_or_else(
            || "was stopped by a signal".to_string(),
            |c| format!("exited with {c}"),
        );
        return Err(Failure::new(format!(
            "{} {what} failed: it {how}; its output is above",
            engine.kind.name()
        ))
        .into());
    }
    Ok(())
}
