//! Detection against real projects' manifests with known answers (shared/corpus).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use claude_sandbox::detect::{Detection, FsTree, Service, detect};

/// Where the corpus lives. In the scratch crate it is the shared copy; in the main crate
/// it is `tests/corpus/`. Change only this.
fn corpus_root() -> PathBuf {
    // A copy of ../shared/corpus, so the suite runs from a plain clone.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

struct Case {
    name: String,
    expected: serde_json::Value,
    detection: Detection,
}

fn cases() -> Vec<Case> {
    let root = corpus_root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("corpus at {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 8, "corpus looks incomplete: {dirs:?}");
    dirs.into_iter()
        .map(|d| {
            let text = std::fs::read_to_string(d.join("expected.json")).unwrap();
            Case {
                name: d.file_name().unwrap().to_string_lossy().into_owned(),
                expected: serde_json::from_str(&text).unwrap(),
                detection: detect(&FsTree::new(d.join("tree"))),
            }
        })
        .collect()
}

fn case<'a>(cases: &'a [Case], name: &str) -> &'a Case {
    cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no corpus project {name}"))
}

fn names(v: &[claude_sandbox::detect::ServiceEvidence]) -> String {
    let n: Vec<String> = v.iter().map(|s| s.name.to_string()).collect();
    if n.is_empty() {
        "-".into()
    } else {
        n.join(",")
    }
}

#[test]
fn corpus_services_match_expected() {
    let cases = cases();
    let mut failures = Vec::new();
    let mut table = String::from("project                      services         optional\n");
    for c in &cases {
        let d = &c.detection;
        table.push_str(&format!(
            "{:<28} {:<16} {}\n",
            c.name,
            names(&d.services),
            names(&d.optional)
        ));
        let listed_optional: Vec<&str> = c.expected["optional"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        for service in Service::ALL {
            let want = c.expected[service.as_str()]
                .as_bool()
                .unwrap_or_else(|| panic!("{}: expected.json lacks {service}", c.name));
            let got = d.needs(service);
            if want && !got {
                failures.push(format!(
                    "{}: {service} is needed but was not detected",
                    c.name
                ));
            }
            if !want && got {
                failures.push(format!(
                    "{}: {service} is not needed but would start a sidecar",
                    c.name
                ));
            }
            let opt_ok = listed_optional.contains(&service.as_str());
            if d.is_optional(service) && !opt_ok {
                failures.push(format!(
                    "{}: {service} reported optional, expected.json does not list it",
                    c.name
                ));
            }
            if opt_ok && !d.is_optional(service) && !got {
                failures.push(format!(
                    "{}: {service} should at least be reported as optional",
                    c.name
                ));
            }
        }
        if !d.warnings.is_empty() {
            failures.push(format!("{}: unexpected warnings {:?}", c.name, d.warnings));
        }
    }
    println!("{table}");
    if !failures.is_empty() {
        let details: BTreeMap<&str, String> = cases
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    serde_json::to_string_pretty(&c.detection).unwrap_or_default(),
                )
            })
            .collect();
        panic!(
            "corpus mismatches:\n  {}\n\n{table}\ndetections:\n{details:#?}",
            failures.join("\n  ")
        );
    }
}

fn has_evidence(d: &Detection, service: Service, file: &str, reason_part: &str) -> bool {
    d.services
        .iter()
        .chain(&d.optional)
        .filter(|s| s.name == service)
        .flat_map(|s| &s.evidence)
        .any(|e| e.file == file && e.reason.contains(reason_part))
}

#[track_caller]
fn assert_evidence(c: &Case, service: Service, file: &str, reason_part: &str) {
    assert!(
        has_evidence(&c.detection, service, file, reason_part),
        "{}: no {service} evidence in {file} mentioning {reason_part:?}; got {:#?}",
        c.name,
        c.detection
    );
}

