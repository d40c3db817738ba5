use super::*;

fn csproj(items: &str) -> String {
    format!(
        "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <ItemGroup>\n{items}\n  </ItemGroup>\n</Project>\n"
    )
}

fn reference(id: &str) -> String {
    format!("    <PackageReference Include=\"{id}\" />")
}

#[test]
fn package_references() {
    for (id, s) in [
        ("Npgsql", PG),
        ("Npgsql.EntityFrameworkCore.PostgreSQL", PG),
        ("npgsql.entityframeworkcore.postgresql", PG),
        ("Aspire.Npgsql.EntityFrameworkCore.PostgreSQL", PG),
        ("Aspire.Hosting.PostgreSQL", PG),
        ("StackExchange.Redis", REDIS),
        ("Microsoft.Extensions.Caching.StackExchangeRedis", REDIS),
        ("Aspire.StackExchange.Redis.OutputCaching", REDIS),
        ("Aspire.Hosting.Redis", REDIS),
    ] {
        let p = csproj(&reference(id));
        let d = run(&[("src/Api/Api.csproj", p.as_str())]);
        assert_services(&d, &[s], &[]);
        assert_eq!(
            evidence(&d, s),
            [format!("src/Api/Api.csproj: PackageReference \"{id}\"")]
        );
    }
    // look-alikes and framework packages
    let p = csproj(
        &[
            "NpgsqlRest",
            "Microsoft.EntityFrameworkCore",
            "Microsoft.EntityFrameworkCore.SqlServer",
            "Aspire.Hosting.AppHost",
            "Redis.OM.Lookalike",
            "StackExchange.Redisish",
        ]
        .map(reference)
        .join("\n"),
    );
    assert_services(&run(&[("App.csproj", p.as_str())]), &[], &[]);
    // F# too, and a comment is no reference
    let fs = "<Project><ItemGroup>\n<!-- <PackageReference Include=\"Npgsql\" /> -->\n<PackageReference Include=\"StackExchange.Redis\" Version=\"2.8\" />\n</ItemGroup></Project>";
    assert_services(&run(&[("App.fsproj", fs)]), &[REDIS], &[]);
}

#[test]
fn central_versions_reference_nothing_and_global_references_count() {
    let props = "<Project>\n  <PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup>\n  <ItemGroup>\n    <PackageVersion Include=\"Npgsql\" Version=\"9.0.2\" />\n    <PackageVersion Include=\"StackExchange.Redis\" Version=\"2.8.16\" />\n  </ItemGroup>\n</Project>";
    let p = csproj(&reference("Npgsql"));
    let d = run(&[
        ("Directory.Packages.props", props),
        ("src/Api/Api.csproj", p.as_str()),
    ]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        ["src/Api/Api.csproj: PackageReference \"Npgsql\""]
    );
    assert_services(&run(&[("Directory.Packages.props", props)]), &[], &[]);
    let global = props.replace(
        "<PackageVersion Include=\"StackExchange.Redis\"",
        "<GlobalPackageReference Include=\"StackExchange.Redis\"",
    );
    let d = run(&[("Directory.Packages.props", global.as_str())]);
    assert_eq!(
        evidence(&d, REDIS),
        ["Directory.Packages.props: GlobalPackageReference \"StackExchange.Redis\""]
    );
    let build = format!(
        "<Project><ItemGroup>{}</ItemGroup></Project>",
        reference("Npgsql")
    );
    assert_services(
        &run(&[("Directory.Build.props", build.as_str())]),
        &[PG],
        &[],
    );
}

