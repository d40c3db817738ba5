//! A user's job template (`.claude-sandbox/job.yaml`): parsed, and when it is a valid Job,
//! rendered with a plan and written back out as the CLI would.
#![no_main]

use claude_sandbox::job::{self, JobPlan, Resources, SidecarImages};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = job::parse_template(text, "job.yaml") else {
        return;
    };
    let plan = JobPlan {
        name: "claude-sandbox-fuzz-20261123-100509-ab12".into(),
        namespace: Some("agents".into()),
        task: "fix it".into(),
        repo_url: "https://github.com/acme/widgets.git".into(),
        branch: "main".into(),
        commit: None,
        image: job::DEFAULT_IMAGE.into(),
        postgres: data.len() % 2 == 0,
        postgis: false,
        redis: data.len() % 3 == 0,
        sidecar_images: SidecarImages::default(),
        resources: Resources::default(),
        env: vec![("EXTRA".into(), "1".into())],
        secret: job::DEFAULT_SECRET.into(),
        ttl_seconds: job::DEFAULT_TTL_SECS,
        deadline_seconds: job::DEFAULT_DEADLINE_SECS,
        cli_version: "0.0.0-fuzz".into(),
        anthropic_api: claude_sandbox::contract::DEFAULT_ANTHROPIC_API.into(),
        holder_image: job::DEFAULT_IMAGE.into(),
        storage: job::Storage::default(),
        image_pull_secrets: vec!["registry".into()],
        node_selector: Default::default(),
        tolerations: vec![],
        pull_request: None,
        queue: None,
    };
    let rendered = job::render(&template, &plan);
    let _ = job::to_yaml(&rendered);
    let _ = job::to_json(&rendered);
});
