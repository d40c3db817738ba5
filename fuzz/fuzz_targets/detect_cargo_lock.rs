//! Cargo.lock, walked from the crates the Cargo.toml files it covers declare.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["Cargo.lock"],
            &["Cargo.toml", "Cargo.lock"],
            &["Cargo.toml", "crates/a/Cargo.toml", "Cargo.lock"],
        ],
        data,
    );
});
