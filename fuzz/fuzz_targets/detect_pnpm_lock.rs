//! pnpm-lock.yaml (lockfile 5, 6 and 9), walked from the package.json files it covers.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["pnpm-lock.yaml"],
            &["package.json", "pnpm-lock.yaml"],
            &["package.json", "apps/api/package.json", "pnpm-lock.yaml"],
        ],
        data,
    );
});
