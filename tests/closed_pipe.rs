//! A reader that goes away (`claude-sandbox logs JOB | head -2`) is a normal end for a command-line
//! tool: exit 0 and nothing on stderr, from every command and every writer. And one failure is
//! one `error:` line. Each case runs the compiled binary against the loopback fake API server.

#[path = "support/fake_api/mod.rs"]
mod fake_api;
mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fake_api::{Config, FakeApi, LogSource, Scenario};
use support::{TestRepo, agent_lines, stderr_of, stdout_of};

struct World {
    api: FakeApi,
    repo: TestRepo,
}

impl World {
    /// A cluster whose jobs write a long agent log slowly enough that a reader can leave mid-way.
    fn new() -> Self {
        World {
            api: FakeApi::start(Config {
                secrets: vec![support::credentials_secret(&[
                    "GITHUB_TOKEN",
                    "CLAUDE_CODE_OAUTH_TOKEN",
                ])],
                scenario: Scenario::Succeed {
                    log: LogSource::Lines(agent_lines(400)),
                    line_interval: Duration::from_millis(2),
                },
                ..Default::default()
            }),
            repo: TestRepo::committed(&[("Gemfile", "gem \"pg\"\n")]),
        }
    }

    fn submit(&self) -> String {
        let out = support::bin()
            .current_dir(self.repo.path())
            .env("KUBECONFIG", self.api.kubeconfig())
            .args(["remote", "-o", "name", "the task"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out).trim().to_string()
    }

    /// Run the binary with its stdout read for `keep` lines and then closed, like `| head -N`;
    /// returns the exit code and everything it wrote to stderr.
    fn closed_after(&self, keep: usize, args: &[&str]) -> (Option<i32>, String) {
        closed_after(self.repo.path(), Some(self.api.kubeconfig()), keep, args)
    }
}

fn closed_after(
    dir: &Path,
    kubeconfig: Option<&Path>,
    keep: usize,
    args: &[&str],
) -> (Option<i32>, String) {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("claude-sandbox"));
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("CLAUDE_") || k == "KUBECONFIG" || k == "NO_COLOR" {
            cmd.env_remove(&key);
        }
    }
    let home = std::env::temp_dir().join("claude-sandbox-test-home");
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env(
            "KUBECONFIG",
            kubeconfig.map_or_else(|| home.join("no-kubeconfig"), Path::to_path_buf),
        )
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start the binary");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    for _ in 0..keep {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
    }
    drop(reader);
    let out = child.wait_with_output().expect("wait for the binary");
    (out.status.code(), stderr_of(&out))
}

fn assert_quiet_success(case: &str, (code, stderr): (Option<i32>, String)) {
    assert_eq!(code, Some(0), "{case}: stderr was {stderr:?}");
    assert!(stderr.is_empty(), "{case}: stderr was {stderr:?}");
}

#[test]
fn logs_into_a_closed_pipe_ends_quietly_with_success() {
    let w = World::new();
    let name = w.submit();
    // Mid-stream, like `| head -2`, and before the first line arrives, like `| true`.
    assert_quiet_success("logs | head -2", w.closed_after(2, &["logs", "-q", &name]));
    assert_quiet_success("logs | true", w.closed_after(0, &["logs", "-q", &name]));
    assert_quiet_success(
        "logs --no-follow | head -1",
        w.closed_after(1, &["logs", "-q", "--no-follow", &name]),
    );
}

#[test]
fn every_printing_command_ends_quietly_on_a_closed_pipe() {
    let w = World::new();
    let name = w.submit();
    let cases: &[&[&str]] = &[
        &["list"],
        &["list", "-o", "json"],
        &["status", &name],
        &["detect"],
        &["detect", "-o", "json"],
        &["remote", "--dry-run", "the task"],
        &["config", "show"],
        &["config", "show", "-o", "json"],
        &["completions", "bash"],
        &["doctor"],
        &["clean", "--dry-run", "--all"],
        &["list", "--archived"],
    ];
    for args in cases {
        assert_quiet_success(&args.join(" "), w.closed_after(0, args));
    }
}

#[test]
fn cancel_of_one_missing_job_is_one_error_line() {
    let w = World::new();
    let out = support::bin()
        .current_dir(w.repo.path())
        .env("KUBECONFIG", w.api.kubeconfig())
        .args(["cancel", "claude-sandbox-nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains("claude-sandbox-nope not found"), "{err}");
    assert!(!err.contains("could not be cancelled"), "{err}");
}

/// The one rule for hints: a hint is shown exactly when the line it explains is. A failed job's
/// line is never hidden by `-q`, so neither is its hint (it once went through `info` and vanished).
#[test]
fn quiet_keeps_the_hint_of_a_failed_job() {
    let api = FakeApi::start(Config {
        secrets: vec![support::credentials_secret(&[
            "GITHUB_TOKEN",
            "CLAUDE_CODE_OAUTH_TOKEN",
        ])],
        scenario: Scenario::fail(&agent_lines(2), 2),
        ..Default::default()
    });
    let repo = TestRepo::committed(&[("README", "hi\n")]);
    let out = support::bin()
        .current_dir(repo.path())
        .env("KUBECONFIG", api.kubeconfig())
        .args(["remote", "-q", "--wait", "do it"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let lines: Vec<&str> = err.lines().collect();
    let failed = lines
        .iter()
        .position(|l| l.starts_with("job ") && l.contains(" failed: "))
        .unwrap_or_else(|| panic!("no failure line: {err}"));
    assert!(
        lines
            .get(failed + 1)
            .is_some_and(|l| l.starts_with("hint: see what happened with `claude-sandbox status")),
        "{err}"
    );
}
