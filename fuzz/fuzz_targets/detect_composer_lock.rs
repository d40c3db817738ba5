//! composer.lock's `packages` / `packages-dev` graph, walked from the composer.json next to it.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["composer.lock"],
            &["composer.json", "composer.lock"],
            &["api/composer.json", "api/composer.lock"],
        ],
        data,
    );
});
