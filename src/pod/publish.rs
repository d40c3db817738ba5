//! After the agent: commit what it left uncommitted, and push its work to a new branch.
//!
//! The push goes to `REPO_URL` itself, not to whatever `origin` now says, with an explicit
//! `HEAD:refs/heads/claude-sandbox/<job>` refspec and no `+`: it can create that one branch and
//! nothing else, never the base branch, never forced.

use std::time::Instant;

use crate::contract::SandboxEvent;

use super::env::PodEnv;
use super::git::{Checkout, Git};
use super::log::{self, say};
use super::took;

#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    Pushed {
        branch: String,
        commits: u64,
        compare_url: Option<String>,
    },
    NoChanges,
}

pub fn publish(
    git: &Git,
    env: &PodEnv,
    checkout: &Checkout,
    after_setup: Option<&str>,
) -> Result<Published, String> {
    let dir = &checkout.dir;
    if let Some(setup_tree) = after_setup {
        leave_out_setup_changes(git, checkout, setup_tree)?;
    }
    let pending = git.run(dir, ["status", "--porcelain", "--untracked-files=all"])?;
    if !pending.is_empty() {
        say("committing the changes the agent left uncommitted");
        git.run(dir, ["add", "--all"])?;
        // The task can be far longer than one argument may be; the message goes on stdin.
        git.run_with_input(
            dir,
            ["commit", "--quiet", "--no-verify", "--file", "-"],
            Some(&env.task),
        )?;
    }
    let range = format!("{}..HEAD", checkout.base);
    let commits: u64 = git
        .run(dir, ["rev-list", "--count", &range])?
        .parse()
        .map_err(|_| "git rev-list gave no count".to_owned())?;
    if commits == 0 {
        say("the agent made no changes; nothing to push");
        log::line(&SandboxEvent::NoChanges.to_line());
        return Ok(Published::NoChanges);
    }
    let branch = env.work_branch();
    let started = Instant::now();
    say(&format!(
        "pushing {commits} commit{} to {branch}",
        if commits == 1 { "" } else { "s" }
    ));
    let refspec = format!("HEAD:refs/heads/{branch}");
    if let Err(e) = git.run(dir, ["push", "--quiet", "--", &env.repo_url, &refspec]) {
        let message = format!("could not push the agent's work to {branch}: {e}");
        log::line(
            &SandboxEvent::PushFailed {
                branch: Some(branch.clone()),
                error: Some(e),
            }
            .to_line(),
        );
        return Err(message);
    }
    let compare_url = compare_url(&env.repo_url, &env.branch, &branch);
    say(&format!("pushed in {}", took(started.elapsed())));
    log::line(
        &SandboxEvent::Pushed {
            branch: Some(branch.clone()),
            base: Some(env.branch.clone()),
            commits: Some(commits),
            compare_url: compare_url.clone(),
        }
        .to_line(),
    );
    Ok(Published::Pushed {
        branch,
        commits,
        compare_url,
    })
}

/// Installers touch the tree too: `bundle install` adds a platform to Gemfile.lock, `db:prepare`
/// rewrites the schema dump. Those are not the agent's work, so a file the setup changed and
/// nobody changed since goes back to how it was before the commit of left-overs; otherwise a run
/// where the agent did nothing would still push a branch.
fn leave_out_setup_changes(git: &Git, checkout: &Checkout, setup_tree: &str) -> Result<(), String> {
    let dir = &checkout.dir;
    let by_setup = git.changed_paths(dir, &checkout.base, setup_tree)?;
    if by_setup.is_empty() {
        return Ok(());
    }
    let now = git.snapshot(dir)?;
    let changed_since = git.changed_paths(dir, setup_tree, &now)?;
    let committed = git.changed_paths(dir, &checkout.base, "HEAD")?;
    let setup_only: Vec<&String> = by_setup
        .iter()
        .filter(|p| !changed_since.contains(p) && !committed.contains(p))
        .collect();
    for path in &setup_only {
        let object = format!("{}:{path}", checkout.base);
        if git.run(dir, ["cat-file", "-e", &object]).is_ok() {
            git.run(
                dir,
                [
                    "--literal-pathspecs",
                    "checkout",
                    &checkout.base,
                    "--",
                    path,
                ],
            )?;
        } else {
            let file = dir.join(path);
            std::fs::remove_file(&file)
                .map_err(|e| format!("could not remove {}: {e}", file.display()))?;
        }
    }
    if !setup_only.is_empty() {
        let names: Vec<&str> = setup_only.iter().map(|p| p.as_str()).collect();
        say(&format!(
            "left out what only the setup steps changed: {}",
            crate::output::cut(&names.join(", "), 200)
        ));
    }
    Ok(())
}

/// The page to review the branch and open a pull request, for hosts whose URL scheme we know.
pub fn compare_url(repo_url: &str, base: &str, branch: &str) -> Option<String> {
    let rest = repo_url.strip_prefix("https://github.com/")?;
    let path = rest.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.split('/');
    let (owner, repo) = (parts.next()?, parts.next()?);
    if owner.is_empty() || repo.is_empty() || parts.next().is_some() {
        return None;
    }
    Some(format!(
        "https://github.com/{owner}/{repo}/compare/{base}...{branch}?expand=1"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_urls_for_github_only() {
        assert_eq!(
            compare_url(
                "https://github.com/acme/shop.git",
                "main",
                "claude-sandbox/j-1"
            )
            .as_deref(),
            Some("https://github.com/acme/shop/compare/main...claude-sandbox/j-1?expand=1")
        );
        assert_eq!(
            compare_url("https://github.com/acme/shop", "dev", "b").as_deref(),
            Some("https://github.com/acme/shop/compare/dev...b?expand=1")
        );
        assert_eq!(
            compare_url("https://gitlab.com/acme/shop.git", "main", "b"),
            None
        );
        assert_eq!(compare_url("https://github.com/acme", "main", "b"), None);
    }
}
