//! The holder publishes the agent's work without trusting anything the agent wrote.
//!
//! The agent's repository is data: its branch ref is read as text, its object files are copied
//! into the holder's private repository (where libgit2 checks every object against its id), its
//! work tree is read by libgit2 into that private repository. No git program runs in the agent's
//! repository and none of its config, hooks, attributes drivers or alternates is ever read. The
//! push runs from the private repository with every config file but our own variables ignored,
//! to `claude-sandbox/<job>` and nowhere else, never forced.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use git2::{FileMode, IndexAddOption, ObjectType, Oid, Repository, Signature, Tree};

use super::env::PodEnv;
use super::git::Git;
use super::handoff;
use super::log::{self, say, warn};
use crate::contract::{MAX_FILE_BYTES, SandboxEvent};
use crate::units::format_elapsed;

/// Author of the commit of left-overs (and of rewritten commits' committer).
const AUTHOR_NAME: &str = "claude-sandbox";
const AUTHOR_EMAIL: &str = "claude-sandbox@users.noreply.github.com";
/// More commits than an agent makes in a day; a longer chain is not the agent's work.
const MAX_COMMITS: usize = 10_000;
const PRIVATE_REPO: &str = "publish.git";

#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    Pushed {
        branch: String,
        commits: u64,
        compare_url: Option<String>,
    },
    NoChanges,
}

/// The holder's private repository: the seed's objects through an alternate the holder wrote,
/// the agent's work tree as its work directory (read only), nothing of the agent's config.
pub struct Private {
    pub repo: Repository,
    pub base: Oid,
    workspace: PathBuf,
}

impl Private {
    pub fn create(env: &PodEnv, base: &str) -> Result<Private, String> {
        let fail =
            |e: &dyn std::fmt::Display| format!("could not prepare the publishing repository: {e}");
        let dir = env.holder_dir.join(PRIVATE_REPO);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| fail(&e))?;
        }
        let repo = Repository::init_bare(&dir).map_err(|e| fail(&e))?;
        let seed = env.seed_dir.join(crate::contract::files::SEED_REPO);
        let info = dir.join("objects").join("info");
        std::fs::create_dir_all(&info).map_err(|e| fail(&e))?;
        std::fs::write(
            info.join("alternates"),
            format!("{}\n", seed.join("objects").display()),
        )
        .map_err(|e| fail(&e))?;
        if let Ok(shallow) = std::fs::read(seed.join("shallow")) {
            std::fs::write(dir.join("shallow"), shallow).map_err(|e| fail(&e))?;
        }
        std::fs::create_dir_all(dir.join("info")).map_err(|e| fail(&e))?;
        std::fs::write(dir.join("info").join("exclude"), "/.venv/\n").map_err(|e| fail(&e))?;
        {
            let mut config = repo.config().map_err(|e| fail(&e))?;
            for (key, value) in [
                ("core.symlinks", true),
                ("core.autocrlf", false),
                ("core.filemode", true),
            ] {
                config.set_bool(key, value).map_err(|e| fail(&e))?;
            }
        }
        let repo = Repository::open_bare(&dir).map_err(|e| fail(&e))?;
        let base = Oid::from_str(base).map_err(|e| fail(&e))?;
        Ok(Private {
            repo,
            base,
            workspace: env.workdir.clone(),
        })
    }

    /// The work tree as a tree object, starting from `start`: files added, changed and removed,
    /// `.gitignore` honoured, symlinks kept as links, files over the limit or unreadable left out.
    pub fn snapshot(&self, start: Oid, left_out: &mut Vec<(String, u64)>) -> Result<Oid, String> {
        // The work tree exists once the agent has cloned into it.
        self.repo
            .set_workdir(&self.workspace, false)
            .map_err(|e| format!("cannot read the work tree: {e}"))?;
        let tree = self.repo.find_tree(start).map_err(|e| e.to_string())?;
        let mut index = self.repo.index().map_err(|e| e.to_string())?;
        index.clear().map_err(|e| e.to_string())?;
        index.read_tree(&tree).map_err(|e| e.to_string())?;
        let workspace = self.workspace.clone();
        let mut seen = HashSet::new();
        let mut filter = |path: &Path, _: &[u8]| -> i32 {
            let full = workspace.join(path);
            let Ok(meta) = std::fs::symlink_metadata(&full) else {
                // Gone: update_all removes it from the index.
                return 0;
            };
            if meta.file_type().is_symlink() {
                return 0;
            }
            if meta.len() > MAX_FILE_BYTES {
                let name = path.to_string_lossy().into_owned();
                if seen.insert(name.clone()) {
                    left_out.push((name, meta.len()));
                }
                return 1;
            }
            let readable = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(&full)
                .is_ok();
            if !meta.file_type().is_file() || !readable {
                return 1;
            }
            0
        };
        index
            .add_all(["*"], IndexAddOption::DEFAULT, Some(&mut filter))
            .map_err(|e| format!("could not read the work tree: {e}"))?;
        index
            .update_all(["*"], Some(&mut filter))
            .map_err(|e| format!("could not read the work tree: {e}"))?;
        // A file over the limit that an earlier tree already held is dropped too.
        let big: Vec<String> = left_out.iter().map(|(p, _)| p.clone()).collect();
        for path in big {
            let _ = index.remove_path(Path::new(&path));
        }
        index
            .write_tree_to(&self.repo)
            .map_err(|e| format!("could not record the work tree: {e}"))
    }
}

