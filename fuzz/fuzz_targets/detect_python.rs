//! pyproject.toml (PEP 621, Poetry, uv), requirements*.txt with `-r` includes, and Pipfile.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["pyproject.toml"],
            &["requirements.txt"],
            &["requirements.txt", "requirements/base.txt"],
            &["requirements-dev.txt", "base_requirements.txt"],
            &["Pipfile"],
            &["pyproject.toml", "requirements.txt", "Pipfile"],
        ],
        data,
    );
});
