//! go.mod, at the root and below it.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["go.mod"],
            &["go.mod", "cmd/server/go.mod"],
            &["go.work", "go.mod"],
            &["go.mod", "go.sum"],
        ],
        data,
    );
});
