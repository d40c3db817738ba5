use super::*;

fn crate_toml(deps: &str) -> String {
    format!("[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n{deps}")
}

#[test]
fn plain_dev_and_renamed_dependencies() {
    let t = crate_toml(
        "[dependencies]\ntokio-postgres = \"0.7\"\n\n[dev-dependencies]\nredis = { version = \"0.25\", features = [\"tokio-comp\"] }\n",
    );
    assert_services(&run(&[("Cargo.toml", &t)]), &[PG, REDIS], &[]);
    let t =
        crate_toml("[dependencies]\npg = { package = \"tokio-postgres\", version = \"0.7\" }\n");
    let d = run(&[("Cargo.toml", &t)]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        vec!["Cargo.toml: dependency \"pg\" (package \"tokio-postgres\")"]
    );
    for dep in [
        "postgres",
        "deadpool-postgres",
        "bb8-postgres",
        "bb8-redis",
        "deadpool-redis",
        "fred",
    ] {
        let t = crate_toml(&format!("[dependencies]\n{dep} = \"1\"\n"));
        assert_eq!(run(&[("Cargo.toml", &t)]).services.len(), 1, "{dep}");
    }
}

#[test]
fn orm_crates_need_their_postgres_feature() {
    let t = crate_toml(
        "[dependencies]\nsqlx = { version = \"0.8\", features = [\n  \"runtime-tokio\",\n  \"postgres\",\n] }\n",
    );
    let d = run(&[("Cargo.toml", &t)]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        vec!["Cargo.toml: sqlx with features \"runtime-tokio\", \"postgres\""]
    );
    let t = crate_toml(
        "[dependencies]\nsqlx = { version = \"0.8\", features = [\"sqlite\"] }\ndiesel = { version = \"2\", features = [\"sqlite\"] }\nsea-orm = \"1\"\n# redis = \"0.25\"\n",
    );
    assert_services(&run(&[("Cargo.toml", &t)]), &[], &[]);
    let t = crate_toml(
        "[dependencies]\nsea-orm = { version = \"1\", features = [\"sqlx-postgres\", \"runtime-tokio-rustls\"] }\n",
    );
    assert_services(&run(&[("Cargo.toml", &t)]), &[PG], &[]);
    let t = crate_toml(
        "[dependencies]\ndiesel-async = { version = \"0.5\", features = [\"postgres\", \"bb8\"] }\n",
    );
    assert_services(&run(&[("Cargo.toml", &t)]), &[PG], &[]);
}

#[test]
fn workspace_dependencies_are_inherited_with_features() {
    let root = "[workspace]\nmembers = [\"crates/*\", \"tools/x/y/z/cli\"]\nexclude = [\"crates/old\"]\n\n\
                [workspace.dependencies]\ndiesel = { version = \"2\", features = [\n  \"chrono\",\n  \"postgres\",\n] }\n\
                diesel-async = \"0.5\"\nredis = \"0.25\"\n";
    let d = run(&[
        ("Cargo.toml", root),
        (
            "crates/db/Cargo.toml",
            "[package]\nname = \"db\"\n[dependencies]\ndiesel = { workspace = true }\ndiesel-async = { workspace = true, features = [\n  \"deadpool\",\n  \"postgres\",\n] }\n",
        ),
        (
            "crates/old/Cargo.toml",
            "[package]\nname = \"old\"\n[dependencies]\nredis.workspace = true\n",
        ),
        (
            "tools/x/y/z/cli/Cargo.toml",
            "[package]\nname = \"cli\"\n[dependencies]\nfred = \"9\"\n",
        ),
    ]);
    assert_services(&d, &[PG, REDIS], &[]);
    let pg = evidence(&d, PG);
    assert!(pg.contains(
        &"Cargo.toml: diesel with feature \"postgres\" ([workspace.dependencies])".to_string()
    ));
    assert!(pg.contains(
        &"crates/db/Cargo.toml: diesel-async with features \"deadpool\", \"postgres\"".to_string()
    ));
    let redis = evidence(&d, REDIS);
    // the excluded member does not count; redis only as an unused workspace dependency
    assert!(redis.contains(&"tools/x/y/z/cli/Cargo.toml: dependency \"fred\"".to_string()));
    assert!(!redis.iter().any(|e| e.starts_with("crates/old")));
}

#[test]
fn unused_workspace_dependencies_alone_are_not_enough() {
    let d = run(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\"]\n[workspace.dependencies]\ntokio-postgres = \"0.7\"\n",
        ),
        (
            "app/Cargo.toml",
            "[package]\nname = \"app\"\n[dependencies]\nserde = \"1\"\n",
        ),
        (
            "Cargo.lock",
            "version = 3\n[[package]]\nname = \"tokio-postgres\"\nversion = \"0.7.0\"\n",
        ),
    ]);
    assert_services(&d, &[], &[]);
}

