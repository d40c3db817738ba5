//! The git CLI, for the network: the holder's clone into the seed and its push, and the agent's
//! clone from the seed.
//!
//! In the holder, git runs only in repositories the holder made, and with no config file at all
//! (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`): everything it needs comes as
//! `GIT_CONFIG_*` variables, which outrank any file. The token reaches git only through our
//! credential helper (this binary), so it never sits in a URL, a config file or an argument list.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::env::PodEnv;
use super::log::{say, warn};
use crate::contract::files;
use crate::units::format_elapsed;

pub struct Git {
    /// The credential helper as git's config wants it: `!'<this binary>' git-credential`.
    helper: String,
}

/// Author of the agent's commits when the image's git has none.
const AUTHOR_NAME: &str = "claude-sandbox";
const AUTHOR_EMAIL: &str = "claude-sandbox@users.noreply.github.com";

impl Default for Git {
    fn default() -> Self {
        Self::new()
    }
}

impl Git {
    pub fn new() -> Self {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| p.to_str().map(str::to_owned))
            .unwrap_or_else(|| "claude-sandbox".to_owned());
        Git {
            helper: format!("!{} git-credential", shell_quote(&exe)),
        }
    }

    /// A git command in `dir` that reads no config file and runs no configured program: an
    /// empty `credential.helper` drops any other before ours, hooks and fsmonitor are off.
    fn command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .stdin(Stdio::null())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .env_remove("GIT_DIR")
            .env_remove("GIT_SSH_COMMAND")
            .env_remove("GIT_PROXY_COMMAND")
            .env_remove("GIT_EXTERNAL_DIFF");
        let config = [
            ("credential.helper", OsStr::new("")),
            ("credential.helper", OsStr::new(&self.helper)),
            ("core.hooksPath", OsStr::new("/dev/null")),
            ("core.fsmonitor", OsStr::new("false")),
            ("commit.gpgSign", OsStr::new("false")),
            ("push.gpgSign", OsStr::new("false")),
            ("http.proxy", OsStr::new("")),
            ("safe.directory", dir.as_os_str()),
        ];
        cmd.env("GIT_CONFIG_COUNT", config.len().to_string());
        for (i, (key, value)) in config.iter().enumerate() {
            cmd.env(format!("GIT_CONFIG_KEY_{i}"), key)
                .env(format!("GIT_CONFIG_VALUE_{i}"), value);
        }
        cmd
    }

    /// Run git and return its stdout; a failure carries git's own last words.
    pub fn run<I, S>(&self, dir: &Path, args: I) -> Result<String, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        output(self.command(dir), args)
    }

    /// The holder's clone: a bare, credential-free repository on the seed volume whose HEAD is
    /// the work branch at the commit the agent starts from. Returns that commit.
    pub fn clone_seed(&self, env: &PodEnv) -> Result<String, String> {
        let seed = env.seed_dir.join(files::SEED_REPO);
        if seed.exists() {
            std::fs::remove_dir_all(&seed)
                .map_err(|e| format!("cannot empty {}: {e}", seed.display()))?;
        }
        let started = Instant::now();
        say(&format!("cloning {} (branch {})", env.repo_url, env.branch));
        let seed_text = seed.to_string_lossy().into_owned();
        self.run(
            &env.seed_dir,
            [
                "clone",
                "--quiet",
                "--bare",
                "--depth",
                "1",
                "--single-branch",
                "--no-tags",
                "--branch",
                &env.branch,
                "--",
                &env.repo_url,
                &seed_text,
            ],
        )
        .map_err(|e| format!("could not clone {}: {e}", env.repo_url))?;
        let tip = self.run(&seed, ["rev-parse", "HEAD"])?;
        let base = match &env.commit {
            Some(commit) if *commit != tip => {
                self.fetch_commit(&seed, env, commit)?;
                commit.clone()
            }
            _ => tip,
        };
        let work = format!("refs/heads/{}", env.work_branch());
        self.run(&seed, ["update-ref", &work, &base])?;
        self.run(&seed, ["symbolic-ref", "HEAD", &work])?;
        say(&format!(
            "cloned in {}; at {}",
            format_elapsed(started.elapsed()),
            &base[..base.len().min(12)],
        ));
        Ok(base)
    }

    /// The commit the CLI saw is older than the branch tip: fetch just that commit, else deepen.
    fn fetch_commit(&self, dir: &Path, env: &PodEnv, commit: &str) -> Result<(), String> {
        let object = format!("{commit}^{{commit}}");
        let present = || self.run(dir, ["cat-file", "-e", &object]).is_ok();
        if present() {
            return Ok(());
        }
        let by_id = self.run(
            dir,
            [
                "fetch",
                "--quiet",
                "--depth",
                "1",
                "--",
                &env.repo_url,
                commit,
            ],
        );
        if by_id.is_err() || !present() {
            // Servers that refuse fetching by id still serve the whole branch.
            let refspec = format!("refs/heads/{}", env.branch);
            self.run(
                dir,
                [
                    "fetch",
                    "--quiet",
                    "--unshallow",
                    "--",
                    &env.repo_url,
                    &refspec,
                ],
            )
            .map_err(|e| format!("could not fetch the history of {}: {e}", env.branch))?;
        }
        if present() {
            return Ok(());
        }
        Err(format!(
            "commit {} is not on {} at {}: push it, or submit without it",
            &commit[..12],
            env.branch,
            env.repo_url
        ))
    }

    /// Push one commit of the holder's private repository to one new branch: no `+`, so never
    /// forced; an explicit destination, so never anything else.
    pub fn push(&self, git_dir: &Path, url: &str, refspec: &str) -> Result<(), String> {
        let mut cmd = self.command(git_dir);
        cmd.env("GIT_DIR", git_dir);
        output(cmd, ["push", "--quiet", "--no-verify", "--", url, refspec]).map(|_| ())
    }
}

