//! pom.xml, alone and aggregating modules (one of them behind a profile).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["pom.xml"],
            &["pom.xml", "api/pom.xml", "worker/pom.xml"],
            &["pom.xml", "src/main/resources/application.properties"],
        ],
        data,
    );
});
