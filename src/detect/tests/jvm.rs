use super::*;

fn pom(deps: &str) -> String {
    format!(
        "<project><modelVersion>4.0.0</modelVersion><artifactId>app</artifactId>\n<dependencies>{deps}</dependencies></project>"
    )
}

fn dep(group: &str, artifact: &str, extra: &str) -> String {
    format!(
        "<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>{extra}</dependency>"
    )
}

#[test]
fn maven_scopes_decide_the_weight() {
    let p = pom(&[
        dep("org.postgresql", "postgresql", "<scope>runtime</scope>"),
        dep("io.lettuce", "lettuce-core", "<optional>true</optional>"),
        dep("org.flywaydb", "flyway-database-postgresql", ""),
    ]
    .concat());
    let d = run(&[("pom.xml", &p)]);
    assert_services(&d, &[PG], &[REDIS]);
    assert_eq!(
        evidence(&d, PG),
        [
            "pom.xml: dependency org.postgresql:postgresql",
            "pom.xml: dependency org.flywaydb:flyway-database-postgresql"
        ]
    );
    assert_eq!(
        evidence(&d, REDIS),
        ["pom.xml: dependency io.lettuce:lettuce-core (optional)"]
    );
    // a test dependency is needed: the job runs the tests
    let p = pom(&dep(
        "org.testcontainers",
        "postgresql",
        "<scope>test</scope>",
    ));
    let d = run(&[("pom.xml", &p)]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        ["pom.xml: dependency org.testcontainers:postgresql (scope test)"]
    );
    let p = pom(&dep("redis.clients", "jedis", "<scope>provided</scope>"));
    assert_services(&run(&[("pom.xml", &p)]), &[], &[REDIS]);
}

#[test]
fn maven_management_comments_and_migrations_alone_declare_nothing() {
    let p = format!(
        "<project><dependencyManagement><dependencies>{}</dependencies></dependencyManagement>\n\
         <!-- <dependencies>{}</dependencies> -->\n<dependencies>{}</dependencies></project>",
        dep("org.postgresql", "postgresql", ""),
        dep("redis.clients", "jedis", ""),
        dep("org.liquibase", "liquibase-core", ""),
    );
    assert_services(&run(&[("pom.xml", &p)]), &[], &[]);
}

#[test]
fn maven_modules_are_followed_below_the_walk() {
    let root = "<project><modules><module>services/core/api/server</module></modules>\n\
                <profiles><profile><id>cache</id><modules><module>cache</module></modules></profile></profiles></project>";
    let d = run(&[
        ("pom.xml", root),
        (
            "services/core/api/server/pom.xml",
            &pom(&dep("org.postgresql", "r2dbc-postgresql", "")),
        ),
        ("cache/pom.xml", &pom(&dep("org.redisson", "redisson", ""))),
    ]);
    assert_services(&d, &[PG], &[REDIS]);
    assert_eq!(
        evidence(&d, REDIS),
        ["cache/pom.xml: dependency org.redisson:redisson (a module of profile \"cache\")"]
    );
    // a profile's own dependencies are optional unless it is active by default
    let p = "<project><profiles><profile><id>pg</id><activation><activeByDefault>true</activeByDefault></activation>\n\
             <dependencies><dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId></dependency></dependencies>\n\
             </profile><profile><id>redis</id><dependencies><dependency><groupId>redis.clients</groupId><artifactId>jedis</artifactId></dependency></dependencies></profile></profiles></project>";
    assert_services(&run(&[("pom.xml", p)]), &[PG], &[REDIS]);
}

#[test]
fn a_broken_pom_warns() {
    let d = run(&[("pom.xml", "<project><dependencies></project>")]);
    assert_services(&d, &[], &[]);
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert!(d.warnings[0].message.contains("line 1"), "{:?}", d.warnings);
}

#[test]
fn gradle_configurations_decide_the_weight() {
    let groovy = "dependencies {\n  runtimeOnly 'org.postgresql:postgresql:42.7.3'\n  // implementation 'redis.clients:jedis:5'\n  compileOnly group: 'io.lettuce', name: 'lettuce-core'\n}\n";
    let d = run(&[("build.gradle", groovy)]);
    assert_services(&d, &[PG], &[REDIS]);
    assert_eq!(
        evidence(&d, PG),
        ["build.gradle: runtimeOnly \"org.postgresql:postgresql\""]
    );
    assert_eq!(
        evidence(&d, REDIS),
        ["build.gradle: compileOnly \"io.lettuce:lettuce-core\" (not on the test classpath)"]
    );
    let kts = "dependencies {\n  testImplementation(\"org.testcontainers:postgresql\")\n  developmentOnly(\"org.springframework.boot:spring-boot-docker-compose\")\n}\n";
    assert_services(&run(&[("build.gradle.kts", kts)]), &[PG], &[]);
}