fn output<I, S>(mut cmd: Command, args: I) -> Result<String, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let what = args
        .first()
        .map(|a| format!("git {}", a.to_string_lossy()))
        .unwrap_or_else(|| "git".to_owned());
    cmd.args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            "git is not installed in this image; the sandbox needs it to clone".to_owned()
        }
        _ => format!("could not run {what}: {e}"),
    })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = last[last.len().saturating_sub(3)..].join(" / ");
    let code = out
        .status
        .code()
        .map_or_else(|| "killed".to_owned(), |c| format!("exit {c}"));
    Err(if last.is_empty() {
        format!("{what} failed ({code})")
    } else {
        format!("{what} failed ({code}): {last}")
    })
}

/// The agent's clone, in the agent's container: from the seed, without network or credential.
pub struct Checkout {
    pub dir: PathBuf,
}

/// A git command for the agent's side: no credential anywhere near it, no prompts; the seed
/// (another uid's repository) and the work tree (a root-owned volume) trusted by name.
fn agent_git(dir: &Path, seed: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_COUNT", "2")
        .envs(trust(dir, 0))
        .envs(trust(seed, 1));
    cmd
}

/// Clone the seed into the work directory; HEAD is the work branch at the start commit.
pub fn clone_from_seed(env: &PodEnv, base: &str) -> Result<Checkout, String> {
    let dir = prepare_workdir(&env.workdir)?;
    let seed = env.seed_dir.join(files::SEED_REPO);
    let seed_text = seed.to_string_lossy().into_owned();
    let run = |args: &[&str]| output(agent_git(&dir, &seed), args);
    run(&["clone", "--quiet", "--no-hardlinks", "--", &seed_text, "."])
        .map_err(|e| format!("could not clone the seed repository: {e}"))?;
    let head = run(&["rev-parse", "HEAD"])?;
    if head != base {
        return Err(format!(
            "the seed repository is at {head}, not at the start commit {base}"
        ));
    }
    run(&["remote", "set-url", "origin", &env.repo_url])?;
    let has = |key: &str| run(&["config", "--get", key]).is_ok_and(|v| !v.is_empty());
    if !has("user.email") {
        run(&["config", "user.email", AUTHOR_EMAIL])?;
    }
    if !has("user.name") {
        run(&["config", "user.name", AUTHOR_NAME])?;
    }
    exclude_our_files(&dir);
    say(&format!(
        "working on {} at {}",
        env.work_branch(),
        &base[..base.len().min(12)]
    ));
    Ok(Checkout { dir })
}

/// The work directory is a volume owned by root while we run as uid 1000, which git calls
/// "dubious ownership" and refuses to work in. Our own clone is trusted, and only it; the `n`th
/// `GIT_CONFIG_*` entry says so.
pub fn trust(dir: &Path, n: usize) -> [(String, std::ffi::OsString); 2] {
    [
        (format!("GIT_CONFIG_KEY_{n}"), "safe.directory".into()),
        (format!("GIT_CONFIG_VALUE_{n}"), dir.as_os_str().to_owned()),
    ]
}

/// Clone into an empty directory only: anything already there would be mixed into the agent's
/// commits.
fn prepare_workdir(dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the work directory {}: {e}", dir.display()))?;
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the work directory {}: {e}", dir.display()))?;
    if entries.next().is_some() {
        return Err(format!(
            "the work directory {} is not empty; point CLAUDE_SANDBOX_WORKDIR at an empty one",
            dir.display()
        ));
    }
    Ok(dir.to_path_buf())
}

/// The Python environment the sandbox creates lives in the clone; keep it out of the agent's
/// commits (the holder excludes it from the commit of left-overs on its own side).
fn exclude_our_files(dir: &Path) {
    use std::io::Write;
    let exclude = dir.join(".git/info/exclude");
    let result = std::fs::create_dir_all(dir.join(".git/info")).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&exclude)
            .and_then(|mut f| f.write_all(b"\n# added by claude-sandbox\n/.venv/\n"))
    });
    if let Err(e) = result {
        warn(&format!("could not write {}: {e}", exclude.display()));
    }
}

/// Quote for the `sh -c` git runs helpers with.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_paths_survive_the_shell() {
        assert_eq!(shell_quote("/usr/local/bin/x"), "'/usr/local/bin/x'");
        assert_eq!(shell_quote("/tmp/it's here"), r"'/tmp/it'\''s here'");
    }
}
