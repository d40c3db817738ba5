//! `local TASK`: the pod `remote` would submit, run by Podman on this machine and followed to its
//! end. The translation is `crate::local`'s; this module runs the engine, shows the agent's log as
//! `logs` does, and removes what it made, also after Ctrl-C or `--timeout`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::Result;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::{Ctx, project};
use crate::cli::{LocalArgs, LocalOutput};
use crate::cluster::secrets;
use crate::contract::AGENT_CONTAINER;
use crate::engine::{self, EngineError, Kind, Purpose};
use crate::failure::{Failure, Outcome, code};
use crate::follow::Sink;
use crate::follow::render::Style;
use crate::follow::sink::StdoutSink;
use crate::job;
use crate::local::{self, Translation, argv};
use crate::repo::RepoError;
use crate::settings::Flags;

pub fn run(ctx: &Ctx, args: LocalArgs) -> Result<Outcome> {
    if !args.dry_run && args.output == Some(LocalOutput::Yaml) {
        return Err(Failure::usage("-o yaml prints the pod, with --dry-run")
            .hint("after a run, -o json prints the receipt")
            .into());
    }
    let task = super::remote::read_task(ctx, args.task.as_ref(), args.task_file.as_deref())?;
    let settings = ctx.settings(&Flags {
        image: args.source.image.clone(),
        services: args.source.services.clone(),
        cpu: args.cpu.clone(),
        memory: args.memory.clone(),
        deadline: args.deadline,
        env: args.env.clone(),
        max_turns: args.max_turns,
        max_budget_usd: args.max_budget_usd,
        ..ctx.flags()
    })?;
    let src = project::resolve(ctx, &args.source, &settings)?;
    if src.repo.branch.is_none() {
        return Err(project::repo_failure(RepoError::Detached));
    }
    project::warn_about_sync(ctx, &src.repo);
    let plan = super::remote::build_plan(&settings, task, &src);
    let manifest = job::render(&super::remote::load_template(ctx, &src.repo.root)?, &plan);
    // On the host's network the proxy takes a port nothing here uses now.
    let proxy_port = match args.network.as_deref() {
        Some("host") => Some(free_port()?),
        _ => None,
    };
    let translation = local::translate(&manifest, proxy_port).map_err(|e| {
        Failure::new(e.to_string())
            .hint("remove it from the job template (.claude-sandbox/job.yaml or your own job.yaml) to run locally")
    })?;

    if args.dry_run {
        let text = match args.output.unwrap_or(LocalOutput::Yaml) {
            LocalOutput::Yaml => dry_run_yaml(&translation)?,
            LocalOutput::Json => serde_json::to_string_pretty(&translation.pod)?,
        };
        ctx.printer.out(&text)?;
        return Ok(Outcome::Success);
    }

    let credentials = read_credentials(ctx, args.credentials.as_deref())?;
    let podman = Podman::find(ctx)?;
    // Ctrl-C from here on tears the pod down instead of killing this process halfway: the
    // handler is installed before the first thing is made.
    let mut interrupt = super::block_on(async { signal(SignalKind::interrupt()) })?
        .map_err(|e| Failure::new(format!("cannot watch for Ctrl-C: {e}")))?;
    let mut made = Made::default();
    let result = start_and_follow(
        ctx,
        &podman,
        &translation,
        &credentials,
        &args,
        &mut made,
        &mut interrupt,
    );
    let (ended, receipt) = match result {
        Ok(r) => r,
        // Ctrl-C at a terminal reaches the engine too; a step it cut short is no error of its own.
        Err(_) if interrupted(&mut interrupt) => (Ended::Interrupted, None),
        Err(e) => {
            made.tear_down(ctx, &podman, &translation, args.keep);
            return Err(e);
        }
    };
    made.tear_down(ctx, &podman, &translation, args.keep);
    finish(ctx, &args, &translation, ended, receipt)
}

/// A loopback port free at this moment.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Failure::new(format!("cannot find a free port for the proxy: {e}")))?;
    Ok(listener.local_addr()?.port())
}

/// Whether Ctrl-C came while a step ran.
fn interrupted(interrupt: &mut Signal) -> bool {
    // A moment for the runtime to hand over a signal that has arrived.
    super::block_on(async {
        tokio::time::timeout(std::time::Duration::from_millis(100), interrupt.recv())
            .await
            .is_ok()
    })
    .unwrap_or(false)
}

/// How following the agent ended.
enum Ended {
    Exited(i32),
    Interrupted,
    TimedOut,
}

