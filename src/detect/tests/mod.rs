//! Detection behaviour per ecosystem, on in-memory fixtures.

mod compose;
mod dotnet;
mod elixir;
mod go;
mod jvm;
mod node;
mod php;
mod python;
mod ruby;
mod rust;

use super::*;

pub(super) const PG: Service = Service::Postgres;
pub(super) const REDIS: Service = Service::Redis;

pub(super) fn run(files: &[(&str, &str)]) -> Detection {
    detect(&MemTree::new(files.iter().copied()))
}

pub(super) fn needed(d: &Detection) -> Vec<Service> {
    d.services.iter().map(|s| s.name).collect()
}

pub(super) fn optional(d: &Detection) -> Vec<Service> {
    d.optional.iter().map(|s| s.name).collect()
}

/// All evidence for a service as "file: reason" lines.
pub(super) fn evidence(d: &Detection, s: Service) -> Vec<String> {
    d.services
        .iter()
        .chain(&d.optional)
        .filter(|e| e.name == s)
        .flat_map(|e| &e.evidence)
        .map(|e| format!("{}: {}", e.file, e.reason))
        .collect()
}

#[track_caller]
pub(super) fn assert_services(d: &Detection, want_needed: &[Service], want_optional: &[Service]) {
    assert_eq!(
        (needed(d), optional(d)),
        (want_needed.to_vec(), want_optional.to_vec()),
        "detection: {d:#?}"
    );
}

#[test]
fn nothing_found_means_no_services() {
    let d = run(&[
        ("README.md", "uses postgres and redis"),
        ("src/main.rs", "fn main() {}"),
        ("Gemfile", "source 'https://rubygems.org'\ngem 'rails'\n"),
    ]);
    assert_eq!(d, Detection::default());
    assert_eq!(run(&[]), Detection::default());
}

#[test]
fn vendored_example_and_fixture_trees_are_skipped() {
    let pkg = r#"{"dependencies": {"pg": "^8", "ioredis": "^5"}}"#;
    let d = run(&[
        ("node_modules/x/package.json", pkg),
        ("examples/demo/package.json", pkg),
        ("example/package.json", pkg),
        ("vendor/bundle/package.json", pkg),
        ("test/fixtures/app/package.json", pkg),
        ("spec/fixtures/package.json", pkg),
        ("testdata/package.json", pkg),
        ("third_party/lib/package.json", pkg),
        (".cache/package.json", pkg),
        ("dist/package.json", pkg),
        ("target/package.json", pkg),
        ("build/package.json", pkg),
        ("package.json", r#"{"dependencies": {"express": "^4"}}"#),
    ]);
    assert_services(&d, &[], &[]);
}

#[test]
fn manifests_a_few_levels_down_count_but_not_deeper() {
    let pkg = r#"{"dependencies": {"pg": "^8"}}"#;
    assert_services(&run(&[("services/api/app/package.json", pkg)]), &[PG], &[]);
    assert_services(&run(&[("a/b/c/d/package.json", pkg)]), &[], &[]);
}

#[test]
fn a_binary_or_broken_manifest_warns_and_detection_goes_on() {
    let binary = "\u{0}\u{1}PNG\u{0}\u{ff}";
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("package.json", vec![0x89, b'P', b'N', b'G', 0, 0xff, 0xfe]),
        ("web/package.json", binary.as_bytes().to_vec()),
        ("api/package.json", b"{\"dependencies\": {\"pg\": ".to_vec()),
        ("Cargo.toml", b"[package\nname = ".to_vec()),
        ("docker-compose.yml", b"services: [oops\n  - : :".to_vec()),
        ("requirements.txt", b"redis==5\n".to_vec()),
    ];
    let d = detect(&MemTree::new(files));
    assert_services(&d, &[REDIS], &[]);
    let warned: Vec<&str> = d.warnings.iter().map(|w| w.file.as_str()).collect();
    for f in [
        "package.json",
        "web/package.json",
        "api/package.json",
        "Cargo.toml",
        "docker-compose.yml",
    ] {
        assert!(warned.contains(&f), "no warning for {f}: {:?}", d.warnings);
    }
    assert!(d.warnings.iter().all(|w| !w.message.is_empty()));
}

/// Arbitrary bytes under every manifest name must never panic.
#[test]
fn garbage_never_panics() {
    let names = [
        "Gemfile",
        "Gemfile.lock",
        "x.gemspec",
        "config/database.yml",
        "config/cable.yml",
        "package.json",
        "pnpm-workspace.yaml",
        "schema.prisma",
        "pyproject.toml",
        "requirements.txt",
        "Pipfile",
        "go.mod",
        "go.work",
        "Cargo.toml",
        "Cargo.lock",
        "mix.exs",
        "docker-compose.yml",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "settings.gradle",
        "gradle/libs.versions.toml",
        "src/main/resources/application.properties",
        "src/main/resources/application-pg.yml",
        ".devcontainer/devcontainer.json",
        "infra/compose.yaml",
        "README.md",
        ".ruby-version",
        ".tool-versions",
        "composer.json",
        "composer.lock",
        "config/database.php",
        "config/queue.php",
        ".env.example",
        "src/App/App.csproj",
        "src/App/appsettings.Development.json",
        "Directory.Packages.props",
    ];
    let alphabet = b"{}[]()\"'#:;,=-*&<%>!|\\/. \n\tpgredis0@$?";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..200 {
        let files: Vec<(&str, Vec<u8>)> = names
            .iter()
            .map(|n| {
                let len = (round * 7) % 300;
                let bytes = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        if round % 5 == 0 {
                            (state & 0xff) as u8
                        } else {
                            alphabet[(state % alphabet.len() as u64) as usize]
                        }
                    })
                    .collect();
                (*n, bytes)
            })
            .collect();
        let _ = detect(&MemTree::new(files));
    }
}

