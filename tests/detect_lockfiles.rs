//! `detect` following a committed lockfile's resolved graph, through the compiled binary in
//! a throwaway git repository: the path it found is the evidence, in text and in JSON.

mod support;

use support::{TestRepo, stderr_of, stdout_of};

fn detect_json(files: &[(&str, &str)]) -> serde_json::Value {
    let repo = TestRepo::committed(files);
    let out = repo.cmd().args(["detect", "-o", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout_of(&out)))
}

/// `(service, [file: reason, …])` for each entry of `services` or `optional`.
fn listed(v: &serde_json::Value, key: &str) -> Vec<(String, Vec<String>)> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} missing: {v}"))
        .iter()
        .map(|s| {
            let evidence = s["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e["file"].as_str().unwrap(),
                        e["reason"].as_str().unwrap()
                    )
                })
                .collect();
            (s["name"].as_str().unwrap().to_string(), evidence)
        })
        .collect()
}

fn names(v: &serde_json::Value, key: &str) -> Vec<String> {
    listed(v, key).into_iter().map(|(n, _)| n).collect()
}

fn first_evidence(v: &serde_json::Value, key: &str, service: &str) -> String {
    listed(v, key)
        .into_iter()
        .find(|(n, _)| n == service)
        .and_then(|(_, e)| e.into_iter().next())
        .unwrap_or_else(|| panic!("no {service} in {key}: {v}"))
}

const GEMFILE_LOCK: &str = concat!(
    "GEM\n  remote: https://rubygems.org/\n  specs:\n",
    "    good_job (4.1.0)\n      pg (>= 1.0.0)\n",
    "    pg (1.5.9)\n",
    "    rails (7.1.0)\n",
    "    redis (5.3.0)\n      redis-client (>= 0.22.0)\n",
    "    redis-client (0.22.2)\n",
    "    redis-namespace (1.11.0)\n      redis (>= 4)\n\n",
    "PLATFORMS\n  ruby\n\n",
    "DEPENDENCIES\n  good_job\n  rails\n  redis-namespace\n\n",
);

#[test]
fn gemfile_lock_wrappers_start_their_services_and_show_the_path() {
    let files = [
        (
            "Gemfile",
            "gem 'rails'\ngem 'redis-namespace'\ngem 'good_job'\n",
        ),
        ("Gemfile.lock", GEMFILE_LOCK),
    ];
    let v = detect_json(&files);
    assert_eq!(names(&v, "services"), ["postgres", "redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "Gemfile.lock: redis-namespace → redis"
    );
    assert_eq!(
        first_evidence(&v, "services", "postgres"),
        "Gemfile.lock: good_job → pg"
    );
    let repo = TestRepo::committed(&files);
    let out = repo.cmd().arg("detect").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("Gemfile.lock: redis-namespace → redis"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn gemfile_lock_adds_nothing_the_gemfile_rules_out() {
    let v = detect_json(&[
        (
            "Gemfile",
            "gem 'rails'\n# gem 'redis-namespace'\ngroup :production do\n  gem 'good_job'\nend\n",
        ),
        ("Gemfile.lock", GEMFILE_LOCK),
    ]);
    assert_eq!(names(&v, "services"), Vec::<String>::new(), "{v}");
    assert_eq!(names(&v, "optional"), ["postgres"], "{v}");
    assert_eq!(
        first_evidence(&v, "optional", "postgres"),
        "Gemfile.lock: good_job → pg (group :production)"
    );
}

#[test]
fn package_lock_wrappers_start_their_services_and_show_the_path() {
    let lock = r#"{"lockfileVersion": 3, "packages": {
        "": {"dependencies": {"knex": "^3", "bee-queue": "^1"}},
        "node_modules/knex": {"version": "3.1.0", "peerDependencies": {"pg": "^8"}},
        "node_modules/pg": {"version": "8.11.0"},
        "node_modules/bee-queue": {"version": "1.7.1", "dependencies": {"redis": "^3"}},
        "node_modules/redis": {"version": "3.1.2"}
    }}"#;
    let v = detect_json(&[
        (
            "package.json",
            r#"{"dependencies": {"knex": "^3", "bee-queue": "^1"}}"#,
        ),
        ("package-lock.json", lock),
    ]);
    assert_eq!(names(&v, "services"), ["postgres", "redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "postgres"),
        "package-lock.json: knex → pg"
    );
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "package-lock.json: bee-queue → redis"
    );
    // the same lock with a package.json that no longer asks for them
    let v = detect_json(&[
        ("package.json", r#"{"dependencies": {"express": "^4"}}"#),
        ("package-lock.json", lock),
    ]);
    assert_eq!(names(&v, "services"), Vec::<String>::new(), "{v}");
    assert_eq!(names(&v, "optional"), Vec::<String>::new(), "{v}");
}

#[test]
fn package_lock_v1_wrappers_start_their_services_and_show_the_path() {
    // npm 6 wrote a nested tree of what each package `requires`
    let lock = r#"{"lockfileVersion": 1, "requires": true, "dependencies": {
        "bee-queue": {"version": "1.7.1", "requires": {"redis": "^3"},
            "dependencies": {"redis": {"version": "3.1.2"}}},
        "test-tool": {"version": "1.0.0", "dev": true, "requires": {"pg": "^8"}},
        "pg": {"version": "8.11.0", "dev": true}
    }}"#;
    let v = detect_json(&[
        (
            "package.json",
            r#"{"dependencies": {"bee-queue": "^1"}, "devDependencies": {"test-tool": "^1"}}"#,
        ),
        ("package-lock.json", lock),
    ]);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "package-lock.json: bee-queue → redis"
    );
    assert_eq!(
        first_evidence(&v, "optional", "postgres"),
        "package-lock.json: test-tool → pg (devDependency)"
    );
}

