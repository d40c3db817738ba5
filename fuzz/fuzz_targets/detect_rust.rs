//! Cargo.toml: a package, a workspace with (glob) members and `[workspace.dependencies]`.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["Cargo.toml"],
            &["Cargo.toml", "crates/db/Cargo.toml"],
            &["Cargo.toml", "crates/db/Cargo.toml", "crates/api/Cargo.toml"],
        ],
        data,
    );
});
