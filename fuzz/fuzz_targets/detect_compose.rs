//! Compose files at the root and in the directories a development setup keeps them.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["docker-compose.yml"],
            &["compose.yaml"],
            &[".devcontainer/docker-compose.yml"],
            &["docker-compose.yml", "docker-compose.override.yml"],
            &["docker/compose.dev.yml"],
        ],
        data,
    );
});