fn start_and_follow(
    ctx: &Ctx,
    podman: &Podman,
    t: &Translation,
    credentials: &BTreeMap<String, String>,
    args: &LocalArgs,
    made: &mut Made,
    interrupt: &mut Signal,
) -> Result<(Ended, Option<crate::contract::Receipt>)> {
    for v in &t.volumes {
        podman.run("create a volume", &argv::volume_create(v), None)?;
        made.volumes.push(v.name.clone());
    }
    podman.run(
        "store the credentials",
        &argv::secret_create(t),
        Some(&local::secret_payload(credentials)),
    )?;
    made.secret = true;
    // Before the play: a play that fails halfway may leave a pod behind.
    made.pod = true;
    let yaml =
        local::to_yaml(t).map_err(|e| Failure::new(format!("writing the pod as YAML: {e}")))?;
    ctx.printer
        .info(&format!("starting pod {} with podman", t.pod_name()));
    if args.network.as_deref() == Some("host") {
        ctx.printer.warn(
            "--network host: the agent can reach every service listening on this machine, and any program here can use the holder's Anthropic proxy (on a free loopback port) while the pod runs",
        );
    }
    podman.run(
        "start the pod",
        &argv::play(args.network.as_deref()),
        Some(yaml.as_bytes()),
    )?;

    let agent = t.container(AGENT_CONTAINER);
    let ended = follow(ctx, podman, &agent, args, interrupt)?;
    let ended = match ended {
        Followed::Ended => {
            let out = podman.run("wait for the agent", &argv::wait(&agent), None)?;
            let code = out.trim().parse::<i32>().map_err(|_| {
                Failure::new(format!("podman wait gave no exit code for {agent}: {out}"))
            })?;
            Ended::Exited(code)
        }
        Followed::Interrupted => Ended::Interrupted,
        Followed::TimedOut => Ended::TimedOut,
    };
    let receipt = match (&ended, t.receipt_volume()) {
        (Ended::Exited(_), Some(v)) => podman.receipt(v),
        _ => None,
    };
    Ok((ended, receipt))
}

enum Followed {
    Ended,
    Interrupted,
    TimedOut,
}

/// Stream the agent container's log (its stdout and stderr, as a cluster's log has both) into a
/// sink until the container ends, Ctrl-C, or the time limit.
fn follow(
    ctx: &Ctx,
    podman: &Podman,
    container: &str,
    args: &LocalArgs,
    interrupt: &mut Signal,
) -> Result<Followed> {
    let (reader, writer) = std::io::pipe()?;
    let mut child = {
        let mut cmd = podman.command(&argv::logs(container));
        cmd.stdin(Stdio::null())
            .stdout(writer.try_clone()?)
            .stderr(writer);
        // The command holds the pipe's writing end until it is dropped, at the end of this
        // block; the reader then sees the end of the log when the engine exits.
        cmd.spawn().map_err(|e| podman.cannot_start(&e))?
    };
    let mut sink = make_sink(ctx, args);
    let read_log = move || -> std::io::Result<()> {
        let mut lines = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            if lines.read_until(b'\n', &mut buf)? == 0 {
                return sink.flush();
            }
            let line = String::from_utf8_lossy(&buf);
            sink.line(line.trim_end_matches(['\n', '\r']));
            sink.flush()?;
        }
    };
    let timeout = args.timeout;
    let followed = super::block_on(async {
        let limit = async {
            match timeout {
                Some(t) => tokio::time::sleep(t).await,
                None => std::future::pending().await,
            }
        };
        let reading = tokio::task::spawn_blocking(read_log);
        tokio::select! {
            res = reading => Ok(res),
            _ = interrupt.recv() => Err(Followed::Interrupted),
            () = limit => Err(Followed::TimedOut),
        }
    })?;
    match followed {
        Ok(read) => {
            let _ = child.wait();
            match read {
                Ok(Ok(())) => Ok(Followed::Ended),
                Ok(Err(e)) => Err(e.into()),
                Err(e) => Err(Failure::new(format!("reading the agent's log: {e}")).into()),
            }
        }
        Err(why) => {
            stop(&mut child);
            Ok(why)
        }
    }
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// The agent's log as `logs` shows it: rendered for a terminal, raw for pipes and `--raw`. With
/// `-o json` the log goes to stderr, so stdout holds only the receipt.
fn make_sink(ctx: &Ctx, args: &LocalArgs) -> StdoutSink {
    if args.output != Some(LocalOutput::Json) {
        return super::logs::make_sink(ctx, args.raw, AGENT_CONTAINER);
    }
    use std::io::IsTerminal;
    let err = std::io::stderr();
    if args.raw || !err.is_terminal() {
        StdoutSink::raw(Box::new(err))
    } else {
        StdoutSink::rendered(
            Box::new(err),
            Style {
                color: false,
                verbose: ctx.printer.verbosity() > 0,
            },
        )
    }
}

