//! The rendered Job for each service combination, as reviewed snapshots (tests/snapshots/).
//! A change to the manifest shows up here as a diff to review like code.

mod support;

use claude_sandbox::contract;
use claude_sandbox::job::{self, JobPlan};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, PodSpec};
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
        let want: Vec<&str> = [("holder", true), ("postgres", pg), ("redis", redis)]
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

fn pod_of(job: &Job) -> &PodSpec {
    job.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
}

fn container<'a>(pod: &'a PodSpec, name: &str) -> &'a Container {
    pod.containers
        .iter()
        .chain(pod.init_containers.iter().flatten())
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

/// The trust boundary as rendered: the agent's container gets no credential in any form; only the
/// holder, under a uid of its own, gets the secret and the age key.
#[test]
fn only_the_holder_gets_credentials() {
    let job = job::render(
        &job::embedded_template(),
        &JobPlan {
            postgres: true,
            redis: true,
            env: vec![("FEATURE_FLAG".into(), "on".into())],
            ..plan()
        },
    );
    let pod = pod_of(&job);
    assert_eq!(pod.share_process_namespace, Some(false));
    assert_eq!(pod.termination_grace_period_seconds, Some(300));
    let agent = container(pod, contract::AGENT_CONTAINER);
    // The receipt: the file the agent's PID 1 writes, never the log's tail.
    assert_eq!(
        agent.termination_message_path.as_deref(),
        Some(contract::RECEIPT_PATH)
    );
    assert_eq!(agent.termination_message_policy.as_deref(), Some("File"));
    let names: Vec<&str> = agent
        .env
        .iter()
        .flatten()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "TASK",
            "REPO_URL",
            "REPO_BRANCH",
            "REPO_COMMIT",
            "CLAUDE_SANDBOX_JOB",
            "CLAUDE_SANDBOX_DEADLINE_SECONDS",
            "DATABASE_URL",
            "REDIS_URL",
            "ANTHROPIC_BASE_URL",
            "ANTHROPIC_API_KEY",
            "FEATURE_FLAG",
        ]
    );
    let key = agent
        .env
        .iter()
        .flatten()
        .find(|e| e.name == "ANTHROPIC_API_KEY")
        .and_then(|e| e.value.as_deref())
        .unwrap();
    assert!(key.starts_with("sk-ant-placeholder-"), "{key}");
    assert!(agent.env.iter().flatten().all(|e| e.value_from.is_none()));
    assert!(agent.env_from.iter().flatten().next().is_none());
    let mounts: Vec<(&str, bool)> = agent
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| (m.name.as_str(), m.read_only == Some(true)))
        .collect();
    assert_eq!(
        mounts,
        [
            ("workspace", false),
            ("seed", true),
            ("handoff", false),
            ("dshm", false)
        ]
    );
    assert_eq!(
        agent.command.as_deref().unwrap(),
        ["claude-sandbox", "run-in-pod", "agent"]
    );

    let holder = container(pod, contract::HOLDER_CONTAINER);
    assert_eq!(
        holder.command.as_deref().unwrap(),
        ["claude-sandbox", "run-in-pod", "holder"]
    );
    assert_eq!(holder.restart_policy.as_deref(), Some("Always"));
    assert_eq!(
        holder.security_context.as_ref().unwrap().run_as_user,
        Some(contract::HOLDER_UID)
    );
    let from = holder.env_from.as_ref().unwrap();
    assert_eq!(
        from[0].secret_ref.as_ref().unwrap().name,
        job::DEFAULT_SECRET
    );
    assert!(
        holder
            .volume_mounts
            .iter()
            .flatten()
            .any(|m| m.name == "age-key" && m.mount_path == "/secrets")
    );
    let probe = holder.startup_probe.as_ref().unwrap();
    assert_eq!(
        probe.exec.as_ref().unwrap().command.as_deref().unwrap(),
        ["claude-sandbox", "run-in-pod", "ready"]
    );
    // Only the holder mounts the secret volume.
    for c in pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().flatten())
        .filter(|c| c.name != contract::HOLDER_CONTAINER)
    {
        assert!(
            c.volume_mounts
                .iter()
                .flatten()
                .all(|m| m.name != "age-key" && m.name != "holder-home"),
            "{}",
            c.name
        );
        assert!(c.env_from.is_none(), "{}", c.name);
    }
}

