//! `local TASK`: the pod `remote` would submit, run by Podman (or, without it, Docker) on this
//! machine and followed to its end. The translations are `crate::local`'s; this module runs the
//! engine, shows the agent's log as `logs` does, and removes what it made, also after Ctrl-C or
//! `--timeout`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::Result;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::{Ctx, project};
use crate::cli::{LocalArgs, LocalOutput};
use crate::cluster::secrets;
use crate::contract::{AGENT_CONTAINER, HOLDER_CONTAINER};
use crate::engine::{self, Kind, Purpose};
use crate::failure::{Failure, Outcome, code};
use crate::follow::Sink;
use crate::follow::render::Style;
use crate::follow::sink::StdoutSink;
use crate::job;
use crate::local::{self, Translation, argv, docker};
use crate::repo::RepoError;

pub fn run(ctx: &Ctx, args: LocalArgs) -> Result<Outcome> {
    if !args.dry_run && args.output == Some(LocalOutput::Yaml) {
        return Err(Failure::usage("-o yaml prints the pod, with --dry-run")
            .hint("after a run, -o json prints the receipt")
            .into());
    }
    let task = super::remote::read_task(ctx, &args.task)?;
    let settings = ctx.settings(&super::remote::job_flags(
        &args.source,
        &args.agent,
        ctx.flags(),
    ))?;
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
            LocalOutput::Yaml if dry_run_engine() == Some(Kind::Docker) => {
                dry_run_docker(&translation, args.network.as_deref())?
            }
            LocalOutput::Yaml => dry_run_yaml(&translation)?,
            LocalOutput::Json => serde_json::to_string_pretty(&translation.pod)?,
        };
        ctx.printer.out(&text)?;
        return Ok(Outcome::Success);
    }

    let credentials = read_credentials(ctx, args.credentials.as_deref())?;
    let podman = Engine::find(ctx)?;
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
    engine: &Engine,
    t: &Translation,
    credentials: &BTreeMap<String, String>,
    args: &LocalArgs,
    made: &mut Made,
    interrupt: &mut Signal,
) -> Result<(Ended, Option<crate::contract::Receipt>)> {
    ctx.printer.info(&format!(
        "starting pod {} with {}",
        t.pod_name(),
        engine.kind.name()
    ));
    if args.network.as_deref() == Some("host") {
        ctx.printer.warn(
            "--network host: the agent can reach every service listening on this machine, and any program here can use the holder's Anthropic proxy (on a free loopback port) while the pod runs",
        );
    }
    match engine.kind {
        Kind::Docker => start_docker(engine, t, credentials, args, made)?,
        _ => start_podman(engine, t, credentials, args, made)?,
    }

    let agent = t.container(AGENT_CONTAINER);
    let ended = follow(ctx, engine, &agent, args, interrupt)?;
    let ended = match ended {
        Followed::Ended => {
            let out = engine.run("wait for the agent", &argv::wait(&agent), None)?;
            let code = out.trim().parse::<i32>().map_err(|_| {
                Failure::new(format!(
                    "{} wait gave no exit code for {agent}: {out}",
                    engine.kind.name()
                ))
            })?;
            Ended::Exited(code)
        }
        Followed::Interrupted => Ended::Interrupted,
        Followed::TimedOut => Ended::TimedOut,
    };
    let receipt = match (&ended, engine.kind, t.receipt_volume()) {
        (Ended::Exited(_), Kind::Docker, _) => engine.receipt(&docker::argv::receipt(&agent)),
        (Ended::Exited(_), _, Some(v)) => engine.receipt(&argv::volume_export(v)),
        _ => None,
    };
    Ok((ended, receipt))
}

/// Podman: the volumes, the credentials as a secret, then the pod from its YAML.
fn start_podman(
    podman: &Engine,
    t: &Translation,
    credentials: &BTreeMap<String, String>,
    args: &LocalArgs,
    made: &mut Made,
) -> Result<()> {
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
    podman.run(
        "start the pod",
        &argv::play(args.network.as_deref()),
        Some(yaml.as_bytes()),
    )?;
    Ok(())
}

