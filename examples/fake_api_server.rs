//! Run the test suite's fake API server on its own, for benchmarks and for trying the CLI by hand.
//!
//!     cargo run --example fake_api_server -- [--log-mb N] [--jobs N]
//!
//! Prints the kubeconfig path on the first line of stdout, then serves until stdin closes. Every
//! job created gets a pod whose `claude` container writes N MB of stream-json lines at once.

#[path = "../tests/support/fake_api/mod.rs"]
mod fake_api;

use std::io::Read;

use fake_api::{Config, FakeApi, Scenario};
use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let log_mb = value("--log-mb", 200);
    let line = r#"{"type":"assistant","message":{"content":[{"type":"text","text":"line {n}: the agent explains what it is doing, at about the length of a real message"}]}}"#;
    let count = log_mb * 1024 * 1024 / (line.len() + 32);
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some("claude-sandbox-secrets".into()),
            namespace: Some("sandbox".into()),
            ..Default::default()
        },
        data: Some(
            ["GITHUB_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"]
                .iter()
                .map(|k| (k.to_string(), k8s_openapi::ByteString(b"x".to_vec())))
                .collect(),
        ),
        // A real API server defaults this on create; seeded objects skip that step.
        type_: Some("Opaque".into()),
        ..Default::default()
    };
    let jobs = (0..value("--jobs", 0)).map(seeded_job).collect();
    let api = FakeApi::start(Config {
        scenario: Scenario::succeed_generated(line, count),
        secrets: vec![secret],
        jobs,
        ..Default::default()
    });
    println!("{}", api.kubeconfig().display());
    eprintln!(
        "fake API at {} ({count} log lines per job); close stdin to stop",
        api.url()
    );
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

/// A finished job as claude-sandbox would have made it, for `list` at scale.
fn seeded_job(i: usize) -> Job {
    let labels = [
        ("app", "claude-sandbox"),
        ("app.kubernetes.io/managed-by", "claude-sandbox-cli"),
        ("claude-sandbox/repo", "bench.big-app"),
        ("claude-sandbox/branch", "main"),
    ];
    let annotations = [
        (
            "claude-sandbox/repo-url",
            "https://github.com/bench/big-app.git".to_string(),
        ),
        ("claude-sandbox/branch-name", "main".to_string()),
        ("claude-sandbox/task", format!("benchmark task number {i}")),
    ];
    Job {
        metadata: ObjectMeta {
            name: Some(format!("claude-sandbox-big-app-20261123-{i:06}-ab12")),
            namespace: Some("sandbox".into()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            annotations: Some(
                annotations
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            ),
            ..Default::default()
        },
        spec: Some(Default::default()),
        status: Some(JobStatus {
            succeeded: Some(1),
            conditions: Some(vec![JobCondition {
                type_: "Complete".into(),
                status: "True".into(),
                ..Default::default()
            }]),
            ..Default::default()
        }),
    }
}
