//! The JVM: Maven's pom.xml (following `<modules>`), Gradle's build scripts (following the
//! settings' `include`s, resolving `libs.…` through `gradle/libs.versions.toml`), and Spring
//! Boot's `application.properties` / `.yml` in each module found.
//!
//! Test dependencies count like the others, since the job runs the tests. A Spring default
//! profile on an in-process database (H2, HSQLDB, Derby) says the default setup runs no
//! database server, so the modules' Postgres drivers are then only optional.

mod catalog;
mod gradle;
mod maven;
mod spring;

use std::collections::{HashMap, HashSet};

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::path::{file_name, is_within, join, parent};
use super::walk::is_compose_name;
use catalog::Catalog;
use gradle::{Coordinate, Use};
use maven::Place;
use spring::Says;

const SRC: Basis = Basis::Driver(Eco::Jvm);

/// How deep `<modules>` and `include`s are followed: real builds nest two or three levels.
const MAX_NESTING: usize = 8;

/// What a library is to detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Service(Service),
    /// Flyway's Postgres support or Liquibase: migrations, evidence only next to a driver.
    Migrations,
    AltSql,
    /// An in-process database on the classpath.
    Embedded,
}

fn kind(group: &str, artifact: &str) -> Option<Kind> {
    let pg = Kind::Service(Service::Postgres);
    let redis = Kind::Service(Service::Redis);
    Some(match (group, artifact) {
        ("org.postgresql", "postgresql" | "r2dbc-postgresql")
        | ("io.r2dbc", "r2dbc-postgresql")
        | ("org.testcontainers", "postgresql" | "testcontainers-postgresql")
        | ("com.impossibl.pgjdbc-ng", "pgjdbc-ng")
        | ("io.vertx", "vertx-pg-client") => pg,
        ("org.flywaydb", "flyway-database-postgresql") | ("org.liquibase", "liquibase-core") => {
            Kind::Migrations
        }
        (
            "org.springframework.boot",
            "spring-boot-starter-data-redis" | "spring-boot-starter-data-redis-reactive",
        )
        | ("org.springframework.data", "spring-data-redis")
        | ("org.springframework.session", "spring-session-data-redis")
        | ("io.lettuce", "lettuce-core")
        | ("redis.clients", "jedis")
        | ("com.redis", "testcontainers-redis") => redis,
        ("org.redisson", a) if a.starts_with("redisson") => redis,
        ("com.mysql", "mysql-connector-j")
        | ("mysql", "mysql-connector-java")
        | ("org.mariadb.jdbc", "mariadb-java-client")
        | ("io.asyncer", "r2dbc-mysql")
        | ("org.mariadb", "r2dbc-mariadb") => Kind::AltSql,
        ("com.h2database", "h2") | ("org.hsqldb", "hsqldb") | ("org.apache.derby", "derby") => {
            Kind::Embedded
        }
        _ => return None,
    })
}

/// What one JVM scan found beyond the hits.
#[derive(Default)]
struct Jvm {
    /// Directories of the modules read, for their Spring configuration.
    modules: Vec<String>,
    /// Indexes into `ctx.hits` of Postgres drivers on a main (not test) classpath.
    main_postgres: Vec<usize>,
    /// An in-process database on a main classpath: (file, library).
    embedded: Option<(String, String)>,
    catalogs: HashMap<String, Option<Catalog>>,
    /// Spring Boot's Compose support outside the tests: the application starts the compose
    /// file's services itself and connects to them, whatever its default profile says.
    compose_support: bool,
}

/// Notes Spring Boot's Compose support, which the tests skip unless told otherwise.
fn compose_support(jvm: &mut Jvm, (group, artifact): (&str, &str), test: bool) {
    if !test && group == "org.springframework.boot" && artifact == "spring-boot-docker-compose" {
        jvm.compose_support = true;
    }
}

