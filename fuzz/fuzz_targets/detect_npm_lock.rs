//! package-lock.json's `packages` graph, walked from the package.json files it covers.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["package-lock.json"],
            &["package.json", "package-lock.json"],
            &["package.json", "apps/api/package.json", "package-lock.json"],
        ],
        data,
    );
});
