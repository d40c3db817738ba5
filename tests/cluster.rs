//! Every cluster command through the compiled binary, against the loopback fake API server, with a
//! generated kubeconfig: stdout, stderr and exit code for each scenario and fault.

#[path = "support/fake_api/mod.rs"]
mod fake_api;
mod support;

use std::collections::BTreeMap;
use std::process::Output;
use std::time::Duration;

use fake_api::{Config, FakeApi, Faults, Scenario};
use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use support::{TestRepo, agent_lines, stderr_of, stdout_of};

const SECRET: &str = "claude-sandbox-secrets";

fn secret(keys: &[&str]) -> Secret {
    support::credentials_secret(keys)
}

fn good_config() -> Config {
    Config {
        secrets: vec![secret(&["GITHUB_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"])],
        ..Default::default()
    }
}

struct World {
    api: FakeApi,
    repo: TestRepo,
}

impl World {
    /// The good configuration, with these faults injected.
    fn faulty(faults: Faults) -> Self {
        World::new(Config {
            faults,
            ..good_config()
        })
    }

    fn new(cfg: Config) -> Self {
        World {
            api: FakeApi::start(cfg),
            repo: TestRepo::committed(&[("Gemfile", "gem \"pg\"\n")]),
        }
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut c = self.repo.cmd();
        c.env("KUBECONFIG", self.api.kubeconfig())
            .timeout(Duration::from_secs(60));
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn created(&self) -> Vec<Job> {
        self.api.state().created_jobs.clone()
    }

    /// Submit a job and return its name.
    fn submit(&self, extra: &[&str]) -> String {
        let out = self
            .cmd()
            .args(["remote", "-o", "name"])
            .args(extra)
            .arg("the task")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out).trim().to_string()
    }
}

fn assert_one_line_error(out: &Output, code: i32, words: &[&str]) {
    let err = stderr_of(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr: {err}\nstdout: {}",
        stdout_of(out)
    );
    let first = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    for w in words {
        assert!(first.contains(w), "{w:?} not in {first:?}");
    }
    assert!(
        !err.contains("panicked") && !err.contains("ApiError") && !err.contains("Status {"),
        "{err}"
    );
}

