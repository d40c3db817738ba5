//! Gemfile, Gemfile.lock and gemspec parsing, alone and together.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["Gemfile"],
            &["Gemfile.lock"],
            &["Gemfile", "Gemfile.lock"],
            &["app.gemspec"],
            &["Gemfile", "app.gemspec"],
            &["gems.rb", "gems.locked"],
            &["server/Gemfile", "server/Gemfile.lock"],
        ],
        data,
    );
});
