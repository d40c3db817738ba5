//! mix.exs, including umbrella apps.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(&[&["mix.exs"], &["mix.exs", "apps/web/mix.exs"]], data);
});