#[test]
fn gradle_catalog_aliases_and_settings_includes() {
    let settings =
        "rootProject.name = \"shop\"\ninclude(\":apps:backend:server:api\", \":worker\")\n";
    let catalog = "[libraries]\npostgresql = { module = \"org.postgresql:postgresql\", version = \"42.7.3\" }\n\
                   spring-boot-starter-data-redis = { group = \"org.springframework.boot\", name = \"spring-boot-starter-data-redis\" }\n\
                   jedis = \"redis.clients:jedis:5.1.0\"\n[bundles]\ncache = [\"jedis\"]\n";
    let d = run(&[
        ("settings.gradle.kts", settings),
        ("gradle/libs.versions.toml", catalog),
        (
            "apps/backend/server/api/build.gradle.kts",
            "dependencies {\n  runtimeOnly(libs.postgresql)\n  implementation(libs.spring.boot.starter.data.redis)\n}\n",
        ),
        (
            "worker/build.gradle",
            "dependencies { implementation libs.bundles.cache }\n",
        ),
    ]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(
        evidence(&d, PG),
        [
            "apps/backend/server/api/build.gradle.kts: runtimeOnly libs.postgresql (org.postgresql:postgresql)"
        ]
    );
    assert_eq!(
        evidence(&d, REDIS),
        [
            "apps/backend/server/api/build.gradle.kts: implementation libs.spring.boot.starter.data.redis (org.springframework.boot:spring-boot-starter-data-redis)",
            "worker/build.gradle: implementation libs.bundles.cache → jedis (redis.clients:jedis)"
        ]
    );
    // an alias the catalog does not define names nothing
    let d = run(&[
        (
            "build.gradle",
            "dependencies { implementation libs.postgresql }\n",
        ),
        (
            "gradle/libs.versions.toml",
            "[libraries]\nother = \"a:b:1\"\n",
        ),
    ]);
    assert_services(&d, &[], &[]);
}

const PETCLINIC_PROPERTIES: &str =
    "database=h2\nspring.sql.init.schema-locations=classpath*:db/${database}/schema.sql\n";

#[test]
fn spring_h2_default_with_a_postgres_profile_is_optional_postgres() {
    let p = pom(&[
        dep("com.h2database", "h2", "<scope>runtime</scope>"),
        dep("org.postgresql", "postgresql", "<scope>runtime</scope>"),
    ]
    .concat());
    let d = run(&[
        ("pom.xml", &p),
        (
            "src/main/resources/application.properties",
            PETCLINIC_PROPERTIES,
        ),
        (
            "src/main/resources/application-postgres.properties",
            "database=postgres\nspring.datasource.url=${POSTGRES_URL:jdbc:postgresql://localhost/petclinic}\n",
        ),
    ]);
    assert_services(&d, &[], &[PG]);
    assert_eq!(
        evidence(&d, PG),
        [
            "pom.xml: dependency org.postgresql:postgresql (the default profile uses the in-process com.h2database:h2 from pom.xml)",
            "src/main/resources/application-postgres.properties: spring.datasource.url=${POSTGRES_URL:jdbc:postgresql://localhost/petclinic} (profile \"postgres\")"
        ]
    );
    // turning the profile on by default makes it needed
    let d = run(&[
        ("pom.xml", &p),
        (
            "src/main/resources/application.properties",
            "spring.profiles.active=postgres\n",
        ),
        (
            "src/main/resources/application-postgres.properties",
            "spring.datasource.url=jdbc:postgresql://localhost/petclinic\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
    // a default URL from the environment is not the in-process database
    let d = run(&[
        ("pom.xml", &p),
        (
            "src/main/resources/application.properties",
            "spring.datasource.url=${DATABASE_URL}\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn spring_yaml_documents_and_redis_settings() {
    let yml = "spring:\n  datasource:\n    url: jdbc:postgresql://localhost:5432/app\n  data:\n    redis:\n      host: localhost\n---\nspring:\n  config:\n    activate:\n      on-profile: cloud\n  redis:\n    url: redis://cache\n";
    let d = run(&[
        (
            "app/build.gradle",
            "dependencies { implementation 'org.springframework.boot:spring-boot-starter-web' }\n",
        ),
        ("app/src/main/resources/application.yml", yml),
    ]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(
        evidence(&d, REDIS),
        ["app/src/main/resources/application.yml: spring.data.redis.host=localhost"]
    );
    // only in a profile that is not on by default: optional
    let cloud_only = &yml[yml.find("---").unwrap_or(0)..];
    let d = run(&[
        ("app/build.gradle", ""),
        ("app/src/main/resources/application.yml", cloud_only),
    ]);
    assert_services(&d, &[], &[REDIS]);
    assert_eq!(
        evidence(&d, REDIS),
        [
            "app/src/main/resources/application.yml: spring.redis.url=redis://cache (profile \"cloud\")"
        ]
    );
    // an explicit H2 URL in the default profile demotes the driver
    let d = run(&[
        (
            "build.gradle",
            "dependencies { runtimeOnly 'org.postgresql:postgresql' }\n",
        ),
        (
            "src/main/resources/application.yaml",
            "spring.datasource.url: jdbc:h2:mem:test\n",
        ),
    ]);
    assert_services(&d, &[], &[PG]);
    let d = run(&[
        ("build.gradle", ""),
        ("src/main/resources/application.yml", "spring: [broken"),
    ]);
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
}

#[test]
fn hostile_builds_end_and_stay_inside_the_tree() {
    let n = 100_000;
    let deep = "<a>".repeat(n);
    let cycle = "<project><modules><module>.</module><module>a</module><module>../../etc</module><module>/etc</module></modules></project>";
    let back = "<project><modules><module>..</module></modules></project>";
    let gradle = format!("{}{}", "implementation(".repeat(n), "'".repeat(n));
    let settings = format!("include {}", "'a', ".repeat(n));
    let d = run(&[
        ("pom.xml", cycle),
        ("a/pom.xml", back),
        ("x/pom.xml", deep.as_str()),
        ("build.gradle", gradle.as_str()),
        ("settings.gradle", settings.as_str()),
        (
            "src/main/resources/application.properties",
            &"\\\n".repeat(n),
        ),
    ]);
    assert_services(&d, &[], &[]);
    assert!(
        d.warnings.iter().any(|w| w.file == "x/pom.xml"),
        "{:?}",
        d.warnings
    );
}

#[test]
fn an_in_process_default_demotes_the_compose_postgres_unless_spring_starts_compose() {
    let compose = "services:\n  mysql:\n    image: mysql:9\n  postgres:\n    image: postgres:18\n";
    let gradle = "dependencies {\n  runtimeOnly 'com.h2database:h2'\n  runtimeOnly 'org.postgresql:postgresql'\n}\n";
    let d = run(&[
        ("build.gradle", gradle),
        ("docker-compose.yml", compose),
        (
            "src/main/resources/application.properties",
            PETCLINIC_PROPERTIES,
        ),
    ]);
    assert_services(&d, &[], &[PG]);
    assert_eq!(
        evidence(&d, PG)[0],
        "docker-compose.yml: image postgres:18 (the default profile uses the in-process com.h2database:h2 from build.gradle)"
    );
    // with Spring Boot's Compose support the application starts and uses that Postgres
    let with_support = format!(
        "{gradle}dependencies {{ developmentOnly 'org.springframework.boot:spring-boot-docker-compose' }}\n"
    );
    let d = run(&[
        ("build.gradle", with_support.as_str()),
        ("docker-compose.yml", compose),
        (
            "src/main/resources/application.properties",
            PETCLINIC_PROPERTIES,
        ),
    ]);
    assert_services(&d, &[PG], &[]);
    // a compose file beside another project is not this one's
    let d = run(&[
        ("api/build.gradle", gradle),
        (
            "api/src/main/resources/application.properties",
            PETCLINIC_PROPERTIES,
        ),
        ("web/docker-compose.yml", compose),
        (
            "README.md",
            "cd web && docker compose -f web/docker-compose.yml up",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn spring_profiles_turned_on_by_default_or_by_the_tests() {
    let gradle = "dependencies { runtimeOnly 'com.h2database:h2' }\n";
    // the main config/ directory turns on a profile whose file sits beside it
    let d = run(&[
        ("build.gradle", gradle),
        (
            "src/main/resources/config/application.yml",
            "spring:\n  profiles:\n    active: local\n",
        ),
        (
            "src/main/resources/application-local.properties",
            "spring.data.redis.host=localhost\n",
        ),
    ]);
    assert_services(&d, &[REDIS], &[]);
    assert_eq!(
        evidence(&d, REDIS),
        [
            "src/main/resources/application-local.properties: spring.data.redis.host=localhost (profile \"local\", active by default)"
        ]
    );
    // the tests' own file turns on a profile for the tests only: still needed, the job runs them
    let d = run(&[
        ("build.gradle", gradle),
        (
            "src/test/resources/application.properties",
            "spring.profiles.active=it\n",
        ),
        (
            "src/main/resources/application-it.properties",
            "spring.datasource.url=jdbc:postgresql://localhost/it\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        [
            "src/main/resources/application-it.properties: spring.datasource.url=jdbc:postgresql://localhost/it (profile \"it\", active in the tests)"
        ]
    );
}
