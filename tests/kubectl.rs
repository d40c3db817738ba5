//! Where kubectl is installed, point it at the fake API server and check it sees what our binary
//! sees: the same jobs with the same labels, the same log lines. If kubectl is content with the
//! fake's discovery, lists and logs, the fake is faithful enough to trust the other tests.
//! Without kubectl the test says why it is skipped and passes, except under CI=true, where it fails.

#[path = "support/fake_api/mod.rs"]
mod fake_api;
mod support;

use std::process::Command;

use fake_api::{Config, FakeApi, Scenario};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use support::{TestRepo, stderr_of, stdout_of};

fn kubectl_on_path() -> bool {
    Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn kubectl_reads_the_fake_the_way_our_binary_does() {
    if !kubectl_on_path() {
        support::cannot_run("kubectl is not installed");
        return;
    }
    let log = [
        r#"{"type":"system","subtype":"init","model":"m","cwd":"/workspace"}"#,
        r#"{"type":"result","subtype":"success","is_error":false,"result":"done"}"#,
    ];
    let api = FakeApi::start(Config {
        scenario: Scenario::succeed(&log),
        secrets: vec![Secret {
            metadata: ObjectMeta {
                name: Some("claude-sandbox-secrets".into()),
                namespace: Some("sandbox".into()),
                ..Default::default()
            },
            data: Some(
                ["GITHUB_TOKEN", "ANTHROPIC_API_KEY"]
                    .iter()
                    .map(|k| (k.to_string(), k8s_openapi::ByteString(b"v".to_vec())))
                    .collect(),
            ),
            ..Default::default()
        }],
        ..Default::default()
    });
    let repo = TestRepo::committed(&[("package.json", r#"{"dependencies":{"ioredis":"5"}}"#)]);
    let ours = |args: &[&str]| {
        repo.cmd()
            .env("KUBECONFIG", api.kubeconfig())
            .args(args)
            .output()
            .unwrap()
    };
    let cache = tempfile::tempdir().unwrap();
    let kubectl = |args: &[&str]| {
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(api.kubeconfig())
            .arg("--cache-dir")
            .arg(cache.path())
            .args(args)
            .env("HOME", cache.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            stderr_of(&out)
        );
        stdout_of(&out)
    };

    let submitted = ours(&["remote", "-f", "task with: a colon and \"quotes\""]);
    assert!(submitted.status.success(), "{}", stderr_of(&submitted));
    let name = api.state().created_jobs[0].metadata.name.clone().unwrap();

    let jobs: serde_json::Value =
        serde_json::from_str(&kubectl(&["get", "jobs", "-o", "json"])).unwrap();
    let item = &jobs["items"][0];
    assert_eq!(item["metadata"]["name"], name.as_str());
    assert_eq!(
        item["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "claude-sandbox-cli"
    );
    assert_eq!(
        item["metadata"]["annotations"]["claude-sandbox/task"],
        "task with: a colon and \"quotes\""
    );
    assert_eq!(
        item["spec"]["template"]["spec"]["initContainers"][1]["name"],
        "redis"
    );

    let ours_list: serde_json::Value =
        serde_json::from_slice(&ours(&["list", "-o", "json"]).stdout).unwrap();
    assert_eq!(ours_list[0]["name"], name.as_str());
    assert_eq!(ours_list[0]["status"], "succeeded");
    let table = kubectl(&["get", "jobs"]);
    assert!(
        table.contains(&name) && table.contains("Complete"),
        "{table}"
    );

    let kubectl_log = kubectl(&["logs", &format!("job/{name}"), "-c", "claude"]);
    let ours_log = stdout_of(&ours(&["logs", &name, "--raw"]));
    assert_eq!(kubectl_log, ours_log);
    assert_eq!(ours_log.lines().collect::<Vec<_>>(), log);

    assert!(
        api.state().unexpected_requests().is_empty(),
        "a client called something the fake does not serve"
    );
}
