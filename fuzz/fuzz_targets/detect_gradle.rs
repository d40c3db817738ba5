//! Gradle build scripts (Groovy and Kotlin), settings includes and the version catalog.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["build.gradle"],
            &["build.gradle.kts"],
            &["settings.gradle", "app/build.gradle", "gradle/libs.versions.toml"],
            &["settings.gradle.kts", "app/build.gradle.kts", "gradle/libs.versions.toml"],
        ],
        data,
    );
});
