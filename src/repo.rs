//! The local git checkout: which repository, branch and commit the job should work on.
//!
//! Everything is read in-process with git2, so no credential in a remote URL ever reaches a process
//! command line, and the URL that leaves this module never carries one.

use std::path::{Path, PathBuf};

use git2::{BranchType, Repository};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RepoError {
    #[error("{0} is not inside a git repository")]
    NotARepo(String),
    #[error("{0} is a bare repository; run claude-sandbox from a checkout")]
    Bare(String),
    #[error("the repository has no commits yet")]
    NoCommits,
    #[error("HEAD is detached, so there is no branch for the job to clone")]
    Detached,
    #[error("the repository has no remote named 'origin' and the current branch tracks none")]
    NoRemote,
    #[error("remote '{remote}' has no URL")]
    RemoteWithoutUrl { remote: String },
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error("reading the git repository failed: {0}")]
    Git(String),
}

impl From<git2::Error> for RepoError {
    fn from(e: git2::Error) -> Self {
        RepoError::Git(e.message().to_string())
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("the remote URL is empty")]
    Empty,
    #[error("the remote '{0}' is a path on this machine, which a pod in the cluster cannot clone")]
    Local(String),
    #[error(
        "the remote URL '{0}' is not one a pod can clone (expected https://, ssh:// or git@host:owner/repo)"
    )]
    Unsupported(String),
}

/// How the local branch relates to what the job will clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sync {
    /// The remote-tracking branch has everything the local branch has.
    InSync,
    /// The branch has commits the remote-tracking branch lacks.
    Ahead { count: usize, tracking: String },
    /// No remote-tracking branch exists for it: it was never pushed (or never fetched).
    NotPushed { remote: String },
    /// The branch was given on the command line; it need not exist locally.
    Unchecked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoInfo {
    pub root: PathBuf,
    pub url: String,
    pub branch: Option<String>,
    /// The remote-tracking branch's commit when known, else HEAD (the job clones the remote,
    /// so the remote's commit is what it will work on).
    pub commit: Option<String>,
    pub sync: Sync,
}

/// What the user said on the command line that replaces what git says.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub repo_url: Option<String>,
    pub branch: Option<String>,
}

pub fn open(dir: &Path) -> Result<Repository, RepoError> {
    let repo = Repository::discover(dir).map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            RepoError::NotARepo(dir.display().to_string())
        } else {
            RepoError::from(e)
        }
    })?;
    if repo.is_bare() {
        return Err(RepoError::Bare(dir.display().to_string()));
    }
    Ok(repo)
}

/// Read repository URL, branch, commit and sync state. A detached HEAD is allowed here (branch is
/// `None`); `remote` refuses it unless `--branch` is given.
pub fn inspect(repo: &Repository, overrides: &Overrides) -> Result<RepoInfo, RepoError> {
    let root = repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
    let head = match repo.head() {
        Ok(h) => h,
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            return Err(RepoError::NoCommits);
        }
        Err(e) => return Err(e.into()),
    };
    let head_oid = head.peel_to_commit()?.id();
    let local_branch = if head.is_branch() {
        head.shorthand().ok().map(str::to_string)
    } else {
        None
    };

    let remote_name = tracking_remote(repo, head.name().ok())?;
    let url = match &overrides.repo_url {
        Some(u) => normalize_url(u)?,
        None => {
            let name = remote_name.as_deref().ok_or(RepoError::NoRemote)?;
            let remote = repo.find_remote(name).map_err(|_| RepoError::NoRemote)?;
            let raw = remote.url().ok().filter(|u| !u.is_empty()).ok_or_else(|| {
                RepoError::RemoteWithoutUrl {
                    remote: name.to_string(),
                }
            })?;
            normalize_url(raw)?
        }
    };

    let remote_for_refs = remote_name.clone().unwrap_or_else(|| "origin".into());
    let other_branch = overrides
        .branch
        .as_ref()
        .filter(|b| local_branch.as_deref() != Some(b.as_str()));
    let (branch, commit, sync) = match (other_branch, &local_branch) {
        (Some(b), _) => {
            // A branch other than the checked-out one: trust the remote-tracking ref if we have it.
            let commit = remote_tracking(repo, &remote_for_refs, b).map(|(_, oid)| oid.to_string());
            (Some(b.clone()), commit, Sync::Unchecked)
        }
        (_, Some(b)) => {
            let upstream =
                upstream_of(repo, b).or_else(|| remote_tracking(repo, &remote_for_refs, b));
            match upstream {
                Some((tracking, oid)) => {
                    let (ahead, _behind) = repo.graph_ahead_behind(head_oid, oid)?;
                    let sync = if ahead > 0 {
                        Sync::Ahead {
                            count: ahead,
                            tracking,
                        }
                    } else {
                        Sync::InSync
                    };
                    (Some(b.clone()), Some(oid.to_string()), sync)
                }
                None => (
                    Some(b.clone()),
                    Some(head_oid.to_string()),
                    Sync::NotPushed {
                        remote: remote_for_refs,
                    },
                ),
            }
        }
        (None, None) => (None, Some(head_oid.to_string()), Sync::Unchecked),
    };

    Ok(RepoInfo {
        root,
        url,
        branch,
        commit,
        sync,
    })
}

