//! Install the project's dependencies before the agent starts, so its first test run is about the
//! task and not about a missing gem.
//!
//! The steps follow the lockfiles at the repository root; `.claude-sandbox/setup.sh` replaces them
//! all when a project knows better. Each step is logged and timed; its output is kept back (the
//! agent's log is what users read) and shown, last lines only, when it fails, which stops the run
//! with the step's exit code. A step whose tool the image lacks is skipped with a warning: the
//! agent may still do useful work without it.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::env::{AGENT_WITHHELD, PodEnv};
use super::log::{fail, say, tail, warn};
use crate::units::format_elapsed;

pub const SETUP_SCRIPT: &str = ".claude-sandbox/setup.sh";
const VENV: &str = ".venv";
const TAIL_LINES: usize = 30;
const HEARTBEAT: Duration = Duration::from_secs(60);

/// What the agent's environment needs from the preparation.
#[derive(Debug, Default)]
pub struct Prepared {
    /// `.venv/bin` when a Python environment was made, to put first on the agent's PATH.
    pub venv: Option<PathBuf>,
}

#[derive(Debug)]
pub struct StepFailed {
    pub exit_code: u8,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub program: String,
    pub args: Vec<String>,
}

impl Step {
    fn new(program: &str, args: &[&str]) -> Self {
        Step {
            program: program.to_owned(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn label(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The steps for the repository at `dir`, in order.
pub fn plan(dir: &Path, has_database: bool) -> Vec<Step> {
    let has = |f: &str| dir.join(f).is_file();
    if has(SETUP_SCRIPT) {
        let shell = if find_program("bash").is_some() {
            "bash"
        } else {
            "sh"
        };
        return vec![Step::new(shell, &[SETUP_SCRIPT])];
    }
    let mut steps = Vec::new();
    if has("Gemfile") {
        steps.push(Step::new("bundle", &["install"]));
        if has("bin/rails") && has_database {
            steps.push(Step::new("bin/rails", &["db:prepare"]));
        }
    }
    if has("package.json") {
        steps.push(if has("pnpm-lock.yaml") {
            Step::new("pnpm", &["install", "--frozen-lockfile"])
        } else if has("yarn.lock") {
            Step::new(
                "yarn",
                &["install", yarn_frozen_flag(&dir.join("yarn.lock"))],
            )
        } else if has("package-lock.json") || has("npm-shrinkwrap.json") {
            Step::new("npm", &["ci"])
        } else {
            Step::new("npm", &["install"])
        });
    }
    let venv_pip = format!("{VENV}/bin/pip");
    if has("uv.lock") {
        steps.push(Step::new("uv", &["sync", "--frozen"]));
    } else if has("requirements.txt") {
        steps.push(Step::new("python3", &["-m", "venv", VENV]));
        steps.push(Step::new(&venv_pip, &["install", "-r", "requirements.txt"]));
    } else if has("pyproject.toml") {
        steps.push(Step::new("python3", &["-m", "venv", VENV]));
        steps.push(Step::new(&venv_pip, &["install", "-e", "."]));
    }
    if has("go.mod") {
        steps.push(Step::new("go", &["mod", "download"]));
    }
    if has("Cargo.toml") {
        steps.push(Step::new("cargo", &["fetch"]));
    }
    steps
}

/// Yarn 1 and Yarn 2+ spell "install exactly the lockfile" differently, and Yarn 1 ignores the
/// newer `--immutable` without a word, so the lockfile could be rewritten after all. A Yarn 2+
/// lockfile is YAML with a `__metadata:` entry near its top; a Yarn 1 lockfile never has one.
fn yarn_frozen_flag(lockfile: &Path) -> &'static str {
    let mut head = Vec::with_capacity(4096);
    let berry = std::fs::File::open(lockfile)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .is_ok_and(|_| {
            String::from_utf8_lossy(&head)
                .lines()
                .any(|l| l.starts_with("__metadata:"))
        });
    if berry {
        "--immutable"
    } else {
        "--frozen-lockfile"
    }
}

pub fn run(dir: &Path, env: &PodEnv, secrets: &[(String, String)]) -> Result<Prepared, StepFailed> {
    let has_database = env
        .services
        .iter()
        .any(|s| s.var == crate::contract::env::DATABASE_URL);
    let steps = plan(dir, has_database);
    if steps.is_empty() {
        say("nothing to install: no lockfile or manifest the sandbox knows at the root");
    }
    for step in &steps {
        if super::stop::terminated() {
            break;
        }
        // Project files (bin/rails, .venv/bin/pip) are run from the clone; tools from PATH.
        let local = step.program.contains('/');
        if local && !dir.join(&step.program).is_file() {
            warn(&format!(
                "skipping `{}`: {} is missing",
                step.label(),
                step.program
            ));
            continue;
        }
        if !local && find_program(&step.program).is_none() {
            warn(&format!(
                "skipping `{}`: {} is not installed in this image",
                step.label(),
                step.program
            ));
            continue;
        }
        run_step(dir, step, secrets)?;
    }
    let venv = dir.join(VENV).join("bin");
    Ok(Prepared {
        venv: venv.is_dir().then_some(venv),
    })
}

fn run_step(dir: &Path, step: &Step, secrets: &[(String, String)]) -> Result<(), StepFailed> {
    let label = step.label();
    say(&format!("$ {label}"));
    let started = Instant::now();
    let program = if step.program.contains('/') {
        dir.join(&step.program).into_os_string()
    } else {
        OsString::from(&step.program)
    };
    // One pipe for both streams, so the kept lines are in the order the step wrote them.
    let (reader, writer) = std::io::pipe().map_err(|e| StepFailed {
        exit_code: 1,
        message: format!("could not start `{label}`: {e}"),
    })?;
    let mut cmd = project_command(program, dir, secrets);
    cmd.args(&step.args)
        // Installers take CI as "no prompts, no progress bars".
        .env("CI", "true");
    for var in super::env::AGENT_ONLY {
        cmd.env_remove(var);
    }
    // A group of its own, so a cancel during a long install stops the whole step at once.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let spawned = writer
        .try_clone()
        .and_then(|w| cmd.stdout(w).stderr(writer).spawn());
    // The command holds the pipe's write ends; drop them so the reader sees the end when the
    // step exits.
    drop(cmd);
    let mut child = spawned.map_err(|e| StepFailed {
        exit_code: 127,
        message: format!("could not start `{label}`: {e}"),
    })?;
    super::stop::running(child.id());
    let kept = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
    let (read_tx, read_rx) = mpsc::channel();
    {
        let kept = Arc::clone(&kept);
        std::thread::spawn(move || {
            keep_tail(reader, &kept);
            let _ = read_tx.send(());
        });
    }

    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait());
    });
    let status = loop {
        match done_rx.recv_timeout(HEARTBEAT) {
            Ok(status) => break status,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                say(&format!(
                    "… {label} still running ({})",
                    format_elapsed(started.elapsed())
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Err(std::io::Error::other("lost track of the step"));
            }
        }
    };
    super::stop::finished();
    // A daemon the step left running (a Spring server, say) may hold the pipe open for ever; its
    // output is not worth waiting for.
    let _ = read_rx.recv_timeout(Duration::from_secs(2));
    let status = status.map_err(|e| StepFailed {
        exit_code: 1,
        message: format!("`{label}`: {e}"),
    })?;
    if status.success() {
        say(&format!(
            "{label}: done in {}",
            format_elapsed(started.elapsed())
        ));
        return Ok(());
    }
    let exit_code = exit_code(status);
    let lines: Vec<String> = kept
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain(..)
        .collect();
    fail(&format!(
        "`{label}` failed with exit code {exit_code} after {}; its last lines:",
        format_elapsed(started.elapsed())
    ));
    tail(&lines);
    Err(StepFailed {
        exit_code,
        message: format!(
            "`{label}` failed with exit code {exit_code}; add {SETUP_SCRIPT} to the repository to \
             prepare it your own way"
        ),
    })
}

/// A program that runs the project's code (an installer, the agent) in the clone: with the
/// decrypted project variables, trusting the clone despite its root-owned volume, no terminal to
/// prompt on, and without the credentials it has no use for.
pub fn project_command(
    program: impl AsRef<std::ffi::OsStr>,
    dir: &Path,
    secrets: &[(String, String)],
) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_COUNT", "1")
        .envs(super::git::trust(dir, 0))
        .envs(secrets.iter().map(|(k, v)| (k, v)));
    for var in AGENT_WITHHELD {
        cmd.env_remove(var);
    }
    cmd
}

fn keep_tail(pipe: impl Read, kept: &Mutex<VecDeque<String>>) {
    let mut reader = BufReader::new(pipe);
    let mut buf = Vec::new();
    while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
        let text = String::from_utf8_lossy(&buf);
        let mut line: String = text.trim_end().chars().take(400).collect();
        // Progress bars redraw with '\r'; only the last drawing is worth keeping.
        if let Some((_, last)) = line.rsplit_once('\r') {
            line = last.to_owned();
        }
        let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() == TAIL_LINES {
            kept.pop_front();
        }
        kept.push_back(line);
        buf.clear();
    }
}

