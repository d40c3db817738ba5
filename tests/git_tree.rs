//! Detection reads the committed tree (HEAD), not the working directory.

use std::path::Path;

use claude_sandbox::detect::{GitTree, Service, Tree, detect};
use git2::{IndexAddOption, Oid, Repository, Signature};

fn write(root: &Path, path: &str, body: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// Commits the whole work tree; `extra` adds raw entries (mode, name, oid) to the root
/// tree, for what a work tree cannot hold (gitlinks).
fn commit_all(repo: &Repository, message: &str, extra: &[(i32, &str, Oid)]) -> Oid {
    let mut index = repo.index().unwrap();
    index
        .add_all(
            ["*"].iter(),
            IndexAddOption::DEFAULT | IndexAddOption::FORCE,
            None,
        )
        .unwrap();
    index.update_all(["*"].iter(), None).unwrap();
    index.write().unwrap();
    let tree_id = index.write_tree().unwrap();
    let tree_id = if extra.is_empty() {
        tree_id
    } else {
        let base = repo.find_tree(tree_id).unwrap();
        let mut b = repo.treebuilder(Some(&base)).unwrap();
        for (mode, name, oid) in extra {
            b.insert(name, *oid, *mode).unwrap();
        }
        b.write().unwrap()
    };
    let tree = repo.find_tree(tree_id).unwrap();
    let sig = Signature::now("test", "test@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
}

#[test]
fn detection_reads_the_commit_not_the_work_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = Repository::init(root).unwrap();
    write(root, "package.json", r#"{"workspaces": ["apps/*"]}"#);
    write(
        root,
        "apps/server/package.json",
        r#"{"dependencies": {"pg": "8"}}"#,
    );
    write(root, ".ruby-version", "3.3.5\n");
    commit_all(&repo, "first", &[]);

    // after the commit: a committed manifest deleted, an uncommitted one added
    std::fs::remove_file(root.join("apps/server/package.json")).unwrap();
    write(root, "Gemfile", "gem 'redis'\n");
    write(
        root,
        "apps/worker/package.json",
        r#"{"dependencies": {"ioredis": "5"}}"#,
    );
    std::fs::write(root.join(".ruby-version"), "3.1.0\n").unwrap();

    let tree = GitTree::head(&repo).unwrap();
    let d = detect(&tree);
    assert_eq!(d.service_names(), vec![Service::Postgres], "{d:#?}");
    assert!(d.optional.is_empty());
    assert_eq!(d.services[0].evidence[0].file, "apps/server/package.json");
    assert_eq!(d.ruby_version.as_deref(), Some("3.3"));
    assert!(d.warnings.is_empty());

    // committing the work tree changes the answer
    commit_all(&repo, "second", &[]);
    let d = detect(&GitTree::head(&repo).unwrap());
    assert_eq!(d.service_names(), vec![Service::Redis], "{d:#?}");
    assert_eq!(d.ruby_version.as_deref(), Some("3.1"));
}

#[test]
fn an_older_commit_can_be_detected_with_new() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    write(
        dir.path(),
        "go.mod",
        "module x\nrequire github.com/lib/pq v1.0.0\n",
    );
    let first = commit_all(&repo, "first", &[]);
    write(dir.path(), "go.mod", "module x\n");
    commit_all(&repo, "second", &[]);
    assert!(detect(&GitTree::head(&repo).unwrap()).services.is_empty());
    let old = repo.find_commit(first).unwrap().tree().unwrap();
    let d = detect(&GitTree::new(&repo, old));
    assert_eq!(d.service_names(), vec![Service::Postgres]);
}

#[cfg(unix)]
#[test]
fn symlinks_and_submodules_are_not_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = Repository::init(root).unwrap();
    write(root, "real/deps.json", r#"{"dependencies": {"pg": "8"}}"#);
    std::os::unix::fs::symlink("real/deps.json", root.join("package.json")).unwrap();
    let first = commit_all(&repo, "first", &[]);
    // a gitlink named like a manifest and one named like a member directory
    commit_all(
        &repo,
        "submodules",
        &[(0o160000, "Gemfile", first), (0o160000, "apps", first)],
    );
    let tree = GitTree::head(&repo).unwrap();
    let names: Vec<String> = tree.list("").into_iter().map(|e| e.name).collect();
    assert_eq!(names, vec!["real"]);
    assert_eq!(tree.read("package.json"), None);
    assert_eq!(tree.read("Gemfile"), None);
    assert!(tree.list("apps").is_empty());
    assert!(tree.read("real/deps.json").is_some());
    let d = detect(&tree);
    assert!(d.services.is_empty() && d.warnings.is_empty(), "{d:#?}");
}

#[test]
fn tree_paths_behave_like_the_other_trees() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    write(dir.path(), "a/b/c.txt", "x");
    commit_all(&repo, "first", &[]);
    let tree = GitTree::head(&repo).unwrap();
    assert_eq!(tree.read("a/b/c.txt").as_deref(), Some(&b"x"[..]));
    assert_eq!(tree.read("a/b"), None);
    assert_eq!(tree.read("a/b/c.txt/d"), None);
    assert_eq!(tree.read("../a/b/c.txt"), None);
    assert!(tree.list("a/b/c.txt").is_empty());
    assert!(tree.list("missing/dir").is_empty());
    let b = tree.list("a/b");
    assert_eq!(b.len(), 1);
    assert!(!b[0].is_dir);
    // a second lookup comes from the cache and agrees
    assert_eq!(tree.list("a/b"), b);
    assert!(tree.list("a")[0].is_dir);
}

