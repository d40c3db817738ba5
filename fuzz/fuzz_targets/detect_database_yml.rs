//! Rails' config/database.yml (and its .example/.sample copies) and config/cable.yml.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["config/database.yml"],
            &["config/database.yml.example"],
            &["config/database.yml.sample"],
            &["config/cable.yml"],
            &["config/database.yml", "config/cable.yml"],
            &["Gemfile", "config/database.yml"],
        ],
        data,
    );
});