/// Docker: the volumes handed to their writers, the holder with the credentials file (removed as
/// soon as the holder exists), then the other containers in its network namespace.
fn start_docker(
    engine: &Engine,
    t: &Translation,
    credentials: &BTreeMap<String, String>,
    args: &LocalArgs,
    made: &mut Made,
) -> Result<()> {
    let dir = CredentialsDir::create(t.pod_name())?;
    let env_file = dir.write(&docker::env_file(credentials))?;
    made.credentials_dir = Some(dir);
    let plan = docker::plan(t, args.network.as_deref(), &env_file)
        .map_err(|e| Failure::new(e.to_string()))?;
    for ((create, chown), v) in plan.volumes.iter().zip(&t.volumes) {
        engine.run("create a volume", create, None)?;
        made.volumes.push(v.name.clone());
        engine.run("hand a volume to its writer", chown, None)?;
    }
    // Before the first run: one cut short may leave a container behind.
    made.pod = true;
    let mut steps = plan.steps.iter();
    if let Some(holder) = steps.next() {
        let started = engine.run("start the credential holder", &holder.argv, None);
        // The engine has read the file; nothing needs it any more.
        made.credentials_dir = None;
        started?;
    }
    for step in steps {
        let what = if step.to_completion {
            format!("run init container {}", step.name)
        } else {
            format!("start container {}", step.name)
        };
        engine.run(&what, &step.argv, None)?;
    }
    Ok(())
}

const CREDENTIALS_FILE: &str = "credentials.env";

/// A directory only this user can enter, holding the holder's credentials for Docker's
/// `--env-file`; removed when dropped.
struct CredentialsDir(PathBuf);

impl CredentialsDir {
    fn create(job: &str) -> Result<CredentialsDir> {
        use std::os::unix::fs::DirBuilderExt;
        let path = Self::path(job, &std::process::id().to_string());
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| {
                Failure::new(format!(
                    "cannot make a private directory for the credentials at {}: {e}",
                    path.display()
                ))
            })?;
        Ok(CredentialsDir(path))
    }

    /// Where a run's credentials directory is: unique to the job and this process.
    fn path(job: &str, pid: &str) -> PathBuf {
        std::env::temp_dir().join(format!("{job}-credentials-{pid}"))
    }

    fn write(&self, text: &str) -> Result<PathBuf> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.0.join(CREDENTIALS_FILE);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| {
                Failure::new(format!(
                    "cannot write the credentials file {}: {e}",
                    path.display()
                ))
            })?;
        file.write_all(text.as_bytes())?;
        Ok(path)
    }
}

impl Drop for CredentialsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
    podman: &Engine,
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
    /// The pod (Podman) or the containers of the job's label (Docker).
    pod: bool,
    credentials_dir: Option<CredentialsDir>,
}

