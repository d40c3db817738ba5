//! `detect` and `remote --dry-run` through the compiled binary, in real git repositories.

mod support;

use k8s_openapi::api::batch::v1::Job;
use support::{TestRepo, bin, stderr_of, stdout_of};

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout_of(out)))
}

fn dry_run_job(repo: &TestRepo, args: &[&str]) -> Job {
    let out = repo
        .cmd()
        .args(["remote", "--dry-run"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    serde_saphyr::from_str(&stdout_of(&out)).expect("dry-run output is a YAML Job")
}

fn env_of(job: &Job, name: &str) -> Option<String> {
    let pod = job.spec.as_ref()?.template.spec.as_ref()?;
    let claude = pod.containers.iter().find(|c| c.name == "claude")?;
    claude
        .env
        .as_ref()?
        .iter()
        .find(|e| e.name == name)?
        .value
        .clone()
}

#[test]
fn detect_json_has_the_promised_shape() {
    let repo = TestRepo::committed(&[(
        "Gemfile",
        "source 'https://rubygems.org'\ngem \"pg\"\ngem 'sidekiq'\n",
    )]);
    let out = repo.cmd().args(["detect", "-o", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v = json(&out);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "branch", "commit", "image", "optional", "repo_url", "services"
        ]
    );
    assert_eq!(v["repo_url"], "https://github.com/acme/widgets.git");
    assert_eq!(v["branch"], "main");
    assert_eq!(v["commit"].as_str().unwrap().len(), 40);
    assert_eq!(v["image"], "landovsky/claude-sandbox:latest");
}

#[test]
fn detect_works_from_a_subdirectory() {
    let repo = TestRepo::committed(&[("app/models/user.rb", "class User; end\n")]);
    let out = bin()
        .current_dir(repo.path().join("app/models"))
        .args(["detect", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(json(&out)["branch"], "main");
}

#[test]
fn dash_c_runs_as_if_started_there() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let out = bin()
        .arg("-C")
        .arg(repo.path())
        .args(["detect", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        json(&out)["repo_url"],
        "https://github.com/acme/widgets.git"
    );
}

#[test]
fn detect_works_in_a_linked_worktree() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let head = repo.repo.head().unwrap().peel_to_commit().unwrap();
    repo.repo.branch("feature", &head, false).unwrap();
    let wt_parent = tempfile::tempdir().unwrap();
    let wt_path = wt_parent.path().join("wt");
    let feature = repo
        .repo
        .find_branch("feature", git2::BranchType::Local)
        .unwrap();
    let mut opts = git2::WorktreeAddOptions::new();
    opts.reference(Some(feature.get()));
    repo.repo.worktree("wt", &wt_path, Some(&opts)).unwrap();
    let out = bin()
        .current_dir(&wt_path)
        .args(["detect", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v = json(&out);
    assert_eq!(v["branch"], "feature");
    assert_eq!(v["repo_url"], "https://github.com/acme/widgets.git");
}

#[test]
fn remotes_are_normalised_and_credentials_never_printed() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    for (origin, want) in [
        (
            "git@github.com:acme/widgets.git",
            "https://github.com/acme/widgets.git",
        ),
        (
            "ssh://git@gitlab.example.com:2222/team/app",
            "https://gitlab.example.com/team/app.git",
        ),
        (
            "https://x-access-token:ghp_TOPSECRET123@github.com/acme/widgets",
            "https://github.com/acme/widgets.git",
        ),
    ] {
        repo.set_origin(origin);
        let out = repo.cmd().args(["detect", "-o", "json"]).output().unwrap();
        assert_eq!(json(&out)["repo_url"], want);
        let dry = repo
            .cmd()
            .args(["remote", "--dry-run", "-v", "-v", "task"])
            .output()
            .unwrap();
        let all = format!(
            "{}{}{}{}",
            stdout_of(&out),
            stderr_of(&out),
            stdout_of(&dry),
            stderr_of(&dry)
        );
        assert!(!all.contains("TOPSECRET"), "a credential leaked: {all}");
    }
}

#[test]
fn not_a_git_repository_is_an_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .current_dir(dir.path())
        .arg("detect")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.starts_with("error: ") && err.contains("not inside a git repository"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
}

#[test]
fn a_repository_without_commits_is_an_error() {
    let repo = TestRepo::new();
    let out = repo.cmd().arg("detect").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("no commits"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn detached_head_needs_branch_for_remote() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    repo.detach();
    let out = repo
        .cmd()
        .args(["remote", "--dry-run", "do it"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("detached") && err.contains("--branch"),
        "{err}"
    );

    let detect = repo.cmd().args(["detect", "-o", "json"]).output().unwrap();
    assert!(detect.status.success());
    assert!(json(&detect)["branch"].is_null());

    let job = dry_run_job(&repo, &["--branch", "main", "do it"]);
    assert_eq!(env_of(&job, "REPO_BRANCH").as_deref(), Some("main"));
}

#[test]
fn no_origin_is_an_error_pointing_at_repo_url() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    repo.repo.remote_delete("origin").unwrap();
    let out = repo
        .cmd()
        .args(["remote", "--dry-run", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("--repo-url"),
        "{}",
        stderr_of(&out)
    );
    let job = dry_run_job(
        &repo,
        &["--repo-url", "https://git.example.org/me/thing", "x"],
    );
    assert_eq!(
        env_of(&job, "REPO_URL").as_deref(),
        Some("https://git.example.org/me/thing.git")
    );
}

#[test]
fn unpushed_work_is_warned_about_with_a_count() {
    let repo = TestRepo::committed(&[("a", "1\n")]);
    repo.write(&[("b", "2\n")]);
    repo.commit("two");
    repo.write(&[("c", "3\n")]);
    repo.commit("three");
    let out = repo
        .cmd()
        .args(["remote", "--dry-run", "x"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("warning: 2 local commits on main are not on origin/main"),
        "{err}"
    );

    let fresh = TestRepo::new();
    fresh.write(&[("a", "1\n")]);
    fresh.commit("one");
    let out = fresh
        .cmd()
        .args(["remote", "--dry-run", "x"])
        .output()
        .unwrap();
    assert!(
        stderr_of(&out).contains("has no counterpart on origin"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn the_commit_is_the_remote_tracking_one() {
    let repo = TestRepo::committed(&[("a", "1\n")]);
    let pushed = repo.repo.head().unwrap().target().unwrap();
    repo.write(&[("b", "2\n")]);
    repo.commit("local only");
    let job = dry_run_job(&repo, &["x"]);
    assert_eq!(env_of(&job, "REPO_COMMIT"), Some(pushed.to_string()));
}

#[test]
fn any_task_text_survives_byte_for_byte() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let big: String = "line with: colon # hash 'q' \"dq\" $VAR `tick` é 😀\n".repeat(2000);
    assert!(big.len() > 100 * 1024);
    for task in [
        "fix the \"login\" bug",
        "multi\nline\n\n  indented\n",
        "trailing spaces   ",
        "$HOME `rm -rf /` $(echo hi) ${X}",
        "key: value # not a comment",
        "yes",
        "~",
        "null",
        "- a list?",
        "@at &anchor *alias !tag %percent",
        "unicode: ünïcödé — 日本語 \u{200b}",
        "\ttab first",
        big.as_str(),
    ] {
        for format in ["yaml", "json"] {
            let out = repo
                .cmd()
                .args(["remote", "--dry-run", "-o", format, "--", task])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", stderr_of(&out));
            let job: Job = if format == "yaml" {
                serde_saphyr::from_str(&stdout_of(&out)).unwrap()
            } else {
                serde_json::from_slice(&out.stdout).unwrap()
            };
            assert_eq!(
                env_of(&job, "TASK").as_deref(),
                Some(task),
                "format {format}"
            );
            let annotation = job.metadata.annotations.unwrap()["claude-sandbox/task"].clone();
            assert_eq!(annotation, task);
        }
    }
}

/// PyYAML is the strictest common reader of what we write; skipped (saying so) where it is
/// missing, and a failure under CI=true.
#[test]
fn pyyaml_reads_the_task_back_exactly() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import yaml"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        support::cannot_run("python3 with PyYAML is not installed");
        return;
    }
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let task = "yes\non: off\n1_000\n= '\"#: x\n  trailing  \n";
    let out = repo
        .cmd()
        .args(["remote", "--dry-run", "--", task])
        .output()
        .unwrap();
    let script = "import sys, yaml, json\njob = yaml.safe_load(sys.stdin)\nenv = job['spec']['template']['spec']['containers'][0]['env']\nsys.stdout.write(json.dumps([e['value'] for e in env if e['name'] == 'TASK'][0]))";
    let py = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    py.stdin.as_ref().unwrap().write_all(&out.stdout).unwrap();
    let res = py.wait_with_output().unwrap();
    let read: String = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!(read, task);
}

#[test]
fn empty_and_whitespace_tasks_are_usage_errors() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    for task in ["", "   ", "\n\t "] {
        let out = repo
            .cmd()
            .args(["remote", "--dry-run", "--", task])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "task {task:?}");
        assert!(stderr_of(&out).contains("the task is empty"));
    }
}

#[test]
fn unknown_services_are_usage_errors() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let out = repo
        .cmd()
        .args(["remote", "--dry-run", "--services", "postgres,mysql", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("mysql"), "{}", stderr_of(&out));
}

#[test]
fn a_task_starting_with_a_dash_goes_after_double_dash() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let out = repo
        .cmd()
        .args(["remote", "--dry-run", "-v is broken"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "without -- it is read as a flag"
    );
    let job = dry_run_job(&repo, &["--", "-v is broken"]);
    assert_eq!(env_of(&job, "TASK").as_deref(), Some("-v is broken"));
}

#[test]
fn the_task_can_come_from_a_file_or_stdin() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let file = repo.path().join("TASK.md");
    std::fs::write(&file, "from a file\n").unwrap();
    let job = dry_run_job(&repo, &["--task-file", file.to_str().unwrap()]);
    assert_eq!(env_of(&job, "TASK").as_deref(), Some("from a file\n"));

    let out = repo
        .cmd()
        .args(["remote", "--dry-run", "--task-file", "-"])
        .write_stdin("from stdin")
        .output()
        .unwrap();
    let job: Job = serde_saphyr::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(env_of(&job, "TASK").as_deref(), Some("from stdin"));

    let missing = repo
        .cmd()
        .args(["remote", "--dry-run", "--task-file", "nope.md"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr_of(&missing).contains("nope.md"));

    let both = repo
        .cmd()
        .args(["remote", "--dry-run", "--task-file", "-", "task"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn dry_run_json_and_name_outputs() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let out = repo
        .cmd()
        .args([
            "remote",
            "--dry-run",
            "-o",
            "json",
            "--services",
            "none",
            "x",
        ])
        .output()
        .unwrap();
    let job: Job = serde_json::from_slice(&out.stdout).unwrap();
    let name = job.metadata.name.unwrap();
    assert!(name.starts_with("claude-sandbox-widgets-"), "{name}");
    let out = repo
        .cmd()
        .args(["remote", "--dry-run", "-o", "name", "x"])
        .output()
        .unwrap();
    let printed = stdout_of(&out);
    assert_eq!(printed.trim().lines().count(), 1);
    assert!(printed.starts_with("claude-sandbox-widgets-"));
}

#[test]
fn dry_run_needs_no_kubeconfig() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let out = repo
        .cmd()
        .env("KUBECONFIG", "/definitely/not/here")
        .args(["remote", "--dry-run", "x"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn overrides_reach_the_job() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let job = dry_run_job(
        &repo,
        &[
            "--image",
            "me/agent:2",
            "--cpu",
            "2:4",
            "--memory",
            "8Gi",
            "--env",
            "A=b=c",
            "--secret",
            "team-creds",
            "--ttl",
            "10m",
            "--deadline",
            "1h30m",
            "--services",
            "redis",
            "-n",
            "work",
            "x",
        ],
    );
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.ttl_seconds_after_finished, Some(600));
    assert_eq!(spec.active_deadline_seconds, Some(5400));
    assert_eq!(job.metadata.namespace.as_deref(), Some("work"));
    let pod = spec.template.spec.as_ref().unwrap();
    let claude = &pod.containers[0];
    assert_eq!(claude.image.as_deref(), Some("me/agent:2"));
    let res = claude.resources.as_ref().unwrap();
    assert_eq!(res.requests.as_ref().unwrap()["cpu"].0, "2");
    assert_eq!(res.limits.as_ref().unwrap()["cpu"].0, "4");
    assert_eq!(res.requests.as_ref().unwrap()["memory"].0, "8Gi");
    assert_eq!(res.limits.as_ref().unwrap()["memory"].0, "8Gi");
    assert_eq!(env_of(&job, "A").as_deref(), Some("b=c"));
    assert_eq!(
        env_of(&job, "REDIS_URL").as_deref(),
        Some("redis://localhost:6379")
    );
    assert_eq!(env_of(&job, "DATABASE_URL"), None);
    // The secret goes to the credential holder, never to the agent.
    assert!(claude.env_from.iter().flatten().next().is_none());
    let init = pod.init_containers.as_ref().unwrap();
    let names: Vec<&str> = init.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["holder", "redis"]);
    let secret = &init[0].env_from.as_ref().unwrap()[0];
    assert_eq!(secret.secret_ref.as_ref().unwrap().name, "team-creds");
}

#[test]
fn the_image_comes_from_the_environment_when_no_flag() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let out = repo
        .cmd()
        .env("CLAUDE_IMAGE", "seed/img:1")
        .args(["detect", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["image"], "seed/img:1");
    let out = repo
        .cmd()
        .env("CLAUDE_IMAGE", "seed/img:1")
        .env("CLAUDE_SANDBOX_IMAGE", "ours/img:2")
        .args(["detect", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["image"], "ours/img:2");
    let out = repo
        .cmd()
        .env("CLAUDE_SANDBOX_IMAGE", "ours/img:2")
        .args(["detect", "-o", "json", "--image", "flag/img:3"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["image"], "flag/img:3");
}

#[test]
fn bad_values_are_usage_errors() {
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    for args in [
        ["--memory", "lots"],
        ["--cpu", "-1"],
        ["--ttl", "30"],
        ["--deadline", "0"],
        ["--env", "NOEQUALS"],
        ["--env", "TASK=override"],
        ["-o", "xml"],
    ] {
        let out = repo
            .cmd()
            .args(["remote", "--dry-run"])
            .args(args)
            .arg("x")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{err}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    use std::io::Read;
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    // Larger than a pipe buffer, so the writer is still writing when the reader goes away.
    let task_file = repo.path().join("big-task.txt");
    std::fs::write(&task_file, "x".repeat(110 * 1024)).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_claude-sandbox"))
        .current_dir(repo.path())
        .args(["remote", "--dry-run", "--task-file"])
        .arg(&task_file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr_of(&out)
            .lines()
            .filter(|l| l.starts_with("error"))
            .count(),
        0,
        "{}",
        stderr_of(&out)
    );
}