/// Everything after the agent: import its commits, commit its left-overs, push.
pub fn publish(
    git: &Git,
    env: &PodEnv,
    private: &Private,
    setup_tree: Option<Oid>,
) -> Result<(Published, Vec<SandboxEvent>), String> {
    let repo = &private.repo;
    let base = private.base;
    let mut events = Vec::new();
    import_objects(&env.workdir, repo);
    let branch = env.work_branch();
    let head = match agent_head(&env.workdir, &branch).filter(|h| descends_from(repo, *h, base)) {
        Some(h) => h,
        None => {
            if agent_head(&env.workdir, &branch).is_some() {
                warn(&format!(
                    "the agent's branch {branch} does not lead back to the commit it started from; \
                     only its work tree is published"
                ));
            }
            base
        }
    };
    let mut left_out = Vec::new();
    let head = without_big_files(repo, base, head, &mut left_out)?;
    let head_tree = tree_of(repo, head)?;
    let mut now = private.snapshot(head_tree, &mut left_out)?;
    if let Some(setup) = setup_tree {
        now = leave_out_setup_changes(repo, tree_of(repo, base)?, setup, head_tree, now)?;
    }
    let mut named = HashSet::new();
    left_out.retain(|(path, _)| named.insert(path.clone()));
    for (path, bytes) in &left_out {
        warn(&format!(
            "left out {path} ({} MB): GitHub refuses files over 100 MB",
            bytes / 1_000_000
        ));
        events.push(SandboxEvent::LeftOut {
            path: path.clone(),
            bytes: *bytes,
        });
    }
    let tip = if now == head_tree {
        head
    } else {
        say("committing the changes the agent left uncommitted");
        let sig = signature()?;
        let tree = repo.find_tree(now).map_err(|e| e.to_string())?;
        let parent = repo.find_commit(head).map_err(|e| e.to_string())?;
        repo.commit(None, &sig, &sig, &env.task, &tree, &[&parent])
            .map_err(|e| format!("could not commit the left-over changes: {e}"))?
    };
    let commits = count_commits(repo, base, tip);
    if commits == 0 {
        say("the agent made no changes; nothing to push");
        events.push(SandboxEvent::NoChanges);
        return Ok((Published::NoChanges, events));
    }
    if branch == env.branch {
        return Err(format!("refusing to push to the base branch {branch}"));
    }
    let started = Instant::now();
    say(&format!(
        "pushing {commits} commit{} to {branch}",
        if commits == 1 { "" } else { "s" }
    ));
    let refspec = format!("{tip}:refs/heads/{branch}");
    if let Err(e) = git.push(&env.holder_dir.join(PRIVATE_REPO), &env.repo_url, &refspec) {
        events.push(SandboxEvent::PushFailed {
            branch: Some(branch.clone()),
            error: Some(e.clone()),
        });
        for e in &events {
            log::line(&e.to_line());
        }
        return Err(format!("could not push the agent's work to {branch}: {e}"));
    }
    let compare_url = compare_url(&env.repo_url, &env.branch, &branch);
    say(&format!("pushed in {}", format_elapsed(started.elapsed())));
    events.push(SandboxEvent::Pushed {
        branch: Some(branch.clone()),
        base: Some(env.branch.clone()),
        commits: Some(commits),
        compare_url: compare_url.clone(),
        commit: Some(tip.to_string()),
    });
    Ok((
        Published::Pushed {
            branch,
            commits,
            compare_url,
        },
        events,
    ))
}

fn signature() -> Result<Signature<'static>, String> {
    Signature::now(AUTHOR_NAME, AUTHOR_EMAIL).map_err(|e| e.to_string())
}

