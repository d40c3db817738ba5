//! Spring Boot's application.properties and application.yml, with a profile file beside them.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["build.gradle", "src/main/resources/application.properties"],
            &["build.gradle", "src/main/resources/application.yml"],
            &[
                "pom.xml",
                "src/main/resources/application.properties",
                "src/main/resources/application-postgres.properties",
            ],
        ],
        data,
    );
});
