//! `detect` on PHP and .NET projects, through the compiled binary in a throwaway git
//! repository: the services it would start and the evidence it shows, in text and in JSON.

mod support;

use support::{TestRepo, stderr_of, stdout_of};

fn detect(files: &[(&str, &str)], args: &[&str]) -> String {
    let repo = TestRepo::committed(files);
    let out = repo.cmd().arg("detect").args(args).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    stdout_of(&out)
}

/// `name: [file: reason, …]` for each service under `key` (`services` or `optional`).
fn listed(files: &[(&str, &str)], key: &str) -> Vec<(String, Vec<String>)> {
    let out = detect(files, &["-o", "json"]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
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

const LARAVEL_COMPOSER: &str = r#"{"require": {"php": "^8.2", "laravel/framework": "^11.0", "laravel/horizon": "^5.0"},
  "require-dev": {"phpunit/phpunit": "^11"}}"#;

const LARAVEL_LOCK: &str = r#"{"packages": [
  {"name": "laravel/framework", "require": {"php": "^8.2"}},
  {"name": "laravel/horizon", "require": {"ext-pcntl": "*", "ext-posix": "*"}}
], "packages-dev": [{"name": "phpunit/phpunit", "require": []}]}"#;

const DATABASE_PHP: &str = r#"<?php
return [
    'default' => env('DB_CONNECTION', 'sqlite'),
    'connections' => ['pgsql' => ['driver' => 'pgsql'], 'sqlite' => ['driver' => 'sqlite']],
    'redis' => ['client' => env('REDIS_CLIENT', 'phpredis')],
];
"#;

#[test]
fn a_laravel_app_on_postgres_and_redis_shows_where_each_comes_from() {
    let files = [
        ("composer.json", LARAVEL_COMPOSER),
        ("composer.lock", LARAVEL_LOCK),
        ("config/database.php", DATABASE_PHP),
        (
            ".env.example",
            "APP_NAME=Shop\nDB_CONNECTION=pgsql\n# DB_CONNECTION=mysql\nQUEUE_CONNECTION=redis\nREDIS_HOST=127.0.0.1\nREDIS_PASSWORD=null\n",
        ),
    ];
    assert_eq!(
        listed(&files, "services"),
        [
            (
                "postgres".to_string(),
                vec![".env.example: DB_CONNECTION=pgsql".to_string()]
            ),
            (
                "redis".to_string(),
                vec![
                    "composer.json: require \"laravel/horizon\"".to_string(),
                    ".env.example: QUEUE_CONNECTION=redis".to_string(),
                    "config/database.php: 'redis' connections (client phpredis)".to_string(),
                    ".env.example: REDIS_HOST=127.0.0.1".to_string(),
                ]
            ),
        ]
    );
    let text = detect(&files, &[]);
    assert!(text.contains(".env.example: DB_CONNECTION=pgsql"), "{text}");
    assert!(
        text.contains("config/database.php: 'redis' connections"),
        "{text}"
    );
}

#[test]
fn a_laravel_skeleton_on_sqlite_starts_nothing() {
    let files = [
        (
            "composer.json",
            r#"{"require": {"laravel/framework": "^11.0", "predis/predis-lookalike": "1"}}"#,
        ),
        ("config/database.php", DATABASE_PHP),
        (
            ".env.example",
            "DB_CONNECTION=sqlite\nCACHE_STORE=database\nREDIS_CLIENT=phpredis\nREDIS_HOST=127.0.0.1\n",
        ),
    ];
    assert!(listed(&files, "services").is_empty());
    assert!(listed(&files, "optional").is_empty());
}

#[test]
fn composer_lock_path_is_the_evidence() {
    let files = [
        ("composer.json", r#"{"require": {"acme/queue": "^1"}}"#),
        (
            "composer.lock",
            r#"{"packages": [{"name": "acme/queue", "require": {"predis/predis": "^2"}},
                {"name": "predis/predis", "require": {}}]}"#,
        ),
    ];
    assert_eq!(
        listed(&files, "services"),
        [(
            "redis".to_string(),
            vec!["composer.lock: acme/queue → predis/predis".to_string()]
        )]
    );
}

#[test]
fn a_dotnet_solution_with_central_versions_and_appsettings() {
    let files = [
        (
            "Directory.Packages.props",
            "<Project>\n  <ItemGroup>\n    <PackageVersion Include=\"Npgsql.EntityFrameworkCore.PostgreSQL\" Version=\"9.0.4\" />\n    <PackageVersion Include=\"StackExchange.Redis\" Version=\"2.8.16\" />\n  </ItemGroup>\n</Project>\n",
        ),
        (
            "src/Catalog.API/Catalog.API.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <ItemGroup>\n    <PackageReference Include=\"Npgsql.EntityFrameworkCore.PostgreSQL\" />\n  </ItemGroup>\n</Project>\n",
        ),
        (
            "src/Catalog.API/appsettings.Development.json",
            "{\n  // dev\n  \"ConnectionStrings\": {\n    \"catalogdb\": \"Host=localhost;Database=catalog;Username=app;Password=s3cret\",\n    \"redis\": \"localhost:6379\",\n  }\n}\n",
        ),
        (
            "tests/Catalog.Tests/Catalog.Tests.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n    <PackageReference Include=\"Microsoft.NET.Test.Sdk\" />\n    <PackageReference Include=\"StackExchange.Redis\" />\n  </ItemGroup>\n</Project>\n",
        ),
    ];
    assert_eq!(
        listed(&files, "services"),
        [
            (
                "postgres".to_string(),
                vec![
                    "src/Catalog.API/Catalog.API.csproj: PackageReference \"Npgsql.EntityFrameworkCore.PostgreSQL\"".to_string(),
                    "src/Catalog.API/appsettings.Development.json: ConnectionStrings:catalogdb (Host=localhost;Database=catalog)".to_string(),
                ]
            ),
            (
                "redis".to_string(),
                vec![
                    "tests/Catalog.Tests/Catalog.Tests.csproj: PackageReference \"StackExchange.Redis\" (test project)".to_string(),
                    "src/Catalog.API/appsettings.Development.json: ConnectionStrings:redis (localhost:6379)".to_string(),
                ]
            ),
        ]
    );
    let text = detect(&files, &[]);
    assert!(!text.contains("s3cret"), "{text}");
}

#[test]
fn a_conditional_dotnet_reference_is_optional() {
    let files = [(
        "App.csproj",
        "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup Condition=\"'$(UseRedis)' == 'true'\">\n    <PackageReference Include=\"Microsoft.Extensions.Caching.StackExchangeRedis\" />\n  </ItemGroup>\n</Project>\n",
    )];
    assert!(listed(&files, "services").is_empty());
    assert_eq!(
        listed(&files, "optional"),
        [(
            "redis".to_string(),
            vec!["App.csproj: PackageReference \"Microsoft.Extensions.Caching.StackExchangeRedis\" (only when '$(UseRedis)' == 'true')".to_string()]
        )]
    );
}
