//! .NET: `PackageReference`s in project files (`*.csproj`, `*.fsproj`, `*.vbproj`) and in
//! `Directory.Build.props` / `Directory.Packages.props` (which apply to every project below
//! them), and the `ConnectionStrings` of `appsettings*.json` next to a project.
//!
//! A test project's references are its tests' own, so needed, as a test dependency is in
//! every other stack; a reference under an MSBuild condition (other than a target framework)
//! is optional. Aspire hosting packages (`Aspire.Hosting.PostgreSQL`) mean the app host runs
//! the service during development, so they count like a driver.

mod appsettings;
mod msbuild;

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::path::{file_name, parent};

const SRC: Basis = Basis::Driver(Eco::Dotnet);

enum Kind {
    Service(Service),
    AltSql,
}

/// NuGet ids are case-insensitive.
fn kind(id: &str) -> Option<Kind> {
    let id = id.to_ascii_lowercase();
    let family = |base: &str| id == base || id.starts_with(&format!("{base}."));
    Some(
        if family("npgsql")
            || family("aspire.npgsql")
            || id == "aspire.hosting.postgresql"
            || id == "marten"
        {
            Kind::Service(Service::Postgres)
        } else if family("stackexchange.redis")
            || id.ends_with(".stackexchangeredis")
            || family("aspire.stackexchange.redis")
            || id == "aspire.hosting.redis"
        {
            Kind::Service(Service::Redis)
        } else if matches!(
            id.as_str(),
            "mysqlconnector"
                | "mysql.data"
                | "pomelo.entityframeworkcore.mysql"
                | "mysql.entityframeworkcore"
                | "aspire.hosting.mysql"
        ) {
            Kind::AltSql
        } else {
            return None;
        },
    )
}

/// A package only a test project references: the test SDK or a test framework.
fn test_framework(id: &str) -> bool {
    let id = id.to_ascii_lowercase();
    matches!(
        id.as_str(),
        "microsoft.net.test.sdk" | "mstest" | "mstest.testframework" | "nunit" | "xunit" | "tunit"
    ) || id.starts_with("xunit.v3")
}

fn is_project(name: &str) -> bool {
    [".csproj", ".fsproj", ".vbproj"]
        .iter()
        .any(|ext| name.len() > ext.len() && name.ends_with(ext))
}

pub(crate) fn is_appsettings(name: &str) -> bool {
    name.len() > "appsettings.".len()
        && name.is_char_boundary(12)
        && name[..12].eq_ignore_ascii_case("appsettings.")
        && name.ends_with(".json")
}

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    let mut project_dirs: Vec<&str> = Vec::new();
    for f in files {
        let name = file_name(f);
        if is_project(name) {
            project_file(ctx, f);
            project_dirs.push(parent(f));
        } else if matches!(name, "Directory.Build.props" | "Directory.Packages.props") {
            project_file(ctx, f);
        }
    }
    for f in files {
        if is_appsettings(file_name(f)) && project_dirs.contains(&parent(f)) {
            settings_file(ctx, f);
        }
    }
}

fn project_file(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let project = match msbuild::parse(&text) {
        Ok(p) => p,
        Err(e) => return ctx.warn(file, e),
    };
    let is_test = project.is_test || project.references.iter().any(|r| test_framework(&r.name));
    for r in &project.references {
        let Some(k) = kind(&r.name) else { continue };
        let label = if r.global {
            "GlobalPackageReference"
        } else {
            "PackageReference"
        };
        let mut reason = format!("{label} \"{}\"", r.name);
        if is_test {
            reason.push_str(" (test project)");
        }
        let weight = match &r.condition {
            Some(c) => {
                reason = format!("{reason} (only when {c})");
                Weight::Optional
            }
            None => Weight::Needed,
        };
        match k {
            Kind::Service(s) => ctx.hit(s, file, reason, weight, SRC),
            Kind::AltSql if weight == Weight::Needed && !is_test => {
                ctx.alt_sql(Eco::Dotnet, file, &r.name)
            }
            Kind::AltSql => {}
        }
    }
}

/// The environment an `appsettings.<env>.json` is for; the base file is every environment's.
fn for_development(name: &str) -> bool {
    let stem = name.strip_suffix(".json").unwrap_or(name);
    let env = stem.get(12..).unwrap_or("").to_ascii_lowercase();
    matches!(
        env.as_str(),
        "" | "development" | "test" | "testing" | "local"
    )
}

fn settings_file(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let strings = match appsettings::connection_strings(&text) {
        Ok(s) => s,
        Err(e) => return ctx.warn(file, e),
    };
    let name = file_name(file);
    let weight = if for_development(name) {
        Weight::Needed
    } else {
        Weight::Extra
    };
    for (key, value) in strings {
        if let Some((service, shown)) = appsettings::classify(&key, &value) {
            let reason = format!("ConnectionStrings:{key} ({shown})");
            ctx.hit(service, file, reason, weight, Basis::Setup);
        }
    }
}
