//! devcontainer.json (JSONC) with the compose file it names, and compose files the docs use.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &[".devcontainer/devcontainer.json"],
            &[".devcontainer/devcontainer.json", ".devcontainer/docker-compose.yml"],
            &[".devcontainer.json", "ops/compose.yml"],
            &["README.md", "infra/docker-compose.yml"],
        ],
        data,
    );
});