#[test]
fn corpus_evidence_names_the_right_files() {
    let cases = cases();
    let pg = Service::Postgres;
    let redis = Service::Redis;

    let docmost = case(&cases, "docmost__docmost");
    assert_evidence(docmost, pg, "apps/server/package.json", "\"postgres\"");
    assert_evidence(docmost, redis, "apps/server/package.json", "ioredis");
    assert_evidence(docmost, redis, "apps/server/package.json", "bullmq");
    assert_evidence(docmost, pg, "docker-compose.yml", "postgres:18");
    // look-alikes are never evidence
    assert!(!has_evidence(
        &docmost.detection,
        pg,
        "apps/server/package.json",
        "pgvector"
    ));
    assert!(!has_evidence(
        &docmost.detection,
        pg,
        "apps/server/package.json",
        "pg-tsquery"
    ));

    let outline = case(&cases, "outline__outline");
    assert_evidence(outline, pg, "package.json", "\"pg\"");
    assert_evidence(outline, redis, "package.json", "ioredis");
    assert_evidence(outline, redis, "package.json", "bull");
    assert_evidence(outline, redis, "docker-compose.yml", "image redis");

    let lemmy = case(&cases, "LemmyNet__lemmy");
    assert_evidence(lemmy, pg, "Cargo.toml", "diesel with feature \"postgres\"");
    assert_evidence(lemmy, pg, "crates/diesel_utils/Cargo.toml", "diesel-async");
    assert_evidence(lemmy, pg, "docker/docker-compose.yml", "pgautoupgrade");
    assert_evidence(lemmy, pg, "Cargo.lock", "pq-sys");

    let netbox = case(&cases, "netbox-community__netbox");
    assert_evidence(netbox, pg, "requirements.txt", "psycopg[c,pool]==3.3.4");
    assert_evidence(netbox, pg, "base_requirements.txt", "psycopg[c,pool]");
    assert_evidence(netbox, redis, "requirements.txt", "django-redis");
    assert!(!has_evidence(
        &netbox.detection,
        pg,
        "requirements.txt",
        "pglocks"
    ));

    let hc = case(&cases, "healthchecks__healthchecks");
    assert_evidence(hc, pg, "requirements.txt", "psycopg==3.3.4");
    assert_evidence(hc, pg, "docker/docker-compose.yml", "postgres:16");

    let maybe = case(&cases, "maybe-finance__maybe");
    assert_evidence(maybe, pg, "Gemfile", "gem \"pg\"");
    assert_evidence(maybe, pg, "config/database.yml", "adapter: postgresql");
    assert_evidence(
        maybe,
        pg,
        ".devcontainer/docker-compose.yml",
        "postgres:latest",
    );
    assert_evidence(maybe, redis, "Gemfile", "gem \"sidekiq\"");
    assert_evidence(maybe, redis, "Gemfile", "gem \"redis\"");
    assert_eq!(maybe.detection.ruby_version.as_deref(), Some("3.4"));
    assert!(!maybe.detection.postgis);

    let miniflux = case(&cases, "miniflux__v2");
    assert_evidence(miniflux, pg, "go.mod", "github.com/lib/pq");

    let solidtime = case(&cases, "solidtime-io__solidtime");
    assert_evidence(solidtime, pg, ".env.example", "DB_CONNECTION=pgsql");
    assert_evidence(solidtime, pg, "docker-compose.yml", "postgres:15");
    // the skeleton's redis block alone starts nothing
    assert!(!solidtime.detection.needs(redis));

    let pixelfed = case(&cases, "pixelfed__pixelfed");
    assert_evidence(pixelfed, redis, "composer.json", "predis/predis");
    assert_evidence(pixelfed, redis, "composer.json", "laravel/horizon");
    assert_evidence(pixelfed, redis, "config/database.php", "client predis");

    let eshop = case(&cases, "dotnet__eShop");
    assert_evidence(
        eshop,
        pg,
        "src/eShop.AppHost/eShop.AppHost.csproj",
        "Aspire.Hosting.PostgreSQL",
    );
    assert_evidence(
        eshop,
        redis,
        "src/eShop.AppHost/eShop.AppHost.csproj",
        "Aspire.Hosting.Redis",
    );
    assert_evidence(
        eshop,
        pg,
        "src/Catalog.API/appsettings.Development.json",
        "ConnectionStrings:CatalogDB (Host=localhost;Database=CatalogDB)",
    );
    assert_evidence(
        eshop,
        pg,
        "tests/Catalog.FunctionalTests/Catalog.FunctionalTests.csproj",
        "(test project)",
    );
    assert_evidence(
        eshop,
        redis,
        "src/Basket.API/appsettings.json",
        "ConnectionStrings:Redis",
    );
    assert!(!has_evidence(
        &eshop.detection,
        pg,
        "Directory.Packages.props",
        "Npgsql"
    ));
    let petclinic = case(&cases, "spring-projects__spring-petclinic");
    assert_evidence(
        petclinic,
        pg,
        "pom.xml",
        "org.postgresql:postgresql (the default profile uses the in-process com.h2database:h2",
    );
    assert_evidence(
        petclinic,
        pg,
        "build.gradle",
        "runtimeOnly \"org.postgresql:postgresql\"",
    );
    assert_evidence(
        petclinic,
        pg,
        "src/main/resources/application-postgres.properties",
        "jdbc:postgresql://localhost/petclinic} (profile \"postgres\")",
    );
    assert_evidence(
        petclinic,
        pg,
        "docker-compose.yml",
        "postgres:18.3 (the default profile",
    );

    let micronaut = case(&cases, "micronaut-projects__micronaut-redis");
    assert_evidence(
        micronaut,
        redis,
        "redis-lettuce/build.gradle",
        "api libs.managed.lettuce (io.lettuce:lettuce-core)",
    );

    let hr = case(&cases, "hibernate__hibernate-reactive");
    assert_evidence(
        hr,
        pg,
        "hibernate-reactive-core/build.gradle",
        "testRuntimeOnly libs.org.postgresql.postgresql (org.postgresql:postgresql)",
    );

    let saleor = case(&cases, "saleor__saleor");
    assert_evidence(
        saleor,
        pg,
        ".devcontainer/docker-compose.yml",
        "postgres:15-alpine (dev container .devcontainer/devcontainer.json)",
    );
    assert_evidence(
        saleor,
        redis,
        ".devcontainer/docker-compose.yml",
        "valkey/valkey:8.1",
    );

    let lobsters = case(&cases, "lobsters__lobsters");
    assert!(lobsters.detection.services.is_empty());
    assert!(lobsters.detection.optional.is_empty());
    assert_eq!(lobsters.detection.ruby_version.as_deref(), Some("4.0"));
}

/// The same corpus through the path a user takes: each tree committed to a git repository and
/// `claude-sandbox detect -o json` run in it.
#[test]
fn corpus_through_the_binary() {
    for case in cases() {
        let tree = corpus_root().join(&case.name).join("tree");
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&tree, dir.path());
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = git2::Repository::init_opts(dir.path(), &opts).unwrap();
        repo.remote("origin", "https://github.com/corpus/project.git")
            .unwrap();
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"].iter(), git2::IndexAddOption::FORCE, None)
            .unwrap();
        let tree_id = index.write_tree().unwrap();
        let sig = git2::Signature::now("t", "t@example.com").unwrap();
        repo.commit(
            Some("HEAD"),
            &sig,
            &sig,
            "corpus",
            &repo.find_tree(tree_id).unwrap(),
            &[],
        )
        .unwrap();

        let out = assert_cmd::Command::cargo_bin("claude-sandbox")
            .unwrap()
            .current_dir(dir.path())
            .args(["detect", "-o", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let started: Vec<&str> = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        for service in ["postgres", "redis"] {
            let expected = case.expected[service].as_bool().unwrap();
            assert_eq!(
                started.contains(&service),
                expected,
                "{}: {service} expected {expected}, detect said {started:?}",
                case.name
            );
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
