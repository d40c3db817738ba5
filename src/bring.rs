//! Bringing a job's work home with the user's own `git`: their remotes, their configuration and
//! their credentials, never ours. Fetching only adds a remote-tracking ref; `diff` reads two
//! commits and leaves the work tree alone; `checkout` switches only a clean work tree (or adds a
//! separate worktree).

use std::path::{Path, PathBuf};
use std::process::Command;

use thiserror::Error;

/// Where a job's work is: its branch on the repository it was started from, and the commit it
/// started at (both from the Job's annotations).
#[derive(Debug, Clone, PartialEq)]
pub struct JobWork {
    pub job: String,
    pub repo_url: String,
    pub base: String,
}

#[derive(Debug, Error)]
pub enum BringError {
    #[error("git could not be run: {0}")]
    NoGit(std::io::Error),
    #[error("git {what} failed: {stderr}")]
    Git { what: String, stderr: String },
    #[error(
        "the job's branch {branch} is not on {url}: the agent pushed nothing, or the job has not finished"
    )]
    NoBranch { branch: String, url: String },
    #[error("the work tree has uncommitted changes:\n{changes}")]
    Dirty { changes: String },
    #[error("{branch} exists here and has commits the job's branch does not")]
    Diverged { branch: String },
}

/// What `diff` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffForm {
    Patch,
    Stat,
    NameOnly,
}

impl JobWork {
    /// `claude-sandbox/<job>`: the branch the pod pushes.
    pub fn branch(&self) -> String {
        format!("claude-sandbox/{}", self.job)
    }
}

/// The user's repository at `dir`, and the remote the job's work is fetched through.
pub struct Local {
    dir: PathBuf,
    /// A configured remote whose URL is the job's repository; else the URL itself.
    source: String,
    tracking: String,
}

impl Local {
    /// Pick the remote whose URL names the job's repository (in any of its spellings), so the
    /// user's own settings for it apply; a repository without one fetches from the URL.
    pub fn new(dir: &Path, work: &JobWork) -> Result<Local, BringError> {
        let remotes = git(dir, &["remote"], "remote")?;
        let mut source = None;
        for name in remotes.lines().map(str::trim).filter(|n| !n.is_empty()) {
            // As configured: `remote get-url` would answer with the user's rewrites applied.
            let key = format!("remote.{name}.url");
            let Ok(url) = git(dir, &["config", "--get", &key], "config") else {
                continue;
            };
            let url = url.trim();
            let same = url == work.repo_url
                || crate::repo::normalize_url(url).is_ok_and(|u| u == work.repo_url);
            if same {
                source = Some(name.to_owned());
                break;
            }
        }
        let tracking = match &source {
            Some(remote) => format!("refs/remotes/{remote}/{}", work.branch()),
            None => format!("refs/remotes/claude-sandbox/{}", work.branch()),
        };
        Ok(Local {
            dir: dir.to_owned(),
            source: source.unwrap_or_else(|| work.repo_url.clone()),
            tracking,
        })
    }

    /// Fetch the job's branch into a remote-tracking ref; the commit it points at.
    pub fn fetch(&self, work: &JobWork) -> Result<String, BringError> {
        let refspec = format!("+refs/heads/{}:{}", work.branch(), self.tracking);
        let out = run(
            &self.dir,
            &["fetch", "--quiet", "--no-tags", &self.source, &refspec],
        )?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            if stderr.contains("couldn't find remote ref") {
                return Err(BringError::NoBranch {
                    branch: work.branch(),
                    url: work.repo_url.clone(),
                });
            }
            return Err(BringError::Git {
                what: "fetch".into(),
                stderr,
            });
        }
        Ok(git(&self.dir, &["rev-parse", &self.tracking], "rev-parse")?
            .trim()
            .to_owned())
    }

    /// The job's changes against the commit it started from, as git prints them.
    pub fn diff(
        &self,
        work: &JobWork,
        tip: &str,
        form: DiffForm,
        color: bool,
    ) -> Result<Vec<u8>, BringError> {
        let mut args = vec![
            "diff",
            if color {
                "--color=always"
            } else {
                "--no-color"
            },
        ];
        match form {
            DiffForm::Patch => {}
            DiffForm::Stat => args.push("--stat"),
            DiffForm::NameOnly => args.push("--name-only"),
        }
        let range = format!("{}..{tip}", work.base);
        args.extend([range.as_str(), "--"]);
        let out = run(&self.dir, &args)?;
        if !out.status.success() {
            return Err(BringError::Git {
                what: "diff".into(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(out.stdout)
    }

    /// Tracked files changed and not committed: what switching branches could carry along or
    /// refuse over.
    pub fn uncommitted(&self) -> Result<Option<String>, BringError> {
        let status = git(
            &self.dir,
            &["status", "--porcelain", "--untracked-files=no"],
            "status",
        )?;
        Ok((!status.trim().is_empty()).then(|| status.trim_end().to_owned()))
    }

    /// Switch this work tree to the job's branch, created at the fetched tip, or moved forward
    /// to it when it exists already.
    pub fn switch(&self, work: &JobWork, tip: &str) -> Result<(), BringError> {
        if let Some(changes) = self.uncommitted()? {
            return Err(BringError::Dirty { changes });
        }
        let branch = work.branch();
        if self.has_branch(&branch)? {
            git(&self.dir, &["switch", "--quiet", &branch], "switch")?;
            git(&self.dir, &["merge", "--ff-only", "--quiet", tip], "merge")
                .map_err(|_| BringError::Diverged { branch })?;
        } else {
            git(
                &self.dir,
                &["switch", "--quiet", "-c", &branch, tip],
                "switch",
            )?;
        }
        Ok(())
    }

    /// A new worktree at `path` on the job's branch; this work tree is not touched.
    pub fn add_worktree(&self, work: &JobWork, tip: &str, path: &Path) -> Result<(), BringError> {
        let branch = work.branch();
        let path = path.to_string_lossy();
        if self.has_branch(&branch)? {
            let current = git(&self.dir, &["rev-parse", &branch], "rev-parse")?;
            if current.trim() != tip {
                let ahead = run(
                    &self.dir,
                    &["merge-base", "--is-ancestor", current.trim(), tip],
                )?;
                if !ahead.status.success() {
                    return Err(BringError::Diverged { branch });
                }
                git(&self.dir, &["branch", "--force", &branch, tip], "branch")?;
            }
            git(
                &self.dir,
                &["worktree", "add", "--quiet", &path, &branch],
                "worktree add",
            )?;
        } else {
            git(
                &self.dir,
                &["worktree", "add", "--quiet", "-b", &branch, &path, tip],
                "worktree add",
            )?;
        }
        Ok(())
    }

    fn has_branch(&self, branch: &str) -> Result<bool, BringError> {
        let out = run(
            &self.dir,
            &[
                "show-ref",
                "--verify",
                "--quiet",
                &format!("refs/heads/{branch}"),
            ],
        )?;
        Ok(out.status.success())
    }
}

fn run(dir: &Path, args: &[&str]) -> Result<std::process::Output, BringError> {
    // The user's git as they run it: their helpers answer, and it may ask on their terminal.
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(BringError::NoGit)
}

fn git(dir: &Path, args: &[&str], what: &str) -> Result<String, BringError> {
    let out = run(dir, args)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(BringError::Git {
            what: what.into(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}