impl Made {
    /// Remove the pod, its volumes and the credentials; with `--keep` only stop the pod. The
    /// credentials are removed either way: they are never left behind on this machine.
    fn tear_down(&mut self, ctx: &Ctx, podman: &Engine, t: &Translation, keep: bool) {
        self.credentials_dir = None;
        if podman.kind == Kind::Docker {
            return self.tear_down_docker(ctx, podman, t, keep);
        }
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
                    t.container(HOLDER_CONTAINER),
                    t.pod_name(),
                    volumes.join(" ")
                ));
            }
        } else if !volumes.is_empty() {
            quietly("remove the volumes", &argv::volume_rm(&volumes));
        }
    }

    /// Docker: every container with the job's label, found by it, so one whose start was cut
    /// short goes too; then the volumes.
    fn tear_down_docker(&mut self, ctx: &Ctx, engine: &Engine, t: &Translation, keep: bool) {
        let quietly = |what: &str, argv: &[String]| match engine.run_captured(argv) {
            Ok(out) => Some(out),
            Err(e) => {
                ctx.printer.warn(&format!("could not {what}: {e}"));
                None
            }
        };
        let mut ids = Vec::new();
        if std::mem::take(&mut self.pod)
            && let Some(out) = quietly("list the containers", &docker::argv::containers(t))
        {
            ids = out.split_whitespace().map(String::from).collect();
        }
        if !ids.is_empty() {
            if keep {
                quietly("stop the containers", &docker::argv::stop(&ids));
            } else {
                quietly("remove the containers", &docker::argv::rm(&ids));
            }
        }
        let volumes = std::mem::take(&mut self.volumes);
        if keep {
            if !volumes.is_empty() {
                ctx.printer.hint(&format!(
                    "inspect it with `docker logs {}`; remove it with `docker rm -f $(docker ps -aq --filter label={}={})` and `docker volume rm {}`",
                    t.container(AGENT_CONTAINER),
                    docker::JOB_LABEL,
                    t.pod_name(),
                    volumes.join(" ")
                ));
            }
        } else if !volumes.is_empty() {
            quietly("remove the volumes", &docker::argv::volume_rm(&volumes));
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

/// The engine a dry run would use: the one chosen (installed or not: a dry run needs none), else
/// the one found; Podman's YAML when there is neither.
fn dry_run_engine() -> Option<Kind> {
    let chosen = std::env::var_os(engine::ENGINE_VAR).filter(|v| !v.is_empty());
    if let Some(value) = &chosen {
        let docker = Path::new(value).file_stem() == Some(std::ffi::OsStr::new("docker"));
        return Some(if docker { Kind::Docker } else { Kind::Podman });
    }
    let path = std::env::var_os("PATH");
    engine::discover(Purpose::Containers, None, path.as_deref())
        .ok()
        .map(|e| e.kind)
}

/// The Docker command lines a run would give, in order; the credentials file is named, never
/// shown.
fn dry_run_docker(t: &Translation, network: Option<&str>) -> Result<String> {
    let file = CredentialsDir::path(t.pod_name(), "PID").join(CREDENTIALS_FILE);
    let plan = docker::plan(t, network, &file).map_err(|e| Failure::new(e.to_string()))?;
    let mut text = format!(
        "# docker commands, in order; {} holds {} (only this user can read it; removed once the holder exists)\n",
        file.display(),
        local::CREDENTIAL_KEYS.join(", ")
    );
    for (create, chown) in &plan.volumes {
        text.push_str(&format!("docker {}\n", shell_words(create)));
        text.push_str(&format!("docker {}\n", shell_words(chown)));
    }
    for step in &plan.steps {
        text.push_str(&format!("docker {}\n", shell_words(&step.argv)));
    }
    Ok(text)
}

/// Arguments as a shell would need them typed.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The engine: Podman, which plays Kubernetes YAML itself, or Docker, which runs the pod's
/// containers one by one.
struct Engine {
    kind: Kind,
    program: PathBuf,
}

impl Engine {
    fn find(ctx: &Ctx) -> Result<Engine> {
        let found = super::image::find_engine(ctx, Purpose::Containers)?;
        Ok(Engine {
            kind: found.kind,
            program: found.program,
        })
    }

    fn command(&self, argv: &[String]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(argv);
        cmd
    }

    /// The receipt in the hand-off volume, read from the tar stream `argv` gives (Podman's
    /// export of the volume, Docker's copy of the file); none when the engine cannot give it or
    /// the agent's PID 1 wrote none.
    fn receipt(&self, argv: &[String]) -> Option<crate::contract::Receipt> {
        let mut child = self
            .command(argv)
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
            let name = self.kind.name();
            return Err(Failure::new(format!(
                "{name} could not {what} ({name} {}): {}",
                shell_words(&redacted(argv)),
                out.0
            ))
            .hint(format!("{name}'s own words are above"))
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

/// A command line as shown in an error: the task and other values passed as `--env NAME=VALUE`
/// are long and say nothing about why the engine failed.
fn redacted(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut after_env = false;
    for a in argv {
        if after_env && let Some((name, _)) = a.split_once('=') {
            out.push(format!("{name}=…"));
        } else {
            out.push(a.clone());
        }
        after_env = a == "--env";
    }
    out
}