fn finish(
    ctx: &Ctx,
    args: &LocalArgs,
    t: &Translation,
    ended: Ended,
    receipt: Option<crate::contract::Receipt>,
) -> Result<Outcome> {
    let kept = if args.keep {
        "kept (stopped)"
    } else {
        "removed"
    };
    let outcome = match ended {
        Ended::Interrupted => {
            return Err(Failure {
                code: code::INTERRUPTED,
                ..Failure::new(format!("\ninterrupted; pod {} {kept}", t.pod_name()))
            }
            .into());
        }
        Ended::TimedOut => {
            ctx.printer.alert(&format!(
                "timed out after {}; pod {} {kept}",
                crate::units::format_duration(args.timeout.unwrap_or_default()),
                t.pod_name()
            ));
            return Ok(Outcome::TimedOut);
        }
        Ended::Exited(0) => {
            ctx.printer
                .info(&format!("the agent finished; pod {} {kept}", t.pod_name()));
            Outcome::Success
        }
        Ended::Exited(n) => {
            ctx.printer.alert(&format!(
                "the agent exited with code {n}; pod {} {kept}",
                t.pod_name()
            ));
            Outcome::JobFailed
        }
    };
    if let Some(r) = &receipt {
        match args.output {
            Some(LocalOutput::Json) => ctx.printer.out(&serde_json::to_string_pretty(r)?)?,
            _ => super::logs::print_receipt(ctx, r),
        }
    }
    Ok(outcome)
}

/// What this run made, so exactly that is removed.
#[derive(Default)]
struct Made {
    volumes: Vec<String>,
    secret: bool,
    pod: bool,
}

impl Made {
    /// Remove the pod, its volumes and the credentials; with `--keep` only stop the pod. The
    /// credentials are removed either way: they are never left behind on this machine.
    fn tear_down(&mut self, ctx: &Ctx, podman: &Podman, t: &Translation, keep: bool) {
        let quietly = |what: &str, argv: &[String]| {
            if let Err(e) = podman.run_captured(argv) {
                ctx.printer.warn(&format!("could not {what}: {e}"));
            }
        };
        if std::mem::take(&mut self.pod) {
            if keep {
                quietly("stop the pod", &argv::pod_stop(t));
            } else {
                quietly("remove the pod", &argv::pod_rm(t));
            }
        }
        if std::mem::take(&mut self.secret) {
            quietly("remove the credentials", &argv::secret_rm(t));
        }
        let volumes = std::mem::take(&mut self.volumes);
        if keep {
            if !volumes.is_empty() {
                ctx.printer.hint(&format!(
                    "inspect it with `podman logs {}`; remove it with `podman pod rm {}` and `podman volume rm {}`",
                    t.container(crate::contract::HOLDER_CONTAINER),
                    t.pod_name(),
                    volumes.join(" ")
                ));
            }
        } else if !volumes.is_empty() {
            quietly("remove the volumes", &argv::volume_rm(&volumes));
        }
    }
}

/// The credentials for the holder, from `--credentials FILE` and the environment; the keys a job
/// needs must be there, and no value is ever shown.
fn read_credentials(ctx: &Ctx, file: Option<&Path>) -> Result<BTreeMap<String, String>> {
    let text = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::new(format!(
                    "cannot read the credentials file {}: {e}",
                    path.display()
                ))
            })?;
            warn_if_readable(ctx, path);
            Some((path, text))
        }
        None => None,
    };
    let values = local::credentials(
        |k| std::env::var(k).ok(),
        text.as_ref().map(|(p, t)| (*p, t.as_str())),
    )
    .map_err(|e| {
        Failure::new(e.to_string()).hint(format!(
            "the keys it may hold: {}",
            local::CREDENTIAL_KEYS.join(", ")
        ))
    })?;
    let missing = secrets::missing_keys(|k| values.contains_key(k));
    if !missing.is_empty() {
        return Err(Failure::new(format!(
            "a local run needs {}, and it is not set",
            missing.join(" and ")
        ))
        .hint("export it, or put KEY=VALUE lines in a file only you can read and pass it with --credentials FILE")
        .into());
    }
    super::setup::check_shapes(&values)?;
    Ok(values)
}

