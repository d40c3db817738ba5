//! The git CLI, run the one way that keeps the token out of reach: configured through the
//! environment with our credential helper, no terminal prompts, no hooks.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::env::PodEnv;
use super::log::{say, warn};
use super::took;

pub struct Git {
    /// The credential helper as git's config wants it: `!'<this binary>' git-credential`.
    helper: String,
}

/// The clone the agent works in.
pub struct Checkout {
    pub dir: PathBuf,
    /// The commit the agent started from; its work is everything after this.
    pub base: String,
}

/// Author of the commits when the image sets none: the agent's, and ours for left-over changes.
const AUTHOR_NAME: &str = "claude-sandbox";
const AUTHOR_EMAIL: &str = "claude-sandbox@users.noreply.github.com";

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

    /// A git command in `dir`. The config is passed as `GIT_CONFIG_*` variables: they outrank
    /// every config file, so an empty `credential.helper` first drops any helper a repository
    /// (or the agent) configured, before ours is added; and none of it is written anywhere.
    fn command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .stdin(Stdio::null())
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .env("GIT_CONFIG_COUNT", "4")
            .env("GIT_CONFIG_KEY_0", "credential.helper")
            .env("GIT_CONFIG_VALUE_0", "")
            .env("GIT_CONFIG_KEY_1", "credential.helper")
            .env("GIT_CONFIG_VALUE_1", &self.helper)
            .env("GIT_CONFIG_KEY_2", "core.hooksPath")
            .env("GIT_CONFIG_VALUE_2", "/dev/null")
            .envs(trust(dir, 3));
        cmd
    }

    /// Run git and return its stdout; a failure carries git's own last words.
    pub fn run<I, S>(&self, dir: &Path, args: I) -> Result<String, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_with_input(dir, args, None)
    }

    pub fn run_with_input<I, S>(
        &self,
        dir: &Path,
        args: I,
        input: Option<&str>,
    ) -> Result<String, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.exec(dir, args, input, None)
    }

    fn exec<I, S>(
        &self,
        dir: &Path,
        args: I,
        input: Option<&str>,
        index: Option<&Path>,
    ) -> Result<String, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let what = args
            .first()
            .map(|a| format!("git {}", a.to_string_lossy()))
            .unwrap_or_else(|| "git".to_owned());
        let mut cmd = self.command(dir);
        cmd.args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(index) = index {
            cmd.env("GIT_INDEX_FILE", index);
        }
        if input.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                "git is not installed in this image; the sandbox needs it to clone".to_owned()
            }
            _ => format!("could not run {what}: {e}"),
        })?;
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            // git may exit before reading everything; its exit status says what went wrong.
            let _ = stdin.write_all(text.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("{what}: {e}"))?;
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

    /// Clone the task's repository into the work directory, at its commit, on the work branch.
    pub fn checkout(&self, env: &PodEnv) -> Result<Checkout, String> {
        let dir = prepare_workdir(&env.workdir)?;
        let started = Instant::now();
        say(&format!("cloning {} (branch {})", env.repo_url, env.branch));
        self.run(
            &dir,
            [
                "clone",
                "--quiet",
                "--depth",
                "1",
                "--single-branch",
                "--no-tags",
                "--branch",
                &env.branch,
                "--",
                &env.repo_url,
                ".",
            ],
        )
        .map_err(|e| format!("could not clone {}: {e}", env.repo_url))?;
        let tip = self.run(&dir, ["rev-parse", "HEAD"])?;
        let base = match &env.commit {
            Some(commit) if *commit != tip => {
                self.fetch_commit(&dir, env, commit)?;
                commit.clone()
            }
            _ => tip,
        };
        self.run(
            &dir,
            ["switch", "--quiet", "--create", &env.work_branch(), &base],
        )?;
        self.set_identity(&dir)?;
        exclude_our_files(&dir);
        say(&format!(
            "cloned in {}; at {} on {}",
            took(started.elapsed()),
            &base[..base.len().min(12)],
            env.work_branch()
        ));
        Ok(Checkout { dir, base })
    }

    /// The commit the CLI saw is older than the branch tip: fetch just that commit, else deepen.
    fn fetch_commit(&self, dir: &Path, env: &PodEnv, commit: &str) -> Result<(), String> {
        let object = format!("{commit}^{{commit}}");
        let present = || self.run(dir, ["cat-file", "-e", &object]).is_ok();
        if present() {
            return Ok(());
        }
        let by_id = self.run(dir, ["fetch", "--quiet", "--depth", "1", "origin", commit]);
        if by_id.is_err() || !present() {
            // Servers that refuse fetching by id still serve the whole branch.
            let shallow = self.run(dir, ["rev-parse", "--is-shallow-repository"])?;
            if shallow == "true" {
                self.run(dir, ["fetch", "--quiet", "--unshallow", "origin"])
                    .map_err(|e| format!("could not fetch the history of {}: {e}", env.branch))?;
            }
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

    /// The work tree as a tree object, untracked files included, without touching the real index:
    /// what a commit of everything would hold right now.
    pub fn snapshot(&self, dir: &Path) -> Result<String, String> {
        let index = dir.join(".git").join("claude-sandbox-snapshot-index");
        let _ = std::fs::remove_file(&index);
        // A copy of the real index carries its file stamps, so only files that changed are read
        // again; from HEAD alone git would hash every file of the tree.
        if std::fs::copy(dir.join(".git").join("index"), &index).is_err() {
            self.exec(dir, ["read-tree", "HEAD"], None, Some(&index))?;
        }
        self.exec(dir, ["add", "--all"], None, Some(&index))?;
        let tree = self.exec(dir, ["write-tree"], None, Some(&index));
        let _ = std::fs::remove_file(&index);
        tree
    }

    /// Paths that differ between two trees (or commits).
    pub fn changed_paths(&self, dir: &Path, from: &str, to: &str) -> Result<Vec<String>, String> {
        let out = self.run(dir, ["diff-tree", "-r", "--name-only", "-z", from, to])?;
        Ok(out
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// Commits need an author; when the image's git has none, name the sandbox.
    fn set_identity(&self, dir: &Path) -> Result<(), String> {
        let has = |key: &str| {
            self.run(dir, ["config", "--get", key])
                .is_ok_and(|v| !v.is_empty())
        };
        if !has("user.email") {
            self.run(dir, ["config", "user.email", AUTHOR_EMAIL])?;
        }
        if !has("user.name") {
            self.run(dir, ["config", "user.name", AUTHOR_NAME])?;
        }
        Ok(())
    }
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

/// The Python environment the sandbox creates lives in the clone; keep it out of the commit it
/// makes of left-over changes.
fn exclude_our_files(dir: &Path) {
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
