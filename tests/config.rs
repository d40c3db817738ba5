//! Configuration precedence (flags > environment > repository file > user file > defaults), and
//! errors that name the file, key and line — through the binary.

mod support;

use k8s_openapi::api::batch::v1::Job;
use support::{TestRepo, stderr_of, stdout_of};

struct Setup {
    repo: TestRepo,
    xdg: tempfile::TempDir,
}

impl Setup {
    fn new(user: Option<&str>, repo_file: Option<&str>) -> Self {
        let repo = TestRepo::committed(&[("README", "hi\n")]);
        let xdg = tempfile::tempdir().unwrap();
        if let Some(text) = user {
            let dir = xdg.path().join("claude-sandbox");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("config.toml"), text).unwrap();
        }
        if let Some(text) = repo_file {
            std::fs::write(repo.path().join(".claude-sandbox.toml"), text).unwrap();
        }
        Setup { repo, xdg }
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut c = self.repo.cmd();
        c.env("XDG_CONFIG_HOME", self.xdg.path());
        c
    }

    fn job(&self, extra: &[&str], env: &[(&str, &str)]) -> Job {
        let mut c = self.cmd();
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c
            .args(["remote", "--dry-run", "-o", "json"])
            .args(extra)
            .arg("task")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn image(job: &Job) -> String {
    job.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
        .image
        .clone()
        .unwrap()
}

#[test]
fn precedence_is_flag_env_repo_user_default() {
    let none = Setup::new(None, None);
    assert_eq!(
        image(&none.job(&[], &[])),
        "landovsky/claude-sandbox:latest"
    );

    let user = Setup::new(Some("image = \"user/img\"\n"), None);
    assert_eq!(image(&user.job(&[], &[])), "user/img");

    let both = Setup::new(
        Some("image = \"user/img\"\n"),
        Some("image = \"repo/img\"\n"),
    );
    assert_eq!(image(&both.job(&[], &[])), "repo/img");
    assert_eq!(
        image(&both.job(&[], &[("CLAUDE_SANDBOX_IMAGE", "env/img")])),
        "env/img"
    );
    assert_eq!(
        image(&both.job(
            &["--image", "flag/img"],
            &[("CLAUDE_SANDBOX_IMAGE", "env/img")]
        )),
        "flag/img"
    );
}

#[test]
fn file_settings_shape_the_job() {
    let s = Setup::new(
        Some(
            "secret = \"user-secret\"\nttl = \"2h\"\n[env]\nFROM_USER = \"1\"\nSHARED = \"user\"\n",
        ),
        Some(concat!(
            "namespace = \"team\"\nservices = \"redis\"\ncpu = \"3\"\nredis_image = \"valkey/valkey:8\"\n",
            "agent_args = [\"--model\", \"opus 4\"]\nimage_pull_secrets = [\"registry\"]\n[env]\nSHARED = \"repo\"\n[node_selector]\npool = \"agents\"\n",
            "[[tolerations]]\nkey = \"dedicated\"\noperator = \"Equal\"\nvalue = \"agents\"\neffect = \"NoSchedule\"\n"
        )),
    );
    let job = s.job(&["--env", "FROM_FLAG=x"], &[]);
    assert_eq!(job.metadata.namespace.as_deref(), Some("team"));
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.ttl_seconds_after_finished, Some(7200));
    let pod = spec.template.spec.as_ref().unwrap();
    assert_eq!(pod.node_selector.as_ref().unwrap()["pool"], "agents");
    assert_eq!(
        pod.tolerations.as_ref().unwrap()[0].key.as_deref(),
        Some("dedicated")
    );
    assert_eq!(pod.image_pull_secrets.as_ref().unwrap()[0].name, "registry");
    let claude = &pod.containers[0];
    let init = pod.init_containers.as_ref().unwrap();
    assert_eq!(
        init[0].env_from.as_ref().unwrap()[0]
            .secret_ref
            .as_ref()
            .unwrap()
            .name,
        "user-secret"
    );
    assert_eq!(
        claude
            .resources
            .as_ref()
            .unwrap()
            .requests
            .as_ref()
            .unwrap()["cpu"]
            .0,
        "3"
    );
    let env = claude.env.as_ref().unwrap();
    let value = |n: &str| {
        env.iter()
            .find(|e| e.name == n)
            .and_then(|e| e.value.clone())
    };
    assert_eq!(value("SHARED").as_deref(), Some("repo"));
    assert_eq!(value("FROM_USER").as_deref(), Some("1"));
    assert_eq!(value("FROM_FLAG").as_deref(), Some("x"));
    // The pod reads its extra claude arguments as a JSON array: no argument split on a space.
    assert_eq!(
        value("CLAUDE_SANDBOX_AGENT_ARGS").as_deref(),
        Some(r#"["--model","opus 4"]"#)
    );
    assert_eq!(init[1].image.as_deref(), Some("valkey/valkey:8"));
    // -n beats the file.
    assert_eq!(
        s.job(&["-n", "mine"], &[]).metadata.namespace.as_deref(),
        Some("mine")
    );
}

#[test]
fn unknown_keys_and_bad_values_name_file_key_and_line() {
    let s = Setup::new(None, Some("image = \"x\"\n# comment\nimagee = \"typo\"\n"));
    let out = s.cmd().args(["remote", "--dry-run", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains(".claude-sandbox.toml") && err.contains("line 3") && err.contains("imagee"),
        "{err}"
    );

    let s = Setup::new(Some("memory = \"lots\"\n"), None);
    let out = s.cmd().args(["detect"]).output().unwrap();
    // detect reads config too (services, image), so a broken file is reported there as well.
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("config.toml") && err.contains("memory") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn config_show_and_path_say_where_values_come_from() {
    let s = Setup::new(
        Some("secret = \"user-secret\"\n"),
        Some("image = \"repo/img\"\n"),
    );
    let out = s
        .cmd()
        .env("CLAUDE_SANDBOX_SERVICES", "none")
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let line = |k: &str| {
        text.lines()
            .find(|l| l.starts_with(k))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("image ").contains("repo/img") && line("image ").contains(".claude-sandbox.toml"),
        "{text}"
    );
    assert!(
        line("secret").contains("user-secret") && line("secret").contains("user config"),
        "{text}"
    );
    assert!(
        line("services").contains("env CLAUDE_SANDBOX_SERVICES"),
        "{text}"
    );
    assert!(line("ttl").contains("default"), "{text}");

    let out = s.cmd().args(["config", "path"]).output().unwrap();
    let text = stdout_of(&out);
    assert!(
        text.contains("claude-sandbox/config.toml") && text.contains(".claude-sandbox.toml"),
        "{text}"
    );
}

const TEAM_TEMPLATE: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: ignored
spec:
  backoffLimit: 5
  template:
    spec:
      nodeSelector: {pool: agents}
      tolerations: [{key: dedicated, operator: Equal, value: agents, effect: NoSchedule}]
      volumes: [{name: cache, emptyDir: {}}]
      containers:
        - name: claude
          image: replaced
          volumeMounts: [{name: cache, mountPath: /cache}]
";

#[test]
fn a_repository_template_adds_to_the_job_but_cannot_break_it() {
    let s = Setup::new(None, None);
    std::fs::create_dir_all(s.repo.path().join(".claude-sandbox")).unwrap();
    std::fs::write(
        s.repo.path().join(".claude-sandbox/job.yaml"),
        TEAM_TEMPLATE,
    )
    .unwrap();
    let job = s.job(&["--image", "me/agent:1"], &[]);
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.backoff_limit, Some(0), "the contract wins");
    let pod = spec.template.spec.as_ref().unwrap();
    assert_eq!(pod.node_selector.as_ref().unwrap()["pool"], "agents");
    assert_eq!(pod.tolerations.as_ref().unwrap().len(), 1);
    assert!(
        pod.volumes
            .as_ref()
            .unwrap()
            .iter()
            .any(|v| v.name == "cache")
    );
    assert!(
        pod.volumes
            .as_ref()
            .unwrap()
            .iter()
            .any(|v| v.name == "workspace")
    );
    let claude = &pod.containers[0];
    assert_eq!(claude.image.as_deref(), Some("me/agent:1"));
    assert!(
        claude
            .volume_mounts
            .as_ref()
            .unwrap()
            .iter()
            .any(|m| m.mount_path == "/cache")
    );
}

#[test]
fn a_user_template_applies_when_the_repository_has_none() {
    let s = Setup::new(None, None);
    std::fs::create_dir_all(s.xdg.path().join("claude-sandbox")).unwrap();
    std::fs::write(s.xdg.path().join("claude-sandbox/job.yaml"), TEAM_TEMPLATE).unwrap();
    let job = s.job(&[], &[]);
    let pod = job.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    assert_eq!(pod.node_selector.as_ref().unwrap()["pool"], "agents");
}

#[test]
fn a_broken_template_is_refused_with_file_and_line() {
    let s = Setup::new(None, None);
    std::fs::create_dir_all(s.repo.path().join(".claude-sandbox")).unwrap();
    let path = s.repo.path().join(".claude-sandbox/job.yaml");
    std::fs::write(&path, TEAM_TEMPLATE.replace("nodeSelector", "nodeSelecter")).unwrap();
    let out = s.cmd().args(["remote", "--dry-run", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("job.yaml") && err.contains("line 9") && err.contains("nodeSelecter"),
        "{err}"
    );
    std::fs::write(&path, "apiVersion: v1\nkind: Pod\n").unwrap();
    let out = s.cmd().args(["remote", "--dry-run", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("not a batch/v1 Job"),
        "{}",
        stderr_of(&out)
    );
}

/// The configuration reference in docs/guide.md lists exactly the keys a config file accepts.
#[test]
fn the_guide_documents_every_config_key() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md")).unwrap();
    let section = guide
        .split("## Configuration reference")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Configuration reference section");
    let documented: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(documented, claude_sandbox::config::KEYS);
}

#[test]
fn config_show_json_gives_each_value_and_its_source() {
    let s = Setup::new(
        Some("secret = \"user-secret\"\n"),
        Some("# team settings\n\nttl = \"2h\"\n[env]\nAPI_TOKEN = \"never-shown\"\n"),
    );
    let out = s
        .cmd()
        .env("CLAUDE_SANDBOX_SERVICES", "redis")
        .args(["config", "show", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ttl"]["value"], "2h");
    assert_eq!(json["ttl"]["source"][0]["from"], "file");
    assert_eq!(json["ttl"]["source"][0]["key"], "ttl");
    assert_eq!(json["ttl"]["source"][0]["line"], 3);
    assert!(
        json["ttl"]["source"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with(".claude-sandbox.toml")
    );
    assert_eq!(json["secret"]["value"], "user-secret");
    assert_eq!(json["services"]["value"], "redis");
    assert_eq!(json["services"]["source"][0]["from"], "env");
    assert_eq!(
        json["services"]["source"][0]["name"],
        "CLAUDE_SANDBOX_SERVICES"
    );
    // The defaults are the ones a job is rendered with.
    assert_eq!(json["memory"]["value"], serde_json::json!(["2Gi", "4Gi"]));
    assert_eq!(json["memory"]["source"][0]["from"], "default");
    // The agent's environment may hold tokens: names only.
    assert_eq!(json["env"]["value"], serde_json::json!(["API_TOKEN"]));
    assert!(!stdout_of(&out).contains("never-shown"));

    // What config show says is what remote renders.
    let job = s.job(&[], &[("CLAUDE_SANDBOX_SERVICES", "redis")]);
    assert_eq!(job.spec.unwrap().ttl_seconds_after_finished, Some(7200));
}

#[test]
fn a_bad_value_fails_the_same_way_from_every_command() {
    let s = Setup::new(None, Some("image = \"x\"\ndeadline = \"0s\"\n"));
    let mut errors = Vec::new();
    for args in [
        &["remote", "--dry-run", "x"][..],
        &["detect"],
        &["config", "show"],
        &["list"],
    ] {
        let out = s.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        let first = err.lines().next().unwrap_or_default().to_string();
        assert!(
            first.contains(".claude-sandbox.toml")
                && first.contains("line 2")
                && first.contains("deadline"),
            "{args:?}: {err}"
        );
        errors.push(first);
    }
    errors.dedup();
    assert_eq!(errors.len(), 1, "{errors:#?}");
}

fn holder_image(job: &Job) -> Option<String> {
    let pod = job.spec.as_ref()?.template.spec.as_ref()?;
    pod.init_containers
        .iter()
        .flatten()
        .find(|c| c.name == "holder")
        .and_then(|c| c.image.clone())
}

#[test]
fn only_the_user_chooses_the_image_that_holds_the_credentials() {
    // The repository may pick the agent's image (it holds nothing); the holder's image runs with
    // every credential, so a repository's file naming it is refused.
    let hostile = Setup::new(None, Some("holder_image = \"collector/image:1\"\n"));
    let out = hostile
        .cmd()
        .args(["remote", "--dry-run", "task"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("line 1: holder_image cannot be set in a repository's file"),
        "{err}"
    );

    let repo_image = Setup::new(None, Some("image = \"team/agent:2\"\n"));
    let job = repo_image.job(&[], &[]);
    assert_eq!(image(&job), "team/agent:2");
    assert_eq!(
        holder_image(&job).as_deref(),
        Some(claude_sandbox::job::DEFAULT_IMAGE)
    );
    let user = Setup::new(Some("holder_image = \"mirror.example/sandbox:1\"\n"), None);
    assert_eq!(
        holder_image(&user.job(&[], &[])).as_deref(),
        Some("mirror.example/sandbox:1")
    );
}

/// The holder's env var that tells the proxy where to forward, as the rendered Job carries it.
fn proxy_upstream(job: &Job) -> Option<String> {
    let pod = job.spec.as_ref()?.template.spec.as_ref()?;
    pod.init_containers
        .iter()
        .flatten()
        .flat_map(|c| c.env.iter().flatten())
        .find(|e| e.name == "CLAUDE_SANDBOX_ANTHROPIC_API")
        .and_then(|e| e.value.clone())
}

#[test]
fn only_the_user_chooses_where_the_anthropic_credential_goes() {
    // A repository's file is written by whoever pushes to it, a sandbox agent included: it must
    // not be able to send the user's real key to an address of its choosing.
    let hostile = Setup::new(
        None,
        Some("image = \"x/y:1\"\nanthropic_api = \"https://collector.example\"\n"),
    );
    for args in [
        &["remote", "--dry-run", "task"][..],
        &["detect"][..],
        &["config", "show"][..],
    ] {
        let out = hostile.cmd().args(args).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(
                ".claude-sandbox.toml: line 2: anthropic_api cannot be set in a repository's file"
            ),
            "{args:?}: {err}"
        );
        assert!(!stdout_of(&out).contains("collector.example"), "{args:?}");
    }

    let user = Setup::new(Some("anthropic_api = \"https://gateway.example\"\n"), None);
    assert_eq!(
        proxy_upstream(&user.job(&[], &[])).as_deref(),
        Some("https://gateway.example")
    );
    assert_eq!(
        proxy_upstream(&user.job(
            &[],
            &[("CLAUDE_SANDBOX_ANTHROPIC_API", "http://127.0.0.1:9")]
        ))
        .as_deref(),
        Some("http://127.0.0.1:9"),
        "the environment wins over the user's file"
    );
    let none = Setup::new(None, None);
    assert_eq!(
        proxy_upstream(&none.job(&[], &[])).as_deref(),
        Some("https://api.anthropic.com")
    );
    let out = none
        .cmd()
        .env("CLAUDE_SANDBOX_ANTHROPIC_API", "gateway.example")
        .args(["remote", "--dry-run", "task"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
}

#[test]
fn disk_limits_come_from_the_settings_files() {
    let setup = Setup::new(
        Some("workspace_size = \"50Gi\"\n"),
        Some("ephemeral_storage = \"4Gi:8Gi\"\nservice_data_size = \"1Gi\"\n"),
    );
    let job = setup.job(&["--services", "postgres"], &[]);
    let pod = job.spec.unwrap().template.spec.unwrap();
    let agent = pod.containers.iter().find(|c| c.name == "claude").unwrap();
    let res = agent.resources.as_ref().unwrap();
    assert_eq!(res.requests.as_ref().unwrap()["ephemeral-storage"].0, "4Gi");
    assert_eq!(res.limits.as_ref().unwrap()["ephemeral-storage"].0, "8Gi");
    let size = |name: &str| {
        pod.volumes
            .iter()
            .flatten()
            .find(|v| v.name == name)
            .and_then(|v| v.empty_dir.as_ref())
            .and_then(|e| e.size_limit.clone())
            .map(|q| q.0)
    };
    assert_eq!(size("workspace").as_deref(), Some("50Gi"));
    assert_eq!(size("pgdata").as_deref(), Some("1Gi"));

    let bad = Setup::new(None, Some("# disk\nworkspace_size = \"lots\"\n"));
    let out = bad
        .cmd()
        .args(["remote", "--dry-run", "t"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("line 2: workspace_size"), "{err}");
}

/// The arguments the agent's container passes to `claude`, as the rendered Job carries them.
fn agent_args(job: &Job) -> Vec<String> {
    let pod = job.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    pod.containers[0]
        .env
        .iter()
        .flatten()
        .find(|e| e.name == "CLAUDE_SANDBOX_AGENT_ARGS")
        .and_then(|e| e.value.as_deref())
        .map(|v| serde_json::from_str(v).unwrap())
        .unwrap_or_default()
}

#[test]
fn budgets_reach_the_agent_and_a_repository_can_only_tighten_them() {
    let none = Setup::new(None, None);
    assert!(agent_args(&none.job(&[], &[])).is_empty());
    assert_eq!(
        agent_args(&none.job(&["--max-turns", "40", "--max-budget-usd", "2.5"], &[])),
        ["--max-turns", "40", "--max-budget-usd", "2.5"]
    );

    // A repository's file (an earlier agent may have written it) cannot raise the user's cap.
    let looser = Setup::new(
        Some("max_budget_usd = 5\nmax_turns = 30\nagent_args = [\"--model\", \"opus\"]\n"),
        Some("max_budget_usd = 500\nmax_turns = 1000\n"),
    );
    assert_eq!(
        agent_args(&looser.job(&[], &[])),
        [
            "--model",
            "opus",
            "--max-turns",
            "30",
            "--max-budget-usd",
            "5"
        ]
    );
    let tighter = Setup::new(Some("max_budget_usd = 5\n"), Some("max_budget_usd = 1\n"));
    assert_eq!(
        agent_args(&tighter.job(&[], &[])),
        ["--max-budget-usd", "1"]
    );
    // The user's own flag decides.
    assert_eq!(
        agent_args(&tighter.job(&["--max-budget-usd", "20"], &[])),
        ["--max-budget-usd", "20"]
    );

    for bad in [
        &["--max-budget-usd", "0"][..],
        &["--max-budget-usd", "NaN"],
        &["--max-turns", "0"],
    ] {
        let out = none
            .cmd()
            .args(["remote", "--dry-run"])
            .args(bad)
            .arg("task")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr_of(&out));
        assert!(stderr_of(&out).contains(bad[0]), "{}", stderr_of(&out));
    }
    let bad_file = Setup::new(None, Some("max_budget_usd = -3\n"));
    let out = bad_file
        .cmd()
        .args(["remote", "--dry-run", "x"])
        .output()
        .unwrap();
    assert!(
        stderr_of(&out).contains("max_budget_usd"),
        "{}",
        stderr_of(&out)
    );
}

/// The holder's and the agent's value of `name` in the rendered Job.
fn pod_vars(job: &Job, name: &str) -> (Option<String>, Option<String>) {
    let pod = job.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    let holder = pod
        .init_containers
        .iter()
        .flatten()
        .find(|c| c.name == "holder")
        .and_then(|c| c.env.iter().flatten().find(|e| e.name == name))
        .and_then(|e| e.value.clone());
    let agent = pod.containers[0]
        .env
        .iter()
        .flatten()
        .find(|e| e.name == name)
        .and_then(|e| e.value.clone());
    (holder, agent)
}

#[test]
fn a_pull_request_is_asked_of_the_holder_with_the_api_of_the_repositorys_host() {
    let none = Setup::new(None, None);
    let job = none.job(&[], &[]);
    assert_eq!(
        pod_vars(&job, "CLAUDE_SANDBOX_PULL_REQUEST"),
        (None, None),
        "no pull request unless asked"
    );
    let job = none.job(&["--pr"], &[]);
    assert_eq!(
        pod_vars(&job, "CLAUDE_SANDBOX_PULL_REQUEST"),
        (Some("draft".into()), None)
    );
    assert_eq!(
        pod_vars(&job, "CLAUDE_SANDBOX_GITHUB_API"),
        (Some("https://api.github.com".into()), None),
        "only the holder, which has the token, learns where it goes"
    );
    let job = none.job(&["--pr", "--no-draft"], &[]);
    assert_eq!(
        pod_vars(&job, "CLAUDE_SANDBOX_PULL_REQUEST").0.as_deref(),
        Some("ready")
    );

    // The settings files may ask for it too; a flag still wins.
    let repo = Setup::new(None, Some("pr = true\npr_draft = false\n"));
    let job = repo.job(&[], &[]);
    assert_eq!(
        pod_vars(&job, "CLAUDE_SANDBOX_PULL_REQUEST").0.as_deref(),
        Some("ready")
    );

    // GitHub Enterprise: the API lives on the repository's own host.
    let ghe = Setup::new(None, None);
    ghe.repo.set_origin("https://git.corp.example/team/app.git");
    assert_eq!(
        pod_vars(&ghe.job(&["--pr"], &[]), "CLAUDE_SANDBOX_GITHUB_API")
            .0
            .as_deref(),
        Some("https://git.corp.example/api/v3")
    );

    // A remote with no owner and name cannot have one: refused before any cluster is asked.
    let odd = Setup::new(None, None);
    odd.repo.set_origin("https://git.example/srv/git/app.git");
    let out = odd
        .cmd()
        .args(["remote", "--dry-run", "--pr", "task"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot open a pull request for https://git.example/srv/git/app.git"),
        "{err}"
    );
}

#[test]
fn only_the_user_chooses_where_the_github_token_goes() {
    // The holder sends the GitHub token to github_api: a repository's file (which an earlier
    // job's agent may have written) naming it would collect the token.
    let hostile = Setup::new(
        None,
        Some("pr = true\n\ngithub_api = \"https://collector.example\"\n"),
    );
    for args in [
        &["remote", "--dry-run", "task"][..],
        &["config", "show"][..],
    ] {
        let out = hostile.cmd().args(args).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(
                ".claude-sandbox.toml: line 3: github_api cannot be set in a repository's file"
            ),
            "{args:?}: {err}"
        );
        assert!(!stdout_of(&out).contains("collector.example"), "{args:?}");
    }

    let user = Setup::new(Some("github_api = \"https://ghe.example/api/v3/\"\n"), None);
    assert_eq!(
        pod_vars(&user.job(&["--pr"], &[]), "CLAUDE_SANDBOX_GITHUB_API")
            .0
            .as_deref(),
        Some("https://ghe.example/api/v3")
    );
    assert_eq!(
        pod_vars(
            &user.job(
                &["--pr"],
                &[("CLAUDE_SANDBOX_GITHUB_API", "http://127.0.0.1:9")]
            ),
            "CLAUDE_SANDBOX_GITHUB_API"
        )
        .0
        .as_deref(),
        Some("http://127.0.0.1:9"),
        "the environment wins over the user's file"
    );
    let out = user
        .cmd()
        .env("CLAUDE_SANDBOX_GITHUB_API", "ghe.example")
        .args(["remote", "--dry-run", "--pr", "task"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
}

/// The queue a job was rendered for: its Kueue label and whether it is created suspended.
fn queue_of(job: &Job) -> (Option<String>, Option<bool>) {
    let label = job
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("kueue.x-k8s.io/queue-name").cloned());
    (label, job.spec.as_ref().and_then(|s| s.suspend))
}

#[test]
fn a_queue_makes_the_job_wait_suspended_for_kueue() {
    let none = Setup::new(None, None);
    assert_eq!(queue_of(&none.job(&[], &[])), (None, None));
    let flag = none.job(&["--queue", "team-a"], &[]);
    assert_eq!(queue_of(&flag), (Some("team-a".into()), Some(true)));
    // The pod is not Kueue's to queue a second time.
    let pod_labels = flag
        .spec
        .as_ref()
        .unwrap()
        .template
        .metadata
        .as_ref()
        .unwrap();
    assert!(
        !pod_labels
            .labels
            .as_ref()
            .unwrap()
            .contains_key("kueue.x-k8s.io/queue-name")
    );
    assert_eq!(
        queue_of(&none.job(&[], &[("CLAUDE_SANDBOX_QUEUE", "from-env")])),
        (Some("from-env".into()), Some(true))
    );

    // A repository may name its team's queue; the empty name opts out of it.
    let repo = Setup::new(Some("queue = \"mine\"\n"), Some("queue = \"team-b\"\n"));
    assert_eq!(
        queue_of(&repo.job(&[], &[])),
        (Some("team-b".into()), Some(true))
    );
    assert_eq!(queue_of(&repo.job(&["--queue", ""], &[])), (None, None));
    let out = repo.cmd().args(["config", "show"]).output().unwrap();
    assert!(
        stdout_of(&out)
            .lines()
            .any(|l| l.contains("queue") && l.contains("team-b")),
        "{}",
        stdout_of(&out)
    );
    // Its empty name cannot take the user's queue away (its jobs would pass the user's quota);
    // it means no queue only where the user chose none.
    let emptied = Setup::new(Some("queue = \"mine\"\n"), Some("queue = \"\"\n"));
    assert_eq!(
        queue_of(&emptied.job(&[], &[])),
        (Some("mine".into()), Some(true))
    );
    assert_eq!(queue_of(&emptied.job(&["--queue", ""], &[])), (None, None));
    let repo_only = Setup::new(None, Some("queue = \"\"\n"));
    assert_eq!(queue_of(&repo_only.job(&[], &[])), (None, None));

    // Not a name Kueue could have: refused before anything else, saying which value.
    let out = none
        .cmd()
        .args(["remote", "--dry-run", "--queue", "Team A", "task"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("--queue"), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("'Team A'"), "{}", stderr_of(&out));
    let bad_file = Setup::new(None, Some("\nqueue = \"-q\"\n"));
    let out = bad_file
        .cmd()
        .args(["remote", "--dry-run", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("line 2") && stderr_of(&out).contains("queue"),
        "{}",
        stderr_of(&out)
    );
}