/// A 100,000-file repository: detection must not cost more than listing it with
/// `git ls-tree -r HEAD`. Timing-based and meant for optimised code, so not part of the
/// default run: `cargo test --release --test git_tree -- --ignored --nocapture`. (In an
/// unoptimised build the Rust side is several times slower and this does not hold.)
#[test]
#[ignore]
fn large_repository_is_no_slower_than_ls_tree() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let src = repo.blob(b"fn main() {}\n").unwrap();
    let pkg = repo.blob(br#"{"dependencies": {"pg": "8"}}"#).unwrap();
    // 50 × 20 × 10 directories of 10 files, like a big monorepo's source tree
    let mut root = repo.treebuilder(None).unwrap();
    for a in 0..50 {
        let mut l1 = repo.treebuilder(None).unwrap();
        for b in 0..20 {
            let mut l2 = repo.treebuilder(None).unwrap();
            for c in 0..10 {
                let mut l3 = repo.treebuilder(None).unwrap();
                for f in 0..10 {
                    l3.insert(format!("file{f}.rs"), src, 0o100644).unwrap();
                }
                l2.insert(format!("sub{c}"), l3.write().unwrap(), 0o040000)
                    .unwrap();
            }
            l1.insert(format!("mod{b}"), l2.write().unwrap(), 0o040000)
                .unwrap();
        }
        root.insert(format!("src{a}"), l1.write().unwrap(), 0o040000)
            .unwrap();
    }
    root.insert("package.json", pkg, 0o100644).unwrap();
    let tree = repo.find_tree(root.write().unwrap()).unwrap();
    let sig = Signature::now("test", "test@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "big", &tree, &[])
        .unwrap();

    let best = |f: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let t = std::time::Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .unwrap()
    };
    let ls_tree = best(&mut || {
        let out = std::process::Command::new("git")
            .args(["ls-tree", "-r", "HEAD"])
            .current_dir(dir.path())
            .output()
            .expect("git on PATH");
        assert!(out.status.success());
        assert!(out.stdout.len() > 100_000 * 40);
    });
    let detection = best(&mut || {
        let repo = Repository::open(dir.path()).unwrap();
        let d = detect(&GitTree::head(&repo).unwrap());
        assert_eq!(d.service_names(), vec![Service::Postgres]);
    });
    println!("git ls-tree -r HEAD: {ls_tree:?}; detect: {detection:?}");
    assert!(
        detection <= ls_tree.mul_f32(1.5),
        "detect {detection:?} vs ls-tree {ls_tree:?}"
    );
}