#[test]
fn pnpm_lock_wrappers_start_their_services_and_show_the_path() {
    let v = detect_json(&[
        ("package.json", r#"{"dependencies": {"bee-queue": "^1"}}"#),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\nsnapshots:\n  bee-queue@1.7.1:\n    dependencies:\n      redis: 3.1.2\n  redis@3.1.2: {}\n",
        ),
    ]);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "pnpm-lock.yaml: bee-queue → redis"
    );
}

#[test]
fn yarn_lock_wrappers_start_their_services_and_show_the_path() {
    let v = detect_json(&[
        ("package.json", r#"{"dependencies": {"bee-queue": "^1"}}"#),
        (
            "yarn.lock",
            "# yarn lockfile v1\n\nbee-queue@^1.7.1:\n  version \"1.7.1\"\n  dependencies:\n    redis \"^3.1.2\"\n\nredis@^3.1.2:\n  version \"3.1.2\"\n",
        ),
    ]);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "yarn.lock: bee-queue → redis"
    );
}

#[test]
fn uv_and_poetry_lock_wrappers_start_their_services_and_show_the_path() {
    let v = detect_json(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\ndependencies = [\"arq\"]\n",
        ),
        (
            "uv.lock",
            "version = 1\n\n[[package]]\nname = \"arq\"\ndependencies = [{ name = \"redis\" }]\n\n[[package]]\nname = \"redis\"\nversion = \"5.0.1\"\n",
        ),
    ]);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "uv.lock: arq → redis"
    );
    let v = detect_json(&[
        (
            "pyproject.toml",
            "[tool.poetry.dependencies]\npython = \"^3.12\"\narq = \"*\"\n",
        ),
        (
            "poetry.lock",
            "[[package]]\nname = \"arq\"\n\n[package.dependencies]\nredis = {version = \">=4\", extras = [\"hiredis\"]}\n\n[[package]]\nname = \"redis\"\nversion = \"5.0.1\"\n",
        ),
    ]);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "poetry.lock: arq → redis"
    );
}

#[test]
fn cargo_lock_wrappers_start_their_services_and_show_the_path() {
    let v = detect_json(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\napalis-redis = \"0.6\"\n",
        ),
        (
            "Cargo.lock",
            "version = 4\n\n[[package]]\nname = \"apalis-redis\"\nversion = \"0.6.0\"\ndependencies = [\"redis\"]\n\n[[package]]\nname = \"redis\"\nversion = \"0.27.0\"\n",
        ),
    ]);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "Cargo.lock: apalis-redis → redis"
    );
}

#[test]
fn go_indirect_client_with_go_sum_starts_its_service() {
    let go_mod = "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/hibiken/asynq v0.24.1\n\tgithub.com/redis/go-redis/v9 v9.0.3 // indirect\n)\n";
    let v = detect_json(&[("go.mod", go_mod), ("go.sum", "")]);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "go.mod: require github.com/redis/go-redis/v9 v9.0.3 // indirect (imported through a dependency)"
    );
    let v = detect_json(&[("go.mod", go_mod)]);
    assert_eq!(names(&v, "optional"), ["redis"], "{v}");
}

#[test]
fn pipfile_lock_default_client_starts_its_service() {
    let v = detect_json(&[
        ("Pipfile", "[packages]\narq = \"*\"\n"),
        (
            "Pipfile.lock",
            r#"{"default": {"arq": {"version": "==0.26"}, "redis": {"version": "==5.0.1"}}, "develop": {}}"#,
        ),
    ]);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(
        first_evidence(&v, "services", "redis"),
        "Pipfile.lock: redis locked in \"default\""
    );
}