/// Reports one library a build file declares, shown as `shown`. `main` says it is on the
/// application's own classpath (not only the tests' or a plugin's), which is where an
/// in-process database or a MySQL driver says something about the default setup.
fn library(
    ctx: &mut Scan<'_>,
    jvm: &mut Jvm,
    file: &str,
    (group, artifact): (&str, &str),
    shown: String,
    weight: Weight,
    main: bool,
) {
    let Some(k) = kind(group, artifact) else {
        return;
    };
    match k {
        Kind::Service(service) => {
            if service == Service::Postgres && main && weight == Weight::Needed {
                jvm.main_postgres.push(ctx.hits.len());
            }
            ctx.hit(service, file, shown, weight, SRC);
        }
        Kind::Migrations => ctx.hit(Service::Postgres, file, shown, Weight::Extra, SRC),
        Kind::AltSql if weight == Weight::Needed && main => {
            ctx.alt_sql(Eco::Jvm, file, &format!("{group}:{artifact}"));
        }
        Kind::Embedded if weight == Weight::Needed && main && jvm.embedded.is_none() => {
            jvm.embedded = Some((file.to_string(), format!("{group}:{artifact}")));
        }
        _ => {}
    }
}

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    let mut jvm = Jvm::default();
    let mut seen: HashSet<String> = HashSet::new();
    for f in files.iter().filter(|f| file_name(f) == "pom.xml") {
        pom(ctx, &mut jvm, &mut seen, f, None, 0);
    }
    for f in files {
        if matches!(file_name(f), "settings.gradle" | "settings.gradle.kts") {
            settings(ctx, &mut jvm, &mut seen, f, 0);
        }
    }
    for f in files {
        if matches!(file_name(f), "build.gradle" | "build.gradle.kts") {
            build_script(ctx, &mut jvm, &mut seen, f);
        }
    }
    let modules = std::mem::take(&mut jvm.modules);
    let mut defaults = Defaults::default();
    for dir in &modules {
        spring_config(ctx, dir, &mut defaults);
    }
    demote_for_embedded(ctx, &jvm, &modules, &defaults);
}

/// Reads a pom and the modules it lists. `profile` is the profile (id, active by default)
/// of the parent's that lists this module, if any.
fn pom(
    ctx: &mut Scan<'_>,
    jvm: &mut Jvm,
    seen: &mut HashSet<String>,
    file: &str,
    profile: Option<&(String, bool)>,
    depth: usize,
) {
    if depth > MAX_NESTING || !seen.insert(file.to_string()) {
        return;
    }
    let Some(text) = ctx.text(file) else {
        if let Some(p) = profile {
            ctx.warn(
                file,
                format!("a module of profile \"{}\" but not in the tree", p.0),
            );
        }
        return;
    };
    let parsed = match maven::parse(&text) {
        Ok(p) => p,
        Err(e) => return ctx.warn(file, e),
    };
    jvm.modules.push(parent(file).to_string());
    for d in &parsed.dependencies {
        let coordinate = format!("{}:{}", d.group, d.artifact);
        let mut notes: Vec<String> = Vec::new();
        let mut weight = Weight::Needed;
        match d.scope.as_str() {
            "test" => notes.push("scope test".to_string()),
            "provided" => {
                weight = Weight::Optional;
                notes.push("scope provided".to_string());
            }
            _ => {}
        }
        if d.optional {
            weight = Weight::Optional;
            notes.push("optional".to_string());
        }
        match &d.place {
            Place::Main => {}
            Place::Profile { id, by_default } => {
                if !by_default {
                    weight = Weight::Optional;
                }
                notes.push(format!("profile \"{id}\""));
            }
            Place::Plugin => {
                weight = Weight::Optional;
                notes.push("a build plugin's dependency".to_string());
            }
        }
        if let Some((id, by_default)) = profile {
            if !by_default {
                weight = Weight::Optional;
            }
            notes.push(format!("a module of profile \"{id}\""));
        }
        let shown = if notes.is_empty() {
            format!("dependency {coordinate}")
        } else {
            format!("dependency {coordinate} ({})", notes.join(", "))
        };
        let main = d.scope != "test" && d.place != Place::Plugin;
        compose_support(jvm, (&d.group, &d.artifact), d.scope == "test");
        library(ctx, jvm, file, (&d.group, &d.artifact), shown, weight, main);
    }
    let dir = parent(file).to_string();
    for (module, in_profile) in &parsed.modules {
        let Some(path) = join(&dir, module.trim_end_matches('/')) else {
            continue;
        };
        let path = if path.ends_with(".xml") {
            path
        } else {
            format!("{path}/pom.xml")
                .trim_start_matches('/')
                .to_string()
        };
        // a module of a module listed in a profile is in that profile too
        let p = in_profile.as_ref().or(profile);
        pom(ctx, jvm, seen, &path, p.cloned().as_ref(), depth + 1);
    }
}