/// The child's output once it exits, or once it is killed after `limit` (so a hang fails the
/// test's assertions instead of the whole run).
fn wait_for_exit(mut child: std::process::Child, limit: Duration) -> Output {
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

// ---------------------------------------------------------------- remote

#[test]
fn remote_submits_one_job_and_says_what_to_do_next() {
    let w = World::new(good_config());
    let out = w.run(&["remote", "fix the flaky spec"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let jobs = w.created();
    assert_eq!(jobs.len(), 1);
    let name = jobs[0].metadata.name.clone().unwrap();
    assert!(
        text.contains(&format!("job {name} submitted to namespace sandbox")),
        "{text}"
    );
    assert!(
        text.contains(&format!("claude-sandbox logs {name}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("claude-sandbox cancel {name}")),
        "{text}"
    );
    let labels = jobs[0].metadata.labels.as_ref().unwrap();
    assert_eq!(labels["app.kubernetes.io/managed-by"], "claude-sandbox-cli");
    assert_eq!(jobs[0].metadata.namespace.as_deref(), Some("sandbox"));
    let create = w
        .api
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/jobs"))
        .unwrap();
    assert_eq!(create.param("fieldManager"), Some("claude-sandbox"));
}

#[test]
fn remote_queue_creates_a_suspended_job_and_warns_when_the_cluster_has_no_kueue() {
    let w = World::new(good_config());
    let discovery = |w: &World| {
        w.api
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.trim_end_matches('/') == "/apis")
            .count()
    };
    // Without --queue nothing asks about Kueue.
    let out = w.run(&["remote", "x"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!stderr_of(&out).contains("Kueue"), "{}", stderr_of(&out));
    assert_eq!(discovery(&w), 0);

    // The fake API server serves no kueue.x-k8s.io group: one discovery request finds that out,
    // and the job is still created, suspended, for whatever may resume it.
    let out = w.run(&["remote", "--queue", "team-a", "x"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.contains("warning") && err.contains("kueue.x-k8s.io") && err.contains("team-a"),
        "{err}"
    );
    assert_eq!(discovery(&w), 1);
    assert!(
        stdout_of(&out).contains("to wait in queue team-a"),
        "{}",
        stdout_of(&out)
    );
    let jobs = w.created();
    assert_eq!(jobs.len(), 2);
    let queued = &jobs[1];
    assert_eq!(
        queued.metadata.labels.as_ref().unwrap()["kueue.x-k8s.io/queue-name"],
        "team-a"
    );
    assert_eq!(queued.spec.as_ref().unwrap().suspend, Some(true));
    assert_ne!(jobs[0].spec.as_ref().unwrap().suspend, Some(true));
}

#[test]
fn remote_o_name_prints_only_the_name() {
    let w = World::new(good_config());
    let name = w.submit(&[]);
    assert!(
        name.starts_with("claude-sandbox-widgets-") && !name.contains(' '),
        "{name}"
    );
    assert_eq!(w.created()[0].metadata.name.as_deref(), Some(name.as_str()));
}

#[test]
fn remote_honours_the_namespace_and_context_choices() {
    let w = World::new(Config {
        namespaces: vec!["sandbox".into(), "elsewhere".into()],
        secrets: vec![
            secret(&["GITHUB_TOKEN", "ANTHROPIC_API_KEY"]),
            Secret {
                metadata: ObjectMeta {
                    namespace: Some("elsewhere".into()),
                    ..secret(&[]).metadata
                },
                ..secret(&["GITHUB_TOKEN", "ANTHROPIC_API_KEY"])
            },
        ],
        ..Default::default()
    });
    w.submit(&["--context", "other"]);
    assert_eq!(
        w.created()[0].metadata.namespace.as_deref(),
        Some("elsewhere")
    );
    let out = w.run(&["--context", "nope", "remote", "x"]);
    assert_one_line_error(&out, 1, &["context 'nope'"]);
    assert!(
        stderr_of(&out).contains("known contexts: "),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn remote_follow_streams_every_line_and_exits_with_success() {
    let log = agent_lines(50);
    let w = World::new(Config {
        scenario: Scenario::succeed(&log),
        ..good_config()
    });
    let out = w.run(&["remote", "-f", "do it"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    // stdout is a pipe here, so the lines arrive exactly as the agent wrote them.
    assert_eq!(stdout_of(&out).lines().collect::<Vec<_>>(), log);
    assert!(stderr_of(&out).contains("succeeded"), "{}", stderr_of(&out));
}

#[test]
fn remote_follow_exits_3_when_the_agent_fails() {
    let w = World::new(Config {
        scenario: Scenario::fail(&agent_lines(3), 2),
        ..good_config()
    });
    let out = w.run(&["remote", "-f", "do it"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("exited with code 2"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(stdout_of(&out).lines().count(), 3);
}

#[test]
fn remote_wait_is_silent_and_returns_the_result() {
    let ok = World::new(good_config());
    let out = ok.run(&["remote", "--wait", "x"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "");

    let bad = World::new(Config {
        scenario: Scenario::fail(&agent_lines(1), 1),
        ..good_config()
    });
    assert_eq!(bad.run(&["remote", "--wait", "x"]).status.code(), Some(3));
}

#[test]
fn timeout_exits_124_and_leaves_the_job_running() {
    let w = World::new(Config {
        scenario: Scenario::stay_running(&agent_lines(2)),
        ..good_config()
    });
    let out = w.run(&["remote", "--wait", "--timeout", "2s", "x"]);
    assert_eq!(out.status.code(), Some(124), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("keeps running"));
    assert!(w.api.state().deletions.is_empty());
}

#[test]
fn preflight_refuses_a_missing_secret_and_creates_nothing() {
    let w = World::new(Config::default());
    let out = w.run(&["remote", "x"]);
    assert_one_line_error(
        &out,
        1,
        &["secret claude-sandbox-secrets not found", "sandbox"],
    );
    assert!(stderr_of(&out).contains("hint: "));
    assert!(w.created().is_empty());
}

#[test]
fn preflight_names_missing_secret_keys_but_never_values() {
    let w = World::new(Config {
        secrets: vec![secret(&["GITHUB_TOKEN"])],
        ..Default::default()
    });
    let out = w.run(&["remote", "-v", "-v", "x"]);
    assert_one_line_error(&out, 1, &["CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_API_KEY"]);
    assert!(
        !stderr_of(&out).contains("planted-secret-value")
            && !stdout_of(&out).contains("planted-secret-value")
    );
    assert!(w.created().is_empty());
}

#[test]
fn old_clusters_are_refused_because_the_credential_holder_is_a_sidecar() {
    let w = World::new(Config {
        server_version: (1, 28),
        ..good_config()
    });
    for args in [&["remote", "x"][..], &["remote", "--services", "none", "x"]] {
        let out = w.run(args);
        assert_one_line_error(&out, 1, &["1.28", "native sidecars", "credential holder"]);
        assert!(stderr_of(&out).contains("1.29 or newer"));
    }
    assert!(w.created().is_empty());
}

#[test]
fn a_failed_create_is_checked_by_name_and_never_doubled() {
    let w = World::faulty(Faults {
        drop_connection_on_create: 1,
        ..Default::default()
    });
    w.submit(&[]);
    assert_eq!(
        w.created().len(),
        1,
        "exactly one job, though the first answer was lost"
    );

    let w = World::faulty(Faults {
        server_errors_on_create: 1,
        ..Default::default()
    });
    w.submit(&[]);
    assert_eq!(w.created().len(), 1);
}

#[test]
fn a_create_stored_but_unanswered_is_recognised_as_ours() {
    // The server stores the job and answers 504; kube's client sends the create again and hears
    // that the name is taken. The job is this submission's own: no failure, no second job.
    let w = World::faulty(Faults {
        gateway_timeout_after_create: 1,
        ..Default::default()
    });
    let name = w.submit(&[]);
    let created = w.created();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].metadata.name.as_deref(), Some(name.as_str()));
    let submission = created[0]
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("claude-sandbox/submission"))
        .expect("the job carries its submission's uid");
    assert!(submission.len() >= 16, "{submission}");
}

#[test]
fn api_500_on_create_every_time_leaves_nothing_behind() {
    let w = World::faulty(Faults {
        server_errors_on_create: 100,
        ..Default::default()
    });
    let out = w.run(&["remote", "x"]);
    assert_one_line_error(&out, 1, &["create job", "500"]);
    assert!(w.created().is_empty());
}

#[test]
fn throttling_is_retried() {
    let w = World::faulty(Faults {
        too_many_requests: 2,
        retry_after_seconds: 1,
        ..Default::default()
    });
    let name = w.submit(&[]);
    let out = w.run(&["list", "-o", "name"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).trim(), name);
}

#[test]
fn passing_server_errors_on_reads_are_retried_by_the_tool() {
    // kube's own retry layer repeats only 429, 503 and 504; a 500 or a dropped connection on a
    // read is retried by cluster::retry alone, so this fails if that retry is taken away.
    let w = World::new(good_config());
    let name = w.submit(&[]);
    w.api.state().faults.server_errors = 3;
    let out = w.run(&["list", "-o", "name"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).trim(), name);
    assert_eq!(w.api.state().faults.server_errors, 0, "every 500 was met");

    w.api.state().faults.server_errors = 2;
    let out = w.run(&["status", &name]);
    assert!(out.status.success(), "{}", stderr_of(&out));

    // More failures than the retry's attempts: one clear line, not a hang.
    w.api.state().faults.server_errors = 50;
    let out = w.run(&["list"]);
    assert_one_line_error(&out, 1, &["list jobs", "500"]);
}

#[test]
fn forbidden_is_one_clear_line() {
    let w = World::new(Config {
        denied: vec![("create".into(), "jobs".into())],
        ..good_config()
    });
    let out = w.run(&["remote", "x"]);
    assert_one_line_error(&out, 1, &["forbidden", "create jobs", "namespace sandbox"]);
    assert!(stderr_of(&out).contains("doctor"));
}

#[test]
fn rejected_credentials_are_one_clear_line() {
    let w = World::new(Config {
        bearer_token: Some("the-right-token".into()),
        ..good_config()
    });
    let out = w.run(&["list"]);
    assert_one_line_error(&out, 1, &["rejected the credentials"]);
}

#[test]
fn an_unreachable_cluster_is_one_clear_line() {
    let w = World::new(good_config());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let text = std::fs::read_to_string(w.api.kubeconfig()).unwrap();
    let moved = text.replace(&w.api.url(), &format!("http://127.0.0.1:{port}"));
    let path = w.repo.path().join("closed-kubeconfig");
    std::fs::write(&path, moved).unwrap();
    let out = w
        .cmd()
        .env("KUBECONFIG", &path)
        .args(["list"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &["cannot reach the cluster", &port.to_string()]);
}

#[test]
fn a_server_that_never_answers_times_out_with_one_clear_line() {
    let w = World::new(good_config());
    // The kernel completes the handshake for a listener nobody accepts from: the connection is
    // open and no byte ever comes back.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let text = std::fs::read_to_string(w.api.kubeconfig()).unwrap();
    let moved = text.replace(&w.api.url(), &format!("http://127.0.0.1:{port}"));
    let path = w.repo.path().join("silent-kubeconfig");
    std::fs::write(&path, moved).unwrap();
    let started = std::time::Instant::now();
    let out = w
        .cmd()
        .env("KUBECONFIG", &path)
        .args(["list"])
        .timeout(Duration::from_secs(55))
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &["did not answer within 30 s", "list jobs"]);
    assert!(
        started.elapsed() < Duration::from_secs(45),
        "took {:?}",
        started.elapsed()
    );
    drop(silent);
}

#[test]
fn a_quiet_log_follow_outlasts_the_read_timeout_on_one_connection() {
    // The agent says nothing for longer than a request may wait; the follow is one stream that
    // stays open, not one cut by the read timeout and reconnected.
    let log = agent_lines(2);
    let w = World::new(Config {
        scenario: Scenario::Succeed {
            log: fake_api::LogSource::Lines(log.clone()),
            line_interval: Duration::from_secs(33),
        },
        ..good_config()
    });
    let name = w.submit(&[]);
    let out = w.run(&["logs", &name]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().collect::<Vec<_>>(), log);
    let follows = w
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log") && r.param("follow") == Some("true"))
        .count();
    assert_eq!(follows, 1, "the quiet stream was cut and reopened");
}

#[test]
fn missing_and_malformed_kubeconfigs_are_explained() {
    let w = World::new(good_config());
    let out = w
        .cmd()
        .env("KUBECONFIG", "/no/such/kubeconfig")
        .args(["list"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &["/no/such/kubeconfig", "does not exist"]);
    let bad = w.repo.path().join("bad-kubeconfig");
    std::fs::write(&bad, "clusters: [unterminated\n").unwrap();
    let out = w
        .cmd()
        .args(["--kubeconfig", bad.to_str().unwrap(), "list"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, &["bad-kubeconfig"]);
}

#[test]
fn a_namespace_that_does_not_exist_is_named() {
    let w = World::new(Config {
        namespaces: vec!["sandbox".into()],
        ..good_config()
    });
    let out = w.run(&["-n", "nope", "remote", "x"]);
    assert_one_line_error(&out, 1, &["namespace nope does not exist"]);
    assert!(w.created().is_empty());
}

// ---------------------------------------------------------------- following

#[test]
fn logs_reconnects_after_drops_without_losing_or_repeating_a_line() {
    let log = agent_lines(200);
    let w = World::new(Config {
        scenario: Scenario::Succeed {
            log: fake_api::LogSource::Lines(log.clone()),
            line_interval: Duration::from_millis(1),
        },
        faults: Faults {
            drop_log_stream_after: vec![30, 45, 60],
            ..Default::default()
        },
        ..good_config()
    });
    let name = w.submit(&[]);
    let out = w.run(&["logs", &name]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().collect::<Vec<_>>(), log);
    let log_requests = w
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .count();
    assert!(
        log_requests >= 4,
        "three drops mean at least four connections, saw {log_requests}"
    );
    assert!(
        w.api
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/log") && r.param("sinceTime").is_some())
    );
}

#[test]
fn logs_without_a_name_follows_the_newest_job_of_this_repository() {
    let w = World::new(good_config());
    let first = w.submit(&[]);
    std::thread::sleep(Duration::from_millis(1100));
    let second = w.submit(&[]);
    let out = w.run(&["logs"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains(&format!("following {second}")),
        "{}",
        stderr_of(&out)
    );
    assert_ne!(first, second);
}

#[test]
fn a_missing_job_with_namespaces_in_its_name_is_not_a_missing_namespace() {
    let w = World::new(good_config());
    let name = "claude-sandbox-k8s-namespaces-20260101-120000-ab12";
    for cmd in ["status", "logs", "cancel"] {
        let out = w.run(&[cmd, name]);
        assert_one_line_error(&out, 1, &[&format!("job {name} not found"), "sandbox"]);
        assert!(!stderr_of(&out).contains("does not exist"), "{cmd}");
    }
}

#[test]
fn logs_of_an_unknown_job_is_not_found() {
    let w = World::new(good_config());
    let out = w.run(&["logs", "claude-sandbox-nope"]);
    assert_one_line_error(&out, 1, &["job claude-sandbox-nope not found", "sandbox"]);
    let out = w.run(&["logs"]);
    assert_one_line_error(&out, 1, &["no claude-sandbox jobs"]);
}

#[test]
fn a_pod_that_cannot_start_fails_fast_with_the_reason() {
    for (scenario, words) in [
        (
            Scenario::ImagePullBackOff,
            vec!["cannot start", "ImagePullBackOff"],
        ),
        (
            Scenario::Unschedulable,
            vec!["cannot start", "Unschedulable", "nodes are available"],
        ),
        (
            Scenario::CreateContainerConfigError,
            vec!["cannot start", "CreateContainerConfigError"],
        ),
        (
            Scenario::CrashLoopBackOff,
            vec!["cannot start", "CrashLoopBackOff"],
        ),
    ] {
        let w = World::new(Config {
            scenario,
            ..good_config()
        });
        let started = std::time::Instant::now();
        let out = w.run(&["remote", "-f", "x"]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
        let err = stderr_of(&out);
        for word in words {
            assert!(err.contains(word), "{word} not in {err}");
        }
        assert!(err.contains("claude-sandbox cancel"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }
}

#[test]
fn a_pod_refused_by_admission_is_reported_at_once_not_at_the_deadline() {
    let refusal = r#"pods "p" is forbidden: exceeded quota: small, requested: requests.memory=2Gi"#;
    for mode in ["--wait", "-f"] {
        let w = World::new(Config {
            scenario: Scenario::AdmissionRefused {
                message: refusal.into(),
            },
            ..good_config()
        });
        let started = std::time::Instant::now();
        let out = w.run(&["remote", mode, "x"]);
        assert_eq!(out.status.code(), Some(3), "{mode}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        assert!(
            err.contains("cannot start: FailedCreate") && err.contains("exceeded quota: small"),
            "{mode}: {err}"
        );
        assert!(started.elapsed() < Duration::from_secs(20));

        let name = w.created()[0].metadata.name.clone().unwrap_or_default();
        let status = stdout_of(&w.run(&["status", &name]));
        assert!(
            status.contains("none, FailedCreate") && status.contains("requests.memory=2Gi"),
            "the reason in full: {status}"
        );
        assert!(status.contains("claude-sandbox cancel"), "{status}");
    }
}

#[test]
fn follow_ends_when_the_agent_ends_even_if_the_log_stream_stays_open() {
    let w = World::faulty(Faults {
        log_stream_outlives_container: true,
        ..Default::default()
    });
    let started = std::time::Instant::now();
    let out = w.run(&["remote", "-f", "--raw", "x"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().count(), 3, "{}", stdout_of(&out));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn out_of_memory_and_deadline_end_with_3() {
    let w = World::new(Config {
        scenario: Scenario::OomKilled {
            log: fake_api::LogSource::Lines(agent_lines(2)),
        },
        ..good_config()
    });
    let out = w.run(&["remote", "-f", "x"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr_of(&out).contains("out of memory"),
        "{}",
        stderr_of(&out)
    );

    let w = World::new(Config {
        scenario: Scenario::DeadlineExceeded {
            log: fake_api::LogSource::Lines(agent_lines(2)),
            after: Duration::from_millis(300),
        },
        ..good_config()
    });
    let out = w.run(&["remote", "-f", "x"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("DeadlineExceeded"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_slow_start_is_waited_through() {
    let w = World::faulty(Faults {
        slow_start: Duration::from_millis(1500),
        ..Default::default()
    });
    let out = w.run(&["remote", "-f", "x"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().count(), 3);
}

#[test]
fn a_job_deleted_while_followed_ends_with_one_line_and_exit_3() {
    let w = World::new(Config {
        scenario: Scenario::stay_running(&agent_lines(3)),
        ..good_config()
    });
    let name = w.submit(&[]);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_claude-sandbox"))
        .current_dir(w.repo.path())
        .env("KUBECONFIG", w.api.kubeconfig())
        .args(["logs", &name])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let out = w.run(&["cancel", &name]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = wait_for_exit(child, Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(
        err.matches("was deleted").count(),
        1,
        "one clear line: {err}"
    );
    assert!(!err.contains("not found"), "{err}");
    assert_eq!(stdout_of(&out).lines().count(), 3);
}

#[test]
fn a_log_stream_that_ends_cleanly_while_the_agent_runs_is_resumed() {
    let log = agent_lines(120);
    let w = World::new(Config {
        scenario: Scenario::Succeed {
            log: fake_api::LogSource::Lines(log.clone()),
            line_interval: Duration::from_millis(2),
        },
        faults: Faults {
            drop_log_stream_after: vec![20, 40, 60],
            drop_log_stream_cleanly: true,
            ..Default::default()
        },
        ..good_config()
    });
    let name = w.submit(&[]);
    let out = w.run(&["logs", &name]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().collect::<Vec<_>>(), log);
    let log_requests = w
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .count();
    assert!(log_requests >= 4, "saw {log_requests} log requests");
}

#[test]
fn ctrl_c_detaches_and_leaves_the_job_running() {
    let w = World::new(Config {
        scenario: Scenario::stay_running(&agent_lines(3)),
        ..good_config()
    });
    let name = w.submit(&[]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_claude-sandbox"))
        .current_dir(w.repo.path())
        .env("KUBECONFIG", w.api.kubeconfig())
        .args(["logs", &name])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("detached")
            && stderr_of(&out).contains(&format!("claude-sandbox logs {name}"))
    );
    assert_eq!(stdout_of(&out).lines().count(), 3);
    assert!(w.api.state().deletions.is_empty());
}

// ---------------------------------------------------------------- list, status, cancel, clean

fn seeded(name: &str, repo: &str, branch: &str, state: &str, age: Duration, managed: bool) -> Job {
    let now = jiff::Timestamp::now();
    let created = now - jiff::SignedDuration::try_from(age).unwrap();
    let mut labels = BTreeMap::from([("app".to_string(), "claude-sandbox".to_string())]);
    if managed {
        labels.insert(
            "app.kubernetes.io/managed-by".into(),
            "claude-sandbox-cli".into(),
        );
    }
    labels.insert(
        "claude-sandbox/repo".into(),
        claude_sandbox::job::repo_label(repo),
    );
    labels.insert(
        "claude-sandbox/branch".into(),
        claude_sandbox::job::label_value(branch),
    );
    let annotations = BTreeMap::from([
        ("claude-sandbox/repo-url".to_string(), repo.to_string()),
        ("claude-sandbox/branch-name".to_string(), branch.to_string()),
        ("claude-sandbox/task".to_string(), format!("task of {name}")),
    ]);
    let cond = |t: &str| {
        Some(vec![JobCondition {
            type_: t.into(),
            status: "True".into(),
            last_transition_time: Some(Time(created + jiff::SignedDuration::from_secs(60))),
            ..Default::default()
        }])
    };
    let status = match state {
        "succeeded" => JobStatus {
            succeeded: Some(1),
            start_time: Some(Time(created)),
            completion_time: Some(Time(created + jiff::SignedDuration::from_secs(60))),
            conditions: cond("Complete"),
            ..Default::default()
        },
        "failed" => JobStatus {
            failed: Some(1),
            start_time: Some(Time(created)),
            conditions: cond("Failed"),
            ..Default::default()
        },
        _ => JobStatus {
            active: Some(1),
            ready: Some(1),
            start_time: Some(Time(created)),
            ..Default::default()
        },
    };
    Job {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("sandbox".into()),
            labels: Some(labels),
            annotations: Some(annotations),
            creation_timestamp: Some(Time(created)),
            ..Default::default()
        },
        spec: Some(Default::default()),
        status: Some(status),
    }
}

const HERE: &str = "https://github.com/acme/widgets.git";
const THERE: &str = "https://github.com/acme/other.git";

fn listing_world() -> World {
    World::new(Config {
        jobs: listing_jobs(),
        ..good_config()
    })
}

fn listing_jobs() -> Vec<Job> {
    vec![
        seeded(
            "job-old-ok",
            HERE,
            "main",
            "succeeded",
            Duration::from_secs(3 * 3600),
            true,
        ),
        seeded(
            "job-old-bad",
            HERE,
            "feature/x",
            "failed",
            Duration::from_secs(5 * 1800),
            true,
        ),
        seeded(
            "job-new-ok",
            THERE,
            "main",
            "succeeded",
            Duration::from_secs(600),
            true,
        ),
        seeded(
            "job-running",
            HERE,
            "main",
            "running",
            Duration::from_secs(60),
            true,
        ),
        seeded(
            "not-ours",
            HERE,
            "main",
            "succeeded",
            Duration::from_secs(7200),
            false,
        ),
    ]
}

#[test]
fn list_shows_only_our_jobs_newest_first_with_filters() {
    let w = listing_world();
    let names = |args: &[&str]| {
        let out = w.run(&[&["list", "-o", "name"], args].concat());
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&[]),
        ["job-running", "job-new-ok", "job-old-bad", "job-old-ok"]
    );
    assert_eq!(
        names(&["--repo", "."]),
        ["job-running", "job-old-bad", "job-old-ok"]
    );
    assert_eq!(
        names(&["--repo", "git@github.com:acme/other.git"]),
        ["job-new-ok"]
    );
    assert_eq!(names(&["--branch", "feature/x"]), ["job-old-bad"]);
    assert_eq!(names(&["--status", "running"]), ["job-running"]);
    assert_eq!(
        names(&["--status", "succeeded", "--repo", "."]),
        ["job-old-ok"]
    );

    let table = stdout_of(&w.run(&["list"]));
    let header = table.lines().next().unwrap();
    for col in [
        "NAME", "REPO", "BRANCH", "STATUS", "AGE", "DURATION", "TASK",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert!(
        table.contains("acme/widgets")
            && table.contains("Running")
            && table.contains("task of job-running"),
        "{table}"
    );
    let wide = stdout_of(&w.run(&["list", "-o", "wide"]));
    assert!(wide.lines().next().unwrap().contains("IMAGE"), "{wide}");

    let json: serde_json::Value =
        serde_json::from_slice(&w.run(&["list", "-o", "json"]).stdout).unwrap();
    let first = &json[0];
    assert_eq!(first["name"], "job-running");
    assert_eq!(first["status"], "running");
    assert_eq!(first["repo_url"], HERE);
    assert_eq!(first["branch"], "main");

    let bad = w.run(&["list", "-o", "xml"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn list_pages_through_five_thousand_jobs() {
    let jobs: Vec<Job> = (0..5000)
        .map(|i| {
            seeded(
                &format!("job-{i:05}"),
                HERE,
                "main",
                "succeeded",
                Duration::from_secs(60 + i),
                true,
            )
        })
        .collect();
    let w = World::new(Config {
        jobs,
        ..good_config()
    });
    let started = std::time::Instant::now();
    let out = w.run(&["list", "-o", "name"]);
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().count(), 5000);
    let pages = w
        .api
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "GET" && r.path.ends_with("/jobs") && r.param("limit") == Some("500")
        })
        .count();
    assert_eq!(pages, 10, "5,000 jobs in pages of 500");
    eprintln!("list of 5,000 jobs took {took:?} (debug build)");
}

#[test]
fn status_shows_containers_warnings_and_the_next_command() {
    let w = World::new(Config {
        scenario: Scenario::ImagePullBackOff,
        ..good_config()
    });
    let name = w.submit(&[]);
    std::thread::sleep(Duration::from_millis(500));
    let out = w.run(&["status", &name]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("ImagePullBackOff"), "{text}");
    assert!(
        text.contains("postgres") && text.contains("sidecar"),
        "{text}"
    );
    assert!(
        text.contains(&format!("claude-sandbox cancel {name}")),
        "{text}"
    );
    assert!(text.contains("the task"), "{text}");

    let done = World::new(good_config());
    let name = done.submit(&[]);
    assert_eq!(done.run(&["logs", &name]).status.code(), Some(0));
    let text = stdout_of(&done.run(&["status", &name]));
    assert!(
        text.contains("Succeeded") && text.contains("--no-follow"),
        "{text}"
    );

    let out = done.run(&["status", "nope"]);
    assert_one_line_error(&out, 1, &["job nope not found"]);
}

#[test]
fn cancel_deletes_with_background_propagation_and_reports_each_failure() {
    let w = listing_world();
    let out = w.run(&["cancel", "job-running"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("job job-running cancelled"));
    let deletions = w.api.state().deletions.clone();
    assert_eq!(deletions.len(), 1);
    assert_eq!(
        deletions[0].propagation_policy.as_deref(),
        Some("Background")
    );

    let out = w.run(&["cancel", "job-old-ok", "missing-job", "not-ours"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("missing-job not found")
            && err.contains("not-ours was not made by claude-sandbox"),
        "{err}"
    );
    assert!(err.contains("2 of 3 jobs could not be cancelled"), "{err}");
    let names: Vec<String> = w
        .api
        .state()
        .deletions
        .iter()
        .map(|d| d.name.clone())
        .collect();
    assert_eq!(
        names,
        ["job-running", "job-old-ok"],
        "the good one was still deleted; never the foreign one"
    );
}

#[test]
fn clean_deletes_finished_jobs_only_and_never_foreign_ones() {
    let w = listing_world();
    let dry = w.run(&["clean", "--dry-run"]);
    assert!(dry.status.success());
    assert_eq!(stdout_of(&dry).lines().count(), 3, "{}", stdout_of(&dry));
    assert!(w.api.state().deletions.is_empty());

    let out = w.run(&["clean", "--failed"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        w.api
            .state()
            .deletions
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["job-old-bad"]
    );

    let out = w.run(&["clean", "--older-than", "1h"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let deleted: Vec<String> = w
        .api
        .state()
        .deletions
        .iter()
        .map(|d| d.name.clone())
        .collect();
    assert_eq!(deleted, ["job-old-bad", "job-old-ok"]);
    assert!(
        w.api
            .state()
            .deletions
            .iter()
            .all(|d| d.propagation_policy.as_deref() == Some("Background"))
    );

    let out = w.run(&["clean"]);
    assert!(stdout_of(&out).contains("deleted job-new-ok"));
    assert!(
        !w.api
            .state()
            .deletions
            .iter()
            .any(|d| d.name == "not-ours" || d.name == "job-running")
    );
}

#[test]
fn clean_all_needs_yes_without_a_terminal() {
    let w = listing_world();
    let out = w.run(&["clean", "--all"]);
    assert_one_line_error(&out, 2, &["--yes"]);
    assert!(w.api.state().deletions.is_empty());
    let out = w.run(&["clean", "--all", "--yes"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(w.api.state().deletions.len(), 4);
}

#[test]
fn a_failed_delete_is_reported_and_fails_the_command() {
    let w = World::new(Config {
        denied: vec![("delete".into(), "jobs".into())],
        jobs: listing_jobs(),
        ..good_config()
    });
    let out = w.run(&["clean"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("forbidden"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "one line for a refusal that applies to every job: {err}"
    );
    assert!(!stderr_of(&out).contains("deleted"));
}

/// A known token planted in the cluster secret, the environment and the git remote URL must never
/// appear in anything the tool prints, in any command, verbose or failing.
#[test]
fn a_planted_credential_never_appears_in_any_output() {
    const TOKEN: &str = "ghp_PLANTEDtoken0123456789";
    let w = World::new(Config {
        secrets: vec![Secret {
            data: Some(BTreeMap::from([
                (
                    "GITHUB_TOKEN".to_string(),
                    k8s_openapi::ByteString(TOKEN.as_bytes().to_vec()),
                ),
                (
                    "CLAUDE_CODE_OAUTH_TOKEN".to_string(),
                    k8s_openapi::ByteString(TOKEN.as_bytes().to_vec()),
                ),
            ])),
            ..secret(&[])
        }],
        ..Default::default()
    });
    w.repo.set_origin(&format!(
        "https://x-access-token:{TOKEN}@github.com/acme/widgets.git"
    ));
    let data = tempfile::tempdir().unwrap();
    let name = w.submit(&[]);
    let runs: Vec<Vec<&str>> = vec![
        vec!["detect", "-v", "-v"],
        vec!["detect", "-o", "json"],
        vec!["remote", "--dry-run", "-v", "-v", "x"],
        vec!["remote", "--dry-run", "-o", "json", "x"],
        vec!["remote", "-v", "-v", "-f", "x"],
        vec!["remote", "--secret", "missing", "x"],
        vec!["logs", "-v", "-v", &name],
        vec!["list", "-o", "wide"],
        vec!["list", "-o", "json"],
        vec!["status", &name],
        vec!["config", "show"],
        vec!["cancel", "-v", &name],
        vec!["clean", "--all", "--yes", "-v", "-v"],
        vec!["--context", "nope", "list"],
    ];
    for args in runs {
        let out = w
            .cmd()
            .env("GITHUB_TOKEN", TOKEN)
            .env("CLAUDE_CODE_OAUTH_TOKEN", TOKEN)
            .env("XDG_DATA_HOME", data.path())
            .args(&args)
            .output()
            .unwrap();
        let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
        assert!(
            !all.contains(TOKEN) && !all.contains("PLANTED"),
            "{args:?} printed the token:\n{all}"
        );
    }
    for job in w.created() {
        let text = serde_json::to_string(&job).unwrap();
        assert!(!text.contains(TOKEN), "the token reached a submitted Job");
    }
    let archive = data.path().join("claude-sandbox/logs/sandbox");
    let saved: Vec<_> = std::fs::read_dir(&archive).unwrap().flatten().collect();
    assert!(!saved.is_empty(), "the follows above saved their logs");
    for f in saved {
        assert!(!std::fs::read_to_string(f.path()).unwrap().contains(TOKEN));
    }
}

/// On a terminal the agent's stream-json is rendered for reading. `script` gives the binary a
/// pseudo-terminal as stdout, as a person's shell would.
#[test]
fn logs_on_a_terminal_are_rendered_for_people() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        support::cannot_run("`script` (util-linux) is not installed, so no pseudo-terminal");
        return;
    }
    let w = World::new(Config {
        scenario: Scenario::succeed(&[
            "Cloning into '/workspace/widgets'...",
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Looking at the spec."},{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"bundle exec rspec spec/checkout_spec.rb"}}]}}"#,
            r#"{"type":"result","subtype":"success","is_error":false,"result":"Fixed.","num_turns":4,"duration_ms":134000,"total_cost_usd":0.42}"#,
        ]),
        ..good_config()
    });
    let name = w.submit(&[]);
    let command = format!(
        "KUBECONFIG='{}' '{}' --color never logs {name}",
        w.api.kubeconfig().display(),
        env!("CARGO_BIN_EXE_claude-sandbox")
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(w.repo.path())
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let screen = stdout_of(&out).replace('\r', "");
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains("Cloning into '/workspace/widgets'..."),
        "{screen}"
    );
    assert!(screen.contains("Looking at the spec."), "{screen}");
    assert!(
        screen.contains("Bash") && screen.contains("bundle exec rspec spec/checkout_spec.rb"),
        "{screen}"
    );
    assert!(
        screen.contains("4 turns") && screen.contains("$0.42"),
        "{screen}"
    );
    assert!(
        !screen.contains(r#""type":"assistant""#),
        "raw JSON on a terminal: {screen}"
    );
}

// ---------------------------------------------------------------- doctor

#[test]
fn doctor_passes_on_a_ready_cluster() {
    let w = World::new(good_config());
    let out = w.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    let text = stdout_of(&out);
    assert!(!text.contains('✗'), "{text}");
    for line in [
        "kubeconfig: context fake",
        "cluster: reachable, Kubernetes v1.33",
        "native sidecars",
        "may create jobs",
        "may get pods/log",
        "secret claude-sandbox-secrets: has",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert!(!text.contains("planted-secret-value"));
}

#[test]
fn doctor_names_each_failure_with_its_fix() {
    let w = World::new(Config {
        server_version: (1, 28),
        denied: vec![("get".into(), "pods/log".into())],
        secrets: vec![secret(&["GITHUB_TOKEN"])],
        ..Default::default()
    });
    let out = w.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    assert!(text.contains("✗ native sidecars"), "{text}");
    assert!(
        text.contains("✗ may get pods/log") && text.contains("fix: ask a cluster admin"),
        "{text}"
    );
    assert!(
        text.contains("✗ secret claude-sandbox-secrets: lacks CLAUDE_CODE_OAUTH_TOKEN"),
        "{text}"
    );
    assert!(text.contains("✓ may create jobs"), "{text}");
    assert!(
        stderr_of(&out).contains("error: 3 checks failed"),
        "{}",
        stderr_of(&out)
    );

    let json: serde_json::Value =
        serde_json::from_slice(&w.run(&["doctor", "-o", "json"]).stdout).unwrap();
    let failed: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        [
            "native sidecars",
            "may get pods/log",
            "secret claude-sandbox-secrets"
        ]
    );
}

#[test]
fn doctor_stops_at_an_unusable_kubeconfig() {
    let w = World::new(good_config());
    let out = w
        .cmd()
        .env("KUBECONFIG", "/no/such/file")
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("✗ kubeconfig"),
        "{}",
        stdout_of(&out)
    );
}

// ---------------------------------------------------------------- setup

const GH: &str = "ghp_setupTOKENvalue";
const CLAUDE: &str = "sk-ant-oat01-setupTOKENvalue";

#[test]
fn setup_from_the_environment_creates_the_secret_without_printing_values() {
    let w = World::new(Config::default());
    let out = w
        .cmd()
        .env("GITHUB_TOKEN", GH)
        .env("CLAUDE_CODE_OAUTH_TOKEN", CLAUDE)
        .args(["setup", "--from-env", "-v", "-v"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert!(all.contains("secret claude-sandbox-secrets created in namespace sandbox with CLAUDE_CODE_OAUTH_TOKEN, GITHUB_TOKEN"), "{all}");
    assert!(!all.contains("TOKENvalue"), "{all}");
    let stored = w.api.state().secret("sandbox", SECRET).unwrap();
    let data = stored.data.unwrap();
    assert_eq!(data["GITHUB_TOKEN"].0, GH.as_bytes());
    // The new secret satisfies remote's preflight.
    w.submit(&[]);
}

#[test]
fn setup_updates_only_the_keys_given() {
    let mut existing = secret(&["GITHUB_TOKEN", "ANTHROPIC_API_KEY"]);
    existing.data.as_mut().unwrap().insert(
        "TEAM_EXTRA".into(),
        k8s_openapi::ByteString(b"keep-me".to_vec()),
    );
    let w = World::new(Config {
        secrets: vec![existing],
        ..Default::default()
    });
    let out = w
        .cmd()
        .env("GITHUB_TOKEN", GH)
        .args(["setup"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("updated"));
    let data = w
        .api
        .state()
        .secret("sandbox", SECRET)
        .unwrap()
        .data
        .unwrap();
    assert_eq!(data["GITHUB_TOKEN"].0, GH.as_bytes());
    assert_eq!(data["TEAM_EXTRA"].0, b"keep-me");
    assert_eq!(data["ANTHROPIC_API_KEY"].0, b"planted-secret-value");
}

#[test]
fn setup_without_a_terminal_never_prompts_and_names_what_is_missing() {
    let w = World::new(Config::default());
    let out = w
        .cmd()
        .env("GITHUB_TOKEN", GH)
        .args(["setup"])
        .output()
        .unwrap();
    assert_one_line_error(
        &out,
        1,
        &["missing", "CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_API_KEY"],
    );
    assert!(w.api.state().secret("sandbox", SECRET).is_none());

    let out = w
        .cmd()
        .env("GITHUB_TOKEN", CLAUDE)
        .env("ANTHROPIC_API_KEY", CLAUDE)
        .args(["setup"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["GITHUB_TOKEN looks like an Anthropic key"]);
    assert!(!stderr_of(&out).contains("TOKENvalue"));
}

#[test]
fn setup_dry_run_redacts_and_changes_nothing() {
    let w = World::new(Config::default());
    let out = w
        .cmd()
        .env("GITHUB_TOKEN", GH)
        .env("ANTHROPIC_API_KEY", CLAUDE)
        .args(["setup", "--dry-run", "--network-policy"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        text.contains("GITHUB_TOKEN: <redacted>") && text.contains("kind: NetworkPolicy"),
        "{text}"
    );
    assert!(!text.contains("TOKENvalue"));
    assert!(w.api.state().secrets().is_empty());
    assert!(w.api.state().network_policies().is_empty());
}

#[test]
fn setup_network_policy_limits_egress_of_sandbox_pods() {
    let w = World::new(good_config());
    for _ in 0..2 {
        let out = w
            .cmd()
            .env("GITHUB_TOKEN", GH)
            .args(["setup", "--network-policy"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "run twice must be fine: {}",
            stderr_of(&out)
        );
    }
    let policies = w.api.state().network_policies();
    assert_eq!(policies.len(), 1);
    let spec = policies[0].spec.clone().unwrap();
    assert_eq!(
        spec.pod_selector.unwrap().match_labels.unwrap()["app"],
        "claude-sandbox"
    );
    assert_eq!(spec.egress.unwrap().len(), 2);
}

// ---------------------------------------------------------------- archive

#[test]
fn logs_of_a_job_the_cluster_deleted_come_from_the_local_copy() {
    let log = agent_lines(5);
    let w = World::new(Config {
        scenario: Scenario::succeed(&log),
        ..good_config()
    });
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        w.cmd()
            .env("XDG_DATA_HOME", data.path())
            .args(args)
            .output()
            .unwrap()
    };
    let name = w.submit(&[]);
    let followed = run(&["logs", &name]);
    assert!(followed.status.success(), "{}", stderr_of(&followed));

    assert!(run(&["cancel", &name]).status.success());
    let again = run(&["logs", &name]);
    assert!(again.status.success(), "{}", stderr_of(&again));
    assert_eq!(stdout_of(&again).lines().collect::<Vec<_>>(), log);
    assert!(
        stderr_of(&again).contains("no longer in the cluster")
            && stderr_of(&again).contains("saved"),
        "{}",
        stderr_of(&again)
    );

    let listed = run(&["list", "--archived", "-o", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows[0]["name"], name.as_str());
    assert_eq!(rows[0]["namespace"], "sandbox");
    let table = stdout_of(&run(&["list", "--archived"]));
    assert!(
        table.starts_with("NAME") && table.contains(&name),
        "{table}"
    );

    let unknown = run(&["logs", "never-existed"]);
    assert_one_line_error(&unknown, 1, &["job never-existed not found"]);
    assert!(stderr_of(&unknown).contains("--archived"));
}

#[test]
fn setup_records_an_existing_registry_secret_in_the_user_config() {
    let registry = Secret {
        metadata: ObjectMeta {
            name: Some("ghcr".into()),
            ..secret(&[]).metadata
        },
        ..secret(&[])
    };
    let mut cfg = good_config();
    cfg.secrets.push(registry);
    let w = World::new(cfg);
    let xdg = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        w.cmd()
            .env("XDG_CONFIG_HOME", xdg.path())
            .env("GITHUB_TOKEN", GH)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["setup", "--image-pull-secret", "ghcr"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("image pull secret ghcr recorded"));
    let job: Job =
        serde_json::from_slice(&run(&["remote", "--dry-run", "-o", "json", "x"]).stdout).unwrap();
    let pod = job.spec.unwrap().template.spec.unwrap();
    assert_eq!(pod.image_pull_secrets.unwrap()[0].name, "ghcr");

    let missing = run(&["setup", "--image-pull-secret", "quay"]);
    assert_one_line_error(&missing, 1, &["registry secret quay not found"]);
}

/// `remote` and `doctor` share one check of the secret's keys, reading `data` and `stringData`:
/// doctor once read only `data` and called a secret `remote` accepted incomplete.
#[test]
fn remote_and_doctor_agree_on_keys_kept_in_string_data() {
    let mut split = secret(&["GITHUB_TOKEN"]);
    split.string_data = Some(BTreeMap::from([(
        "ANTHROPIC_API_KEY".to_string(),
        "planted-secret-value".to_string(),
    )]));
    let w = World::new(Config {
        secrets: vec![split],
        ..Default::default()
    });
    let doctor = w.run(&["doctor"]);
    let text = stdout_of(&doctor);
    assert_eq!(doctor.status.code(), Some(0), "{text}");
    assert!(
        text.contains("secret claude-sandbox-secrets: has ANTHROPIC_API_KEY, GITHUB_TOKEN"),
        "{text}"
    );
    let remote = w.run(&["remote", "-o", "name", "the task"]);
    assert!(remote.status.success(), "{}", stderr_of(&remote));
    assert!(!text.contains("planted-secret-value"));
}

#[test]
fn the_receipt_in_the_termination_message_is_shown_by_status_list_and_logs_and_kept() {
    let receipt = r#"{"outcome":"succeeded","exit_code":0,"duration_s":252,"turns":12,"cost_usd":0.4213,"input_tokens":1200,"output_tokens":340,"branch":"claude-sandbox/job-1","commit":"0123456789abcdef0123456789abcdef01234567","compare_url":"https://github.com/acme/widgets/compare/main...claude-sandbox/job-1"}"#;
    let w = World::new(Config {
        scenario: Scenario::succeed(&agent_lines(3)),
        termination_message: Some(receipt.into()),
        ..good_config()
    });
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        w.cmd()
            .env("XDG_DATA_HOME", data.path())
            .args(args)
            .output()
            .unwrap()
    };
    let name = w.submit(&[]);
    let logs = run(&["logs", &name]);
    assert!(logs.status.success(), "{}", stderr_of(&logs));
    // stdout stays the log; the receipt ends what the user reads, on stderr.
    assert_eq!(stdout_of(&logs).lines().count(), 3);
    let err = stderr_of(&logs);
    let last = err
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>();
    assert!(
        last.iter()
            .any(|l| l.starts_with("receipt: succeeded in 4m12s")
                && l.contains("12 turns")
                && l.contains("$0.42")),
        "{err}"
    );
    assert!(
        last.last()
            .unwrap()
            .contains("compare: https://github.com/acme/widgets/compare/"),
        "{err}"
    );

    let status = stdout_of(&run(&["status", &name]));
    assert!(
        status.contains("receipt    succeeded")
            && status.contains("pushed claude-sandbox/job-1 at 0123456789ab"),
        "{status}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&run(&["list", "-o", "json"]).stdout).unwrap();
    assert_eq!(json[0]["receipt"]["cost_usd"], 0.4213);
    assert_eq!(json[0]["receipt"]["duration_s"], 252);
    assert_eq!(json[0]["receipt"]["branch"], "claude-sandbox/job-1");
    let wide = stdout_of(&run(&["list", "-o", "wide"]));
    assert!(
        wide.lines().next().unwrap().contains("COST")
            && wide.contains("$0.42")
            && wide.contains("claude-sandbox/job-1"),
        "{wide}"
    );

    // Once the cluster has deleted the job, the saved copy still ends with the receipt.
    assert!(run(&["cancel", &name]).status.success());
    let saved = run(&["logs", &name]);
    assert!(saved.status.success(), "{}", stderr_of(&saved));
    assert!(
        stderr_of(&saved).contains("receipt: succeeded"),
        "{}",
        stderr_of(&saved)
    );
}

#[test]
fn a_termination_message_that_is_no_receipt_is_ignored() {
    let w = World::new(Config {
        scenario: Scenario::succeed(&agent_lines(2)),
        termination_message: Some("\u{1b}[2Jnot json".into()),
        ..good_config()
    });
    let name = w.submit(&[]);
    let logs = w.run(&["logs", &name]);
    assert!(logs.status.success());
    assert!(
        !stderr_of(&logs).contains("receipt"),
        "{}",
        stderr_of(&logs)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&w.run(&["list", "-o", "json"]).stdout).unwrap();
    assert!(json[0]["receipt"].is_null());
}

// ---------------------------------------------------------------- diff, checkout

fn git_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Agent")
        .env("GIT_AUTHOR_EMAIL", "agent@example.com")
        .env("GIT_COMMITTER_NAME", "Agent")
        .env("GIT_COMMITTER_EMAIL", "agent@example.com")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr_of(&out));
    stdout_of(&out)
}

/// A job whose pod pushed `claude-sandbox/<job>` to a local bare repository, which the user's
/// clone reaches through its own git configuration (an `insteadOf` for its `origin`).
struct Pushed {
    w: World,
    _remote: tempfile::TempDir,
    job: String,
    base: String,
}

fn pushed_job() -> Pushed {
    let remote = tempfile::tempdir().unwrap();
    let repo = TestRepo::committed(&[("app.rb", "puts 1\n"), ("Gemfile", "gem \"pg\"\n")]);
    let base = git_in(repo.path(), &["rev-parse", "HEAD"])
        .trim()
        .to_owned();
    let bare = remote.path().join("widgets.git");
    git_in(
        remote.path(),
        &[
            "clone",
            "-q",
            "--bare",
            repo.path().to_str().unwrap(),
            "widgets.git",
        ],
    );
    let agent = remote.path().join("agent");
    git_in(
        remote.path(),
        &["clone", "-q", bare.to_str().unwrap(), "agent"],
    );
    let job = "job-done".to_owned();
    git_in(
        &agent,
        &["switch", "-q", "-c", &format!("claude-sandbox/{job}")],
    );
    std::fs::write(agent.join("app.rb"), "puts 1\nputs 2\n").unwrap();
    std::fs::write(agent.join("new_spec.rb"), "it works\n").unwrap();
    git_in(&agent, &["add", "-A"]);
    git_in(&agent, &["commit", "-q", "-m", "Fix it"]);
    git_in(&agent, &["push", "-q", "origin", "HEAD"]);
    git_in(
        repo.path(),
        &[
            "config",
            &format!("url.file://{}.insteadOf", bare.display()),
            "git@github.com:acme/widgets.git",
        ],
    );
    let mut done = seeded(
        &job,
        HERE,
        "main",
        "succeeded",
        Duration::from_secs(600),
        true,
    );
    done.metadata
        .annotations
        .as_mut()
        .unwrap()
        .insert("claude-sandbox/commit".into(), base.clone());
    let mut empty = seeded(
        "job-empty",
        HERE,
        "main",
        "succeeded",
        Duration::from_secs(900),
        true,
    );
    empty
        .metadata
        .annotations
        .as_mut()
        .unwrap()
        .insert("claude-sandbox/commit".into(), base.clone());
    let w = World {
        api: fake_api::FakeApi::start(Config {
            jobs: vec![done, empty],
            ..good_config()
        }),
        repo,
    };
    Pushed {
        w,
        _remote: remote,
        job,
        base,
    }
}

#[test]
fn diff_shows_the_jobs_changes_with_the_users_git_and_leaves_the_work_tree_alone() {
    let p = pushed_job();
    let w = &p.w;
    let names = w.run(&["diff", &p.job, "--name-only"]);
    assert!(names.status.success(), "{}", stderr_of(&names));
    assert_eq!(stdout_of(&names), "app.rb\nnew_spec.rb\n");
    let stat = stdout_of(&w.run(&["diff", &p.job, "--stat"]));
    assert!(stat.contains("2 files changed"), "{stat}");
    // Without a name: the newest job of this repository.
    let patch = w.run(&["diff"]);
    assert!(patch.status.success(), "{}", stderr_of(&patch));
    assert!(
        stdout_of(&patch).contains("+puts 2"),
        "{}",
        stdout_of(&patch)
    );
    assert!(
        stderr_of(&patch).contains("job-done"),
        "{}",
        stderr_of(&patch)
    );
    // Untouched: the same branch, the same files, nothing new in the work tree.
    let repo = w.repo.path();
    assert_eq!(git_in(repo, &["branch", "--show-current"]).trim(), "main");
    assert_eq!(git_in(repo, &["rev-parse", "HEAD"]).trim(), p.base);
    assert_eq!(git_in(repo, &["status", "--porcelain"]), "");

    let none = w.run(&["diff", "job-empty"]);
    assert_one_line_error(&none, 1, &["claude-sandbox/job-empty", "pushed nothing"]);
}

#[test]
fn checkout_switches_a_clean_work_tree_and_refuses_a_dirty_one() {
    let p = pushed_job();
    let w = &p.w;
    let repo = w.repo.path();
    std::fs::write(repo.join("app.rb"), "my own edit\n").unwrap();
    let refused = w.run(&["checkout", &p.job]);
    assert_one_line_error(&refused, 1, &["uncommitted changes"]);
    assert!(
        stderr_of(&refused).contains("app.rb"),
        "{}",
        stderr_of(&refused)
    );
    assert!(
        stderr_of(&refused).contains("--worktree"),
        "{}",
        stderr_of(&refused)
    );
    assert_eq!(git_in(repo, &["branch", "--show-current"]).trim(), "main");
    assert_eq!(
        std::fs::read_to_string(repo.join("app.rb")).unwrap(),
        "my own edit\n"
    );

    // A worktree of its own leaves the dirty one as it is.
    let elsewhere = tempfile::tempdir().unwrap();
    let review = elsewhere.path().join("review");
    let out = w.run(&["checkout", &p.job, "--worktree", review.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        std::fs::read_to_string(review.join("app.rb")).unwrap(),
        "puts 1\nputs 2\n"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("app.rb")).unwrap(),
        "my own edit\n"
    );
    git_in(
        repo,
        &["worktree", "remove", "--force", review.to_str().unwrap()],
    );

    git_in(repo, &["checkout", "--", "app.rb"]);
    let out = w.run(&["checkout", &p.job]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        git_in(repo, &["branch", "--show-current"]).trim(),
        "claude-sandbox/job-done"
    );
    assert!(repo.join("new_spec.rb").exists());
    assert!(stderr_of(&out).contains("switched to claude-sandbox/job-done"));
}

#[test]
fn a_receipt_the_agent_forged_cannot_drive_the_terminal() {
    // PID 1 writes the receipt last, but an agent killed with its container (OOM) leaves
    // whatever it wrote there: shown as text, never as terminal commands.
    let forged = "{\"outcome\":\"succeeded\\u001b]52;c;ZXZpbA==\\u0007\",\"exit_code\":0,\"branch\":\"\\u001b[2Jx\",\"compare_url\":\"https://e.example/\\u001b[8m\"}";
    let w = World::new(Config {
        scenario: Scenario::succeed(&agent_lines(1)),
        termination_message: Some(forged.into()),
        ..good_config()
    });
    let name = w.submit(&[]);
    let logs = w.run(&["logs", &name]);
    assert!(
        stderr_of(&logs).contains("receipt:"),
        "{}",
        stderr_of(&logs)
    );
    let status = w.run(&["status", &name]);
    let wide = w.run(&["list", "-o", "wide"]);
    for out in [&logs, &status, &wide] {
        let all = format!("{}{}", stdout_of(out), stderr_of(out));
        assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
    }
}

#[test]
fn the_pull_request_of_a_receipt_is_shown_by_status_list_and_logs() {
    let receipt = r#"{"outcome":"succeeded","exit_code":0,"turns":4,"branch":"claude-sandbox/job-1","commit":"0123456789abcdef0123456789abcdef01234567","pr_url":"https://github.com/acme/widgets/pull/7"}"#;
    let w = World::new(Config {
        scenario: Scenario::succeed(&agent_lines(2)),
        termination_message: Some(receipt.into()),
        ..good_config()
    });
    let name = w.submit(&["--pr"]);
    let created = w.created();
    let holder_env: Vec<String> = created[0]
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|p| p.init_containers.as_ref())
        .and_then(|c| c.iter().find(|c| c.name == "holder"))
        .and_then(|c| c.env.as_ref())
        .map(|e| {
            e.iter()
                .map(|v| format!("{}={}", v.name, v.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        holder_env.contains(&"CLAUDE_SANDBOX_PULL_REQUEST=draft".to_owned()),
        "{holder_env:?}"
    );
    let logs = w.run(&["logs", &name]);
    assert!(logs.status.success(), "{}", stderr_of(&logs));
    assert!(
        stderr_of(&logs).contains("pull request: https://github.com/acme/widgets/pull/7"),
        "{}",
        stderr_of(&logs)
    );
    let status = stdout_of(&w.run(&["status", &name]));
    assert!(
        status.contains("pull request: https://github.com/acme/widgets/pull/7"),
        "{status}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&w.run(&["list", "-o", "json"]).stdout).unwrap();
    assert_eq!(
        json[0]["receipt"]["pr_url"],
        "https://github.com/acme/widgets/pull/7"
    );
}

#[test]
fn a_refused_pull_request_is_shown_with_its_reason() {
    let receipt = r#"{"outcome":"succeeded","exit_code":0,"branch":"claude-sandbox/job-1","pr_error":"GitHub refused the pull request: HTTP 403: Resource not accessible by integration\u001b[2J"}"#;
    let w = World::new(Config {
        scenario: Scenario::succeed(&agent_lines(1)),
        termination_message: Some(receipt.into()),
        ..good_config()
    });
    let name = w.submit(&["--pr"]);
    // `logs` waits for the job to end, as a user would before asking how it went.
    let logs = w.run(&["logs", &name]);
    assert!(
        stderr_of(&logs).contains("no pull request: GitHub refused the pull request: HTTP 403"),
        "{}",
        stderr_of(&logs)
    );
    let status = stdout_of(&w.run(&["status", &name]));
    assert!(
        status.contains("no pull request: GitHub refused the pull request: HTTP 403"),
        "{status}"
    );
    assert!(!status.contains('\u{1b}'), "{status:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&w.run(&["list", "-o", "json"]).stdout).unwrap();
    assert!(
        json[0]["receipt"]["pr_error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 403")),
        "{json}"
    );
}

#[test]
fn a_pull_request_without_a_github_token_in_the_secret_is_refused_before_submitting() {
    let w = World::new(Config {
        secrets: vec![secret(&["CLAUDE_CODE_OAUTH_TOKEN"])],
        ..Default::default()
    });
    let out = w.run(&["remote", "--pr", "x"]);
    assert_one_line_error(&out, 1, &["GITHUB_TOKEN"]);
    assert!(w.created().is_empty());
}