/// The remote of the current branch's upstream, else `origin` if it exists.
fn tracking_remote(repo: &Repository, head_ref: Option<&str>) -> Result<Option<String>, RepoError> {
    if let Some(refname) = head_ref.filter(|r| r.starts_with("refs/heads/"))
        && let Ok(buf) = repo.branch_upstream_remote(refname)
        && let Ok(name) = buf.as_str()
        && repo.find_remote(name).is_ok()
    {
        return Ok(Some(name.to_string()));
    }
    Ok(repo
        .find_remote("origin")
        .ok()
        .map(|_| "origin".to_string()))
}

fn upstream_of(repo: &Repository, branch: &str) -> Option<(String, git2::Oid)> {
    let local = repo.find_branch(branch, BranchType::Local).ok()?;
    let upstream = local.upstream().ok()?;
    let name = upstream.name().ok().flatten()?.to_string();
    let oid = upstream.get().target()?;
    Some((name, oid))
}

fn remote_tracking(repo: &Repository, remote: &str, branch: &str) -> Option<(String, git2::Oid)> {
    let name = format!("{remote}/{branch}");
    let r = repo.find_branch(&name, BranchType::Remote).ok()?;
    Some((name, r.get().target()?))
}

/// Turn any remote URL a developer has into the https clone URL a pod can use, without credentials:
/// `git@host:owner/repo(.git)`, `ssh://git@host[:port]/owner/repo` and
/// `https://user:token@host/owner/repo` all become `https://host/owner/repo.git`.
pub fn normalize_url(raw: &str) -> Result<String, UrlError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(UrlError::Empty);
    }
    if s.starts_with("file://")
        || s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || looks_like_windows_path(s)
    {
        return Err(UrlError::Local(strip_userinfo_for_display(s)));
    }
    let (scheme, rest) = match s.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => return scp_like(s),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    // userinfo ends at the last '@' of the authority: a password may itself contain '@'.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = split_host_port(host_port);
    if host.is_empty() {
        return Err(UrlError::Unsupported(strip_userinfo_for_display(s)));
    }
    let keep_port = match scheme.as_str() {
        // An explicit https port belongs to the web server; ssh and git ports do not carry over.
        "https" | "http" => port,
        "ssh" | "git" | "git+ssh" | "ssh+git" => None,
        _ => return Err(UrlError::Unsupported(strip_userinfo_for_display(s))),
    };
    let out_scheme = if scheme == "http" { "http" } else { "https" };
    let mut path = path.to_string();
    if scheme != "http" && scheme != "https" {
        // ssh://host/~user/repo is a home-relative path; on forges it is the same as /user/repo.
        path = path.trim_start_matches('~').to_string();
    }
    finish(out_scheme, host, keep_port, &path, s)
}

fn scp_like(s: &str) -> Result<String, UrlError> {
    // user@host:path, or host:path; a single-letter "host" would be a Windows drive, handled earlier.
    let (host, path) = scp_host_path(s).ok_or_else(|| UrlError::Unsupported(s.to_string()))?;
    if host.is_empty() || host.contains('/') || path.is_empty() {
        return Err(UrlError::Unsupported(strip_userinfo_for_display(s)));
    }
    finish("https", host, None, path.trim_start_matches('~'), s)
}

/// `[user[:password]@]host:path` as (host, path). The userinfo ends at the last '@' before the
/// path that a `host:` follows, because a password may itself hold ':' and '@'
/// (`git:tok@en@github.com:owner/repo`); splitting at the first ':' would put it in the path.
fn scp_host_path(s: &str) -> Option<(&str, &str)> {
    let head = &s[..s.find('/').unwrap_or(s.len())];
    let start = head
        .match_indices('@')
        .map(|(i, _)| i + 1)
        .rfind(|&i| head[i..].contains(':'))
        .unwrap_or(0);
    s[start..].split_once(':')
}

fn finish(
    scheme: &str,
    host: &str,
    port: Option<&str>,
    path: &str,
    original: &str,
) -> Result<String, UrlError> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Err(UrlError::Unsupported(strip_userinfo_for_display(original)));
    }
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    let host = host.to_ascii_lowercase();
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!("{scheme}://{host}{port}/{path}.git"))
}

fn split_host_port(hp: &str) -> (&str, Option<&str>) {
    if let Some(rest) = hp.strip_prefix('[') {
        // [v6]:port
        return match rest.split_once(']') {
            Some((h, "")) => (&hp[..h.len() + 2], None),
            Some((h, after)) if after.starts_with(':') => (
                &hp[..h.len() + 2],
                Some(&after[1..]).filter(|p| !p.is_empty()),
            ),
            // Text after the bracket is part of a (broken) host, not something to drop.
            _ => (hp, None),
        };
    }
    match hp.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        Some((h, "")) => (h, None),
        _ => (hp, None),
    }
}