#[test]
fn evidence_is_deduplicated_and_stable() {
    let files = [
        (
            "package.json",
            r#"{"dependencies": {"pg": "1"}, "devDependencies": {"pg": "1"}}"#,
        ),
        (
            "docker-compose.yml",
            "services:\n  a:\n    image: postgres\n  b:\n    image: postgres\n",
        ),
    ];
    let d = run(&files);
    assert_eq!(
        evidence(&d, PG),
        vec![
            "package.json: dependency \"pg\"",
            "package.json: devDependency \"pg\"",
            "docker-compose.yml: image postgres",
        ]
    );
    assert_eq!(d, run(&files));
}

#[test]
fn service_names_parse_and_print() {
    assert_eq!("postgresql".parse::<Service>(), Ok(PG));
    assert_eq!("PG".parse::<Service>(), Ok(PG));
    assert_eq!("postgres".parse::<Service>(), Ok(PG));
    assert_eq!(" redis ".parse::<Service>(), Ok(REDIS));
    assert!("mysql".parse::<Service>().is_err());
    assert_eq!(PG.to_string(), "postgres");
    assert_eq!(REDIS.to_string(), "redis");
    let d = run(&[("go.mod", "module x\nrequire github.com/lib/pq v1.0.0\n")]);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["services"][0]["name"], "postgres");
    assert_eq!(json["services"][0]["evidence"][0]["file"], "go.mod");
    assert_eq!(serde_json::from_str::<Service>("\"redis\"").unwrap(), REDIS);
}

#[test]
fn ruby_version_from_version_files() {
    let v = |files: &[(&str, &str)]| run(files).ruby_version;
    assert_eq!(v(&[(".ruby-version", "3.3.5\n")]).as_deref(), Some("3.3"));
    assert_eq!(
        v(&[(".ruby-version", "ruby-3.2.2")]).as_deref(),
        Some("3.2")
    );
    assert_eq!(
        v(&[(".tool-versions", "nodejs 20.1.0\nruby 3.1.4 # pinned\n")]).as_deref(),
        Some("3.1")
    );
    assert_eq!(
        v(&[(".ruby-version", "3.4.1"), (".tool-versions", "ruby 3.1.4")]).as_deref(),
        Some("3.4")
    );
    assert_eq!(
        v(&[("Gemfile", "source 'x'\nruby \"3.3.1\"\ngem 'rails'\n")]).as_deref(),
        Some("3.3")
    );
    assert_eq!(v(&[(".ruby-version", "jruby-9.4.5.0")]), None);
    assert_eq!(v(&[("sub/.ruby-version", "3.3.5")]), None);
}

#[test]
fn deep_nesting_and_long_paths_do_not_overflow() {
    let n = 50_000;
    let json = format!("{{\"dependencies\": {}{}}}", "[".repeat(n), "]".repeat(n));
    let yaml = format!("services: {}{}\n", "[".repeat(n), "]".repeat(n));
    let toml_arr = format!(
        "[package]\nname = \"x\"\nversion = {}{}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    let toml_tbl = format!("a = {}{}\n", "{b = ".repeat(n), "}".repeat(n));
    let deep_member = format!(
        "[workspace]\nmembers = [\"{}\", \"{}\", \"{}\"]\n",
        "a/".repeat(n),
        "**/".repeat(n),
        "*/".repeat(n)
    );
    let pnpm = format!(
        "packages:\n  - '{}'\n  - '!{}'\n",
        "**/".repeat(200),
        "**/x/".repeat(200)
    );
    let mix = "{:postgrex, ".repeat(n);
    let xml = format!("<Project>{}{}</Project>", "<a>".repeat(n), "</a>".repeat(n));
    let php = format!("<?php return {}{};", "[".repeat(n), "]".repeat(n));
    let lock_v1 = format!(
        "{{\"dependencies\": {}{}}}",
        "{\"a\": {\"dependencies\": ".repeat(n),
        "}}".repeat(n)
    );
    let d = run(&[
        ("package.json", json.as_str()),
        ("docker-compose.yml", yaml.as_str()),
        ("a/Cargo.toml", toml_arr.as_str()),
        ("pyproject.toml", toml_tbl.as_str()),
        ("Cargo.toml", deep_member.as_str()),
        ("pnpm-workspace.yaml", pnpm.as_str()),
        ("mix.exs", mix.as_str()),
        ("pkgs/x/package.json", "{}"),
        ("App.csproj", xml.as_str()),
        ("appsettings.json", json.as_str()),
        ("php/composer.json", r#"{"require": {"a/b": "1"}}"#),
        ("php/config/database.php", php.as_str()),
        ("php/composer.lock", json.as_str()),
        ("web/package.json", r#"{"dependencies": {"a": "1"}}"#),
        ("web/package-lock.json", lock_v1.as_str()),
    ]);
    // the v1 tree was read (and refused as too deep), not skipped
    assert!(
        d.warnings.iter().any(|w| w.file == "web/package-lock.json"),
        "{:?}",
        d.warnings
    );
    // the truncated tuples are no dependencies; what matters is that it returns
    assert!(d.services.is_empty());
}
