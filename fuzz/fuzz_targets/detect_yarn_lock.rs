//! yarn.lock, classic (v1) and berry, walked from the package.json files it covers.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["yarn.lock"],
            &["package.json", "yarn.lock"],
            &["package.json", "apps/api/package.json", "yarn.lock"],
        ],
        data,
    );
});