fn looks_like_windows_path(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// For error messages about a URL we refuse: never echo a password back.
pub fn strip_userinfo_for_display(s: &str) -> String {
    if let Some((scheme, rest)) = s.split_once("://") {
        let (authority, path) = rest
            .split_once('/')
            .map_or((rest, None), |(a, p)| (a, Some(p)));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        match path {
            Some(p) => format!("{scheme}://{host}/{p}"),
            None => format!("{scheme}://{host}"),
        }
    } else if let Some((host, path)) = scp_host_path(s) {
        format!("{host}:{path}")
    } else {
        s.to_string()
    }
}

/// The repository's short name (`owner/repo.git` → `repo`), for job names and labels.
pub fn repo_name(url: &str) -> &str {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
    last.strip_suffix(".git").unwrap_or(last)
}

/// `owner/repo` from a normalised URL (the path without `.git`), for labels and display.
pub fn repo_slug(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path = after_scheme.split_once('/').map_or("", |(_, p)| p);
    path.strip_suffix(".git").unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_forms_become_https() {
        let want = "https://github.com/owner/repo.git";
        for raw in [
            "git@github.com:owner/repo.git",
            "git@github.com:owner/repo",
            "github.com:owner/repo.git",
            "ssh://git@github.com/owner/repo.git",
            "ssh://git@github.com:22/owner/repo",
            "ssh://git@GitHub.com:2222/owner/repo/",
            "git+ssh://git@github.com/owner/repo.git",
            "git://github.com/owner/repo.git",
            "https://github.com/owner/repo",
            "https://github.com/owner/repo.git/",
        ] {
            assert_eq!(normalize_url(raw).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn credentials_never_survive() {
        for raw in [
            "https://x-access-token:ghp_SECRET@github.com/owner/repo.git",
            "https://user:p%40ss@word@github.com/owner/repo",
            "https://ghp_SECRET@github.com/owner/repo",
            "ssh://user:ghp_SECRET@github.com/owner/repo",
            // scp-like with a password, which may hold ':' and '@' (found by tests/properties.rs).
            "git:ghp_SECRET@github.com:owner/repo",
            "git:ghp:SE@CRET@github.com:owner/repo.git",
        ] {
            let got = normalize_url(raw).unwrap();
            assert_eq!(got, "https://github.com/owner/repo.git");
            assert!(!got.contains("SECRET") && !got.contains('@'), "{got}");
        }
    }

    #[test]
    fn other_hosts_and_ports_are_kept() {
        assert_eq!(
            normalize_url("git@gitlab.example.com:group/sub/project.git").unwrap(),
            "https://gitlab.example.com/group/sub/project.git"
        );
        assert_eq!(
            normalize_url("https://git.example.com:8443/team/app").unwrap(),
            "https://git.example.com:8443/team/app.git"
        );
        assert_eq!(
            normalize_url("http://token@gitea.local:3000/me/app.git").unwrap(),
            "http://gitea.local:3000/me/app.git"
        );
        assert_eq!(
            normalize_url("ssh://git@[::1]:2222/me/app").unwrap(),
            "https://[::1]/me/app.git"
        );
        assert_eq!(
            normalize_url("ssh://git@example.com/~me/app.git").unwrap(),
            "https://example.com/me/app.git"
        );
        // An '@' in the path of an scp-like remote is not userinfo.
        assert_eq!(
            normalize_url("git@example.com:app@v2").unwrap(),
            "https://example.com/app@v2.git"
        );
    }

    #[test]
    fn local_and_odd_remotes_are_refused_without_echoing_secrets() {
        assert!(matches!(
            normalize_url("/srv/git/app.git"),
            Err(UrlError::Local(_))
        ));
        assert!(matches!(
            normalize_url("file:///srv/git/app.git"),
            Err(UrlError::Local(_))
        ));
        assert!(matches!(normalize_url("../app"), Err(UrlError::Local(_))));
        assert!(matches!(
            normalize_url("C:\\repos\\app"),
            Err(UrlError::Local(_))
        ));
        assert_eq!(normalize_url("  "), Err(UrlError::Empty));
        let err = normalize_url("ftp://user:SECRET@host/x")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("SECRET"), "{err}");
        let err = normalize_url("user:SECRET@host:").unwrap_err().to_string();
        assert!(!err.contains("SECRET"), "{err}");
        assert!(normalize_url("https://github.com").is_err());
        assert!(normalize_url("https://github.com/").is_err());
        assert!(normalize_url("nonsense").is_err());
        // Found by tests/properties.rs: normalising must be idempotent even for garbage hosts.
        let once = normalize_url("[]~:A").unwrap();
        assert_eq!(normalize_url(&once), Ok(once));
    }

    #[test]
    fn names_from_urls() {
        assert_eq!(repo_name("https://github.com/owner/repo.git"), "repo");
        assert_eq!(repo_slug("https://github.com/owner/repo.git"), "owner/repo");
        assert_eq!(repo_slug("https://h:1/g/s/p.git"), "g/s/p");
    }
}
