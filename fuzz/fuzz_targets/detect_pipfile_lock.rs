//! Pipfile.lock's sections, next to the Pipfile whose packages it locks.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["Pipfile.lock"],
            &["Pipfile", "Pipfile.lock"],
            &["Pipfile", "requirements.txt", "Pipfile.lock"],
        ],
        data,
    );
});
