//! The rendered Job for each service combination, as reviewed snapshots (tests/snapshots/).
//! A change to the manifest shows up here as a diff to review like code.

mod support;

use claude_sandbox::job::{self, JobPlan};
use k8s_openapi::api::batch::v1::Job;
use support::sample_plan as plan;

fn yaml(p: &JobPlan) -> String {
    job::to_yaml(&job::render(&job::embedded_template(), p)).unwrap()
}

#[test]
fn job_without_services() {
    insta::assert_snapshot!(yaml(&plan()));
}

#[test]
fn job_with_postgres() {
    insta::assert_snapshot!(yaml(&JobPlan {
        postgres: true,
        ..plan()
    }));
}

#[test]
fn job_with_redis() {
    insta::assert_snapshot!(yaml(&JobPlan {
        redis: true,
        ..plan()
    }));
}

#[test]
fn job_with_postgres_and_redis() {
    insta::assert_snapshot!(yaml(&JobPlan {
        postgres: true,
        redis: true,
        ..plan()
    }));
}

#[test]
fn job_with_postgis() {
    let p = JobPlan {
        postgres: true,
        postgis: true,
        ..plan()
    };
    let text = yaml(&p);
    assert!(text.contains(job::DEFAULT_POSTGIS_IMAGE));
    insta::assert_snapshot!(text);
}

#[test]
fn job_with_ruby_image_tag() {
    let p = JobPlan {
        image: "landovsky/claude-sandbox:ruby-3.3".into(),
        postgres: true,
        ..plan()
    };
    insta::assert_snapshot!(yaml(&p));
}

/// The guarantees of DESIGN §5, checked on the typed object so they hold for every combination.
#[test]
fn every_job_keeps_the_contract() {
    for (pg, redis) in [(false, false), (true, false), (false, true), (true, true)] {
        let job: Job = job::render(
            &job::embedded_template(),
            &JobPlan {
                postgres: pg,
                redis,
                ..plan()
            },
        );
        let labels = job.metadata.labels.as_ref().unwrap();
        assert_eq!(labels["app"], "claude-sandbox");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "claude-sandbox-cli");
        assert_eq!(labels["claude-sandbox/branch"], "feature-checkout");
        assert_eq!(labels["claude-sandbox/repo"], "acme.widgets");
        let spec = job.spec.as_ref().unwrap();
        assert_eq!(spec.backoff_limit, Some(0));
        let pod = spec.template.spec.as_ref().unwrap();
        assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
        assert_eq!(pod.automount_service_account_token, Some(false));
        let psc = pod.security_context.as_ref().unwrap();
        assert_eq!(
            (psc.run_as_non_root, psc.run_as_user, psc.fs_group),
            (Some(true), Some(1000), Some(1000))
        );
        let containers = pod
            .containers
            .iter()
            .chain(pod.init_containers.iter().flatten());
        for c in containers {
            let sc = c.security_context.as_ref().unwrap();
            assert_eq!(sc.allow_privilege_escalation, Some(false), "{}", c.name);
            assert_eq!(
                sc.capabilities.as_ref().unwrap().drop.as_deref(),
                Some(&["ALL".to_string()][..])
            );
        }
        let sidecars: Vec<&str> = pod
            .init_containers
            .iter()
            .flatten()
            .map(|c| c.name.as_str())
            .collect();
        let want: Vec<&str> = [("postgres", pg), ("redis", redis)]
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(sidecars, want);
        for s in pod.init_containers.iter().flatten() {
            assert_eq!(
                s.restart_policy.as_deref(),
                Some("Always"),
                "native sidecar"
            );
            assert!(s.startup_probe.is_some());
        }
    }
}

/// A team template may add things; the tool's contract fields win over anything it says.
#[test]
fn a_template_can_add_but_not_loosen() {
    let template = job::parse_template(
        r#"
apiVersion: batch/v1
kind: Job
metadata:
  name: ignored
  labels: {team: payments}
spec:
  backoffLimit: 6
  template:
    spec:
      restartPolicy: OnFailure
      nodeSelector: {pool: agents}
      tolerations: [{key: dedicated, operator: Equal, value: agents, effect: NoSchedule}]
      imagePullSecrets: [{name: registry}]
      containers:
        - name: claude
          image: whatever
          env: [{name: EXTRA, value: "1"}, {name: TASK, value: "template must not win"}]
          securityContext: {privileged: true, allowPrivilegeEscalation: true}
"#,
        "test template",
    )
    .unwrap();
    let job = job::render(
        &template,
        &JobPlan {
            postgres: true,
            ..plan()
        },
    );
    assert_eq!(job.metadata.labels.as_ref().unwrap()["team"], "payments");
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.backoff_limit, Some(0));
    let pod = spec.template.spec.as_ref().unwrap();
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    assert_eq!(pod.node_selector.as_ref().unwrap()["pool"], "agents");
    assert_eq!(pod.tolerations.as_ref().unwrap().len(), 1);
    assert_eq!(pod.image_pull_secrets.as_ref().unwrap()[0].name, "registry");
    let claude = &pod.containers[0];
    let env = claude.env.as_ref().unwrap();
    assert_eq!(env.iter().filter(|e| e.name == "TASK").count(), 1);
    assert_eq!(
        env.iter()
            .find(|e| e.name == "TASK")
            .unwrap()
            .value
            .as_deref(),
        Some("fix the flaky checkout spec")
    );
    assert!(env.iter().any(|e| e.name == "EXTRA"));
    let sc = claude.security_context.as_ref().unwrap();
    assert_eq!(
        (sc.privileged, sc.allow_privilege_escalation),
        (Some(false), Some(false))
    );
}
