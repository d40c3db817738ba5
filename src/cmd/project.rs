//! The repository, detection and image a job would use: shared by `detect` and `remote` so the two
//! can never disagree.

use anyhow::Result;

use super::Ctx;
use crate::cli::SourceArgs;
use crate::detect::{self, tree::GitTree};
use crate::failure::Failure;
use crate::plan::{self, Services};
use crate::repo::{self, Overrides, RepoError, RepoInfo, Sync, UrlError};
use crate::settings::Settings;

pub struct Project {
    pub repo: RepoInfo,
    pub services: Services,
    pub image: String,
}

/// `settings` chose the services and the image; detection fills in what they leave open.
pub fn resolve(ctx: &Ctx, args: &SourceArgs, settings: &Settings) -> Result<Project> {
    let dir = ctx.dir();
    if !dir.is_dir() {
        return Err(
            Failure::new(format!("{} is not a directory", dir.display()))
                .hint("-C takes the path of a directory inside a git checkout")
                .into(),
        );
    }
    if let Some(branch) = &args.branch {
        check_branch(branch)?;
    }
    let git = repo::open(&dir).map_err(repo_failure)?;
    let info = repo::inspect(
        &git,
        &Overrides {
            repo_url: args.repo_url.clone(),
            branch: args.branch.clone(),
        },
    )
    .map_err(repo_failure)?;
    ctx.printer
        .debug(1, &format!("repository root: {}", info.root.display()));

    // Services come from the committed tree: that is what the job will clone, not the laptop's
    // uncommitted files.
    let tree = GitTree::head(&git).map_err(|e| repo_failure(RepoError::from(e)))?;
    let started = std::time::Instant::now();
    let detection = detect::detect(&tree);
    ctx.printer.debug(
        1,
        &format!("detection took {} ms", started.elapsed().as_millis()),
    );
    for w in &detection.warnings {
        ctx.printer.warn(&format!("{}: {}", w.file, w.message));
    }
    let services = plan::services(&detection, &settings.services.value);
    let image = plan::image(
        settings.image.value.as_deref(),
        detection.ruby_version.as_deref(),
    );
    Ok(Project {
        repo: info,
        services,
        image,
    })
}

/// `--branch ""` (an unset shell variable) once rendered `REPO_BRANCH: ""`, and a name git
/// cannot have (`a..b`, `x y`) made a job that could only fail at clone time. Refuse both here.
fn check_branch(branch: &str) -> Result<()> {
    if branch.trim().is_empty() {
        return Err(Failure::usage("--branch needs a branch name")
            .hint("pass the remote branch the job should clone, e.g. --branch main")
            .into());
    }
    if !git2::Reference::is_valid_name(&format!("refs/heads/{branch}")) {
        return Err(Failure::usage(format!(
            "--branch '{branch}' is not a valid git branch name"
        ))
        .hint("pass the remote branch the job should clone, e.g. --branch main")
        .into());
    }
    Ok(())
}

/// Tell the user, before anything is submitted, when the job will not see their latest work.
pub fn warn_about_sync(ctx: &Ctx, info: &RepoInfo) {
    let branch = info.branch.as_deref().unwrap_or("HEAD");
    match &info.sync {
        Sync::Ahead { count, tracking } => ctx.printer.warn(&format!(
            "{count} local commit{s} on {branch} {are} not on {tracking}; the job clones the remote, so push first if it needs {them}",
            s = if *count == 1 { "" } else { "s" },
            are = if *count == 1 { "is" } else { "are" },
            them = if *count == 1 { "it" } else { "them" },
        )),
        Sync::NotPushed { remote } => ctx.printer.warn(&format!(
            "branch {branch} has no counterpart on {remote}; the job clones the remote, so push it first (git push -u {remote} {branch})"
        )),
        Sync::InSync | Sync::Unchecked => {}
    }
}

pub fn repo_failure(e: RepoError) -> anyhow::Error {
    let hint = match &e {
        RepoError::NotARepo(_) => Some("run it inside a git checkout, or point at one with -C DIR"),
        RepoError::Bare(_) => Some("clone the repository and run claude-sandbox in the clone"),
        RepoError::NoCommits => {
            Some("commit and push first: the job clones a branch from the remote")
        }
        RepoError::Detached => {
            Some("pass --branch NAME with the remote branch the job should clone")
        }
        RepoError::NoRemote => {
            Some("add one with `git remote add origin URL`, or pass --repo-url URL")
        }
        RepoError::RemoteWithoutUrl { .. } => {
            Some("set it with `git remote set-url`, or pass --repo-url URL")
        }
        RepoError::Url(UrlError::Local(_))
        | RepoError::Url(UrlError::Unsupported(_))
        | RepoError::Url(UrlError::Empty) => {
            Some("pass --repo-url with an https URL the cluster can clone")
        }
        RepoError::Git(_) => None,
    };
    let mut f = Failure::new(e.to_string());
    if let Some(h) = hint {
        f = f.hint(h);
    }
    f.into()
}
