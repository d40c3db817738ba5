//! The compiled binary against a real control plane: upstream etcd, kube-apiserver (TLS, client
//! certificates, RBAC, Pod Security, ResourceQuota, LimitRanger), kube-controller-manager (Job,
//! garbage collection, TTL) and kube-scheduler, with kwok playing the node (tests/e2e/).
//!
//! Every test is ignored so that `cargo test` needs no cluster. To run them:
//!
//!     eval "$(tests/e2e/cluster up | tail -n 1)"
//!     cargo test --test real_cluster -- --ignored --test-threads 2
//!
//! Without a reachable cluster behind KUBECONFIG they fail; they never skip. Each test works in a
//! namespace of its own that enforces Pod Security `restricted`. A pod's outcome is steered by the
//! `e2e.claude-sandbox.dev/*` annotations that the repository's `.claude-sandbox/job.yaml` puts on
//! the pod template (see tests/e2e/stages/pod.yaml and docs/testing.md).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{TestRepo, agent_lines, stderr_of, stdout_of};

const NEEDS_CLUSTER: &str = "the real-cluster tests need the test control plane: run \
     `eval \"$(tests/e2e/cluster up | tail -n 1)\"` so that KUBECONFIG points at it";

const EXIT_CODE: &str = "e2e.claude-sandbox.dev/exit-code";
const RUN_SECONDS: &str = "e2e.claude-sandbox.dev/run-seconds";
const LOG_FILE: &str = "e2e.claude-sandbox.dev/log-file";
const REASON: &str = "e2e.claude-sandbox.dev/reason";

// ------------------------------------------------------------------------------------ the cluster

struct Cluster {
    kubeconfig: PathBuf,
    kubectl: PathBuf,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/cluster")
}

/// The running test cluster; panics (fails the test) when there is none.
fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let kubeconfig = std::env::var_os("KUBECONFIG")
            .map(PathBuf::from)
            .filter(|p| p.is_file())
            .unwrap_or_else(|| panic!("{NEEDS_CLUSTER} (KUBECONFIG is unset or not a file)"));
        let build = Command::new(script())
            .arg("build")
            .output()
            .expect("tests/e2e/cluster runs");
        assert!(
            build.status.success(),
            "{NEEDS_CLUSTER}: {}",
            stderr_of(&build)
        );
        let kubectl = PathBuf::from(stdout_of(&build).trim()).join("kubectl");
        let cluster = Cluster {
            kubeconfig,
            kubectl,
        };
        let ready = cluster.kubectl(&["get", "--raw", "/readyz"]);
        assert!(
            ready.status.success(),
            "{NEEDS_CLUSTER}; the API server behind KUBECONFIG={} is not ready: {}",
            cluster.kubeconfig.display(),
            stderr_of(&ready)
        );
        cluster
    })
}

impl Cluster {
    fn kubectl(&self, args: &[&str]) -> Output {
        Command::new(&self.kubectl)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .expect("kubectl runs")
    }

    fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            stderr_of(&out)
        );
        stdout_of(&out)
    }

    fn kubectl_stdin(&self, args: &[&str], input: &[u8]) -> String {
        let mut child = Command::new(&self.kubectl)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write to kubectl");
        let out = child.wait_with_output().expect("kubectl ends");
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            stderr_of(&out)
        );
        stdout_of(&out)
    }

    /// Run the cluster script (user, wrong-ca, restart-kwok) and return its last line.
    fn script(&self, args: &[&str]) -> String {
        let out = Command::new(script())
            .args(args)
            .output()
            .expect("tests/e2e/cluster runs");
        assert!(
            out.status.success(),
            "tests/e2e/cluster {args:?}: {}",
            stderr_of(&out)
        );
        stdout_of(&out)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    }
}

/// A throwaway namespace enforcing Pod Security `restricted`, holding the credentials secret with
/// placeholder values; deleted (by the real namespace controller) when dropped.
struct Namespace {
    name: String,
}