fn warn_if_readable(ctx: &Ctx, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path)
        && m.permissions().mode() & 0o077 != 0
    {
        ctx.printer.warn(&format!(
            "{} can be read by other users; `chmod 600 {}` keeps your tokens yours",
            path.display(),
            path.display()
        ));
    }
}

/// The YAML `kube play` reads, after comments saying what is made around it.
fn dry_run_yaml(t: &Translation) -> Result<String> {
    let mut text = String::from("# made first, then removed after the run:\n");
    for v in &t.volumes {
        text.push_str(&format!(
            "#   podman {}\n",
            argv::volume_create(v).join(" ")
        ));
    }
    text.push_str(&format!(
        "#   podman {}   (the credentials, on standard input)\n",
        argv::secret_create(t).join(" ")
    ));
    text.push_str(&format!(
        "# then this pod, on standard input: podman {}\n",
        argv::play(None).join(" ")
    ));
    text.push_str(
        &local::to_yaml(t).map_err(|e| Failure::new(format!("writing the pod as YAML: {e}")))?,
    );
    Ok(text)
}

/// The engine: Podman, which plays Kubernetes YAML itself.
struct Podman {
    program: PathBuf,
}

impl Podman {
    fn find(ctx: &Ctx) -> Result<Podman> {
        let chosen = std::env::var_os(engine::ENGINE_VAR);
        let path = std::env::var_os("PATH");
        let found = engine::discover(Purpose::Containers, chosen.as_deref(), path.as_deref())
            .map_err(|e| {
                let hint = match &e {
                    EngineError::NoneFound { .. } => {
                        "install Podman (it runs the pod without a daemon)"
                    }
                    _ => "set CLAUDE_SANDBOX_ENGINE to podman, or the path of it",
                };
                Failure::new(e.to_string()).hint(hint)
            })?;
        if found.kind != Kind::Podman {
            return Err(Failure::new(format!(
                "a local run needs podman, which runs the pod from its Kubernetes YAML; found only {}",
                found.kind.name()
            ))
            .hint("install Podman, or run the task on a cluster with `claude-sandbox remote`")
            .into());
        }
        ctx.printer.debug(
            1,
            &format!("container engine: podman ({})", found.program.display()),
        );
        Ok(Podman {
            program: found.program,
        })
    }

    fn command(&self, argv: &[String]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(argv);
        cmd
    }

    /// The receipt in the hand-off volume, read from the engine's export of it; none when the
    /// engine cannot export it or the agent's PID 1 wrote none.
    fn receipt(&self, volume: &local::LocalVolume) -> Option<crate::contract::Receipt> {
        let mut child = self
            .command(&argv::volume_export(volume))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let receipt = child.stdout.take().and_then(local::receipt_from_tar);
        // Found early, or gave up on a stream that is not what it should be.
        let _ = child.kill();
        let _ = child.wait();
        receipt
    }

    fn cannot_start(&self, e: &std::io::Error) -> Failure {
        Failure::new(format!("cannot start {}: {e}", self.program.display()))
    }

    /// Run one engine command; its stderr (pulls, warnings) is shown as progress, its stdout is
    /// the answer. `input` goes to its standard input, so no secret is ever an argument.
    fn run(&self, what: &str, argv: &[String], input: Option<&[u8]>) -> Result<String> {
        let mut cmd = self.command(argv);
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
        let out = self.exchange(cmd, input)?;
        if !out.0.success() {
            return Err(Failure::new(format!(
                "podman could not {what} (podman {}): {}",
                argv.join(" "),
                out.0
            ))
            .hint("podman's own words are above")
            .into());
        }
        Ok(out.1)
    }

    /// Run one engine command with both outputs kept; an error carries its stderr.
    fn run_captured(&self, argv: &[String]) -> Result<String, String> {
        let mut cmd = self.command(argv);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = cmd.output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(crate::text::cut(stderr.trim(), 300))
        }
    }

    fn exchange(
        &self,
        mut cmd: Command,
        input: Option<&[u8]>,
    ) -> Result<(std::process::ExitStatus, String)> {
        let mut child = cmd.spawn().map_err(|e| self.cannot_start(&e))?;
        if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
            // An engine that exits early closes its end; its exit status says why.
            let _ = stdin.write_all(bytes);
        }
        let out = child.wait_with_output()?;
        Ok((
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    }
}