fn tree_of(repo: &Repository, commit: Oid) -> Result<Oid, String> {
    repo.find_commit(commit)
        .map(|c| c.tree_id())
        .map_err(|e| format!("commit {commit} is unreadable: {e}"))
}

/// The agent's branch tip, read as text from its repository: 40 hex digits or nothing. Never
/// through a symlink, never a `.git` that is not a plain directory.
fn agent_head(workdir: &Path, branch: &str) -> Option<Oid> {
    let git_dir = workdir.join(".git");
    if !std::fs::symlink_metadata(&git_dir).is_ok_and(|m| m.file_type().is_dir()) {
        return None;
    }
    let hex = |text: &str| -> Option<Oid> {
        let t = text.trim();
        (t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Oid::from_str(t).ok())
            .flatten()
    };
    let mut dir = git_dir.clone();
    for part in format!("refs/heads/{branch}").split('/') {
        if !std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_dir()) {
            dir = PathBuf::new();
            break;
        }
        dir = dir.join(part);
    }
    if let Some(bytes) = handoff::read_bounded(&dir, 100) {
        return hex(&String::from_utf8_lossy(&bytes));
    }
    let packed = handoff::read_bounded(&git_dir.join("packed-refs"), 16 * 1024 * 1024)?;
    let wanted = format!("refs/heads/{branch}");
    String::from_utf8_lossy(&packed).lines().find_map(|line| {
        let (id, name) = line.split_once(' ')?;
        (name == wanted).then(|| hex(id)).flatten()
    })
}

/// True when `base` is `head` or one of its ancestors, within a bounded walk.
fn descends_from(repo: &Repository, head: Oid, base: Oid) -> bool {
    let mut todo = vec![head];
    let mut seen = HashSet::new();
    while let Some(id) = todo.pop() {
        if id == base {
            return true;
        }
        if !seen.insert(id) || seen.len() > MAX_COMMITS {
            continue;
        }
        if let Ok(commit) = repo.find_commit(id) {
            todo.extend(commit.parent_ids());
        }
    }
    false
}

fn count_commits(repo: &Repository, base: Oid, tip: Oid) -> u64 {
    commits_since(repo, base, tip).len() as u64
}

/// The commits after `base` up to `tip`, parents before children. Walked by hand: the history
/// before `base` is cut off (a shallow clone), which a revision walk that hides `base` trips on.
fn commits_since(repo: &Repository, base: Oid, tip: Oid) -> Vec<Oid> {
    let mut order = Vec::new();
    let mut done = HashSet::new();
    // (commit, parents pushed yet)
    let mut stack = vec![(tip, false)];
    while let Some((id, expanded)) = stack.pop() {
        if id == base || done.contains(&id) || order.len() >= MAX_COMMITS {
            continue;
        }
        if expanded {
            done.insert(id);
            order.push(id);
            continue;
        }
        stack.push((id, true));
        if let Ok(commit) = repo.find_commit(id) {
            for parent in commit.parent_ids() {
                if !done.contains(&parent) {
                    stack.push((parent, false));
                }
            }
        }
    }
    order
}

/// Copy the agent's object files into the private repository as plain data: loose objects and
/// packs with their indexes, regular files only. Its `info/alternates` (which could point at the
/// holder's own files) and every other file are never read; libgit2 checks each object against
/// its id when it is used.
fn import_objects(workdir: &Path, repo: &Repository) {
    let from = workdir.join(".git").join("objects");
    let to = repo.path().join("objects");
    let is_dir = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_dir());
    if !is_dir(&workdir.join(".git")) || !is_dir(&from) {
        return;
    }
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let Ok(entries) = std::fs::read_dir(&from) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if hex(&name, 2) && is_dir(&path) {
            let Ok(objects) = std::fs::read_dir(&path) else {
                continue;
            };
            for object in objects.flatten() {
                let file = object.file_name().to_string_lossy().into_owned();
                if hex(&file, 38) {
                    copy_plain(&object.path(), &to.join(&name).join(&file));
                }
            }
        }
    }
    let Ok(packs) = std::fs::read_dir(from.join("pack")) else {
        return;
    };
    for pack in packs.flatten() {
        let name = pack.file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_prefix("pack-")
            .and_then(|n| n.strip_suffix(".idx"))
        else {
            continue;
        };
        if !(hex(stem, 40) || hex(stem, 64)) {
            continue;
        }
        let pack_file = format!("pack-{stem}.pack");
        // The pack before its index, so no reader sees an index without its pack.
        if copy_plain(
            &from.join("pack").join(&pack_file),
            &to.join("pack").join(&pack_file),
        ) {
            copy_plain(&pack.path(), &to.join("pack").join(&name));
        }
    }
}