impl Namespace {
    fn new() -> Self {
        let c = cluster();
        let name = format!("cs-e2e-{}", claude_sandbox::job::random_suffix());
        let manifest = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": name,
                "labels": {
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
        });
        c.kubectl_stdin(&["create", "-f", "-"], manifest.to_string().as_bytes());
        // The service account controller gives every namespace its default account; pods wait for it.
        wait_until(
            "the default service account",
            Duration::from_secs(30),
            || {
                c.kubectl(&["get", "serviceaccount", "default", "-n", &name])
                    .status
                    .success()
            },
        );
        c.kubectl_ok(&[
            "create",
            "secret",
            "generic",
            "claude-sandbox-secrets",
            "-n",
            &name,
            "--from-literal=GITHUB_TOKEN=placeholder",
            "--from-literal=CLAUDE_CODE_OAUTH_TOKEN=placeholder",
        ]);
        Namespace { name }
    }

    fn apply(&self, manifest: serde_json::Value) {
        cluster().kubectl_stdin(
            &["apply", "-n", &self.name, "-f", "-"],
            manifest.to_string().as_bytes(),
        );
    }

    fn job_exists(&self, name: &str) -> bool {
        let out = cluster().kubectl(&["get", "job", name, "-n", &self.name, "-o", "name"]);
        if out.status.success() {
            return true;
        }
        assert!(
            stderr_of(&out).contains("NotFound"),
            "kubectl get job: {}",
            stderr_of(&out)
        );
        false
    }

    fn jobs(&self) -> Vec<String> {
        let mut names: Vec<String> = cluster()
            .kubectl_ok(&[
                "get",
                "jobs",
                "-n",
                &self.name,
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ])
            .split_whitespace()
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    /// The phases of the job's pods.
    fn pod_phases(&self, job: &str) -> Vec<String> {
        cluster()
            .kubectl_ok(&[
                "get",
                "pods",
                "-n",
                &self.name,
                "-l",
                &format!("batch.kubernetes.io/job-name={job}"),
                "-o",
                "jsonpath={.items[*].status.phase}",
            ])
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    /// The compiled binary in `repo`, against the test cluster, in this namespace.
    fn run(&self, repo: &TestRepo, args: &[&str]) -> Output {
        self.run_as(repo, &cluster().kubeconfig, args)
    }

    fn run_as(&self, repo: &TestRepo, kubeconfig: &Path, args: &[&str]) -> Output {
        repo.cmd()
            .env("KUBECONFIG", kubeconfig)
            .args(["-n", &self.name])
            .args(args)
            .timeout(Duration::from_secs(300))
            .output()
            .expect("the binary runs")
    }

    /// `remote -o name …`: submit without waiting and return the job's name.
    fn submit(&self, repo: &TestRepo, extra: &[&str]) -> String {
        let mut args = vec!["remote", "-o", "name"];
        args.extend_from_slice(extra);
        args.push("an e2e task");
        let out = self.run(repo, &args);
        assert!(out.status.success(), "remote: {}", stderr_of(&out));
        let name = stdout_of(&out).trim().to_string();
        assert!(!name.is_empty(), "remote -o name printed nothing");
        name
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = cluster().kubectl(&["delete", "namespace", &self.name, "--wait=false"]);
    }
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

// ----------------------------------------------------------------------------- test repositories

/// The built-in job template with extra annotations on the pod template, as a team's
/// `.claude-sandbox/job.yaml` would carry them.
fn job_template(annotations: &[(&str, &str)]) -> String {
    let base = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/job.yaml"));
    let mut metadata = String::from("    metadata:\n      annotations:\n");
    for (k, v) in annotations {
        metadata.push_str(&format!("        {k}: {}\n", serde_json::json!(v)));
    }
    let anchor = "  template:\n    spec:\n";
    assert!(base.contains(anchor), "templates/job.yaml changed shape");
    base.replacen(anchor, &format!("  template:\n{metadata}    spec:\n"), 1)
}

/// A pushed repository whose `.claude-sandbox/job.yaml` steers the pod with `annotations`.
fn repo_with(annotations: &[(&str, &str)]) -> TestRepo {
    TestRepo::committed(&[
        ("README", "e2e\n"),
        (".claude-sandbox/job.yaml", &job_template(annotations)),
    ])
}

fn plain_repo() -> TestRepo {
    TestRepo::committed(&[("README", "e2e\n")])
}

fn rows(out: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
        .unwrap_or_else(|e| panic!("list -o json: {e}: {}", stdout_of(out)))
}

// ------------------------------------------------------------------ a. submission and admission

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn remote_is_admitted_under_restricted_pod_security_with_and_without_a_template() {
    let ns = Namespace::new();

    // The built-in Job, with both sidecars: strict field validation accepts every field we send,
    // Pod Security admits the pod, the native sidecars become ready and the agent runs.
    let repo = plain_repo();
    let out = ns.run(
        &repo,
        &[
            "remote",
            "--wait",
            "--services",
            "postgres,redis",
            "--timeout",
            "2m",
            "no template",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let list = rows(&ns.run(&repo, &["list", "-o", "json"]));
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["status"], "succeeded", "{list:?}");
    let name = list[0]["name"].as_str().expect("name").to_string();
    assert_eq!(ns.pod_phases(&name), ["Succeeded"]);

    // A team template that adds to the pod template passes the same admission.
    let templated = repo_with(&[(EXIT_CODE, "0"), (RUN_SECONDS, "1")]);
    let out = ns.run(
        &templated,
        &["remote", "--wait", "--timeout", "2m", "template"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));

    // Every field of both Jobs is one the API server knows: strict field validation accepts them.
    for r in [&repo, &templated] {
        let out = ns.run(
            r,
            &[
                "remote",
                "--dry-run",
                "-o",
                "json",
                "--services",
                "postgres,redis",
                "x",
            ],
        );
        assert!(out.status.success(), "{}", stderr_of(&out));
        cluster().kubectl_stdin(
            &[
                "create",
                "-n",
                &ns.name,
                "--dry-run=server",
                "--validate=strict",
                "-f",
                "-",
            ],
            &out.stdout,
        );
    }
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn remote_wait_exits_with_the_agents_outcome() {
    let ns = Namespace::new();
    let failing = repo_with(&[(EXIT_CODE, "1"), (RUN_SECONDS, "1")]);
    let out = ns.run(&failing, &["remote", "--wait", "--timeout", "2m", "fail"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));

    let list = rows(&ns.run(&failing, &["list", "-o", "json"]));
    assert_eq!(list[0]["status"], "failed", "{list:?}");
    // The real Job controller's verdict, not ours.
    let name = list[0]["name"].as_str().expect("name");
    let conditions = cluster().kubectl_ok(&[
        "get",
        "job",
        name,
        "-n",
        &ns.name,
        "-o",
        "jsonpath={.status.conditions[*].type}",
    ]);
    assert!(
        conditions.contains("FailureTarget") && conditions.contains("Failed"),
        "{conditions}"
    );
}

// ------------------------------------------------------------------- b. cancel, clean, deadline

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn cancel_removes_the_job_and_its_pod() {
    let ns = Namespace::new();
    let repo = repo_with(&[(RUN_SECONDS, "600")]);
    let name = ns.submit(&repo, &[]);
    wait_until("the pod running", Duration::from_secs(60), || {
        ns.pod_phases(&name) == ["Running"]
    });

    let out = ns.run(&repo, &["cancel", &name]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    // Background propagation: the garbage collector removes the pod after the Job.
    wait_until("the job and its pod gone", Duration::from_secs(60), || {
        !ns.job_exists(&name) && ns.pod_phases(&name).is_empty()
    });
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn tab_completes_the_job_names_the_api_server_lists_newest_first() {
    let ns = Namespace::new();
    let repo = repo_with(&[(RUN_SECONDS, "600")]);
    let older = ns.submit(&repo, &[]);
    // Names carry the second they were made: the newer one must sort first.
    std::thread::sleep(Duration::from_millis(1100));
    let newer = ns.submit(&repo, &[]);
    let complete = |line: &str| {
        repo.cmd()
            .env("KUBECONFIG", &cluster().kubeconfig)
            .args(["__complete-jobs", line])
            .timeout(Duration::from_secs(10))
            .output()
            .expect("the binary runs")
    };
    let started = std::time::Instant::now();
    let out = complete(&format!("claude-sandbox -n {} logs ", ns.name));
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "", "completion must stay silent");
    let names: Vec<String> = stdout_of(&out).lines().map(str::to_owned).collect();
    assert_eq!(names, [newer.clone(), older.clone()], "took {took:?}");
    assert!(
        took < Duration::from_secs(1),
        "the metadata list took {took:?}"
    );

    let typed = &newer[..newer.len() - 2];
    let out = complete(&format!("claude-sandbox status -n {} {typed}", ns.name));
    assert_eq!(
        stdout_of(&out).lines().collect::<Vec<_>>(),
        [newer.as_str()]
    );
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn clean_deletes_what_each_filter_selects() {
    let ns = Namespace::new();
    let ok = repo_with(&[(RUN_SECONDS, "1")]);
    let bad = repo_with(&[(EXIT_CODE, "2"), (RUN_SECONDS, "1")]);
    let long = repo_with(&[(RUN_SECONDS, "600")]);
    let ok_name = ns.submit(&ok, &[]);
    let bad_name = ns.submit(&bad, &[]);
    let long_name = ns.submit(&long, &[]);
    assert_eq!(ns.run(&ok, &["logs", &ok_name]).status.code(), Some(0));
    assert_eq!(ns.run(&bad, &["logs", &bad_name]).status.code(), Some(3));
    let mut all = vec![ok_name.clone(), bad_name.clone(), long_name.clone()];
    all.sort();
    assert_eq!(ns.jobs(), all);

    let dry = ns.run(&ok, &["clean", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr_of(&dry));
    assert_eq!(ns.jobs(), all, "--dry-run deleted something");

    let out = ns.run(&ok, &["clean", "--failed"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    wait_until("the failed job gone", Duration::from_secs(30), || {
        !ns.job_exists(&bad_name)
    });
    assert!(ns.job_exists(&ok_name) && ns.job_exists(&long_name));

    let out = ns.run(&ok, &["clean", "--older-than", "1h"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        ns.job_exists(&ok_name),
        "a job a minute old is not older than 1h"
    );

    let out = ns.run(&ok, &["clean"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    wait_until("the finished job gone", Duration::from_secs(30), || {
        !ns.job_exists(&ok_name)
    });
    assert!(
        ns.job_exists(&long_name),
        "clean never deletes a running job"
    );

    let out = ns.run(&ok, &["clean", "--all", "--yes"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    wait_until("every job gone", Duration::from_secs(30), || {
        ns.jobs().is_empty()
    });
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn a_deadline_reached_ends_with_3_and_names_it() {
    let ns = Namespace::new();
    let repo = repo_with(&[(RUN_SECONDS, "600")]);
    let started = Instant::now();
    let out = ns.run(
        &repo,
        &[
            "remote",
            "--wait",
            "--deadline",
            "5s",
            "--timeout",
            "2m",
            "slow",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).to_lowercase().contains("deadline"),
        "{}",
        stderr_of(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

// ------------------------------------------------------------------------ c. failure reasons

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn status_names_out_of_memory() {
    let ns = Namespace::new();
    let repo = repo_with(&[(REASON, "OOMKilled"), (RUN_SECONDS, "1")]);
    let out = ns.run(&repo, &["remote", "--wait", "--timeout", "2m", "oom"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let name = rows(&ns.run(&repo, &["list", "-o", "json"]))[0]["name"]
        .as_str()
        .expect("name")
        .to_string();
    let status = ns.run(&repo, &["status", &name]);
    assert!(
        stdout_of(&status).contains("OOMKilled"),
        "{}",
        stdout_of(&status)
    );
}

/// A pod that never starts: `remote -f` gives up with the reason, and `status` names it.
fn cannot_start(repo: &TestRepo, reason: &str) {
    let ns = Namespace::new();
    let started = Instant::now();
    let out = ns.run(repo, &["remote", "-f", "--timeout", "2m", "stuck"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.contains("cannot start") && err.contains(reason),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
    let name = rows(&ns.run(repo, &["list", "-o", "json"]))[0]["name"]
        .as_str()
        .expect("name")
        .to_string();
    let status = ns.run(repo, &["status", &name]);
    assert!(
        stdout_of(&status).contains(reason),
        "{}",
        stdout_of(&status)
    );
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn an_image_that_never_pulls_is_named() {
    cannot_start(
        &repo_with(&[(REASON, "ImagePullBackOff")]),
        "ImagePullBackOff",
    );
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn a_pod_no_node_can_take_is_named() {
    // The real scheduler's verdict (tests/e2e/policies/ steers the pod to no node).
    cannot_start(&repo_with(&[(REASON, "Unschedulable")]), "Unschedulable");
}

// --------------------------------------------------------------------------------- d. admission

/// A namespace whose admission refuses the pod after the Job was accepted: `--wait`, `-f` and
/// `status` must say why within seconds instead of waiting for the deadline.
fn refused_pod(limit: serde_json::Value, words: &[&str]) {
    let ns = Namespace::new();
    ns.apply(limit);
    let repo = plain_repo();
    for mode in ["--wait", "-f"] {
        let started = Instant::now();
        let out = ns.run(&repo, &["remote", mode, "--timeout", "3m", "refused"]);
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(3), "{mode}: {err}");
        for word in words {
            assert!(err.contains(word), "{mode}: {word} not in {err}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{mode} took {:?}",
            started.elapsed()
        );
    }
    let name = rows(&ns.run(&repo, &["list", "-o", "json"]))[0]["name"]
        .as_str()
        .expect("name")
        .to_string();
    let status = stdout_of(&ns.run(&repo, &["status", &name]));
    for word in words {
        assert!(status.contains(word), "status: {word} not in {status}");
    }
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn a_resource_quota_that_refuses_the_pod_is_reported_at_once() {
    refused_pod(
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "small"},
            "spec": {"hard": {"requests.memory": "1Gi"}},
        }),
        &["FailedCreate", "exceeded quota"],
    );
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn a_limit_range_that_refuses_the_pod_is_reported_at_once() {
    refused_pod(
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "small"},
            "spec": {"limits": [{"type": "Container", "max": {"memory": "1Gi"}}]},
        }),
        &["FailedCreate", "maximum memory usage per Container is 1Gi"],
    );
}

// ---------------------------------------------------------------------- e. logs, list, archive

/// A line of a container log as the runtime writes it (and kwok reads it).
fn cri_line(text: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    let stamp = jiff::Timestamp::from_nanosecond(now.as_nanos() as i128)
        .expect("a valid time")
        .strftime("%Y-%m-%dT%H:%M:%S.%9fZ");
    format!("{stamp} stdout F {text}\n")
}

fn append(path: &Path, lines: &[String]) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .expect("open the log file");
    for line in lines {
        f.write_all(cri_line(line).as_bytes()).expect("append");
        // Distinct timestamps, as a real runtime's would be.
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn follow_survives_a_restart_of_the_node_without_losing_or_repeating_a_line() {
    let ns = Namespace::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("agent.log");
    let lines = agent_lines(40);
    append(&log, &lines[..20]);
    let repo = repo_with(&[
        (LOG_FILE, log.to_str().expect("utf-8 path")),
        (RUN_SECONDS, "25"),
    ]);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_claude-sandbox"))
        .current_dir(repo.path())
        .env("KUBECONFIG", &cluster().kubeconfig)
        .env(
            "HOME",
            std::env::temp_dir().join("claude-sandbox-test-home"),
        )
        .args([
            "-n",
            &ns.name,
            "remote",
            "-f",
            "--raw",
            "--timeout",
            "3m",
            "follow",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line.clone()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let wait_for = |n: usize, seen: &mut Vec<String>| {
        let start = Instant::now();
        while seen.len() < n {
            match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(line) => seen.push(line),
                Err(_) => assert!(
                    start.elapsed() < Duration::from_secs(90),
                    "only {} of {n} lines: {seen:?}",
                    seen.len()
                ),
            }
        }
    };
    wait_for(20, &mut seen);

    cluster().script(&["restart-kwok"]);
    append(&log, &lines[20..]);
    wait_for(40, &mut seen);

    let status = child.wait().expect("the follow ends");
    reader.join().expect("reader");
    seen.extend(rx.try_iter());
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(seen, lines, "every line once, in order");
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn list_pages_through_1200_jobs() {
    let ns = Namespace::new();
    let repo = plain_repo();
    let out = ns.run(&repo, &["remote", "--dry-run", "-o", "json", "many"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a Job as JSON");
    let base = job["metadata"]["name"].as_str().expect("name").to_string();
    let items: Vec<serde_json::Value> = (0..1200)
        .map(|i| {
            let mut j = job.clone();
            j["metadata"]["name"] = serde_json::json!(format!("{base}-{i:04}"));
            // Suspended: the Job controller makes no pods for them.
            j["spec"]["suspend"] = serde_json::json!(true);
            j
        })
        .collect();
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    cluster().kubectl_stdin(
        &["create", "-n", &ns.name, "-f", "-", "-o", "name"],
        list.to_string().as_bytes(),
    );

    let started = Instant::now();
    let out = ns.run(&repo, &["list", "-o", "json"]);
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let listed = rows(&out);
    assert_eq!(listed.len(), 1200);
    let mut names: Vec<&str> = listed.iter().filter_map(|r| r["name"].as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 1200, "no job twice");
    eprintln!("list of 1200 jobs took {took:?}");
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn logs_serve_the_archive_after_the_ttl_controller_deletes_the_job() {
    let ns = Namespace::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("agent.log");
    let lines = agent_lines(5);
    append(&log, &lines);
    let repo = repo_with(&[
        (LOG_FILE, log.to_str().expect("utf-8 path")),
        (RUN_SECONDS, "3"),
    ]);
    let out = ns.run(
        &repo,
        &[
            "remote",
            "-f",
            "--raw",
            "--ttl",
            "2s",
            "--timeout",
            "2m",
            "archived",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().collect::<Vec<_>>(), lines);
    let name = ns.jobs().pop().expect("the job");

    wait_until(
        "the TTL controller deleting the job",
        Duration::from_secs(60),
        || !ns.job_exists(&name),
    );
    let out = ns.run(&repo, &["logs", "--raw", &name]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().collect::<Vec<_>>(), lines);
}

// ------------------------------------------------------------------------------ f. RBAC and TLS

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn a_user_without_delete_or_secret_rights_is_told_exactly_what_is_missing() {
    let ns = Namespace::new();
    let user = format!("user-{}", ns.name);
    let kubeconfig = PathBuf::from(cluster().script(&["user", &user]));
    ns.apply(serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "almost"},
        "rules": [
            {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "list", "watch"]},
        ],
    }));
    ns.apply(serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "almost"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "almost"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    }));
    let repo = plain_repo();

    let out = ns.run_as(&repo, &kubeconfig, &["doctor", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    let missing: Vec<&str> = checks
        .iter()
        .filter(|c| c["ok"] == false)
        .filter_map(|c| c["name"].as_str())
        .filter(|n| n.starts_with("may "))
        .collect();
    assert_eq!(
        missing,
        ["may delete jobs", "may get secrets"],
        "{checks:?}"
    );

    // Submitting needs neither: it works, and says what it could not check.
    let out = ns.run_as(
        &repo,
        &kubeconfig,
        &["remote", "--wait", "--timeout", "2m", "rbac"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("warning"), "{}", stderr_of(&out));

    // Cleaning up needs delete: one clear line.
    let out = ns.run_as(&repo, &kubeconfig, &["clean"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("forbidden") || err.contains("not allowed"),
        "{err}"
    );
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn a_kubeconfig_trusting_another_ca_fails_with_one_clear_line() {
    let ns = Namespace::new();
    let kubeconfig = PathBuf::from(cluster().script(&["wrong-ca"]));
    let out = ns.run_as(&plain_repo(), &kubeconfig, &["list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].to_lowercase().contains("certificate"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// ------------------------------------------------------------------------- queueing (Kueue)
//
// No Kueue runs here: `cluster up` installs a Workload resource of our own writing under Kueue's
// API group (tests/e2e/crds/), and the tests do what Kueue would: own a Workload by the queued
// Job, set its conditions, and resume the Job.

const QUEUE: &str = "team-a";

/// The binary, started in `repo` against the test cluster, with stdout and stderr piped.
fn spawn(ns: &Namespace, repo: &TestRepo, args: &[&str]) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claude-sandbox"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CLAUDE_") {
            cmd.env_remove(&key);
        }
    }
    cmd.current_dir(repo.path())
        .env("KUBECONFIG", &cluster().kubeconfig)
        .env(
            "HOME",
            std::env::temp_dir().join("claude-sandbox-test-home"),
        )
        .args(["-n", &ns.name])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

/// The child's output once it exits; killed (and the test failed) after `limit`.
fn finish(mut child: std::process::Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("child status").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("child output");
            panic!("still running after {limit:?}; stderr: {}", stderr_of(&out));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    child.wait_with_output().expect("child output")
}

fn job_field(ns: &Namespace, job: &str, path: &str) -> String {
    cluster().kubectl_ok(&[
        "get",
        "job",
        job,
        "-n",
        &ns.name,
        "-o",
        &format!("jsonpath={{{path}}}"),
    ])
}

/// What Kueue does for a queued Job: a Workload it owns, in the job's queue, with `conditions`.
fn play_kueue(ns: &Namespace, job: &str, conditions: serde_json::Value) -> String {
    let uid = job_field(ns, job, ".metadata.uid");
    let workload = format!("job-{job}");
    ns.apply(serde_json::json!({
        "apiVersion": "kueue.x-k8s.io/v1beta2",
        "kind": "Workload",
        "metadata": {
            "name": workload,
            "labels": {"kueue.x-k8s.io/job-uid": uid},
            "ownerReferences": [{
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": job,
                "uid": uid,
                "controller": true,
                "blockOwnerDeletion": true,
            }],
        },
        "spec": {"queueName": QUEUE, "podSets": [{"name": "main", "count": 1}]},
    }));
    cluster().kubectl_ok(&[
        "patch",
        "workload",
        &workload,
        "-n",
        &ns.name,
        "--subresource=status",
        "--type=merge",
        "-p",
        &serde_json::json!({"status": {"conditions": conditions}}).to_string(),
    ]);
    workload
}

fn workload_exists(ns: &Namespace, name: &str) -> bool {
    let out = cluster().kubectl(&["get", "workload", name, "-n", &ns.name, "-o", "name"]);
    if out.status.success() {
        return true;
    }
    assert!(stderr_of(&out).contains("NotFound"), "{}", stderr_of(&out));
    false
}

/// The job `remote` created in the namespace (the only one there), once it exists.
fn the_only_job(ns: &Namespace) -> String {
    let mut name = String::new();
    wait_until("the job created", Duration::from_secs(60), || {
        match ns.jobs().as_slice() {
            [one] => {
                name = one.clone();
                true
            }
            _ => false,
        }
    });
    name
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn a_queued_job_has_no_pod_until_resumed_and_follow_ends_with_its_result() {
    let ns = Namespace::new();
    let repo = repo_with(&[(EXIT_CODE, "1"), (RUN_SECONDS, "1")]);
    // Started while the job is queued; it must wait through the queue, not give up or hang.
    let mut follow = spawn(
        &ns,
        &repo,
        &[
            "remote",
            "-f",
            "--queue",
            QUEUE,
            "--timeout",
            "3m",
            "queued",
        ],
    );
    let stderr = follow.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut err_lines = Vec::new();
    let name = the_only_job(&ns);
    assert_eq!(job_field(&ns, &name, ".spec.suspend"), "true");
    assert_eq!(
        job_field(&ns, &name, ".metadata.labels.kueue\\.x-k8s\\.io/queue-name"),
        QUEUE
    );

    // The real Job controller creates no pod for a suspended Job, however long it waits.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(6) {
        assert!(ns.pod_phases(&name).is_empty(), "a pod of a queued job");
        std::thread::sleep(Duration::from_millis(500));
    }
    let list = rows(&ns.run(&repo, &["list", "-o", "json"]));
    assert_eq!(list[0]["status"], "queued", "{list:?}");
    let queued = ns.run(&repo, &["list", "--status", "queued", "-o", "name"]);
    assert_eq!(stdout_of(&queued).trim(), name, "{}", stderr_of(&queued));
    let table = stdout_of(&ns.run(&repo, &["list"]));
    assert!(table.contains("Queued"), "{table}");
    let status = ns.run(&repo, &["status", &name]);
    assert!(status.status.success(), "{}", stderr_of(&status));
    assert!(
        stdout_of(&status).contains("Queued"),
        "{}",
        stdout_of(&status)
    );

    // Kueue says why; the terminal escape in its message is the cluster's, not ours to send.
    let why = "couldn't assign flavors to pod set main: insufficient quota for cpu in flavor default, 1 more needed";
    play_kueue(
        &ns,
        &name,
        serde_json::json!([{
            "type": "QuotaReserved",
            "status": "False",
            "reason": "Pending",
            "message": format!("{why}\u{1b}]0;owned\u{7}"),
            "lastTransitionTime": "2026-01-01T00:00:00Z",
        }]),
    );
    let status = stdout_of(&ns.run(&repo, &["status", &name]));
    assert!(
        status.contains(&format!(
            "Queued: waiting for quota in queue {QUEUE}: {why}"
        )),
        "{status}"
    );
    assert!(
        !status.contains('\u{1b}') && !status.contains('\u{7}'),
        "{status:?}"
    );
    let list = rows(&ns.run(&repo, &["list", "-o", "json"]));
    assert!(
        list[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("insufficient quota")),
        "{list:?}"
    );
    // A queued job is not finished: `clean` leaves it.
    let out = ns.run(&repo, &["clean"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(ns.job_exists(&name), "clean deleted a queued job");

    // The follower tells the reason while it waits, before anything resumes the job.
    let quota = format!("queued: waiting for quota in queue {QUEUE}: {why}");
    let start = Instant::now();
    while !err_lines.iter().any(|l: &String| l.contains(&quota)) {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => err_lines.push(line),
            Err(_) => assert!(
                start.elapsed() < Duration::from_secs(30),
                "the follower never said why: {err_lines:?}"
            ),
        }
    }

    // Kueue admits it: the job is resumed, kwok runs its pod, and -f ends with its result.
    cluster().kubectl_ok(&[
        "patch",
        "job",
        &name,
        "-n",
        &ns.name,
        "--type=merge",
        "-p",
        r#"{"spec":{"suspend":false}}"#,
    ]);
    let out = finish(follow, Duration::from_secs(120));
    reader.join().expect("stderr reader");
    err_lines.extend(rx.try_iter());
    let err = err_lines.join("\n");
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("exited with code 1"), "{err}");
    // Waiting said so once per reason, not once per poll.
    let waits = err_lines.iter().filter(|l| l.contains("queued")).count();
    assert!(waits <= 3, "{err}");
    assert_eq!(ns.pod_phases(&name), ["Failed"]);
}

#[test]
#[ignore = "needs the test control plane: tests/e2e/cluster up, then --ignored"]
fn wait_on_a_queued_job_is_bounded_by_the_timeout_and_cancel_removes_it_with_its_workload() {
    let ns = Namespace::new();
    let repo = repo_with(&[(RUN_SECONDS, "1")]);
    let start = Instant::now();
    let out = ns.run(
        &repo,
        &["remote", "--wait", "--queue", QUEUE, "--timeout", "5s", "x"],
    );
    assert_eq!(out.status.code(), Some(124), "{}", stderr_of(&out));
    assert!(start.elapsed() < Duration::from_secs(60));
    let name = the_only_job(&ns);
    assert_eq!(
        rows(&ns.run(&repo, &["list", "-o", "json"]))[0]["status"],
        "queued"
    );

    let workload = play_kueue(
        &ns,
        &name,
        serde_json::json!([{"type": "QuotaReserved", "status": "False", "reason": "Pending",
            "message": "waiting", "lastTransitionTime": "2026-01-01T00:00:00Z"}]),
    );
    assert!(stdout_of(&ns.run(&repo, &["status", &name])).contains("Queued: waiting for quota"));

    // Reading Kueue's Workloads is a bonus: a user who may not still sees the job queued, with
    // no reason and no error.
    let user = format!("user-{}", ns.name);
    let kubeconfig = PathBuf::from(cluster().script(&["user", &user]));
    ns.apply(serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "no-workloads"},
        "rules": [
            {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch", "delete"]},
            {"apiGroups": [""], "resources": ["pods", "events"], "verbs": ["get", "list", "watch"]},
        ],
    }));
    ns.apply(serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "no-workloads"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "no-workloads"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    }));
    let denied = cluster().kubectl(&[
        "--kubeconfig",
        kubeconfig.to_str().expect("utf-8 path"),
        "get",
        "workloads",
        "-n",
        &ns.name,
    ]);
    assert!(
        !denied.status.success(),
        "the user may read workloads after all"
    );
    let out = ns.run_as(&repo, &kubeconfig, &["status", &name]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let status = stdout_of(&out);
    assert!(
        status.contains("Queued (created") && !status.contains("waiting for quota"),
        "{status}"
    );
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
    let list = ns.run_as(&repo, &kubeconfig, &["list", "-o", "json"]);
    assert!(list.status.success(), "{}", stderr_of(&list));
    assert_eq!(rows(&list)[0]["status"], "queued");
    assert_eq!(rows(&list)[0]["reason"], serde_json::Value::Null);

    // And cancel needs only what cancelling a running job needs.
    let out = ns.run_as(&repo, &kubeconfig, &["cancel", &name]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    // The garbage collector takes the Workload with its Job, as it would Kueue's.
    wait_until(
        "the job and its workload gone",
        Duration::from_secs(60),
        || !ns.job_exists(&name) && !workload_exists(&ns, &workload),
    );
    assert!(ns.pod_phases(&name).is_empty());
}