/// A template that tries to hand the agent the secret, adds a root init container and a
/// privileged sidecar, and an unbounded emptyDir: everything comes out restricted and bounded.
#[test]
fn template_additions_are_hardened_and_cannot_reach_the_secret() {
    let template = job::parse_template(
        r#"
apiVersion: batch/v1
kind: Job
metadata: {name: x}
spec:
  template:
    spec:
      hostNetwork: true
      volumes:
        - {name: cache, emptyDir: {}}
        - {name: host, hostPath: {path: /var/run}}
      initContainers:
        - name: warm-cache
          image: busybox
          command: [sh, -c, "true"]
          securityContext: {runAsUser: 0, privileged: true, capabilities: {add: [SYS_ADMIN]}}
          volumeMounts: [{name: host, mountPath: /host}, {name: cache, mountPath: /cache}]
      containers:
        - name: claude
          image: x
          envFrom: [{secretRef: {name: claude-sandbox-secrets}}]
          env: [{name: GH, valueFrom: {secretKeyRef: {name: claude-sandbox-secrets, key: GITHUB_TOKEN}}}]
          volumeMounts: [{name: age-key, mountPath: /keys}]
        - name: helper
          image: y
          securityContext: {allowPrivilegeEscalation: true, seccompProfile: {type: Unconfined}}
"#,
        "test template",
    )
    .unwrap();
    let job = job::render(&template, &plan());
    let pod = pod_of(&job);
    assert_eq!(pod.host_network, None);
    let agent = container(pod, contract::AGENT_CONTAINER);
    assert!(agent.env_from.iter().flatten().next().is_none());
    assert!(agent.env.iter().flatten().all(|e| e.name != "GH"));
    assert!(
        agent
            .volume_mounts
            .iter()
            .flatten()
            .all(|m| m.name != "age-key")
    );
    for c in pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().flatten())
    {
        let sc = c.security_context.as_ref().unwrap();
        assert_eq!(sc.allow_privilege_escalation, Some(false), "{}", c.name);
        assert_eq!(sc.privileged, Some(false), "{}", c.name);
        assert_eq!(sc.run_as_non_root, Some(true), "{}", c.name);
        assert_ne!(sc.run_as_user, Some(0), "{}", c.name);
        let caps = sc.capabilities.as_ref().unwrap();
        assert_eq!(caps.drop.as_deref(), Some(&["ALL".to_string()][..]));
        assert!(caps.add.is_none(), "{}", c.name);
        assert!(
            sc.seccomp_profile
                .as_ref()
                .is_none_or(|p| p.type_ == "RuntimeDefault"),
            "{}",
            c.name
        );
        assert!(
            c.volume_mounts.iter().flatten().all(|m| m.name != "host"),
            "{}",
            c.name
        );
    }
    for v in pod.volumes.iter().flatten() {
        assert!(v.host_path.is_none(), "{}", v.name);
        if let Some(dir) = &v.empty_dir {
            assert!(dir.size_limit.is_some(), "{} has no size limit", v.name);
        }
    }
}

#[test]
fn only_the_holder_reaches_the_credentials_whatever_a_template_adds() {
    // A repository's template is a file the agent of an earlier job could have changed on its
    // branch: every way it might hand the credentials to a container of its own is undone.
    let template = job::parse_template(
        r#"
apiVersion: batch/v1
kind: Job
metadata: {name: x}
spec:
  template:
    spec:
      volumes:
        - {name: creds, secret: {secretName: claude-sandbox-secrets}}
        - name: bundle
          projected:
            sources:
              - secret: {name: age-key}
        - {name: registry, secret: {secretName: registry-cache}}
      initContainers:
        - name: warm-cache
          image: busybox
          envFrom: [{secretRef: {name: claude-sandbox-secrets}}]
          volumeMounts:
            - {name: creds, mountPath: /creds}
            - {name: holder-home, mountPath: /h}
      containers:
        - name: shipper
          image: y
          env:
            - {name: GH, valueFrom: {secretKeyRef: {name: claude-sandbox-secrets, key: GITHUB_TOKEN}}}
            - {name: CACHE, valueFrom: {secretKeyRef: {name: registry-cache, key: token}}}
          volumeMounts:
            - {name: bundle, mountPath: /bundle}
            - {name: age-key, mountPath: /keys}
            - {name: registry, mountPath: /registry}
"#,
        "test template",
    )
    .unwrap();
    let mut p = plan();
    p.image = "someone/else:1".into();
    let job = job::render(&template, &p);
    let pod = pod_of(&job);

    let volumes: Vec<&str> = pod
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert!(
        !volumes.contains(&"creds") && !volumes.contains(&"bundle"),
        "{volumes:?}"
    );
    assert!(
        volumes.contains(&"registry"),
        "another secret of the team's stays"
    );

    for c in pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().flatten())
        .filter(|c| c.name != contract::HOLDER_CONTAINER)
    {
        assert!(
            c.env_from
                .iter()
                .flatten()
                .all(|e| e.secret_ref.as_ref().is_none_or(|r| r.name != p.secret)),
            "{}",
            c.name
        );
        assert!(c.env.iter().flatten().all(|e| e.name != "GH"), "{}", c.name);
        for m in c.volume_mounts.iter().flatten() {
            assert!(
                !["creds", "bundle", "age-key", "holder-home"].contains(&m.name.as_str()),
                "{} mounts {}",
                c.name,
                m.name
            );
        }
    }
    let shipper = container(pod, "shipper");
    assert!(shipper.env.iter().flatten().any(|e| e.name == "CACHE"));

    // The holder runs the user's choice of image, never the repository's.
    let holder = pod
        .init_containers
        .iter()
        .flatten()
        .find(|c| c.name == contract::HOLDER_CONTAINER)
        .unwrap();
    assert_eq!(holder.image.as_deref(), Some(p.holder_image.as_str()));
    assert_eq!(
        container(pod, contract::AGENT_CONTAINER).image.as_deref(),
        Some("someone/else:1")
    );
}
