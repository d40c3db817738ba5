//! End to end against a real cluster (kind or k3d): submit → follow → list → clean.
//! Ignored by default; see docs/testing.md. Uses your current kubeconfig and `kubectl` to prepare a
//! throwaway namespace, which it deletes at the end.
//!
//! The agent image is replaced by busybox, whose default command exits 0 at once, so the test
//! exercises the Job, the native sidecar and the tool's waiting and following without credentials.

mod support;

use std::process::Command;

use support::{TestRepo, stderr_of, stdout_of};

fn kubectl(args: &[&str]) -> std::process::Output {
    Command::new("kubectl")
        .args(args)
        .output()
        .expect("kubectl must be installed for the e2e tests")
}

struct Namespace(String);

impl Namespace {
    /// A fresh namespace with a credentials secret holding placeholder values.
    fn with_secret(claude_key: &str) -> Self {
        let ns = Namespace(format!("cs-e2e-{}", claude_sandbox::job::random_suffix()));
        assert!(kubectl(&["create", "namespace", &ns.0]).status.success());
        let literal = format!("--from-literal={claude_key}=unused");
        let secret = kubectl(&[
            "-n",
            &ns.0,
            "create",
            "secret",
            "generic",
            "claude-sandbox-secrets",
            "--from-literal=GITHUB_TOKEN=unused",
            &literal,
        ]);
        assert!(secret.status.success());
        ns
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = kubectl(&["delete", "namespace", &self.0, "--wait=false"]);
    }
}

#[test]
#[ignore = "needs a real cluster (kind/k3d): cargo test --test e2e_cluster -- --ignored"]
fn remote_follow_list_clean_on_a_real_cluster() {
    let ns = Namespace::with_secret("CLAUDE_CODE_OAUTH_TOKEN");

    let repo = TestRepo::committed(&[("README", "e2e\n")]);
    repo.set_origin("https://github.com/octocat/Hello-World.git");
    let kubeconfig = std::env::var("KUBECONFIG")
        .unwrap_or_else(|_| format!("{}/.kube/config", std::env::var("HOME").unwrap_or_default()));
    let run = |args: &[&str]| {
        repo.cmd()
            .env("KUBECONFIG", &kubeconfig)
            .args(["-n", &ns.0])
            .args(args)
            .timeout(std::time::Duration::from_secs(600))
            .output()
            .unwrap()
    };

    let out = run(&[
        "remote",
        "-f",
        "--image",
        "busybox:1.36",
        "--services",
        "redis",
        "--timeout",
        "8m",
        "e2e task",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout_of(&out),
        stderr_of(&out)
    );

    let list = run(&["list", "-o", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["status"], "succeeded");

    let name = rows[0]["name"].as_str().unwrap().to_string();
    let status = run(&["status", &name]);
    assert!(
        stdout_of(&status).contains("Succeeded"),
        "{}",
        stdout_of(&status)
    );

    let clean = run(&["clean"]);
    assert!(clean.status.success(), "{}", stderr_of(&clean));
    let after = run(&["list", "-o", "name"]);
    assert_eq!(stdout_of(&after).trim(), "");
}

#[test]
#[ignore = "needs a real cluster (kind/k3d): cargo test --test e2e_cluster -- --ignored"]
fn a_bad_image_fails_fast_on_a_real_cluster() {
    let ns = Namespace::with_secret("ANTHROPIC_API_KEY");
    let repo = TestRepo::committed(&[("README", "e2e\n")]);
    let out = repo
        .cmd()
        .env_remove("KUBECONFIG")
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .args([
            "-n",
            &ns.0,
            "remote",
            "-f",
            "--image",
            "example.invalid/nope:1",
            "--timeout",
            "5m",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("cannot start"),
        "{}",
        stderr_of(&out)
    );
}
