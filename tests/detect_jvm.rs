//! `detect` and `remote --dry-run` on JVM builds and dev containers, through the compiled
//! binary in throwaway git repositories: what starts, what is only optional, and the evidence
//! a user reads.

mod support;

use support::{TestRepo, stderr_of, stdout_of};

fn run(repo: &TestRepo, args: &[&str]) -> String {
    let out = repo.cmd().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    stdout_of(&out)
}

fn detect_json(files: &[(&str, &str)]) -> serde_json::Value {
    let repo = TestRepo::committed(files);
    let out = run(&repo, &["detect", "-o", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// `name: file: reason` for every piece of evidence under `key` (`services`, `optional`).
fn evidence(v: &serde_json::Value, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in v[key].as_array().unwrap_or_else(|| panic!("{key}: {v}")) {
        for e in s["evidence"].as_array().unwrap() {
            out.push(format!(
                "{}: {}: {}",
                s["name"].as_str().unwrap(),
                e["file"].as_str().unwrap(),
                e["reason"].as_str().unwrap()
            ));
        }
    }
    out
}

fn names(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn maven_modules_below_the_walk_start_their_services() {
    let root = "<project>\n  <!-- <modules><module>archive/2019/legacy/old</module></modules> -->\n  <modules>\n    <module>platform/services/orders/app</module>\n  </modules>\n</project>\n";
    let app = "<project><dependencies>\n  <dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId><scope>runtime</scope></dependency>\n  <dependency><groupId>com.redis</groupId><artifactId>testcontainers-redis</artifactId><scope>test</scope></dependency>\n</dependencies></project>\n";
    let files = [
        ("pom.xml", root),
        ("platform/services/orders/app/pom.xml", app),
        (
            "archive/2019/legacy/old/pom.xml",
            "<project><dependencies><dependency><groupId>io.lettuce</groupId><artifactId>lettuce-core</artifactId></dependency></dependencies></project>",
        ),
    ];
    let v = detect_json(&files);
    assert_eq!(
        evidence(&v, "services"),
        [
            "postgres: platform/services/orders/app/pom.xml: dependency org.postgresql:postgresql",
            "redis: platform/services/orders/app/pom.xml: dependency com.redis:testcontainers-redis (scope test)",
        ],
        "{v}"
    );
    // the commented-out module, deeper than the walk goes, is not read
    let repo = TestRepo::committed(&files);
    let text = run(&repo, &["detect"]);
    assert!(
        text.contains("platform/services/orders/app/pom.xml: dependency org.postgresql:postgresql"),
        "{text}"
    );
}

#[test]
fn gradle_catalog_aliases_start_sidecars_in_the_rendered_job() {
    let files = [
        ("settings.gradle.kts", "include(\":services:api\")\n"),
        (
            "gradle/libs.versions.toml",
            "[libraries]\npg = { module = \"org.postgresql:postgresql\", version = \"42.7.4\" }\nredis-starter = { group = \"org.springframework.boot\", name = \"spring-boot-starter-data-redis-reactive\" }\n",
        ),
        (
            "services/api/build.gradle.kts",
            "dependencies {\n    runtimeOnly(libs.pg)\n    /* implementation(libs.redis.starter) */\n    testImplementation(libs.redis.starter)\n}\n",
        ),
    ];
    let v = detect_json(&files);
    assert_eq!(names(&v, "services"), ["postgres", "redis"], "{v}");
    assert_eq!(
        evidence(&v, "services"),
        [
            "postgres: services/api/build.gradle.kts: runtimeOnly libs.pg (org.postgresql:postgresql)",
            "redis: services/api/build.gradle.kts: testImplementation libs.redis.starter (org.springframework.boot:spring-boot-starter-data-redis-reactive)",
        ]
    );
    let repo = TestRepo::committed(&files);
    let manifest = run(&repo, &["remote", "--dry-run", "-o", "json", "task"]);
    let job: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let init: Vec<&str> = job["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        init.contains(&"postgres") && init.contains(&"redis"),
        "{init:?}"
    );
}

#[test]
fn spring_h2_default_with_a_postgres_profile_starts_no_sidecar() {
    let files = [
        (
            "build.gradle",
            "dependencies {\n  runtimeOnly 'com.h2database:h2'\n  runtimeOnly 'org.postgresql:postgresql'\n}\n",
        ),
        (
            "src/main/resources/application.yml",
            "spring:\n  jpa:\n    open-in-view: false\n---\nspring:\n  config:\n    activate:\n      on-profile: postgres\n  datasource:\n    url: jdbc:postgresql://localhost/shop\n",
        ),
    ];
    let v = detect_json(&files);
    assert_eq!(names(&v, "services"), Vec::<String>::new(), "{v}");
    assert_eq!(
        evidence(&v, "optional"),
        [
            "postgres: build.gradle: runtimeOnly \"org.postgresql:postgresql\" (the default profile uses the in-process com.h2database:h2 from build.gradle)",
            "postgres: src/main/resources/application.yml: spring.datasource.url=jdbc:postgresql://localhost/shop (profile \"postgres\")",
        ]
    );
    let repo = TestRepo::committed(&files);
    let manifest = run(&repo, &["remote", "--dry-run", "-o", "json", "task"]);
    assert!(!manifest.contains("postgres:17"), "{manifest}");
    let text = run(&repo, &["detect"]);
    assert!(text.contains("optional    postgres"), "{text}");
}

#[test]
fn a_dev_container_starts_its_backing_services_not_its_app() {
    // the editor attaches to `app`; whatever that container runs is the project itself
    let compose = "services:\n  app:\n    image: redis:7\n    command: sleep infinity\n  db:\n    image: postgis/postgis:16-3.4\n";
    let files = [
        (
            ".devcontainer/backend/devcontainer.json",
            "{\n  // the backend's container\n  \"dockerComposeFile\": [\"../../tools/dev/compose.yaml\"],\n  \"service\": \"app\",\n}\n",
        ),
        ("tools/dev/compose.yaml", compose),
    ];
    let v = detect_json(&files);
    assert_eq!(names(&v, "services"), ["postgres"], "{v}");
    assert_eq!(names(&v, "optional"), Vec::<String>::new(), "{v}");
    assert_eq!(
        evidence(&v, "services"),
        [
            "postgres: tools/dev/compose.yaml: image postgis/postgis:16-3.4 (dev container .devcontainer/backend/devcontainer.json)"
        ]
    );
    let repo = TestRepo::committed(&files);
    let manifest = run(&repo, &["remote", "--dry-run", "-o", "yaml", "task"]);
    assert!(manifest.contains("image: postgis/postgis"), "{manifest}");
    assert!(!manifest.contains("image: redis"), "{manifest}");
}

#[test]
fn a_dev_container_cannot_point_detection_outside_the_repository() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("compose.yml"),
        "services:\n  db:\n    image: postgres:16\n",
    )
    .unwrap();
    let escape = format!(
        "../../../../../../../../../..{}/compose.yml",
        outside.path().display()
    );
    let json = format!(
        "{{\"dockerComposeFile\": [{:?}, {:?}]}}",
        escape,
        format!("{}/compose.yml", outside.path().display())
    );
    let repo = TestRepo::committed(&[(".devcontainer/devcontainer.json", json.as_str())]);
    let out = repo.cmd().args(["detect", "-o", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(names(&v, "services"), Vec::<String>::new(), "{v}");
    assert_eq!(names(&v, "optional"), Vec::<String>::new(), "{v}");
    let warnings = stderr_of(&out);
    assert_eq!(
        warnings.matches("is outside the repository").count(),
        2,
        "{warnings}"
    );
}

#[test]
fn a_compose_file_the_readme_uses_counts() {
    let files = [
        (
            "README.md",
            "# Shop\n\n## Development\n\n```sh\ndocker compose -f ops/local/compose.yml up -d\n```\n",
        ),
        (
            "ops/local/compose.yml",
            "services:\n  cache:\n    image: valkey/valkey:8\n",
        ),
        (
            "ops/staging/compose.yml",
            "services:\n  db:\n    image: postgres:16\n",
        ),
    ];
    let v = detect_json(&files);
    assert_eq!(names(&v, "services"), ["redis"], "{v}");
    assert_eq!(names(&v, "optional"), Vec::<String>::new(), "{v}");
    assert_eq!(
        evidence(&v, "services"),
        ["redis: ops/local/compose.yml: image valkey/valkey:8 (used in README.md)"]
    );
}