#[test]
fn optional_dependencies_follow_default_features() {
    let opt = |features: &str| {
        crate_toml(&format!(
            "[features]\n{features}\n[dependencies]\nredis = {{ version = \"0.25\", optional = true }}\n\
             sqlx = {{ version = \"0.8\", features = [\"runtime-tokio\"] }}\n"
        ))
    };
    // not enabled by default
    let d = run(&[(
        "Cargo.toml",
        &opt("default = []\ncache = [\"dep:redis\"]\n"),
    )]);
    assert_services(&d, &[], &[REDIS]);
    assert!(evidence(&d, REDIS)[0].contains("optional"));
    // enabled by default through dep:, through the implicit feature, through a chain
    for f in [
        "default = [\"cache\"]\ncache = [\"dep:redis\"]\n",
        "default = [\"redis\"]\n",
        "default = [\"full\"]\nfull = [\"cache\"]\ncache = [\"redis/tokio-comp\"]\n",
    ] {
        assert_services(&run(&[("Cargo.toml", &opt(f))]), &[REDIS], &[]);
    }
    // a feature that adds postgres to a non-optional dependency
    let d = run(&[(
        "Cargo.toml",
        &opt("default = []\npg = [\"sqlx/postgres\"]\n"),
    )]);
    assert_services(&d, &[], &[PG, REDIS]);
    let d = run(&[(
        "Cargo.toml",
        &opt("default = [\"pg\"]\npg = [\"sqlx/postgres\"]\n"),
    )]);
    assert_services(&d, &[PG], &[REDIS]);
    // `redis?/x` does not turn redis on
    let d = run(&[(
        "Cargo.toml",
        &opt("default = [\"tls\"]\ntls = [\"redis?/tls\"]\n"),
    )]);
    assert_services(&d, &[], &[REDIS]);
}

#[test]
fn one_member_turns_on_another_members_optional_database() {
    let d = run(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"db\", \"server\"]\n",
        ),
        (
            "db/Cargo.toml",
            "[package]\nname = \"db\"\n[features]\nfull = [\"dep:tokio-postgres\"]\n[dependencies]\ntokio-postgres = { version = \"0.7\", optional = true }\n",
        ),
        (
            "server/Cargo.toml",
            "[package]\nname = \"server\"\n[dependencies]\ndb = { path = \"../db\", features = [\"full\"] }\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
    // without the server asking for it, the feature stays off
    let d = run(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"db\"]\n"),
        (
            "db/Cargo.toml",
            "[package]\nname = \"db\"\n[features]\nfull = [\"dep:tokio-postgres\"]\n[dependencies]\ntokio-postgres = { version = \"0.7\", optional = true }\n",
        ),
    ]);
    assert_services(&d, &[], &[PG]);
}

#[test]
fn target_specific_dependencies() {
    let t = crate_toml(
        "[target.'cfg(windows)'.dependencies]\nredis = \"0.25\"\n[target.'cfg(unix)'.dev-dependencies]\npostgres = \"0.19\"\n",
    );
    assert_services(&run(&[("Cargo.toml", &t)]), &[PG], &[REDIS]);
}

#[test]
fn broken_member_warns_and_others_still_count() {
    let d = run(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"b\", \"missing\"]\n",
        ),
        ("a/Cargo.toml", "[package\nname="),
        (
            "b/Cargo.toml",
            "[package]\nname = \"b\"\n[dependencies]\npostgres = \"0.19\"\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(d.warnings.len(), 1);
    assert_eq!(d.warnings[0].file, "a/Cargo.toml");
}

const CARGO_LOCK: &str = r#"
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["apalis-redis", "sqlx", "tracing"]

[[package]]
name = "apalis-redis"
version = "0.6.0"
dependencies = ["redis 0.27.0 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "redis"
version = "0.27.0"

[[package]]
name = "sqlx"
version = "0.8.0"
dependencies = ["sqlx-postgres"]

[[package]]
name = "sqlx-postgres"
version = "0.8.0"

[[package]]
name = "tracing"
version = "0.1.0"
"#;

#[test]
fn cargo_lock_graph_from_the_members_dependencies() {
    let d = run(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\n\n[dependencies]\napalis-redis = \"0.6\"\nsqlx = \"0.8\"\n",
        ),
        ("Cargo.lock", CARGO_LOCK),
    ]);
    // sqlx's features decide Postgres, and the manifest turns none on: the lock's
    // sqlx-postgres (resolved for some feature somewhere) only corroborates
    assert_services(&d, &[REDIS], &[]);
    assert_eq!(evidence(&d, REDIS)[0], "Cargo.lock: apalis-redis → redis");
    // an optional dependency no default feature enables: optional
    let d = run(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\n\n[dependencies]\napalis-redis = { version = \"0.6\", optional = true }\n",
        ),
        ("Cargo.lock", CARGO_LOCK),
    ]);
    assert_services(&d, &[], &[REDIS]);
    assert_eq!(
        evidence(&d, REDIS)[0],
        "Cargo.lock: apalis-redis → redis (optional, not enabled by default features)"
    );
    // a member below the lock's directory
    let d = run(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        (
            "crates/jobs/Cargo.toml",
            "[package]\nname = \"jobs\"\n\n[dependencies]\napalis-redis = \"0.6\"\n",
        ),
        ("Cargo.lock", CARGO_LOCK),
    ]);
    assert_services(&d, &[REDIS], &[]);
}