/// A child's status as our own exit code: its code, or 128 + the signal that ended it.
pub fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => u8::try_from(c).ok().filter(|c| *c != 0).unwrap_or(1),
        (None, Some(sig)) => u8::try_from(128 + sig).unwrap_or(1),
        _ => 1,
    }
}

/// Where `program` would be found on PATH.
pub fn find_program(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        dir
    }

    fn labels(files: &[&str], db: bool) -> Vec<String> {
        let dir = repo(files);
        plan(dir.path(), db).iter().map(Step::label).collect()
    }

    #[test]
    fn yarn_gets_the_frozen_flag_its_lockfile_version_understands() {
        let dir = repo(&["package.json"]);
        let lock = dir.path().join("yarn.lock");
        std::fs::write(
            &lock,
            "# THIS IS AN AUTOGENERATED FILE.\n# yarn lockfile v1\n\n\nleft-pad@^1.3.0:\n  version \"1.3.0\"\n",
        )
        .unwrap();
        let steps: Vec<String> = plan(dir.path(), false).iter().map(Step::label).collect();
        assert_eq!(steps, ["yarn install --frozen-lockfile"]);
        std::fs::write(
            &lock,
            "# This file is generated by running \"yarn install\"\n\n__metadata:\n  version: 8\n  cacheKey: 10c0\n",
        )
        .unwrap();
        let steps: Vec<String> = plan(dir.path(), false).iter().map(Step::label).collect();
        assert_eq!(steps, ["yarn install --immutable"]);
    }

    #[test]
    fn steps_follow_the_lockfiles() {
        assert_eq!(
            labels(&["Gemfile", "Gemfile.lock", "bin/rails"], true),
            ["bundle install", "bin/rails db:prepare"]
        );
        assert_eq!(labels(&["Gemfile", "bin/rails"], false), ["bundle install"]);
        assert_eq!(
            labels(&["package.json", "pnpm-lock.yaml"], false),
            ["pnpm install --frozen-lockfile"]
        );
        assert_eq!(
            labels(&["package.json", "yarn.lock"], false),
            ["yarn install --frozen-lockfile"]
        );
        assert_eq!(
            labels(&["package.json", "package-lock.json"], false),
            ["npm ci"]
        );
        assert_eq!(labels(&["package.json"], false), ["npm install"]);
        assert_eq!(
            labels(&["pyproject.toml", "uv.lock"], false),
            ["uv sync --frozen"]
        );
        assert_eq!(
            labels(&["requirements.txt", "pyproject.toml"], false),
            [
                "python3 -m venv .venv",
                ".venv/bin/pip install -r requirements.txt"
            ]
        );
        assert_eq!(
            labels(&["go.mod", "Cargo.toml"], false),
            ["go mod download", "cargo fetch"]
        );
        assert!(labels(&["README.md"], true).is_empty());
    }

    #[test]
    fn a_setup_script_replaces_every_step() {
        let steps = labels(&["Gemfile", "package.json", SETUP_SCRIPT], true);
        assert_eq!(steps.len(), 1);
        assert!(
            steps[0].ends_with("sh .claude-sandbox/setup.sh"),
            "{steps:?}"
        );
    }
}