/// A settings script: reads the build scripts of the projects it includes.
fn settings(
    ctx: &mut Scan<'_>,
    jvm: &mut Jvm,
    seen: &mut HashSet<String>,
    file: &str,
    depth: usize,
) {
    if depth > MAX_NESTING {
        return;
    }
    let Some(text) = ctx.text(file) else { return };
    let dir = parent(file).to_string();
    let kts = file.ends_with(".kts");
    for include in gradle::includes(&text) {
        let Some(project) = join(&dir, &include) else {
            continue;
        };
        let (first, second) = if kts {
            ("build.gradle.kts", "build.gradle")
        } else {
            ("build.gradle", "build.gradle.kts")
        };
        for name in [first, second] {
            let Some(script) = join(&project, name) else {
                continue;
            };
            if ctx.text(&script).is_some() {
                build_script(ctx, jvm, seen, &script);
                break;
            }
        }
    }
}

/// The catalog for a build script: `gradle/libs.versions.toml` in its directory or the
/// nearest one above it (the build's root, where the settings script is).
fn catalog_for<'j>(ctx: &mut Scan<'_>, jvm: &'j mut Jvm, script: &str) -> Option<&'j Catalog> {
    let mut dir = parent(script).to_string();
    let path = loop {
        let candidate = join(&dir, "gradle/libs.versions.toml")?;
        if jvm.catalogs.contains_key(&candidate) || ctx.text(&candidate).is_some() {
            break candidate;
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent(&dir).to_string();
    };
    if !jvm.catalogs.contains_key(&path) {
        let table = ctx.toml(&path);
        jvm.catalogs
            .insert(path.clone(), table.as_ref().map(Catalog::from_table));
    }
    jvm.catalogs.get(&path).and_then(Option::as_ref)
}

fn build_script(ctx: &mut Scan<'_>, jvm: &mut Jvm, seen: &mut HashSet<String>, file: &str) {
    if !seen.insert(file.to_string()) {
        return;
    }
    let Some(text) = ctx.text(file) else { return };
    jvm.modules.push(parent(file).to_string());
    for d in gradle::declarations(&text) {
        let Some(use_) = gradle::configuration_use(&d.configuration) else {
            continue;
        };
        let weight = match use_ {
            Use::Main | Use::Test => Weight::Needed,
            Use::Aside => Weight::Optional,
        };
        let main = use_ == Use::Main;
        let cfg = &d.configuration;
        // (group, artifact, how the script wrote it)
        let modules: Vec<(String, String, String)> = match &d.coordinate {
            Coordinate::Module { group, artifact } => {
                vec![(
                    group.clone(),
                    artifact.clone(),
                    format!("{cfg} \"{group}:{artifact}\""),
                )]
            }
            Coordinate::Alias(alias) => catalog_for(ctx, jvm, file)
                .and_then(|c| c.library(alias))
                .map(|(g, a)| {
                    vec![(
                        g.clone(),
                        a.clone(),
                        format!("{cfg} libs.{alias} ({g}:{a})"),
                    )]
                })
                .unwrap_or_default(),
            Coordinate::Bundle(name) => catalog_for(ctx, jvm, file)
                .map(|c| {
                    c.bundle(name)
                        .into_iter()
                        .map(|(alias, (g, a))| {
                            let shown = format!("{cfg} libs.bundles.{name} → {alias} ({g}:{a})");
                            (g.clone(), a.clone(), shown)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        for (group, artifact, shown) in modules {
            compose_support(jvm, (&group, &artifact), use_ == Use::Test);
            let shown = if use_ == Use::Aside {
                format!("{shown} (not on the test classpath)")
            } else {
                shown
            };
            library(ctx, jvm, file, (&group, &artifact), shown, weight, main);
        }
    }
}

/// What the Spring configurations' default profiles say about the database.
#[derive(Default)]
struct Defaults {
    /// A default profile on an in-process database: (file, setting).
    embedded: Option<(String, String)>,
    /// A default profile connects to Postgres.
    postgres: bool,
    /// A default profile sets a datasource URL (perhaps from the environment), so an
    /// in-process database on the classpath is not what Spring starts.
    url_set: bool,
}

/// One Spring configuration file: its documents, and the profile its name gives
/// (`application-postgres.properties` → `postgres`).
struct SpringFile {
    path: String,
    docs: Vec<spring::Doc>,
    profile: Option<String>,
    tests: bool,
}

/// The `application*.properties` / `application*.y(a)ml` files of one resources directory.
fn spring_files(ctx: &mut Scan<'_>, dir: &str, tests: bool) -> Vec<SpringFile> {
    let names: Vec<String> = ctx
        .list(dir)
        .iter()
        .filter(|e| !e.is_dir && e.name.starts_with("application"))
        .map(|e| e.name.clone())
        .collect();
    let mut files = Vec::new();
    for name in names {
        let Some((stem, ext)) = name.rsplit_once('.') else {
            continue;
        };
        let profile = match stem.strip_prefix("application") {
            Some("") => None,
            Some(p) if p.len() > 1 && p.starts_with('-') => Some(p[1..].to_string()),
            _ => continue,
        };
        let path = format!("{dir}/{name}");
        let docs = match ext {
            "properties" => match ctx.text(&path) {
                Some(t) => spring::properties(&t),
                None => continue,
            },
            "yml" | "yaml" => match ctx.text(&path).map(|t| spring::yaml_docs(&t)) {
                Some(Ok(d)) => d,
                Some(Err(e)) => {
                    ctx.warn(&path, format!("cannot parse: {e}"));
                    continue;
                }
                None => continue,
            },
            _ => continue,
        };
        files.push(SpringFile {
            path,
            docs,
            profile,
            tests,
        });
    }
    files
}

/// The Spring configuration of a module: `src/main/resources` and its `config/`, and
/// `src/test/resources` for the tests. A profile counts as default when a default document
/// turns it on (`spring.profiles.active`); the tests' own files may turn on more.
fn spring_config(ctx: &mut Scan<'_>, module: &str, defaults: &mut Defaults) {
    let mut files = Vec::new();
    for (resources, tests) in [
        ("src/main/resources", false),
        ("src/main/resources/config", false),
        ("src/test/resources", true),
    ] {
        if let Some(dir) = join(module, resources) {
            files.extend(spring_files(ctx, &dir, tests));
        }
    }
    let activated = |tests: bool| -> Vec<String> {
        files
            .iter()
            .filter(|f| f.profile.is_none() && (tests || !f.tests))
            .flat_map(|f| f.docs.iter().filter(|d| d.profile.is_none()))
            .flat_map(spring::Doc::activates)
            .collect()
    };
    let (active_main, active_tests) = (activated(false), activated(true));
    let on = |profile: Option<&String>, active: &[String]| {
        profile.is_none_or(|p| p.split(',').any(|p| active.iter().any(|a| a == p.trim())))
    };
    for f in &files {
        for doc in &f.docs {
            let profile = doc.profile.as_ref().or(f.profile.as_ref());
            // the job runs the tests, so a profile the tests turn on counts too; what the
            // application itself runs by default is what `defaults` records
            let by_default = on(profile, &active_tests);
            let app_default = !f.tests && on(profile, &active_main);
            if app_default && doc.sets_datasource() {
                defaults.url_set = true;
            }
            for (says, key, value) in spring::findings(doc) {
                let mut shown = format!("{key}={}", short(value));
                match profile {
                    Some(p) if on(Some(p), &active_main) => {
                        shown.push_str(&format!(" (profile \"{p}\", active by default)"));
                    }
                    Some(p) if by_default => {
                        shown.push_str(&format!(" (profile \"{p}\", active in the tests)"));
                    }
                    Some(p) => shown.push_str(&format!(" (profile \"{p}\")")),
                    None => {}
                }
                let weight = if by_default {
                    Weight::Needed
                } else {
                    Weight::Optional
                };
                match says {
                    Says::Postgres => {
                        if app_default {
                            defaults.postgres = true;
                        }
                        ctx.hit(Service::Postgres, &f.path, shown, weight, Basis::Setup);
                    }
                    Says::Redis => ctx.hit(Service::Redis, &f.path, shown, weight, Basis::Setup),
                    Says::Embedded if app_default && defaults.embedded.is_none() => {
                        defaults.embedded = Some((f.path.clone(), shown));
                    }
                    Says::Embedded => {}
                }
            }
        }
    }
}

/// A setting's value as evidence: one line, not too long.
fn short(value: &str) -> String {
    let one: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 100 {
        format!("{}…", one.chars().take(100).collect::<String>())
    } else {
        one
    }
}

/// When the default profile runs an in-process database (an explicit H2/HSQLDB/Derby URL, or
/// no URL at all with one on the classpath, which Spring Boot then starts), and no default
/// profile names Postgres, a Postgres driver on the classpath is for another profile, and so
/// is the Postgres of a compose file above the modules (spring-petclinic's root compose file
/// runs MySQL and Postgres for its two profiles) — unless Spring Boot's Compose support
/// starts that file with the application. Runs after the compose files are read.
fn demote_for_embedded(ctx: &mut Scan<'_>, jvm: &Jvm, modules: &[String], defaults: &Defaults) {
    if defaults.postgres || jvm.main_postgres.is_empty() {
        return;
    }
    let because = match (&defaults.embedded, &jvm.embedded) {
        (Some((file, setting)), _) => format!("the default profile uses {setting} in {file}"),
        (None, Some((file, library))) if !defaults.url_set => {
            format!("the default profile uses the in-process {library} from {file}")
        }
        _ => return,
    };
    for &i in &jvm.main_postgres {
        if let Some(h) = ctx.hits.get_mut(i)
            && h.weight == Weight::Needed
        {
            h.weight = Weight::Optional;
            h.reason = format!("{} ({because})", h.reason);
        }
    }
    if jvm.compose_support {
        return;
    }
    for h in &mut ctx.hits {
        let compose = is_compose_name(&file_name(&h.file).to_ascii_lowercase());
        let above = modules
            .iter()
            .any(|m| is_within(m, parent(&h.file)) || m == parent(&h.file));
        if compose
            && above
            && h.service == Service::Postgres
            && h.basis == Basis::Setup
            && h.weight == Weight::Needed
        {
            h.weight = Weight::Optional;
            h.reason = format!("{} ({because})", h.reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(
            kind("org.postgresql", "postgresql"),
            Some(Kind::Service(Service::Postgres))
        );
        assert_eq!(
            kind("org.redisson", "redisson-spring-boot-starter"),
            Some(Kind::Service(Service::Redis))
        );
        assert_eq!(kind("org.postgresql", "pgjdbc-core"), None);
        assert_eq!(kind("com.example", "postgresql"), None);
        assert_eq!(kind("org.flywaydb", "flyway-core"), None);
        assert_eq!(
            kind("org.flywaydb", "flyway-database-postgresql"),
            Some(Kind::Migrations)
        );
    }
}
