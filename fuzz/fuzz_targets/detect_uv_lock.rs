//! uv.lock, walked from the pyproject.toml (or requirements file) it covers.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["uv.lock"],
            &["pyproject.toml", "uv.lock"],
            &["requirements.txt", "uv.lock"],
        ],
        data,
    );
});
