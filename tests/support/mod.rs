//! Shared helpers for the integration tests: throwaway git repositories built with git2 and the
//! compiled binary run in them, the way a user runs it.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod fake_github;
pub mod git_http;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use git2::{Repository, Signature};

pub struct TestRepo {
    pub dir: tempfile::TempDir,
    pub repo: Repository,
}

impl TestRepo {
    /// A repository on branch `main` with an `origin` at github.com, no commits yet.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &opts).expect("git init");
        repo.remote("origin", "git@github.com:acme/widgets.git")
            .expect("add origin");
        TestRepo { dir, repo }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write files into the work tree (creating directories).
    pub fn write(&self, files: &[(&str, &str)]) -> &Self {
        for (path, content) in files {
            let full = self.path().join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(full, content).expect("write");
        }
        self
    }

    /// Stage everything and commit on HEAD; returns the commit id.
    pub fn commit(&self, message: &str) -> git2::Oid {
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        index
            .update_all(["*"].iter(), None)
            .expect("update removed files");
        index.write().expect("write index");
        let tree_id = index.write_tree().expect("tree");
        let tree = self.repo.find_tree(tree_id).expect("find tree");
        let sig = Signature::now("Test", "test@example.com").expect("sig");
        let parents: Vec<git2::Commit> = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parent_refs)
            .expect("commit")
    }

    /// Pretend the current branch was pushed: point origin/<branch> at `oid` and track it.
    pub fn push_to(&self, branch: &str, oid: git2::Oid) {
        self.repo
            .reference(
                &format!("refs/remotes/origin/{branch}"),
                oid,
                true,
                "test push",
            )
            .expect("remote ref");
        let mut cfg = self.repo.config().expect("config");
        cfg.set_str(&format!("branch.{branch}.remote"), "origin")
            .expect("cfg");
        cfg.set_str(
            &format!("branch.{branch}.merge"),
            &format!("refs/heads/{branch}"),
        )
        .expect("cfg");
    }

    /// Commit the given files and mark them pushed: the common, clean state.
    pub fn committed(files: &[(&str, &str)]) -> Self {
        let r = TestRepo::new();
        r.write(files);
        let oid = r.commit("initial");
        r.push_to("main", oid);
        r
    }

    pub fn set_origin(&self, url: &str) {
        self.repo.remote_set_url("origin", url).expect("set url");
    }

    pub fn detach(&self) {
        let oid = self.repo.head().unwrap().target().unwrap();
        self.repo.set_head_detached(oid).expect("detach");
    }

    /// The compiled binary, run inside this repository with a clean environment.
    pub fn cmd(&self) -> Command {
        let mut c = bin();
        c.current_dir(self.path());
        c
    }
}

/// The binary with an environment that cannot leak the developer's own settings into a test.
pub fn bin() -> Command {
    let mut c = Command::cargo_bin("claude-sandbox").expect("binary");
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("CLAUDE_") || k == "KUBECONFIG" || k == "NO_COLOR" {
            c.env_remove(&key);
        }
    }
    let home = std::env::temp_dir().join("claude-sandbox-test-home");
    c.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("KUBECONFIG", home.join("no-kubeconfig"));
    c
}

/// A test that cannot run here because `what` is missing: it says so and passes, except under
/// `CI=true`, where it fails. A skip printed into captured test output is invisible, so CI must
/// install what every test needs (.ci/run does) rather than pass without it.
pub fn cannot_run(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what}; CI must install it (.ci/run), not pass without this test");
    }
    eprintln!("skipped: {what}");
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The directory holding the service-detection corpus copied from ../shared/corpus.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The credentials secret `remote` checks for, in namespace `sandbox`, holding `keys` with a
/// recognisable value that must never be printed.
pub fn credentials_secret(keys: &[&str]) -> k8s_openapi::api::core::v1::Secret {
    k8s_openapi::api::core::v1::Secret {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some("claude-sandbox-secrets".into()),
            namespace: Some("sandbox".into()),
            ..Default::default()
        },
        data: Some(
            keys.iter()
                .map(|k| {
                    (
                        k.to_string(),
                        k8s_openapi::ByteString(b"planted-secret-value".to_vec()),
                    )
                })
                .collect(),
        ),
        // The API server defaults this on create; seeded objects skip that step.
        type_: Some("Opaque".into()),
        ..Default::default()
    }
}

/// A typical job plan, no services: the fixture the rendering tests vary field by field.
pub fn sample_plan() -> claude_sandbox::job::JobPlan {
    use claude_sandbox::job::{self, JobPlan, Resources, SidecarImages};

    JobPlan {
        name: "claude-sandbox-widgets-20261123-100509-ab12".into(),
        namespace: None,
        task: "fix the flaky checkout spec".into(),
        repo_url: "https://github.com/acme/widgets.git".into(),
        branch: "feature/checkout".into(),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        image: job::DEFAULT_IMAGE.into(),
        postgres: false,
        postgis: false,
        redis: false,
        sidecar_images: SidecarImages::default(),
        resources: Resources::default(),
        storage: Default::default(),
        env: vec![],
        secret: job::DEFAULT_SECRET.into(),
        ttl_seconds: job::DEFAULT_TTL_SECS,
        deadline_seconds: job::DEFAULT_DEADLINE_SECS,
        cli_version: "0.0.0-test".into(),
        anthropic_api: claude_sandbox::contract::DEFAULT_ANTHROPIC_API.into(),
        holder_image: claude_sandbox::job::DEFAULT_IMAGE.into(),
        image_pull_secrets: vec![],
        node_selector: Default::default(),
        tolerations: vec![],
        pull_request: None,
        queue: None,
    }
}

/// An agent log of `n` stream-json lines, each naming its number.
pub fn agent_lines(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!(r#"{{"type":"assistant","message":{{"content":[{{"type":"text","text":"line {i}"}}]}}}}"#))
        .collect()
}
