use super::*;

#[test]
fn root_compose_image_forms() {
    let yml = r#"
x-db: &db
  restart: always
services:
  db:
    <<: *db
    image: "registry.example.com:5000/library/postgres:16-alpine@sha256:0123abcd"
  cache:
    image: '${REDIS_IMAGE:-redis}:7'
  web:
    build: .
    environment:
      POSTGRES_USER: app
      REDIS_URL: redis://cache
"#;
    let d = run(&[("docker-compose.yml", yml)]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(
        evidence(&d, PG),
        vec![
            "docker-compose.yml: image registry.example.com:5000/library/postgres:16-alpine@sha256:0123abcd"
        ]
    );
}

#[test]
fn dev_locations_count_and_others_do_not() {
    let yml = "services:\n  db:\n    image: postgres:16\n";
    for f in [
        "compose.yaml",
        "docker-compose.override.yml",
        ".devcontainer/docker-compose.yml",
        "dev/compose.yml",
    ] {
        assert_services(&run(&[(f, yml)]), &[PG], &[]);
    }
    for f in [
        "infra/docker-compose.yml",
        "examples/docker-compose.yml",
        ".github/compose.yml",
    ] {
        assert_services(&run(&[(f, yml)]), &[], &[]);
    }
}

#[test]
fn deploy_compose_alone_is_optional() {
    let yml = "services:\n  db:\n    image: postgres:16\n  redis:\n    image: valkey/valkey:8\n";
    for f in [
        "docker/docker-compose.yml",
        "deploy/compose.yml",
        "docker-compose.prod.yml",
    ] {
        assert_services(&run(&[(f, yml)]), &[], &[PG, REDIS]);
    }
    // next to a driver it is supporting evidence
    let d = run(&[
        ("docker/docker-compose.yml", yml),
        ("go.mod", "module x\nrequire github.com/lib/pq v1.0.0\n"),
    ]);
    assert_services(&d, &[PG], &[REDIS]);
    assert_eq!(
        evidence(&d, PG),
        vec![
            "go.mod: require github.com/lib/pq v1.0.0",
            "docker/docker-compose.yml: image postgres:16"
        ]
    );
}

#[test]
fn profiles_make_a_service_optional() {
    let yml = "services:\n  db:\n    image: postgres\n  redis:\n    image: redis\n    profiles: [\"queue\"]\n";
    assert_services(&run(&[("compose.yml", yml)]), &[PG], &[REDIS]);
}

#[test]
fn postgis_images() {
    let d = run(&[(
        "docker-compose.yml",
        "services:\n  db:\n    image: postgis/postgis:16-3.4\n",
    )]);
    assert_services(&d, &[PG], &[]);
    assert!(d.postgis);
}

#[test]
fn unknown_images_count_only_as_named_database_services() {
    let yml = r#"
services:
  postgres:
    image: acme/custom-db:1
    environment:
      - POSTGRES_PASSWORD=x
  app:
    image: acme/app
    environment:
      POSTGRES_USER: x
      POSTGRES_PASSWORD: y
"#;
    let d = run(&[("docker-compose.yml", yml)]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(evidence(&d, PG).len(), 1);
    let yml = "services:\n  app:\n    image: acme/app\n    environment:\n      POSTGRES_USER: x\n  pgadmin:\n    image: dpage/pgadmin4\n  exporter:\n    image: oliver006/redis_exporter\n";
    assert_services(&run(&[("docker-compose.yml", yml)]), &[], &[]);
}

#[test]
fn compose_without_services_or_garbage() {
    assert_services(&run(&[("docker-compose.yml", "version: '3'\n")]), &[], &[]);
    assert_services(&run(&[("docker-compose.yml", "")]), &[], &[]);
    let d = run(&[("docker-compose.yml", "services:\n  db: [\n")]);
    assert_eq!(d.warnings.len(), 1);
}