#[test]
fn test_projects_and_conditions() {
    let items = [reference("Microsoft.NET.Test.Sdk"), reference("Npgsql")].join("\n");
    let d = run(&[("tests/Api.Tests/Api.Tests.csproj", csproj(&items).as_str())]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        ["tests/Api.Tests/Api.Tests.csproj: PackageReference \"Npgsql\" (test project)"]
    );
    let p = "<Project Sdk=\"Microsoft.NET.Sdk\">\n<PropertyGroup><IsTestProject>true</IsTestProject></PropertyGroup>\n<ItemGroup><PackageReference Include=\"StackExchange.Redis\" /></ItemGroup></Project>";
    let d = run(&[("Tests.csproj", p)]);
    assert!(evidence(&d, REDIS)[0].ends_with("(test project)"), "{d:#?}");
    for framework in ["xunit.v3.mtp-v2", "NUnit", "MSTest", "xunit"] {
        let items = [reference(framework), reference("Npgsql")].join("\n");
        let d = run(&[("T.csproj", csproj(&items).as_str())]);
        assert!(evidence(&d, PG)[0].ends_with("(test project)"), "{d:#?}");
    }
    // a configuration condition makes it optional; a target framework one does not
    let p = "<Project><ItemGroup Condition=\"'$(Configuration)' == 'Release'\"><PackageReference Include=\"StackExchange.Redis\" /></ItemGroup>\n<ItemGroup><PackageReference Include=\"Npgsql\" Condition=\"'$(TargetFramework)' == 'net9.0'\" /></ItemGroup></Project>";
    let d = run(&[("App.csproj", p)]);
    assert_services(&d, &[PG], &[REDIS]);
    assert_eq!(
        evidence(&d, REDIS),
        [
            "App.csproj: PackageReference \"StackExchange.Redis\" (only when '$(Configuration)' == 'Release')"
        ]
    );
}

#[test]
fn npgsql_next_to_a_mysql_provider_is_a_choice() {
    let items = [
        reference("Npgsql.EntityFrameworkCore.PostgreSQL"),
        reference("Pomelo.EntityFrameworkCore.MySql"),
    ]
    .join("\n");
    let d = run(&[("App.csproj", csproj(&items).as_str())]);
    assert_services(&d, &[], &[PG]);
}

#[test]
fn appsettings_connection_strings() {
    let p = csproj(&reference("Microsoft.EntityFrameworkCore"));
    let settings = r#"{
  // local development
  "ConnectionStrings": {
    "DefaultConnection": "Host=localhost;Database=shop;Username=postgres;Password=hunter2",
    "Cache": "localhost:6379,abortConnect=false",
    "Legacy": "Server=(localdb)\\mssqllocaldb;Database=old;Trusted_Connection=True",
  },
}"#;
    let d = run(&[
        ("src/Web/Web.csproj", p.as_str()),
        ("src/Web/appsettings.Development.json", settings),
    ]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(
        evidence(&d, PG),
        [
            "src/Web/appsettings.Development.json: ConnectionStrings:DefaultConnection (Host=localhost;Database=shop)"
        ]
    );
    assert_eq!(
        evidence(&d, REDIS),
        ["src/Web/appsettings.Development.json: ConnectionStrings:Cache (localhost:6379)"]
    );
    // no password in any evidence
    assert!(!format!("{d:?}").contains("hunter2"));
    // a production file only corroborates
    let d = run(&[
        ("src/Web/Web.csproj", p.as_str()),
        ("src/Web/appsettings.Production.json", settings),
    ]);
    assert_services(&d, &[], &[]);
    // settings with no project next to them are not read
    assert_services(&run(&[("appsettings.json", settings)]), &[], &[]);
}

#[test]
fn broken_project_files_warn() {
    let d = run(&[
        ("App.csproj", "<Project><ItemGroup></Project>"),
        ("appsettings.json", "{"),
        ("Other.csproj", csproj(&reference("Npgsql")).as_str()),
    ]);
    assert_services(&d, &[PG], &[]);
    let warned: Vec<&str> = d.warnings.iter().map(|w| w.file.as_str()).collect();
    assert_eq!(warned, ["App.csproj", "appsettings.json"]);
    assert!(
        d.warnings[0].message.starts_with("cannot parse: line 1"),
        "{:?}",
        d.warnings
    );
}