/// Copy one regular file without following a symlink; an existing target is kept.
fn copy_plain(from: &Path, to: &Path) -> bool {
    if to.exists() {
        return true;
    }
    if !std::fs::symlink_metadata(from).is_ok_and(|m| m.file_type().is_file()) {
        return false;
    }
    let Ok(mut src) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(from)
    else {
        return false;
    };
    if let Some(parent) = to.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let tmp = to.with_extension("importing");
    let copied = std::fs::File::create(&tmp)
        .and_then(|mut dst| std::io::copy(&mut src, &mut dst))
        .and_then(|_| std::fs::rename(&tmp, to));
    if copied.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    copied.is_ok()
}

/// The agent's commits with every blob over the limit taken out; the same commits when none is.
fn without_big_files(
    repo: &Repository,
    base: Oid,
    head: Oid,
    left_out: &mut Vec<(String, u64)>,
) -> Result<Oid, String> {
    if head == base {
        return Ok(head);
    }
    let commits = commits_since(repo, base, head);
    let mut trees = HashMap::new();
    let mut rewritten: HashMap<Oid, Oid> = HashMap::new();
    let mut seen = HashSet::new();
    for id in commits {
        let commit = repo.find_commit(id).map_err(|e| e.to_string())?;
        let tree = commit.tree().map_err(|e| e.to_string())?;
        let new_tree = filter_tree(repo, &tree, "", &mut trees, left_out, &mut seen)?;
        let parents: Vec<Oid> = commit
            .parent_ids()
            .map(|p| *rewritten.get(&p).unwrap_or(&p))
            .collect();
        if new_tree == tree.id()
            && parents
                .iter()
                .eq(commit.parent_ids().collect::<Vec<_>>().iter())
        {
            continue;
        }
        let tree = repo.find_tree(new_tree).map_err(|e| e.to_string())?;
        let parent_commits: Vec<git2::Commit> = parents
            .iter()
            .filter_map(|p| repo.find_commit(*p).ok())
            .collect();
        let refs: Vec<&git2::Commit> = parent_commits.iter().collect();
        let committer = signature()?;
        let new = repo
            .commit(
                None,
                &commit.author(),
                &committer,
                &String::from_utf8_lossy(commit.message_bytes()),
                &tree,
                &refs,
            )
            .map_err(|e| format!("could not rewrite a commit without its large files: {e}"))?;
        rewritten.insert(id, new);
    }
    Ok(*rewritten.get(&head).unwrap_or(&head))
}

fn filter_tree(
    repo: &Repository,
    tree: &Tree,
    prefix: &str,
    cache: &mut HashMap<Oid, Oid>,
    left_out: &mut Vec<(String, u64)>,
    seen: &mut HashSet<String>,
) -> Result<Oid, String> {
    if let Some(done) = cache.get(&tree.id()) {
        return Ok(*done);
    }
    let odb = repo.odb().map_err(|e| e.to_string())?;
    let mut builder = repo.treebuilder(Some(tree)).map_err(|e| e.to_string())?;
    let mut changed = false;
    for entry in tree.iter() {
        let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        match entry.kind() {
            Some(ObjectType::Blob) => {
                let size = odb
                    .read_header(entry.id())
                    .map(|(s, _)| s as u64)
                    .unwrap_or(0);
                if size > MAX_FILE_BYTES {
                    builder
                        .remove(entry.name_bytes())
                        .map_err(|e| e.to_string())?;
                    changed = true;
                    if seen.insert(path.clone()) {
                        left_out.push((path, size));
                    }
                }
            }
            Some(ObjectType::Tree) => {
                let sub = repo.find_tree(entry.id()).map_err(|e| e.to_string())?;
                let new = filter_tree(repo, &sub, &path, cache, left_out, seen)?;
                if new != entry.id() {
                    builder
                        .insert(entry.name_bytes(), new, i32::from(FileMode::Tree))
                        .map_err(|e| e.to_string())?;
                    changed = true;
                }
            }
            _ => {}
        }
    }
    let id = if changed {
        builder.write().map_err(|e| e.to_string())?
    } else {
        tree.id()
    };
    cache.insert(tree.id(), id);
    Ok(id)
}

