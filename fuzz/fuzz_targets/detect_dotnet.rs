//! MSBuild project files and props (XML) and appsettings' connection strings (JSON with
//! comments).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["App.csproj"],
            &["Directory.Packages.props", "src/Api/Api.csproj"],
            &["Directory.Build.props", "tests/T/T.fsproj"],
            &["src/Api/Api.csproj", "src/Api/appsettings.Development.json"],
            &["App.csproj", "appsettings.json"],
        ],
        data,
    );
});