/// Installers touch the tree too: `bundle install` adds a platform to Gemfile.lock, `db:prepare`
/// rewrites the schema dump. A file the setup changed and nobody changed since is put back as it
/// was at the start, so a run where the agent did nothing pushes nothing.
fn leave_out_setup_changes(
    repo: &Repository,
    base_tree: Oid,
    setup_tree: Oid,
    head_tree: Oid,
    now: Oid,
) -> Result<Oid, String> {
    let by_setup = changed_paths(repo, base_tree, setup_tree)?;
    if by_setup.is_empty() {
        return Ok(now);
    }
    let changed_since = changed_paths(repo, setup_tree, now)?;
    let committed = changed_paths(repo, base_tree, head_tree)?;
    let setup_only: Vec<&String> = by_setup
        .iter()
        .filter(|p| !changed_since.contains(*p) && !committed.contains(*p))
        .collect();
    if setup_only.is_empty() {
        return Ok(now);
    }
    let base = repo.find_tree(base_tree).map_err(|e| e.to_string())?;
    let now_tree = repo.find_tree(now).map_err(|e| e.to_string())?;
    let mut update = git2::build::TreeUpdateBuilder::new();
    for path in &setup_only {
        match base.get_path(Path::new(path.as_str())) {
            Ok(entry) => {
                let mode = match entry.filemode() {
                    0o100755 => FileMode::BlobExecutable,
                    0o120000 => FileMode::Link,
                    _ => FileMode::Blob,
                };
                update.upsert(path.as_str(), entry.id(), mode);
            }
            Err(_) => {
                update.remove(path.as_str());
            }
        }
    }
    let names: Vec<&str> = setup_only.iter().map(|p| p.as_str()).collect();
    say(&format!(
        "left out what only the setup steps changed: {}",
        crate::output::cut(&names.join(", "), 200)
    ));
    update
        .create_updated(repo, &now_tree)
        .map_err(|e| e.to_string())
}

fn changed_paths(
    repo: &Repository,
    from: Oid,
    to: Oid,
) -> Result<std::collections::BTreeSet<String>, String> {
    let a = repo.find_tree(from).map_err(|e| e.to_string())?;
    let b = repo.find_tree(to).map_err(|e| e.to_string())?;
    let diff = repo
        .diff_tree_to_tree(Some(&a), Some(&b), None)
        .map_err(|e| e.to_string())?;
    Ok(diff
        .deltas()
        .flat_map(|d| [d.old_file().path(), d.new_file().path()])
        .flatten()
        .map(|p| p.to_string_lossy().into_owned())
        .collect())
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

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    fn private_over(work: &Path, holder: &Path) -> Private {
        let repo = Repository::init_bare(holder.join(PRIVATE_REPO)).unwrap();
        let empty = repo.treebuilder(None).unwrap().write().unwrap();
        let sig = Signature::now("t", "t@example.com").unwrap();
        let tree = repo.find_tree(empty).unwrap();
        let base = repo.commit(None, &sig, &sig, "base", &tree, &[]).unwrap();
        drop(tree);
        Private {
            repo,
            base,
            workspace: work.to_owned(),
        }
    }

    /// Whatever odd thing the agent leaves in its work tree, the snapshot still records the rest.
    #[test]
    fn odd_entries_in_the_work_tree_never_stop_the_snapshot() {
        let work = tempfile::tempdir().unwrap();
        let holder = tempfile::tempdir().unwrap();
        let w = work.path();
        std::fs::write(w.join("kept.txt"), "work").unwrap();
        // A nested repository whose .git points at a directory of the holder's.
        std::fs::create_dir_all(w.join("nested")).unwrap();
        std::fs::write(
            w.join("nested/.git"),
            format!("gitdir: {}\n", holder.path().display()),
        )
        .unwrap();
        std::fs::write(w.join("nested/file.txt"), "inner").unwrap();
        // A link to a file of the holder's, and a fifo that would block a reader.
        std::os::unix::fs::symlink(holder.path().join("secret"), w.join("link")).unwrap();
        std::fs::write(holder.path().join("secret"), "SECRET-VALUE").unwrap();
        let fifo = std::ffi::CString::new(w.join("pipe").to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads the path it is given and nothing else.
        unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) };
        let private = private_over(w, holder.path());
        let start = private.repo.find_commit(private.base).unwrap().tree_id();
        let mut left_out = Vec::new();
        let tree = private.snapshot(start, &mut left_out).unwrap();
        let tree = private.repo.find_tree(tree).unwrap();
        assert!(tree.get_name("kept.txt").is_some());
        let link = tree.get_name("link").unwrap();
        assert_eq!(link.filemode(), 0o120000);
        let target = private.repo.find_blob(link.id()).unwrap();
        assert!(!String::from_utf8_lossy(target.content()).contains("SECRET-VALUE"));
        assert!(tree.get_name("pipe").is_none());
    }
}
